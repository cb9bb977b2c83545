"""The lead measures read from the lead days (performance.lead_stats) against a plain Python
count of the rows and against the lead rows' own SQL; the lead days the import keeps, and the
migration's count of them."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps as current_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements.models import Agreement, Kpi
from performance.lead_stats import tallied_stats
from performance.measures import MeasureRequest, measure_values
from performance.models import LeadDay, LeadRecord
from performance.services.lead_tally import lead_tally_refresh
from tests.performance.helpers import at
from tests.performance.test_lead_cells import (
    AS_OF,
    LEVELS,
    ZONES,
    _expected,
    _make_leads,
    _requests,
    three_series,
)

Measure = Kpi.Measure


@pytest.fixture
def series(agreement: Agreement) -> list[Agreement]:
    return three_series(agreement)


def _tally(series: Sequence[Agreement], zones: Sequence[str] = ZONES) -> None:
    """Each series' calendar in its zone, and its tally and lead days counted."""
    for version, zone in zip(series, zones, strict=True):
        Agreement.objects.filter(pk=version.pk).update(timezone=zone)
        lead_tally_refresh(series_id=version.series_id)


@pytest.mark.parametrize("seed", [5, 6])
@pytest.mark.parametrize("days_later", [0, 5, 12, 23, 90])
def test_the_lead_days_give_the_values_of_the_rows(
    series: list[Agreement], seed: int, days_later: int
) -> None:
    """Read on the day the leads were drawn (untouched leads due exactly then, attempt windows
    cut through their days), and later, as windows close and leads fall due: the values are
    the rows' count, in three queries, and the lead rows' own SQL gives the same."""
    _make_leads(series, seed)
    _tally(series)
    as_of = AS_OF + dt.timedelta(days=days_later)
    requests = _requests(series, LEVELS)
    rows = list(LeadRecord.objects.all())
    with CaptureQueriesContext(connection) as queries:
        values = measure_values(requests, as_of=as_of)
    assert values == {r: _expected(r, rows, as_of) for r in requests}
    # The lead days, the pending leads, and the leads of the attempt windows' cutoff days when
    # a cutoff falls inside a period.
    assert len(queries) == (3 if days_later < 45 else 2)
    assert values == measure_values(requests, as_of=as_of, from_leads=True)
    assert any(value is not None for value in values.values())


def test_the_lead_days_are_read_not_the_leads(series: list[Agreement]) -> None:
    """Changing a series' lead days changes its values: they are what is read."""
    _make_leads(series, 7)
    _tally(series)
    version = series[0]
    january = MeasureRequest(
        series_id=version.series_id,
        measure=Measure.MEDIAN_FIRST_RESPONSE,
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 2, 1),
        zone=ZONES[0],
    )
    rows = list(LeadRecord.objects.all())
    assert measure_values([january], as_of=AS_OF)[january] == _expected(january, rows, AS_OF)
    LeadDay.objects.filter(series_id=version.series_id).update(responses={"99.00": 10_000})
    assert measure_values([january], as_of=AS_OF)[january] == Decimal("99.00")
    # Read from the leads, the value is the rows' again.
    from_leads = measure_values([january], as_of=AS_OF, from_leads=True)[january]
    assert from_leads == _expected(january, rows, AS_OF)


def _lead(agreement: Agreement, lead_id: str, mql_at: dt.datetime, **fields: Any) -> LeadRecord:
    return LeadRecord(
        series_id=agreement.series_id,
        agreement=agreement,
        lead_id=lead_id,
        lead_type=str(fields.pop("lead_type", "Demo request")),
        mql_at=mql_at,
        due_at=fields.pop("due_at", mql_at + dt.timedelta(hours=4)),
        limit_hours=Decimal("4.00"),
        **fields,
    )


def test_a_lead_short_of_its_attempts_is_open_until_its_window_closes(
    agreement: Agreement,
) -> None:
    """Leads short of their attempts on the day their 14-day window's cutoff falls, either
    side of the cutoff, and on the days around it: only those before the cutoff are short."""
    Agreement.objects.filter(pk=agreement.pk).update(timezone="UTC")
    as_of = at(2026, 3, 15, 12)  # cutoff: 1 March, 12:00
    leads = [
        _lead(agreement, "ENOUGH", at(2026, 2, 10), attempts=6),
        _lead(agreement, "DAY-BEFORE", at(2026, 2, 28, 23), attempts=1),
        _lead(agreement, "SAME-DAY-MIDNIGHT", at(2026, 3, 1), attempts=0),
        _lead(agreement, "SAME-DAY-BEFORE", at(2026, 3, 1, 11, 59), attempts=5),
        _lead(agreement, "SAME-DAY-AT", at(2026, 3, 1, 12), attempts=0),
        _lead(agreement, "SAME-DAY-AFTER-ENOUGH", at(2026, 3, 1, 13), attempts=7),
        _lead(agreement, "DAY-AFTER", at(2026, 3, 2, 1), attempts=1),
    ]
    LeadRecord.objects.bulk_create(
        leads + [_lead(agreement, "WEBINAR", at(2026, 2, 2), attempts=0, lead_type="Webinar")]
    )
    lead_tally_refresh(series_id=agreement.series_id)
    request = MeasureRequest(
        series_id=agreement.series_id,
        measure=Measure.CONTACT_ATTEMPTS,
        start=dt.date(2026, 2, 1),
        end=dt.date(2026, 4, 1),
        service_levels=(("Demo request", 6, 14), ("Demo request", 1, 1)),
    )
    stats, left = tallied_stats([request], as_of=as_of)
    assert left == []
    # Enough: ENOUGH and SAME-DAY-AFTER-ENOUGH; short: DAY-BEFORE, SAME-DAY-MIDNIGHT (the
    # cutoff day's first instant) and SAME-DAY-BEFORE.
    assert (stats[request].enough_attempts, stats[request].short_attempts) == (2, 3)
    assert measure_values([request], as_of=as_of)[request] == Decimal("40.0")


