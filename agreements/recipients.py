"""Who receives each kind of sign-off email, and which members of a team can be written to."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from agreements.models import Agreement, Signature
from teams.models import Membership

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class Notice(StrEnum):
    """The sign-off acts that are emailed; each names its templates in agreements/email/."""

    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    SIGNED = "signed"
    FULLY_SIGNED = "fully_signed"
    WITHDRAWN = "withdrawn"
    REMINDER = "reminder"


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


def unsigned_team_ids(agreement: Agreement) -> list[int]:
    """The agreement's teams without a valid signature on this version, marketing first."""
    signed = set(
        Signature.objects.filter(agreement_id=agreement.pk, voided_at__isnull=True).values_list(
            "team_id", flat=True
        )
    )
    party_team_ids = (agreement.marketing_team_id, agreement.sales_team_id)
    return [team_id for team_id in party_team_ids if team_id not in signed]


def awaiting_signatories(agreement: Agreement) -> QuerySet[Membership]:
    """Reachable signatories of each of the agreement's teams whose team has not yet signed.

    One valid signature per team completes that team's part, so the team's other signatories
    are no longer asked; a person who signs for both teams stays asked until both have signed.
    """
    signed_team_ids = Signature.objects.filter(
        agreement_id=agreement.pk, voided_at__isnull=True
    ).values("team_id")
    return (
        reachable_memberships({agreement.marketing_team_id, agreement.sales_team_id})
        .filter(role=Membership.Role.SIGNATORY)
        .exclude(team_id__in=signed_team_ids)
    )


def notice_recipients(notice: Notice, agreement: Agreement, actor: User | None) -> list[str]:
    """Addresses of one sign-off email: the people the act concerns, sorted."""
    if notice in (Notice.SUBMITTED, Notice.REMINDER):
        # Every signatory still to sign is asked, a submitter who signs too included: each team
        # signs. A reminder queued before the review closed goes to no one.
        if agreement.status != Agreement.Status.IN_REVIEW:
            return []
        memberships = awaiting_signatories(agreement)
    else:
        memberships = reachable_memberships({agreement.marketing_team_id, agreement.sales_team_id})
        # The actor knows what they did; only the full signature goes to everyone, actor included.
        if notice != Notice.FULLY_SIGNED and actor is not None:
            memberships = memberships.exclude(user_id=actor.pk)
    return sorted(set(memberships.values_list("user__email", flat=True)))
