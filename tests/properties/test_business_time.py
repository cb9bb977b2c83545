"""Business time against a minute-by-minute reference, over random calendars in DST zones.

The reference is written apart from performance.business_hours: a minute is worked when its
reading on the zone's wall clock falls in a working interval of that local date. Calendars,
clock changes and times all fall on whole minutes, so counting minutes is exact.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_CEILING, Decimal
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agreements.working_hours import week_hours
from performance.business_hours import BusinessCalendar

MINUTE = dt.timedelta(minutes=1)
UTC = dt.UTC
# Zones with clock changes of one hour, half an hour (Lord Howe), at midnight (Santiago,
# Havana) and a skipped day (Apia, 30 December 2011); each with instants near its changes.
ZONES = {
    "Europe/Berlin": ["2027-03-28T01:00", "2027-10-31T01:00"],
    "America/New_York": ["2026-03-08T07:00", "2026-11-01T06:00"],
    "Australia/Lord_Howe": ["2026-04-04T15:00", "2026-10-03T15:30"],
    "America/Santiago": ["2026-04-05T03:00", "2026-09-06T04:00"],
    "America/Havana": ["2026-03-08T05:00", "2026-11-01T05:00"],
    "Pacific/Apia": ["2011-12-30T10:00", "2011-09-24T14:00"],
    "UTC": ["2026-06-01T00:00"],
}
DAY_PATTERNS = [
    [],
    [["09:00", "17:00"]],
    [["09:00", "12:00"], ["13:00", "17:00"]],
    [["00:00", "24:00"]],
    [["00:00", "06:00"], ["22:00", "24:00"]],
    [["01:00", "04:00"]],
    [["02:00", "02:30"], ["03:00", "23:30"]],
    [["23:00", "24:00"]],
]


@st.composite
def day_hours(draw: st.DrawFn) -> list[list[str]]:
    """A pattern, or sorted half-hour boundaries paired into intervals."""
    if draw(st.booleans()):
        return draw(st.sampled_from(DAY_PATTERNS))
    points = sorted(draw(st.sets(st.integers(0, 48), min_size=2, max_size=6)))
    points = points[: len(points) // 2 * 2]
    text = [f"{point // 2:02d}:{point % 2 * 30:02d}" if point < 48 else "24:00" for point in points]
    return [[text[index], text[index + 1]] for index in range(0, len(text), 2)]


@st.composite
def calendars(draw: st.DrawFn) -> tuple[BusinessCalendar, dt.datetime]:
    """A calendar with some working time, and an instant (UTC) near one of its zone's changes."""
    zone = draw(st.sampled_from(sorted(ZONES)))
    hours = {str(day): draw(day_hours()) for day in range(1, 8)}
    if not any(hours.values()):
        hours["3"] = [["00:00", "24:00"]]
    change = dt.datetime.fromisoformat(draw(st.sampled_from(ZONES[zone]))).replace(tzinfo=UTC)
    near = change + draw(st.integers(-36 * 60, 36 * 60)) * MINUTE
    holidays = draw(
        st.sets(st.integers(-3, 3).map(lambda days: (change + dt.timedelta(days=days)).date()))
    )
    calendar = BusinessCalendar(
        timezone=zone, hours=week_hours(hours), holidays=frozenset(holidays)
    )
    return calendar, near


def worked(calendar: BusinessCalendar, minute: dt.datetime) -> bool:
    """Whether the minute starting at ``minute`` (UTC) is inside working hours."""
    wall = minute.astimezone(ZoneInfo(calendar.timezone))
    if wall.date() in calendar.holidays:
        return False
    reading = wall.hour * 60 + wall.minute
    for start, end in calendar.hours[wall.weekday()]:
        if start // 60_000_000 <= reading < end // 60_000_000:
            return True
    return False


def reference_minutes(calendar: BusinessCalendar, start: dt.datetime, end: dt.datetime) -> int:
    count, minute = 0, start
    while minute < end:
        count += worked(calendar, minute)
        minute += MINUTE
    return count


def reference_due(calendar: BusinessCalendar, start: dt.datetime, minutes: int) -> dt.datetime:
    """The latest instant by which ``minutes`` worked minutes have passed since ``start``."""
    moment = start
    while minutes:
        minutes -= worked(calendar, moment)
        moment += MINUTE
    while not worked(calendar, moment):
        moment += MINUTE
    return moment


def naive(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


examples = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@examples
@given(
    calendars(),
    st.integers(1, 16).map(lambda quarters: Decimal(quarters) / 4),
    st.integers(0, 30 * 60),
)
def test_due_time_and_response_agree_with_the_reference(case, limit, touch_after):
    """due_at is after mql_at and matches the reference; within the limit iff touched by it."""
    calendar, mql_at = case
    touched_at = mql_at + touch_after * MINUTE

    due_at, response = calendar.hand_off(naive(mql_at), naive(touched_at), limit)

    limit_minutes = int(limit * 60)
    assert due_at > naive(mql_at)
    assert due_at == naive(reference_due(calendar, mql_at, limit_minutes))
    minutes = reference_minutes(calendar, mql_at, touched_at)
    expected = (Decimal(minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_CEILING)
    assert response == expected
    assert (response <= limit) == (naive(touched_at) <= due_at)


@examples
@given(calendars(), st.integers(0, 24 * 60), st.integers(0, 24 * 60))
def test_business_time_is_additive_and_matches_the_reference(case, first, second):
    """Business time from a to c is that from a to b plus b to c, each as the reference counts."""
    calendar, start = case
    middle = start + first * MINUTE
    end = middle + second * MINUTE

    whole = calendar.business_time(start, end)

    assert whole == calendar.business_time(start, middle) + calendar.business_time(middle, end)
    assert whole == reference_minutes(calendar, start, end) * MINUTE


@examples
@given(st.sampled_from(sorted(ZONES)), st.sampled_from(ZONES["Europe/Berlin"]), st.integers(0, 48))
def test_round_the_clock_is_elapsed_time(zone, change, hours):
    """Working every hour of every day, business time is elapsed time."""
    calendar = BusinessCalendar(
        timezone=zone, hours=week_hours({str(day): [["00:00", "24:00"]] for day in range(1, 8)})
    )
    start = dt.datetime.fromisoformat(change).replace(tzinfo=UTC)
    end = start + dt.timedelta(hours=hours, minutes=7)

    assert calendar.business_time(start, end) == end - start
