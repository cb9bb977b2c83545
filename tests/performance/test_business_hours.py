"""Business-hour arithmetic under an agreement's calendar."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from agreements.models import Holiday
from performance.business_hours import BusinessCalendar, calendar_for

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
UTC = dt.UTC


def berlin(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=BERLIN)


def office(**overrides: object) -> BusinessCalendar:
    values: dict[str, object] = {
        "timezone": "Europe/Berlin",
        "workdays": frozenset({1, 2, 3, 4, 5}),
        "day_start": dt.time(9),
        "day_end": dt.time(17),
        "holidays": frozenset(),
    }
    values.update(overrides)
    return BusinessCalendar.uniform(**values)  # type: ignore[arg-type]


def test_mql_during_hours_is_due_later_the_same_day():
    """Tuesday 10:15 plus four business hours is due at 14:15."""
    due = office().add_business_hours(berlin(2026, 1, 6, 10, 15), Decimal("4"))
    assert due == berlin(2026, 1, 6, 14, 15)
    assert due.tzinfo == UTC


def test_mql_before_hours_starts_the_clock_at_opening():
    """An MQL at 07:00 counts from 09:00."""
    calendar = office()
    assert calendar.add_business_hours(berlin(2026, 1, 6, 7, 0), Decimal("1")) == berlin(
        2026, 1, 6, 10, 0
    )
    assert calendar.business_hours_between(
        berlin(2026, 1, 6, 7, 0), berlin(2026, 1, 6, 9, 30)
    ) == Decimal("0.50")


def test_mql_after_hours_starts_the_clock_next_working_morning():
    """An MQL at 19:00 on Tuesday counts from Wednesday 09:00."""
    calendar = office()
    assert calendar.add_business_hours(berlin(2026, 1, 6, 19, 0), Decimal("1.5")) == berlin(
        2026, 1, 7, 10, 30
    )
    assert calendar.business_hours_between(
        berlin(2026, 1, 6, 19, 0), berlin(2026, 1, 7, 8, 59)
    ) == Decimal("0.00")


def test_weekend_is_skipped():
    """Friday 16:00 plus two business hours is Monday 10:00; the weekend counts nothing."""
    calendar = office()
    friday = berlin(2026, 1, 9, 16, 0)
    assert calendar.add_business_hours(friday, Decimal("2")) == berlin(2026, 1, 12, 10, 0)
    assert calendar.business_hours_between(friday, berlin(2026, 1, 12, 10, 0)) == Decimal("2.00")
    assert calendar.business_hours_between(
        berlin(2026, 1, 10, 9, 0), berlin(2026, 1, 11, 17, 0)
    ) == Decimal("0.00")


def test_mql_on_a_weekend_starts_on_monday_morning():
    """A lead arriving on Saturday is due one business hour after Monday 09:00."""
    assert office().add_business_hours(berlin(2026, 1, 10, 12, 0), Decimal("1")) == berlin(
        2026, 1, 12, 10, 0
    )


def test_holidays_are_skipped():
    """With Thursday, Friday and Monday as holidays, Wednesday 16:30 + 1h is Tuesday 09:30."""
    calendar = office(
        holidays=frozenset({dt.date(2026, 4, 2), dt.date(2026, 4, 3), dt.date(2026, 4, 6)})
    )
    wednesday = berlin(2026, 4, 1, 16, 30)
    assert calendar.add_business_hours(wednesday, Decimal("1")) == berlin(2026, 4, 7, 9, 30)
    assert calendar.business_hours_between(wednesday, berlin(2026, 4, 7, 9, 30)) == Decimal("1.00")


def test_holiday_on_a_weekend_changes_nothing():
    """A holiday that falls on a Saturday removes no business time."""
    plain = office()
    with_saturday_holiday = office(holidays=frozenset({dt.date(2026, 1, 10)}))
    start = berlin(2026, 1, 9, 16, 0)
    assert with_saturday_holiday.add_business_hours(
        start, Decimal("10")
    ) == plain.add_business_hours(start, Decimal("10"))


def test_limit_ending_at_closing_time_is_due_next_morning():
    """Time that runs out at 17:00 is due at the next opening: a touch that evening is in time."""
    calendar = office()
    start = berlin(2026, 1, 6, 16, 0)
    due = calendar.add_business_hours(start, Decimal("1"))
    assert due == berlin(2026, 1, 7, 9, 0)
    # Touched at 17:00 or in the evening: exactly one business hour, within the limit.
    assert calendar.business_hours_between(start, berlin(2026, 1, 6, 17, 0)) == Decimal("1.00")
    assert calendar.business_hours_between(start, berlin(2026, 1, 6, 21, 0)) == Decimal("1.00")
    assert calendar.business_hours_between(start, due) == Decimal("1.00")


def test_spans_of_several_weeks_count_whole_days():
    """120 business hours from Monday 09:00 are 15 working days: due three weeks later."""
    calendar = office()
    start = berlin(2026, 1, 5, 9, 0)
    assert calendar.add_business_hours(start, Decimal("120")) == berlin(2026, 1, 26, 9, 0)
    assert calendar.business_hours_between(start, berlin(2026, 2, 2, 9, 0)) == Decimal("160.00")
    with_holiday = office(holidays=frozenset({dt.date(2026, 1, 14)}))
    assert with_holiday.add_business_hours(start, Decimal("120")) == berlin(2026, 1, 27, 9, 0)
    assert with_holiday.business_hours_between(start, berlin(2026, 2, 2, 9, 0)) == Decimal("152.00")


def test_span_of_a_quarter_with_holidays():
    """March and April 2026 hold 44 weekdays; two holidays leave 42 days of 8 hours."""
    calendar = office(holidays=frozenset({dt.date(2026, 4, 3), dt.date(2026, 4, 6)}))
    assert calendar.business_hours_between(berlin(2026, 3, 1), berlin(2026, 5, 1)) == Decimal(
        "336.00"
    )


def test_daylight_saving_start_keeps_wall_clock_hours():
    """On the Sunday Berlin moves to summer time, 09:00–17:00 still holds eight hours."""
    every_day = office(workdays=frozenset(range(1, 8)))
    sunday_opening = berlin(2026, 3, 29, 9, 0)
    assert sunday_opening.utcoffset() == dt.timedelta(hours=2)
    assert every_day.business_hours_between(
        berlin(2026, 3, 28, 9, 0), berlin(2026, 3, 30, 9, 0)
    ) == Decimal("16.00")
    # Saturday 16:00 (UTC+1) plus two hours is Sunday 10:00 (UTC+2), 08:00 UTC.
    due = every_day.add_business_hours(berlin(2026, 3, 28, 16, 0), Decimal("2"))
    assert due == dt.datetime(2026, 3, 29, 8, 0, tzinfo=UTC)


def test_daylight_saving_across_a_weekend_moves_the_utc_due_time():
    """Friday 16:00 CET plus two hours is Monday 10:00 CEST: 08:00 UTC, not 09:00."""
    due = office().add_business_hours(berlin(2026, 3, 27, 16, 0), Decimal("2"))
    assert due == dt.datetime(2026, 3, 30, 8, 0, tzinfo=UTC)


def test_daylight_saving_end_inside_working_hours_works_the_repeated_hour_twice():
    """New York falls back at 02:00 on 1 November 2026: 00:00–06:00 holds seven hours."""
    night = BusinessCalendar.uniform(
        timezone="America/New_York",
        workdays=frozenset(range(1, 8)),
        day_start=dt.time(0, 0),
        day_end=dt.time(6, 0),
    )
    midnight = dt.datetime(2026, 11, 1, 0, 0, tzinfo=NEW_YORK)
    # Three elapsed hours after midnight (04:00 UTC) is 07:00 UTC: 02:00 standard time on the
    # wall, the hour 01:00–02:00 having been worked twice.
    due = night.add_business_hours(midnight, Decimal("3"))
    assert due == dt.datetime(2026, 11, 1, 7, 0, tzinfo=UTC)
    wall = due.astimezone(NEW_YORK)
    assert (wall.hour, wall.minute, wall.utcoffset()) == (2, 0, dt.timedelta(hours=-5))
    assert night.business_hours_between(midnight, due) == Decimal("3.00")
    assert night.business_hours_between(
        midnight, dt.datetime(2026, 11, 1, 6, 0, tzinfo=NEW_YORK)
    ) == Decimal("7.00")


def test_response_is_rounded_up_to_the_hundredth():
    """One second over an hour reads 1.01, so that response <= limit means in time."""
    calendar = office()
    start = berlin(2026, 1, 6, 10, 0)
    assert calendar.business_hours_between(start, berlin(2026, 1, 6, 11, 0, 1)) == Decimal("1.01")
    assert calendar.business_hours_between(start, berlin(2026, 1, 6, 11, 0)) == Decimal("1.00")


def test_reversed_span_counts_nothing():
    """An end before the start gives zero."""
    calendar = office()
    assert calendar.business_hours_between(
        berlin(2026, 1, 6, 12, 0), berlin(2026, 1, 6, 10, 0)
    ) == Decimal("0.00")


def test_times_in_other_offsets_are_read_in_the_calendar_zone():
    """08:00 UTC in winter is 09:00 in Berlin: the day's opening."""
    calendar = office()
    assert calendar.add_business_hours(
        dt.datetime(2026, 1, 6, 8, 0, tzinfo=UTC), Decimal("0.25")
    ) == berlin(2026, 1, 6, 9, 15)


