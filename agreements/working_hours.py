"""Working hours per weekday: one or more intervals a day, as an agreement stores them.

The stored shape is ``{"1": [["09:00", "12:00"], ["13:00", "17:00"]], "5": [["09:00", "13:00"]]}``:
ISO weekday numbers (Monday = 1) as keys, each with its intervals ``[start, end)`` on the wall
clock, sorted and not overlapping; ``"24:00"`` ends a day that works up to midnight. A weekday
left out (or with no intervals) is no working day.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MICROSECONDS_PER_DAY = 86_400_000_000
END_OF_DAY = "24:00"
WEEKDAYS = range(1, 8)

# Intervals of one weekday as microseconds since midnight, and of a week, Monday first.
DayHours = tuple[tuple[int, int], ...]
WeekHours = tuple[DayHours, ...]

ERROR_HOURS_SHAPE = _(
    "Working hours are a mapping of weekday numbers 1 to 7 to lists of [start, end] times."
)
ERROR_HOURS_TIME = _("“%(value)s” is not a time as HH:MM (24:00 may end a day).")
ERROR_HOURS_ORDER = _("Each working interval must end after it starts: %(start)s–%(end)s.")
ERROR_HOURS_OVERLAP = _("Working intervals must be in order and must not overlap: %(day)s.")
ERROR_HOURS_EMPTY = _("Give working hours on at least one day.")


def time_microseconds(text: Any) -> int:
    """A time of day as microseconds since midnight; ``"24:00"`` is the end of the day."""
    if text == END_OF_DAY:
        return MICROSECONDS_PER_DAY
    if not isinstance(text, str) or len(text) < 5 or text[2:3] != ":":
        raise ValidationError(ERROR_HOURS_TIME, params={"value": text}, code="hours_time")
    try:
        value = dt.time.fromisoformat(text)
    except ValueError:
        raise ValidationError(ERROR_HOURS_TIME, params={"value": text}, code="hours_time") from None
    if value.tzinfo is not None:
        raise ValidationError(ERROR_HOURS_TIME, params={"value": text}, code="hours_time")
    return ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000 + value.microsecond


def time_text(microseconds: int) -> str:
    """``HH:MM`` (with seconds only when there are any), or ``24:00`` at the end of the day."""
    if microseconds >= MICROSECONDS_PER_DAY:
        return END_OF_DAY
    seconds, micro = divmod(microseconds, 1_000_000)
    value = dt.time(seconds // 3600, seconds // 60 % 60, seconds % 60, micro)
    if value.second or value.microsecond:
        return value.isoformat()
    return value.strftime("%H:%M")


def week_hours(stored: Any) -> WeekHours:
    """The stored shape read and checked; raises ValidationError naming what is wrong."""
    if not isinstance(stored, dict) or not all(
        isinstance(key, str) and key in {str(day) for day in WEEKDAYS} for key in stored
    ):
        raise ValidationError(ERROR_HOURS_SHAPE, code="hours_shape")
    week: list[DayHours] = []
    for day in WEEKDAYS:
        intervals = stored.get(str(day), [])
        if not isinstance(intervals, list) or not all(
            isinstance(pair, list | tuple) and len(pair) == 2 for pair in intervals
        ):
            raise ValidationError(ERROR_HOURS_SHAPE, code="hours_shape")
        week.append(day_hours([(start, end) for start, end in intervals], day))
    if not any(week):
        raise ValidationError(ERROR_HOURS_EMPTY, code="hours_empty")
    return tuple(week)


def day_hours(intervals: list[tuple[Any, Any]], day: int) -> DayHours:
    """One day's intervals as microseconds, checked: each ends after it starts, in order."""
    parsed: list[tuple[int, int]] = []
    for start_text, end_text in intervals:
        start, end = time_microseconds(start_text), time_microseconds(end_text)
        if start >= MICROSECONDS_PER_DAY or end <= start:
            raise ValidationError(
                ERROR_HOURS_ORDER,
                params={"start": start_text, "end": end_text},
                code="hours_order",
            )
        if parsed and start < parsed[-1][1]:
            raise ValidationError(
                ERROR_HOURS_OVERLAP, params={"day": weekday_name(day)}, code="hours_overlap"
            )
        parsed.append((start, end))
    return tuple(parsed)


def validate_working_hours(value: Any) -> None:
    """The model field's validator."""
    week_hours(value)


def stored_hours(week: WeekHours) -> dict[str, list[list[str]]]:
    """A week of intervals in the stored shape (days off left out)."""
    return {
        str(day): [[time_text(start), time_text(end)] for start, end in intervals]
        for day, intervals in zip(WEEKDAYS, week, strict=True)
        if intervals
    }


