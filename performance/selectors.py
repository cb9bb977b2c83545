"""Reads of a series' recorded figures: monthly actuals and KPI values."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from performance.models import KpiActual, MonthlyActual


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


def monthly_actual_get(series_id: int, month: dt.date) -> MonthlyActual | None:
    return MonthlyActual.objects.filter(series_id=series_id, month=month).first()


def months_recorded(series_id: int, months: list[dt.date]) -> set[dt.date]:
    """Which of the given months already have figures in the series."""
    return set(
        MonthlyActual.objects.filter(series_id=series_id, month__in=months).values_list(
            "month", flat=True
        )
    )
