"""The lead tally kept by the import, and the dashboard figures read from it."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from agreements.models import Agreement
from performance.dashboard.agreement import dashboard_for
from performance.dashboard.lead_figures import lead_figures, lead_figures_scan
from performance.models import LeadRecord, LeadTally
from performance.services.lead_tally import lead_tally_refresh
from tests.performance.helpers import sign
from tests.performance.test_lead_import import run

BERLIN = ZoneInfo("Europe/Berlin")
ROWS = (
    # Met in January (Berlin time), a valid rejection code.
    "T1,Demo request,2026-01-06T10:00:00,2026-01-06T10:30:00,1,no-budget",
    # Breached in January.
    "T2,Contact us,2026-01-06T10:00:00,2026-01-06T15:00:00,1,accepted",
    # Untouched since 2 January: 24 business hours run out on 7 January at 09:00.
    "T3,Event lead,2026-01-02T09:00:00,,0,",
    # 23:30 UTC on 31 January is February in Berlin; untouched, due 2 February at 10:00.
    "T4,Demo request,2026-01-31T23:30:00Z,,0,",
    # A rejection without a valid reason code, met, in February.
    "T5,Demo request,2026-02-03T09:00:00,2026-02-03T09:10:00,2,too-expensive",
    "T6,Demo request,2026-02-03T11:00:00,2026-02-03T11:10:00,1,too-expensive",
)


@pytest.fixture
def signed(agreement: Agreement) -> Agreement:
    """The standard agreement, signed, on a Europe/Berlin calendar."""
    return sign(agreement, timezone="Europe/Berlin")


def direct_counts(series_id: int) -> Counter[tuple[Any, ...]]:
    """Each lead counted from its own row, months in Berlin time."""
    counted: Counter[tuple[Any, ...]] = Counter()
    for record in LeadRecord.objects.filter(series_id=series_id):
        month = timezone.localtime(record.mql_at, BERLIN).date().replace(day=1)
        if record.first_touch_at is None:
            column = "untouched"
        elif record.first_touch_at <= record.due_at:
            column = "touched_met"
        else:
            column = "touched_breached"
        key = (record.lead_type, month, record.outcome, record.invalid_rejection, column)
        counted[key] += 1
    return counted


def tally_counts(series_id: int) -> Counter[tuple[Any, ...]]:
    counted: Counter[tuple[Any, ...]] = Counter()
    for tally in LeadTally.objects.filter(series_id=series_id):
        for column in ("touched_met", "touched_breached", "untouched"):
            value = getattr(tally, column)
            if value:
                key = (tally.lead_type, tally.month, tally.outcome, tally.invalid_rejection)
                counted[(*key, column)] += value
    return counted


def test_import_tallies_equal_the_counts_of_the_leads(signed: Agreement) -> None:
    """After an import the tally holds exactly the counts of the series' leads, months in Berlin."""
    result = run(signed, *ROWS)

    assert result.ok and result.imported == 6
    assert tally_counts(signed.series_id) == direct_counts(signed.series_id)
    assert set(LeadTally.objects.values_list("zone", flat=True)) == {"Europe/Berlin"}
    february = LeadTally.objects.get(lead_type="Demo request", outcome="", untouched=1)
    assert february.month == dt.date(2026, 2, 1)


def test_reimport_replaces_the_tally(signed: Agreement) -> None:
    """Importing the same file again, then a touch for an open lead, replaces the counts."""
    run(signed, *ROWS)
    first = tally_counts(signed.series_id)
    run(signed, *ROWS)

    assert tally_counts(signed.series_id) == first
    assert sum(first.values()) == 6

    run(signed, "T3,Event lead,2026-01-02T09:00:00,2026-01-02T09:30:00,1,accepted")

    after = tally_counts(signed.series_id)
    assert sum(after.values()) == 6
    assert after == direct_counts(signed.series_id)
    assert ("Event lead", dt.date(2026, 1, 1), "accepted", False, "touched_met") in after


def test_failed_import_leaves_the_tally(signed: Agreement) -> None:
    """An import rolled back on an error does not touch the tally."""
    run(signed, *ROWS)
    before = tally_counts(signed.series_id)

    result = run(
        signed, "T7,Demo request,2026-02-04T09:00:00,,0,", "T8,Nope,2026-02-04T09:00:00,,0,"
    )

    assert not result.ok
    assert tally_counts(signed.series_id) == before


def figures(agreement: Agreement, as_of: dt.datetime) -> dict[str, tuple[int, int, int]]:
    board = dashboard_for(agreement=agreement, now=as_of)
    rows = {row.label: (row.met, row.breached, row.pending) for row in board.by_type}
    rows.update({row.label: (row.met, row.breached, row.pending) for row in board.by_month})
    return rows


def test_untouched_leads_flip_from_pending_to_breached_as_time_passes(signed: Agreement) -> None:
    """T3 is pending up to 7 January 09:00 Berlin and breached after; T4 likewise at 2 February."""
    run(signed, *ROWS)
    before = dt.datetime(2026, 1, 7, 9, 0, tzinfo=BERLIN)
    between = dt.datetime(2026, 1, 7, 9, 1, tzinfo=BERLIN)
    after = dt.datetime(2026, 2, 2, 10, 1, tzinfo=BERLIN)

    at_due = figures(signed, before)
    assert at_due["Event lead"] == (0, 0, 1)
    assert at_due["Demo request"] == (3, 0, 1)
    assert at_due["Contact us"] == (0, 1, 0)
    assert at_due["2026-01"] == (1, 1, 1)
    assert at_due["2026-02"] == (2, 0, 1)

    assert figures(signed, between)["Event lead"] == (0, 1, 0)
    assert figures(signed, between)["2026-01"] == (1, 2, 0)
    assert figures(signed, between)["2026-02"] == (2, 0, 1)

    late = figures(signed, after)
    assert late["Demo request"] == (3, 1, 0)
    assert late["2026-02"] == (2, 1, 0)


@pytest.mark.parametrize("hours", [0, 24 * 3, 24 * 40])
def test_tally_figures_match_a_scan_of_every_lead(signed: Agreement, hours: int) -> None:
    """By type, by month and the rejections agree with counting every lead, at any moment."""
    run(signed, *ROWS)
    as_of = dt.datetime(2026, 1, 5, tzinfo=BERLIN) + dt.timedelta(hours=hours)
    kwargs: dict[str, Any] = {
        "series_id": signed.series_id,
        "as_of": as_of,
        "lead_types": ["Demo request", "Contact us"],
    }

    tallied = lead_figures(zone="Europe/Berlin", **kwargs)

    assert tallied == lead_figures_scan(zone="Europe/Berlin", **kwargs)
    assert [(row.code, row.count, row.invalid) for row in tallied.rejections] == [
        ("too-expensive", 2, 2),
        ("no-budget", 1, 0),
    ]


def test_another_zone_counts_every_lead(signed: Agreement) -> None:
    """Months asked for in a zone other than the tally's are counted from the leads."""
    run(signed, *ROWS)
    as_of = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)

    utc = lead_figures(series_id=signed.series_id, as_of=as_of, zone="UTC")

    assert {row.label: row.total for row in utc.by_month} == {"2026-01": 4, "2026-02": 2}


def test_refresh_of_a_series_without_leads_empties_its_tally(signed: Agreement) -> None:
    """Once the leads are gone a refresh leaves no tally rows."""
    run(signed, *ROWS)
    LeadRecord.objects.filter(series_id=signed.series_id).delete()

    assert lead_tally_refresh(series_id=signed.series_id) == []
    assert not LeadTally.objects.filter(series_id=signed.series_id).exists()
