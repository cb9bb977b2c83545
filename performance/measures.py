"""The KPI measures: each computed from the data the app holds, one definition for every page.

The dashboard, the portfolio and the alerts read computed KPIs through ``kpi_values``
(performance.dashboard.kpis), which asks ``measure_values`` here. The definitions:

- leads, MQLs, SQLs, customers, revenue won, marketing-sourced revenue: the sum of the monthly
  actuals of the months in the period (the funnel's actual figures; the funnel starts at
  marketing's leads, so its revenue is the marketing-sourced revenue);
- each stage's conversion: the later stage's sum as a percentage of the earlier one's;
- hand-off compliance: leads met as a percentage of those decided (met + breached) among the
  leads that became MQLs in the period, as the dashboard's hand-off table counts them;
- median first response: the median business hours to first touch of the touched leads;
- contact attempts: of the leads whose attempt window has closed or that reached the agreed
  attempts of their lead type, the percentage that reached them;
- rejection rate: rejected leads as a percentage of the leads with an outcome;
- rejections without a valid reason: the count of leads so flagged.

Percentages are to one decimal (``figures.percent``); a period without data has no value.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from agreements.models import Kpi
from performance.dashboard.figures import CENT, percent
from performance.lead_cells import Cell, lead_groups, lead_responses
from performance.lead_stats import LeadStats, PendingLead, count_group, tallied_stats
from performance.models import MonthlyActual

Measure = Kpi.Measure

# Funnel measures: the monthly actuals' field each sums.
FUNNEL_FIELDS: dict[str, str] = {
    Measure.LEADS: "leads",
    Measure.MQLS: "mqls",
    Measure.SQLS: "sqls",
    Measure.CUSTOMERS: "customers",
    Measure.REVENUE: "revenue",
    Measure.MARKETING_REVENUE: "revenue",
}
# Conversion measures: (later stage, earlier stage) of the monthly actuals.
RATE_FIELDS: dict[str, tuple[str, str]] = {
    Measure.LEAD_TO_MQL_RATE: ("mqls", "leads"),
    Measure.MQL_TO_SQL_RATE: ("sqls", "mqls"),
    Measure.SQL_TO_CUSTOMER_RATE: ("customers", "sqls"),
}
LEAD_MEASURES = frozenset(
    {
        Measure.HANDOFF_COMPLIANCE,
        Measure.MEDIAN_FIRST_RESPONSE,
        Measure.CONTACT_ATTEMPTS,
        Measure.REJECTION_RATE,
        Measure.INVALID_REJECTIONS,
    }
)
# Measures whose value is a level (a rate, a median), not a running total: their value so
# far is already their pace, so a projection does not scale it.
LEVEL_MEASURES = frozenset({*RATE_FIELDS, *LEAD_MEASURES} - {Measure.INVALID_REJECTIONS})

TWO = Decimal(2)


def is_level(measure: str) -> bool:
    return measure in LEVEL_MEASURES


@dataclass(frozen=True)
class MeasureRequest:
    """One measure of one series over the days ``start`` to ``end`` (exclusive).

    ``zone`` places the days' boundaries for lead measures; ``service_levels`` holds each
    lead type's (minimum attempts, attempt window in days).
    """

    series_id: int
    measure: str
    start: dt.date
    end: dt.date
    zone: str = "UTC"
    service_levels: tuple[tuple[str, int, int], ...] = ()

    def instants(self) -> tuple[dt.datetime, dt.datetime]:
        zone = ZoneInfo(self.zone)
        return (
            dt.datetime.combine(self.start, dt.time(), tzinfo=zone),
            dt.datetime.combine(self.end, dt.time(), tzinfo=zone),
        )


def median(counts: Counter[Decimal]) -> Decimal | None:
    """The median of values given with their counts; of an even number, the middle two's mean."""
    total = sum(counts.values())
    if not total:
        return None
    ordered = sorted(counts.items())
    lower_rank, upper_rank = (total - 1) // 2, total // 2
    lower = upper = None
    seen = 0
    for value, count in ordered:
        if lower is None and seen + count > lower_rank:
            lower = value
        if seen + count > upper_rank:
            upper = value
            break
        seen += count
    assert lower is not None and upper is not None
    return ((lower + upper) / TWO).quantize(CENT, rounding=ROUND_HALF_UP)


def lead_value(measure: str, stats: LeadStats) -> Decimal | None:
    """A lead measure's value from the counts of its period; None without the leads it needs."""
    if not stats.leads:
        return None
    if measure == Measure.HANDOFF_COMPLIANCE:
        return percent(stats.met, stats.met + stats.breached)
    if measure == Measure.MEDIAN_FIRST_RESPONSE:
        return median(stats.responses)
    if measure == Measure.CONTACT_ATTEMPTS:
        return percent(stats.enough_attempts, stats.enough_attempts + stats.short_attempts)
    if measure == Measure.REJECTION_RATE:
        return percent(stats.rejected, stats.with_outcome)
    if measure == Measure.INVALID_REJECTIONS:
        return Decimal(stats.invalid)
    raise ValueError(f"{measure} is not a lead measure.")


def funnel_value(measure: str, months: Sequence[MonthlyActual]) -> Decimal | None:
    """A funnel measure's value from the monthly actuals of its period; None without any."""
    if not months:
        return None
    if measure in FUNNEL_FIELDS:
        name = FUNNEL_FIELDS[measure]
        return sum((Decimal(getattr(row, name)) for row in months), Decimal(0))
    later, earlier = RATE_FIELDS[measure]
    return percent(
        sum(getattr(row, later) for row in months), sum(getattr(row, earlier) for row in months)
    )


