"""The portfolio: every agreement in force as a row of traffic lights, one per commitment.

The figures of every row are read at once (``_series_figures``); each light is worked out from
them in ``performance.dashboard.lights``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy

from agreements import page_cache
from agreements.models import Agreement, Deadline, Kpi
from agreements.periods import month_start
from agreements.permissions import visible_agreements
from performance.dashboard.kpis import KpiValuePlan
from performance.dashboard.lights import (
    HANDOFF_DAYS,
    Light,
    deadline_light,
    handoff_light,
    kpi_light,
    volume_light,
)
from performance.dashboard.versions import local_today
from performance.measures import MeasureRequest, measure_values, monthly_actuals
from performance.models import KpiActual, MonthlyActual
from performance.series_changes import figures_key, figures_seconds, series_revisions

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

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
    # Each series' share of decided leads met over the last HANDOFF_DAYS days.
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
        .prefetch_related(*_lights_prefetch())
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
    in_force = _visible_in_force(user, now)
    if sort.lstrip("-") != "title":
        rows = portfolio_sort(_rows_of(list(in_force), now=now), sort)
        return Portfolio(
            page=Paginator(rows, PORTFOLIO_PAGE_SIZE).get_page(page),
            headers=sort_headers(sort),
            sort=sort,
        )
    titles = in_force.select_related(None).values_list("pk", "title")
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
    return portfolio_sort(_rows_of(list(_visible_in_force(user, now)), now=now), sort)


def _visible_in_force(user: User | AnonymousUser, now: dt.datetime) -> QuerySet[Agreement]:
    """The agreements in force the user may see, read through the user's teams' indexes
    (their teams by value); their sections are read only for lights not kept (``_rows_of``)."""
    visible = visible_agreements(user, by_value=True)
    return agreements_in_force(now=now, queryset=visible).prefetch_related(None)


def _rows_of(agreements: list[Agreement], *, now: dt.datetime) -> list[PortfolioRow]:
    """The agreements' rows, unsorted: each one's lights from the cache, or worked out.

    Lights are kept under the series' revision (``performance.series_changes``) and the
    minute, to its end: a write to what they are worked out from is seen at once, the clock
    (a lead turning overdue at its due instant) within the minute.
    """
    if not agreements:
        return []
    revisions = series_revisions(agreement.series_id for agreement in agreements)
    keys = {
        agreement.pk: figures_key(
            "portfolio-lights", agreement.pk, revisions[agreement.series_id], now
        )
        for agreement in agreements
    }
    kept = page_cache.cache_get_many(list(keys.values()))
    missing = [agreement for agreement in agreements if keys[agreement.pk] not in kept]
    if missing:
        worked_out = {keys[pk]: lights for pk, lights in _lights_of(missing, now=now).items()}
        page_cache.cache_set_many(worked_out, figures_seconds(now))
        kept.update(worked_out)
    return [PortfolioRow(agreement, *kept[keys[agreement.pk]]) for agreement in agreements]


def _lights_of(
    agreements: list[Agreement], *, now: dt.datetime
) -> dict[int, tuple[Light, Light, Light, Light]]:
    """Each agreement's lights; their figures in a fixed number of queries."""
    prefetch_related_objects(agreements, *_lights_prefetch())
    local_days = {a.pk: local_today(a, now) for a in agreements}
    figures = _series_figures(
        versions=[(a, local_days[a.pk]) for a in agreements],
        months={month_start(day) for day in local_days.values()},
        now=now,
    )
    return {
        agreement.pk: _lights(agreement, figures=figures, today=local_days[agreement.pk])
        for agreement in agreements
    }


def _series_figures(
    *, versions: list[tuple[Agreement, dt.date]], months: set[dt.date], now: dt.datetime
) -> _SeriesFigures:
    series_ids = [agreement.series_id for agreement, _today in versions]
    signed: dict[int, list[Agreement]] = {}
    for version in Agreement.objects.filter(
        series_id__in=series_ids, status=Agreement.Status.SIGNED
    ).order_by("-version"):
        signed.setdefault(version.series_id, []).append(version)
    # The leads that became MQLs on the last days, today included, in each calendar's zone.
    recent = {
        agreement.series_id: MeasureRequest(
            series_id=agreement.series_id,
            measure=Kpi.Measure.HANDOFF_COMPLIANCE,
            start=today - dt.timedelta(days=HANDOFF_DAYS - 1),
            end=today + dt.timedelta(days=1),
            zone=agreement.timezone,
        )
        for agreement, today in versions
    }
    # One measuring for the lights and the KPIs: the lead days are read once, and the monthly
    # actuals once, this month's (the volume light) with those of the KPIs' periods.
    plan = KpiValuePlan.of(versions)
    requests = [*plan.requests, *recent.values()]
    actuals = monthly_actuals(requests, also=months)
    measured = measure_values(requests, as_of=now, months=actuals)
    return _SeriesFigures(
        monthly={(row.series_id, row.month): row for rows in actuals.values() for row in rows},
        handoff={series_id: measured[request] for series_id, request in recent.items()},
        latest=plan.values(measured),
        signed=signed,
    )


def _lights_prefetch() -> tuple[str | Prefetch[str], ...]:
    """What lighting an agreement reads of its sections."""
    return (
        "kpis",
        "service_levels",
        Prefetch("deadlines", queryset=Deadline.objects.filter(done=False)),
    )


def _lights(
    agreement: Agreement, *, figures: _SeriesFigures, today: dt.date
) -> tuple[Light, Light, Light, Light]:
    series_id = agreement.series_id
    return (
        volume_light(
            agreement=agreement,
            signed=figures.signed.get(series_id, []),
            actual=figures.monthly.get((series_id, month_start(today))),
            today=today,
        ),
        handoff_light(agreement=agreement, share=figures.handoff.get(series_id)),
        kpi_light(agreement=agreement, latest=figures.latest, today=today),
        deadline_light(agreement=agreement, today=today),
    )


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
