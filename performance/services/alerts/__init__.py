"""Alerts: new hand-off breaches, KPIs at risk or missed and overdue deadlines, each sent once.

``alerts_check`` is idempotent: every occurrence is recorded as one Alert row (unique per series,
kind and occurrence), and only rows not yet emailed are sent. Each agreement is checked in its
own transaction, so that one whose check fails is logged and the others still go on. Once an
agreement's transaction commits, its digest is handed to the task ``alert_digest_send``; a
digest that fails to send is logged and its alerts are left unsent (``emailed_at`` null) for the
next run to retry.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.tasks import TaskResult, TaskResultStatus
from django.utils import timezone

from agreements.models import Agreement
from agreements.periods import FIRST_YEAR, LAST_YEAR
from performance.dashboard.portfolio import agreements_in_force
from performance.selectors import figures_outside_calendar
from performance.services.alerts.finding import deadline_alerts, kpi_alerts, lead_breach_alerts
from performance.services.alerts.recording import (
    alerts_claim_unsent,
    alerts_record,
    alerts_release,
    alerts_resolve_cleared,
    alerts_resolve_out_of_force,
    alerts_unrecorded,
)
from performance.services.alerts.tasks import alert_digest_send

logger = logging.getLogger("performance.alerts")


@dataclass
class AlertSummary:
    """What one run found and sent; the email counts fill in once the transaction commits."""

    as_of: dt.datetime
    agreements: int = 0
    created: dict[str, int] = field(default_factory=dict)
    resolved: int = 0
    digests: int = 0
    # Digests a worker backend has yet to send; the immediate backend sends them at once.
    digests_queued: int = 0
    emails_sent: int = 0
    failed_agreements: list[int] = field(default_factory=list)
    # Agreements whose check failed, or whose stored figures it had to skip.
    failed_checks: list[int] = field(default_factory=list)

    @property
    def created_total(self) -> int:
        return sum(self.created.values())

    def tally(self, agreement_id: int, result: TaskResult) -> None:
        """Count what one digest's task reports, as far as it has run."""
        if not result.is_finished:
            self.digests_queued += 1
        elif result.status == TaskResultStatus.SUCCESSFUL and not result.return_value["failed"]:
            self.emails_sent += result.return_value["sent"]
        else:
            self.failed_agreements.append(agreement_id)


def _standing_versions(now: dt.datetime) -> dict[int, Agreement]:
    """The agreement in force per series; the latest version wins if several claim to be."""
    agreements: dict[int, Agreement] = {}
    for agreement in agreements_in_force(now=now):
        held = agreements.get(agreement.series_id)
        if held is None or held.version < agreement.version:
            agreements[agreement.series_id] = agreement
    return agreements


def _digests_enqueue(claims: dict[int, list[int]], summary: AlertSummary) -> None:
    """Hand each agreement's digest to the task backend; one it refuses goes back to unsent."""
    for agreement_id, alert_ids in claims.items():
        try:
            result = alert_digest_send.enqueue(agreement_id=agreement_id, alert_ids=alert_ids)
        except Exception:
            logger.exception(
                "The alert digest of agreement %s could not be queued; it will be retried.",
                agreement_id,
            )
            alerts_release(alert_ids)
            summary.failed_agreements.append(agreement_id)
            continue
        summary.tally(agreement_id, result)


def alerts_check(*, now: dt.datetime | None = None) -> AlertSummary:
    """Record new alerts for every agreement in force, close cleared ones, email the new ones."""
    now = now or timezone.now()
    summary = AlertSummary(as_of=now)
    with transaction.atomic():
        agreements = _standing_versions(now)
        summary.agreements = len(agreements)
        summary.resolved = alerts_resolve_out_of_force(agreements=agreements, now=now)
    unreadable = figures_outside_calendar(list(agreements))
    for series_id, agreement in agreements.items():
        try:
            with transaction.atomic():
                _agreement_check(series_id, agreement, now, summary)
        except Exception:
            logger.exception(
                "The SLA check of agreement %s failed; the other agreements were checked.",
                agreement.pk,
            )
            summary.failed_checks.append(agreement.pk)
            continue
        if series_id in unreadable:
            logger.error(
                "Agreement %s has figures dated outside the years %s to %s, which every page "
                "and check skips; correct or delete them: %s.",
                agreement.pk,
                FIRST_YEAR,
                LAST_YEAR,
                ", ".join(unreadable[series_id]),
            )
            summary.failed_checks.append(agreement.pk)
    return summary


def _agreement_check(
    series_id: int, agreement: Agreement, now: dt.datetime, summary: AlertSummary
) -> None:
    """One agreement's alerts recorded, cleared ones closed, new ones claimed for its digest."""
    scope = {series_id: agreement}
    created: dict[str, int] = {}
    kpi_and_deadline = kpi_alerts(scope, now) + deadline_alerts(scope, now)
    current = {(alert.series_id, alert.kind, alert.occurrence) for alert in kpi_and_deadline}
    alerts_record(lead_breach_alerts(scope, now), created)
    alerts_record(alerts_unrecorded(kpi_and_deadline), created)
    resolved = alerts_resolve_cleared(agreements=scope, current=current, now=now)
    claims = alerts_claim_unsent(scope)
    transaction.on_commit(lambda: _digests_enqueue(claims, summary))
    # Counted last, so that a check that fails counts nothing.
    for kind, count in created.items():
        summary.created[kind] = summary.created.get(kind, 0) + count
    summary.resolved += resolved
    summary.digests += len(claims)
