"""The lead counts the KPI measures take, read from the lead days the import keeps.

``LeadDay`` holds, per series and MQL day in its calendar's zone, every count that is final
once a lead is imported: touched on time or late, untouched, the outcomes, the leads by
attempts per lead type, the response times. Two things still move with the moment ``as_of``
the measures are read at, and are corrected from a few lead rows:

- an untouched lead is pending until its due instant, breached after (``lead_status``): the
  untouched leads not yet due are read off their partial index and moved back to pending;
- a lead short of its type's attempts is short once its attempt window closed (its MQL instant
  before ``as_of`` less the window's days), open until then: days before the cutoff's day count
  as closed, days after it as open, and the leads of the cutoff's day itself are read.

So a request of whole days in the tally's zone costs three queries whatever the number of
leads. A request in another zone reads its leads (``performance.lead_cells``), which count
with ``count_group`` and the same rules.
"""

from __future__ import annotations

import datetime as dt
import json
from bisect import bisect_left
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Protocol
from zoneinfo import ZoneInfo

from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from performance.lead_cells import ENOUGH, SHORT, LeadGroup, Level
from performance.lead_status import BREACHED, MET, PENDING, is_rejection, pending_at
from performance.models import LeadDay, LeadRecord

_COUNTS = (
    "met",
    "breached",
    "pending",
    "rejected",
    "with_outcome",
    "invalid",
    "enough_attempts",
    "short_attempts",
)


@dataclass
class LeadStats:
    """The lead counts of one span of MQL instants."""

    met: int = 0
    breached: int = 0
    pending: int = 0
    rejected: int = 0
    with_outcome: int = 0
    invalid: int = 0
    enough_attempts: int = 0
    short_attempts: int = 0
    responses: Counter[Decimal] = field(default_factory=Counter)

    def add(self, other: LeadStats) -> None:
        for name in _COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.responses.update(other.responses)

    @property
    def leads(self) -> int:
        return self.met + self.breached + self.pending


def count_outcome(stats: LeadStats, outcome: str, invalid: bool, leads: int) -> None:
    """Count leads by outcome as the dashboard's rejections do: any lead flagged invalid is a
    rejection, and has an outcome."""
    if is_rejection(outcome, invalid):
        stats.rejected += leads
    if invalid or outcome != "":
        stats.with_outcome += leads
    if invalid:
        stats.invalid += leads


def count_group(stats: LeadStats, group: LeadGroup) -> None:
    """Count a group of leads read from the lead rows (``lead_cells.lead_groups``)."""
    leads = group.leads
    if group.handoff_status == MET:
        stats.met += leads
    elif group.handoff_status == BREACHED:
        stats.breached += leads
    elif group.handoff_status == PENDING:
        stats.pending += leads
    count_outcome(stats, group.outcome, group.invalid_rejection, leads)
    if group.attempts_state == ENOUGH:
        stats.enough_attempts += leads
    elif group.attempts_state == SHORT:
        stats.short_attempts += leads


class DayRequest(Protocol):
    """A measure's span: whole days, ``start`` to ``end`` (exclusive), in ``zone``."""

    @property
    def series_id(self) -> int: ...
    @property
    def start(self) -> dt.date: ...
    @property
    def end(self) -> dt.date: ...
    @property
    def zone(self) -> str: ...
    @property
    def service_levels(self) -> tuple[Level, ...]: ...


@dataclass
class _Day:
    """One lead day as read: its counts (untouched as breached: met, breached, rejected, with an
    outcome, invalid), and its attempts and response times as stored text, decoded only when a
    request needs them: a day's histogram can hold hundreds of response times, and only a
    median's days are summed from it."""

    counts: tuple[int, int, int, int, int]
    attempts_text: str
    responses_text: str

    @cached_property
    def attempts(self) -> dict[str, dict[str, int]]:
        found: dict[str, dict[str, int]] = json.loads(self.attempts_text)
        return found

    @cached_property
    def times(self) -> Counter[Decimal]:
        """The response times as numbers, converted once however many requests sum the day."""
        found: dict[str, int] = json.loads(self.responses_text)
        return Counter({Decimal(hours): leads for hours, leads in found.items()})


