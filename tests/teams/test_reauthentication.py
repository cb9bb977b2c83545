"""Changing who may sign asks for the password again first."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from teams.models import Membership
from teams.reauthentication import REAUTHENTICATED_AT

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client: Client, staff_user: Any) -> Client:
    client.force_login(staff_user)
    return client


def test_membership_page_asks_for_the_password_first(
    staff_client: Client, marketing_signatory: Any
) -> None:
    membership = Membership.objects.get(user=marketing_signatory)
    url = reverse("admin:teams_membership_change", args=[membership.pk])

    response = staff_client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("reauthenticate"))


def test_right_password_leads_back_to_the_page(
    staff_client: Client, staff_user: Any, password: str, marketing_signatory: Any
) -> None:
    membership = Membership.objects.get(user=marketing_signatory)
    url = reverse("admin:teams_membership_change", args=[membership.pk])

    response = staff_client.post(reverse("reauthenticate"), {"password": password, "next": url})

    assert response.status_code == 302
    assert response["Location"] == url
    assert staff_client.get(url).status_code == 200


def test_wrong_password_is_refused_and_counted(
    staff_client: Client, marketing_signatory: Any, settings: Any
) -> None:
    response = staff_client.post(reverse("reauthenticate"), {"password": "wrong", "next": "/"})

    assert response.status_code == 400
    assert "The password is not correct." in response.content.decode()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = staff_client.post(reverse("reauthenticate"), {"password": "wrong"})
    assert response.status_code == 429


def test_confirmation_expires(staff_client: Client, marketing_team: Any, settings: Any) -> None:
    session = staff_client.session
    session[REAUTHENTICATED_AT] = int(time.time()) - settings.REAUTHENTICATION_SECONDS - 1
    session.save()

    response = staff_client.get(reverse("admin:teams_team_change", args=[marketing_team.pk]))

    assert response.status_code == 302


def test_next_never_leads_off_site(staff_client: Client, password: str) -> None:
    response = staff_client.post(
        reverse("reauthenticate"), {"password": password, "next": "https://evil.example/"}
    )

    assert response["Location"] == "/"


def test_bulk_delete_is_not_offered_for_memberships(staff_client: Client) -> None:
    response = staff_client.get(reverse("admin:teams_membership_changelist"))

    assert response.status_code == 200
    assert "delete_selected" not in response.content.decode()


def test_confirm_page_query_count(staff_client: Client, django_assert_num_queries: Any) -> None:
    """The session and the user; nothing grows with the data."""
    with django_assert_num_queries(2):
        response = staff_client.get(reverse("reauthenticate"))

    assert response.status_code == 200
