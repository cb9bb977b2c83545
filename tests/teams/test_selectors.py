"""Which teams a user belongs to, in which role: read once per request, then remembered."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, User

from teams.models import Membership, Side
from teams.selectors import user_team_ids, user_team_roles
from tests.factories import MembershipFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_teams_user() -> tuple[User, int, int]:
    """A member of a marketing team who signs for a sales team."""
    user = UserFactory.create()
    member_of = MembershipFactory.create(user=user, team=TeamFactory.create(side=Side.MARKETING))
    signs_for = MembershipFactory.create(
        user=user, team=TeamFactory.create(side=Side.SALES), signatory=True
    )
    return user, member_of.team_id, signs_for.team_id


def test_team_ids_are_the_users_teams(two_teams_user):
    user, marketing_id, sales_id = two_teams_user
    MembershipFactory.create()

    assert user_team_ids(user) == {marketing_id, sales_id}


def test_team_roles_say_the_role_in_each_team(two_teams_user):
    user, marketing_id, sales_id = two_teams_user

    assert user_team_roles(user) == {
        marketing_id: Membership.Role.MEMBER,
        sales_id: Membership.Role.SIGNATORY,
    }


def test_a_user_without_teams_has_none():
    user = UserFactory.create()

    assert user_team_ids(user) == set()
    assert user_team_roles(user) == {}


def test_an_anonymous_visitor_has_no_teams_and_costs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert user_team_ids(AnonymousUser()) == set()
        assert user_team_roles(AnonymousUser()) == {}


def test_the_memberships_are_read_once_per_user_object(two_teams_user, django_assert_num_queries):
    """The first call queries; later calls on the same user, of either selector, do not."""
    user, _marketing_id, _sales_id = two_teams_user

    with django_assert_num_queries(1):
        user_team_roles(user)
        user_team_ids(user)
        user_team_roles(user)


def test_the_cache_lasts_as_long_as_the_user_object(two_teams_user):
    """A membership added meanwhile shows on the next request's user, not on this one."""
    user, marketing_id, sales_id = two_teams_user
    assert user_team_ids(user) == {marketing_id, sales_id}
    added = MembershipFactory.create(user=user)

    assert added.team_id not in user_team_ids(user)
    assert user_team_ids(User.objects.get(pk=user.pk)) == {marketing_id, sales_id, added.team_id}


def test_changing_the_returned_values_leaves_the_cache_alone(two_teams_user):
    user, marketing_id, sales_id = two_teams_user

    user_team_ids(user).clear()
    user_team_roles(user)[marketing_id] = Membership.Role.SIGNATORY

    assert user_team_ids(user) == {marketing_id, sales_id}
    assert user_team_roles(user)[marketing_id] == Membership.Role.MEMBER


def test_each_user_object_has_its_own_cache(two_teams_user):
    user, marketing_id, sales_id = two_teams_user
    other = MembershipFactory.create().user

    assert user_team_ids(user) == {marketing_id, sales_id}
    assert user_team_ids(other) == {other.memberships.get().team_id}
