"""Alerts: new hand-off breaches, KPIs at risk or missed and overdue deadlines, each sent once.

``alerts_check`` is idempotent: every occurrence is recorded as one Alert row (unique per series,
kind and occurrence), and only rows not yet emailed are sent. Emails go out after the
transaction commits, one digest per agreement and recipient; a digest that fails to send is
logged and its alerts are left unsent (``emailed_at`` null) for the next run to retry.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import Concat, Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from agreements.models import Agreement, Owner
from performance.dashboard.kpis import kpi_latest_values, kpi_readings
from performance.dashboard.portfolio import agreements_in_force
from performance.dashboard.standing import Standing
from performance.dashboard.versions import local_today
from performance.lead_status import BREACHED, lead_status_annotation
from performance.models import Alert, LeadRecord
from teams.models import Membership

logger = logging.getLogger("agreements.alerts")

LEAD_PREFIX = "lead:"
OCCURRENCE_MAX = 200
BULK_BATCH = 2000
# A digest lists at most this many alerts of each kind; the rest are counted.
DIGEST_LINES_PER_KIND = 50
KIND_ORDER = (
    Alert.Kind.LEAD_BREACH,
    Alert.Kind.KPI_MISSED,
    Alert.Kind.KPI_AT_RISK,
    Alert.Kind.DEADLINE_OVERDUE,
)


@dataclass
class AlertSummary:
    """What one run found and sent; the email counts fill in once the transaction commits."""

    as_of: dt.datetime
    agreements: int = 0
    created: dict[str, int] = field(default_factory=dict)
    resolved: int = 0
    digests: int = 0
    emails_sent: int = 0
    failed_agreements: list[int] = field(default_factory=list)

    @property
    def created_total(self) -> int:
        return sum(self.created.values())


def lead_occurrence(lead_id: str) -> str:
    return f"{LEAD_PREFIX}{lead_id}"


def kpi_occurrence(name: str, period_start: dt.date, standing: str) -> str:
    return f"kpi:{name}:{period_start.isoformat()}:{standing}"


def deadline_occurrence(title: str, due: dt.date) -> str:
    suffix = f":{due.isoformat()}"
    room = OCCURRENCE_MAX - len("deadline:") - len(suffix)
    return f"deadline:{title[:room]}{suffix}"


def _number(value: Decimal | None) -> str:
    return "—" if value is None else number_format(value.normalize(), force_grouping=True)


def _when(value: dt.datetime | None, agreement: Agreement) -> str:
    if value is None:
        return "—"
    return timezone.localtime(value, ZoneInfo(agreement.timezone)).strftime("%Y-%m-%d %H:%M %Z")


# Finding occurrences.


def lead_occurrence_expression() -> Concat:
    """SQL for the occurrence of the outer lead row: 'lead:' followed by its lead ID."""
    return Concat(Value(LEAD_PREFIX), OuterRef("lead_id"))


def _lead_breach_alerts(agreements: dict[int, Agreement], now: dt.datetime) -> Iterator[Alert]:
    """Breached leads of the series in scope that have no alert yet, streamed."""
    already = Alert.objects.filter(
        series_id=OuterRef("series_id"),
        kind=Alert.Kind.LEAD_BREACH,
        occurrence=lead_occurrence_expression(),
    )
    rows = (
        LeadRecord.objects.filter(series_id__in=list(agreements))
        .annotate(handoff_status=lead_status_annotation(now))
        .filter(handoff_status=BREACHED)
        .filter(~Exists(already))
        .order_by("series_id", "mql_at", "pk")
        .values_list(
            "series_id",
            "lead_id",
            "lead_type",
            "limit_hours",
            "due_at",
            "first_touch_at",
            "response_hours",
        )
    )
    for series_id, lead_id, lead_type, limit, due_at, touched, response in rows.iterator(
        chunk_size=BULK_BATCH
    ):
        agreement = agreements[series_id]
        if touched is None:
            message = _(
                "Lead %(lead)s (%(type)s) is untouched past its %(limit)s-hour limit, due %(due)s."
            ) % {
                "lead": lead_id,
                "type": lead_type,
                "limit": _number(limit),
                "due": _when(due_at, agreement),
            }
        else:
            message = _(
                "Lead %(lead)s (%(type)s) was first touched after %(response)s business hours, "
                "over its %(limit)s-hour limit."
            ) % {
                "lead": lead_id,
                "type": lead_type,
                "response": _number(response),
                "limit": _number(limit),
            }
        yield Alert(
            series_id=series_id,
            agreement=agreement,
            kind=Alert.Kind.LEAD_BREACH,
            occurrence=lead_occurrence(lead_id),
            message=message,
            details={
                "owner": Owner.SALES.value,
                "lead_id": lead_id,
                "lead_type": lead_type,
                "limit_hours": str(limit),
                "due_at": due_at.isoformat(),
                "first_touch_at": touched.isoformat() if touched else None,
                "response_hours": None if response is None else str(response),
            },
        )


def _kpi_alerts(agreements: dict[int, Agreement], now: dt.datetime) -> list[Alert]:
    latest = kpi_latest_values(agreements)
    alerts = []
    for series_id, agreement in agreements.items():
        readings = kpi_readings(
            kpis=agreement.kpis.all(),
            latest=latest,
            series_id=series_id,
            today=local_today(agreement, now),
        )
        for reading in readings:
            if reading.standing not in (Standing.AT_RISK, Standing.MISSED):
                continue
            assert reading.period_start is not None
            values = {
                "name": reading.name,
                "value": _number(reading.value),
                "projected": _number(reading.projected),
                "direction": reading.direction_label.lower(),
                "target": _number(reading.target),
                "unit": reading.unit,
                "start": reading.period_start.isoformat(),
            }
            if reading.standing == Standing.AT_RISK:
                kind = Alert.Kind.KPI_AT_RISK
                message = (
                    _(
                        "KPI “%(name)s” is at risk: %(value)s so far in the period from %(start)s, "
                        "heading for %(projected)s against a target of %(direction)s %(target)s "
                        "%(unit)s."
                    )
                    % values
                )
            else:
                kind = Alert.Kind.KPI_MISSED
                message = (
                    _(
                        "KPI “%(name)s” missed its target of %(direction)s %(target)s %(unit)s: "
                        "%(value)s in the period from %(start)s."
                    )
                    % values
                )
            alerts.append(
                Alert(
                    series_id=series_id,
                    agreement=agreement,
                    kind=kind,
                    occurrence=kpi_occurrence(
                        reading.name, reading.period_start, str(reading.standing)
                    ),
                    message=message.strip(),
                    details={
                        "owner": reading.owner,
                        "kpi": reading.name,
                        "period_start": reading.period_start.isoformat(),
                        "value": str(reading.value),
                        "projected": None if reading.projected is None else str(reading.projected),
                        "target": str(reading.target),
                        "direction": reading.direction,
                    },
                )
            )
    return alerts


def _deadline_alerts(agreements: dict[int, Agreement], now: dt.datetime) -> list[Alert]:
    alerts = []
    for series_id, agreement in agreements.items():
        today = local_today(agreement, now)
        for deadline in agreement.deadlines.all():
            if deadline.done or deadline.due >= today:
                continue
            alerts.append(
                Alert(
                    series_id=series_id,
                    agreement=agreement,
                    kind=Alert.Kind.DEADLINE_OVERDUE,
                    occurrence=deadline_occurrence(deadline.title, deadline.due),
                    message=_(
                        "Deadline “%(title)s” (%(owner)s) was due on %(due)s and is not done."
                    )
                    % {
                        "title": deadline.title,
                        "owner": deadline.get_owner_display(),
                        "due": deadline.due.isoformat(),
                    },
                    details={
                        "owner": deadline.owner,
                        "title": deadline.title,
                        "due": deadline.due.isoformat(),
                    },
                )
            )
    return alerts


def _only_new(candidates: list[Alert]) -> list[Alert]:
    """Drop the candidates already recorded (one query)."""
    if not candidates:
        return []
    existing = set(
        Alert.objects.filter(
            series_id__in={alert.series_id for alert in candidates},
            kind__in={alert.kind for alert in candidates},
        ).values_list("series_id", "kind", "occurrence")
    )
    return [
        alert
        for alert in candidates
        if (alert.series_id, alert.kind, alert.occurrence) not in existing
    ]


def _record(alerts: Iterable[Alert], summary: AlertSummary) -> None:
    batch: list[Alert] = []
    for alert in alerts:
        batch.append(alert)
        summary.created[alert.kind] = summary.created.get(alert.kind, 0) + 1
        if len(batch) >= BULK_BATCH:
            Alert.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    if batch:
        Alert.objects.bulk_create(batch, ignore_conflicts=True)


# Resolving.


def _resolve_cleared(
    *, agreements: dict[int, Agreement], current: set[tuple[int, str, str]], now: dt.datetime
) -> int:
    """Close the open alerts whose condition has cleared; returns how many."""
    open_alerts = Alert.objects.filter(resolved_at__isnull=True)
    # Agreements no longer in force: nothing of theirs is still to act on.
    resolved = open_alerts.exclude(series_id__in=list(agreements)).update(resolved_at=now)
    # A lead stops needing action once it has been touched (or has gone from the import).
    still_waiting = LeadRecord.objects.filter(
        series_id=OuterRef("series_id"),
        lead_id=Substr(OuterRef("occurrence"), len(LEAD_PREFIX) + 1),
        first_touch_at__isnull=True,
        due_at__lt=now,
    )
    resolved += (
        open_alerts.filter(series_id__in=list(agreements), kind=Alert.Kind.LEAD_BREACH)
        .filter(~Exists(still_waiting))
        .update(resolved_at=now)
    )
    stale = [
        pk
        for pk, series_id, kind, occurrence in open_alerts.filter(
            series_id__in=list(agreements),
            kind__in=[
                Alert.Kind.KPI_AT_RISK,
                Alert.Kind.KPI_MISSED,
                Alert.Kind.DEADLINE_OVERDUE,
            ],
        ).values_list("pk", "series_id", "kind", "occurrence")
        if (series_id, kind, occurrence) not in current
    ]
    if stale:
        resolved += Alert.objects.filter(pk__in=stale).update(resolved_at=now)
    return resolved


# Emailing.


@dataclass
class Digest:
    agreement: Agreement
    alert_ids: list[int]
    # recipient address -> that recipient's alerts
    by_recipient: dict[str, list[Alert]]


def _team_addresses(team_ids: Iterable[int]) -> dict[tuple[int, str], set[str]]:
    """Addresses per (team, role) of the teams' active members, in one query."""
    addresses: dict[tuple[int, str], set[str]] = defaultdict(set)
    rows = (
        Membership.objects.filter(team_id__in=set(team_ids), user__is_active=True)
        .exclude(user__email="")
        .values_list("team_id", "role", "user__email")
    )
    for team_id, role, email in rows:
        addresses[(team_id, role)].add(email)
    return addresses


