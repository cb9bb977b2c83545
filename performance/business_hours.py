"""Business-hour arithmetic under an agreement's calendar: working days, hours, zone, holidays."""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from agreements.models.agreement import ERROR_DAY_END

if TYPE_CHECKING:
    from agreements.models import Agreement

# Business time is counted as a running total of business microseconds since this Monday.
EPOCH = dt.date(1900, 1, 1)
MICROSECONDS_PER_HOUR = 3_600_000_000
MICROSECONDS_PER_HUNDREDTH = MICROSECONDS_PER_HOUR // 100
UTC = dt.UTC
# Naive UTC times (for bulk work) and aware ones convert through these two anchors: a
# subtraction and an addition, cheaper than replace(tzinfo=...) on every value.
UTC_ANCHOR = dt.datetime(2000, 1, 1, tzinfo=UTC)
NAIVE_ANCHOR = dt.datetime(2000, 1, 1)

ERROR_NO_WORKDAYS = "The business calendar has no working days."


def _microseconds(value: dt.time) -> int:
    return ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000 + value.microsecond


@dataclass(frozen=True)
class BusinessCalendar:
    """Working hours ``[day_start, day_end)`` in wall-clock time on workdays that are no holiday.

    Times are read on the wall clock of ``timezone``, so a 09:00–17:00 day holds eight business
    hours on the days daylight saving starts or ends too. A moment outside working hours counts
    as the next working moment.
    """

    timezone: str
    workdays: frozenset[int]
    day_start: dt.time
    day_end: dt.time
    holidays: frozenset[dt.date] = frozenset()
    _cache: dict[str, Any] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        if _microseconds(self.day_end) <= _microseconds(self.day_start):
            raise ValueError(str(ERROR_DAY_END))
        if not self.workdays:
            raise ValueError(ERROR_NO_WORKDAYS)
        week = [iso in self.workdays for iso in range(1, 8)]
        # prefix[i]: workdays among the first i days of a week that starts on Monday.
        prefix = [0]
        for is_workday in week:
            prefix.append(prefix[-1] + int(is_workday))
        # Weekday offsets (0 = Monday) of the workdays, in order.
        offsets = [offset for offset, is_workday in enumerate(week) if is_workday]
        # Holidays that fall on workdays, as workday indices, sorted: only those remove time.
        workday_holidays = sorted(
            self._workday_index(day, prefix)
            for day in self.holidays
            if day.isoweekday() in self.workdays and day >= EPOCH
        )
        self._cache.update(
            zone=ZoneInfo(self.timezone),
            start=_microseconds(self.day_start),
            length=_microseconds(self.day_end) - _microseconds(self.day_start),
            prefix=prefix,
            offsets=offsets,
            per_week=len(offsets),
            holiday_indices=workday_holidays,
            day_index={},
            index_day={},
            day_opening={},
            day_offset={},
            hours={},
            hundredths={},
        )

    @staticmethod
    def _workday_index(day: dt.date, prefix: list[int]) -> int:
        """Workdays (holidays included) from the epoch up to, not including, ``day``."""
        weeks, extra = divmod((day - EPOCH).days, 7)
        return weeks * prefix[7] + prefix[extra]

    def _day_info(self, day: dt.date) -> tuple[int, bool]:
        """Business days before ``day`` and whether ``day`` itself is one."""
        cache = self._cache["day_index"]
        info = cache.get(day)
        if info is None:
            workday_index = self._workday_index(day, self._cache["prefix"])
            holidays = self._cache["holiday_indices"]
            holidays_before = bisect.bisect_left(holidays, workday_index)
            is_business_day = day.isoweekday() in self.workdays and not (
                holidays_before < len(holidays) and holidays[holidays_before] == workday_index
            )
            info = (workday_index - holidays_before, is_business_day)
            cache[day] = info
        return info

    def _nth_business_day(self, index: int) -> dt.date:
        """The business day with ``index`` business days before it."""
        cache = self._cache["index_day"]
        day = cache.get(index)
        if day is None:
            holidays = self._cache["holiday_indices"]
            # The smallest workday index k with k - (holidays up to and including k) == index:
            # iterating from below reaches the least fixed point, which is never a holiday.
            workday_index = index
            while True:
                candidate = index + bisect.bisect_right(holidays, workday_index)
                if candidate == workday_index:
                    break
                workday_index = candidate
            weeks, position = divmod(workday_index, self._cache["per_week"])
            day = EPOCH + dt.timedelta(days=weeks * 7 + self._cache["offsets"][position])
            cache[index] = day
        return day

    def _position(self, moment: dt.datetime) -> int:
        """Business microseconds from the epoch up to ``moment`` (an aware datetime)."""
        return self._wall_position(moment.astimezone(self._cache["zone"]))

    def _wall_position(self, local: dt.datetime) -> int:
        """The same for a wall-clock time of the calendar's zone (its tzinfo is not read)."""
        days_before, is_business_day = self._day_info(local.date())
        length = self._cache["length"]
        elapsed = days_before * length
        if is_business_day:
            into_day = (
                (local.hour * 60 + local.minute) * 60 + local.second
            ) * 1_000_000 + local.microsecond
            into_day -= self._cache["start"]
            if into_day > 0:
                elapsed += into_day if into_day < length else length
        return elapsed

    def _moment(self, position: int) -> dt.datetime:
        """The latest instant at ``position``: time running out at day end is due next morning."""
        return UTC_ANCHOR + (self._utc_moment(position) - NAIVE_ANCHOR)

    def _utc_moment(self, position: int) -> dt.datetime:
        """``_moment`` as a naive UTC datetime."""
        index, into_day = divmod(position, self._cache["length"])
        cache = self._cache["day_opening"]
        opening = cache.get(index)
        if opening is None:
            day = self._nth_business_day(index)
            zone = self._cache["zone"]
            start = dt.datetime.combine(day, self.day_start, tzinfo=zone)
            end = dt.datetime.combine(day, self.day_end, tzinfo=zone)
            # Without an offset change inside working hours, wall-clock and elapsed time agree.
            steady = start.utcoffset() == end.utcoffset()
            opening = (day, NAIVE_ANCHOR + (start - UTC_ANCHOR) if steady else None)
            cache[index] = opening
        day, utc_opening = opening
        if utc_opening is not None:
            return utc_opening + dt.timedelta(0, 0, into_day)
        wall = dt.datetime.combine(day, self.day_start) + dt.timedelta(0, 0, into_day)
        aware = dt.datetime.combine(wall.date(), wall.time(), self._cache["zone"])
        return NAIVE_ANCHOR + (aware - UTC_ANCHOR)

    def _hours_as_microseconds(self, hours: Decimal) -> int:
        cache = self._cache["hours"]
        value = cache.get(hours)
        if value is None:
            value = int(Decimal(hours) * MICROSECONDS_PER_HOUR)
            cache[hours] = value
        return value

    def add_business_hours(self, start: dt.datetime, hours: Decimal) -> dt.datetime:
        """The instant (UTC) when ``hours`` business hours after ``start`` have passed."""
        return self._moment(self._position(start) + self._hours_as_microseconds(hours))

    def business_hours_between(self, start: dt.datetime, end: dt.datetime) -> Decimal:
        """Business hours from ``start`` to ``end``, rounded up to the hundredth; 0 if reversed.

        Rounding up keeps ``response <= limit`` true exactly when the touch came by the due time.
        """
        return self._hours(self._position(end) - self._position(start))

    def wall_hand_off(
        self, mql_wall: dt.datetime, touch_wall: dt.datetime | None, limit: Decimal
    ) -> tuple[dt.datetime, Decimal | None]:
        """A lead's due time (naive UTC) and, once touched, its response in business hours.

        Both times are naive wall-clock times of the calendar's zone; one pass gives both.
        """
        start = self._wall_position(mql_wall)
        due_at = self._utc_moment(start + self._hours_as_microseconds(limit))
        if touch_wall is None:
            return due_at, None
        return due_at, self._hours(self._wall_position(touch_wall) - start)

    def wall_to_utc(self, wall: dt.datetime) -> dt.datetime:
        """A naive wall-clock time of the calendar's zone as a naive UTC datetime.

        The zone's offset is looked up once per date; on the dates the offset changes each time
        is converted on its own (an ambiguous time takes its first occurrence).
        """
        day = wall.date()
        cache = self._cache["day_offset"]
        offset = cache.get(day)
        if offset is None:
            zone = self._cache["zone"]
            first = dt.datetime.combine(day, dt.time.min, zone).utcoffset()
            last = dt.datetime.combine(day, dt.time.max, zone).utcoffset()
            offset = first if first == last else False
            cache[day] = offset
        if offset is False:
            aware = dt.datetime.combine(day, wall.time(), self._cache["zone"])
            return NAIVE_ANCHOR + (aware - UTC_ANCHOR)
        return wall - offset

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


def calendar_for(agreement: Agreement) -> BusinessCalendar:
    """The agreement's calendar; uses prefetched holidays when they are loaded."""
    return BusinessCalendar(
        timezone=agreement.timezone,
        workdays=frozenset(int(day) for day in agreement.workdays or ()),
        day_start=agreement.day_start,
        day_end=agreement.day_end,
        holidays=frozenset(holiday.date for holiday in agreement.holidays.all()),
    )
