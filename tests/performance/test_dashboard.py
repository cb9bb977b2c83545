"""Dashboard figures against hand-computed fixtures, and constant query counts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from agreements.models import Agreement, Deadline, Kpi
from agreements.selectors import version_in_force
from performance.dashboard.agreement import dashboard_for
from performance.dashboard.deadlines import deadlines_due
from performance.dashboard.kpis import kpi_standing
from performance.dashboard.lead_figures import lead_figures
from performance.dashboard.portfolio import portfolio_rows, portfolio_sort
from performance.dashboard.standing import Standing
from performance.dashboard.versions import VersionChain
from performance.lead_stats import pending_leads
from performance.measures import MeasureRequest, measure_values
from performance.models import KpiActual, LeadRecord
from tests.factories import AgreementFactory
from tests.performance.helpers import (
    amend,
    at,
    lead,
    monthly,
    sign,
)

NOW = at(2026, 2, 15, 12)


@pytest.fixture
def signed(agreement: Agreement) -> Agreement:
    """The Q1 2026 standard agreement, signed: plan 500 leads, 100 MQLs, 40 SQLs, 10 won a month."""
    return sign(agreement)


@pytest.fixture
def handoff_leads(signed: Agreement) -> list[LeadRecord]:
    """Eight leads with known statuses as of NOW (2026-02-15 12:00 UTC)."""
    return [
        # Demo request: met, met at the exact limit, breached late, pending at due == now,
        # breached untouched.
        lead(signed, "D1", mql_at=at(2026, 1, 5, 10), due_at=at(2026, 1, 5, 11),
             first_touch_at=at(2026, 1, 5, 10, 30), outcome="accepted"),
        lead(signed, "D2", mql_at=at(2026, 1, 6, 10), due_at=at(2026, 1, 6, 11),
             first_touch_at=at(2026, 1, 6, 11), outcome="no-budget"),
        lead(signed, "D3", mql_at=at(2026, 1, 7, 10), due_at=at(2026, 1, 7, 11),
             first_touch_at=at(2026, 1, 7, 12), outcome="no-budget"),
        lead(signed, "D4", mql_at=at(2026, 2, 15, 11), due_at=at(2026, 2, 15, 12)),
        lead(signed, "D5", mql_at=at(2026, 2, 10, 10), due_at=at(2026, 2, 10, 11)),
        # Contact us: met, breached late (an invalid rejection), pending, met.
        lead(signed, "C1", lead_type="Contact us", mql_at=at(2026, 1, 20, 9),
             due_at=at(2026, 1, 20, 13), first_touch_at=at(2026, 1, 20, 10),
             outcome="duplicate"),
        lead(signed, "C2", lead_type="Contact us", mql_at=at(2026, 2, 2, 9),
             due_at=at(2026, 2, 2, 13), first_touch_at=at(2026, 2, 3, 9),
             outcome="bogus", invalid_rejection=True),
        lead(signed, "C3", lead_type="Contact us", mql_at=at(2026, 2, 15, 10),
             due_at=at(2026, 2, 15, 14)),
        lead(signed, "C4", lead_type="Contact us", mql_at=at(2026, 2, 3, 9),
             due_at=at(2026, 2, 3, 13), first_touch_at=at(2026, 2, 3, 9, 5)),
    ]  # fmt: skip


def counts(rows: Any) -> dict[str, tuple[int, int, int, Decimal | None]]:
    return {row.label: (row.met, row.breached, row.pending, row.share_met) for row in rows}


def amended_in_zone(agreement: Agreement, zone: str) -> Agreement:
    """A signed amendment on another calendar (the lead tally keeps the zone it was counted in)."""
    return AgreementFactory.create(amends=agreement, signed=True, timezone=zone)


def test_compliance_by_type_counts_met_breached_pending(
    signed: Agreement, handoff_leads: list[LeadRecord]
) -> None:
    """Per lead type: met within the limit (the exact limit included), breached, pending."""
    rows = dashboard_for(agreement=signed, now=NOW).by_type

    assert counts(rows) == {
        "Demo request": (2, 2, 1, Decimal("50.0")),
        "Contact us": (2, 1, 1, Decimal("66.7")),
        "Content download": (0, 0, 0, None),
        "Event lead": (0, 0, 0, None),
    }


def test_pending_leads_handed_over_count_for_their_own_series_only(
    signed: Agreement, handoff_leads: list[LeadRecord]
) -> None:
    """The dashboard reads the pending leads once and hands them to the hand-off tables and
    the KPI measures; rows of another series among them change neither."""
    pending = pending_leads([signed.series_id], as_of=NOW)
    assert sorted(row[1:] for row in pending) == [
        ("Contact us", at(2026, 2, 15, 10)),
        ("Demo request", at(2026, 2, 15, 11)),
    ]
    other = AgreementFactory.create(signed=True)
    stray = [(other.series_id, "Demo request", at(2026, 2, 14, 9))] * 3
    tables = lead_figures(series_id=signed.series_id, as_of=NOW, pending=[*pending, *stray])
    assert counts(tables.by_type) == {
        "Demo request": (2, 2, 1, Decimal("50.0")),
        "Contact us": (2, 1, 1, Decimal("66.7")),
    }
    request = MeasureRequest(
        series_id=signed.series_id,
        measure=Kpi.Measure.HANDOFF_COMPLIANCE,
        start=dt.date(2026, 2, 1),
        end=dt.date(2026, 3, 1),
    )
    read = measure_values([request], as_of=NOW)
    assert read == measure_values([request], as_of=NOW, pending=[*pending, *stray])
    # February: C4 met, C2 breached, D5 breached; D4 and C3 pending.
    assert read[request] == Decimal("33.3")


def test_compliance_by_month_buckets_by_mql_month(
    signed: Agreement, handoff_leads: list[LeadRecord]
) -> None:
    """January: 3 met, 1 breached (75%); February: 1 met, 2 breached, 2 pending (33.3%)."""
    rows = dashboard_for(agreement=signed, now=NOW).by_month

    assert counts(rows) == {
        "2026-01": (3, 1, 0, Decimal("75.0")),
        "2026-02": (1, 2, 2, Decimal("33.3")),
    }


def test_compliance_by_month_uses_the_agreement_time_zone(signed: Agreement) -> None:
    """An MQL at 03:00 UTC on 1 February is still January in New York."""
    lead(signed, "NY", mql_at=at(2026, 2, 1, 3), due_at=at(2026, 2, 2, 15),
         first_touch_at=at(2026, 2, 2, 14))  # fmt: skip

    utc = dashboard_for(agreement=signed, now=NOW).by_month
    amendment = amended_in_zone(signed, "America/New_York")
    new_york = dashboard_for(agreement=amendment, now=NOW).by_month

    assert [row.label for row in new_york] == ["2026-01"]
    assert [row.label for row in utc] == ["2026-02"]


def test_month_buckets_follow_daylight_saving_in_the_agreement_zone(agreement: Agreement) -> None:
    """Berlin midnight is 22:00 UTC in summer time and 23:00 UTC in winter time."""
    signed = sign(agreement, timezone="Europe/Berlin")
    for lead_id, mql_at in (
        ("MARCH", at(2026, 3, 31, 21, 30)),  # 23:30 CEST, 31 March
        ("APRIL", at(2026, 3, 31, 22, 30)),  # 00:30 CEST, 1 April
        ("OCTOBER", at(2026, 10, 31, 22, 30)),  # 23:30 CET, 31 October
        ("NOVEMBER", at(2026, 10, 31, 23, 30)),  # 00:30 CET, 1 November
    ):
        lead(signed, lead_id, mql_at=mql_at, due_at=mql_at + dt.timedelta(hours=1),
             first_touch_at=mql_at)  # fmt: skip

    rows = dashboard_for(agreement=signed, now=NOW).by_month

    assert [(row.label, row.met) for row in rows] == [
        ("2026-03", 1),
        ("2026-04", 1),
        ("2026-10", 1),
        ("2026-11", 1),
    ]


def test_no_leads_no_compliance_rows(signed: Agreement) -> None:
    """Without leads the lead types are listed with zeros and there are no months."""
    dashboard = dashboard_for(agreement=signed, now=NOW)

    assert dashboard.by_month == []
    lead_types = ("Demo request", "Contact us", "Content download", "Event lead")
    assert counts(dashboard.by_type) == dict.fromkeys(lead_types, (0, 0, 0, None))


def test_status_moves_from_pending_to_breached_as_time_passes(signed: Agreement) -> None:
    """An untouched lead is pending up to its due instant and breached just after."""
    lead(signed, "P", mql_at=at(2026, 2, 15, 11), due_at=at(2026, 2, 15, 12))

    at_due = dashboard_for(agreement=signed, now=at(2026, 2, 15, 12)).by_type
    after = dashboard_for(agreement=signed, now=at(2026, 2, 15, 12, 1)).by_type

    assert counts(at_due)["Demo request"][:3] == (0, 0, 1)
    assert counts(after)["Demo request"][:3] == (0, 1, 0)


def test_dashboard_funnel_per_month_and_to_date(signed: Agreement) -> None:
    """January and February judged against 500/100/40/10 a month; March is not yet counted."""
    monthly(signed, dt.date(2026, 1, 1), leads=450, mqls=90, sqls=36, customers=9, revenue="90000")
    monthly(signed, dt.date(2026, 2, 1), leads=200, mqls=50, sqls=20, customers=4,
            revenue="40000")  # fmt: skip

    dashboard = dashboard_for(agreement=signed, now=NOW)

    months = dashboard.funnel.months
    assert [f"{row.month:%Y-%m}" for row in months] == ["2026-01", "2026-02"]
    assert months[0].planned is not None and months[0].actual is not None
    assert (months[0].planned.leads, months[0].planned.mqls) == (500, 100)
    assert (months[0].planned.sqls, months[0].planned.customers) == (40, 10)
    assert months[0].planned.revenue == Decimal("100000.00")
    totals = {total.stage: (total.planned, total.actual, total.share) for total in
              dashboard.funnel.to_date}  # fmt: skip
    assert totals == {
        "leads": (1000, 650, Decimal("65.0")),
        "mqls": (200, 140, Decimal("70.0")),
        "sqls": (80, 56, Decimal("70.0")),
        "customers": (20, 13, Decimal("65.0")),
        "revenue": (Decimal("200000.00"), Decimal("130000.00"), Decimal("65.0")),
    }


def test_each_month_is_judged_against_the_version_in_force_that_month(
    signed: Agreement,
) -> None:
    """After an amendment doubling the goal from February, February's plan is the new one."""
    version_2 = amend(
        signed,
        start=dt.date(2026, 2, 1),
        superseded_at=at(2026, 2, 1, 9),
        revenue_goal=Decimal("1200000"),
        months=3,
    )
    monthly(signed, dt.date(2026, 1, 1), leads=450, mqls=90, sqls=36, customers=9, revenue="90000")
    monthly(signed, dt.date(2026, 2, 1), leads=900, mqls=180, sqls=70, customers=18,
            revenue="180000")  # fmt: skip

    dashboard = dashboard_for(agreement=signed, now=NOW)

    january, february = dashboard.funnel.months
    assert (january.version, january.planned and january.planned.mqls) == (1, 100)
    assert (february.version, february.planned and february.planned.mqls) == (2, 200)
    mqls = next(total for total in dashboard.funnel.to_date if total.stage == "mqls")
    assert (mqls.planned, mqls.actual) == (300, 270)
    assert dashboard.current.pk == version_2.pk
    chain = VersionChain.load(signed, today=NOW.date())
    for month in (dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)):
        in_force = version_in_force(signed.series_id, month)
        assert in_force is not None
        assert chain.for_month(month).pk == in_force.pk