def recipients_for(
    owner: str, agreement: Agreement, addresses: dict[tuple[int, str], set[str]]
) -> set[str]:
    """The owning team's members and the other team's signatories; both teams when shared."""

    def members(team_id: int) -> set[str]:
        return addresses.get((team_id, Membership.Role.MEMBER), set()) | addresses.get(
            (team_id, Membership.Role.SIGNATORY), set()
        )

    def signatories(team_id: int) -> set[str]:
        return set(addresses.get((team_id, Membership.Role.SIGNATORY), set()))

    marketing, sales = agreement.marketing_team_id, agreement.sales_team_id
    if owner == Owner.MARKETING:
        return members(marketing) | signatories(sales)
    if owner == Owner.SALES:
        return members(sales) | signatories(marketing)
    return members(marketing) | members(sales)


def _claim_unsent(agreements: dict[int, Agreement]) -> list[Digest]:
    """Mark the unsent alerts of the agreements in scope as emailed, grouped into digests.

    The mark is taken inside the transaction so that an overlapping run cannot send them too;
    a digest that then fails to send has its mark removed again.
    """
    unsent = list(
        Alert.objects.filter(series_id__in=list(agreements), emailed_at__isnull=True)
        .filter(Q(resolved_at__isnull=True) | Q(kind=Alert.Kind.LEAD_BREACH))
        .order_by("series_id", "kind", "created_at", "pk")
    )
    if not unsent:
        return []
    addresses = _team_addresses(
        team_id
        for agreement in agreements.values()
        for team_id in (agreement.marketing_team_id, agreement.sales_team_id)
    )
    digests: dict[int, Digest] = {}
    for alert in unsent:
        agreement = agreements[alert.series_id]
        digest = digests.setdefault(
            alert.series_id, Digest(agreement=agreement, alert_ids=[], by_recipient={})
        )
        digest.alert_ids.append(alert.pk)
        owner = (alert.details or {}).get("owner", Owner.SHARED)
        for address in recipients_for(owner, agreement, addresses):
            digest.by_recipient.setdefault(address, []).append(alert)
    claimed = []
    for digest in digests.values():
        if Alert.objects.filter(pk__in=digest.alert_ids, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        ):
            claimed.append(digest)
    return claimed


