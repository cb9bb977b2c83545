"""Working hours per weekday: stored shape, migration, signed content and import (point 12)."""

from __future__ import annotations

import copy
import datetime as dt
import importlib
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from agreements.exchange import content_digest, content_of
from agreements.models import Agreement
from agreements.selectors import agreement_load_sections
from agreements.services.agreements import agreement_import
from agreements.services.content import content_validate
from agreements.working_hours import hours_beyond_summary, week_hours
from tests.agreements.test_digest import FIXED_DIGEST, FIXED_DOCUMENT

migration = importlib.import_module("agreements.migrations.0009_working_hours")

SPLIT = {
    "1": [["09:00", "12:00"], ["13:00", "17:00"]],
    "2": [["09:00", "12:00"], ["13:00", "17:00"]],
    "5": [["09:00", "13:00"]],
}


def _content(agreement: Agreement) -> dict[str, Any]:
    return content_of(agreement_load_sections(agreement.pk))


@pytest.fixture
def imported(marketing_team: Any, sales_team: Any, marketing_member: Any) -> Agreement:
    """The fixed document as an agreement made before KPI measures: content schema 1."""
    agreement = agreement_import(document=FIXED_DOCUMENT, actor=marketing_member)
    Agreement.objects.filter(pk=agreement.pk).update(content_schema=1)
    agreement.refresh_from_db()
    return agreement


def test_content_signed_before_keeps_its_keys_and_digest(imported):
    """A calendar with one interval a day exports as before: no hours key, same digest."""
    calendar = _content(imported)["service_levels"]["calendar"]

    assert set(calendar) == {"timezone", "workdays", "day_start", "day_end", "holidays"}
    assert content_digest(_content(imported)) == FIXED_DIGEST
    assert imported.working_hours == {str(day): [["08:30", "17:45"]] for day in (1, 2, 3, 4, 5)}


def test_migration_fills_working_hours_from_the_old_fields(imported):
    """Every row gets its one interval on each working day; the digest does not move."""
    Agreement.objects.filter(pk=imported.pk).update(
        working_hours={}, workdays=[2, 4], day_start=dt.time(7, 15, 30), day_end=dt.time(15, 0)
    )
    before = content_digest(_content(imported))

    migration.fill_working_hours(apps, None)

    imported.refresh_from_db()
    assert imported.working_hours == {
        "2": [["07:15:30", "15:00"]],
        "4": [["07:15:30", "15:00"]],
    }
    assert content_digest(_content(imported)) == before


def test_split_hours_export_an_hours_key_and_a_summary(imported):
    """A lunch break and a short Friday add ``hours``; the old keys hold the summary."""
    Agreement.objects.filter(pk=imported.pk).update(
        working_hours=SPLIT, workdays=[1, 2, 5], day_start=dt.time(9), day_end=dt.time(17)
    )

    calendar = _content(imported)["service_levels"]["calendar"]

    assert calendar["hours"] == SPLIT
    assert (calendar["workdays"], calendar["day_start"], calendar["day_end"]) == (
        [1, 2, 5],
        "09:00",
        "17:00",
    )


def test_round_the_clock_exports_24_00(imported):
    """00:00–24:00 does not fit day_end (23:59 in the summary), so hours say it."""
    assert hours_beyond_summary({"1": [["00:00", "24:00"]]}, [1], dt.time(0), dt.time.max) == {
        "hours": {"1": [["00:00", "24:00"]]}
    }


def test_import_reads_hours_and_derives_the_summary(marketing_team, sales_team, marketing_member):
    """A document with ``hours`` round-trips: same hours, same content."""
    document = copy.deepcopy(FIXED_DOCUMENT)
    document["service_levels"]["calendar"]["hours"] = SPLIT

    agreement = agreement_import(document=document, actor=marketing_member)

    assert agreement.working_hours == SPLIT
    assert agreement.workdays == [1, 2, 5]
    assert (agreement.day_start, agreement.day_end) == (dt.time(9), dt.time(17))
    again = agreement_import(document=_content(agreement), actor=marketing_member)
    assert _content(again) == _content(agreement)


@pytest.mark.parametrize(
    "hours",
    [
        {"8": [["09:00", "17:00"]]},
        {"1": [["17:00", "09:00"]]},
        {"1": [["09:00", "12:00"], ["11:00", "17:00"]]},
        {"1": "09:00-17:00"},
        {},
        [["09:00", "17:00"]],
    ],
)
def test_import_refuses_bad_hours_by_path(marketing_team, sales_team, hours):
    """Bad hours are an error at service_levels.calendar.hours."""
    document = copy.deepcopy(FIXED_DOCUMENT)
    document["service_levels"]["calendar"]["hours"] = hours

    with pytest.raises(ValidationError) as raised:
        content_validate(document)

    assert "service_levels.calendar.hours" in str(raised.value)


def test_week_hours_allows_24_00_only_as_an_end():
    """24:00 ends a day; it cannot start an interval."""
    assert week_hours({"7": [["22:00", "24:00"]]})[6] == ((79_200_000_000, 86_400_000_000),)
    with pytest.raises(ValidationError):
        week_hours({"7": [["24:00", "24:00"]]})
