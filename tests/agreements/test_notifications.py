"""Sign-off emails: who gets them, what they say, and that sending never undoes an act."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from agreements.models import Agreement, Signature
from agreements.services.review import (
    agreement_cancel,
    agreement_request_changes,
    agreement_withdraw,
)
from tests.agreements.signing import sign, submit

LINK = "http://testserver.example/agreements/{pk}/"


@pytest.fixture(autouse=True)
def site_url(settings: Any) -> None:
    settings.SITE_URL = "http://testserver.example"


@pytest.fixture
def people(
    marketing_member: Any,
    marketing_signatory: Any,
    sales_member: Any,
    sales_signatory: Any,
    outsider: Any,
) -> dict[str, Any]:
    return {
        "marketing_member": marketing_member,
        "marketing_signatory": marketing_signatory,
        "sales_member": sales_member,
        "sales_signatory": sales_signatory,
        "outsider": outsider,
    }


def _recipients() -> set[str]:
    return {address for message in mail.outbox for address in message.to}


def _assert_names_the_agreement(message: Any, agreement: Agreement) -> None:
    assert agreement.title in message.subject
    assert f"version {agreement.version}" in message.subject
    assert LINK.format(pk=agreement.pk) in message.body


def test_submit_emails_the_other_teams_signatories(
    agreement: Agreement,
    people: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Marketing submits: only sales' signatory is asked to review and sign, with a link."""
    with django_capture_on_commit_callbacks(execute=True):
        submit(agreement, people["marketing_member"])
    assert _recipients() == {"sally@example.com"}
    (message,) = mail.outbox
    _assert_names_the_agreement(message, agreement)
    assert "Please review and sign" in message.subject
    assert "submitted" in message.body


def test_submit_by_sales_emails_marketing_signatories(
    agreement: Agreement,
    people: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The other team is the submitter's counterpart, whichever side submits."""
    with django_capture_on_commit_callbacks(execute=True):
        submit(agreement, people["sales_member"])
    assert _recipients() == {"mark@example.com"}


def test_nothing_is_sent_before_the_act_commits(
    agreement: Agreement,
    people: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Emails wait for the commit: a rolled-back act sends nothing."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submit(agreement, people["marketing_member"])
    assert mail.outbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert len(mail.outbox) == 1


@pytest.fixture
def in_review(agreement: Agreement, people: dict[str, Any]) -> Agreement:
    return submit(agreement, people["marketing_member"])


def test_one_team_signing_emails_both_teams(
    in_review: Agreement,
    people: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    """After one signature, the other parties hear which team signed and that one is awaited."""
    with django_capture_on_commit_callbacks(execute=True):
        sign(in_review, people["sales_signatory"], in_review.sales_team)
    assert _recipients() == {"mia@example.com", "mark@example.com", "sam@example.com"}
    message = mail.outbox[0]
    _assert_names_the_agreement(message, in_review)
    assert message.subject.startswith("Mid-Market Sales signed:")
    assert "Sally Seller" in message.body
    assert Signature.objects.get().digest in message.body


def test_full_signature_emails_every_party_member(
    in_review: Agreement,
    people: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The second signature tells both teams the agreement is signed, instead of 'one signed'."""
    sign(in_review, people["sales_signatory"], in_review.sales_team)
    with django_capture_on_commit_callbacks(execute=True):
        sign(in_review, people["marketing_signatory"], in_review.marketing_team)
    assert _recipients() == {
        "mia@example.com",
        "mark@example.com",
        "sam@example.com",
        "sally@example.com",
    }
    assert {message.subject for message in mail.outbox} == {
        "Signed by both teams: Q1 pipeline SLA, version 1"
    }
    _assert_names_the_agreement(mail.outbox[0], in_review)


def test_changes_requested_emails_the_other_parties_with_the_comment(
    in_review: Agreement,
    people: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Everyone but the requester hears what must change."""
    with django_capture_on_commit_callbacks(execute=True):
        agreement_request_changes(
            agreement=in_review, actor=people["sales_signatory"], comment="Use 2 hours for demos."
        )
    assert _recipients() == {"mia@example.com", "mark@example.com", "sam@example.com"}
    message = mail.outbox[0]
    _assert_names_the_agreement(message, in_review)
    assert message.subject.startswith("Changes requested:")
    assert "Use 2 hours for demos." in message.body


def test_withdraw_emails_the_other_parties(
    in_review: Agreement,
    people: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    """A withdrawal says why and that signatures are void."""
    with django_capture_on_commit_callbacks(execute=True):
        agreement_withdraw(
            agreement=in_review, actor=people["marketing_member"], reason="Rates changed"
        )
    assert _recipients() == {"mark@example.com", "sam@example.com", "sally@example.com"}
    message = mail.outbox[0]
    _assert_names_the_agreement(message, in_review)
    assert message.subject.startswith("Withdrawn to draft:")
    assert "Rates changed" in message.body
    assert "void" in message.body


def test_outsiders_and_inactive_users_get_nothing(
    in_review: Agreement,
    people: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Only active party members with an address are written to."""
    people["sales_member"].is_active = False
    people["sales_member"].save()
    with django_capture_on_commit_callbacks(execute=True):
        agreement_withdraw(agreement=in_review, actor=people["marketing_member"])
    assert "otto@example.com" not in _recipients()
    assert "sam@example.com" not in _recipients()


def test_cancel_sends_no_email(
    agreement: Agreement, people: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    """Cancelling is recorded in the audit trail only."""
    with django_capture_on_commit_callbacks(execute=True):
        agreement_cancel(agreement=agreement, actor=people["marketing_member"], reason="Dropped")
    assert mail.outbox == []


@pytest.mark.parametrize("act", ["submit", "sign", "withdraw", "request_changes"])
def test_a_failing_mail_server_never_undoes_the_act(
    act: str,
    agreement: Agreement,
    people: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The act stays done, the request does not fail, and the failure is logged as an error."""
    if act != "submit":
        agreement = submit(agreement, people["marketing_member"])

    def refuse(self: Any, messages: Any) -> int:
        raise ConnectionRefusedError("SMTP server unreachable")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    expected_status = {
        "submit": Agreement.Status.IN_REVIEW,
        "sign": Agreement.Status.IN_REVIEW,
        "withdraw": Agreement.Status.DRAFT,
        "request_changes": Agreement.Status.DRAFT,
    }[act]
    with (
        caplog.at_level(logging.ERROR, logger="agreements.notifications"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        if act == "submit":
            submit(agreement, people["marketing_member"])
        elif act == "sign":
            sign(agreement, people["sales_signatory"], agreement.sales_team)
        elif act == "withdraw":
            agreement_withdraw(agreement=agreement, actor=people["sales_member"])
        else:
            agreement_request_changes(
                agreement=agreement, actor=people["sales_signatory"], comment="Fix the KPIs"
            )
    assert Agreement.objects.get(pk=agreement.pk).status == expected_status
    assert mail.outbox == []
    errors = [
        record
        for record in caplog.records
        if record.name == "agreements.notifications" and record.levelno == logging.ERROR
    ]
    assert len(errors) == 1
    assert f"agreement {agreement.pk}" in errors[0].getMessage()
    assert errors[0].exc_info is not None
