"""Business time is elapsed time inside working hours, across clock changes (issue 10, point 11)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from agreements.working_hours import calendar_fields, week_hours
from performance.business_hours import BusinessCalendar
from performance.lead_status import BREACHED, MET, lead_status
from performance.models import LeadRecord
from performance.services.leads import leads_import
from tests.performance.helpers import sign
from tests.performance.test_lead_import import csv_file

BERLIN = ZoneInfo("Europe/Berlin")
CET = dt.timezone(dt.timedelta(hours=1))
CEST = dt.timezone(dt.timedelta(hours=2))
ROUND_THE_CLOCK = {str(day): [["00:00", "24:00"]] for day in range(1, 8)}


def calendar(zone: str = "Europe/Berlin", hours: dict | None = None) -> BusinessCalendar:
    return BusinessCalendar(timezone=zone, hours=week_hours(hours or ROUND_THE_CLOCK))


def naive(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(tzinfo=None)


def test_mql_in_the_repeated_autumn_hour_is_due_after_it_and_met():
    """Berlin round the clock, 0.25 h: 02:10+01:00 touched 02:20+01:00 took ten minutes."""
    mql_at = dt.datetime(2027, 10, 31, 2, 10, tzinfo=CET)
    touched_at = dt.datetime(2027, 10, 31, 2, 20, tzinfo=CET)

    due_at, response = calendar().hand_off(naive(mql_at), naive(touched_at), Decimal("0.25"))

    # 01:10 UTC plus a quarter of an hour of elapsed time.
    assert due_at == dt.datetime(2027, 10, 31, 1, 25)
    assert due_at > naive(mql_at)
    assert response == Decimal("0.17")
    assert lead_status(naive(touched_at), due_at, naive(touched_at)) == MET


def test_first_pass_of_the_repeated_hour_counts_too():
    """02:10+02:00 (first pass) to 02:20+01:00 (second pass) is 70 minutes of work."""
    mql_at = dt.datetime(2027, 10, 31, 2, 10, tzinfo=CEST)
    touched_at = dt.datetime(2027, 10, 31, 2, 20, tzinfo=CET)

    due_at, response = calendar().hand_off(naive(mql_at), naive(touched_at), Decimal("1"))

    assert response == Decimal("1.17")
    assert due_at == dt.datetime(2027, 10, 31, 1, 10)
    assert lead_status(naive(touched_at), due_at, naive(touched_at)) == BREACHED


def test_response_across_the_skipped_spring_hour_is_elapsed_time():
    """01:30+01:00 to 03:15+02:00 is 45 minutes (00:30 to 01:15 UTC), not 1.75 hours."""
    mql_at = dt.datetime(2027, 3, 28, 1, 30, tzinfo=CET)
    touched_at = dt.datetime(2027, 3, 28, 3, 15, tzinfo=CEST)

    due_at, response = calendar().hand_off(naive(mql_at), naive(touched_at), Decimal("1"))

    assert response == Decimal("0.75")
    # One hour after 00:30 UTC: 03:30 summer time.
    assert due_at == dt.datetime(2027, 3, 28, 1, 30)
    assert (response <= Decimal("1")) == (naive(touched_at) <= due_at)


def test_naive_mql_inside_the_skipped_hour_starts_at_a_moment_that_exists():
    """02:30 does not exist on 28 March 2027 in Berlin: it reads as 02:30+01:00 (03:30 CEST)."""
    office = calendar()
    mql_at = office.wall_to_utc(dt.datetime(2027, 3, 28, 2, 30))

    due_at, _response = office.hand_off(mql_at, None, Decimal("0.25"))

    assert mql_at == dt.datetime(2027, 3, 28, 1, 30)
    assert due_at == dt.datetime(2027, 3, 28, 1, 45)
    assert due_at > mql_at


def test_working_hours_inside_the_skipped_hour_are_not_worked():
    """Berlin 01:00–04:00 holds two hours on the spring-forward night and four in autumn."""
    night = calendar(hours={str(day): [["01:00", "04:00"]] for day in range(1, 8)})
    spring = dt.datetime(2027, 3, 28, 0, 0, tzinfo=BERLIN)
    autumn = dt.datetime(2027, 10, 31, 0, 0, tzinfo=BERLIN)

    assert night.business_hours_between(spring, spring + dt.timedelta(hours=6)) == Decimal("2.00")
    assert night.business_hours_between(autumn, autumn + dt.timedelta(hours=6)) == Decimal("4.00")


def test_a_day_the_zone_skipped_does_not_exist():
    """Samoa skipped 30 December 2011: from the 29th 09:00 to the 31st 09:00 is one day's work."""
    apia = ZoneInfo("Pacific/Apia")
    office = calendar("Pacific/Apia", {str(day): [["09:00", "17:00"]] for day in range(1, 8)})
    start = dt.datetime(2011, 12, 29, 9, 0, tzinfo=apia)
    end = dt.datetime(2011, 12, 31, 9, 0, tzinfo=apia)

    assert office.business_hours_between(start, end) == Decimal("8.00")
    # Seven hours from Thursday 17:00 run out on Saturday 16:00, the 30th never opening.
    due = office.add_business_hours(dt.datetime(2011, 12, 29, 17, 0, tzinfo=apia), Decimal("7"))
    assert due.astimezone(apia).replace(tzinfo=None) == dt.datetime(2011, 12, 31, 16, 0)


