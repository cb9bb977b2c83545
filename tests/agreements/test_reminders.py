"""Review terms and reminders: every unsigned signatory is reminded once per interval."""

from __future__ import annotations

import datetime as dt
import threading
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import IntegrityError, OperationalError, connection, transaction
from django.tasks.backends.dummy import DummyBackend
from django.utils import timezone
from django.utils.formats import date_format

from agreements.exchange import agreement_digest
from agreements.models import Agreement, AgreementEvent
from agreements.selectors import agreement_load_sections
from agreements.services.reminders import (
    ERROR_DUE_IN_PAST,
    ReviewTerms,
    review_remind,
    review_reminders_send,
    review_schedule,
)
from agreements.services.review import (
    agreement_cancel,
    agreement_request_changes,
    agreement_submit,
    agreement_withdraw,
)
from agreements.tasks import agreement_email_send
from agreements.verification import verify_agreement
from tests.agreements.signing import sign

SUBMITTED = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def everyone(
    marketing_member: Any,
    marketing_signatory: Any,
    sales_member: Any,
    sales_signatory: Any,
    outsider: Any,
) -> None:
    """Both teams with a member and a signatory each, and a user of another team."""


@pytest.fixture
def review(agreement: Agreement, marketing_member: Any) -> Agreement:
    """In review since SUBMITTED, reminding every 3 days; no email sent yet."""
    submitted = agreement_submit(
        agreement=agreement,
        actor=marketing_member,
        terms=ReviewTerms(review_due=None, reminder_days=3),
    )
    Agreement.objects.filter(pk=submitted.pk).update(submitted_at=SUBMITTED)
    mail.outbox.clear()
    return Agreement.objects.get(pk=submitted.pk)


def remind(capture: Any, now: dt.datetime) -> set[str]:
    """Run the reminders as of ``now``; returns the addresses written to by this run."""
    sent_before = len(mail.outbox)
    with capture(execute=True):
        review_reminders_send(now=now)
    return {address for message in mail.outbox[sent_before:] for address in message.to}


def reminder_events(agreement: Agreement) -> list[AgreementEvent]:
    return list(
        AgreementEvent.objects.filter(
            agreement=agreement, kind=AgreementEvent.Kind.REMINDER_SENT
        ).order_by("pk")
    )


BOTH_SIGNATORIES = {"mark@example.com", "sally@example.com"}


def test_reminders_go_out_every_n_days_exactly_once_per_interval(
    review: Agreement, django_capture_on_commit_callbacks: Any
) -> None:
    """Every 3 days from submission; runs in between, however many, send nothing."""
    capture = django_capture_on_commit_callbacks
    assert remind(capture, SUBMITTED + 2 * DAY) == set()
    assert remind(capture, SUBMITTED + 3 * DAY - dt.timedelta(seconds=1)) == set()
    assert remind(capture, SUBMITTED + 3 * DAY) == BOTH_SIGNATORIES
    for hours in (0, 1, 5, 23, 47, 71):
        assert remind(capture, SUBMITTED + 3 * DAY + dt.timedelta(hours=hours)) == set()
    assert remind(capture, SUBMITTED + 6 * DAY + dt.timedelta(minutes=30)) == BOTH_SIGNATORIES
    assert remind(capture, SUBMITTED + 7 * DAY) == set()
    assert len(mail.outbox) == 4
    assert [event.details["slot"] for event in reminder_events(review)] == [
        (SUBMITTED + 3 * DAY).isoformat(),
        (SUBMITTED + 6 * DAY).isoformat(),
    ]


def test_missed_intervals_send_one_reminder_not_one_each(
    review: Agreement, django_capture_on_commit_callbacks: Any
) -> None:
    """After a pause of 20 days the check catches up with one reminder, for day 18."""
    assert remind(django_capture_on_commit_callbacks, SUBMITTED + 20 * DAY) == BOTH_SIGNATORIES
    assert remind(django_capture_on_commit_callbacks, SUBMITTED + 20 * DAY) == set()
    assert len(mail.outbox) == 2
    (event,) = reminder_events(review)
    assert event.details["slot"] == (SUBMITTED + 18 * DAY).isoformat()
    assert remind(django_capture_on_commit_callbacks, SUBMITTED + 21 * DAY) == BOTH_SIGNATORIES


