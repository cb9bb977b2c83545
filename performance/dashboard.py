"""Dashboard reads: an agreement's performance against its SLA, every aggregate computed in SQL.

The reads here cost a fixed number of queries however many leads, months or agreements there
are: lead counts come from the tally the import keeps (``LeadTally``) plus one grouped count of
the leads still pending, never from rows in Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import models
from django.db.models import Case, Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from agreements.funnel import FunnelPlan, plan_for
from agreements.models import Agreement, AgreementSeries, Cadence, Deadline, Kpi
from agreements.periods import add_months, month_start, months_between, period_end
from agreements.permissions import visible_agreements
from agreements.selectors import version_for_day
from performance.lead_status import MET, PENDING, lead_status_annotation
from performance.models import KpiActual, LeadRecord, LeadTally, MonthlyActual

DEADLINE_HORIZON_DAYS = 14
# The hand-off target when the agreement has no KPI of this name.
HANDOFF_KPI_NAME = "Leads followed up within SLA"
HANDOFF_DEFAULT_TARGET = Decimal("90")
# How far below the hand-off target the portfolio still shows amber rather than red.
HANDOFF_AMBER_MARGIN = Decimal("10")
PORTFOLIO_HANDOFF_DAYS = 30
ACCEPTED = "accepted"
STAGE_NAMES = ("leads", "mqls", "sqls", "customers", "revenue")
# KPIs measured in these units are levels (a rate, a median time), not running totals:
# their value so far is already the pace, so it is not scaled up by the elapsed fraction.
LEVEL_UNITS = ("%", "percent", "hour", "minute", "day", "rate", "ratio", "score")
HUNDRED = Decimal(100)
TENTH = Decimal("0.1")
CENT = Decimal("0.01")


class Standing(models.TextChoices):
    MET = "met", _("Met")
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    MISSED = "missed", _("Missed")
    NO_DATA = "no_data", _("No data")


# How bad each standing is, for "worst of" and for sorting; no data sorts between.
SEVERITY = {
    Standing.MET: 0,
    Standing.ON_TRACK: 1,
    Standing.NO_DATA: 2,
    Standing.AT_RISK: 3,
    Standing.MISSED: 4,
}
# Bootstrap colour of each standing's badge; the badge always carries its text label too.
TONE = {
    Standing.MET: "success",
    Standing.ON_TRACK: "success",
    Standing.NO_DATA: "secondary",
    Standing.AT_RISK: "warning",
    Standing.MISSED: "danger",
}


def percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(TENTH, rounding=ROUND_HALF_UP)


def local_today(agreement: Agreement, now: dt.datetime) -> dt.date:
    return timezone.localtime(now, ZoneInfo(agreement.timezone)).date()


# Versions.


def series_versions(agreement: Agreement) -> list[Agreement]:
    """The series' signed versions (latest first) and the given one, with their section rows."""
    return list(
        Agreement.objects.filter(
            Q(series_id=agreement.series_id, status=Agreement.Status.SIGNED) | Q(pk=agreement.pk)
        )
        .prefetch_related("kpis", "rejection_reasons", "deadlines", "service_levels")
        .order_by("-version")
    )


@dataclass
class VersionChain:
    """The signed versions of a series, and the one whose terms stand for "now"."""

    viewed: Agreement
    signed: list[Agreement]
    current: Agreement

    @classmethod
    def load(cls, agreement: Agreement, *, today: dt.date) -> VersionChain:
        versions = series_versions(agreement)
        signed = [v for v in versions if v.status == Agreement.Status.SIGNED]
        viewed = next(v for v in versions if v.pk == agreement.pk)
        return cls(viewed=viewed, signed=signed, current=version_for_day(signed, today) or viewed)

    def for_day(self, day: dt.date) -> Agreement:
        """The version in force on ``day`` (selectors.version_for_day), or the viewed draft."""
        return version_for_day(self.signed, day) or self.viewed

    def for_month(self, month: dt.date) -> Agreement:
        """The version in force on the month's first day, or on the first day one starts in it."""
        last = add_months(month, 1) - dt.timedelta(days=1)
        covered = any(v.start_date <= month <= v.end_date for v in self.signed)
        if not covered:
            starts = sorted(v.start_date for v in self.signed if month < v.start_date <= last)
            if starts:
                return self.for_day(starts[0])
        return self.for_day(month)

    @property
    def first_day(self) -> dt.date:
        return min(v.start_date for v in self.signed or [self.viewed])

    @property
    def last_day(self) -> dt.date:
        return max(v.end_date for v in self.signed or [self.viewed])


