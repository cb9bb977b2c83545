"""Who may see and change an agreement: the one place these rules live."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from agreements.lifecycle import Act, allows
from agreements.models import Agreement
from teams.models import Membership
from teams.selectors import known_team_ids, user_team_ids, user_team_roles

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


ERROR_NOT_PARTY = gettext_noop("You are not a member of either team of this agreement.")


def visible_agreements(
    user: User | AnonymousUser,
    queryset: QuerySet[Agreement] | None = None,
    *,
    by_value: bool = False,
) -> QuerySet[Agreement]:
    """Agreements a user may see: those of their teams; every one for staff.

    The user's teams are named by value when ``by_value`` asks for it, or when the request
    has read them already (``user_team_ids``, which the permission checks share); otherwise
    by a subquery, which costs no query of its own. Both select the same rows. A list asks
    for values: PostgreSQL then reads only the user's agreements through the two team
    indexes, where a subquery has it test every agreement, so a list costs the same with 10
    agreements or 2,000. An agreement looked up by key is as cheap either way.
    """
    queryset = Agreement.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_staff:
        return queryset
    known = user_team_ids(user) if by_value else known_team_ids(user)
    teams: Collection[int] | QuerySet[Membership, Any]
    if known is None:
        teams = Membership.objects.filter(user=user).values("team_id")
    elif not known:
        return queryset.none()
    else:
        teams = sorted(known)
    return queryset.filter(Q(marketing_team_id__in=teams) | Q(sales_team_id__in=teams))


def is_party_member(user: User | AnonymousUser, agreement: Agreement) -> bool:
    """A member (any role) of the marketing or the sales team of the agreement."""
    teams = user_team_ids(user)
    return agreement.marketing_team_id in teams or agreement.sales_team_id in teams


def can_view(user: User | AnonymousUser, agreement: Agreement) -> bool:
    return bool(user.is_authenticated and (user.is_staff or is_party_member(user, agreement)))


def ensure_party(user: User | AnonymousUser, agreement: Agreement) -> None:
    """Raise PermissionDenied unless the user is a member of either team, or staff."""
    if not can_view(user, agreement):
        raise PermissionDenied(_(ERROR_NOT_PARTY))


def series_party_team_ids(agreement: Agreement) -> set[int]:
    """The parties of the agreement's series: the two teams of its first version.

    Amendments keep those teams; a version with others (made before that was enforced) does
    not make its teams parties of the series.
    """
    if agreement.version == 1:
        return {agreement.marketing_team_id, agreement.sales_team_id}
    first = (
        Agreement.objects.filter(series_id=agreement.series_id)
        .order_by("version")
        .values_list("marketing_team_id", "sales_team_id")
        .first()
    )
    return set(first or ())


def can_view_series(user: User | AnonymousUser, agreement: Agreement) -> bool:
    """A party of this version and of its series (or staff): who sees the series' actuals."""
    if not can_view(user, agreement):
        return False
    return user.is_staff or bool(series_party_team_ids(agreement) & user_team_ids(user))


def can_edit(user: User | AnonymousUser, agreement: Agreement) -> bool:
    """Only a draft changes, and only at the hands of its parties or staff."""
    return allows(agreement, Act.EDIT) and can_view(user, agreement)


def signing_team_ids(user: User | AnonymousUser, agreement: Agreement) -> list[int]:
    """The agreement's teams this user may sign for."""
    roles = user_team_roles(user)
    return [
        team_id
        for team_id in (agreement.marketing_team_id, agreement.sales_team_id)
        if roles.get(team_id) == Membership.Role.SIGNATORY
    ]


def is_signatory(user: User | AnonymousUser, agreement: Agreement) -> bool:
    return bool(signing_team_ids(user, agreement))


@dataclass(frozen=True)
class SignoffActions:
    """The sign-off acts a user may take on an agreement in its current state."""

    submit: bool
    withdraw: bool
    request_changes: bool
    cancel: bool
    amend: bool
    comment: bool
    # The agreement's teams this user may still sign for on this version.
    sign_team_ids: tuple[int, ...]

    @property
    def sign(self) -> bool:
        return bool(self.sign_team_ids)

    @property
    def any(self) -> bool:
        return any(
            (self.submit, self.withdraw, self.request_changes, self.cancel, self.amend, self.sign)
        )


def signoff_actions(
    user: User | AnonymousUser,
    agreement: Agreement,
    *,
    signed_team_ids: Collection[int],
    has_amendment: bool,
) -> SignoffActions:
    """Of the acts the life cycle allows in this state, those this user may take."""
    party = can_view(user, agreement)
    may_sign = allows(agreement, Act.SIGN)
    return SignoffActions(
        submit=party and allows(agreement, Act.SUBMIT),
        withdraw=party and allows(agreement, Act.WITHDRAW),
        request_changes=allows(agreement, Act.REQUEST_CHANGES) and is_signatory(user, agreement),
        cancel=party and allows(agreement, Act.CANCEL),
        amend=party and allows(agreement, Act.AMEND) and not has_amendment,
        comment=party and allows(agreement, Act.COMMENT),
        sign_team_ids=tuple(
            team_id
            for team_id in signing_team_ids(user, agreement)
            if may_sign and team_id not in signed_team_ids
        ),
    )


ERROR_SIGNATORIES_ONLY = gettext_noop("Only a team's signatory signs: {signatories}.")
ERROR_REQUEST_CHANGES_SIGNATORIES_ONLY = gettext_noop(
    "Only a team's signatory may request changes; leave a comment instead."
)
ERROR_SIGNED_ALREADY = gettext_noop("You have signed this version for your team.")
ERROR_HAS_AMENDMENT = gettext_noop("A later version already amends this one.")


def signoff_refusals(
    user: User | AnonymousUser,
    agreement: Agreement,
    actions: SignoffActions,
    *,
    signatories: str,
    has_amendment: bool,
) -> dict[str, str]:
    """Why this user may not take an act the state allows, by act: the page shows it disabled.

    ``signatories`` names who may sign, in words ("Vera Vogel for Mid-Market Sales").
    """
    refusals: dict[str, str] = {}
    if allows(agreement, Act.SIGN) and not actions.sign:
        refusals[Act.SIGN] = (
            _(ERROR_SIGNED_ALREADY)
            if is_signatory(user, agreement)
            else _(ERROR_SIGNATORIES_ONLY).format(signatories=signatories)
        )
    if allows(agreement, Act.REQUEST_CHANGES) and not actions.request_changes:
        refusals[Act.REQUEST_CHANGES] = _(ERROR_REQUEST_CHANGES_SIGNATORIES_ONLY)
    if allows(agreement, Act.AMEND) and has_amendment and can_view(user, agreement):
        refusals[Act.AMEND] = _(ERROR_HAS_AMENDMENT)
    return refusals
