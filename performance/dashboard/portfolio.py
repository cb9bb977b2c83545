"""The portfolio: every agreement in force as a row of traffic lights, one per commitment."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agreements import page_cache
from agreements.models import Agreement, Cadence, Deadline, Kpi
from agreements.periods import month_start
from agreements.permissions import visible_agreements
from performance.dashboard.deadlines import DEADLINE_HORIZON_DAYS, deadlines_due
from performance.dashboard.figures import planned_month
from performance.dashboard.kpis import KpiValuePlan, kpi_readings, kpi_standing
from performance.dashboard.standing import SEVERITY, TONE, Standing, worst_standing
from performance.dashboard.versions import VersionChain, local_today
from performance.measures import MeasureRequest, measure_values
from performance.models import KpiActual, MonthlyActual

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

# The hand-off target when the agreement has no KPI measuring hand-off compliance.
HANDOFF_DEFAULT_TARGET = Decimal("90")
# How far below the hand-off target the portfolio still shows amber rather than red.
HANDOFF_AMBER_MARGIN = Decimal("10")
# The hand-off light counts the leads that became MQLs on this many days, today included.
PORTFOLIO_HANDOFF_DAYS = 30
# The columns, each a sort key with its heading; "-key" sorts the other way.
PORTFOLIO_COLUMNS = (
    ("title", gettext_lazy("Agreement")),
    ("volume", gettext_lazy("Marketing volume")),
    ("handoff", gettext_lazy("Sales hand-off")),
    ("kpis", gettext_lazy("KPIs")),
    ("deadlines", gettext_lazy("Deadlines")),
)
PORTFOLIO_SORTS = tuple(key for key, _label in PORTFOLIO_COLUMNS)
PORTFOLIO_PAGE_SIZE = 25
ROWS_TEMPLATE = "performance/_portfolio_rows.html"


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

    @property
    def shown(self) -> tuple[object, ...]:
        """Everything the row's markup shows: the agreement's link, title, teams and version,
        and the lights."""
        agreement = self.agreement
        return (
            agreement.pk,
            agreement.title,
            agreement.marketing_team.name,
            agreement.sales_team.name,
            agreement.version,
            self.lights,
        )


@dataclass(frozen=True)
class SortHeader:
    """A column heading: a link that sorts by the column, and how the table is sorted now."""

    key: str
    label: str
    active: bool
    aria_sort: str
    next: str


@dataclass(frozen=True)
class Portfolio:
    """One page of rows (``page.object_list``), the headings and the sort."""

    page: Page[PortfolioRow]
    headers: list[SortHeader]
    sort: str

    @property
    def rows(self) -> list[PortfolioRow]:
        return list(self.page.object_list)

    @property
    def rows_markup(self) -> SafeString:
        """The rows' markup, kept under what they show (``PortfolioRow.shown``)."""
        rows = self.rows
        return page_cache.kept_markup(
            "portfolio-rows",
            templates=(ROWS_TEMPLATE,),
            content=repr([row.shown for row in rows]),
            make=lambda: render_to_string(ROWS_TEMPLATE, {"rows": rows}),
        )


@dataclass(frozen=True)
class _SeriesFigures:
    """What the lights read of every series in the portfolio, in a fixed number of queries."""

    monthly: dict[tuple[int, dt.date], MonthlyActual]
    # Each series' share of decided leads met over the last PORTFOLIO_HANDOFF_DAYS days.
    handoff: dict[int, Decimal | None]
    latest: dict[tuple[int, str], KpiActual]
    # The signed versions of each series, latest first.
    signed: dict[int, list[Agreement]]


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
            "kpis",
            "service_levels",
            Prefetch("deadlines", queryset=Deadline.objects.filter(done=False)),
        )
        .order_by("title", "pk")
    )


def portfolio_for(
    *,
    user: User | AnonymousUser,
    sort: str,
    page: str | int | None = None,
    now: dt.datetime | None = None,
) -> Portfolio:
    """One page of the portfolio sorted by ``sort`` (title when unknown), and its headings.

    Sorted by title, only the page's agreements are loaded and lit, so a page costs the same
    however many agreements are in force; sorted by a light, every row is lit to be ordered.
    """
    if sort.lstrip("-") not in PORTFOLIO_SORTS:
        sort = "title"
    now = now or timezone.now()
    in_force = agreements_in_force(now=now, queryset=visible_agreements(user))
    if sort.lstrip("-") != "title":
        rows = portfolio_sort(_rows_of(list(in_force), now=now), sort)
        return Portfolio(
            page=Paginator(rows, PORTFOLIO_PAGE_SIZE).get_page(page),
            headers=sort_headers(sort),
            sort=sort,
        )
    titles = in_force.select_related(None).prefetch_related(None).values_list("pk", "title")
    ordered = sorted(titles, key=lambda entry: (entry[1].casefold(), entry[0]))
    if sort.startswith("-"):
        ordered.reverse()
    page_of_titles = Paginator(ordered, PORTFOLIO_PAGE_SIZE).get_page(page)
    agreements = list(in_force.filter(pk__in=[pk for pk, _title in page_of_titles]))
    # The same page of the same paginator (numbers, count, links), holding the rows.
    page_of_rows: Page[PortfolioRow] = Page(
        portfolio_sort(_rows_of(agreements, now=now), sort),
        page_of_titles.number,
        page_of_titles.paginator,  # type: ignore[arg-type]
    )
    return Portfolio(page=page_of_rows, headers=sort_headers(sort), sort=sort)


