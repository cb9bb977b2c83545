"""A review's terms (due date, reminder interval) and the reminders sent to signers meanwhile.

A review in progress reminds the signatories whose team has not signed on day N, 2N, 3N...
after its submission, N being the agreement's ``reminder_days``. Each of those days is a
*slot*; ``last_reminded_at`` records the reminder sent, and a slot is served only when that
lies before it. The row is locked while a reminder is decided, so two runs at once (cron and a
hand-started check_sla) remind once. A run that missed slots (the command did not run for a
while) sends a single reminder, for the latest.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from agreements import notifications
from agreements.lifecycle import Act
from agreements.models import Agreement, AgreementEvent
from agreements.models.agreement import REMINDER_DAYS_DEFAULT, REMINDER_DAYS_MAX
from agreements.recipients import awaiting_signatories
from agreements.services.audit import event_record
from agreements.services.locking import agreement_lock, agreement_lock_for_act

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger("agreements.notifications")

ERROR_DUE_IN_PAST = gettext_noop("The due date cannot be in the past; today is {today}.")
ERROR_REMINDER_DAYS = gettext_noop(
    "Remind every 1 to {maximum} days, or enter 0 to send no reminders."
)


@dataclass(frozen=True)
class ReviewTerms:
    """When a review's signatures are due (optional) and how often signers are reminded."""

    review_due: dt.date | None
    reminder_days: int


# A review submitted without terms: no due date, reminders at the default interval.
DEFAULT_TERMS = ReviewTerms(review_due=None, reminder_days=REMINDER_DAYS_DEFAULT)


def review_terms_check(
    terms: ReviewTerms, *, current_due: dt.date | None = None, today: dt.date | None = None
) -> None:
    """Raise ValidationError, keyed by field, unless the terms may be set today.

    A due date must not be in the past when it is set; one kept as it was (``current_due``)
    may have passed meanwhile, so that an overdue review's reminders can still be changed.
    """
    today = today or timezone.localdate()
    errors: dict[str, list[ValidationError]] = {}
    due = terms.review_due
    if due is not None and due != current_due and due < today:
        errors["review_due"] = [
            ValidationError(
                _(ERROR_DUE_IN_PAST).format(today=date_format(today, "DATE_FORMAT")),
                code="due_in_past",
            )
        ]
    if not 0 <= terms.reminder_days <= REMINDER_DAYS_MAX:
        errors["reminder_days"] = [
            ValidationError(
                _(ERROR_REMINDER_DAYS).format(maximum=REMINDER_DAYS_MAX), code="reminder_days"
            )
        ]
    if errors:
        raise ValidationError(errors)


def review_terms_apply(agreement: Agreement, terms: ReviewTerms) -> list[str]:
    """Put checked terms on the (locked) agreement; returns the fields to save."""
    agreement.review_due = terms.review_due
    agreement.reminder_days = terms.reminder_days
    return ["review_due", "reminder_days"]


def review_terms_details(agreement: Agreement) -> dict[str, Any]:
    """The terms as an audit event records them."""
    return {
        "review_due": agreement.review_due.isoformat() if agreement.review_due else None,
        "reminder_days": agreement.reminder_days,
    }


def review_schedule(
    *, agreement: Agreement, actor: User, terms: ReviewTerms, ip_address: str | None = None
) -> Agreement:
    """Change the due date or the reminder interval of a review in progress."""
    with transaction.atomic():
        locked = agreement_lock_for_act(agreement=agreement, actor=actor, act=Act.SCHEDULE_REVIEW)
        review_terms_check(terms, current_due=locked.review_due)
        previous = review_terms_details(locked)
        fields = review_terms_apply(locked, terms)
        current = review_terms_details(locked)
        if current == previous:
            return locked
        # Not updated_at: the terms are bookkeeping of the review, not a change to the agreement.
        locked.save(update_fields=fields)
        event_record(
            agreement=locked,
            actor=actor,
            kind=AgreementEvent.Kind.REVIEW_SCHEDULED,
            details={**current, "previous": previous},
            ip_address=ip_address,
        )
    return locked


def reminder_slot(agreement: Agreement, now: dt.datetime) -> dt.datetime | None:
    """The latest reminder day reached by ``now`` that has not had its reminder, if any."""
    if (
        agreement.status != Agreement.Status.IN_REVIEW
        or agreement.submitted_at is None
        or agreement.reminder_days <= 0
    ):
        return None
    interval = dt.timedelta(days=agreement.reminder_days)
    intervals = (now - agreement.submitted_at) // interval
    if intervals < 1:
        return None
    slot = agreement.submitted_at + intervals * interval
    last = agreement.last_reminded_at
    if last is not None and last >= slot:
        return None
    return slot


@dataclass
class ReminderSummary:
    """What one run reminded: agreements, and signatories written to."""

    as_of: dt.datetime
    reviews: int = 0
    reminded: list[int] = field(default_factory=list)
    recipients: int = 0
    failed: list[int] = field(default_factory=list)


def review_remind(*, agreement: Agreement, now: dt.datetime) -> int:
    """Send the agreement's due reminder, if any; returns how many signatories were asked."""
    with transaction.atomic():
        # Decided again under the row lock: a concurrent run may have just sent it.
        locked = agreement_lock(agreement)
        slot = reminder_slot(locked, now)
        if slot is None:
            return 0
        addresses = sorted(set(awaiting_signatories(locked).values_list("user__email", flat=True)))
        if not addresses:
            return 0
        locked.last_reminded_at = now
        locked.save(update_fields=["last_reminded_at"])
        event_record(
            agreement=locked,
            actor=None,
            kind=AgreementEvent.Kind.REMINDER_SENT,
            details={
                "recipients": addresses,
                "slot": slot.isoformat(),
                **review_terms_details(locked),
            },
        )
        # Keyed by the slot: the outbox emails each signatory once for it, and retries a failed
        # send, so the slot is served by this record even if the mail server is down just now.
        transaction.on_commit(
            partial(notifications.notify_reminder, agreement=locked, slot=slot), robust=True
        )
    return len(addresses)


def review_reminders_send(*, now: dt.datetime | None = None) -> ReminderSummary:
    """Remind the unsigned signatories of every review whose reminder day has come."""
    now = now or timezone.now()
    summary = ReminderSummary(as_of=now)
    reviews = list(
        Agreement.objects.filter(status=Agreement.Status.IN_REVIEW, reminder_days__gt=0).only(
            "pk", "status", "submitted_at", "reminder_days", "last_reminded_at"
        )
    )
    summary.reviews = len(reviews)
    for review in reviews:
        if reminder_slot(review, now) is None:
            continue
        try:
            asked = review_remind(agreement=review, now=now)
        except Exception:
            logger.exception(
                "The reminder of agreement %s failed; the other reviews were checked.", review.pk
            )
            summary.failed.append(review.pk)
            continue
        if asked:
            summary.reminded.append(review.pk)
            summary.recipients += asked
    return summary