def dashboard_link(agreement: Agreement) -> str:
    path = reverse("performance:dashboard", kwargs={"pk": agreement.pk})
    return settings.SITE_URL.rstrip("/") + path


def digest_body(agreement: Agreement, alerts: list[Alert]) -> str:
    labels = dict(Alert.Kind.choices)
    by_kind: dict[str, list[Alert]] = defaultdict(list)
    for alert in alerts:
        by_kind[alert.kind].append(alert)
    lines = [
        _("New alerts for “%(title)s”, version %(version)s:")
        % {"title": agreement.title, "version": agreement.version},
    ]
    for kind in KIND_ORDER:
        items = by_kind.get(kind)
        if not items:
            continue
        lines.append("")
        lines.append(f"{labels[kind]} ({len(items)}):")
        lines.extend(f"- {alert.message}" for alert in items[:DIGEST_LINES_PER_KIND])
        if len(items) > DIGEST_LINES_PER_KIND:
            lines.append(_("… and %(count)s more.") % {"count": len(items) - DIGEST_LINES_PER_KIND})
    lines.append("")
    lines.append(_("Open the dashboard: %(link)s") % {"link": dashboard_link(agreement)})
    lines.append("")
    return "\n".join(lines)


def digest_subject(agreement: Agreement, alerts: list[Alert]) -> str:
    return _("SLA alerts for %(title)s: %(count)s new") % {
        "title": agreement.title,
        "count": len(alerts),
    }


