"""The dashboard's body: its charts, built from its rows, each with a description that sums it
up, its tables, and the sections around them, drawn from its figures alone and kept under them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agreements import page_cache
from performance.charts import (
    TEMPLATE,
    ChartSeries,
    bar_chart_grouped,
    bar_chart_horizontal,
    bar_chart_stacked,
    number_text,
)
from performance.dashboard.compliance import compliance_total
from performance.dashboard.figures import STAGE_LABELS

if TYPE_CHECKING:
    from performance.dashboard.agreement import Dashboard
    from performance.dashboard.compliance import ComplianceRow
    from performance.dashboard.deadlines import DeadlineDue
    from performance.dashboard.figures import Funnel, FunnelMonth
    from performance.dashboard.kpis import KpiReading
    from performance.dashboard.lead_figures import RejectionRow

# Colours that keep a 3:1 contrast against white; the legend names every one in text.
COLOR_PLANNED = "#6c757d"
COLOR_ACTUAL = "#0b5ed7"
COLOR_MET = "#198754"
COLOR_BREACHED = "#b02a37"
COLOR_PENDING = "#997404"
# The stages drawn as charts; revenue shows in the tables only.
CHARTED_STAGES = ("leads", "mqls", "sqls", "customers")
HANDOFF_TITLE = gettext_lazy("Hand-off compliance by month")
REJECTION_TITLE = gettext_lazy("Rejected leads by reason")
FUNNEL_MONTHS_TEMPLATE = "performance/_funnel_months.html"
BODY_TEMPLATE = "performance/_dashboard_body.html"


@dataclass(frozen=True)
class TitledChart:
    """A chart and the title shown above it."""

    title: str
    svg: SafeString


@dataclass(frozen=True)
class DashboardCharts:
    funnel: list[TitledChart]
    handoff: TitledChart
    rejections: TitledChart
    # The table of planned and actual figures per month.
    funnel_months: SafeString


@dataclass(frozen=True)
class DashboardBody:
    """Everything the dashboard's body shows, and nothing else: its template sees only these
    figures, and their repr is its key in the cache."""

    funnel: Funnel
    kpis: tuple[KpiReading, ...]
    by_type: tuple[ComplianceRow, ...]
    by_month: tuple[ComplianceRow, ...]
    handoff_total: ComplianceRow
    rejections: tuple[RejectionRow, ...]
    invalid_rejections: int
    deadlines: tuple[DeadlineDue, ...]

    @classmethod
    def of(cls, dashboard: Dashboard) -> DashboardBody:
        return cls(
            funnel=dashboard.funnel,
            kpis=tuple(dashboard.kpis),
            by_type=tuple(dashboard.by_type),
            by_month=tuple(dashboard.by_month),
            handoff_total=dashboard.handoff_total,
            rejections=tuple(dashboard.rejections),
            invalid_rejections=dashboard.invalid_rejections,
            deadlines=tuple(dashboard.deadlines),
        )


def dashboard_body(dashboard: Dashboard) -> SafeString:
    """The sections under the header (funnel, KPIs, hand-off, rejections, deadlines), kept under
    their figures: the same figures in the same language read the kept markup, any change in
    them renders it afresh, and the charts are drawn only then."""
    body = DashboardBody.of(dashboard)
    return page_cache.kept_markup(
        "dashboard-body",
        templates=(BODY_TEMPLATE, FUNNEL_MONTHS_TEMPLATE, TEMPLATE),
        content=repr(body),
        make=lambda: render_to_string(
            BODY_TEMPLATE, {"dashboard": body, "charts": dashboard_charts(body)}
        ),
    )


def dashboard_charts(dashboard: DashboardBody) -> DashboardCharts:
    """The dashboard's charts: each funnel stage per month, hand-off per month, rejections."""
    return DashboardCharts(
        funnel=[_funnel_stage(dashboard.funnel.months, stage) for stage in CHARTED_STAGES],
        handoff=TitledChart(str(HANDOFF_TITLE), handoff_chart(months=dashboard.by_month)),
        rejections=TitledChart(str(REJECTION_TITLE), rejection_chart(rows=dashboard.rejections)),
        funnel_months=funnel_months_table(dashboard.funnel.months),
    )


