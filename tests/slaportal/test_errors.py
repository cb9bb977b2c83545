"""The site's own error pages, and 503 while the database is unreachable."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from agreements.models import Agreement

pytestmark = pytest.mark.django_db


def test_not_found_page_keeps_the_site_look_and_says_nothing_inside(client: Client) -> None:
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert "slaportal.css" in html
    assert "Traceback" not in html and "/no-such-page/" not in html


def test_server_error_page_leaks_nothing(monkeypatch: Any, marketing_member: Any) -> None:
    def explode(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("secret detail 42")

    monkeypatch.setattr("agreements.views.drafting.select_agreements", explode)
    client = Client(raise_request_exception=False)
    client.force_login(marketing_member)

    response = client.get(reverse("agreements:list"))

    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    assert "secret detail" not in html and "RuntimeError" not in html


def test_database_error_answers_503_with_retry_after(
    monkeypatch: Any, marketing_member: Any
) -> None:
    def unreachable(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr("agreements.views.drafting.select_agreements", unreachable)
    client = Client(raise_request_exception=False)
    client.force_login(marketing_member)

    response = client.get(reverse("agreements:list"))

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "briefly unavailable" in response.content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a server to be unreachable")
@pytest.mark.django_db(transaction=True)
def test_unreachable_database_answers_503_then_recovers(marketing_member: Any) -> None:
    """With the server's port closed every page answers 503; with it back, pages work again."""
    client = Client(raise_request_exception=False)
    client.force_login(marketing_member)
    url = reverse("agreements:list")
    real_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"  # nothing listens there
    try:
        response = client.get(url)
    finally:
        connection.close()
        connection.settings_dict["PORT"] = real_port

    assert response.status_code == 503
    assert client.get(url).status_code == 200
    assert Agreement.objects.count() == 0


def test_health_check_answers_without_a_login(client: Client) -> None:
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "up"}


def test_health_check_answers_503_when_the_database_does_not(
    client: Client, monkeypatch: Any
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", refuse)

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json()["database"] == "down"


def test_every_response_carries_a_request_id_and_is_logged(
    client: Client, caplog: Any, settings: Any
) -> None:
    with caplog.at_level("INFO", logger="slaportal.requests"):
        response = client.get(reverse("login"), HTTP_X_REQUEST_ID="req-12345678")

    assert response["X-Request-ID"] == "req-12345678"
    line = json.loads(caplog.records[-1].getMessage())
    assert line == {
        "method": "GET",
        "path": "/accounts/login/",
        "status": 200,
        "duration_ms": line["duration_ms"],
        "user_id": None,
        "request_id": "req-12345678",
    }


def test_a_forged_request_id_is_replaced(client: Client) -> None:
    response = client.get(reverse("login"), HTTP_X_REQUEST_ID='bad"\nid')

    assert response["X-Request-ID"] != 'bad"\nid'
    assert len(response["X-Request-ID"]) == 32


def test_health_check_query_count(client: Client, django_assert_num_queries: Any) -> None:
    """One query: the database's answer, and no session or user."""
    with django_assert_num_queries(1):
        assert client.get(reverse("healthz")).status_code == 200
