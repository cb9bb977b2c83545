"""Reads of a series' recorded figures (monthly actuals, KPI values) and its open alerts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet

from agreements.models import Agreement
from agreements.periods import FIRST_DAY, LAST_DAY
from performance.models import Alert, ImportBatch, KpiActual, MonthlyActual

# The alerts banner lists the latest few open alerts and counts the rest.
BANNER_LATEST = 5


def monthly_actuals_for_series(series_id: int) -> QuerySet[MonthlyActual]:
    """A series' monthly figures, oldest month first, with who last changed them."""
    return (
        MonthlyActual.objects.filter(series_id=series_id)
        .select_related("updated_by")
        .order_by("month")
    )


def kpi_actuals_recent(series_id: int, limit: int = 60) -> list[KpiActual]:
    """The latest KPI values of a series, newest period first."""
    return list(
        KpiActual.objects.filter(series_id=series_id)
        .select_related("updated_by")
        .order_by("-period_start", "kpi_name")[:limit]
    )


def kpi_actuals_at(series_id: int, starts: dict[str, dt.date]) -> dict[str, KpiActual]:
    """The recorded value of each named KPI for the period starting on its given day."""
    if not starts:
        return {}
    found = KpiActual.objects.filter(
        series_id=series_id, kpi_name__in=list(starts), period_start__in=set(starts.values())
    )
    return {
        actual.kpi_name: actual
        for actual in found
        if starts[actual.kpi_name] == actual.period_start
    }


def figures_outside_calendar(series_ids: list[int]) -> dict[int, list[str]]:
    """Months and KPI periods stored outside the calendar's years, per series (two queries).

    An older version let them in; every read skips them, and the operator is told to fix them.
    """
    window = (FIRST_DAY, LAST_DAY)
    found: dict[int, list[str]] = {}
    months = MonthlyActual.objects.filter(series_id__in=series_ids).exclude(month__range=window)
    for series_id, month in months.values_list("series_id", "month"):
        found.setdefault(series_id, []).append(f"month {month.isoformat()[:7]}")
    values = KpiActual.objects.filter(series_id__in=series_ids).exclude(period_start__range=window)
    for series_id, name, start in values.values_list("series_id", "kpi_name", "period_start"):
        found.setdefault(series_id, []).append(f"KPI “{name}” {start.isoformat()}")
    return found


def monthly_actual_get(series_id: int, month: dt.date) -> MonthlyActual | None:
    return MonthlyActual.objects.filter(series_id=series_id, month=month).first()


def months_recorded(series_id: int, months: list[dt.date]) -> set[dt.date]:
    """Which of the given months already have figures in the series."""
    return set(
        MonthlyActual.objects.filter(series_id=series_id, month__in=months).values_list(
            "month", flat=True
        )
    )


@dataclass(frozen=True)
class KindCount:
    kind: str
    label: str
    count: int


@dataclass(frozen=True)
class OpenAlerts:
    total: int = 0
    kinds: list[KindCount] = field(default_factory=list)
    latest: list[Alert] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.total - len(self.latest)


def open_alerts_for(agreement: Agreement) -> OpenAlerts:
    """The series' unresolved alerts: a count per kind and the latest few, in two queries."""
    open_alerts = Alert.objects.filter(series_id=agreement.series_id, resolved_at__isnull=True)
    counts = dict(
        open_alerts.order_by().values_list("kind").annotate(count=Count("pk")).order_by("kind")
    )
    total = sum(counts.values())
    if not total:
        return OpenAlerts()
    labels = dict(Alert.Kind.choices)
    kinds = [
        KindCount(kind=kind, label=str(labels.get(kind, kind)), count=counts[kind])
        for kind in Alert.Kind.values
        if counts.get(kind)
    ]
    latest = list(
        open_alerts.only("kind", "message", "created_at").order_by("-created_at", "-pk")[
            :BANNER_LATEST
        ]
    )
    return OpenAlerts(total=total, kinds=kinds, latest=latest)


# The actuals page lists the latest few imports, each with its Undo button.
RECENT_IMPORTS = 5


def import_batches_recent(series_id: int, limit: int = RECENT_IMPORTS) -> list[ImportBatch]:
    """A series' latest imports of actuals and leads, newest first, with who imported them."""
    return list(
        ImportBatch.objects.filter(series_id=series_id)
        .select_related("created_by", "undone_by")
        .order_by("-created_at", "-pk")[:limit]
    )


def import_batch_for(series_id: int, batch_id: int) -> ImportBatch | None:
    return (
        ImportBatch.objects.filter(series_id=series_id, pk=batch_id)
        .select_related("created_by", "undone_by")
        .first()
    )
