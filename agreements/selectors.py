"""Reads that join or aggregate: every page loads its data through here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from agreements.models import Agreement, AgreementEvent, Comment, Kpi, Revision, Signature
from agreements.permissions import visible_agreements
from teams.models import Team

SECTION_PREFETCHES = (
    "kpis",
    "responsibilities",
    "criteria_rules",
    "service_levels",
    "holidays",
    "rejection_reasons",
    "deadlines",
)


def agreement_list(
    *,
    user: Any,
    status: str = "",
    team_id: int | None = None,
    search: str = "",
) -> QuerySet[Agreement]:
    queryset = visible_agreements(user).select_related("marketing_team", "sales_team", "owner")
    if status:
        queryset = queryset.filter(status=status)
    if team_id:
        queryset = queryset.filter(Q(marketing_team_id=team_id) | Q(sales_team_id=team_id))
    if search:
        queryset = queryset.filter(title__icontains=search.strip())
    return queryset.order_by("-updated_at", "-pk")


def agreement_get(*, user: Any, pk: int) -> Agreement:
    """One agreement the user may see, or 404 with no hint that it exists."""
    agreement = (
        visible_agreements(user)
        .select_related("marketing_team", "sales_team", "owner", "series")
        .filter(pk=pk)
        .first()
    )
    if agreement is None:
        raise Http404
    return agreement


def agreement_with_sections(*, user: Any, pk: int) -> Agreement:
    """An agreement with every section's rows loaded in a fixed number of queries."""
    agreement = (
        visible_agreements(user)
        .select_related("marketing_team", "sales_team", "owner", "series")
        .prefetch_related(
            *SECTION_PREFETCHES,
            Prefetch("signatures", queryset=Signature.objects.select_related("team", "user")),
        )
        .filter(pk=pk)
        .first()
    )
    if agreement is None:
        raise Http404
    return agreement


def agreement_load_sections(pk: int) -> Agreement:
    """The same load without a user, for commands and services."""
    return (
        Agreement.objects.select_related("marketing_team", "sales_team", "owner", "series")
        .prefetch_related(
            *SECTION_PREFETCHES,
            Prefetch("signatures", queryset=Signature.objects.select_related("team", "user")),
        )
        .get(pk=pk)
    )


def teams_for_user(user: Any) -> QuerySet[Team]:
    if user.is_staff:
        return Team.objects.all()
    return Team.objects.filter(memberships__user=user).distinct()


# Sign-off reads: signatures, versions, revisions, comments, events and signed agreements.


def signed_agreement_list(
    *,
    user: Any,
    team_id: int | None = None,
    period_from: dt.date | None = None,
    period_to: dt.date | None = None,
) -> QuerySet[Agreement]:
    """Signed agreements the user may see; a period keeps those whose dates overlap it."""
    queryset = (
        visible_agreements(user)
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


def signed_agreement_teams(*, user: Any) -> QuerySet[Team]:
    """The teams that are a party to some signed agreement the user may see."""
    signed = visible_agreements(user).filter(status=Agreement.Status.SIGNED)
    return Team.objects.filter(
        Q(pk__in=signed.values("marketing_team_id")) | Q(pk__in=signed.values("sales_team_id"))
    ).order_by("name")


def agreement_version_chain(*, user: Any, agreement: Agreement) -> list[Agreement]:
    """Every version of the agreement's series the user may see, oldest first."""
    return list(
        visible_agreements(user)
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


def agreement_with_rows(*, user: Any, pk: int, relations: tuple[str, ...]) -> Agreement:
    """An agreement the user may see with only the given section relations prefetched."""
    agreement = (
        visible_agreements(user)
        .select_related("marketing_team", "sales_team", "owner")
        .prefetch_related(*relations)
        .filter(pk=pk)
        .first()
    )
    if agreement is None:
        raise Http404
    return agreement


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
