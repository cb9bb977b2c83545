"""Sign-off emails: who gets them, what they say, and that sending never undoes an act."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.tasks import Task
from django.tasks.backends.dummy import DummyBackend
from django.utils import timezone
from django.utils.formats import date_format

from agreements.models import Agreement, AgreementEvent, EmailDelivery, Signature
from agreements.services.reminders import ReviewTerms
from agreements.services.review import (
    agreement_cancel,
    agreement_request_changes,
    agreement_submit,
    agreement_withdraw,
)
from agreements.tasks import agreement_email_send
from tests.agreements.signing import sign

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


def test_submit_emails_every_signatory_of_both_teams(
    agreement: Agreement,
    people: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Issue 10 #5: both teams' signatories are asked to sign, not the other team's alone."""
    with django_capture_on_commit_callbacks(execute=True):
        agreement_submit(agreement=agreement, actor=people["marketing_member"])
    # Members who do not sign, and the outsider, are not asked.
    assert _recipients() == {"mark@example.com", "sally@example.com"}
    assert len(mail.outbox) == 2
    message = mail.outbox[0]
    _assert_names_the_agreement(message, agreement)
    assert "Please review and sign" in message.subject
    assert "submitted" in message.body
    assert "Each team signs: Growth Marketing, Mid-Market Sales." in message.body


def test_submit_by_sales_emails_the_same_signatories(
    agreement: Agreement,
    people: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Whichever side submits, every signatory of both teams is asked."""
    with django_capture_on_commit_callbacks(execute=True):
        agreement_submit(agreement=agreement, actor=people["sales_member"])
    assert _recipients() == {"mark@example.com", "sally@example.com"}


def test_submit_by_a_signatory_asks_them_too(
    agreement: Agreement,
    people: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    """A submitting signatory still has to sign for their team, so they are asked as well."""
    with django_capture_on_commit_callbacks(execute=True):
        agreement_submit(agreement=agreement, actor=people["marketing_signatory"])
    assert _recipients() == {"mark@example.com", "sally@example.com"}


def test_submit_email_names_the_due_date(
    agreement: Agreement,
    people: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    """A review with a due date says by when to sign."""
    due = timezone.localdate() + dt.timedelta(days=10)
    with django_capture_on_commit_callbacks(execute=True):
        agreement_submit(
            agreement=agreement,
            actor=people["marketing_member"],
            terms=ReviewTerms(review_due=due, reminder_days=3),
        )
    assert f"Please sign by {date_format(due)}." in mail.outbox[0].body


def test_nothing_is_sent_before_the_act_commits(
    agreement: Agreement,
    people: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Emails wait for the commit: a rolled-back act sends nothing."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        agreement_submit(agreement=agreement, actor=people["marketing_member"])
    assert mail.outbox == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert len(mail.outbox) == 2


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
    """The act stays done, the request does not fail, and each failed send is logged with its
    error and left in the outbox for a retry."""
    if act != "submit":
        agreement = agreement_submit(agreement=agreement, actor=people["marketing_member"])

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
        caplog.at_level(logging.WARNING, logger="agreements.outbox"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        if act == "submit":
            agreement_submit(agreement=agreement, actor=people["marketing_member"])
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
    warnings = [record for record in caplog.records if record.name == "agreements.outbox"]
    waiting = EmailDelivery.objects.filter(agreement=agreement, status="pending", attempts=1)
    assert len(warnings) == waiting.count() > 0
    assert all(f"agreement {agreement.pk}" in record.getMessage() for record in warnings)
    assert all(record.exc_info is not None for record in warnings)
    assert "retrying at" in warnings[0].getMessage()


def test_the_email_is_a_task_given_ids_and_plain_values(
    agreement: Agreement,
    people: dict[str, Any],
    task_queue: DummyBackend,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The act enqueues the email task with ids; a worker running it later sends the email."""
    with django_capture_on_commit_callbacks(execute=True):
        agreement_request_changes(
            agreement=agreement_submit(agreement=agreement, actor=people["marketing_member"]),
            actor=people["sales_signatory"],
            comment="Use 2 hours for demos.",
        )
    assert mail.outbox == []
    (queued,) = [r for r in task_queue.results if r.kwargs["notice"] == "changes_requested"]
    assert queued.task.func is agreement_email_send.func
    event = AgreementEvent.objects.filter(agreement=agreement, kind="changes_requested").get()
    assert queued.kwargs == {
        "notice": "changes_requested",
        "occurrence": f"changes_requested:event={event.pk}",
        "agreement_id": agreement.pk,
        "actor_id": people["sales_signatory"].pk,
        "signature_id": None,
        "comment": "Use 2 hours for demos.",
        "reason": "",
    }

    assert queued.task.call(*queued.args, **queued.kwargs) == 3

    assert _recipients() == {"mia@example.com", "mark@example.com", "sam@example.com"}
    assert "Use 2 hours for demos." in mail.outbox[0].body


def test_email_text_is_plain_not_html_escaped(
    agreement: Agreement,
    people: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Titles and comments reach the subject and body exactly as typed."""
    Agreement.objects.filter(pk=agreement.pk).update(title='Q1 <b>&</b> "SLA"')
    agreement.refresh_from_db()
    in_review = agreement_submit(agreement=agreement, actor=people["marketing_member"])
    with django_capture_on_commit_callbacks(execute=True):
        agreement_request_changes(
            agreement=in_review, actor=people["sales_signatory"], comment="Demos < 2 h & fast"
        )
    message = mail.outbox[0]
    assert message.subject == 'Changes requested: Q1 <b>&</b> "SLA", version 1'
    assert message.body == (
        'Sally Seller requested changes to “Q1 <b>&</b> "SLA"”, version 1:\n\n'
        "Demos < 2 h & fast\n\n"
        "The agreement is a draft again; every signature given on it is void.\n\n"
        f"Open the agreement: {LINK.format(pk=agreement.pk)}\n\n"
    )


def test_a_task_backend_that_refuses_the_email_never_undoes_the_act(
    agreement: Agreement,
    people: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A queue that cannot take the task is logged as an error; the submission stands."""

    def refuse(self: Task, *args: Any, **kwargs: Any) -> None:
        raise ConnectionRefusedError("task queue unreachable")

    monkeypatch.setattr(Task, "enqueue", refuse)
    with (
        caplog.at_level(logging.ERROR, logger="agreements.notifications"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        agreement_submit(agreement=agreement, actor=people["marketing_member"])
    assert Agreement.objects.get(pk=agreement.pk).status == Agreement.Status.IN_REVIEW
    assert mail.outbox == []
    (error,) = [r for r in caplog.records if r.name == "agreements.notifications"]
    assert f"agreement {agreement.pk} could not be queued" in error.getMessage()