def test_dashboard_rejections_and_invalid_rejections(
    signed: Agreement, handoff_leads: list[LeadRecord]
) -> None:
    """Rejections per code with their labels; accepted and open leads are not rejections."""
    dashboard = dashboard_for(agreement=signed, now=NOW)

    assert [(row.label, row.count, row.invalid) for row in dashboard.rejections] == [
        ("No budget", 2, 0),
        ("bogus (not a reason code)", 1, 1),
        ("Duplicate", 1, 0),
    ]
    assert dashboard.invalid_rejections == 1


def test_dashboard_handoff_total(signed: Agreement, handoff_leads: list[LeadRecord]) -> None:
    """All leads: 4 met, 3 breached, 2 pending, 57.1% met."""
    total = dashboard_for(agreement=signed, now=NOW).handoff_total

    assert (total.met, total.breached, total.pending, total.share_met) == (
        4,
        3,
        2,
        Decimal("57.1"),
    )


def test_deadlines_due_within_14_days_or_overdue(agreement: Agreement) -> None:
    """Overdue and due-soon open deadlines show, soonest first; done and later ones do not."""
    Deadline.objects.filter(agreement=agreement).delete()
    Deadline.objects.bulk_create(
        [
            Deadline(agreement=agreement, title="Overdue", due=dt.date(2026, 2, 1), owner="sales"),
            Deadline(agreement=agreement, title="Done", due=dt.date(2026, 2, 2), owner="sales",
                     done=True),
            Deadline(agreement=agreement, title="Soon", due=dt.date(2026, 3, 1), owner="shared"),
            Deadline(agreement=agreement, title="Later", due=dt.date(2026, 3, 2), owner="shared"),
        ]
    )  # fmt: skip
    signed = sign(agreement)

    due = dashboard_for(agreement=signed, now=NOW).deadlines

    assert [(d.title, d.overdue, d.days_left) for d in due] == [
        ("Overdue", True, -14),
        ("Soon", False, 14),
    ]
    assert deadlines_due([], today=NOW.date()) == []


