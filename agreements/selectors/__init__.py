"""Reads that join or aggregate: every page loads its data through here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Prefetch,
    Q,
    QuerySet,
    prefetch_related_objects,
)

from agreements.models import Agreement, AgreementEvent, Comment, Kpi, Revision, Signature
from agreements.permissions import visible_agreements
from agreements.sections import ROW_RELATIONS
from agreements.selectors.review_state import with_review_state
from teams.models import Membership, Team

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


# The History tab lists the latest revisions; the revisions page lists them all.
PANEL_REVISIONS = 10


def _with_signatures(queryset: QuerySet[Agreement], *, signers: bool = True) -> QuerySet[Agreement]:
    """Teams, owner, series and every signature with its people, in two queries; without the
    signers' accounts when ``signers`` is false (their typed names are on the signatures)."""
    people = ("team", "user", "voided_by") if signers else ("team", "voided_by")
    signatures = Signature.objects.select_related(*people)
    return queryset.select_related(
        "marketing_team", "sales_team", "owner", "series"
    ).prefetch_related(Prefetch("signatures", queryset=signatures))


def _with_sections(queryset: QuerySet[Agreement]) -> QuerySet[Agreement]:
    """As _with_signatures with the review state, and every section's rows, in fixed queries."""
    return _with_signatures(with_review_state(queryset)).prefetch_related(*ROW_RELATIONS)


def agreement_list(
    *,
    user: User | AnonymousUser,
    status: str = "",
    team_id: int | None = None,
    search: str = "",
) -> QuerySet[Agreement]:
    queryset = with_review_state(
        visible_agreements(user, by_value=True).select_related(
            "marketing_team", "sales_team", "owner"
        )
    )
    if status:
        queryset = queryset.filter(status=status)
    if team_id:
        queryset = queryset.filter(Q(marketing_team_id=team_id) | Q(sales_team_id=team_id))
    if search:
        queryset = queryset.filter(title__icontains=search.strip())
    return queryset.order_by("-updated_at", "-pk")


def agreement_get(*, user: User | AnonymousUser, pk: int) -> Agreement | None:
    """One agreement the user may see, or None (whether or not it exists)."""
    return (
        with_review_state(visible_agreements(user))
        .select_related("marketing_team", "sales_team", "owner", "series")
        .filter(pk=pk)
        .first()
    )


def _only_row(queryset: QuerySet[Agreement]) -> Agreement | None:
    """The one row a key lookup finds, or None: unlike ``first()``, without ordering it."""
    return next(iter(queryset.order_by()[:1]), None)


def agreement_for_series(*, user: User | AnonymousUser, pk: int) -> Agreement | None:
    """One agreement the user may see, with its two teams: all that the pages of its series'
    figures (actuals, KPI values, imports, the dashboard) show of it. Leaner than
    ``agreement_get``: without the owner, the series row and the review state, and without
    an ordering for one row."""
    found = visible_agreements(user).select_related("marketing_team", "sales_team")
    return _only_row(found.filter(pk=pk))


def agreement_with_sections(*, user: User | AnonymousUser, pk: int) -> Agreement | None:
    """An agreement with every section's rows loaded in a fixed number of queries."""
    return _with_sections(visible_agreements(user)).filter(pk=pk).first()


def agreement_for_page(*, user: User | AnonymousUser, pk: int) -> Agreement | None:
    """An agreement the user may see with its signatures; agreement_load_rows adds its rows.

    The agreement page loads the rows only when its cache holds no rendering of them. Only a
    draft can be sent back, so only a draft shows its review state (``changes_requested_by``,
    None for any other); it is read in the same query, its subquery now cheap to build.

    Leaner than the other loaders, as this is the most viewed page: without the signers'
    accounts (the page shows their typed names) and without an ordering for one row.
    """
    found = with_review_state(_with_signatures(visible_agreements(user), signers=False))
    agreement = _only_row(found.filter(pk=pk))
    if agreement is not None and agreement.status != Agreement.Status.DRAFT:
        agreement.changes_requested_by = None  # type: ignore[attr-defined]
    return agreement


def agreement_load_rows(agreement: Agreement) -> Agreement:
    """Every section's rows onto the agreement, those already loaded left as they are."""
    prefetch_related_objects([agreement], *ROW_RELATIONS)
    return agreement


