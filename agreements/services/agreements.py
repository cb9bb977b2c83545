"""Creating agreements and editing their sections while they are drafts."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from agreements.document_reader import ContentErrors
from agreements.exchange import LATEST_SCHEMA, content_of, content_upgrade
from agreements.funnel import months_after_period_change
from agreements.lifecycle import Act, allows, refusal
from agreements.models import Agreement, AgreementEvent, AgreementSeries, Revision
from agreements.models.agreement import ERROR_DEADLINE_BEFORE_PERIOD, before_period
from agreements.permissions import ensure_party
from agreements.sections import SECTIONS_BY_KEY
from agreements.selectors import agreement_load_sections
from agreements.services.audit import event_record, revision_record
from agreements.services.content import content_apply, content_validate
from agreements.standard_template import standard_content
from agreements.working_hours import calendar_sync
from teams.models import Team

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ERROR_NOT_YOUR_TEAMS = "You can only create agreements for a team you belong to."
ERROR_AMENDMENT_PARTIES = gettext_noop(
    "An amendment keeps the two teams of the version it amends. To agree with another team, "
    "create a new agreement."
)
PARTY_FIELDS = ("marketing_team", "sales_team")


class EditConflict(Exception):
    """Someone else saved the same section after the form was opened."""

    def __init__(self, *, agreement: Agreement, section: str, current: dict[str, Any]) -> None:
        super().__init__(f"Section {section} of agreement {agreement.pk} changed meanwhile.")
        self.agreement = agreement
        self.section = section
        self.current = current


def _section_content(content: dict[str, Any], section: str) -> dict[str, Any]:
    """The section's part of a content, in the latest schema whatever it was written in."""
    content = content_upgrade(content)
    return {key: content.get(key) for key in SECTIONS_BY_KEY[section].export_keys}


def _ensure_draft(agreement: Agreement) -> None:
    if not allows(agreement, Act.EDIT):
        raise ValidationError(refusal(agreement, Act.EDIT))


def ensure_amendment_keeps_parties(agreement: Agreement, fields: dict[str, Any]) -> None:
    """An amendment's parties are the series' parties: a change of team is a new agreement."""
    if agreement.amends_id is None:
        return
    for name in PARTY_FIELDS:
        if name in fields:
            given = fields[name]
            if getattr(given, "pk", given) != getattr(agreement, f"{name}_id"):
                raise ValidationError(_(ERROR_AMENDMENT_PARTIES), code="amendment_parties")


def _create_from_document(
    *,
    document: dict[str, Any],
    actor: User,
    ip_address: str | None,
    event_details: dict[str, Any],
    kind: str = AgreementEvent.Kind.CREATED,
    series: AgreementSeries | None = None,
    version: int = 1,
    amends: Agreement | None = None,
    stored_dates: bool = False,
) -> Agreement:
    content = content_validate(document, stored_dates=stored_dates)
    fields = content.fields
    agreement = Agreement(
        series=series or AgreementSeries.objects.create(),
        version=version,
        amends=amends,
        owner=actor,
        **fields,
    )
    content_apply(agreement=agreement, content=content)
    revision_record(agreement=agreement, actor=actor, section="")
    event_record(
        agreement=agreement, actor=actor, kind=kind, details=event_details, ip_address=ip_address
    )
    return agreement


def _check_actor_in_teams(actor: User, marketing_team: Team, sales_team: Team) -> None:
    if actor.is_staff:
        return
    if not actor.memberships.filter(team__in=[marketing_team, sales_team]).exists():
        raise PermissionDenied(_(ERROR_NOT_YOUR_TEAMS))


def agreement_create(
    *,
    actor: User,
    title: str,
    marketing_team: Team,
    sales_team: Team,
    start_date: dt.date,
    end_date: dt.date,
    from_template: bool = False,
    ip_address: str | None = None,
) -> Agreement:
    """Create a draft, empty or filled from the standard template."""
    _check_actor_in_teams(actor, marketing_team, sales_team)
    document = standard_content(
        title=title,
        marketing_team=marketing_team.name,
        sales_team=sales_team.name,
        start_date=start_date,
        end_date=end_date,
        empty=not from_template,
    )
    with transaction.atomic():
        return _create_from_document(
            document=document,
            actor=actor,
            ip_address=ip_address,
            event_details={"source": "template" if from_template else "empty"},
        )


