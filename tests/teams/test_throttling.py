"""Sign-in is throttled per account and per address (django-axes)."""

from __future__ import annotations

from typing import Any

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _attempt(client: Client, username: str, password: str, address: str = "203.0.113.9") -> Any:
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_right_password_after_too_many_wrong_ones_is_refused_with_when_to_retry(
    client: Client, marketing_member: Any, password: str, settings: Any
) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _attempt(client, marketing_member.username, "wrong").status_code == 200
    assert _attempt(client, marketing_member.username, "wrong").status_code == 429

    response = _attempt(client, marketing_member.username, password)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    html = response.content.decode()
    assert "Try again in 15 minutes" in html
    assert response["Retry-After"] == "900"


def test_the_account_stays_locked_from_another_address(
    client: Client, marketing_member: Any, password: str, settings: Any
) -> None:
    for index in range(settings.AXES_FAILURE_LIMIT):
        _attempt(client, marketing_member.username, "wrong", address=f"198.51.100.{index}")

    response = _attempt(client, marketing_member.username, password, address="192.0.2.77")

    assert response.status_code == 429


def test_guessing_across_many_accounts_from_one_address_is_stopped(
    client: Client, password: str, settings: Any
) -> None:
    users: list[Any] = [UserFactory() for _ in range(10)]
    statuses = [
        _attempt(client, user.username, "wrong").status_code for user in users for _ in range(3)
    ]

    assert statuses.count(429) == 30 - settings.AXES_FAILURE_LIMIT + 1
    assert _attempt(client, users[-1].username, password).status_code == 429


def test_staff_unlock_by_deleting_the_attempts(
    client: Client, marketing_member: Any, password: str, settings: Any
) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _attempt(client, marketing_member.username, "wrong")
    assert _attempt(client, marketing_member.username, password).status_code == 429

    AccessAttempt.objects.all().delete()  # what the admin's delete action does

    assert _attempt(client, marketing_member.username, password).status_code == 302
    assert "_auth_user_id" in client.session


def test_access_attempts_are_in_the_admin(admin_client: Client) -> None:
    response = admin_client.get(reverse("admin:axes_accessattempt_changelist"))

    assert response.status_code == 200


def test_an_overlong_username_is_a_form_error_not_a_server_error(client: Client) -> None:
    """Its failed attempt is never recorded in django-axes' 255-character column."""
    response = _attempt(client, "x" * 300, "wrong")

    assert response.status_code == 200
    assert "at most 150 characters" in response.content.decode()
    assert not AccessAttempt.objects.exists()