def tallied_stats[R: DayRequest](
    requests: Sequence[R],
    *,
    as_of: dt.datetime,
    responses: Collection[R] = (),
    pending: Sequence[PendingLead] | None = None,
) -> tuple[dict[R, LeadStats], list[R]]:
    """The counts of the requests the lead days can answer, and the requests they cannot: those
    in another zone than their series' days. Three queries whatever the number of requests,
    series or leads; only the requests in ``responses`` get the response times (a median's).
    A page that has read the leads pending at ``as_of`` of at least the requests' series
    (``pending_leads``) gives them as ``pending``, saving their query.
    """
    if not requests:
        return {}, []
    fields = ["series_id", "day", "zone", "touched_met", "touched_breached", "untouched",
              "rejected", "with_outcome", "invalid_rejections"]  # fmt: skip
    # As text: decoded per day by the requests that sum it (``_Day``).
    texts = [Cast("attempts", TextField())]
    if responses:  # the histograms are the rows' largest part: read only for a median
        texts.append(Cast("responses", TextField()))
    # Widened by two days: an instant's day in two zones differs by at most that.
    rows = (
        LeadDay.objects.filter(
            series_id__in={r.series_id for r in requests},
            day__gte=min(r.start for r in requests) - dt.timedelta(days=2),
            day__lt=max(r.end for r in requests) + dt.timedelta(days=2),
        )
        .order_by("series_id", "day")
        .values_list(*fields, *texts)
    )
    days: dict[int, _SeriesDays] = {}
    zones: dict[int, set[str]] = {}
    for series, day, zone, met, late, untouched, rejected, decided, invalid, made, *times in rows:
        zones.setdefault(series, set()).add(zone)
        counts = (met, late + untouched, rejected, decided, invalid)
        found = days.setdefault(series, _SeriesDays())
        found.add(day, _Day(counts, made, times[0] if times else "{}"))
    tallied: list[R] = []
    left: list[R] = []
    for request in requests:
        found_zones = zones.get(request.series_id, {request.zone})
        (tallied if found_zones == {request.zone} else left).append(request)
    cutoffs = _Cutoffs(as_of)
    result = {
        r: _request_stats(
            r, days.get(r.series_id, _SeriesDays()), cutoffs.of(r), responses=r in responses
        )
        for r in tallied
    }
    if tallied:
        _count_pending(result, as_of=as_of, pending=pending)
        _count_cutoff_days(result, cutoffs)
    return result, left


@dataclass
class _SeriesDays:
    """A series' lead days in the order of their dates (the query's), to find a span's by
    bisection."""

    dates: list[dt.date] = field(default_factory=list)
    days: list[_Day] = field(default_factory=list)

    def add(self, day: dt.date, counted: _Day) -> None:
        self.dates.append(day)
        self.days.append(counted)

    def between(self, start: dt.date, end: dt.date) -> list[tuple[dt.date, _Day]]:
        first, last = bisect_left(self.dates, start), bisect_left(self.dates, end)
        return list(zip(self.dates[first:last], self.days[first:last], strict=True))


# A lead type's minimum attempts, its window's cutoff, and the cutoff's day in the zone.
Cutoff = tuple[int, dt.datetime, dt.date]


def _request_stats(
    request: DayRequest, days: _SeriesDays, cutoffs: dict[str, Cutoff], *, responses: bool
) -> LeadStats:
    """The request's days summed; a lead short of its attempts counted short on days before
    its window's cutoff day (the cutoff day itself is read from the leads)."""
    met = breached = rejected = decided = invalid = enough = short = 0
    times: Counter[Decimal] = Counter()
    for day, counted in days.between(request.start, request.end):
        day_met, day_breached, day_rejected, day_decided, day_invalid = counted.counts
        met += day_met
        breached += day_breached
        rejected += day_rejected
        decided += day_decided
        invalid += day_invalid
        if responses:
            times.update(counted.times)
        if not cutoffs:
            continue  # no service levels: every lead's attempts are open
        for lead_type, by_attempts in counted.attempts.items():
            if lead_type not in cutoffs:
                continue  # no level: open
            minimum, _cutoff, cutoff_day = cutoffs[lead_type]
            for made, leads in by_attempts.items():
                if int(made) >= minimum:
                    enough += leads
                elif day < cutoff_day:
                    short += leads
    return LeadStats(met=met, breached=breached, rejected=rejected, with_outcome=decided,
                     invalid=invalid, enough_attempts=enough, short_attempts=short,
                     responses=times)  # fmt: skip


