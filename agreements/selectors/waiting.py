"""What waits on a user: reviews to sign, changes asked of their teams, their drafts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q

from agreements.models import Agreement, Signature
from agreements.selectors import with_review_state
from teams.models import Membership
from teams.selectors import user_team_roles

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _sent_back(agreement: Agreement) -> bool:
    return bool(getattr(agreement, "changes_requested_by", None))


@dataclass(frozen=True)
class WaitingOnMe:
    """What waits on a user: reviews to sign, changes asked of their teams, their drafts."""

    to_sign: list[Agreement]
    changes_asked: list[Agreement]
    drafts: list[Agreement]

    @property
    def is_empty(self) -> bool:
        return not (self.to_sign or self.changes_asked or self.drafts)


def waiting_on_me(*, user: User) -> WaitingOnMe:
    """Reviews awaiting the user's signature and the drafts they own or may edit, in 3 queries.

    Only agreements of the user's own teams count (or that they own): staff see every
    agreement, but not every one waits on them.
    """
    roles = user_team_roles(user)
    teams = list(roles)
    signing = [team for team, role in roles.items() if role == Membership.Role.SIGNATORY]
    related = ("marketing_team", "sales_team", "owner")
    drafts = list(
        with_review_state(
            Agreement.objects.filter(status=Agreement.Status.DRAFT).filter(
                Q(owner=user) | Q(marketing_team_id__in=teams) | Q(sales_team_id__in=teams)
            )
        )
        .select_related(*related)
        .order_by("-updated_at", "-pk")
    )

    def unsigned(team_field: str) -> Q:
        valid = Signature.objects.filter(
            agreement=OuterRef("pk"), team_id=OuterRef(team_field), voided_at__isnull=True
        )
        return Q(**{f"{team_field}__in": signing}) & ~Q(Exists(valid))

    to_sign = (
        list(
            Agreement.objects.filter(status=Agreement.Status.IN_REVIEW)
            .filter(unsigned("marketing_team_id") | unsigned("sales_team_id"))
            .select_related(*related)
            .order_by("submitted_at", "pk")
        )
        if signing
        else []
    )
    return WaitingOnMe(
        to_sign=to_sign,
        changes_asked=[draft for draft in drafts if _sent_back(draft)],
        drafts=[draft for draft in drafts if not _sent_back(draft)],
    )