@pytest.mark.parametrize(
    ("direction", "unit", "cadence", "value", "start", "expected", "projected"),
    [
        # At least 100 MQLs a month; 14 of February's 28 days elapsed on the 14th.
        ("at_least", "MQLs", "monthly", "40", dt.date(2026, 2, 1), Standing.AT_RISK, "80.00"),
        ("at_least", "MQLs", "monthly", "60", dt.date(2026, 2, 1), Standing.ON_TRACK, "120.00"),
        ("at_least", "MQLs", "monthly", "100", dt.date(2026, 2, 1), Standing.MET, "200.00"),
        ("at_least", "MQLs", "monthly", "90", dt.date(2026, 1, 1), Standing.MISSED, "90"),
        ("at_least", "MQLs", "monthly", "100", dt.date(2026, 1, 1), Standing.MET, "100"),
        # A level (a percentage) is its own pace: not scaled up.
        ("at_least", "%", "monthly", "60", dt.date(2026, 2, 1), Standing.AT_RISK, "60"),
        # At most 100: 60 by 14 February heads for 120, over the limit.
        ("at_most", "complaints", "monthly", "60", dt.date(2026, 2, 1), Standing.AT_RISK,
         "120.00"),
        ("at_most", "complaints", "monthly", "40", dt.date(2026, 2, 1), Standing.MET, "80.00"),
        ("at_most", "complaints", "monthly", "101", dt.date(2026, 1, 1), Standing.MISSED, "101"),
        ("at_most", "business hours", "weekly", "120", dt.date(2026, 2, 12), Standing.AT_RISK,
         "120"),
        ("at_most", "business hours", "weekly", "99", dt.date(2026, 2, 12), Standing.MET, "99"),
        # A quarter from 1 January runs to 31 March: 45 of its 90 days elapsed on 14 February.
        ("at_least", "USD", "quarterly", "40", dt.date(2026, 1, 1), Standing.AT_RISK, "80.00"),
        (None, "MQLs", "monthly", None, None, Standing.NO_DATA, None),
    ],
)  # fmt: skip
def test_kpi_standing_rule(
    direction: str | None,
    unit: str,
    cadence: str,
    value: str | None,
    start: dt.date | None,
    expected: Standing,
    projected: str | None,
) -> None:
    """Met, on track, at risk (projected at the current pace) and missed, against target 100."""
    standing, projection, _current = kpi_standing(
        direction=direction or "at_least",
        target=Decimal("100"),
        value=None if value is None else Decimal(value),
        period_start=start,
        cadence=cadence,
        unit=unit,
        today=dt.date(2026, 2, 14),
    )

    assert standing == expected
    assert projection == (None if projected is None else Decimal(projected))