def test_calendar_needs_working_days_and_hours():
    """A calendar without workdays, or ending before it starts, is refused."""
    with pytest.raises(ValueError):
        office(workdays=frozenset())
    with pytest.raises(ValueError):
        BusinessCalendar(timezone="UTC", hours=((),) * 7)
    with pytest.raises(ValueError):
        office(day_start=dt.time(17), day_end=dt.time(9))


def test_calendar_for_reads_the_agreement(agreement):
    """The agreement's zone, working days, hours and holidays make its calendar."""
    agreement.timezone = "Europe/Berlin"
    agreement.working_hours = {str(day): [["08:30", "16:30"]] for day in (1, 2, 3, 4)}
    agreement.save()
    Holiday.objects.create(agreement=agreement, date=dt.date(2026, 1, 6))
    calendar = calendar_for(agreement)
    assert calendar.timezone == "Europe/Berlin"
    assert calendar.workdays == frozenset({1, 2, 3, 4})
    assert calendar.holidays == frozenset({dt.date(2026, 1, 6)})
    # Monday 16:00 + 1h: 30 minutes on Monday, Tuesday is a holiday, 30 minutes on Wednesday.
    assert calendar.add_business_hours(berlin(2026, 1, 5, 16, 0), Decimal("1")) == berlin(
        2026, 1, 7, 9, 0
    )
    # Thursday 16:00 + 1h: Friday is no working day for this agreement.
    assert calendar.add_business_hours(berlin(2026, 1, 8, 16, 0), Decimal("1")) == berlin(
        2026, 1, 12, 9, 0
    )


def test_many_additions_are_fast():
    """100,000 due times take well under a few seconds."""
    import time

    calendar = office()
    start = berlin(2026, 1, 5, 9, 0)
    began = time.process_time()
    for minute in range(100_000):
        calendar.add_business_hours(start + dt.timedelta(minutes=minute), Decimal("4"))
    assert time.process_time() - began < 10


def test_hand_off_gives_due_time_and_response_together():
    """The import's one-pass hand-off agrees with add_business_hours and business_hours_between."""
    calendar = office()
    mql_at = berlin(2026, 1, 9, 16, 30)
    touch = berlin(2026, 1, 12, 9, 45)

    def naive(moment: dt.datetime) -> dt.datetime:
        return moment.astimezone(UTC).replace(tzinfo=None)

    due_at, response = calendar.hand_off(naive(mql_at), naive(touch), Decimal("4"))
    expected_due = calendar.add_business_hours(mql_at, Decimal("4"))
    assert due_at == naive(expected_due)
    assert response == calendar.business_hours_between(mql_at, touch) == Decimal("1.25")
    assert calendar.hand_off(naive(mql_at), None, Decimal("4")) == (due_at, None)
