"""The portfolio's traffic lights: how each commitment of an agreement in force stands today.

Each light is worked out from figures the portfolio reads for all its rows at once
(``portfolio._series_figures``): this month's MQLs against the month's plan, the hand-off share
of the last days against its target, the worst KPI standing, and the deadlines due.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from agreements.models import Agreement, Cadence, Kpi
from agreements.periods import month_start
from performance.dashboard.deadlines import DEADLINE_HORIZON_DAYS, deadlines_due
from performance.dashboard.figures import planned_month
from performance.dashboard.kpis import kpi_readings, kpi_standing
from performance.dashboard.standing import SEVERITY, TONE, Standing, worst_standing
from performance.dashboard.versions import VersionChain
from performance.models import KpiActual, MonthlyActual

# The hand-off target when the agreement has no KPI measuring hand-off compliance.
HANDOFF_DEFAULT_TARGET = Decimal("90")
# How far below the hand-off target the portfolio still shows amber rather than red.
HANDOFF_AMBER_MARGIN = Decimal("10")
# The hand-off light counts the leads that became MQLs on this many days, today included.
HANDOFF_DAYS = 30


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


def volume_light(
    *,
    agreement: Agreement,
    signed: list[Agreement],
    actual: MonthlyActual | None,
    today: dt.date,
) -> Light:
    """This month's MQLs against the month's plan, judged like an at-least KPI of the month.

    The month's plan is the dashboard's: that of the version standing for the month.
    """
    chain = VersionChain(viewed=agreement, signed=signed, current=agreement)
    planned = planned_month(chain.for_month(month_start(today)))
    if planned is None:
        return Light(Standing.NO_DATA, _("No funnel plan"))
    target = Decimal(planned.mqls)
    if actual is None:
        return Light(Standing.NO_DATA, _("No MQLs reported this month"))
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
        _("%(actual)s of %(plan)s MQLs this month") % {"actual": actual.mqls, "plan": target},
    )


def handoff_light(*, agreement: Agreement, share: Decimal | None) -> Light:
    """Leads met over the last days against the hand-off KPI's target, amber just below it."""
    kpi = next(
        (k for k in agreement.kpis.all() if k.measure == Kpi.Measure.HANDOFF_COMPLIANCE), None
    )
    target = kpi.target if kpi else HANDOFF_DEFAULT_TARGET
    if share is None:
        return Light(
            Standing.NO_DATA,
            _("No decided leads in %(days)s days") % {"days": HANDOFF_DAYS},
        )
    if share >= target:
        standing = Standing.MET
    elif share >= target - HANDOFF_AMBER_MARGIN:
        standing = Standing.AT_RISK
    else:
        standing = Standing.MISSED
    return Light(
        standing,
        _("%(share)s%% met (target %(target)s%%)")
        % {"share": share, "target": number_format(target.normalize(), force_grouping=True)},
    )


def kpi_light(
    *, agreement: Agreement, latest: dict[tuple[int, str], KpiActual], today: dt.date
) -> Light:
    """The worst standing of the agreement's KPIs."""
    readings = kpi_readings(
        kpis=agreement.kpis.all(), latest=latest, series_id=agreement.series_id, today=today
    )
    failing = sum(1 for r in readings if r.standing in (Standing.AT_RISK, Standing.MISSED))
    return Light(
        worst_standing(r.standing for r in readings),
        _("%(failing)s of %(count)s at risk or missed")
        % {"failing": failing, "count": len(readings)},
    )


def deadline_light(*, agreement: Agreement, today: dt.date) -> Light:
    """Red when a deadline is overdue, amber when one is due soon."""
    due = deadlines_due(agreement.deadlines.all(), today=today)
    overdue = sum(1 for d in due if d.overdue)
    if overdue:
        return Light(Standing.MISSED, _("%(count)s overdue") % {"count": overdue})
    if due:
        return Light(
            Standing.AT_RISK,
            _("%(count)s due within %(days)s days")
            % {"count": len(due), "days": DEADLINE_HORIZON_DAYS},
        )
    return Light(Standing.MET, _("None due"))