def agreement_load_sections(pk: int) -> Agreement:
    """The same load without a user, for commands and services."""
    return _with_sections(Agreement.objects.all()).get(pk=pk)


def agreements_load_sections(pks: Collection[int]) -> dict[int, Agreement]:
    """Several agreements by pk, each with its sections: the same queries as for one."""
    loaded = _with_sections(Agreement.objects.filter(pk__in=list(pks)))
    return {agreement.pk: agreement for agreement in loaded}


def teams_for_user(user: User | AnonymousUser) -> QuerySet[Team]:
    """The teams a user belongs to; every team for staff, none for an anonymous visitor."""
    if not user.is_authenticated:
        return Team.objects.none()
    if user.is_staff:
        return Team.objects.all()
    return Team.objects.filter(memberships__user=user).distinct()


# Sign-off reads: signatures, versions, revisions, comments, events and signed agreements.


def signed_agreement_list(
    *,
    user: User | AnonymousUser,
    team_id: int | None = None,
    period_from: dt.date | None = None,
    period_to: dt.date | None = None,
) -> QuerySet[Agreement]:
    """Signed agreements the user may see; a period keeps those whose dates overlap it."""
    queryset = (
        visible_agreements(user, by_value=True)
        .filter(status=Agreement.Status.SIGNED)
        .select_related("marketing_team", "sales_team")
    )
    if team_id:
        queryset = queryset.filter(Q(marketing_team_id=team_id) | Q(sales_team_id=team_id))
    if period_from:
        queryset = queryset.filter(end_date__gte=period_from)
    if period_to:
        queryset = queryset.filter(start_date__lte=period_to)
    return queryset.order_by("-signed_at", "-pk")


def signed_agreement_teams(*, user: User | AnonymousUser) -> QuerySet[Team]:
    """The teams that are a party to some signed agreement the user may see.

    One subquery, a union of the two sides: PostgreSQL reads each through the team indexes,
    where two subqueries joined by OR had it scan every agreement twice.
    """
    signed = visible_agreements(user, by_value=True).filter(status=Agreement.Status.SIGNED)
    sides = signed.values("marketing_team_id").union(signed.values("sales_team_id"))
    return Team.objects.filter(pk__in=sides).order_by("name")


def agreement_version_chain(*, user: User | AnonymousUser, agreement: Agreement) -> list[Agreement]:
    """Every version of the agreement's series the user may see, oldest first."""
    return list(
        with_review_state(visible_agreements(user))
        .filter(series_id=agreement.series_id)
        .select_related("marketing_team", "sales_team")
        .order_by("version")
    )


def agreement_signatures(*, agreement: Agreement) -> QuerySet[Signature]:
    """Valid and voided signatures, with who signed and who voided."""
    return (
        Signature.objects.filter(agreement=agreement)
        .select_related("team", "user", "voided_by")
        .order_by("signed_at", "pk")
    )


def agreement_revisions(*, agreement: Agreement) -> QuerySet[Revision]:
    """Revisions newest first, without their snapshots."""
    return (
        Revision.objects.filter(agreement=agreement)
        .select_related("author")
        .defer("snapshot")
        .order_by("-number")
    )


def revision_snapshot(*, agreement: Agreement, number: int) -> dict[str, Any] | None:
    return (
        Revision.objects.filter(agreement=agreement, number=number)
        .values_list("snapshot", flat=True)
        .first()
    )


def agreement_comments(*, agreement: Agreement) -> QuerySet[Comment]:
    return Comment.objects.filter(agreement=agreement).select_related("author", "resolved_by")


def agreement_events(*, agreement: Agreement) -> QuerySet[AgreementEvent]:
    return AgreementEvent.objects.filter(agreement=agreement).select_related("actor")


