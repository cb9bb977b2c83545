"""The review state of agreements: who sent each back for changes, in one subquery."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db.models import CharField, F, Func, QuerySet

from agreements.models import Agreement, AgreementEvent

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler


# The events that move an agreement in and out of review; the latest one tells its review state.
REVIEW_EVENTS = (
    AgreementEvent.Kind.SUBMITTED,
    AgreementEvent.Kind.WITHDRAWN,
    AgreementEvent.Kind.CHANGES_REQUESTED,
)


class _ReviewRequester(Func):
    """Who sent the agreement back: the actor of its latest review event, if a change request.

    Named as teams.text.person_name names people, in SQL: the full name, else the username.
    Written out, as building and compiling it of Subquery, Case, Coalesce, NullIf, Trim and
    Concat cost the agreement list ~1.5 ms a page, running it ~0.2 ms. Its one outer reference,
    the agreement's pk, is an expression, so it follows the agreement's alias in any nesting.
    ``||`` and ``LIMIT`` read alike on PostgreSQL and SQLite, the project's databases.
    """

    def __init__(self) -> None:
        super().__init__(F("pk"), output_field=CharField())

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[Any, ...]]:
        agreement_sql, agreement_params = compiler.compile(self.source_expressions[0])
        template = _REQUESTER_SQL.get(connection.vendor)
        if template is None:
            template = _REQUESTER_SQL[connection.vendor] = _requester_sql(connection.ops.quote_name)
        params = (AgreementEvent.Kind.CHANGES_REQUESTED, " ", "", *agreement_params, *REVIEW_EVENTS)
        return template.format(agreement=agreement_sql), params


_REQUESTER_SQL: dict[str, str] = {}


def _requester_sql(quote: Callable[[str], str]) -> str:
    events, users = AgreementEvent._meta, get_user_model()._meta

    def column(alias: str, meta: Any, field: str) -> str:
        return f"{alias}.{quote(meta.get_field(field).column)}"

    def event(field: str) -> str:
        return column("review_event", events, field)

    def actor(field: str) -> str:
        return column("review_actor", users, field)

    kinds = ", ".join(["%s"] * len(REVIEW_EVENTS))
    name = (
        f"COALESCE(NULLIF(TRIM({actor('first_name')} || %s || {actor('last_name')}), %s),"
        f" {actor('username')})"
    )
    return (
        f"(SELECT CASE WHEN {event('kind')} = %s THEN {name} ELSE NULL END"
        f" FROM {quote(events.db_table)} review_event"
        f" LEFT OUTER JOIN {quote(users.db_table)} review_actor"
        f" ON {actor(users.pk.name)} = {event('actor')}"
        f" WHERE {event('agreement')} = {{agreement}} AND {event('kind')} IN ({kinds})"
        f" ORDER BY {event('created_at')} DESC, {event(events.pk.name)} DESC LIMIT 1)"
    )


def with_review_state(queryset: QuerySet[Agreement]) -> QuerySet[Agreement]:
    """Annotate ``changes_requested_by``: who sent the agreement back, until it is resubmitted.

    The name of the actor of the agreement's latest review event when that event is a request
    for changes, else None; one subquery, so a list costs no query per row.
    """
    return queryset.annotate(changes_requested_by=_ReviewRequester())
