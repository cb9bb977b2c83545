"""The lead measures' grouped SQL (performance.lead_cells) against a plain Python count of the rows.

Random leads over three series in three time zones, with leads on every request's boundaries,
on the attempt windows' cutoffs and on every branch of the hand-off status, leads of a type
without a service level, overlapping and empty periods; each lead measure must equal what a
straightforward count of the stored rows gives, in one statement or split over many.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
from collections import Counter
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements.models import Agreement, Kpi
from performance import lead_cells
from performance.dashboard.figures import CENT, percent
from performance.lead_status import ACCEPTED, BREACHED, MET, lead_status
from performance.measures import LEAD_MEASURES, MeasureRequest, _cells, measure_values
from performance.models import LeadRecord
from tests.factories import AgreementFactory
from tests.performance.helpers import at

Measure = Kpi.Measure
AS_OF = at(2026, 2, 15, 12)
ZONES = ("UTC", "Europe/Berlin", "America/New_York")
# Per series: (lead type, minimum attempts, window in days); "Webinar" never has a level.
LEVELS: tuple[tuple[tuple[str, int, int], ...], ...] = (
    (("Demo request", 6, 10), ("Contact us", 3, 14)),
    (("Demo request", 2, 5),),
    (),
)
TYPES = ("Demo request", "Contact us", "Webinar")
OUTCOMES = ("", "", ACCEPTED, "no-budget", "duplicate")
PERIODS = (
    (dt.date(2026, 1, 1), dt.date(2026, 2, 1)),
    (dt.date(2026, 2, 1), dt.date(2026, 3, 1)),
    (dt.date(2026, 1, 1), dt.date(2026, 4, 1)),
    (dt.date(2026, 2, 9), dt.date(2026, 2, 16)),
    (dt.date(2026, 1, 15), dt.date(2026, 2, 15)),
    (dt.date(2026, 3, 1), dt.date(2026, 3, 1)),  # empty: no span at all
    (dt.date(2025, 6, 1), dt.date(2025, 7, 1)),  # no leads
)


@pytest.fixture
def series(agreement: Agreement) -> list[Agreement]:
    return three_series(agreement)


def three_series(agreement: Agreement) -> list[Agreement]:
    """Three agreements, each of its own series."""
    others = [
        AgreementFactory.create(
            owner=agreement.owner,
            marketing_team=agreement.marketing_team,
            sales_team=agreement.sales_team,
        )
        for _n in range(2)
    ]
    return [agreement, *others]


def _requests(
    series: Sequence[Agreement], levels: Sequence[tuple[tuple[str, int, int], ...]]
) -> list[MeasureRequest]:
    return [
        MeasureRequest(
            series_id=version.series_id,
            measure=measure,
            start=start,
            end=end,
            zone=zone,
            service_levels=level,
        )
        for version, zone, level in zip(series, ZONES, levels, strict=True)
        for start, end in PERIODS
        for measure in sorted(LEAD_MEASURES)
    ]


def _make_leads(series: Sequence[Agreement], seed: int) -> None:
    rng = random.Random(seed)
    leads: list[LeadRecord] = []
    for version, zone in zip(series, ZONES, strict=True):
        instants = set()
        for start, end in PERIODS:
            request = MeasureRequest(series_id=0, measure="", start=start, end=end, zone=zone)
            for instant in request.instants():
                instants |= {instant, instant - dt.timedelta(microseconds=1),
                             instant + dt.timedelta(seconds=1)}  # fmt: skip
        begin = at(2025, 12, 20)
        instants |= {begin + dt.timedelta(seconds=rng.randrange(120 * 86400)) for _n in range(60)}
        for number, mql_at in enumerate(sorted(instants)):
            leads.append(_lead(rng, version, f"L{number}", mql_at))
        # On the attempt windows' cutoffs, to the microsecond, and either side: one lead of
        # each type short of every minimum, so only the window decides it.
        for days in (5, 10, 14):
            cutoff = AS_OF - dt.timedelta(days=days)
            for offset in (dt.timedelta(0), dt.timedelta(microseconds=-1), dt.timedelta(1)):
                for lead_type in TYPES:
                    lead = _lead(rng, version, f"C{days}{offset}{lead_type}", cutoff + offset)
                    lead.lead_type, lead.attempts = lead_type, 1
                    leads.append(lead)
    LeadRecord.objects.bulk_create(leads)


def _lead(rng: random.Random, version: Agreement, lead_id: str, mql_at: dt.datetime) -> LeadRecord:
    due_at = mql_at + dt.timedelta(hours=rng.choice((1, 4, 30)))
    touch = rng.choice(("none", "early", "on due", "late"))
    if rng.random() < 0.1:  # due exactly now, untouched: pending, not breached
        due_at, touch = AS_OF, "none"
    first_touch_at = {
        "none": None,
        "early": due_at - dt.timedelta(minutes=rng.randrange(1, 50)),
        "on due": due_at,
        "late": due_at + dt.timedelta(hours=rng.randrange(1, 100)),
    }[touch]
    hours = Decimal(rng.randrange(0, 2000)) / 100
    outcome = rng.choice(OUTCOMES)
    return LeadRecord(
        series_id=version.series_id,
        agreement=version,
        lead_id=lead_id,
        lead_type=rng.choice(TYPES),
        mql_at=mql_at,
        due_at=due_at,
        first_touch_at=first_touch_at,
        response_hours=hours if first_touch_at and rng.random() < 0.9 else None,
        attempts=rng.randrange(0, 8),
        outcome=outcome,
        invalid_rejection=outcome not in ("", ACCEPTED) and rng.random() < 0.3,
        limit_hours=Decimal("1.00"),
    )


def _expected(
    request: MeasureRequest, rows: Sequence[LeadRecord], as_of: dt.datetime = AS_OF
) -> Decimal | None:
    """The measure counted from the rows, the rules written out plainly."""
    start, end = request.instants()
    leads = [r for r in rows if r.series_id == request.series_id and start <= r.mql_at < end]
    if not leads:
        return None
    statuses = [lead_status(r.first_touch_at, r.due_at, as_of) for r in leads]
    levels: dict[str, tuple[int, dt.datetime]] = {}
    for lead_type, minimum, window in request.service_levels:
        levels.setdefault(lead_type, (minimum, as_of - dt.timedelta(days=window)))
    enough = short = 0
    for r in leads:
        if r.lead_type in levels:
            minimum, cutoff = levels[r.lead_type]
            enough += r.attempts >= minimum
            short += r.attempts < minimum and r.mql_at < cutoff
    rejected = [r for r in leads if r.invalid_rejection or r.outcome not in ("", ACCEPTED)]
    decided = [r for r in leads if r.invalid_rejection or r.outcome]
    responses = [
        r.response_hours for r in leads if r.first_touch_at and r.response_hours is not None
    ]
    if request.measure == Measure.HANDOFF_COMPLIANCE:
        return percent(statuses.count(MET), statuses.count(MET) + statuses.count(BREACHED))
    if request.measure == Measure.MEDIAN_FIRST_RESPONSE:
        if not responses:
            return None
        return Decimal(statistics.median(responses)).quantize(CENT, rounding=ROUND_HALF_UP)
    if request.measure == Measure.CONTACT_ATTEMPTS:
        return percent(enough, enough + short)
    if request.measure == Measure.REJECTION_RATE:
        return percent(len(rejected), len(decided))
    assert request.measure == Measure.INVALID_REJECTIONS
    return Decimal(sum(r.invalid_rejection for r in leads))


def _check(requests: Sequence[MeasureRequest]) -> int:
    """Asserts every request's value against the rows; returns the statements it took."""
    rows = list(LeadRecord.objects.all())
    with CaptureQueriesContext(connection) as queries:
        values = measure_values(requests, as_of=AS_OF, from_leads=True)
    assert {r: values[r] for r in requests} == {r: _expected(r, rows) for r in requests}
    return len(queries)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_measures_agree_with_a_count_of_the_rows(series: list[Agreement], seed: int) -> None:
    _make_leads(series, seed)
    requests = _requests(series, LEVELS)
    assert any(
        v is not None for v in measure_values(requests, as_of=AS_OF, from_leads=True).values()
    )
    assert _check(requests) == 2  # the counts and the response times
    assert _check([r for r in requests if r.measure != Measure.MEDIAN_FIRST_RESPONSE]) == 1
    assert _check(_requests(series, ((), (), ()))) == 2  # no levels: every lead open