def funnel_months_table(months: Sequence[FunnelMonth]) -> SafeString:
    """The table of months, kept under their figures: some 240 numbers formatted once."""
    return page_cache.kept_markup(
        "funnel-months",
        templates=(FUNNEL_MONTHS_TEMPLATE,),
        content=repr(list(months)),
        make=lambda: render_to_string(FUNNEL_MONTHS_TEMPLATE, {"months": months}),
    )


def _funnel_stage(months: Sequence[FunnelMonth], stage: str) -> TitledChart:
    label = str(STAGE_LABELS[stage])
    return TitledChart(
        title=funnel_title(label), svg=funnel_chart(months=months, stage=stage, stage_label=label)
    )


def funnel_title(stage_label: str) -> str:
    return _("%(stage)s: planned and actual per month") % {"stage": stage_label}


def funnel_chart(*, months: Sequence[FunnelMonth], stage: str, stage_label: str) -> SafeString:
    """Planned against actual per month for one funnel stage."""
    categories = [f"{row.month:%Y-%m}" for row in months]
    planned = [row.planned_value(stage) for row in months]
    actual = [row.actual_value(stage) for row in months]
    planned_total = sum(value for value in planned if value is not None)
    actual_total = sum(value for value in actual if value is not None)
    reported = sum(1 for value in actual if value is not None)
    description = _(
        "%(stage)s per month, planned against actual, %(first)s to %(last)s. "
        "Planned %(planned)s in total; actual %(actual)s over %(reported)s reported months. "
        "The table lists every month."
    ) % {
        "stage": stage_label,
        "first": categories[0] if categories else "",
        "last": categories[-1] if categories else "",
        "planned": number_text(planned_total),
        "actual": number_text(actual_total),
        "reported": reported,
    }
    return bar_chart_grouped(
        chart_id=f"chart-funnel-{stage}",
        title=funnel_title(stage_label),
        description=description,
        categories=categories,
        series=[
            ChartSeries(_("Planned"), planned, COLOR_PLANNED),
            ChartSeries(_("Actual"), actual, COLOR_ACTUAL),
        ],
    )


def handoff_chart(*, months: Sequence[ComplianceRow]) -> SafeString:
    """Leads met, breached and pending per month of becoming an MQL."""
    total = compliance_total(months)
    share = total.share_met
    description = _(
        "Hand-off of leads by month: %(met)s met, %(breached)s breached and %(pending)s pending "
        "in total; %(share)s%% met. The table lists every month."
    ) % {
        "met": number_text(total.met),
        "breached": number_text(total.breached),
        "pending": number_text(total.pending),
        "share": "—" if share is None else number_text(share),
    }
    return bar_chart_stacked(
        chart_id="chart-handoff-months",
        title=str(HANDOFF_TITLE),
        description=description,
        categories=[row.label for row in months],
        series=[
            ChartSeries(_("Met"), [row.met for row in months], COLOR_MET),
            ChartSeries(_("Breached"), [row.breached for row in months], COLOR_BREACHED),
            ChartSeries(_("Pending"), [row.pending for row in months], COLOR_PENDING),
        ],
    )


def rejection_chart(*, rows: Sequence[RejectionRow]) -> SafeString:
    """Rejected leads per reason."""
    total = sum(row.count for row in rows)
    summary = "; ".join(f"{row.label}: {number_text(row.count)}" for row in rows)
    description = _("%(total)s rejected leads by reason. %(summary)s") % {
        "total": number_text(total),
        "summary": summary,
    }
    return bar_chart_horizontal(
        chart_id="chart-rejections",
        title=str(REJECTION_TITLE),
        description=description,
        labels=[row.label for row in rows],
        values=[row.count for row in rows],
    )