def sort_headers(sort: str) -> list[SortHeader]:
    """Each column's heading; the sorted column's link reverses its order."""
    descending = sort.startswith("-")
    headers = []
    for key, label in PORTFOLIO_COLUMNS:
        active = sort.lstrip("-") == key
        headers.append(
            SortHeader(
                key=key,
                label=str(label),
                active=active,
                aria_sort=("descending" if descending else "ascending") if active else "none",
                next=f"-{key}" if active and not descending else key,
            )
        )
    return headers


def portfolio_rows(
    *, user: User | AnonymousUser, now: dt.datetime | None = None, sort: str = "title"
) -> list[PortfolioRow]:
    """One row per agreement in force, each commitment as a traffic light; fixed query count."""
    now = now or timezone.now()
    agreements = list(agreements_in_force(now=now, queryset=visible_agreements(user)))
    return portfolio_sort(_rows_of(agreements, now=now), sort)


def _rows_of(agreements: list[Agreement], *, now: dt.datetime) -> list[PortfolioRow]:
    """The agreements' rows, unsorted; their figures in a fixed number of queries."""
    local_days = {a.pk: local_today(a, now) for a in agreements}
    figures = _series_figures(
        versions=[(a, local_days[a.pk]) for a in agreements],
        months={month_start(day) for day in local_days.values()},
        now=now,
    )
    return [
        _portfolio_row(agreement, figures=figures, today=local_days[agreement.pk])
        for agreement in agreements
    ]


def _series_figures(
    *, versions: list[tuple[Agreement, dt.date]], months: set[dt.date], now: dt.datetime
) -> _SeriesFigures:
    series_ids = [agreement.series_id for agreement, _today in versions]
    signed: dict[int, list[Agreement]] = {}
    for version in Agreement.objects.filter(
        series_id__in=series_ids, status=Agreement.Status.SIGNED
    ).order_by("-version"):
        signed.setdefault(version.series_id, []).append(version)
    monthly = MonthlyActual.objects.filter(series_id__in=series_ids, month__in=months)
    # The leads that became MQLs on the last days, today included, in each calendar's zone.
    recent = {
        agreement.series_id: MeasureRequest(
            series_id=agreement.series_id,
            measure=Kpi.Measure.HANDOFF_COMPLIANCE,
            start=today - dt.timedelta(days=PORTFOLIO_HANDOFF_DAYS - 1),
            end=today + dt.timedelta(days=1),
            zone=agreement.timezone,
        )
        for agreement, today in versions
    }
    # One measuring for the lights and the KPIs: the lead days are read once.
    plan = KpiValuePlan.of(versions)
    measured = measure_values([*plan.requests, *recent.values()], as_of=now)
    return _SeriesFigures(
        monthly={(row.series_id, row.month): row for row in monthly},
        handoff={series_id: measured[request] for series_id, request in recent.items()},
        latest=plan.values(measured),
        signed=signed,
    )


def _portfolio_row(
    agreement: Agreement, *, figures: _SeriesFigures, today: dt.date
) -> PortfolioRow:
    series_id = agreement.series_id
    return PortfolioRow(
        agreement=agreement,
        volume=_volume_light(
            agreement=agreement,
            signed=figures.signed.get(series_id, []),
            actual=figures.monthly.get((series_id, month_start(today))),
            today=today,
        ),
        handoff=_handoff_light(agreement=agreement, share=figures.handoff.get(series_id)),
        kpis=_kpi_light(agreement=agreement, latest=figures.latest, today=today),
        deadlines=_deadline_light(agreement=agreement, today=today),
    )


def _volume_light(
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


def _handoff_light(*, agreement: Agreement, share: Decimal | None) -> Light:
    """Leads met over the last days against the hand-off KPI's target, amber just below it."""
    kpi = next(
        (k for k in agreement.kpis.all() if k.measure == Kpi.Measure.HANDOFF_COMPLIANCE), None
    )
    target = kpi.target if kpi else HANDOFF_DEFAULT_TARGET
    if share is None:
        return Light(
            Standing.NO_DATA,
            _("No decided leads in %(days)s days") % {"days": PORTFOLIO_HANDOFF_DAYS},
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


def _kpi_light(
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


def _deadline_light(*, agreement: Agreement, today: dt.date) -> Light:
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
