"""Emails about sign-off acts, handed to the task backend once the act's transaction commits.

Each notify_* function is given to transaction.on_commit by a sign-off service, so nothing is
sent for an act that was rolled back. It only enqueues agreements.tasks.agreement_email_send
with ids and plain values; the task renders and sends. A failure to enqueue or to send is
logged and swallowed: the act it reports has already happened.

Each email names its *occurrence*, the act it reports (its audit event, signature or reminder
slot): the outbox sends one email per occurrence and recipient, however often the task is
queued or run (agreements/services/outbox.py).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from agreements.models import Agreement, Signature
from agreements.recipients import Notice
from agreements.tasks import agreement_email_send

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger("agreements.notifications")


def _enqueue(
    notice: Notice,
    *,
    occurrence: str,
    agreement: Agreement,
    actor: User | None,
    signature_id: int | None = None,
    comment: str = "",
    reason: str = "",
) -> None:
    try:
        agreement_email_send.enqueue(
            notice=notice.value,
            occurrence=occurrence,
            agreement_id=agreement.pk,
            actor_id=actor.pk if actor is not None else None,
            signature_id=signature_id,
            comment=comment,
            reason=reason,
        )
    except Exception:
        # The act has happened whatever becomes of its email: log the failure, never raise it.
        logger.exception("The %s email of agreement %s could not be queued.", notice, agreement.pk)


def notify_submitted(*, agreement: Agreement, actor: User, event_id: int) -> None:
    """Ask every signatory of both teams to review and sign."""
    _enqueue(
        Notice.SUBMITTED,
        occurrence=f"submitted:event={event_id}",
        agreement=agreement,
        actor=actor,
    )


def notify_changes_requested(
    *, agreement: Agreement, actor: User, comment: str, event_id: int
) -> None:
    """Tell both teams that a signatory sent the agreement back to draft."""
    _enqueue(
        Notice.CHANGES_REQUESTED,
        occurrence=f"changes_requested:event={event_id}",
        agreement=agreement,
        actor=actor,
        comment=comment,
    )


def notify_signed(*, agreement: Agreement, actor: User, signature: Signature) -> None:
    """Tell both teams that one team has signed and the other's signature is awaited."""
    _enqueue(
        Notice.SIGNED,
        occurrence=f"signed:signature={signature.pk}",
        agreement=agreement,
        actor=actor,
        signature_id=signature.pk,
    )


def notify_fully_signed(*, agreement: Agreement, actor: User) -> None:
    """Tell both teams that the agreement is signed and binding (once per version)."""
    _enqueue(
        Notice.FULLY_SIGNED,
        occurrence=f"fully_signed:agreement={agreement.pk}",
        agreement=agreement,
        actor=actor,
    )


def notify_withdrawn(*, agreement: Agreement, actor: User, event_id: int, reason: str = "") -> None:
    """Tell both teams that the agreement went back to draft and its signatures are void."""
    _enqueue(
        Notice.WITHDRAWN,
        occurrence=f"withdrawn:event={event_id}",
        agreement=agreement,
        actor=actor,
        reason=reason,
    )


def notify_reminder(*, agreement: Agreement, slot: dt.datetime) -> None:
    """Remind the signatories whose team has not signed that the review awaits them."""
    _enqueue(
        Notice.REMINDER,
        occurrence=f"reminder:agreement={agreement.pk}:slot={slot.isoformat()}",
        agreement=agreement,
        actor=None,
    )
