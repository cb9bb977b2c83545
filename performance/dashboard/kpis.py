"""KPI readings: each KPI's latest value, projected over its running period, and its standing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, Subquery

from agreements.models import Kpi
from agreements.periods import FIRST_DAY, LAST_DAY, period_end
from performance.dashboard.figures import Phase, period_phase, scaled_to_period
from performance.dashboard.standing import TONE, Standing
from performance.models import KpiActual

# KPIs measured in these units are levels (a rate, a median time), not running totals:
# their value so far is already the pace, so it is not scaled up by the elapsed fraction.
LEVEL_UNITS = ("%", "percent", "hour", "minute", "day", "rate", "ratio", "score")


@dataclass(frozen=True)
class KpiReading:
    name: str
    owner: str
    owner_label: str
    unit: str
    direction: str
    direction_label: str
    cadence: str
    target: Decimal
    value: Decimal | None
    period_start: dt.date | None
    period_end: dt.date | None
    projected: Decimal | None
    current_period: bool
    standing: Standing
    # Where the value's period stands today: not begun, running or ended; None without a value.
    phase: Phase | None = None

    @property
    def tone(self) -> str:
        return TONE[self.standing]

    @property
    def standing_label(self) -> str:
        return str(self.standing.label)


def is_level_unit(unit: str) -> bool:
    unit = unit.lower()
    return any(marker in unit for marker in LEVEL_UNITS)


def kpi_standing(
    *,
    direction: str,
    target: Decimal,
    value: Decimal | None,
    period_start: dt.date | None,
    cadence: str,
    unit: str,
    today: dt.date,
) -> tuple[Standing, Decimal | None, bool]:
    """A KPI's standing from its latest value; returns (standing, projected value, current?).

    A finished period (``today`` on or after its end) is met when the value is on the right
    side of the target (at least: value >= target; at most: value <= target), else missed.
    A period not begun on ``today`` has no standing and no projection (``period_phase``).
    In the current, unfinished period the value so far is projected to the period's end:
    projected = value ÷ elapsed fraction, where the fraction counts the days elapsed including
    today out of the period's days; KPIs in level units (%, hours, …) are not scaled, their
    value is their pace. An at-least KPI is then met once value >= target, on track while the
    projection reaches the target, and at risk when it falls short. An at-most KPI is at risk
    when the projection exceeds the target, and met otherwise. No value: no data.
    """
    if value is None or period_start is None:
        return Standing.NO_DATA, None, False
    end = period_end(period_start, cadence)
    at_least = direction == Kpi.Direction.AT_LEAST
    phase = period_phase(period_start, end, today)
    if phase == Phase.NOT_BEGUN:
        # A value recorded for a period still to come is no pace to project from.
        return Standing.NO_DATA, None, False
    if phase == Phase.ENDED:
        on_right_side = value >= target if at_least else value <= target
        return (Standing.MET if on_right_side else Standing.MISSED), value, False
    projected = value if is_level_unit(unit) else scaled_to_period(value, period_start, end, today)
    if at_least:
        if value >= target:
            return Standing.MET, projected, True
        return (Standing.ON_TRACK if projected >= target else Standing.AT_RISK), projected, True
    return (Standing.AT_RISK if projected > target else Standing.MET), projected, True


def kpi_latest_values(series_ids: Iterable[int]) -> dict[tuple[int, str], KpiActual]:
    """Each KPI's latest value per series, in one query.

    Values of periods outside the calendar's years (stored by an older version) are left out:
    their period's end overflows near year 9999, and the dashboard, the portfolio and the
    alerts of every agreement read these values.
    """
    readable = KpiActual.objects.filter(period_start__range=(FIRST_DAY, LAST_DAY))
    latest = (
        readable.filter(series_id=OuterRef("series_id"), kpi_name=OuterRef("kpi_name"))
        .order_by("-period_start")
        .values("period_start")[:1]
    )
    rows = readable.filter(series_id__in=list(series_ids)).filter(period_start=Subquery(latest))
    return {(row.series_id, row.kpi_name): row for row in rows}


def kpi_readings(
    *,
    kpis: Iterable[Kpi],
    latest: dict[tuple[int, str], KpiActual],
    series_id: int,
    today: dt.date,
) -> list[KpiReading]:
    """A reading of each KPI from its latest value in the series (``kpi_latest_values``)."""
    return [kpi_reading(kpi, latest.get((series_id, kpi.name)), today=today) for kpi in kpis]


def kpi_reading(kpi: Kpi, actual: KpiActual | None, *, today: dt.date) -> KpiReading:
    """One KPI's reading from its latest recorded value, if any."""
    value = actual.value if actual else None
    start = actual.period_start if actual else None
    standing, projected, current = kpi_standing(
        direction=kpi.direction,
        target=kpi.target,
        value=value,
        period_start=start,
        cadence=kpi.cadence,
        unit=kpi.unit,
        today=today,
    )
    return KpiReading(
        name=kpi.name,
        owner=kpi.owner,
        owner_label=kpi.get_owner_display(),
        unit=kpi.unit,
        direction=kpi.direction,
        direction_label=kpi.get_direction_display(),
        cadence=kpi.cadence,
        target=kpi.target,
        value=value,
        period_start=start,
        period_end=(period_end(start, kpi.cadence) - dt.timedelta(days=1)) if start else None,
        projected=projected,
        current_period=current,
        standing=standing,
        phase=period_phase(start, period_end(start, kpi.cadence), today) if start else None,
    )