def _send_digests(digests: list[Digest], summary: AlertSummary) -> None:
    """Send each agreement's digest; on failure log it and leave its alerts unsent."""
    for digest in digests:
        messages = [
            EmailMessage(
                subject=digest_subject(digest.agreement, alerts),
                body=digest_body(digest.agreement, alerts),
                to=[address],
            )
            for address, alerts in sorted(digest.by_recipient.items())
        ]
        try:
            sent = mailers.default.send_messages(messages) if messages else 0
        except Exception:
            logger.exception(
                "The alert digest of agreement %s could not be sent; it will be retried.",
                digest.agreement.pk,
            )
            Alert.objects.filter(pk__in=digest.alert_ids).update(emailed_at=None)
            summary.failed_agreements.append(digest.agreement.pk)
            continue
        summary.emails_sent += int(sent or 0)
        logger.info(
            "Sent %s alert emails for agreement %s (%s alerts).",
            sent,
            digest.agreement.pk,
            len(digest.alert_ids),
        )


def alerts_check(*, now: dt.datetime | None = None) -> AlertSummary:
    """Record new alerts for every agreement in force, close cleared ones, email the new ones."""
    now = now or timezone.now()
    summary = AlertSummary(as_of=now)
    with transaction.atomic():
        agreements: dict[int, Agreement] = {}
        for agreement in agreements_in_force(now=now):
            # One version per series stands; the latest wins if several claim to.
            held = agreements.get(agreement.series_id)
            if held is None or held.version < agreement.version:
                agreements[agreement.series_id] = agreement
        summary.agreements = len(agreements)
        kpi_and_deadline = _kpi_alerts(agreements, now) + _deadline_alerts(agreements, now)
        current = {(alert.series_id, alert.kind, alert.occurrence) for alert in kpi_and_deadline}
        _record(_lead_breach_alerts(agreements, now), summary)
        _record(_only_new(kpi_and_deadline), summary)
        summary.resolved = _resolve_cleared(agreements=agreements, current=current, now=now)
        digests = _claim_unsent(agreements)
        summary.digests = len(digests)
        transaction.on_commit(lambda: _send_digests(digests, summary))
    return summary