def test_untouched_leads_not_yet_due_are_pending(agreement: Agreement) -> None:
    """An untouched lead is pending until its due instant, breached from then on."""
    Agreement.objects.filter(pk=agreement.pk).update(timezone="Europe/Berlin")
    due = at(2026, 3, 2, 10)
    LeadRecord.objects.bulk_create(
        [
            _lead(agreement, "WAITING", at(2026, 2, 28, 23, 30), due_at=due),  # 1 March in Berlin
            _lead(agreement, "MET", at(2026, 3, 1, 9), first_touch_at=at(2026, 3, 1, 10)),
        ]
    )
    lead_tally_refresh(series_id=agreement.series_id)
    march, february = (
        MeasureRequest(
            series_id=agreement.series_id,
            measure=Measure.HANDOFF_COMPLIANCE,
            start=start,
            end=end,
            zone="Europe/Berlin",
        )
        for start, end in ((dt.date(2026, 3, 1), dt.date(2026, 4, 1)),
                           (dt.date(2026, 2, 1), dt.date(2026, 3, 1)))
    )  # fmt: skip
    for as_of, met, breached, pending in (
        (due - dt.timedelta(seconds=1), 1, 0, 1),
        (due, 1, 0, 1),  # due now: still pending
        (due + dt.timedelta(seconds=1), 1, 1, 0),
    ):
        stats, _left = tallied_stats([march, february], as_of=as_of)
        assert (stats[march].met, stats[march].breached, stats[march].pending) == (
            met, breached, pending,
        )  # fmt: skip
        assert stats[february].leads == 0


def test_a_request_in_another_zone_reads_the_leads(series: list[Agreement]) -> None:
    """Days counted in one zone do not make the days of another: those requests read the leads."""
    _make_leads(series, 8)
    _tally(series, zones=("Asia/Tokyo",) * 3)
    requests = _requests(series, LEVELS)
    LeadDay.objects.update(responses={"99.00": 10_000}, touched_met=0)
    stats, left = tallied_stats(requests, as_of=AS_OF)
    assert (stats, left) == ({}, requests)
    rows = list(LeadRecord.objects.all())
    assert measure_values(requests, as_of=AS_OF) == {r: _expected(r, rows, AS_OF) for r in requests}


def test_the_import_keeps_the_lead_days(agreement: Agreement) -> None:
    """Statuses, outcomes, attempts by type and response times, per MQL day in the zone."""
    Agreement.objects.filter(pk=agreement.pk).update(timezone="Europe/Berlin")
    LeadRecord.objects.bulk_create(
        [
            # 23:30 UTC on 31 January is 1 February in Berlin.
            _lead(agreement, "A", at(2026, 1, 31, 23, 30), attempts=2, outcome="no-budget",
                  invalid_rejection=True),
            _lead(agreement, "B", at(2026, 2, 1, 3), attempts=2, first_touch_at=at(2026, 2, 1, 4),
                  response_hours=Decimal("1.5"), outcome="accepted"),
            _lead(agreement, "C", at(2026, 2, 1, 4), attempts=0, first_touch_at=at(2026, 2, 1, 9),
                  response_hours=Decimal("1.50"), lead_type="Webinar"),
            _lead(agreement, "D", at(2026, 1, 10), attempts=1, first_touch_at=at(2026, 1, 11)),
        ]
    )  # fmt: skip
    lead_tally_refresh(series_id=agreement.series_id)
    fields = ("day", "zone", "touched_met", "touched_breached", "untouched", "rejected",
              "with_outcome", "invalid_rejections", "attempts", "responses")  # fmt: skip
    assert list(LeadDay.objects.values_list(*fields)) == [
        (dt.date(2026, 1, 10), "Europe/Berlin", 0, 1, 0, 0, 0, 0, {"Demo request": {"1": 1}}, {}),
        (
            dt.date(2026, 2, 1), "Europe/Berlin", 1, 1, 1, 1, 2, 1,
            {"Demo request": {"2": 2}, "Webinar": {"0": 1}}, {"1.50": 2},
        ),
    ]  # fmt: skip
    LeadRecord.objects.filter(lead_id="D").delete()
    lead_tally_refresh(series_id=agreement.series_id)
    assert list(LeadDay.objects.values_list("day", flat=True)) == [dt.date(2026, 2, 1)]


def test_the_migration_counts_the_days_as_the_import_does(series: list[Agreement]) -> None:
    """The data migration's lead days equal those lead_tally_refresh keeps."""
    _make_leads(series, 9)
    _tally(series)
    fields = [field.attname for field in LeadDay._meta.concrete_fields if field.name != "id"]
    kept = sorted(LeadDay.objects.values_list(*fields))
    LeadDay.objects.all().delete()
    migration = importlib.import_module("performance.migrations.0004_lead_day")
    migration.count_existing_leads(current_apps, connection.schema_editor())
    assert sorted(LeadDay.objects.values_list(*fields)) == kept
    assert kept
