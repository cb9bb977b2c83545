"""Teams and memberships: the database refuses a side, role or membership that makes no sense."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from teams.models import Membership, Side, Team
from tests.factories import MembershipFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("side", [Side.MARKETING, Side.SALES])
def test_a_team_is_on_the_marketing_or_the_sales_side(side: str):
    team = TeamFactory.create(side=side)

    team.full_clean()
    assert Team.objects.get(pk=team.pk).side == side


def test_the_database_refuses_another_side():
    """A side outside the choices is refused by the check constraint, not only by forms."""
    with pytest.raises(IntegrityError, match="team_side_valid"), transaction.atomic():
        Team.objects.create(name="Customer Success", side="support")


def test_full_clean_reports_another_side():
    with pytest.raises(ValidationError) as caught:
        Team(name="Customer Success", side="support").full_clean()

    assert "side" in caught.value.message_dict


def test_team_names_are_unique():
    TeamFactory.create(name="Growth Marketing")

    with pytest.raises(IntegrityError), transaction.atomic():
        Team.objects.create(name="Growth Marketing", side=Side.SALES)


def test_a_user_belongs_to_a_team_once():
    """A second membership of the same user in the same team is refused, whatever its role."""
    membership = MembershipFactory.create()

    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            user=membership.user, team=membership.team, role=Membership.Role.SIGNATORY
        )
    assert Membership.objects.filter(user=membership.user).count() == 1


def test_full_clean_reports_a_duplicate_membership():
    membership = MembershipFactory.create()

    with pytest.raises(ValidationError):
        Membership(user=membership.user, team=membership.team).full_clean()


def test_a_user_may_belong_to_several_teams():
    user = UserFactory.create()
    MembershipFactory.create(user=user, team=TeamFactory.create(side=Side.MARKETING))
    MembershipFactory.create(user=user, team=TeamFactory.create(side=Side.SALES))

    assert user.teams.count() == 2


def test_the_database_refuses_another_role():
    with pytest.raises(IntegrityError, match="membership_role_valid"), transaction.atomic():
        Membership.objects.create(
            user=UserFactory.create(), team=TeamFactory.create(), role="owner"
        )


@pytest.mark.parametrize(
    ("role", "signs"), [(Membership.Role.MEMBER, False), (Membership.Role.SIGNATORY, True)]
)
def test_only_a_signatory_signs_for_the_team(role: str, signs: bool):
    membership = MembershipFactory.create(role=role)

    membership.full_clean()
    assert membership.is_signatory is signs


def test_a_new_membership_is_a_plain_member():
    membership = Membership.objects.create(user=UserFactory.create(), team=TeamFactory.create())

    assert membership.role == Membership.Role.MEMBER


def test_membership_reads_as_user_team_and_role():
    membership = MembershipFactory.create(
        user=UserFactory.create(username="vera"),
        team=TeamFactory.create(name="Mid-Market Sales", side=Side.SALES),
        signatory=True,
    )

    assert str(membership) == "vera – Mid-Market Sales (Signatory)"
    assert str(membership.team) == "Mid-Market Sales"


def test_team_members_are_the_users_with_a_membership():
    team = TeamFactory.create()
    members = [MembershipFactory.create(team=team).user for _ in range(2)]
    UserFactory.create()

    assert set(team.members.all()) == set(members)


def test_deleting_a_user_or_a_team_removes_their_memberships():
    kept = MembershipFactory.create()
    by_user = MembershipFactory.create()
    by_team = MembershipFactory.create()

    by_user.user.delete()
    by_team.team.delete()

    assert list(Membership.objects.all()) == [kept]
