"""The outbox: each email goes out at most once per occurrence, failed sends are retried.

The policy, for every email the app sends (sign-off notices, reminders, alert digests):

- **Recorded first.** A task renders its emails into EmailDelivery rows, one per occurrence
  and recipient, before anything is sent. The pair is unique in the database, so a task queued
  or run twice for one occurrence finds the rows already there and adds none.
- **Claimed, then sent.** A row is claimed by one conditional UPDATE (pending -> sending) that
  commits on its own before the mail server is asked; only the run whose UPDATE changed the row
  sends it. After the server took it, the row is marked sent.
- **A failed send is retried** with growing delays (RETRY_DELAYS): the row goes back to pending
  with its next attempt time, and a retry task is queued to run then (a backend that cannot
  defer, the immediate one, leaves it to the next ``check_sla``, which sends the rows due).
  After MAX_ATTEMPTS the row is marked failed and stays so; staff may send it again from the
  admin.
- **At most once, never twice.** A worker killed between claim and mark leaves the row in
  sending: whether the server took the message is unknown. ``deliveries_sweep`` (run by
  ``check_sla``) marks such rows unknown after SENDING_TIMEOUT and logs an error; they are never
  resent on their own, only by a staff member who chooses to (admin action "Send again").

The claim and the mark are deliberately not one transaction with the send: a rollback after
the server took the message would otherwise let it be sent again. Call these functions in
autocommit (tasks and on_commit callbacks are); inside an atomic block they still send once,
but a rollback of the block would undo the record of it.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.core.mail import EmailMessage, mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from agreements.models import EmailDelivery

logger = logging.getLogger("agreements.outbox")

# Waits after the 1st, 2nd, ... failed attempt; the attempt after the last one is the final.
RETRY_DELAYS = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# A send is over in seconds (EMAIL_TIMEOUT); a row still "sending" after this was abandoned.
SENDING_TIMEOUT = dt.timedelta(minutes=15)

Status = EmailDelivery.Status


@dataclass(frozen=True)
class Email:
    """One rendered email to one address."""

    recipient: str
    subject: str
    body: str


@dataclass
class SendOutcome:
    """What one batch of sends did: sent now, left for a retry, given up, or not ours to send."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0
    retry_ids: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.retrying or self.failed)


def deliveries_record(
    *, occurrence: str, kind: str, agreement_id: int, emails: list[Email]
) -> list[int]:
    """The occurrence's rows for these emails, written once; their ids, in recipient order."""
    now = timezone.now()
    rows = [
        EmailDelivery(
            occurrence=occurrence,
            recipient=email.recipient,
            kind=kind,
            agreement_id=agreement_id,
            subject=email.subject,
            body=email.body,
            created_at=now,
            next_attempt_at=now,
        )
        for email in emails
    ]
    # Rows already there (the same occurrence queued or run twice) are kept as they are.
    EmailDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    return list(
        EmailDelivery.objects.filter(
            occurrence=occurrence, recipient__in=[email.recipient for email in emails]
        )
        .order_by("recipient")
        .values_list("pk", flat=True)
    )


