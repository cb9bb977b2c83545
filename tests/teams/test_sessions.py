"""Sessions end after idling and after their absolute age; signed-in pages are not stored."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from teams.middleware import SEEN_AT, SIGNED_IN_AT

pytestmark = pytest.mark.django_db


def _signed_in(client: Client, user: Any, password: str) -> Client:
    assert client.post(reverse("login"), {"username": user.username, "password": password})
    assert "_auth_user_id" in client.session
    return client


def _age(client: Client, **seconds_ago: int) -> None:
    session = client.session
    for key, ago in seconds_ago.items():
        session[key] = session[key] - ago
    session.save()


def test_idle_session_is_signed_out_with_a_message(
    client: Client, marketing_member: Any, password: str, settings: Any
) -> None:
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    _signed_in(client, marketing_member, password)
    _age(client, **{SEEN_AT: 31 * 60, SIGNED_IN_AT: 31 * 60})

    response = client.get(reverse("agreements:list"), follow=True)

    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session
    assert "after 30 minutes without activity" in response.content.decode()


def test_activity_keeps_the_session_alive(
    client: Client, marketing_member: Any, password: str
) -> None:
    _signed_in(client, marketing_member, password)
    _age(client, **{SEEN_AT: 29 * 60, SIGNED_IN_AT: 29 * 60})

    assert client.get(reverse("agreements:list")).status_code == 200
    _age(client, **{SEEN_AT: 29 * 60})
    assert client.get(reverse("agreements:list")).status_code == 200


def test_session_ends_at_its_absolute_age_despite_activity(
    client: Client, marketing_member: Any, password: str, settings: Any
) -> None:
    settings.SESSION_COOKIE_AGE = 8 * 60 * 60
    _signed_in(client, marketing_member, password)
    _age(client, **{SIGNED_IN_AT: 8 * 60 * 60 + 1})

    response = client.get(reverse("agreements:list"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_signed_in_pages_and_exports_are_not_stored(
    client: Client, marketing_member: Any, password: str, agreement: Any
) -> None:
    _signed_in(client, marketing_member, password)

    for url in (
        reverse("agreements:list"),
        reverse("agreements:detail", args=[agreement.pk]),
        reverse("agreements:export_json", args=[agreement.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