# Funnel: planned against actual per month.


@dataclass(frozen=True)
class Figures:
    leads: int
    mqls: int
    sqls: int
    customers: int
    revenue: Decimal

    @classmethod
    def planned(cls, plan: FunnelPlan, months: int) -> Figures:
        revenue = (plan.marketing_revenue / Decimal(months)).quantize(CENT, rounding=ROUND_HALF_UP)
        per_month = plan.per_month
        return cls(per_month.leads, per_month.mqls, per_month.sqls, per_month.customers, revenue)

    @classmethod
    def of(cls, actual: MonthlyActual) -> Figures:
        return cls(actual.leads, actual.mqls, actual.sqls, actual.customers, actual.revenue)

    @classmethod
    def total(cls, figures: Iterable[Figures]) -> Figures:
        rows = list(figures)
        return cls(
            leads=sum(f.leads for f in rows),
            mqls=sum(f.mqls for f in rows),
            sqls=sum(f.sqls for f in rows),
            customers=sum(f.customers for f in rows),
            revenue=sum((f.revenue for f in rows), Decimal("0")),
        )


@dataclass(frozen=True)
class FunnelMonth:
    month: dt.date
    version: int | None
    planned: Figures | None
    actual: Figures | None
    to_date: bool

    def planned_value(self, stage: str) -> int | Decimal | None:
        return getattr(self.planned, stage) if self.planned else None

    def actual_value(self, stage: str) -> int | Decimal | None:
        return getattr(self.actual, stage) if self.actual else None


@dataclass(frozen=True)
class StageTotal:
    stage: str
    label: str
    planned: int | Decimal
    actual: int | Decimal

    @property
    def share(self) -> Decimal | None:
        """Actual as a percentage of planned."""
        if not self.planned:
            return None
        return (Decimal(self.actual) * HUNDRED / Decimal(self.planned)).quantize(
            TENTH, rounding=ROUND_HALF_UP
        )


STAGE_LABELS = {
    "leads": _("Leads"),
    "mqls": _("MQLs"),
    "sqls": _("SQLs"),
    "customers": _("Customers"),
    "revenue": _("Revenue"),
}


@dataclass(frozen=True)
class Funnel:
    months: list[FunnelMonth]
    to_date: list[StageTotal]

    @property
    def has_plan(self) -> bool:
        return any(row.planned for row in self.months)


def _plan_of(version: Agreement, cache: dict[int, Figures | None]) -> Figures | None:
    if version.pk not in cache:
        plan = plan_for(version)
        cache[version.pk] = Figures.planned(plan, version.months or 1) if plan else None
    return cache[version.pk]


