"""The teams admin: each team with its member count, and members added on the team's page."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from teams.models import Membership, Side, Team
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.sessions import confirm_password


@pytest.fixture
def admin_client_(client: Client, staff_user: User) -> Client:
    client.force_login(staff_user)
    confirm_password(client)
    return client


def _teams(count: int) -> None:
    for _ in range(count):
        team = TeamFactory.create()
        MembershipFactory.create_batch(2, team=team)


def test_team_list_shows_the_member_count(admin_client_):
    team = TeamFactory.create(name="Growth Marketing")
    MembershipFactory.create_batch(3, team=team)
    TeamFactory.create(name="Mid-Market Sales", side=Side.SALES)

    response = admin_client_.get(reverse("admin:teams_team_changelist"))

    rows = {row.name: row.member_total for row in response.context["cl"].result_list}
    assert rows == {"Growth Marketing": 3, "Mid-Market Sales": 0}


def test_team_list_queries_do_not_grow_with_the_teams(admin_client_, django_assert_num_queries):
    url = reverse("admin:teams_team_changelist")
    _teams(2)
    with django_assert_num_queries(5):
        admin_client_.get(url)
    _teams(20)

    with django_assert_num_queries(5):
        assert admin_client_.get(url).status_code == 200


def test_membership_list_queries_do_not_grow_with_the_members(
    admin_client_, django_assert_num_queries
):
    url = reverse("admin:teams_membership_changelist")
    _teams(2)
    with django_assert_num_queries(6):
        admin_client_.get(url)
    _teams(20)

    with django_assert_num_queries(6):
        assert admin_client_.get(url).status_code == 200


def test_a_member_is_added_on_the_teams_page(admin_client_):
    team = TeamFactory.create(name="Growth Marketing")
    user = UserFactory.create()

    response = admin_client_.post(
        reverse("admin:teams_team_change", args=[team.pk]),
        {
            "name": team.name,
            "side": team.side,
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
            "memberships-0-user": str(user.pk),
            "memberships-0-role": Membership.Role.SIGNATORY,
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    assert Team.objects.get(pk=team.pk).memberships.get().user == user
    assert Membership.objects.get(user=user).is_signatory
