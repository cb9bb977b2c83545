"""The lead measures of settled months, read from the tally (performance.lead_stats), against a
plain Python count of the rows; the lead months the import keeps, and the migration's count."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Sequence
from decimal import Decimal

import pytest
from django.apps import apps as current_apps
from django.db import connection

from agreements.models import Agreement, Kpi
from performance.lead_stats import settled_months
from performance.measures import MeasureRequest, measure_values
from performance.models import LeadMonth, LeadRecord, LeadTally
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
    """Each series' calendar in its zone, and its tally and lead months counted."""
    for version, zone in zip(series, zones, strict=True):
        Agreement.objects.filter(pk=version.pk).update(timezone=zone)
        lead_tally_refresh(series_id=version.series_id)


def _settled(requests: Sequence[MeasureRequest], as_of: dt.datetime) -> int:
    found = settled_months(
        {r.series_id: r.service_levels for r in requests},
        first=min(r.start for r in requests),
        end=max(r.end for r in requests),
        as_of=as_of,
    )
    return sum(len(months.months) for months in found.values())


@pytest.mark.parametrize("seed", [5, 6])
@pytest.mark.parametrize(("days_later", "settled"), [(0, 0), (23, 2), (30, 3), (90, 6)])
def test_settled_months_give_the_values_of_the_rows(
    series: list[Agreement], seed: int, days_later: int, settled: int
) -> None:
    """Read as of the day the leads were drawn, none of their months is settled (untouched leads
    are due exactly then). 23 days later February's leads are all due, but its last attempt
    windows are still open; a month later December and January are settled, three months later
    every month is. The values are the rows' count whatever the mix of tally and leads."""
    _make_leads(series, seed)
    _tally(series)
    as_of = AS_OF + dt.timedelta(days=days_later)
    requests = _requests(series, LEVELS)
    # Per series, December to March hold leads: two settled a month on, four after three.
    assert _settled(requests, as_of) >= settled
    rows = list(LeadRecord.objects.all())
    values = measure_values(requests, as_of=as_of)
    assert values == {r: _expected(r, rows, as_of) for r in requests}
    assert any(value is not None for value in values.values())


def test_settled_months_are_read_from_the_tally_not_the_leads(series: list[Agreement]) -> None:
    """Changing the lead months changes the values of settled months only: they are read."""
    _make_leads(series, 7)
    _tally(series)
    as_of = AS_OF + dt.timedelta(days=90)
    version = series[0]
    january = MeasureRequest(
        series_id=version.series_id,
        measure=Measure.MEDIAN_FIRST_RESPONSE,
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 2, 1),
        zone=ZONES[0],
    )
    rows = list(LeadRecord.objects.all())
    assert measure_values([january], as_of=as_of)[january] == _expected(january, rows, as_of)
    LeadMonth.objects.filter(series_id=version.series_id).update(responses={"99.00": 10_000})
    assert measure_values([january], as_of=as_of)[january] == Decimal("99.00")
    # As of the day the leads were drawn January is not settled: its leads are read.
    early = measure_values([january], as_of=AS_OF)[january]
    assert early == _expected(january, rows, AS_OF)


def test_a_month_is_settled_only_once_its_attempt_windows_closed(agreement: Agreement) -> None:
    """A lead short of its attempts late in February is still open ten days into March (its
    window is 14 days): February is not settled and the lead counts neither way."""
    Agreement.objects.filter(pk=agreement.pk).update(timezone="UTC")
    for lead_id, mql_at, attempts in (("EARLY", at(2026, 2, 2), 6), ("LATE", at(2026, 2, 27), 1)):
        LeadRecord.objects.create(
            series_id=agreement.series_id,
            agreement=agreement,
            lead_id=lead_id,
            lead_type="Demo request",
            mql_at=mql_at,
            due_at=mql_at + dt.timedelta(hours=4),
            first_touch_at=mql_at + dt.timedelta(hours=1),
            limit_hours=Decimal("4.00"),
            attempts=attempts,
        )
    lead_tally_refresh(series_id=agreement.series_id)
    february = MeasureRequest(
        series_id=agreement.series_id,
        measure=Measure.CONTACT_ATTEMPTS,
        start=dt.date(2026, 2, 1),
        end=dt.date(2026, 3, 1),
        service_levels=(("Demo request", 6, 14),),
    )
    for as_of, settled, value in (
        (at(2026, 3, 10), 0, Decimal("100.0")),  # the late lead is open
        (at(2026, 3, 15), 1, Decimal("50.0")),  # its window closed on 13 March
    ):
        assert _settled([february], as_of) == settled
        assert measure_values([february], as_of=as_of)[february] == value


