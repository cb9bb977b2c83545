"""Reads that join or aggregate: every page loads its data through here."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from .models import Agreement, Signature, Team
from .permissions import visible_agreements

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
