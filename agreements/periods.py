"""Months and cadence periods: the one home of calendar arithmetic on whole days."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable

from agreements.models.choices import Cadence

MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")
# Months and periods a user enters must fall between these years; figures stored outside them
# (by an older version) are skipped by every read, since near year 9999 the arithmetic overflows.
FIRST_YEAR = 1900
LAST_YEAR = 2100
FIRST_DAY = dt.date(FIRST_YEAR, 1, 1)
LAST_DAY = dt.date(LAST_YEAR, 12, 31)
# The dates a user enters on an agreement (its period, holidays, deadlines, next review).
EARLIEST_DATE = dt.date(2000, 1, 1)
LATEST_DATE = LAST_DAY
# How many months an agreement's plan may span.
MONTHS_MIN = 1
MONTHS_MAX = 120

# A span of days, first and last included.
Span = tuple[dt.date, dt.date]


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (or earlier), clamped to the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """First days of every month from ``first``'s to ``last``'s, inclusive."""
    months: list[dt.date] = []
    current = month_start(first)
    while current <= last:
        months.append(current)
        current = add_months(current, 1)
    return months


def months_from(first: dt.date, count: int) -> list[dt.date]:
    """First days of ``count`` months, starting with ``first``'s."""
    return [add_months(month_start(first), index) for index in range(count)]


def period_months(start: dt.date, end: dt.date) -> int:
    """How many months a period spans (a month's tail counts), within the model's bounds."""
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day >= start.day - 1:
        months += 1
    return max(MONTHS_MIN, min(MONTHS_MAX, months))


def period_start(cadence: str, day: dt.date) -> dt.date:
    """The first day of the cadence's period holding ``day``: a Monday, a month or a quarter."""
    if cadence == Cadence.WEEKLY:
        return day - dt.timedelta(days=day.weekday())
    if cadence == Cadence.QUARTERLY:
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return day.replace(day=1)


def period_end(period_start: dt.date, cadence: str) -> dt.date:
    """The first day after the period that starts on ``period_start``."""
    if cadence == Cadence.WEEKLY:
        return period_start + dt.timedelta(days=7)
    if cadence == Cadence.QUARTERLY:
        return add_months(period_start, 3)
    return add_months(period_start, 1)


def parse_month(text: str) -> dt.date | None:
    """``YYYY-MM`` as the first day of that month, or None."""
    match = MONTH_PATTERN.match((text or "").strip())
    if match is None:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or not FIRST_YEAR <= year <= LAST_YEAR:
        return None
    return dt.date(year, month, 1)


def within_calendar(day: dt.date) -> bool:
    """Whether the day lies in the years months and periods may take (FIRST_YEAR to LAST_YEAR)."""
    return FIRST_DAY <= day <= LAST_DAY


def spans_merged(spans: Iterable[Span]) -> list[Span]:
    """The union of spans as disjoint spans in order; spans that touch or overlap become one."""
    merged: list[Span] = []
    for first, last in sorted(spans):
        if merged and first <= merged[-1][1] + dt.timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def spans_overlap(spans: Iterable[Span], first: dt.date, last: dt.date) -> bool:
    """Whether any of the spans shares a day with ``first`` to ``last``."""
    return any(start <= last and first <= end for start, end in spans)