def test_round_the_clock_equals_elapsed_time_over_a_year():
    """A whole year round the clock is its elapsed hours (8,760 in 2027)."""
    start = dt.datetime(2027, 1, 1, tzinfo=BERLIN)
    end = dt.datetime(2028, 1, 1, tzinfo=BERLIN)

    assert calendar().business_hours_between(start, end) == Decimal("8760.00")


def test_lunch_break_and_short_friday():
    """09:00–12:00 and 13:00–17:00, Friday 09:00–13:00: Thursday 16:00 + 3 h is Friday 11:00."""
    hours = {str(day): [["09:00", "12:00"], ["13:00", "17:00"]] for day in range(1, 5)}
    hours["5"] = [["09:00", "13:00"]]
    office = calendar(hours=hours)
    thursday = dt.datetime(2027, 1, 7, 16, 0, tzinfo=BERLIN)

    assert office.add_business_hours(thursday, Decimal("3")) == dt.datetime(
        2027, 1, 8, 11, 0, tzinfo=BERLIN
    )
    # Friday 12:30 + 1 h: half an hour on Friday, half an hour on Monday.
    assert office.add_business_hours(
        dt.datetime(2027, 1, 8, 12, 30, tzinfo=BERLIN), Decimal("1")
    ) == dt.datetime(2027, 1, 11, 9, 30, tzinfo=BERLIN)
    # Monday 11:30 to 13:30 is one hour: the lunch break is not worked.
    assert office.business_hours_between(
        dt.datetime(2027, 1, 11, 11, 30, tzinfo=BERLIN),
        dt.datetime(2027, 1, 11, 13, 30, tzinfo=BERLIN),
    ) == Decimal("1.00")


@pytest.mark.django_db
def test_import_measures_response_and_due_time_the_same_way(agreement):
    """Imported across the spring change, a round-the-clock lead reads 0.75 h and is met."""
    signed = sign(
        agreement,
        timezone="Europe/Berlin",
        **calendar_fields(week_hours(ROUND_THE_CLOCK)),
    )
    rows = [
        "S1,Demo request,2027-03-28T01:30:00+01:00,2027-03-28T03:15:00+02:00,1,",
        "S2,Demo request,2027-03-28T02:30:00,,0,",
    ]
    result = leads_import(
        agreement=signed,
        actor=None,
        file=csv_file(*rows),
        as_of=dt.datetime(2027, 3, 28, 1, 40, tzinfo=dt.UTC),
    )

    assert result.errors == []
    spring = LeadRecord.objects.get(lead_id="S1")
    assert spring.response_hours == Decimal("0.75")
    assert spring.due_at == dt.datetime(2027, 3, 28, 1, 30, tzinfo=dt.UTC)
    skipped = LeadRecord.objects.get(lead_id="S2")
    assert skipped.mql_at == dt.datetime(2027, 3, 28, 1, 30, tzinfo=dt.UTC)
    assert skipped.due_at == dt.datetime(2027, 3, 28, 2, 30, tzinfo=dt.UTC)
    assert (result.met, result.breached, result.pending) == (1, 0, 1)
