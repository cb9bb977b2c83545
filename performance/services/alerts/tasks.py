"""The task that emails one agreement's new alerts, a digest per recipient.

It takes ids only, so that a worker in another process can run it: it loads the agreement and
the alerts claimed for it, renders templates/performance/email/alert_*.txt and sends. A digest
that fails is logged and its alerts released, so that the next check sends them again.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

from django.core.mail import EmailMessage, mailers
from django.tasks import task
from django.urls import reverse

from agreements.emails import absolute_url, render_email
from agreements.models import Agreement
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


def _digest_send(agreement_id: int, alert_ids: list[int]) -> int:
    agreement = Agreement.objects.get(pk=agreement_id)
    alerts = list(
        Alert.objects.filter(pk__in=alert_ids).order_by("series_id", "kind", "created_at", "pk")
    )
    link = absolute_url(reverse("performance:dashboard", kwargs={"pk": agreement.pk}))
    messages = []
    for address, theirs in sorted(digest_recipients(agreement, alerts).items()):
        subject, body = render_email(
            "performance/email/alert", digest_context(agreement, theirs, link)
        )
        messages.append(EmailMessage(subject=subject, body=body, to=[address]))
    sent = int(mailers.default.send_messages(messages) or 0) if messages else 0
    logger.info(
        "Sent %s alert emails for agreement %s (%s alerts).", sent, agreement.pk, len(alert_ids)
    )
    return sent


@task
def alert_digest_send(*, agreement_id: int, alert_ids: list[int]) -> dict[str, int]:
    """Email one agreement's claimed alerts: how many emails went out, and whether it failed."""
    try:
        sent = _digest_send(agreement_id, alert_ids)
    except Exception:
        logger.exception(
            "The alert digest of agreement %s could not be sent; it will be retried.", agreement_id
        )
        alerts_release(alert_ids)
        return {"sent": 0, "failed": 1}
    return {"sent": sent, "failed": 0}
