"""Background tasks of the agreements app: the sign-off emails and the outbox's retries.

The tasks take ids and plain values only, so that a worker in another process can run them: a
task loads what it needs, renders the templates in agreements/email/ into outbox rows (one per
recipient, once per occurrence) and sends them (agreements/services/outbox.py).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.apps import apps
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.tasks import TaskResultStatus, task
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements.emails import absolute_url, render_email
from agreements.models import Agreement, EmailDelivery, Signature
from agreements.recipients import Notice, notice_recipients, unsigned_team_ids
from agreements.services.outbox import (
    SENDING_TIMEOUT,
    Email,
    SendOutcome,
    deliveries_record,
    deliveries_send,
    deliveries_sweep,
)
from teams.models import Team
from teams.text import person_name

logger = logging.getLogger("agreements.notifications")

# The apps whose tasks may run again after a lost worker: their emails go through the outbox.
OWN_TASK_MODULES = ("agreements.", "performance.")


def _person(user: User | None) -> str:
    if user is None:
        return _("Someone")
    return person_name(user)


def _context(
    agreement: Agreement, actor: User | None, signature_id: int | None, **values: str
) -> dict[str, Any]:
    signature = None
    if signature_id is not None:
        signature = Signature.objects.select_related("team").get(pk=signature_id)
    awaited_ids = unsigned_team_ids(agreement)
    awaited = Team.objects.in_bulk(awaited_ids)
    return {
        "agreement": agreement,
        # The teams whose signature is still needed, marketing first.
        "awaited_teams": ", ".join(awaited[pk].name for pk in awaited_ids if pk in awaited),
        "person": _person(actor),
        "signature": signature,
        "link": absolute_url(agreement.get_absolute_url()),
        **values,
    }


def _compose(
    *,
    notice: Notice,
    occurrence: str,
    agreement_id: int,
    actor_id: int | None,
    signature_id: int | None,
    **values: str,
) -> list[int]:
    """The occurrence's outbox rows, rendered and recorded once; their ids."""
    agreement = Agreement.objects.get(pk=agreement_id)
    actor = User.objects.filter(pk=actor_id).first() if actor_id is not None else None
    recipients = notice_recipients(notice, agreement, actor)
    if not recipients:
        logger.info("No recipients for the %s email of agreement %s.", notice, agreement.pk)
        return []
    subject, body = render_email(
        f"agreements/email/{notice}", _context(agreement, actor, signature_id, **values)
    )
    return deliveries_record(
        occurrence=occurrence,
        kind=notice.value,
        agreement_id=agreement.pk,
        emails=[Email(recipient=address, subject=subject, body=body) for address in recipients],
    )


def deliveries_send_and_schedule(delivery_ids: list[int]) -> SendOutcome:
    """Send the rows; queue a retry for each failed one, at its next attempt time."""
    outcome = deliveries_send(delivery_ids=delivery_ids)
    retries_schedule(outcome.retry_ids)
    return outcome


def retries_schedule(delivery_ids: list[int]) -> None:
    """Queue email_delivery_send for each row at its next attempt time, where the backend can.

    The immediate backend cannot wait: its retries are sent by the next check_sla, which sends
    the rows that are due (agreements.services.outbox.deliveries_sweep).
    """
    if not delivery_ids or not email_delivery_send.get_backend().supports_defer:
        return
    due = dict(
        EmailDelivery.objects.filter(
            pk__in=delivery_ids, status=EmailDelivery.Status.PENDING
        ).values_list("pk", "next_attempt_at")
    )
    for delivery_id, run_after in due.items():
        try:
            email_delivery_send.using(run_after=run_after).enqueue(delivery_id=delivery_id)
        except Exception:
            # The row stays pending: the next check_sla queues it again.
            logger.exception("The retry of email delivery %s could not be queued.", delivery_id)