def test_dashboard_kpis_use_latest_value(signed: Agreement) -> None:
    """A KPI entered by hand reads its latest period's value: 40 by 14 February is at risk."""
    Kpi.objects.filter(agreement=signed, name="MQLs delivered").update(measure=Kpi.Measure.MANUAL)
    KpiActual.objects.bulk_create(
        [
            KpiActual(series_id=signed.series_id, kpi_name="MQLs delivered",
                      period_start=dt.date(2026, 1, 1), value=Decimal("120")),
            KpiActual(series_id=signed.series_id, kpi_name="MQLs delivered",
                      period_start=dt.date(2026, 2, 1), value=Decimal("40")),
        ]
    )  # fmt: skip

    dashboard = dashboard_for(agreement=signed, now=at(2026, 2, 14, 12))

    readings = {reading.name: reading for reading in dashboard.kpis}
    mqls = readings["MQLs delivered"]
    assert (mqls.value, mqls.period_start, mqls.standing) == (
        Decimal("40"),
        dt.date(2026, 2, 1),
        Standing.AT_RISK,
    )
    assert readings["Median first response"].standing == Standing.NO_DATA
    assert dashboard.kpi_standing == Standing.AT_RISK


def test_dashboard_of_a_draft_uses_its_own_plan(agreement: Agreement) -> None:
    """A draft has no signed version: its own plan and KPIs stand in."""
    dashboard = dashboard_for(agreement=agreement, now=NOW)

    assert dashboard.current.pk == agreement.pk
    assert dashboard.funnel.months[0].planned is not None
    assert dashboard.funnel.months[0].planned.mqls == 100


