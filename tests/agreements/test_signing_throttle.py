"""The signing password is throttled as sign-in is (django-axes), and every failure is audited."""

from __future__ import annotations

from typing import Any

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from agreements.models import Agreement, AgreementEvent, Signature
from agreements.services.review import agreement_submit
from tests.agreements.signoff_pages import fresh, text_of, url
from tests.factories import current_digest

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.50"


@pytest.fixture
def in_review(agreement: Agreement, marketing_member: Any) -> Agreement:
    return agreement_submit(agreement=agreement, actor=marketing_member)


def _sign(
    client: Client, agreement: Agreement, team_id: int, name: str, password: str, **extra: Any
) -> Any:
    return client.post(
        url("sign", agreement),
        {
            "team": team_id,
            "typed_name": name,
            "password": password,
            "digest": current_digest(agreement),
        },
        REMOTE_ADDR=extra.pop("address", ADDRESS),
        **extra,
    )


def _sally_signs(client: Client, agreement: Agreement, password: str, **extra: Any) -> Any:
    return _sign(client, agreement, agreement.sales_team_id, "Sally Seller", password, **extra)


def _failure_reasons(agreement: Agreement) -> list[str]:
    return [
        details["reason"]
        for details in AgreementEvent.objects.filter(
            agreement=agreement, kind=AgreementEvent.Kind.SIGNING_FAILED
        )
        .order_by("pk")
        .values_list("details", flat=True)
    ]


def test_thirty_wrong_signing_passwords_then_the_right_one_is_refused_with_when_to_retry(
    client: Client, in_review: Agreement, sales_signatory: Any, password: str, settings: Any
) -> None:
    """After the limit, even the right password is refused at 429, saying when to try again."""
    client.force_login(sales_signatory)
    limit = settings.AXES_FAILURE_LIMIT

    responses = [_sally_signs(client, in_review, "wrong") for _ in range(30)]
    response = _sally_signs(client, in_review, password)

    statuses = [wrong.status_code for wrong in responses]
    assert statuses == [200] * (limit - 1) + [429] * (30 - limit + 1)
    # The attempt that reaches the limit is answered by the sign page too, not sign-in's.
    assert "signing and sign-in are paused" in text_of(responses[limit - 1])
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    text = text_of(response)
    assert "signing and sign-in are paused for this account and this address" in text
    assert "Try again in 15 minutes" in text
    assert 'name="password"' not in response.content.decode()
    assert not Signature.objects.filter(agreement=in_review).exists()
    assert fresh(in_review).status == Agreement.Status.IN_REVIEW


def test_failed_signing_attempts_appear_in_the_audit_trail(
    client: Client, in_review: Agreement, sales_signatory: Any, password: str, settings: Any
) -> None:
    """Each wrong password, and each attempt while paused, is an event on the evidence page."""
    client.force_login(sales_signatory)
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit + 2):
        _sally_signs(client, in_review, "not-my-password")
    _sally_signs(client, in_review, password)

    reasons = _failure_reasons(in_review)
    assert reasons == ["wrong password"] * limit + ["too many failed attempts"] * 3
    event = AgreementEvent.objects.filter(kind=AgreementEvent.Kind.SIGNING_FAILED).first()
    assert event is not None
    assert event.actor == sales_signatory
    assert event.ip_address == ADDRESS
    assert event.details == {"team": "Mid-Market Sales", "version": 1, "reason": "wrong password"}
    evidence = text_of(client.get(url("evidence", in_review)))
    assert evidence.count("Signing attempt failed") == limit + 3
    assert "not-my-password" not in evidence
    attempts = AccessAttempt.objects.filter(username=sales_signatory.username)
    assert attempts.exists()
    assert not any("not-my-password" in attempt.post_data for attempt in attempts)


def test_wrong_signing_passwords_count_against_the_account_for_sign_in_too(
    client: Client, in_review: Agreement, sales_signatory: Any, password: str, settings: Any
) -> None:
    """The account is paused as a whole: its sign-in is refused too, from anywhere."""
    client.force_login(sales_signatory)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sally_signs(client, in_review, "wrong")

    response = Client().post(
        reverse("login"),
        {"username": sales_signatory.username, "password": password},
        REMOTE_ADDR="192.0.2.77",
    )

    assert response.status_code == 429


def test_wrong_signing_passwords_count_against_the_address(
    client: Client,
    in_review: Agreement,
    sales_signatory: Any,
    marketing_signatory: Any,
    password: str,
    settings: Any,
) -> None:
    """Another signer at the same address is paused too; elsewhere they sign."""
    client.force_login(sales_signatory)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sally_signs(client, in_review, "wrong")
    colleague = Client()
    colleague.force_login(marketing_signatory)
    marketing = in_review.marketing_team_id

    paused = _sign(colleague, in_review, marketing, "Mark Eting", password)
    elsewhere = _sign(colleague, in_review, marketing, "Mark Eting", password, address="192.0.2.8")

    assert paused.status_code == 429
    assert elsewhere.status_code == 302
    assert Signature.objects.filter(agreement=in_review, user=marketing_signatory).exists()


def test_staff_unlock_signing_by_deleting_the_access_attempts(
    client: Client, in_review: Agreement, sales_signatory: Any, password: str, settings: Any
) -> None:
    """Deleting the account's attempts (the admin's delete action) lets it sign again."""
    client.force_login(sales_signatory)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sally_signs(client, in_review, "wrong")
    assert _sally_signs(client, in_review, password).status_code == 429

    AccessAttempt.objects.all().delete()

    assert _sally_signs(client, in_review, password).status_code == 302
    assert Signature.objects.filter(agreement=in_review, user=sales_signatory).exists()


def test_a_wrong_typed_name_is_audited_but_not_counted_as_a_wrong_password(
    client: Client, in_review: Agreement, sales_signatory: Any, password: str, settings: Any
) -> None:
    """Only the password is throttled: a mistyped name is recorded and may be tried again."""
    client.force_login(sales_signatory)
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        response = _sign(client, in_review, in_review.sales_team_id, "Sal Seller", password)
        assert response.status_code == 200

    assert not AccessAttempt.objects.exists()
    assert _failure_reasons(in_review) == ["typed name does not match the account"] * (
        settings.AXES_FAILURE_LIMIT + 1
    )
    assert _sally_signs(client, in_review, password).status_code == 302