def test_a_team_that_signed_is_no_longer_reminded(
    review: Agreement, sales_signatory: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Once sales has signed, only marketing's signatory is reminded, and told who is awaited."""
    sign(review, sales_signatory, review.sales_team)
    mail.outbox.clear()

    assert remind(django_capture_on_commit_callbacks, SUBMITTED + 3 * DAY) == {"mark@example.com"}

    (message,) = mail.outbox
    assert message.subject == "Reminder, please sign: Q1 pipeline SLA, version 1"
    assert "Still to sign: Growth Marketing." in message.body
    assert "since 5 Jan 2026" in message.body
    assert "You are reminded every 3 days" in message.body
    assert reminder_events(review)[0].details["recipients"] == ["mark@example.com"]


@pytest.mark.parametrize("close", ["withdraw", "request_changes", "cancel", "sign"])
def test_no_reminder_once_the_review_closes(
    close: str,
    review: Agreement,
    marketing_member: Any,
    marketing_signatory: Any,
    sales_signatory: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Withdrawn, sent back, cancelled or signed by both: nobody is reminded any more."""
    if close == "withdraw":
        agreement_withdraw(agreement=review, actor=marketing_member)
    elif close == "request_changes":
        agreement_request_changes(agreement=review, actor=sales_signatory, comment="Fix it")
    elif close == "cancel":
        agreement_cancel(agreement=review, actor=marketing_member, reason="Dropped")
    else:
        sign(review, sales_signatory, review.sales_team)
        sign(review, marketing_signatory, review.marketing_team)
    mail.outbox.clear()

    assert remind(django_capture_on_commit_callbacks, SUBMITTED + 30 * DAY) == set()
    assert reminder_events(review) == []


def test_a_reminder_queued_before_the_review_closed_is_not_sent(
    review: Agreement, marketing_member: Any, task_queue: DummyBackend
) -> None:
    """A worker sending the reminder after a withdrawal writes to no one."""
    review_reminders_send(now=SUBMITTED + 3 * DAY)
    agreement_withdraw(agreement=review, actor=marketing_member)
    sent = agreement_email_send.call(
        notice="reminder", occurrence="reminder:late", agreement_id=review.pk, actor_id=None
    )
    assert sent == 0
    assert mail.outbox == []


def test_reminders_off_send_nothing(
    review: Agreement, marketing_member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """An interval of 0 turns reminders off."""
    review_schedule(
        agreement=review,
        actor=marketing_member,
        terms=ReviewTerms(review_due=None, reminder_days=0),
    )
    assert remind(django_capture_on_commit_callbacks, SUBMITTED + 30 * DAY) == set()


def test_a_run_that_saw_the_review_before_another_sent_sends_nothing(
    review: Agreement, django_capture_on_commit_callbacks: Any
) -> None:
    """Two runs at once both found the review due: the second decides again under the lock."""
    stale = Agreement.objects.get(pk=review.pk)
    now = SUBMITTED + 3 * DAY
    with django_capture_on_commit_callbacks(execute=True):
        assert review_remind(agreement=review, now=now) == 2
        assert review_remind(agreement=stale, now=now + dt.timedelta(seconds=1)) == 0
    assert len(mail.outbox) == 2
    assert len(reminder_events(review)) == 1


def test_check_sla_twice_reminds_once(
    review: Agreement, django_capture_on_commit_callbacks: Any
) -> None:
    """The cron command reminds, says so, and a second run the same day sends nothing more."""
    out = StringIO()
    for _run in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("check_sla", "--as-of", "2026-01-08T10:00:00+00:00", stdout=out)
    assert {address for message in mail.outbox for address in message.to} == BOTH_SIGNATORIES
    assert len(mail.outbox) == 2
    assert "Reminded the signatories of 1 of 1 agreements in review (2 addresses)." in (
        out.getvalue()
    )
    assert len(reminder_events(review)) == 1


def test_reminders_are_queued_by_id_after_commit(
    review: Agreement, task_queue: DummyBackend, django_capture_on_commit_callbacks: Any
) -> None:
    """The task gets ids and plain values only, and only once the reminder is recorded."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        review_reminders_send(now=SUBMITTED + 3 * DAY)
    assert task_queue.results == []
    for callback in callbacks:
        callback()
    (result,) = task_queue.results
    assert result.kwargs["notice"] == "reminder"
    assert result.kwargs["agreement_id"] == review.pk
    assert result.kwargs["actor_id"] is None


def test_the_reminder_is_in_the_audit_trail_and_the_chain_holds(
    review: Agreement,
    marketing_signatory: Any,
    sales_signatory: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The event names who was reminded; once signed, the agreement verifies as intact."""
    remind(django_capture_on_commit_callbacks, SUBMITTED + 3 * DAY)
    (event,) = reminder_events(review)
    assert event.actor is None
    assert event.details["recipients"] == sorted(BOTH_SIGNATORIES)
    assert event.details["reminder_days"] == 3
    sign(review, sales_signatory, review.sales_team)
    sign(review, marketing_signatory, review.marketing_team)
    assert verify_agreement(review).is_intact


def test_resubmitting_starts_the_reminders_afresh(
    review: Agreement, marketing_member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """A new review counts its intervals from its own submission."""
    remind(django_capture_on_commit_callbacks, SUBMITTED + 3 * DAY)
    agreement_withdraw(agreement=review, actor=marketing_member)
    again = agreement_submit(agreement=review, actor=marketing_member)
    assert again.last_reminded_at is None
    Agreement.objects.filter(pk=review.pk).update(submitted_at=SUBMITTED + 4 * DAY)
    mail.outbox.clear()
    assert remind(django_capture_on_commit_callbacks, SUBMITTED + 6 * DAY) == set()
    assert remind(django_capture_on_commit_callbacks, SUBMITTED + 7 * DAY) == BOTH_SIGNATORIES


# The review's terms.


def test_a_due_date_in_the_past_is_refused(agreement: Agreement, marketing_member: Any) -> None:
    """Submitting with yesterday as the due date fails, naming today; nothing is submitted."""
    yesterday = timezone.localdate() - DAY
    with pytest.raises(ValidationError) as caught:
        agreement_submit(
            agreement=agreement,
            actor=marketing_member,
            terms=ReviewTerms(review_due=yesterday, reminder_days=3),
        )
    assert caught.value.message_dict["review_due"] == [
        ERROR_DUE_IN_PAST.format(today=date_format(timezone.localdate(), "DATE_FORMAT"))
    ]
    assert Agreement.objects.get(pk=agreement.pk).status == Agreement.Status.DRAFT


def test_today_is_a_valid_due_date(agreement: Agreement, marketing_member: Any) -> None:
    """The due date may be today."""
    today = timezone.localdate()
    submitted = agreement_submit(
        agreement=agreement,
        actor=marketing_member,
        terms=ReviewTerms(review_due=today, reminder_days=7),
    )
    stored = Agreement.objects.get(pk=submitted.pk)
    assert (stored.review_due, stored.reminder_days) == (today, 7)
    event = AgreementEvent.objects.get(agreement=stored, kind=AgreementEvent.Kind.SUBMITTED)
    assert event.details["review_due"] == today.isoformat()


def test_the_reminder_interval_is_bounded_in_the_database(review: Agreement) -> None:
    """More than 30 days between reminders is refused by a check constraint."""
    with pytest.raises(IntegrityError), transaction.atomic():
        Agreement.objects.filter(pk=review.pk).update(reminder_days=31)


def test_changing_the_terms_in_review_is_audited(review: Agreement, sales_member: Any) -> None:
    """A party changes the due date and interval; the event keeps the previous terms."""
    due = timezone.localdate() + 5 * DAY
    review_schedule(
        agreement=review, actor=sales_member, terms=ReviewTerms(review_due=due, reminder_days=1)
    )
    stored = Agreement.objects.get(pk=review.pk)
    assert (stored.review_due, stored.reminder_days) == (due, 1)
    event = AgreementEvent.objects.get(agreement=review, kind=AgreementEvent.Kind.REVIEW_SCHEDULED)
    assert event.details == {
        "review_due": due.isoformat(),
        "reminder_days": 1,
        "previous": {"review_due": None, "reminder_days": 3},
    }


def test_terms_change_only_in_review_and_only_by_parties(
    agreement: Agreement, marketing_member: Any, outsider: Any, review: Agreement
) -> None:
    """An outsider is refused; a draft has no review to schedule."""
    terms = ReviewTerms(review_due=None, reminder_days=5)
    with pytest.raises(PermissionDenied):
        review_schedule(agreement=review, actor=outsider, terms=terms)
    agreement_withdraw(agreement=review, actor=marketing_member)
    with pytest.raises(ValidationError) as caught:
        review_schedule(agreement=review, actor=marketing_member, terms=terms)
    assert caught.value.code == "not_in_review"


def test_the_terms_are_not_signed_content(review: Agreement, marketing_member: Any) -> None:
    """Setting a due date and reminders leaves the content's digest as it was."""
    before = agreement_digest(agreement_load_sections(review.pk))
    review_schedule(
        agreement=review,
        actor=marketing_member,
        terms=ReviewTerms(review_due=timezone.localdate() + 9 * DAY, reminder_days=1),
    )
    Agreement.objects.filter(pk=review.pk).update(last_reminded_at=SUBMITTED)
    assert agreement_digest(agreement_load_sections(review.pk)) == before


def test_an_overdue_reminder_says_so(
    review: Agreement, django_capture_on_commit_callbacks: Any
) -> None:
    """Past its due date the reminder's subject and body say the review is overdue."""
    # Stored directly: a due date that has since passed, as time makes it.
    Agreement.objects.filter(pk=review.pk).update(review_due=dt.date(2026, 1, 6))
    remind(django_capture_on_commit_callbacks, SUBMITTED + 3 * DAY)
    message = mail.outbox[0]
    assert message.subject == "Overdue, please sign: Q1 pipeline SLA, version 1"
    assert "The signatures were due by 6 Jan 2026: the review is overdue." in message.body


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_moment_remind_once(
    agreement: Agreement, marketing_member: Any
) -> None:
    """Two check runs racing in their own connections send one reminder between them."""
    submitted = agreement_submit(agreement=agreement, actor=marketing_member)
    Agreement.objects.filter(pk=submitted.pk).update(submitted_at=SUBMITTED)
    mail.outbox.clear()
    barrier = threading.Barrier(2)
    outcomes: list[object] = [None, None]

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[index] = review_reminders_send(now=SUBMITTED + 3 * DAY)
        except BaseException as error:  # recorded for the assertions in the main thread
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # SQLite's shared-cache test database may refuse the loser outright instead of making it
    # wait (see test_signoff_concurrency); either way exactly one reminder goes out.
    errors = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    if connection.vendor == "sqlite":
        # At most the loser, refused with SQLite's table lock; never both runs.
        assert len(errors) <= 1, outcomes
        assert all(
            isinstance(error, OperationalError) and "locked" in str(error) for error in errors
        ), outcomes
    else:
        assert not errors, outcomes
    assert len(reminder_events(submitted)) == 1
    assert sorted(address for message in mail.outbox for address in message.to) == sorted(
        BOTH_SIGNATORIES
    )


def test_an_overdue_review_keeps_its_due_date_when_the_reminders_change(
    review: Agreement, marketing_member: Any
) -> None:
    """A due date that has passed may stay as it is; moving it to another past day may not."""
    passed = dt.date(2026, 1, 6)
    Agreement.objects.filter(pk=review.pk).update(review_due=passed)
    review_schedule(
        agreement=review,
        actor=marketing_member,
        terms=ReviewTerms(review_due=passed, reminder_days=1),
    )
    assert Agreement.objects.get(pk=review.pk).reminder_days == 1
    with pytest.raises(ValidationError) as caught:
        review_schedule(
            agreement=review,
            actor=marketing_member,
            terms=ReviewTerms(review_due=passed + DAY, reminder_days=1),
        )
    assert "review_due" in caught.value.message_dict