def funnel_compute(
    *, chain: VersionChain, actuals: Sequence[MonthlyActual], today: dt.date
) -> Funnel:
    """Each month judged against the plan of the version in force that month; totals to date.

    Months run from the first signed version's start to this month (or the last version's end),
    plus any month with actuals outside that span. A month with no actuals counts as zero in the
    totals to date, so a missing report shows as a shortfall rather than hiding the plan.
    """
    by_month = {row.month: row for row in actuals}
    last = min(today, chain.last_day)
    months = sorted(set(months_between(chain.first_day, last)) | set(by_month))
    cache: dict[int, Figures | None] = {}
    rows: list[FunnelMonth] = []
    for month in months:
        version = chain.for_month(month)
        actual = by_month.get(month)
        rows.append(
            FunnelMonth(
                month=month,
                version=version.version if version else None,
                planned=_plan_of(version, cache) if version else None,
                actual=(
                    Figures(
                        actual.leads, actual.mqls, actual.sqls, actual.customers, actual.revenue
                    )
                    if actual
                    else None
                ),
                to_date=month <= today,
            )
        )
    counted = [row for row in rows if row.to_date]
    planned_total = Figures.total(row.planned for row in counted if row.planned)
    actual_total = Figures.total(row.actual for row in counted if row.actual)
    totals = [
        StageTotal(
            stage=stage,
            label=str(STAGE_LABELS[stage]),
            planned=getattr(planned_total, stage),
            actual=getattr(actual_total, stage),
        )
        for stage in STAGE_NAMES
    ]
    return Funnel(months=rows, to_date=totals)


# KPIs.


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
    if today >= end:
        on_right_side = value >= target if at_least else value <= target
        return (Standing.MET if on_right_side else Standing.MISSED), value, False
    if is_level_unit(unit):
        projected = value
    else:
        days = Decimal((end - period_start).days)
        elapsed = Decimal(min(max((today - period_start).days + 1, 1), (end - period_start).days))
        projected = (value * days / elapsed).quantize(CENT, rounding=ROUND_HALF_UP)
    if at_least:
        if value >= target:
            return Standing.MET, projected, True
        return (Standing.ON_TRACK if projected >= target else Standing.AT_RISK), projected, True
    return (Standing.AT_RISK if projected > target else Standing.MET), projected, True


def kpi_latest_values(series_ids: Iterable[int]) -> dict[tuple[int, str], KpiActual]:
    """Each KPI's latest value per series, in one query."""
    latest = (
        KpiActual.objects.filter(series_id=OuterRef("series_id"), kpi_name=OuterRef("kpi_name"))
        .order_by("-period_start")
        .values("period_start")[:1]
    )
    rows = KpiActual.objects.filter(series_id__in=list(series_ids)).filter(
        period_start=Subquery(latest)
    )
    return {(row.series_id, row.kpi_name): row for row in rows}


def kpi_readings(
    *,
    kpis: Iterable[Kpi],
    latest: dict[tuple[int, str], KpiActual],
    series_id: int,
    today: dt.date,
) -> list[KpiReading]:
    readings = []
    for kpi in kpis:
        actual = latest.get((series_id, kpi.name))
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
        readings.append(
            KpiReading(
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
                period_end=(period_end(start, kpi.cadence) - dt.timedelta(days=1))
                if start
                else None,
                projected=projected,
                current_period=current,
                standing=standing,
            )
        )
    return readings


def worst_standing(standings: Iterable[Standing]) -> Standing:
    """The worst standing among those with data; no data when none has any."""
    known = [s for s in standings if s != Standing.NO_DATA]
    if not known:
        return Standing.NO_DATA
    return max(known, key=lambda s: SEVERITY[s])


# Hand-off compliance.


@dataclass(frozen=True)
class ComplianceRow:
    key: Any
    met: int = 0
    breached: int = 0
    pending: int = 0

    @classmethod
    def from_counts(cls, key: Any, row: Mapping[str, Any]) -> ComplianceRow:
        return cls(key, row["met"], breached_of(row), row["pending"])

    @property
    def label(self) -> str:
        if isinstance(self.key, dt.date):
            return f"{self.key:%Y-%m}"
        return str(self.key)

    @property
    def total(self) -> int:
        return self.met + self.breached + self.pending

    @property
    def share_met(self) -> Decimal | None:
        """Met as a percentage of the decided leads (met + breached); pending ones wait."""
        return percent(self.met, self.met + self.breached)


