"""KPI readings: each KPI's latest value, projected over its running period, and its standing.

A computed KPI (one with a measure) takes its value from ``performance.measures`` for the
period of its cadence holding today (or, with no data yet, the period before); a KPI entered
by hand takes its latest recorded value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import OuterRef, Subquery

from agreements.models import Agreement, Kpi
from agreements.models.choices import Owner, choice_label
from agreements.periods import FIRST_DAY, LAST_DAY, period_end, period_start
from performance.dashboard.figures import Phase, period_phase, scaled_to_period
from performance.dashboard.standing import TONE, Standing
from performance.lead_stats import PendingLead
from performance.measures import MeasureRequest, is_level, measure_values
from performance.models import KpiActual, MonthlyActual

# KPIs measured in these units are levels (a rate, a median time), not running totals:
# their value so far is already the pace, so it is not scaled up by the elapsed fraction.
LEVEL_UNITS = ("%", "percent", "hour", "minute", "day", "rate", "ratio", "score")


@dataclass(frozen=True)
class KpiReading:
    name: str
    owner: str
    unit: str
    direction: str
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
    measure: str = Kpi.Measure.MANUAL

    @property
    def is_computed(self) -> bool:
        return self.measure != Kpi.Measure.MANUAL

    @property
    def owner_label(self) -> str:
        return choice_label(Owner, self.owner)

    @property
    def direction_label(self) -> str:
        return choice_label(Kpi.Direction, self.direction)

    @property
    def measure_label(self) -> str:
        return str(Kpi.Measure(self.measure).label)

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
    level: bool | None = None,
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
    ``level`` says whether the value is a level; None decides by the unit.
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
    if is_level_unit(unit) if level is None else level:
        projected = value
    else:
        projected = scaled_to_period(value, period_start, end, today)
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


def _measure_periods(kpi: Kpi, version: Agreement, today: dt.date) -> list[dt.date]:
    """The period of the KPI's cadence holding today (within the version's period), and the one
    before it when that touches the version's period; none before the version starts."""
    if today < version.start_date:
        return []
    current = period_start(kpi.cadence, min(today, version.end_date))
    previous = period_start(kpi.cadence, current - dt.timedelta(days=1))
    if period_end(previous, kpi.cadence) > version.start_date:
        return [current, previous]
    return [current]


@dataclass(frozen=True)
class KpiValuePlan:
    """What the KPIs of some versions need: the latest values entered by hand, and each computed
    KPI's measure requests (its current period, then the one before), per (series, name)."""

    entered: dict[tuple[int, str], KpiActual]
    wanted: dict[tuple[int, str], list[MeasureRequest]]

    @classmethod
    def of(cls, versions: Sequence[tuple[Agreement, dt.date]]) -> KpiValuePlan:
        """The plan of the versions given with their local today; one query (the versions'
        KPIs and service levels are prefetched)."""
        entered = kpi_latest_values({version.series_id for version, _today in versions})
        wanted: dict[tuple[int, str], list[MeasureRequest]] = {}
        for version, today in versions:
            levels = tuple(
                (level.lead_type, level.min_attempts, level.attempt_window_days)
                for level in version.service_levels.all()
            )
            for kpi in version.kpis.all():
                if not kpi.is_computed:
                    continue
                key = (version.series_id, kpi.name)
                entered.pop(key, None)
                wanted[key] = [
                    MeasureRequest(
                        series_id=version.series_id,
                        measure=kpi.measure,
                        start=start,
                        end=period_end(start, kpi.cadence),
                        zone=version.timezone,
                        service_levels=levels,
                    )
                    for start in _measure_periods(kpi, version, today)
                ]
        return cls(entered=entered, wanted=wanted)

    @property
    def requests(self) -> list[MeasureRequest]:
        return [request for requests in self.wanted.values() for request in requests]

    def values(
        self, measured: dict[MeasureRequest, Decimal | None]
    ) -> dict[tuple[int, str], KpiActual]:
        """Each KPI's value from the measures' values (``measure_values`` of ``requests``)."""
        latest = dict(self.entered)
        for (series_id, name), requests in self.wanted.items():
            for request in requests:
                value = measured[request]
                if value is not None:
                    latest[(series_id, name)] = KpiActual(
                        series_id=series_id, kpi_name=name, period_start=request.start, value=value
                    )
                    break
        return latest


def kpi_values(
    versions: Sequence[tuple[Agreement, dt.date]],
    *,
    as_of: dt.datetime,
    months: Mapping[int, Sequence[MonthlyActual]] | None = None,
    pending: Sequence[PendingLead] | None = None,
) -> dict[tuple[int, str], KpiActual]:
    """Each KPI's value per series for the versions given with their local today.

    A KPI entered by hand has its latest recorded value (``kpi_latest_values``). A computed
    KPI has the value of its measure for its current period, or the period before when the
    current one has no data yet, as an unsaved KpiActual; a value recorded by hand under its
    name is ignored. A fixed number of queries for any number of versions: the versions'
    KPIs and service levels are prefetched. A page that measures more asks ``measure_values``
    once for both, with ``KpiValuePlan``; one that has read the series' monthly actuals or
    pending leads gives them as ``months`` or ``pending`` (``measure_values``).
    """
    plan = KpiValuePlan.of(versions)
    return plan.values(measure_values(plan.requests, as_of=as_of, months=months, pending=pending))


def kpi_readings(
    *,
    kpis: Iterable[Kpi],
    latest: dict[tuple[int, str], KpiActual],
    series_id: int,
    today: dt.date,
) -> list[KpiReading]:
    """A reading of each KPI from its value in the series (``kpi_values``)."""
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
        level=is_level(kpi.measure) if kpi.is_computed else None,
    )
    return KpiReading(
        name=kpi.name,
        owner=kpi.owner,
        unit=kpi.unit,
        direction=kpi.direction,
        cadence=kpi.cadence,
        target=kpi.target,
        value=value,
        period_start=start,
        period_end=(period_end(start, kpi.cadence) - dt.timedelta(days=1)) if start else None,
        projected=projected,
        current_period=current,
        standing=standing,
        phase=period_phase(start, period_end(start, kpi.cadence), today) if start else None,
        measure=kpi.measure,
    )