def _claim(delivery_id: int, now: dt.datetime) -> bool:
    """Take the row for this run if it is pending and due: one UPDATE, committed at once."""
    with transaction.atomic():
        return bool(
            EmailDelivery.objects.filter(
                pk=delivery_id, status=Status.PENDING, next_attempt_at__lte=now
            ).update(status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
        )


def _failed(delivery: EmailDelivery, error: BaseException, outcome: SendOutcome) -> None:
    """Back to pending with the next attempt's time, or failed for good after the last."""
    now = timezone.now()
    attempts = delivery.attempts
    message = f"{type(error).__name__}: {error}"[:2000]
    if attempts >= MAX_ATTEMPTS:
        EmailDelivery.objects.filter(pk=delivery.pk, status=Status.SENDING).update(
            status=Status.FAILED, last_error=message
        )
        outcome.failed += 1
        logger.error(
            "The %s email of agreement %s to %s failed %s times; giving up (%s).",
            delivery.kind,
            delivery.agreement_id,
            delivery.recipient,
            attempts,
            message,
            exc_info=error,
        )
        return
    retry_at = now + RETRY_DELAYS[attempts - 1]
    EmailDelivery.objects.filter(pk=delivery.pk, status=Status.SENDING).update(
        status=Status.PENDING, next_attempt_at=retry_at, last_error=message
    )
    outcome.retrying += 1
    outcome.retry_ids.append(delivery.pk)
    logger.warning(
        "The %s email of agreement %s to %s could not be sent (attempt %s of %s); retrying at %s.",
        delivery.kind,
        delivery.agreement_id,
        delivery.recipient,
        attempts,
        MAX_ATTEMPTS,
        retry_at.isoformat(),
        exc_info=error,
    )


def deliveries_send(*, delivery_ids: list[int]) -> SendOutcome:
    """Send the given rows that are pending and due, over one connection; each at most once."""
    outcome = SendOutcome()
    connection: BaseEmailBackend | None = None
    try:
        for delivery_id in delivery_ids:
            if not _claim(delivery_id, timezone.now()):
                outcome.skipped += 1
                continue
            delivery = EmailDelivery.objects.get(pk=delivery_id)
            message = EmailMessage(
                subject=delivery.subject, body=delivery.body, to=[delivery.recipient]
            )
            try:
                if connection is None:
                    connection = mailers.default
                    connection.open()
                connection.send_messages([message])
            except Exception as error:
                _failed(delivery, error, outcome)
                # The connection may be broken: the next row opens a fresh one.
                _close(connection)
                connection = None
                continue
            EmailDelivery.objects.filter(pk=delivery_id, status=Status.SENDING).update(
                status=Status.SENT, sent_at=timezone.now(), last_error=""
            )
            outcome.sent += 1
    finally:
        _close(connection)
    return outcome


def _close(connection: BaseEmailBackend | None) -> None:
    if connection is not None:
        try:
            connection.close()
        except Exception:
            logger.warning("Closing the mail connection failed.", exc_info=True)


@dataclass
class SweepSummary:
    """What one sweep of the outbox found: rows due again, and sends left unfinished."""

    due: list[int] = field(default_factory=list)
    interrupted: int = 0


def deliveries_sweep(*, now: dt.datetime | None = None) -> SweepSummary:
    """Mark abandoned sends unknown (never resent on their own); list the rows due a retry:
    those that failed before, and those whose own task never tried them."""
    now = now or timezone.now()
    summary = SweepSummary()
    with transaction.atomic():
        abandoned = list(
            EmailDelivery.objects.select_for_update()
            .filter(status=Status.SENDING, claimed_at__lt=now - SENDING_TIMEOUT)
            .values_list("pk", "kind", "agreement_id", "recipient")
        )
        if abandoned:
            EmailDelivery.objects.filter(pk__in=[row[0] for row in abandoned]).update(
                status=Status.UNKNOWN,
                last_error="The send was interrupted; the email may or may not have gone out.",
            )
    for pk, kind, agreement_id, recipient in abandoned:
        logger.error(
            "The %s email of agreement %s to %s was interrupted while sending (delivery %s); "
            "it is not resent on its own: check and send it again from the admin if needed.",
            kind,
            agreement_id,
            recipient,
            pk,
        )
    summary.interrupted = len(abandoned)
    # A row never tried is its own task's to send first, unless that task is long gone.
    summary.due = list(
        EmailDelivery.objects.filter(status=Status.PENDING, next_attempt_at__lte=now)
        .filter(Q(attempts__gt=0) | Q(created_at__lt=now - SENDING_TIMEOUT))
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)
    )
    return summary


def delivery_send_again(*, delivery_ids: list[int]) -> list[int]:
    """Staff's choice: the failed or interrupted rows among these become pending; their ids."""
    with transaction.atomic():
        chosen = list(
            EmailDelivery.objects.select_for_update()
            .filter(pk__in=delivery_ids, status__in=[Status.FAILED, Status.UNKNOWN])
            .values_list("pk", flat=True)
        )
        EmailDelivery.objects.filter(pk__in=chosen).update(
            status=Status.PENDING, attempts=0, next_attempt_at=timezone.now(), claimed_at=None
        )
    if chosen:
        logger.warning("Staff asked to send email deliveries %s again.", chosen)
    return chosen