@task
def email_delivery_send(*, delivery_id: int) -> dict[str, int]:
    """Send one outbox row if it is still pending and due (a retry, or check_sla's sweep)."""
    outcome = deliveries_send_and_schedule([delivery_id])
    return {"sent": outcome.sent, "retrying": outcome.retrying, "failed": outcome.failed}


@task
def agreement_email_send(
    *,
    notice: str,
    occurrence: str,
    agreement_id: int,
    actor_id: int | None,
    signature_id: int | None = None,
    comment: str = "",
    reason: str = "",
) -> int:
    """Email the people a sign-off act concerns, once per occurrence; how many went out now.

    ``occurrence`` names the act (its audit event, signature or reminder slot): a second run
    for the same occurrence sends nothing more. A send that fails is retried by the outbox.
    """
    try:
        delivery_ids = _compose(
            notice=Notice(notice),
            occurrence=occurrence,
            agreement_id=agreement_id,
            actor_id=actor_id,
            signature_id=signature_id,
            comment=comment,
            reason=reason,
        )
    except Exception:
        # The act has happened whatever becomes of its email: log the failure, never raise it.
        logger.exception("The %s notification of agreement %s failed.", notice, agreement_id)
        return 0
    outcome = deliveries_send_and_schedule(delivery_ids)
    if outcome.sent:
        logger.info("Sent the %s email of agreement %s to %s.", notice, agreement_id, outcome.sent)
    return outcome.sent


class WorkerLost(RuntimeError):
    """The worker running a task stopped (killed, out of memory) before the task finished."""


@dataclass
class OutboxSweep:
    """What check_sla's sweep did: sends queued again, sends left unknown, lost tasks."""

    retried: int = 0
    interrupted: int = 0
    lost_tasks: int = 0


def outbox_sweep(*, now: dt.datetime | None = None) -> OutboxSweep:
    """Queue the outbox rows due a retry, mark abandoned sends unknown, recover lost tasks.

    Safe to run any number of times: a row is sent only by the run that claims it.
    """
    now = now or timezone.now()
    sweep = OutboxSweep(lost_tasks=tasks_recover_lost(now=now))
    found = deliveries_sweep(now=now)
    sweep.interrupted = found.interrupted
    for delivery_id in found.due:
        try:
            email_delivery_send.enqueue(delivery_id=delivery_id)
        except Exception:
            logger.exception("The retry of email delivery %s could not be queued.", delivery_id)
            continue
        sweep.retried += 1
    return sweep


def tasks_recover_lost(*, now: dt.datetime) -> int:
    """Fail the database queue's tasks of this app whose worker died mid-run; queue them again.

    django-tasks-db leaves such a task "running" for ever. Every task of this app may run again
    (its emails go through the outbox, which sends each once), so one still running after
    SENDING_TIMEOUT is shown as failed (WorkerLost) and queued afresh; how many. Tasks of other
    apps are left alone: they may not be safe to run twice.
    """
    if not apps.is_installed("django_tasks_db"):
        return 0
    from django_tasks_db.models import DBTaskResult

    ours = Q()
    for module in OWN_TASK_MODULES:
        ours |= Q(task_path__startswith=module)
    with transaction.atomic():
        lost = list(
            DBTaskResult.objects.select_for_update(skip_locked=True)
            .filter(ours, status=TaskResultStatus.RUNNING, started_at__lt=now - SENDING_TIMEOUT)
            .order_by("started_at")
        )
        for row in lost:
            row.set_failed(WorkerLost(f"No worker finished this task within {SENDING_TIMEOUT}."))
            logger.error(
                "Task %s (%s) was lost with its worker; marked failed and queued again.",
                row.pk,
                row.task_path,
            )
            transaction.on_commit(
                partial(
                    row.task.using(backend=row.backend_name).enqueue,
                    *row.args_kwargs["args"],
                    **row.args_kwargs["kwargs"],
                ),
                robust=True,
            )
    return len(lost)
