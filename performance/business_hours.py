"""Business-hour arithmetic under an agreement's calendar: working hours, zone, holidays.

Business time is real elapsed time inside working hours. An instant is worked when its reading
on the calendar zone's wall clock falls in a working interval of that local date (a working
weekday that is no holiday). So a round-the-clock calendar counts elapsed time, an hour skipped
when clocks go forward is not worked, an hour repeated when they go back is worked twice, and a
day a zone skipped does not exist. Each local day's intervals become segments of UTC time; a
moment's position is the business time in all segments before it, so due times and response
times are measured the same way.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from agreements.working_hours import WeekHours, agreement_week

if TYPE_CHECKING:
    from agreements.models import Agreement

MICROSECONDS_PER_HOUR = 3_600_000_000
MICROSECONDS_PER_HUNDREDTH = MICROSECONDS_PER_HOUR // 100
ONE_MICROSECOND = dt.timedelta(microseconds=1)
UTC = dt.UTC
# Naive UTC times (for bulk work) and aware ones convert through these two anchors: a
# subtraction and an addition, cheaper than replace(tzinfo=...) on every value.
UTC_ANCHOR = dt.datetime(2000, 1, 1, tzinfo=UTC)
NAIVE_ANCHOR = dt.datetime(2000, 1, 1)
# Offsets are sampled this often to find a zone's transitions (none lie closer together).
SAMPLE_SECONDS = 6 * 3600
FIRST_YEAR, LAST_YEAR = 2, 9998

ERROR_NO_WORKDAYS = "The business calendar has no working hours."
ERROR_NO_WORKING_TIME = "The business calendar has no working time left before the year 9999."


def _microseconds(moment: dt.datetime) -> int:
    """A naive UTC datetime as microseconds since the anchor."""
    return (moment - NAIVE_ANCHOR) // ONE_MICROSECOND


def _naive_utc(microseconds: int) -> dt.datetime:
    return NAIVE_ANCHOR + dt.timedelta(microseconds=microseconds)


@lru_cache(maxsize=512)
def _offset_pieces(zone_name: str, year: int) -> tuple[tuple[int, int, int], ...]:
    """The zone's UTC offset over a UTC year as (from, to, offset) in microseconds."""
    zone = ZoneInfo(zone_name)
    first = int((dt.datetime(year, 1, 1, tzinfo=UTC) - UTC_ANCHOR).total_seconds())
    last = int((dt.datetime(year + 1, 1, 1, tzinfo=UTC) - UTC_ANCHOR).total_seconds())

    def offset(second: int) -> int:
        moment = UTC_ANCHOR + dt.timedelta(seconds=second)
        return moment.astimezone(zone).utcoffset() // ONE_MICROSECOND  # type: ignore[operator]

    pieces: list[tuple[int, int, int]] = []
    piece_start, current = first, offset(first)
    previous = first
    for sample in [*range(first + SAMPLE_SECONDS, last, SAMPLE_SECONDS), last - 1]:
        if offset(sample) != current:
            # Bisect to the first second of the new offset (transitions fall on whole seconds).
            low, high = previous, sample
            while high - low > 1:
                middle = (low + high) // 2
                if offset(middle) == current:
                    low = middle
                else:
                    high = middle
            pieces.append((piece_start * 1_000_000, high * 1_000_000, current))
            piece_start, current = high, offset(high)
        previous = sample
    pieces.append((piece_start * 1_000_000, last * 1_000_000, current))
    return tuple(pieces)