@pytest.mark.parametrize("per_statement", [1, 2, 5])
def test_chunks_of_cells_give_the_same_values(
    series: list[Agreement], per_statement: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cells split over several statements (forced tiny here) add up to the same values."""
    _make_leads(series, 4)
    requests = _requests(series, LEVELS)
    monkeypatch.setattr(lead_cells, "CELLS_PER_STATEMENT", per_statement)
    per_series = Counter(
        series_id
        for series_id, _start, _end in _cells([(r.series_id, *r.instants()) for r in requests])[0]
    )
    # Each series' cells in statements of their own (none here fills a statement exactly).
    statements = sum(-(-count // per_statement) for count in per_series.values())
    assert statements > 1
    assert _check(requests) == 2 * statements


def test_every_branch_of_the_status_matches_lead_status(series: list[Agreement]) -> None:
    """One lead per branch of the hand-off rule, each on its own day, read back as lead_status."""
    version = series[0]
    due = AS_OF - dt.timedelta(hours=2)
    branches = {
        "touched before due": (due - dt.timedelta(minutes=1), due),
        "touched on due": (due, due),
        "touched after due": (due + dt.timedelta(seconds=1), due),
        "untouched, due passed": (None, due),
        "untouched, due now": (None, AS_OF),
        "untouched, due later": (None, AS_OF + dt.timedelta(hours=1)),
    }
    days: dict[str, dt.date] = {}
    for number, (name, (touched, due_at)) in enumerate(branches.items()):
        days[name] = dt.date(2026, 1, 1 + number)
        mql_at = dt.datetime.combine(days[name], dt.time(9), tzinfo=dt.UTC)
        LeadRecord.objects.create(series_id=version.series_id, agreement=version,
                                  lead_id=name, mql_at=mql_at, due_at=due_at,
                                  first_touch_at=touched, limit_hours=Decimal(1))  # fmt: skip
    requests = {
        name: MeasureRequest(
            series_id=version.series_id,
            measure=Measure.HANDOFF_COMPLIANCE,
            start=day,
            end=day + dt.timedelta(1),
        )
        for name, day in days.items()
    }
    values = measure_values(requests.values(), as_of=AS_OF, from_leads=True)
    wanted = {MET: Decimal("100.0"), BREACHED: Decimal("0.0"), "pending": None}
    assert {name: values[r] for name, r in requests.items()} == {
        name: wanted[lead_status(touched, due_at, AS_OF)]
        for name, (touched, due_at) in branches.items()
    }
    assert set(map(str, wanted)) == {lead_status(t, d, AS_OF) for t, d in branches.values()}


def test_chunks_keep_a_series_together_and_under_the_parameter_limit() -> None:
    """Packed by series; a series larger than a statement is split; the budget is respected."""
    day = at(2026, 1, 1)
    cells = [(series_id, day, day) for series_id, count in ((1, 3), (2, 3), (3, 7))
             for _n in range(count)]  # fmt: skip
    fake: Any = SimpleNamespace(features=SimpleNamespace(max_query_params=None))
    assert lead_cells._chunks(cells, {}, fake) == [list(range(13))]
    fake.features.max_query_params = lead_cells._OTHER_PARAMS + 4 * 5
    levels = {1: [("Demo request", 1, 1)]}
    chunks = lead_cells._chunks(cells, levels, fake)
    assert chunks == [[0, 1, 2], [3, 4, 5], [6, 7, 8, 9, 10], [11, 12]]
    assert sorted(i for chunk in chunks for i in chunk) == list(range(13))
