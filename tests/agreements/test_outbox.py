"""The outbox: one email per occurrence and recipient, failed sends retried, none sent twice.

Also the database task queue (django-tasks-db) end to end: an act enqueues, `db_worker --batch`
runs the task from the database, a retry waits in the queue until its time, and a task whose
worker died is shown as failed and run again without sending anything twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.tasks import TaskResultStatus
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from agreements.models import Agreement, EmailDelivery
from agreements.services.outbox import (
    MAX_ATTEMPTS,
    RETRY_DELAYS,
    SENDING_TIMEOUT,
    Email,
    deliveries_record,
    deliveries_send,
)
from agreements.services.review import agreement_submit
from agreements.tasks import agreement_email_send, email_delivery_send, outbox_sweep
from tests.sessions import confirm_password

Status = EmailDelivery.Status
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
SIGNATORIES = {"mark@example.com", "sally@example.com"}


def _sent_to() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def _make_due() -> None:
    """As if the time of every pending row's next attempt had come."""
    EmailDelivery.objects.filter(status=Status.PENDING).update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
    )


def flaky_server(failures: int) -> Any:
    """A mail server (locmem's send_messages) that refuses the first ``failures`` messages."""
    original = EmailBackend.send_messages
    refused: list[Any] = []

    def send_messages(backend: EmailBackend, messages: Any) -> int:
        if len(refused) < failures:
            refused.append(messages)
            raise ConnectionRefusedError("SMTP server unreachable")
        return original(backend, messages)

    return send_messages


@pytest.fixture
def submitted(
    agreement: Agreement,
    marketing_member: Any,
    marketing_signatory: Any,
    sales_signatory: Any,
    django_capture_on_commit_callbacks: Any,
) -> Agreement:
    """Submitted with the mail server up: the two signatories were asked to sign."""
    with django_capture_on_commit_callbacks(execute=True):
        return agreement_submit(agreement=agreement, actor=marketing_member)


def _one_delivery(agreement: Agreement, occurrence: str = "test:1") -> int:
    (delivery_id,) = deliveries_record(
        occurrence=occurrence,
        kind="test",
        agreement_id=agreement.pk,
        emails=[Email(recipient="mia@example.com", subject="Hello", body="Body")],
    )
    return delivery_id


# One email per occurrence


