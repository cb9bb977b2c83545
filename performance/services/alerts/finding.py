"""Finding alert occurrences: hand-off breaches, KPIs at risk or missed, overdue deadlines.

Each finder returns unsaved Alert rows, one per occurrence, keyed by series, kind and an
occurrence string that stays the same from one run to the next.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from agreements.models import Agreement, Owner
from performance.dashboard.kpis import KpiReading, kpi_readings, kpi_values
from performance.dashboard.standing import Standing
from performance.dashboard.versions import local_today
from performance.lead_status import BREACHED, lead_status_annotation
from performance.models import Alert, LeadRecord

LEAD_PREFIX = "lead:"
OCCURRENCE_MAX = 200
BULK_BATCH = 2000


def lead_occurrence(lead_id: str) -> str:
    return f"{LEAD_PREFIX}{lead_id}"


def kpi_occurrence(name: str, period_start: dt.date, standing: str) -> str:
    return f"kpi:{name}:{period_start.isoformat()}:{standing}"


def deadline_occurrence(title: str, due: dt.date) -> str:
    suffix = f":{due.isoformat()}"
    room = OCCURRENCE_MAX - len("deadline:") - len(suffix)
    return f"deadline:{title[:room]}{suffix}"


def lead_occurrence_expression() -> Concat:
    """SQL for the occurrence of the outer lead row: 'lead:' followed by its lead ID."""
    return Concat(Value(LEAD_PREFIX), OuterRef("lead_id"))


def _number(value: Decimal | None) -> str:
    return "—" if value is None else number_format(value.normalize(), force_grouping=True)


def _when(value: dt.datetime | None, agreement: Agreement) -> str:
    if value is None:
        return "—"
    return timezone.localtime(value, ZoneInfo(agreement.timezone)).strftime("%Y-%m-%d %H:%M %Z")


def _lead_breach_message(
    agreement: Agreement,
    *,
    lead_id: str,
    lead_type: str,
    limit: Decimal,
    due_at: dt.datetime,
    touched: dt.datetime | None,
    response: Decimal | None,
) -> str:
    if touched is None:
        return _(
            "Lead %(lead)s (%(type)s) is untouched past its %(limit)s-hour limit, due %(due)s."
        ) % {
            "lead": lead_id,
            "type": lead_type,
            "limit": _number(limit),
            "due": _when(due_at, agreement),
        }
    return _(
        "Lead %(lead)s (%(type)s) was first touched after %(response)s business hours, "
        "over its %(limit)s-hour limit."
    ) % {
        "lead": lead_id,
        "type": lead_type,
        "response": _number(response),
        "limit": _number(limit),
    }


def lead_breach_alerts(agreements: dict[int, Agreement], now: dt.datetime) -> Iterator[Alert]:
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
        yield Alert(
            series_id=series_id,
            agreement=agreement,
            kind=Alert.Kind.LEAD_BREACH,
            occurrence=lead_occurrence(lead_id),
            message=_lead_breach_message(
                agreement,
                lead_id=lead_id,
                lead_type=lead_type,
                limit=limit,
                due_at=due_at,
                touched=touched,
                response=response,
            ),
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


def _kpi_alert(series_id: int, agreement: Agreement, reading: KpiReading) -> Alert:
    """The alert of one KPI reading that is at risk or missed."""
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
    return Alert(
        series_id=series_id,
        agreement=agreement,
        kind=kind,
        occurrence=kpi_occurrence(reading.name, reading.period_start, str(reading.standing)),
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


def kpi_alerts(agreements: dict[int, Agreement], now: dt.datetime) -> list[Alert]:
    """The KPIs of the agreements in scope that are at risk or missed in their current period.

    Computed KPIs are read as the dashboard reads them (``kpi_values``).
    """
    days = {series_id: local_today(agreement, now) for series_id, agreement in agreements.items()}
    latest = kpi_values(
        [(agreement, days[series_id]) for series_id, agreement in agreements.items()], as_of=now
    )
    alerts: list[Alert] = []
    for series_id, agreement in agreements.items():
        readings = kpi_readings(
            kpis=agreement.kpis.all(), latest=latest, series_id=series_id, today=days[series_id]
        )
        alerts.extend(
            _kpi_alert(series_id, agreement, reading)
            for reading in readings
            if reading.standing in (Standing.AT_RISK, Standing.MISSED)
        )
    return alerts


def deadline_alerts(agreements: dict[int, Agreement], now: dt.datetime) -> list[Alert]:
    """The deadlines of the agreements in scope that are past due and not done."""
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