def uniform_hours(workdays: Any, day_start: dt.time, day_end: dt.time) -> dict[str, Any]:
    """The stored shape of the same single interval on each working day."""
    start = time_text(_time_microseconds(day_start))
    end = time_text(_time_microseconds(day_end))
    return {str(day): [[start, end]] for day in sorted({int(day) for day in workdays})}


def single_interval(week: WeekHours) -> tuple[list[int], int, int] | None:
    """(workdays, start, end) when every working day has the same one interval, else None."""
    intervals = {day for day in week if day}
    if len(intervals) != 1:
        return None
    (only,) = intervals
    if len(only) != 1:
        return None
    start, end = only[0]
    return [day for day, hours in zip(WEEKDAYS, week, strict=True) if hours], start, end


def envelope(week: WeekHours) -> tuple[list[int], dt.time, dt.time]:
    """Working days, the earliest start and the latest end (before midnight) over the week.

    These fill the agreement's ``workdays``, ``day_start`` and ``day_end``: exact for a calendar
    with one interval a day, a summary otherwise.
    """
    workdays = [day for day, hours in zip(WEEKDAYS, week, strict=True) if hours]
    start = min(hours[0][0] for hours in week if hours)
    end = max(hours[-1][1] for hours in week if hours)
    return workdays, _time_of(start), _time_of(min(end, MICROSECONDS_PER_DAY - 1))


def weekday_name(day: int) -> str:
    from agreements.models.agreement import Weekday

    return str(Weekday(day).label)


def _time_microseconds(value: dt.time) -> int:
    return ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000 + value.microsecond


def _time_of(microseconds: int) -> dt.time:
    seconds, micro = divmod(microseconds, 1_000_000)
    return dt.time(seconds // 3600, seconds // 60 % 60, seconds % 60, micro)


def calendar_fields(week: WeekHours) -> dict[str, Any]:
    """The agreement's calendar fields for a week of intervals: the hours and their summary."""
    workdays, day_start, day_end = envelope(week)
    return {
        "working_hours": stored_hours(week),
        "workdays": workdays,
        "day_start": day_start,
        "day_end": day_end,
    }


def hours_beyond_summary(
    stored: Any, workdays: Any, day_start: dt.time, day_end: dt.time
) -> dict[str, Any]:
    """The ``hours`` key of exported content, or nothing when the summary says it all.

    Content holds ``workdays``, ``day_start`` and ``day_end`` as it always did; they say all
    of a calendar with the same one interval on each working day, so its content (and the
    digest of a version signed before per-day hours) is unchanged. Any other calendar (a
    break, split shifts, a short Friday, work up to 24:00) adds ``hours``, weekday ->
    intervals, and the three keys hold the summary: the working days, the earliest start and
    the latest end.
    """
    try:
        week = week_hours(stored)
    except ValidationError:
        # Hours that do not validate (never saved through a form) leave the summary in charge.
        return {}
    if week == week_hours(uniform_hours(workdays, day_start, day_end)):
        return {}
    return {"hours": stored_hours(week)}


SUMMARY_FIELDS = ("workdays", "day_start", "day_end")


def agreement_week(agreement: Any) -> WeekHours:
    """The agreement's week of intervals; its summary when the stored hours do not validate."""
    try:
        return week_hours(agreement.working_hours)
    except ValidationError:
        return week_hours(uniform_hours(agreement.workdays, agreement.day_start, agreement.day_end))


def calendar_sync(agreement: Any, changed: Any) -> None:
    """Keep an agreement's working hours and their summary in step after ``changed`` fields.

    New hours set the summary; a new summary alone (a caller from before per-day hours) sets
    one interval on each working day. Values that do not validate are left for full_clean.
    """
    try:
        if "working_hours" in changed:
            for name, value in calendar_fields(week_hours(agreement.working_hours)).items():
                setattr(agreement, name, value)
        elif set(SUMMARY_FIELDS) & set(changed):
            hours = uniform_hours(agreement.workdays, agreement.day_start, agreement.day_end)
            week_hours(hours)
            agreement.working_hours = hours
    except (ValidationError, TypeError, ValueError, AttributeError):
        return


def week_rows(stored: Any) -> list[tuple[str, str]]:
    """Consecutive weekdays with the same hours as one row: ("Monday–Thursday", "09:00–17:00")."""
    try:
        week = week_hours(stored)
    except ValidationError:
        return []
    rows: list[tuple[list[int], DayHours]] = []
    for day, intervals in zip(WEEKDAYS, week, strict=True):
        if rows and rows[-1][1] == intervals and rows[-1][0][-1] == day - 1:
            rows[-1][0].append(day)
        else:
            rows.append(([day], intervals))
    return [
        (
            weekday_name(days[0])
            if len(days) == 1
            else f"{weekday_name(days[0])}–{weekday_name(days[-1])}",
            ", ".join(f"{time_text(start)}–{time_text(end)}" for start, end in intervals)
            or str(_("Day off")),
        )
        for days, intervals in rows
    ]