class _Cutoffs:
    """Each request's cutoffs at ``as_of``, worked out once per zone and service levels."""

    def __init__(self, as_of: dt.datetime) -> None:
        self.as_of = as_of
        self._found: dict[tuple[str, tuple[Level, ...]], dict[str, Cutoff]] = {}

    def of(self, request: DayRequest) -> dict[str, Cutoff]:
        key = (request.zone, request.service_levels)
        if key not in self._found:
            self._found[key] = _cutoffs(request, self.as_of)
        return self._found[key]


def _cutoffs(request: DayRequest, as_of: dt.datetime) -> dict[str, Cutoff]:
    """Each lead type's minimum attempts, its window's cutoff and the cutoff's day in the
    request's zone; a lead type's first level counts."""
    zone = ZoneInfo(request.zone)
    cutoffs: dict[str, Cutoff] = {}
    for lead_type, minimum, window in request.service_levels:
        cutoff = as_of - dt.timedelta(days=window)
        cutoffs.setdefault(lead_type, (minimum, cutoff, timezone.localtime(cutoff, zone).date()))
    return cutoffs


def _by_series[R: DayRequest](requests: Iterable[R]) -> dict[int, list[R]]:
    found: dict[int, list[R]] = {}
    for request in requests:
        found.setdefault(request.series_id, []).append(request)
    return found


# A lead still pending: (series id, lead type, MQL instant).
PendingLead = tuple[int, str, dt.datetime]


def pending_leads(series_ids: Collection[int], *, as_of: dt.datetime) -> list[PendingLead]:
    """The untouched leads of the series not yet due at ``as_of``: only those are read, off the
    partial index of untouched leads by due instant. The dashboard reads them once for its
    KPIs (``tallied_stats``) and its hand-off tables (``lead_figures``)."""
    return list(
        LeadRecord.objects.filter(pending_at(as_of), series_id__in=list(series_ids))
        .order_by()
        .values_list("series_id", "lead_type", "mql_at")
    )


def _count_pending[R: DayRequest](
    result: dict[R, LeadStats], *, as_of: dt.datetime, pending: Sequence[PendingLead] | None
) -> None:
    """Move the untouched leads not yet due at ``as_of`` from breached to pending."""
    of_series = _by_series(result)
    if pending is None:
        pending = pending_leads(of_series, as_of=as_of)
    for series_id, _lead_type, mql_at in pending:
        for request in of_series.get(series_id, ()):
            day = timezone.localtime(mql_at, ZoneInfo(request.zone)).date()
            if request.start <= day < request.end:
                result[request].breached -= 1
                result[request].pending += 1


def _count_cutoff_days[R: DayRequest](result: dict[R, LeadStats], cutoffs: _Cutoffs) -> None:
    """Count the leads short of their attempts on their window's cutoff day, before the cutoff.

    One query, for each lead type's window (its minimum, its cutoff day's start and its
    cutoff) over the series that have it: only the leads short of their attempts within it
    are read, a fraction of a day's leads, whatever the periods' length.
    """
    # (series, lead type) -> (request, minimum attempts, cutoff day's start, cutoff)
    wanted: dict[tuple[int, str], list[tuple[R, int, dt.datetime, dt.datetime]]] = {}
    # (lead type, minimum, cutoff day's start, cutoff) -> the series with that window
    windows: dict[tuple[str, int, dt.datetime, dt.datetime], set[int]] = {}
    for request in result:
        zone = ZoneInfo(request.zone)
        for lead_type, (minimum, cutoff, day) in cutoffs.of(request).items():
            if request.start <= day < request.end:
                start = dt.datetime.combine(day, dt.time(), tzinfo=zone)
                wanted.setdefault((request.series_id, lead_type), []).append(
                    (request, minimum, start, cutoff)
                )
                windows.setdefault((lead_type, minimum, start, cutoff), set()).add(
                    request.series_id
                )
    if not wanted:
        return
    short = Q()
    for (lead_type, minimum, start, cutoff), series_ids in windows.items():
        short |= Q(series_id__in=series_ids, lead_type=lead_type, attempts__lt=minimum,
                   mql_at__gte=start, mql_at__lt=cutoff)  # fmt: skip
    leads = (
        LeadRecord.objects.filter(short)
        .order_by()
        .values_list("series_id", "lead_type", "attempts", "mql_at")
    )
    # The same test as the query's, per request: a series' requests may differ in windows.
    for series_id, lead_type, attempts, mql_at in leads:
        for request, minimum, start, cutoff in wanted[series_id, lead_type]:
            if attempts < minimum and start <= mql_at < cutoff:
                result[request].short_attempts += 1