def measure_values(
    requests: Iterable[MeasureRequest],
    *,
    as_of: dt.datetime,
    from_leads: bool = False,
    months: Mapping[int, Sequence[MonthlyActual]] | None = None,
    pending: Sequence[PendingLead] | None = None,
) -> dict[MeasureRequest, Decimal | None]:
    """Every request's value, in at most four queries whatever the number of requests or
    leads: the monthly actuals, and for lead measures the lead days with their two corrections
    (``performance.lead_stats``). Requests in another zone than their series' lead days read
    the leads instead (two more; a few more past ``lead_cells.CELLS_PER_STATEMENT`` spans), as
    every lead measure does with ``from_leads``. A page that has read the monthly actuals of
    the requests' series over at least their periods (``monthly_actuals``, or every month of
    the series) gives them as ``months``, by series, saving their query; one that has read
    the leads pending at ``as_of`` of the series (``lead_stats.pending_leads``) gives them as
    ``pending``."""
    requests = list(dict.fromkeys(requests))
    values: dict[MeasureRequest, Decimal | None] = {}
    funnel = [r for r in requests if r.measure in FUNNEL_FIELDS or r.measure in RATE_FIELDS]
    if funnel:
        if months is None:
            months = monthly_actuals(funnel)
        for request in funnel:
            rows = [
                row
                for row in months.get(request.series_id, [])
                if request.start <= row.month < request.end
            ]
            values[request] = funnel_value(request.measure, rows)
    leads = [r for r in requests if r.measure in LEAD_MEASURES]
    if leads:
        stats = _lead_stats(leads, as_of=as_of, from_leads=from_leads, pending=pending)
        for request in leads:
            values[request] = lead_value(request.measure, stats[request])
    for request in requests:
        values.setdefault(request, None)
    return values


def monthly_actuals(
    requests: Sequence[MeasureRequest], *, also: Collection[dt.date] = ()
) -> dict[int, list[MonthlyActual]]:
    """The monthly actuals of the requests' series from the first month of their periods and
    of the months ``also`` names to the last, by series, in one query: what ``measure_values``
    reads for its funnel measures, for a page that needs some of the same months itself and
    gives them back as ``months``."""
    starts = [r.start.replace(day=1) for r in requests] + list(also)
    ends = [r.end for r in requests] + [month + dt.timedelta(days=1) for month in also]
    if not starts:
        return {}
    rows = MonthlyActual.objects.filter(
        series_id__in={r.series_id for r in requests},
        month__gte=min(starts),
        month__lt=max(ends),
    )
    months: dict[int, list[MonthlyActual]] = defaultdict(list)
    for row in rows:
        months[row.series_id].append(row)
    return months


# A span of one series' MQL instants: (series id, first instant, instant after the last).
Span = tuple[int, dt.datetime, dt.datetime]


def _cells(spans: Sequence[Span]) -> tuple[list[Cell], list[list[int]]]:
    """The spans between every series' span boundaries, and which of them make each span."""
    boundaries: dict[int, set[dt.datetime]] = defaultdict(set)
    for series_id, start, end in spans:
        boundaries[series_id].update((start, end))
    cells: list[Cell] = []
    of_series: dict[int, list[int]] = {}
    for series_id, instants in boundaries.items():
        ordered = sorted(instants)
        pieces = list(zip(ordered, ordered[1:], strict=False))
        of_series[series_id] = list(range(len(cells), len(cells) + len(pieces)))
        cells += [(series_id, start, end) for start, end in pieces]
    covering = [
        [
            index
            for index in of_series[series_id]
            if start <= cells[index][1] and cells[index][2] <= end
        ]
        for series_id, start, end in spans
    ]
    return cells, covering


def _lead_stats(
    requests: Sequence[MeasureRequest],
    *,
    as_of: dt.datetime,
    from_leads: bool,
    pending: Sequence[PendingLead] | None = None,
) -> dict[MeasureRequest, LeadStats]:
    """Each request's lead counts: from the lead days (three queries), and for requests in
    another zone than their series' days, or all with ``from_leads``, from grouped queries over
    the leads: one for the counts, and one for the response times when a median is asked for
    (more only past ``lead_cells.CELLS_PER_STATEMENT`` spans).

    Requests of one span share their counts; only a median's carries the response times.
    """
    spans = {request: _span(request) for request in requests}
    unique = list(dict.fromkeys(spans.values()))
    medians = {span for span in unique if span.measure == Measure.MEDIAN_FIRST_RESPONSE}
    result: dict[MeasureRequest, LeadStats] = {}
    left = unique
    if not from_leads:
        result, left = tallied_stats(unique, as_of=as_of, responses=medians, pending=pending)
    cells, covering = _cells([(r.series_id, *r.instants()) for r in left])
    stats = [LeadStats() for _cell in cells]
    if cells:
        levels = {r.series_id: r.service_levels for r in left}
        for group in lead_groups(cells, levels, as_of=as_of):
            count_group(stats[group.cell], group)
        if medians.intersection(left):
            for cell, hours, leads in lead_responses(cells):
                stats[cell].responses[hours] += leads
    for span, indices in zip(left, covering, strict=True):
        total = result[span] = LeadStats()
        for index in indices:
            total.add(stats[index])
    return {request: result[span] for request, span in spans.items()}


def _span(request: MeasureRequest) -> MeasureRequest:
    """The request as its span's counts need it: a median's keeps its measure (it needs the
    response times), any other lead measure's is the same as every other's."""
    if request.measure == Measure.MEDIAN_FIRST_RESPONSE:
        return request
    return replace(request, measure="")
