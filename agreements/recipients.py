"""Who receives each kind of sign-off email, and which members of a team can be written to."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from agreements.models import Agreement
from teams.models import Membership
from teams.selectors import user_team_ids

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class Notice(StrEnum):
    """The sign-off acts that are emailed; each names its templates in agreements/email/."""

    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    SIGNED = "signed"
    FULLY_SIGNED = "fully_signed"
    WITHDRAWN = "withdrawn"


def reachable_memberships(team_ids: Iterable[int]) -> QuerySet[Membership]:
    """Memberships of the given teams whose user is active and has an email address."""
    return Membership.objects.filter(team_id__in=list(team_ids), user__is_active=True).exclude(
        user__email=""
    )


def team_addresses(team_ids: Iterable[int]) -> dict[tuple[int, str], set[str]]:
    """Addresses per (team, role) of the teams' reachable members, in one query."""
    addresses: dict[tuple[int, str], set[str]] = defaultdict(set)
    rows = reachable_memberships(set(team_ids)).values_list("team_id", "role", "user__email")
    for team_id, role, email in rows:
        addresses[(team_id, role)].add(email)
    return addresses


def notice_recipients(notice: Notice, agreement: Agreement, actor: User | None) -> list[str]:
    """Addresses of one sign-off email: the people the act concerns, sorted."""
    party_team_ids = {agreement.marketing_team_id, agreement.sales_team_id}
    memberships = reachable_memberships(party_team_ids)
    if notice == Notice.SUBMITTED:
        # The other team signs next; a submitter in both teams asks their own team's signatories.
        actor_team_ids = party_team_ids & (user_team_ids(actor) if actor is not None else set())
        other_team_ids = party_team_ids - actor_team_ids
        memberships = reachable_memberships(other_team_ids or actor_team_ids).filter(
            role=Membership.Role.SIGNATORY
        )
    # The actor knows what they did; only the full signature goes to everyone, actor included.
    if notice != Notice.FULLY_SIGNED and actor is not None:
        memberships = memberships.exclude(user_id=actor.pk)
    return sorted(set(memberships.values_list("user__email", flat=True)))