@dataclass(frozen=True)
class SignoffRecord:
    """What an agreement page shows of its sign-off: signatures, versions, comments."""

    agreement: Agreement
    # Valid and voided, oldest first.
    signatures: list[Signature]
    versions: list[Agreement]
    comments: list[Comment]

    @property
    def valid_by_team(self) -> dict[int, Signature]:
        return {signature.team_id: signature for signature in self.signatures if signature.is_valid}

    @property
    def team_signatures(self) -> list[tuple[Team, Signature | None]]:
        """Each team of the agreement with its valid signature of this version, if any."""
        valid = self.valid_by_team
        return [
            (self.agreement.marketing_team, valid.get(self.agreement.marketing_team_id)),
            (self.agreement.sales_team, valid.get(self.agreement.sales_team_id)),
        ]

    @property
    def voided(self) -> list[Signature]:
        return [signature for signature in self.signatures if not signature.is_valid]

    @property
    def previous(self) -> Agreement | None:
        """The version this one amends, when the user may see it."""
        return next(
            (version for version in self.versions if version.pk == self.agreement.amends_id), None
        )

    @property
    def has_amendment(self) -> bool:
        """A later version amends this one, and is not cancelled."""
        return any(
            version.amends_id == self.agreement.pk and version.status != Agreement.Status.CANCELLED
            for version in self.versions
        )

    @property
    def open_comments(self) -> list[Comment]:
        return [comment for comment in self.comments if comment.resolved_at is None]

    @property
    def resolved_comments(self) -> list[Comment]:
        return [comment for comment in self.comments if comment.resolved_at is not None]


def agreement_signoff_record(*, user: User | AnonymousUser, agreement: Agreement) -> SignoffRecord:
    """The sign-off record of an agreement whose signatures are prefetched, in two queries."""
    # Of the versions, the record reads their number, status and what each amends: a lean
    # query, as the page's time goes mostly to building queries, not to running them.
    versions = (
        visible_agreements(user)
        .filter(series_id=agreement.series_id)
        .only("series_id", "version", "amends_id", "status")
        .order_by("version")
    )
    return SignoffRecord(
        agreement=agreement,
        signatures=list(agreement.signatures.all()),
        versions=list(versions),
        comments=list(agreement_comments(agreement=agreement)),
    )


def agreement_with_rows(
    *, user: User | AnonymousUser, pk: int, relations: tuple[str, ...]
) -> Agreement | None:
    """An agreement the user may see with only the given section relations prefetched."""
    return (
        visible_agreements(user)
        .select_related("marketing_team", "sales_team", "owner")
        .prefetch_related(*relations)
        .filter(pk=pk)
        .first()
    )


def signed_versions(series_id: int) -> list[Agreement]:
    """The signed versions of a series, latest version first."""
    return list(
        Agreement.objects.filter(series_id=series_id, status=Agreement.Status.SIGNED).order_by(
            "-version"
        )
    )


def version_for_day(versions: list[Agreement], day: dt.date) -> Agreement | None:
    """Of signed versions (latest first), the one in force on ``day``.

    That is the latest version whose period covers the day, signed by then and not yet
    superseded. A day before any covering version was signed (figures recorded after the
    fact) is judged by the first version that covers it; with none covering, the newest.
    """
    covering = [version for version in versions if version.start_date <= day <= version.end_date]
    for version in covering:
        signed = version.signed_at is None or version.signed_at.date() <= day
        superseded = version.superseded_at is not None and version.superseded_at.date() <= day
        if signed and not superseded:
            return version
    if covering:
        return covering[-1]
    return versions[0] if versions else None


def version_in_force(series_id: int, day: dt.date) -> Agreement | None:
    """The signed version whose period covers ``day`` and not yet superseded on it.

    Latest version first; falls back to the newest signed version, or None if none is signed.
    """
    return version_for_day(signed_versions(series_id), day)


def kpis_in_force(agreement: Agreement, day: dt.date) -> tuple[Agreement, list[Kpi]]:
    """The version of the agreement's series in force on ``day`` (else the agreement), its KPIs."""
    version = version_in_force(agreement.series_id, day) or agreement
    return version, list(version.kpis.all())


def kpi_cadences(series_id: int) -> dict[str, set[str]]:
    """The cadences each KPI name has in the series' signed versions (values match by name)."""
    cadences: dict[str, set[str]] = {}
    for name, cadence in Kpi.objects.filter(
        agreement__series_id=series_id, agreement__status=Agreement.Status.SIGNED
    ).values_list("name", "cadence"):
        cadences.setdefault(name, set()).add(cadence)
    return cadences


def team_signatories(team_ids: Collection[int]) -> dict[int, list[User]]:
    """The signatories of each team, by name, in one query."""
    signatories: dict[int, list[User]] = {team_id: [] for team_id in team_ids}
    memberships = (
        Membership.objects.filter(team_id__in=list(team_ids), role=Membership.Role.SIGNATORY)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__username")
    )
    for membership in memberships:
        signatories[membership.team_id].append(membership.user)
    return signatories
