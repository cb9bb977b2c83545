"""The lead counts the KPI measures take, and those of settled months, read from the tally.

A month of a series is *settled* at ``as_of`` when its counts can no longer change with time:
every untouched lead of it is past its due instant (so breached, as ``lead_status`` has it), and
every attempt window of the series' service levels has closed on all its leads (so a lead short
of its type's attempts stays short). Its counts then follow from ``LeadTally`` (statuses,
outcomes) and ``LeadMonth`` (attempts by lead type, response times), both kept by the import,
without reading its leads. ``performance.measures`` reads the other months from the leads
(``performance.lead_cells``); both paths count with ``count_outcome`` and the same rules.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from agreements.periods import add_months
from performance.lead_cells import ENOUGH, SHORT, LeadGroup, Level
from performance.lead_status import ACCEPTED, BREACHED, MET, PENDING
from performance.models import LeadMonth, LeadTally

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
    if invalid or outcome not in ("", ACCEPTED):
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


@dataclass(frozen=True)
class SettledMonths:
    """A series' settled months (first days, in ``zone``) with their lead counts."""

    zone: str
    months: dict[dt.date, LeadStats]


def settled_months(
    series: Mapping[int, Sequence[Level]],
    *,
    first: dt.date,
    end: dt.date,
    as_of: dt.datetime,
    responses: bool = True,
) -> dict[int, SettledMonths]:
    """The settled months from ``first``'s to before ``end`` of each series (given with its
    service levels), in two queries whatever the number of series or months. ``responses``
    False leaves out the response times (only a median needs them).

    A series whose lead months are in more than one zone (its calendar moved between imports)
    has none here: its measures read the leads.
    """
    rows = LeadMonth.objects.filter(
        series_id__in=list(series), month__gte=first.replace(day=1), month__lt=end
    ).values_list("series_id", "month", "zone", "last_untouched_due", "attempts", "responses")
    zones: dict[int, set[str]] = {}
    settled: dict[int, dict[dt.date, LeadStats]] = {}
    for series_id, month, zone, last_due, attempts, times in rows:
        zones.setdefault(series_id, set()).add(zone)
        levels = series[series_id]
        if not _is_settled(month, ZoneInfo(zone), last_due, levels, as_of):
            continue
        stats = settled.setdefault(series_id, {})[month] = LeadStats()
        _count_attempts(stats, attempts, levels)
        if responses:
            stats.responses.update({Decimal(hours): leads for hours, leads in times.items()})
    _count_tally(settled, series, first=first, end=end)
    return {
        series_id: SettledMonths(next(iter(zones[series_id])), months)
        for series_id, months in settled.items()
        if len(zones[series_id]) == 1
    }


def _is_settled(
    month: dt.date,
    zone: ZoneInfo,
    last_due: dt.datetime | None,
    levels: Collection[Level],
    as_of: dt.datetime,
) -> bool:
    if last_due is not None and not last_due < as_of:
        return False  # an untouched lead is still pending
    month_end = dt.datetime.combine(add_months(month, 1), dt.time(), tzinfo=zone)
    # Every lead is before month_end: past every window's cutoff, none is still open.
    return all(month_end <= as_of - dt.timedelta(days=window) for _type, _min, window in levels)


def _count_attempts(
    stats: LeadStats, attempts: dict[str, dict[str, int]], levels: Sequence[Level]
) -> None:
    """Enough or short against each lead type's first level; a type without one is open."""
    minimum: dict[str, int] = {}
    for lead_type, least, _window in levels:
        minimum.setdefault(lead_type, least)
    for lead_type, counts in attempts.items():
        if lead_type not in minimum:
            continue
        for made, leads in counts.items():
            if int(made) >= minimum[lead_type]:
                stats.enough_attempts += leads
            else:
                stats.short_attempts += leads


def _count_tally(
    settled: dict[int, dict[dt.date, LeadStats]],
    series: Collection[int],
    *,
    first: dt.date,
    end: dt.date,
) -> None:
    """The settled months' statuses and outcomes from the tally: every untouched lead of a
    settled month is breached. Asked even when none is settled, so that a page's queries do not
    depend on the moment it is read at."""
    tallies = LeadTally.objects.filter(
        series_id__in=list(series), month__gte=first.replace(day=1), month__lt=end
    ).values_list(
        "series_id", "month", "outcome", "invalid_rejection", "touched_met",
        "touched_breached", "untouched",
    )  # fmt: skip
    for series_id, month, outcome, invalid, met, breached, untouched in tallies:
        stats = settled.get(series_id, {}).get(month)
        if stats is None:
            continue
        stats.met += met
        stats.breached += breached + untouched
        count_outcome(stats, outcome, invalid, met + breached + untouched)
