"""The funnel's figures: each month planned against actual, and the totals to date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from agreements.funnel import FunnelPlan, plan_for
from agreements.models import Agreement
from agreements.periods import months_between
from performance.dashboard.versions import VersionChain
from performance.models import MonthlyActual

STAGE_NAMES = ("leads", "mqls", "sqls", "customers", "revenue")
STAGE_LABELS = {
    "leads": _("Leads"),
    "mqls": _("MQLs"),
    "sqls": _("SQLs"),
    "customers": _("Customers"),
    "revenue": _("Revenue"),
}
HUNDRED = Decimal(100)
TENTH = Decimal("0.1")
CENT = Decimal("0.01")


class Phase(models.TextChoices):
    """Where a period stands on a day, in the period's own time."""

    NOT_BEGUN = "not_begun", _("not begun")
    RUNNING = "running", _("running")
    ENDED = "ended", _("ended")


def period_phase(first: dt.date, end: dt.date, today: dt.date) -> Phase:
    """The phase on ``today`` of the period from ``first`` up to ``end`` (the day after it)."""
    if today < first:
        return Phase.NOT_BEGUN
    if today >= end:
        return Phase.ENDED
    return Phase.RUNNING


def scaled_to_period(value: Decimal, first: dt.date, end: dt.date, today: dt.date) -> Decimal:
    """``value`` ÷ the elapsed fraction of a running period (today, within it, counts)."""
    days = Decimal((end - first).days)
    elapsed = Decimal(min(max((today - first).days + 1, 1), (end - first).days))
    return (value * days / elapsed).quantize(CENT, rounding=ROUND_HALF_UP)


def percent(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """``part`` as a percentage of ``whole`` to one decimal, or None when ``whole`` is zero."""
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(TENTH, rounding=ROUND_HALF_UP)


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
    # False for a month stored outside every signed period (an older version let it in): it
    # is shown, marked, and judged against no plan and counted in no total.
    in_period: bool = True

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
        return percent(self.actual, self.planned)


@dataclass(frozen=True)
class Funnel:
    months: list[FunnelMonth]
    # Empty while the period has not begun; over the whole period once it has ended.
    to_date: list[StageTotal]
    phase: Phase = Phase.RUNNING
    first_day: dt.date | None = None
    last_day: dt.date | None = None

    @property
    def outside_period(self) -> list[FunnelMonth]:
        return [row for row in self.months if not row.in_period]


def funnel_compute(
    *, chain: VersionChain, actuals: Sequence[MonthlyActual], today: dt.date
) -> Funnel:
    """Each month judged against the plan of the version in force that month; totals to date.

    Months run from the first signed version's start to this month (or the last version's end),
    plus any month with actuals outside that span. A month with no actuals counts as zero in the
    totals to date, so a missing report shows as a shortfall rather than hiding the plan.

    Time is the period's own: before its first day nothing is to date (no totals, whatever was
    recorded ahead); while it runs, the months up to this one count; once it has ended, every
    month of it. A month outside every signed period is listed but counted nowhere.
    """
    by_month = {row.month: row for row in actuals}
    first, last = chain.first_day, chain.last_day
    phase = period_phase(first, last + dt.timedelta(days=1), today)
    months = sorted(set(months_between(first, min(today, last))) | set(by_month))
    plans: dict[int, Figures | None] = {}
    rows = [
        _funnel_month(
            month,
            chain=chain,
            actual=by_month.get(month),
            today=today,
            plans=plans,
        )
        for month in months
    ]
    return Funnel(
        months=rows,
        to_date=[] if phase == Phase.NOT_BEGUN else _totals_to_date(rows),
        phase=phase,
        first_day=first,
        last_day=last,
    )


def _funnel_month(
    month: dt.date,
    *,
    chain: VersionChain,
    actual: MonthlyActual | None,
    today: dt.date,
    plans: dict[int, Figures | None],
) -> FunnelMonth:
    in_period = chain.covers_month(month)
    version = chain.for_month(month) if in_period else None
    return FunnelMonth(
        month=month,
        version=version.version if version else None,
        planned=_plan_of(version, plans) if version else None,
        actual=(
            Figures(actual.leads, actual.mqls, actual.sqls, actual.customers, actual.revenue)
            if actual
            else None
        ),
        to_date=in_period and month <= today,
        in_period=in_period,
    )


def planned_month(version: Agreement) -> Figures | None:
    """A version's plan for one month: the one definition the dashboard and the portfolio use.

    The month is judged by the version standing for it (``VersionChain.for_month``); its plan
    is the funnel's per-month plan (``funnel.plan_for``), and revenue the marketing revenue
    over the plan's months.
    """
    plan = plan_for(version)
    return Figures.planned(plan, version.months or 1) if plan else None


def _plan_of(version: Agreement, plans: dict[int, Figures | None]) -> Figures | None:
    """The version's monthly plan, worked out once per version."""
    if version.pk not in plans:
        plans[version.pk] = planned_month(version)
    return plans[version.pk]


def _totals_to_date(rows: Sequence[FunnelMonth]) -> list[StageTotal]:
    counted = [row for row in rows if row.to_date]
    planned = Figures.total(row.planned for row in counted if row.planned)
    actual = Figures.total(row.actual for row in counted if row.actual)
    return [
        StageTotal(
            stage=stage,
            label=str(STAGE_LABELS[stage]),
            planned=getattr(planned, stage),
            actual=getattr(actual, stage),
        )
        for stage in STAGE_NAMES
    ]