@dataclass(frozen=True)
class BusinessCalendar:
    """Working intervals per weekday (Monday first) on the wall clock of ``timezone``.

    A moment outside working hours counts as the next working moment.
    """

    timezone: str
    hours: WeekHours
    holidays: frozenset[dt.date] = frozenset()
    _cache: dict[str, Any] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        if len(self.hours) != 7 or not any(self.hours):
            raise ValueError(ERROR_NO_WORKDAYS)
        ZoneInfo(self.timezone)
        self._cache.update(
            # Sorted, disjoint working segments in UTC microseconds, and the business time
            # before each, for the local years first_year..last_year.
            starts=[],
            ends=[],
            before=[],
            first_year=None,
            last_year=None,
            hours={},
            hundredths={},
            day_offset={},
        )

    @classmethod
    def uniform(
        cls,
        *,
        timezone: str,
        workdays: frozenset[int] | set[int] | list[int],
        day_start: dt.time,
        day_end: dt.time,
        holidays: frozenset[dt.date] = frozenset(),
    ) -> BusinessCalendar:
        """The same single interval on each working day."""
        start, end = _time_microseconds(day_start), _time_microseconds(day_end)
        if end <= start:
            raise ValueError("The working day must end after it starts.")
        days = {int(day) for day in workdays}
        return cls(
            timezone=timezone,
            hours=tuple(((start, end),) if day in days else () for day in range(1, 8)),
            holidays=holidays,
        )

    @property
    def workdays(self) -> frozenset[int]:
        return frozenset(day for day, hours in zip(range(1, 8), self.hours, strict=True) if hours)

    # Building the segments -------------------------------------------------------------------

    def _cover(self, year: int) -> None:
        """Make sure the segments cover the local years around ``year``."""
        cache = self._cache
        first, last = max(year - 1, FIRST_YEAR), min(year + 1, LAST_YEAR)
        if (
            cache["first_year"] is not None
            and cache["first_year"] <= first
            and last <= cache["last_year"]
        ):
            return
        if cache["first_year"] is not None:
            # Grow by at least the span already covered, so that leads spread over many years
            # rebuild the segments a few times, not once a year.
            span = cache["last_year"] - cache["first_year"] + 1
            if first < cache["first_year"]:
                first = max(min(first, cache["first_year"] - span), FIRST_YEAR)
            if last > cache["last_year"]:
                last = min(max(last, cache["last_year"] + span), LAST_YEAR)
            first, last = min(first, cache["first_year"]), max(last, cache["last_year"])
        self._build(first, last)

    def _build(self, first_year: int, last_year: int) -> None:
        segments: list[tuple[int, int]] = []
        for year in range(first_year, last_year + 1):
            segments.extend(self._year_segments(year))
        segments.sort()
        starts: list[int] = []
        ends: list[int] = []
        before: list[int] = []
        total = 0
        for start, end in segments:
            if ends and start <= ends[-1]:
                total += max(end, ends[-1]) - ends[-1]
                ends[-1] = max(end, ends[-1])
                continue
            starts.append(start)
            ends.append(end)
            before.append(total)
            total += end - start
        self._cache.update(
            starts=starts, ends=ends, before=before, first_year=first_year, last_year=last_year
        )

    def _year_segments(self, year: int) -> list[tuple[int, int]]:
        """The UTC segments whose wall-clock readings fall in working hours of the local year."""
        pieces = [
            piece
            for utc_year in (year - 1, year, year + 1)
            if FIRST_YEAR - 1 <= utc_year <= LAST_YEAR
            for piece in _offset_pieces(self.timezone, utc_year)
        ]
        segments: list[tuple[int, int]] = []
        day = dt.date(year, 1, 1)
        one_day = dt.timedelta(days=1)
        midnight = (dt.datetime(year, 1, 1) - NAIVE_ANCHOR) // ONE_MICROSECOND
        day_length = 86_400_000_000
        index = 0
        while day.year == year:
            intervals = self.hours[day.weekday()]
            if intervals and day not in self.holidays:
                # Pieces that can hold a reading of this date (offsets stay within a day).
                low, high = midnight - day_length * 2, midnight + day_length * 2
                while index < len(pieces) and pieces[index][1] <= low:
                    index += 1
                for piece_from, piece_to, offset in pieces[index:]:
                    if piece_from >= high:
                        break
                    for start, end in intervals:
                        segment_from = max(piece_from, midnight + start - offset)
                        segment_to = min(piece_to, midnight + end - offset)
                        if segment_from < segment_to:
                            segments.append((segment_from, segment_to))
            day += one_day
            midnight += day_length
        return segments

    # Positions --------------------------------------------------------------------------------

    def _position(self, moment: int) -> int:
        """Business microseconds before ``moment`` since the start of the covered years."""
        cache = self._cache
        index = bisect.bisect_right(cache["starts"], moment) - 1
        if index < 0:
            return 0
        start = cache["starts"][index]
        return cache["before"][index] + min(moment, cache["ends"][index]) - start

    def _moment(self, position: int) -> int:
        """The latest instant at ``position``: time running out at day end is due next morning."""
        while True:
            cache = self._cache
            before = cache["before"]
            index = bisect.bisect_right(before, position) - 1
            if index >= 0:
                start = cache["starts"][index]
                if position - before[index] < cache["ends"][index] - start:
                    return start + position - before[index]
            if cache["last_year"] >= LAST_YEAR:
                raise OverflowError(ERROR_NO_WORKING_TIME)
            # Forward only: the business time before existing segments stays as it is.
            span = cache["last_year"] - cache["first_year"] + 1
            self._build(cache["first_year"], min(cache["last_year"] + span, LAST_YEAR))

    def _hours_as_microseconds(self, hours: Decimal) -> int:
        cache = self._cache["hours"]
        value = cache.get(hours)
        if value is None:
            value = int(Decimal(hours) * MICROSECONDS_PER_HOUR)
            cache[hours] = value
        return value

    def _hours(self, elapsed: int) -> Decimal:
        if elapsed <= 0:
            return Decimal("0.00")
        hundredths = -(-elapsed // MICROSECONDS_PER_HUNDREDTH)
        cache = self._cache["hundredths"]
        hours = cache.get(hundredths)
        if hours is None:
            hours = Decimal(hundredths).scaleb(-2)
            cache[hundredths] = hours
        return hours

    # The interface ------------------------------------------------------------------------------

    def hand_off(
        self, mql_at: dt.datetime, touched_at: dt.datetime | None, limit: Decimal
    ) -> tuple[dt.datetime, Decimal | None]:
        """A lead's due time and, once touched, its response in business hours.

        Both times are naive UTC datetimes, and so is the due time. The response, rounded up to
        the hundredth, is within ``limit`` exactly when the touch came by the due time.
        """
        self._cover(mql_at.year)
        if touched_at is not None:
            self._cover(touched_at.year)
        start = self._position(_microseconds(mql_at))
        due_at = _naive_utc(self._moment(start + self._hours_as_microseconds(limit)))
        if touched_at is None:
            return due_at, None
        return due_at, self._hours(self._position(_microseconds(touched_at)) - start)

    def add_business_hours(self, start: dt.datetime, hours: Decimal) -> dt.datetime:
        """The instant (UTC) when ``hours`` business hours after ``start`` have passed."""
        naive = start.astimezone(UTC).replace(tzinfo=None)
        due_at, _response = self.hand_off(naive, None, hours)
        return due_at.replace(tzinfo=UTC)

    def business_hours_between(self, start: dt.datetime, end: dt.datetime) -> Decimal:
        """Business hours from ``start`` to ``end``, rounded up to the hundredth; 0 if reversed.

        Rounding up keeps ``response <= limit`` true exactly when the touch came by the due time.
        """
        naive_start = start.astimezone(UTC).replace(tzinfo=None)
        naive_end = end.astimezone(UTC).replace(tzinfo=None)
        _due, response = self.hand_off(naive_start, naive_end, Decimal(0))
        return response or Decimal("0.00")

    def business_time(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """The exact business time from ``start`` to ``end`` (aware datetimes); 0 if reversed."""
        naive_start = start.astimezone(UTC).replace(tzinfo=None)
        naive_end = end.astimezone(UTC).replace(tzinfo=None)
        self._cover(naive_start.year)
        self._cover(naive_end.year)
        elapsed = self._position(_microseconds(naive_end)) - self._position(
            _microseconds(naive_start)
        )
        return dt.timedelta(microseconds=max(elapsed, 0))

    def wall_to_utc(self, wall: dt.datetime) -> dt.datetime:
        """A naive wall-clock time of the calendar's zone as a naive UTC datetime.

        The zone's offset is looked up once per date; on the dates the offset changes each time
        is converted on its own. A repeated time takes its first occurrence; a skipped time is
        read with the offset before the change (02:30 on the night Berlin skips 02:00–03:00 is
        03:30 summer time), so it is always a moment that exists.
        """
        day = wall.date()
        cache = self._cache["day_offset"]
        offset = cache.get(day)
        if offset is None:
            zone = ZoneInfo(self.timezone)
            first = dt.datetime.combine(day, dt.time.min, zone).utcoffset()
            last = dt.datetime.combine(day, dt.time.max, zone).utcoffset()
            offset = first if first == last else False
            cache[day] = offset
        if offset is False:
            aware = dt.datetime.combine(day, wall.time(), ZoneInfo(self.timezone))
            return NAIVE_ANCHOR + (aware - UTC_ANCHOR)
        return wall - offset


def _time_microseconds(value: dt.time) -> int:
    return ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000 + value.microsecond


def calendar_for(agreement: Agreement) -> BusinessCalendar:
    """The agreement's calendar; uses prefetched holidays when they are loaded."""
    return BusinessCalendar(
        timezone=agreement.timezone,
        hours=agreement_week(agreement),
        holidays=frozenset(holiday.date for holiday in agreement.holidays.all()),
    )