def test_a_request_in_another_zone_reads_the_leads(series: list[Agreement]) -> None:
    """Months counted in one zone do not make the months of another: those read the leads."""
    _make_leads(series, 8)
    _tally(series, zones=("Asia/Tokyo",) * 3)
    as_of = AS_OF + dt.timedelta(days=90)
    requests = _requests(series, LEVELS)
    LeadMonth.objects.update(responses={"99.00": 10_000})
    LeadTally.objects.update(touched_met=0)
    rows = list(LeadRecord.objects.all())
    assert measure_values(requests, as_of=as_of) == {r: _expected(r, rows, as_of) for r in requests}


def test_the_import_keeps_the_lead_months(agreement: Agreement) -> None:
    """Attempts by type, response times and the last due instant of the untouched, per month."""
    Agreement.objects.filter(pk=agreement.pk).update(timezone="Europe/Berlin")

    def lead(lead_id: str, mql_at: dt.datetime, **fields: object) -> LeadRecord:
        return LeadRecord(
            series_id=agreement.series_id,
            agreement=agreement,
            lead_id=lead_id,
            lead_type=str(fields.pop("lead_type", "Demo request")),
            mql_at=mql_at,
            due_at=mql_at + dt.timedelta(hours=4),
            limit_hours=Decimal("4.00"),
            **fields,
        )

    LeadRecord.objects.bulk_create(
        [
            # 23:30 UTC on 31 January is February in Berlin.
            lead("A", at(2026, 1, 31, 23, 30), attempts=2),
            lead("B", at(2026, 2, 3), attempts=2, first_touch_at=at(2026, 2, 3, 1),
                 response_hours=Decimal("1.5")),
            lead("C", at(2026, 2, 4), attempts=0, first_touch_at=at(2026, 2, 4, 2),
                 response_hours=Decimal("1.50"), lead_type="Webinar"),
            lead("D", at(2026, 1, 10), attempts=1, first_touch_at=at(2026, 1, 11)),
        ]
    )  # fmt: skip
    lead_tally_refresh(series_id=agreement.series_id)
    months = {
        row.month: (row.zone, row.attempts, row.responses, row.last_untouched_due)
        for row in LeadMonth.objects.filter(series_id=agreement.series_id)
    }
    assert months == {
        dt.date(2026, 1, 1): ("Europe/Berlin", {"Demo request": {"1": 1}}, {}, None),
        dt.date(2026, 2, 1): (
            "Europe/Berlin",
            {"Demo request": {"2": 2}, "Webinar": {"0": 1}},
            {"1.50": 2},
            at(2026, 2, 1, 3, 30),
        ),
    }
    LeadRecord.objects.filter(lead_id="A").delete()
    lead_tally_refresh(series_id=agreement.series_id)
    assert LeadMonth.objects.get(month=dt.date(2026, 2, 1)).last_untouched_due is None


def test_the_migration_counts_the_months_as_the_import_does(series: list[Agreement]) -> None:
    """The data migration's lead months equal those lead_tally_refresh keeps."""
    _make_leads(series, 9)
    _tally(series)
    fields = ("series_id", "month", "zone", "last_untouched_due", "attempts", "responses")
    kept = sorted(LeadMonth.objects.values_list(*fields))
    LeadMonth.objects.all().delete()
    migration = importlib.import_module("performance.migrations.0004_lead_month")
    migration.count_existing_leads(current_apps, connection.schema_editor())
    assert sorted(LeadMonth.objects.values_list(*fields)) == kept
    assert kept