def agreement_copy(
    *,
    source: Agreement,
    actor: User,
    title: str = "",
    ip_address: str | None = None,
    marketing_team: Team | None = None,
    sales_team: Team | None = None,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
) -> Agreement:
    """A new, independent draft with the same content as the source.

    The teams and the period may be given anew; those not given are the source's.
    """
    ensure_party(actor, source)
    if marketing_team is not None or sales_team is not None:
        _check_actor_in_teams(
            actor, marketing_team or source.marketing_team, sales_team or source.sales_team
        )
    document = content_of(agreement_load_sections(source.pk))
    document["title"] = title or _("Copy of %(title)s") % {"title": source.title}
    if marketing_team is not None:
        document["marketing_team"] = marketing_team.name
    if sales_team is not None:
        document["sales_team"] = sales_team.name
    if start_date is not None or end_date is not None:
        document["funnel"]["months"] = months_after_period_change(
            source.months,
            before=(source.start_date, source.end_date),
            after=(start_date or source.start_date, end_date or source.end_date),
        )
    if start_date is not None:
        document["period"]["start"] = start_date.isoformat()
    if end_date is not None:
        document["period"]["end"] = end_date.isoformat()
    with transaction.atomic():
        return _create_from_document(
            document=document,
            actor=actor,
            ip_address=ip_address,
            event_details={"source": "copy", "copied_from": source.pk},
            # Its deadlines may fall before a new period: the deadlines form then says so.
            stored_dates=True,
        )


def agreement_import(*, document: Any, actor: User, ip_address: str | None = None) -> Agreement:
    """A new draft from a /1 or /2 document; nothing is created when any error is found."""
    content = content_validate(document)
    marketing_team = content.fields["marketing_team"]
    sales_team = content.fields["sales_team"]
    _check_actor_in_teams(actor, marketing_team, sales_team)
    with transaction.atomic():
        return _create_from_document(
            document=document,
            actor=actor,
            ip_address=ip_address,
            kind=AgreementEvent.Kind.IMPORTED,
            event_details={"source": "import"},
        )


def _check_deadlines(agreement: Agreement, rows: list[dict[str, Any]]) -> None:
    """Each deadline falls in or after the agreement's period (the form says so per row)."""
    for row in rows:
        early = before_period(row.get("due"), agreement.start_date, ERROR_DEADLINE_BEFORE_PERIOD)
        if early is not None:
            raise ValidationError({"due": early})


def agreement_section_update(
    *,
    agreement: Agreement,
    actor: User,
    section: str,
    base_revision: int,
    fields: dict[str, Any],
    rows: dict[str, list[dict[str, Any]]] | None = None,
    ip_address: str | None = None,
) -> Agreement:
    """Save one section of a draft.

    The form carries the revision it was opened at. When the agreement has moved on
    and this same section changed meanwhile, EditConflict is raised and nothing is saved;
    edits to other sections in between do not conflict.
    """
    spec = SECTIONS_BY_KEY[section]
    unknown = set(fields) - set(spec.fields)
    if unknown:
        raise ValueError(f"Fields {sorted(unknown)} are not in section {section}.")
    with transaction.atomic():
        locked = Agreement.objects.select_for_update().get(pk=agreement.pk)
        ensure_party(actor, locked)
        _ensure_draft(locked)
        ensure_amendment_keeps_parties(locked, fields)
        if locked.revision != base_revision:
            base = Revision.objects.filter(agreement=locked, number=base_revision).first()
            current = content_of(agreement_load_sections(locked.pk))
            if base is None or _section_content(base.snapshot, section) != _section_content(
                current, section
            ):
                raise EditConflict(agreement=locked, section=section, current=current)
        period_before = (locked.start_date, locked.end_date)
        for name, value in fields.items():
            setattr(locked, name, value)
        if locked.start_date and locked.end_date:
            locked.months = months_after_period_change(
                locked.months, before=period_before, after=(locked.start_date, locked.end_date)
            )
        calendar_sync(locked, fields)
        # A draft is not signed: its next edit moves it to the latest schema (KPI measures).
        locked.content_schema = LATEST_SCHEMA
        locked.revision += 1
        # The next review is judged against the period when the review section is saved; a
        # period moved past it in the header is left for that section's form to flag.
        if section == "deadlines":
            _check_deadlines(locked, (rows or {}).get("deadlines", []))
        unchecked = ["series", "owner", "amends"]
        if section != "review":
            unchecked.append("next_review")
        locked.full_clean(exclude=unchecked, validate_unique=False)
        locked.save()
        for relation in spec.rows:
            model: type[models.Model] = locked._meta.get_field(relation).related_model  # type: ignore[assignment]
            getattr(locked, relation).all().delete()
            model._default_manager.bulk_create(
                [
                    model(agreement=locked, position=position, **row)
                    for position, row in enumerate((rows or {}).get(relation, []))
                ]
            )
        revision = revision_record(agreement=locked, actor=actor, section=section)
        event_record(
            agreement=locked,
            actor=actor,
            kind=AgreementEvent.Kind.SECTION_EDITED,
            details={"section": section, "revision": locked.revision, "digest": revision.digest},
            ip_address=ip_address,
        )
    return locked


__all__ = [
    "ContentErrors",
    "EditConflict",
    "agreement_copy",
    "agreement_create",
    "agreement_import",
    "agreement_section_update",
    "ensure_amendment_keeps_parties",
]