def test_portfolio_sort_orders_by_severity(
    marketing_team: Any, sales_team: Any, marketing_member: Any
) -> None:
    """Sorting by a commitment puts the best first; the minus sign puts the worst first."""
    today = dt.date.today()

    def draft(title: str) -> Agreement:
        return AgreementFactory.create(
            owner=marketing_member,
            marketing_team=marketing_team,
            sales_team=sales_team,
            start_date=today - dt.timedelta(days=60),
            end_date=today + dt.timedelta(days=60),
            title=title,
        )

    good, bad = draft("B good"), draft("A bad")
    # Set on the drafts, before signing, so the signatures cover them.
    Deadline.objects.filter(agreement=good).update(done=True)
    Deadline.objects.filter(agreement=bad).update(done=False, due=today - dt.timedelta(days=3))
    sign(good)
    sign(bad)

    rows = portfolio_rows(user=marketing_member)

    assert [row.agreement.title for row in rows] == ["A bad", "B good"]
    assert [row.agreement.title for row in portfolio_sort(rows, "deadlines")] == [
        "B good",
        "A bad",
    ]
    assert [row.agreement.title for row in portfolio_sort(rows, "-deadlines")] == [
        "A bad",
        "B good",
    ]
    assert [row.agreement.title for row in portfolio_sort(rows, "-title")] == ["B good", "A bad"]
    assert [row.agreement.title for row in portfolio_sort(rows, "nonsense")] == ["A bad", "B good"]