def test_the_same_occurrence_queued_twice_emails_once(
    agreement: Agreement,
    marketing_member: Any,
    marketing_signatory: Any,
    sales_signatory: Any,
    task_queue: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """A submission whose task is queued and run twice writes each signatory one email."""
    with django_capture_on_commit_callbacks(execute=True):
        agreement_submit(agreement=agreement, actor=marketing_member)
    (queued,) = task_queue.results

    assert queued.task.call(*queued.args, **queued.kwargs) == 2
    assert queued.task.call(*queued.args, **queued.kwargs) == 0
    agreement_email_send.enqueue(*queued.args, **queued.kwargs)
    (_first, again) = task_queue.results
    assert again.task.call(*again.args, **again.kwargs) == 0

    assert _sent_to() == sorted(SIGNATORIES)
    assert EmailDelivery.objects.filter(status=Status.SENT).count() == 2


def test_a_new_occurrence_of_the_same_kind_emails_again(submitted: Agreement) -> None:
    """The key is the act, not its kind: another submission (another event) is another email."""
    delivery_ids = deliveries_record(
        occurrence="submitted:event=999999",
        kind="submitted",
        agreement_id=submitted.pk,
        emails=[Email(recipient="mark@example.com", subject="S", body="B")],
    )
    assert deliveries_send(delivery_ids=delivery_ids).sent == 1
    assert _sent_to() == ["mark@example.com", "mark@example.com", "sally@example.com"]


def test_the_database_refuses_a_second_row_for_one_occurrence_and_recipient(
    agreement: Agreement,
) -> None:
    from django.db import IntegrityError, transaction

    _one_delivery(agreement)
    with pytest.raises(IntegrityError), transaction.atomic():
        EmailDelivery.objects.create(
            occurrence="test:1",
            recipient="mia@example.com",
            kind="test",
            agreement=agreement,
            subject="Again",
            body="Again",
        )


# Failed sends are retried


def test_a_failed_send_is_retried_then_sent_exactly_once(
    agreement: Agreement,
    marketing_member: Any,
    marketing_signatory: Any,
    sales_signatory: Any,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SMTP down at the act: the rows wait a minute, then the sweep sends each one once."""
    monkeypatch.setattr(EmailBackend, "send_messages", flaky_server(failures=2))
    before = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        agreement_submit(agreement=agreement, actor=marketing_member)

    assert mail.outbox == []
    rows = list(EmailDelivery.objects.order_by("recipient"))
    assert [(row.status, row.attempts) for row in rows] == [(Status.PENDING, 1)] * 2
    assert all(row.next_attempt_at >= before + RETRY_DELAYS[0] for row in rows)
    assert "ConnectionRefusedError: SMTP server unreachable" in rows[0].last_error
    assert outbox_sweep().retried == 0  # Not due yet.

    _make_due()
    assert outbox_sweep().retried == 2
    _make_due()
    assert outbox_sweep().retried == 0

    assert _sent_to() == sorted(SIGNATORIES)
    assert set(EmailDelivery.objects.values_list("status", "attempts", "last_error")) == {
        (Status.SENT, 2, "")
    }


def test_the_sweep_sends_a_row_whose_task_never_tried_it_only_once_that_task_is_gone(
    agreement: Agreement,
) -> None:
    """A fresh row is left to its own task; one untried for longer than the timeout is sent."""
    fresh = _one_delivery(agreement, "test:fresh")
    stale = _one_delivery(agreement, "test:stale")
    EmailDelivery.objects.filter(pk=stale).update(
        created_at=timezone.now() - SENDING_TIMEOUT - dt.timedelta(minutes=1)
    )

    assert outbox_sweep().retried == 1

    assert EmailDelivery.objects.get(pk=stale).status == Status.SENT
    assert EmailDelivery.objects.get(pk=fresh).status == Status.PENDING
    assert len(mail.outbox) == 1


def test_a_send_that_keeps_failing_is_given_up_and_shown_failed(
    agreement: Agreement, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """After MAX_ATTEMPTS the row is failed, logged as an error and no longer retried."""
    monkeypatch.setattr(EmailBackend, "send_messages", flaky_server(failures=1000))
    delivery_id = _one_delivery(agreement)
    waits = []
    with caplog.at_level(logging.WARNING, logger="agreements.outbox"):
        for _attempt in range(MAX_ATTEMPTS):
            email_delivery_send.call(delivery_id=delivery_id)
            row = EmailDelivery.objects.get(pk=delivery_id)
            waits.append(row.next_attempt_at - timezone.now())
            _make_due()

    row = EmailDelivery.objects.get(pk=delivery_id)
    assert (row.status, row.attempts) == (Status.FAILED, MAX_ATTEMPTS)
    # The waits grow: about 1 min, 5 min, 30 min, 2 h.
    assert [round(wait / dt.timedelta(minutes=1)) for wait in waits[:-1]] == [1, 5, 30, 120]
    levels = [record.levelno for record in caplog.records if record.name == "agreements.outbox"]
    assert levels == [logging.WARNING] * (MAX_ATTEMPTS - 1) + [logging.ERROR]
    assert outbox_sweep().retried == 0
    assert mail.outbox == []


def test_a_reminder_whose_send_failed_is_retried(
    agreement: Agreement,
    marketing_member: Any,
    marketing_signatory: Any,
    sales_signatory: Any,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The reminder's slot is recorded as served, and its emails still go out, once each."""
    from agreements.services.reminders import review_reminders_send

    with django_capture_on_commit_callbacks(execute=True):
        review = agreement_submit(agreement=agreement, actor=marketing_member)
    mail.outbox.clear()
    monkeypatch.setattr(EmailBackend, "send_messages", flaky_server(failures=2))
    assert review.submitted_at is not None
    later = review.submitted_at + dt.timedelta(days=review.reminder_days, hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        review_reminders_send(now=later)
    with django_capture_on_commit_callbacks(execute=True):
        assert review_reminders_send(now=later).reminded == []
    assert mail.outbox == []

    _make_due()
    outbox_sweep()
    outbox_sweep()

    assert _sent_to() == sorted(SIGNATORIES)
    assert all(message.subject.startswith("Reminder") for message in mail.outbox)


# A worker that died mid-send


def test_a_task_run_again_after_a_crash_after_the_claim_does_not_resend(
    submitted: Agreement, task_queue: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """The worker died after claiming one row (it may have gone out): a re-run skips it, the
    sweep shows it as interrupted after the timeout, and it is never resent on its own."""
    mail.outbox.clear()
    EmailDelivery.objects.all().delete()
    agreement_email_send.enqueue(
        notice="submitted",
        occurrence="submitted:crash",
        agreement_id=submitted.pk,
        actor_id=None,
    )
    (queued,) = task_queue.results
    # The first run recorded the rows, claimed mark's and died before its send was marked.
    queued.task.call(*queued.args, **queued.kwargs)
    mail.outbox.clear()
    claimed_at = timezone.now() - SENDING_TIMEOUT - dt.timedelta(minutes=1)
    EmailDelivery.objects.filter(recipient="mark@example.com").update(
        status=Status.SENDING, claimed_at=claimed_at, sent_at=None
    )
    EmailDelivery.objects.filter(recipient="sally@example.com").update(
        status=Status.PENDING, sent_at=None, attempts=0
    )

    assert queued.task.call(*queued.args, **queued.kwargs) == 1
    assert _sent_to() == ["sally@example.com"]

    with caplog.at_level(logging.ERROR, logger="agreements.outbox"):
        sweep = outbox_sweep()
    assert (sweep.interrupted, sweep.retried) == (1, 0)
    (error,) = [record for record in caplog.records if record.name == "agreements.outbox"]
    assert "mark@example.com was interrupted while sending" in error.getMessage()
    assert EmailDelivery.objects.get(recipient="mark@example.com").status == Status.UNKNOWN

    queued.task.call(*queued.args, **queued.kwargs)
    _make_due()
    outbox_sweep()
    assert _sent_to() == ["sally@example.com"]


def test_staff_may_send_an_interrupted_email_again_from_the_admin(
    agreement: Agreement, staff_user: Any, client: Any
) -> None:
    """The admin's "Send again" takes failed or interrupted rows only, and sends each once."""
    interrupted = _one_delivery(agreement, "test:interrupted")
    sent = _one_delivery(agreement, "test:sent")
    EmailDelivery.objects.filter(pk=interrupted).update(status=Status.UNKNOWN, attempts=1)
    deliveries_send(delivery_ids=[sent])
    mail.outbox.clear()
    client.force_login(staff_user)
    confirm_password(client)

    response = client.post(
        reverse("admin:agreements_emaildelivery_changelist"),
        {"action": "send_again", "_selected_action": [interrupted, sent]},
        follow=True,
    )

    assert "1 email queued to be sent again." in response.content.decode()
    assert _sent_to() == ["mia@example.com"]
    assert EmailDelivery.objects.get(pk=interrupted).status == Status.SENT
    assert EmailDelivery.objects.get(pk=interrupted).attempts == 1


# The database task queue


@pytest.fixture
def database_queue(settings: Any) -> Iterator[None]:
    """Tasks go to django-tasks-db's table; db_worker's signal handlers are put back after."""
    settings.TASKS = DATABASE_TASKS
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in handlers.items():
        signal.signal(sig, handler)


def _work() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_the_database_queue_runs_the_email_task_in_the_worker(
    agreement: Agreement,
    marketing_member: Any,
    marketing_signatory: Any,
    sales_signatory: Any,
    database_queue: None,
) -> None:
    """The act stores the task in the database; nothing is sent until the worker runs it."""
    agreement_submit(agreement=agreement, actor=marketing_member)

    (queued,) = DBTaskResult.objects.all()
    assert queued.task_path == "agreements.tasks.agreement_email_send"
    assert queued.status == TaskResultStatus.READY
    assert mail.outbox == []

    _work()

    queued.refresh_from_db()
    assert (queued.status, queued.return_value) == (TaskResultStatus.SUCCESSFUL, 2)
    assert _sent_to() == sorted(SIGNATORIES)
    _work()
    assert len(mail.outbox) == 2


@pytest.mark.django_db(transaction=True)
def test_the_database_queue_holds_a_retry_until_its_time(
    agreement: Agreement,
    marketing_member: Any,
    marketing_signatory: Any,
    sales_signatory: Any,
    database_queue: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A failed send queues its retry to run after the backoff; the worker leaves it till then."""
    agreement_submit(agreement=agreement, actor=marketing_member)
    monkeypatch.setattr(EmailBackend, "send_messages", flaky_server(failures=1))
    _work()

    retry = DBTaskResult.objects.get(task_path="agreements.tasks.email_delivery_send")
    failed = EmailDelivery.objects.get(status=Status.PENDING)
    assert retry.args_kwargs["kwargs"] == {"delivery_id": failed.pk}
    assert retry.run_after == failed.next_attempt_at
    assert len(mail.outbox) == 1

    _work()
    retry.refresh_from_db()
    assert retry.status == TaskResultStatus.READY
    assert len(mail.outbox) == 1

    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    _make_due()
    _work()

    assert _sent_to() == sorted(SIGNATORIES)
    assert DBTaskResult.objects.get(pk=retry.pk).status == TaskResultStatus.SUCCESSFUL


@pytest.mark.django_db(transaction=True)
def test_a_task_lost_with_its_worker_is_failed_and_run_again_without_resending(
    agreement: Agreement,
    marketing_member: Any,
    marketing_signatory: Any,
    sales_signatory: Any,
    database_queue: None,
) -> None:
    """A worker killed mid-task leaves it running: the sweep fails it and queues it again; the
    new run sends what the lost one had not sent, and nothing twice."""
    agreement_submit(agreement=agreement, actor=marketing_member)
    lost = DBTaskResult.objects.get()
    _work()
    # As if the worker had died after sending mark's email and before the rest.
    sally = EmailDelivery.objects.get(recipient="sally@example.com")
    EmailDelivery.objects.filter(pk=sally.pk).update(status=Status.PENDING, sent_at=None)
    mail.outbox[:] = [m for m in mail.outbox if m.to != ["sally@example.com"]]
    started = timezone.now() - SENDING_TIMEOUT - dt.timedelta(minutes=1)
    DBTaskResult.objects.filter(pk=lost.pk).update(
        status=TaskResultStatus.RUNNING, started_at=started, finished_at=None
    )

    sweep = outbox_sweep(now=timezone.now() - dt.timedelta(minutes=1))
    assert sweep.lost_tasks == 1
    lost.refresh_from_db()
    assert lost.status == TaskResultStatus.FAILED
    assert lost.exception_class_path == "agreements.tasks.WorkerLost"
    again = DBTaskResult.objects.exclude(pk=lost.pk).get()
    assert again.task_path == lost.task_path
    assert again.args_kwargs == lost.args_kwargs

    _work()

    assert _sent_to() == sorted(SIGNATORIES)
    assert outbox_sweep().lost_tasks == 0


def test_check_sla_retries_due_emails_and_reports_interrupted_ones(agreement: Agreement) -> None:
    """The cron command queues the due retries and names the interrupted sends, once each."""
    failed_before = _one_delivery(agreement, "test:retry")
    interrupted = _one_delivery(agreement, "test:interrupted")
    EmailDelivery.objects.filter(pk=failed_before).update(attempts=1)
    EmailDelivery.objects.filter(pk=interrupted).update(
        status=Status.SENDING,
        attempts=1,
        claimed_at=timezone.now() - SENDING_TIMEOUT - dt.timedelta(minutes=1),
    )
    out, err = StringIO(), StringIO()

    call_command("check_sla", stdout=out, stderr=err)
    call_command("check_sla", stdout=out, stderr=err)

    assert out.getvalue().count("Queued 1 failed emails again.") == 1
    assert err.getvalue().count("1 emails were interrupted while sending") == 1
    assert _sent_to() == ["mia@example.com"]
    assert EmailDelivery.objects.get(pk=interrupted).status == Status.UNKNOWN


def test_a_running_task_of_another_app_is_left_alone(db: None) -> None:
    """Only this app's tasks are known to be safe to run twice: others stay as they are."""
    started = timezone.now() - SENDING_TIMEOUT - dt.timedelta(hours=1)
    other = DBTaskResult.objects.create(
        task_path="elsewhere.tasks.long_job",
        args_kwargs={"args": [], "kwargs": {}},
        backend_name="default",
        status=TaskResultStatus.RUNNING,
        started_at=started,
    )

    assert outbox_sweep().lost_tasks == 0

    other.refresh_from_db()
    assert other.status == TaskResultStatus.RUNNING
    assert DBTaskResult.objects.count() == 1