def compliance_counts(queryset: QuerySet[Any]) -> QuerySet[Any]:
    """Grouped counts of all, met and pending leads (``handoff_status`` annotated).

    Breached is the rest (the status has exactly three values): each FILTER evaluates the
    status CASE again, so counting two statuses instead of three saves a third of that work.
    """
    return queryset.annotate(
        leads=Count("pk"),
        met=Count("pk", filter=Q(handoff_status=MET)),
        pending=Count("pk", filter=Q(handoff_status=PENDING)),
    )


def breached_of(row: Mapping[str, Any]) -> int:
    return int(row["leads"] - row["met"] - row["pending"])


def leads_with_status(queryset: QuerySet[LeadRecord], as_of: dt.datetime) -> QuerySet[LeadRecord]:
    return queryset.annotate(handoff_status=lead_status_annotation(as_of))


def lead_span(series_id: int) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The first and last MQL instants of the series, read off the (series, mql_at) index."""
    leads = LeadRecord.objects.filter(series_id=OuterRef("pk"))
    row = (
        AgreementSeries.objects.filter(pk=series_id)
        .annotate(
            first=Subquery(leads.order_by("mql_at").values("mql_at")[:1]),
            last=Subquery(leads.order_by("-mql_at").values("mql_at")[:1]),
        )
        .values_list("first", "last")
        .first()
    )
    return row if row else (None, None)


def month_bucket(starts: Sequence[dt.datetime], low: int = 0, high: int | None = None) -> Any:
    """SQL for the index of the month whose [start, next start) holds ``mql_at``.

    A balanced CASE over the months' first instants (midnight in the agreement's zone), so a
    row costs a few comparisons in the database's own code: exact across daylight-saving
    changes, and free of the per-row Python call that TruncMonth(tzinfo=...) makes on SQLite
    (five seconds for 100,000 leads).
    """
    high = len(starts) if high is None else high
    if high - low == 1:
        return Value(low, output_field=models.IntegerField())
    middle = (low + high) // 2
    return Case(
        When(mql_at__lt=starts[middle], then=month_bucket(starts, low, middle)),
        default=month_bucket(starts, middle, high),
        output_field=models.IntegerField(),
    )


# Rejections.


@dataclass(frozen=True)
class RejectionRow:
    code: str
    label: str
    count: int
    invalid: int


def _is_rejection(outcome: str, invalid: bool) -> bool:
    return invalid or outcome not in ("", ACCEPTED)


def _rejection_label(code: str, labels: dict[str, str]) -> str:
    if code in labels:
        return labels[code]
    if code:
        return str(_("%(code)s (not a reason code)") % {"code": code})
    return str(_("(no reason given)"))


@dataclass(frozen=True)
class LeadFigures:
    """Hand-off compliance by lead type and by month, and the rejections, from one pass."""

    by_type: list[ComplianceRow]
    by_month: list[ComplianceRow]
    rejections: list[RejectionRow]


def lead_figures(
    *,
    series_id: int,
    as_of: dt.datetime,
    zone: str | None = None,
    lead_types: Sequence[str] = (),
    labels: dict[str, str] | None = None,
) -> LeadFigures:
    """Every lead aggregate of the dashboard in two queries, whatever the number of leads.

    The counts come from the series' ``LeadTally`` (a few hundred rows, kept by the import):
    touched leads are met or breached for good, and the untouched are breached unless still
    pending. The pending ones are counted live, by lead type and month, over the partial index
    of untouched leads by due instant: only those due at or after ``as_of`` are read. Months
    are those of the tally's time zone; ``zone`` None takes it as it is, and a different zone
    falls back to counting every lead (``lead_figures_scan``).
    """
    labels = labels or {}
    tallies = list(LeadTally.objects.filter(series_id=series_id))
    if zone is not None and any(tally.zone != zone for tally in tallies):
        return lead_figures_scan(
            series_id=series_id, as_of=as_of, zone=zone, lead_types=lead_types, labels=labels
        )
    type_counts: dict[str, list[int]] = {lead_type: [0, 0, 0] for lead_type in lead_types}
    month_counts: dict[dt.date, list[int]] = {}
    rejected: dict[str, list[int]] = {}
    for tally in tallies:
        leads = tally.touched_met + tally.touched_breached + tally.untouched
        # Untouched leads count as breached here; the live count moves the pending ones back.
        figures = (tally.touched_met, tally.touched_breached + tally.untouched, 0)
        for counts in (
            type_counts.setdefault(tally.lead_type, [0, 0, 0]),
            month_counts.setdefault(tally.month, [0, 0, 0]),
        ):
            for index, value in enumerate(figures):
                counts[index] += value
        if _is_rejection(tally.outcome, tally.invalid_rejection):
            counted = rejected.setdefault(tally.outcome, [0, 0])
            counted[0] += leads
            counted[1] += leads if tally.invalid_rejection else 0
    if tallies:
        tz = ZoneInfo(tallies[0].zone)
        months = months_between(min(month_counts), max(month_counts))
        starts = [dt.datetime.combine(month, dt.time(), tzinfo=tz) for month in months]
        waiting = (
            LeadRecord.objects.filter(
                series_id=series_id, first_touch_at__isnull=True, due_at__gte=as_of
            )
            .annotate(month_index=month_bucket(starts))
            .order_by()
            .values("lead_type", "month_index")
            .annotate(pending=Count("pk"))
        )
        for group in waiting:
            for counts in (
                type_counts.setdefault(group["lead_type"], [0, 0, 0]),
                month_counts.setdefault(months[group["month_index"]], [0, 0, 0]),
            ):
                counts[1] -= group["pending"]
                counts[2] += group["pending"]
    return _lead_figures_of(type_counts, month_counts, rejected, lead_types, labels)


def _lead_figures_of(
    type_counts: dict[str, list[int]],
    month_counts: dict[dt.date, list[int]],
    rejected: dict[str, list[int]],
    lead_types: Sequence[str],
    labels: dict[str, str],
) -> LeadFigures:
    order = {name: index for index, name in enumerate(lead_types)}
    return LeadFigures(
        by_type=[
            ComplianceRow(key, *counts)
            for key, counts in sorted(
                type_counts.items(), key=lambda item: (order.get(item[0], len(order)), item[0])
            )
        ],
        by_month=[ComplianceRow(month, *counts) for month, counts in sorted(month_counts.items())],
        rejections=sorted(
            (
                RejectionRow(code, _rejection_label(code, labels), count, invalid)
                for code, (count, invalid) in rejected.items()
            ),
            key=lambda row: (-row.count, row.code),
        ),
    )


def lead_figures_scan(
    *,
    series_id: int,
    as_of: dt.datetime,
    zone: str = "UTC",
    lead_types: Sequence[str] = (),
    labels: dict[str, str] | None = None,
) -> LeadFigures:
    """The figures of ``lead_figures`` counted over every lead, for months in any time zone.

    The span of MQL dates comes off the index; then a single grouped count over the lead
    status annotation by lead type, month, outcome and the invalid-rejection flag, summed here.
    Its cost grows with the leads; the dashboard reads the tally instead.
    """
    labels = labels or {}
    first, last = lead_span(series_id)
    type_counts: dict[str, list[int]] = {lead_type: [0, 0, 0] for lead_type in lead_types}
    month_counts: dict[dt.date, list[int]] = {}
    rejected: dict[str, list[int]] = {}
    if first is not None and last is not None:
        tz = ZoneInfo(zone)
        months = months_between(
            timezone.localtime(first, tz).date(), timezone.localtime(last, tz).date()
        )
        starts = [dt.datetime.combine(month, dt.time(), tzinfo=tz) for month in months]
        groups = compliance_counts(
            leads_with_status(LeadRecord.objects.filter(series_id=series_id), as_of)
            .annotate(month_index=month_bucket(starts))
            .order_by()
            .values("lead_type", "month_index", "outcome", "invalid_rejection")
        )
        for group in groups:
            figures = (group["met"], breached_of(group), group["pending"])
            for counts in (
                type_counts.setdefault(group["lead_type"], [0, 0, 0]),
                month_counts.setdefault(months[group["month_index"]], [0, 0, 0]),
            ):
                for index, value in enumerate(figures):
                    counts[index] += value
            if _is_rejection(group["outcome"], group["invalid_rejection"]):
                tally = rejected.setdefault(group["outcome"], [0, 0])
                tally[0] += sum(figures)
                tally[1] += sum(figures) if group["invalid_rejection"] else 0
    return _lead_figures_of(type_counts, month_counts, rejected, lead_types, labels)


def compliance_by_type(
    *, series_id: int, as_of: dt.datetime, lead_types: Sequence[str] = ()
) -> list[ComplianceRow]:
    """Met, breached and pending leads per lead type (the agreement's types first)."""
    return lead_figures(series_id=series_id, as_of=as_of, lead_types=lead_types).by_type


def compliance_by_month(*, series_id: int, as_of: dt.datetime, zone: str) -> list[ComplianceRow]:
    """Met, breached and pending leads per month, in ``zone``, of becoming an MQL."""
    return lead_figures(series_id=series_id, as_of=as_of, zone=zone).by_month


def rejection_breakdown(*, series_id: int, labels: dict[str, str]) -> list[RejectionRow]:
    """Rejected leads per outcome code, with how many lacked a valid reason."""
    return lead_figures(series_id=series_id, as_of=timezone.now(), labels=labels).rejections


def compliance_total(rows: Iterable[ComplianceRow]) -> ComplianceRow:
    rows = list(rows)
    return ComplianceRow(
        _("All leads"),
        met=sum(r.met for r in rows),
        breached=sum(r.breached for r in rows),
        pending=sum(r.pending for r in rows),
    )


# Deadlines.


@dataclass(frozen=True)
class DeadlineDue:
    title: str
    due: dt.date
    owner: str
    owner_label: str
    days_left: int

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def days_overdue(self) -> int:
        return max(0, -self.days_left)


def deadlines_due(
    deadlines: Iterable[Deadline], *, today: dt.date, horizon: int = DEADLINE_HORIZON_DAYS
) -> list[DeadlineDue]:
    """Open deadlines that are overdue or due within ``horizon`` days, soonest first."""
    limit = today + dt.timedelta(days=horizon)
    return sorted(
        (
            DeadlineDue(
                title=d.title,
                due=d.due,
                owner=d.owner,
                owner_label=d.get_owner_display(),
                days_left=(d.due - today).days,
            )
            for d in deadlines
            if not d.done and d.due <= limit
        ),
        key=lambda d: (d.due, d.title),
    )


# The dashboard.


@dataclass
class Dashboard:
    agreement: Agreement
    current: Agreement
    today: dt.date
    as_of: dt.datetime
    funnel: Funnel
    kpis: list[KpiReading]
    by_type: list[ComplianceRow]
    by_month: list[ComplianceRow]
    handoff_total: ComplianceRow
    rejections: list[RejectionRow]
    invalid_rejections: int
    deadlines: list[DeadlineDue]

    @property
    def kpi_standing(self) -> Standing:
        return worst_standing(reading.standing for reading in self.kpis)


def dashboard_for(*, agreement: Agreement, now: dt.datetime | None = None) -> Dashboard:
    """Everything the dashboard shows, in a fixed number of queries."""
    now = now or timezone.now()
    today = local_today(agreement, now)
    chain = VersionChain.load(agreement, today=today)
    current = chain.current
    series_id = agreement.series_id
    actuals = list(MonthlyActual.objects.filter(series_id=series_id).order_by("month"))
    latest = kpi_latest_values([series_id])
    labels: dict[str, str] = {}
    for version in reversed(chain.signed or [chain.viewed]):
        labels.update({reason.code: reason.label for reason in version.rejection_reasons.all()})
    leads = lead_figures(
        series_id=series_id,
        as_of=now,
        zone=agreement.timezone,
        lead_types=[level.lead_type for level in current.service_levels.all()],
        labels=labels,
    )
    return Dashboard(
        agreement=agreement,
        current=current,
        today=today,
        as_of=now,
        funnel=funnel_compute(chain=chain, actuals=actuals, today=today),
        kpis=kpi_readings(kpis=current.kpis.all(), latest=latest, series_id=series_id, today=today),
        by_type=leads.by_type,
        by_month=leads.by_month,
        handoff_total=compliance_total(leads.by_type),
        rejections=leads.rejections,
        invalid_rejections=sum(row.invalid for row in leads.rejections),
        deadlines=deadlines_due(current.deadlines.all(), today=today),
    )


# Portfolio.


@dataclass(frozen=True)
class Light:
    """One traffic light: a standing, its text and a detail line."""

    standing: Standing
    detail: str

    @property
    def tone(self) -> str:
        return TONE[self.standing]

    @property
    def label(self) -> str:
        return str(self.standing.label)

    @property
    def severity(self) -> int:
        return SEVERITY[self.standing]


@dataclass(frozen=True)
class PortfolioRow:
    agreement: Agreement
    volume: Light
    handoff: Light
    kpis: Light
    deadlines: Light

    @property
    def lights(self) -> tuple[Light, Light, Light, Light]:
        return (self.volume, self.handoff, self.kpis, self.deadlines)


PORTFOLIO_SORTS = ("title", "volume", "handoff", "kpis", "deadlines")


def agreements_in_force(
    *, now: dt.datetime, queryset: QuerySet[Agreement] | None = None
) -> QuerySet[Agreement]:
    """Signed, not superseded at ``now``, period covering its date; with KPIs and open deadlines."""
    queryset = Agreement.objects.all() if queryset is None else queryset
    today = timezone.localdate(now)
    return (
        queryset.filter(
            Q(superseded_at__isnull=True) | Q(superseded_at__gt=now),
            status=Agreement.Status.SIGNED,
            start_date__lte=today,
            end_date__gte=today,
        )
        .select_related("marketing_team", "sales_team")
        .prefetch_related(
            "kpis", Prefetch("deadlines", queryset=Deadline.objects.filter(done=False))
        )
        .order_by("title", "pk")
    )


def _volume_light(*, agreement: Agreement, actual: MonthlyActual | None, today: dt.date) -> Light:
    plan = plan_for(agreement)
    if plan is None:
        return Light(Standing.NO_DATA, str(_("No funnel plan")))
    target = Decimal(plan.per_month.mqls)
    if actual is None:
        return Light(Standing.NO_DATA, str(_("No MQLs reported this month")))
    standing, _projected, _current = kpi_standing(
        direction=Kpi.Direction.AT_LEAST,
        target=target,
        value=Decimal(actual.mqls),
        period_start=month_start(today),
        cadence=Cadence.MONTHLY,
        unit="MQLs",
        today=today,
    )
    return Light(
        standing,
        str(_("%(actual)s of %(plan)s MQLs this month") % {"actual": actual.mqls, "plan": target}),
    )


def _handoff_light(*, agreement: Agreement, counts: ComplianceRow | None) -> Light:
    kpi = next((k for k in agreement.kpis.all() if k.name == HANDOFF_KPI_NAME), None)
    target = kpi.target if kpi else HANDOFF_DEFAULT_TARGET
    share = counts.share_met if counts else None
    if share is None:
        return Light(
            Standing.NO_DATA,
            str(_("No decided leads in %(days)s days")) % {"days": PORTFOLIO_HANDOFF_DAYS},
        )
    if share >= target:
        standing = Standing.MET
    elif share >= target - HANDOFF_AMBER_MARGIN:
        standing = Standing.AT_RISK
    else:
        standing = Standing.MISSED
    return Light(
        standing,
        str(_("%(share)s%% met (target %(target)s%%)"))
        % {"share": share, "target": number_format(target.normalize(), force_grouping=True)},
    )


def _deadline_light(*, agreement: Agreement, today: dt.date) -> Light:
    due = deadlines_due(agreement.deadlines.all(), today=today)
    overdue = sum(1 for d in due if d.overdue)
    if overdue:
        return Light(Standing.MISSED, str(_("%(count)s overdue") % {"count": overdue}))
    if due:
        return Light(
            Standing.AT_RISK,
            str(
                _("%(count)s due within %(days)s days")
                % {"count": len(due), "days": DEADLINE_HORIZON_DAYS}
            ),
        )
    return Light(Standing.MET, str(_("None due")))


def portfolio_rows(
    *, user: Any, now: dt.datetime | None = None, sort: str = "title"
) -> list[PortfolioRow]:
    """One row per agreement in force, each commitment as a traffic light; fixed query count."""
    now = now or timezone.now()
    agreements = list(agreements_in_force(now=now, queryset=visible_agreements(user)))
    series_ids = [a.series_id for a in agreements]
    local_days = {a.pk: local_today(a, now) for a in agreements}
    months = {month_start(day) for day in local_days.values()}
    monthly = {
        (row.series_id, row.month): row
        for row in MonthlyActual.objects.filter(series_id__in=series_ids, month__in=months)
    }
    since = now - dt.timedelta(days=PORTFOLIO_HANDOFF_DAYS)
    handoff = {
        row["series_id"]: ComplianceRow.from_counts(row["series_id"], row)
        for row in compliance_counts(
            leads_with_status(
                LeadRecord.objects.filter(series_id__in=series_ids, mql_at__gte=since), now
            )
            .order_by()
            .values("series_id")
        )
    }
    latest = kpi_latest_values(series_ids)
    rows = []
    for agreement in agreements:
        day = local_days[agreement.pk]
        readings = kpi_readings(
            kpis=agreement.kpis.all(), latest=latest, series_id=agreement.series_id, today=day
        )
        worst = worst_standing(r.standing for r in readings)
        failing = sum(1 for r in readings if r.standing in (Standing.AT_RISK, Standing.MISSED))
        rows.append(
            PortfolioRow(
                agreement=agreement,
                volume=_volume_light(
                    agreement=agreement,
                    actual=monthly.get((agreement.series_id, month_start(day))),
                    today=day,
                ),
                handoff=_handoff_light(
                    agreement=agreement, counts=handoff.get(agreement.series_id)
                ),
                kpis=Light(
                    worst,
                    str(_("%(failing)s of %(count)s at risk or missed"))
                    % {"failing": failing, "count": len(readings)},
                ),
                deadlines=_deadline_light(agreement=agreement, today=day),
            )
        )
    return portfolio_sort(rows, sort)


def portfolio_sort(rows: list[PortfolioRow], sort: str) -> list[PortfolioRow]:
    """Sort by a column; severity columns put the best first, ``-column`` the worst first."""
    descending = sort.startswith("-")
    column = sort.lstrip("-")
    if column not in PORTFOLIO_SORTS:
        column, descending = "title", False
    if column == "title":
        return sorted(
            rows, key=lambda r: (r.agreement.title.casefold(), r.agreement.pk), reverse=descending
        )
    ordered = sorted(rows, key=lambda r: (r.agreement.title.casefold(), r.agreement.pk))
    return sorted(ordered, key=lambda r: getattr(r, column).severity, reverse=descending)
