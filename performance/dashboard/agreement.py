"""One agreement's dashboard: funnel, KPIs, hand-off compliance, rejections and deadlines."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from django.utils import timezone

from agreements import page_cache
from agreements.models import Agreement
from agreements.periods import FIRST_DAY, LAST_DAY
from performance.dashboard.compliance import ComplianceRow, compliance_total
from performance.dashboard.deadlines import DeadlineDue, deadlines_due
from performance.dashboard.figures import Funnel, funnel_compute
from performance.dashboard.kpis import KpiReading, kpi_readings, kpi_values
from performance.dashboard.lead_figures import RejectionRow, lead_figures
from performance.dashboard.standing import Standing, worst_standing
from performance.dashboard.versions import VersionChain, local_today
from performance.lead_stats import pending_leads
from performance.models import MonthlyActual
from performance.series_changes import figures_key, figures_seconds, series_revisions


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
    # A month stored outside the calendar's years (by an older version) is left out: near
    # year 9999 the month arithmetic overflows, and one bad row must not take the page down.
    actuals = list(
        MonthlyActual.objects.filter(
            series_id=series_id, month__range=(FIRST_DAY, LAST_DAY)
        ).order_by("month")
    )
    # Every month of the series: the funnel's, and those the computed KPIs' periods need; and
    # the leads still pending, for the computed KPIs and the hand-off tables alike.
    pending = pending_leads([series_id], as_of=now)
    latest = kpi_values([(current, today)], as_of=now, months={series_id: actuals}, pending=pending)
    leads = lead_figures(
        series_id=series_id,
        as_of=now,
        zone=agreement.timezone,
        lead_types=[level.lead_type for level in current.service_levels.all()],
        labels=rejection_labels(chain),
        pending=pending,
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


def dashboard_kept(*, agreement: Agreement, now: dt.datetime | None = None) -> Dashboard:
    """``dashboard_for``, kept in the cache under the series' revision and the minute.

    A write to anything the figures are worked out from changes the revision
    (``performance.series_changes``), so it shows at once; the clock (a lead turning overdue
    at its due instant) shows within the minute, and the page says as of when its figures are.
    """
    now = now or timezone.now()
    revision = series_revisions([agreement.series_id])[agreement.series_id]
    key = figures_key("dashboard", agreement.pk, revision, now)
    kept = page_cache.cache_get(key)
    if isinstance(kept, Dashboard):
        # The agreement as loaded for this request, not as it was pickled.
        return replace(kept, agreement=agreement)
    dashboard = dashboard_for(agreement=agreement, now=now)
    page_cache.cache_set(key, dashboard, figures_seconds(now))
    return dashboard


def rejection_labels(chain: VersionChain) -> dict[str, str]:
    """The label of each rejection reason code; a later version's label wins."""
    labels: dict[str, str] = {}
    for version in reversed(chain.signed or [chain.viewed]):
        labels.update({reason.code: reason.label for reason in version.rejection_reasons.all()})
    return labels
