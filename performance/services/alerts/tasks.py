"""The task that emails one agreement's new alerts, a digest per recipient.

It takes ids only, so that a worker in another process can run it: it loads the agreement and
the alerts claimed for it, renders templates/performance/email/alert_*.txt into the outbox (one
row per recipient, once per digest) and sends. A send that fails is retried by the outbox
(agreements/services/outbox.py); a digest that cannot even be rendered is logged and its alerts
released, so that the next check sends them again.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from typing import Any

from django.tasks import task
from django.urls import reverse

from agreements.emails import absolute_url, render_email
from agreements.models import Agreement
from agreements.services.outbox import Email, deliveries_record
from agreements.tasks import deliveries_send_and_schedule
from performance.models import Alert
from performance.services.alerts.recipients import digest_recipients
from performance.services.alerts.recording import alerts_release

logger = logging.getLogger("performance.alerts")

# A digest lists at most this many alerts of each kind; the rest are counted.
DIGEST_LINES_PER_KIND = 50
KIND_ORDER = (
    Alert.Kind.LEAD_BREACH,
    Alert.Kind.KPI_MISSED,
    Alert.Kind.KPI_AT_RISK,
    Alert.Kind.DEADLINE_OVERDUE,
)


def digest_context(agreement: Agreement, alerts: list[Alert], link: str) -> dict[str, Any]:
    """What the alert templates show: the alerts grouped by kind, each group cut to its limit."""
    by_kind: dict[str, list[Alert]] = defaultdict(list)
    for alert in alerts:
        by_kind[alert.kind].append(alert)
    groups = [
        {
            "label": kind.label,
            "total": len(items),
            "shown": items[:DIGEST_LINES_PER_KIND],
            "more": max(len(items) - DIGEST_LINES_PER_KIND, 0),
        }
        for kind in KIND_ORDER
        if (items := by_kind.get(kind))
    ]
    return {"agreement": agreement, "total": len(alerts), "groups": groups, "link": link}


def digest_occurrence(agreement_id: int, alert_ids: list[int]) -> str:
    """The outbox key of one digest: the agreement and the alerts it carries."""
    ids = ",".join(str(pk) for pk in sorted(alert_ids))
    return f"alerts:agreement={agreement_id}:{hashlib.sha256(ids.encode()).hexdigest()[:24]}"


def _digest_compose(agreement_id: int, alert_ids: list[int]) -> list[int]:
    """The digest's outbox rows, one per recipient, rendered and recorded once; their ids."""
    agreement = Agreement.objects.get(pk=agreement_id)
    alerts = list(
        Alert.objects.filter(pk__in=alert_ids).order_by("series_id", "kind", "created_at", "pk")
    )
    link = absolute_url(reverse("performance:dashboard", kwargs={"pk": agreement.pk}))
    emails = []
    for address, theirs in sorted(digest_recipients(agreement, alerts).items()):
        subject, body = render_email(
            "performance/email/alert", digest_context(agreement, theirs, link)
        )
        emails.append(Email(recipient=address, subject=subject, body=body))
    return deliveries_record(
        occurrence=digest_occurrence(agreement_id, alert_ids),
        kind="alerts",
        agreement_id=agreement.pk,
        emails=emails,
    )


@task
def alert_digest_send(*, agreement_id: int, alert_ids: list[int]) -> dict[str, int]:
    """Email one agreement's claimed alerts: how many emails went out, and whether any failed.

    The digest is recorded in the outbox first, one row per recipient, so that running the task
    twice sends it once and a send that fails is retried by the outbox. Only a digest that could
    not be recorded at all releases its alerts for the next check_sla.
    """
    try:
        delivery_ids = _digest_compose(agreement_id, alert_ids)
    except Exception:
        logger.exception(
            "The alert digest of agreement %s could not be sent; it will be retried.", agreement_id
        )
        alerts_release(alert_ids)
        return {"sent": 0, "failed": 1}
    outcome = deliveries_send_and_schedule(delivery_ids)
    logger.info(
        "Sent %s alert emails for agreement %s (%s alerts).",
        outcome.sent,
        agreement_id,
        len(alert_ids),
    )
    return {"sent": outcome.sent, "failed": 0 if outcome.ok else 1}
