"""Each KPI measure against a hand-computed fixture; every page reads the same figure."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from agreements.models import Agreement, Kpi
from performance.dashboard.agreement import dashboard_for
from performance.dashboard.portfolio import portfolio_rows
from performance.dashboard.standing import Standing
from performance.measures import MeasureRequest, measure_values, median, monthly_actuals
from performance.models import KpiActual, LeadRecord
from performance.services.alerts.finding import kpi_alerts
from performance.services.lead_tally import lead_tally_refresh
from tests.performance.helpers import amend, at, monthly, sign

Measure = Kpi.Measure
NOW = at(2026, 2, 15, 12)
JANUARY = (dt.date(2026, 1, 1), dt.date(2026, 2, 1))
QUARTER = (dt.date(2026, 1, 1), dt.date(2026, 4, 1))
# The standard template's service levels: (lead type, minimum attempts, window in days).
LEVELS = (
    ("Demo request", 6, 10),
    ("Contact us", 6, 10),
    ("Content download", 4, 10),
    ("Event lead", 3, 14),
)


@pytest.fixture
def signed(agreement: Agreement) -> Agreement:
    """The Q1 2026 standard agreement (UTC), signed."""
    return sign(agreement)


def _lead(agreement: Agreement, lead_id: str, **values: Any) -> LeadRecord:
    return LeadRecord(series_id=agreement.series_id, agreement=agreement, lead_id=lead_id,
                      limit_hours=Decimal("1.00"), **values)  # fmt: skip


@pytest.fixture
def figures(signed: Agreement) -> Agreement:
    """Two months of actuals and seven leads, with every count worked out by hand below."""
    monthly(
        signed, dt.date(2026, 1, 1), leads=500, mqls=110, sqls=44, customers=11, revenue="105000.00"
    )
    monthly(
        signed, dt.date(2026, 2, 1), leads=300, mqls=50, sqls=25, customers=5, revenue="52000.00"
    )
    LeadRecord.objects.bulk_create([
        # January. L1: met, 6 of 6 attempts (enough), accepted.
        _lead(signed, "L1", lead_type="Demo request", mql_at=at(2026, 1, 5, 10),
              due_at=at(2026, 1, 5, 11), first_touch_at=at(2026, 1, 5, 10, 30),
              response_hours=Decimal("0.50"), attempts=6, outcome="accepted"),
        # L2: breached (touched after due), 3 of 6 and its window closed (short), rejected.
        _lead(signed, "L2", lead_type="Demo request", mql_at=at(2026, 1, 6, 10),
              due_at=at(2026, 1, 6, 11), first_touch_at=at(2026, 1, 6, 12),
              response_hours=Decimal("2.00"), attempts=3, outcome="no-budget"),
        # L3: met, 2 of 6 (short), rejected without a valid reason.
        _lead(signed, "L3", lead_type="Contact us", mql_at=at(2026, 1, 20, 9),
              due_at=at(2026, 1, 20, 13), first_touch_at=at(2026, 1, 20, 10),
              response_hours=Decimal("1.00"), attempts=2, outcome="bogus",
              invalid_rejection=True),
        # L4: untouched past due (breached), 0 of 4, window closed 10 February (short),
        # no outcome yet.
        _lead(signed, "L4", lead_type="Content download", mql_at=at(2026, 1, 31, 23, 30),
              due_at=at(2026, 2, 2, 17), attempts=0),
        # L5: met, 3 of 3 (enough), accepted.
        _lead(signed, "L5", lead_type="Event lead", mql_at=at(2026, 1, 25, 9),
              due_at=at(2026, 1, 26, 9), first_touch_at=at(2026, 1, 25, 12),
              response_hours=Decimal("3.00"), attempts=3, outcome="accepted"),
        # February. L6 (on the month's first instant): breached, 0 of 6 with the window
        # closed 11 February (short), rejected as a duplicate.
        _lead(signed, "L6", lead_type="Demo request", mql_at=at(2026, 2, 1),
              due_at=at(2026, 2, 2, 10), first_touch_at=at(2026, 2, 3, 9),
              response_hours=Decimal("9.00"), attempts=0, outcome="duplicate"),
        # L7: met, 1 of 6 but its window is open until 20 February (not judged yet).
        _lead(signed, "L7", lead_type="Demo request", mql_at=at(2026, 2, 10, 10),
              due_at=at(2026, 2, 10, 11), first_touch_at=at(2026, 2, 10, 10, 15),
              response_hours=Decimal("0.25"), attempts=1),
    ])  # fmt: skip
    lead_tally_refresh(series_id=signed.series_id)
    return signed


def _values(agreement: Agreement, span: tuple[dt.date, dt.date]) -> dict[str, Decimal | None]:
    requests = {
        measure: MeasureRequest(
            series_id=agreement.series_id,
            measure=measure,
            start=span[0],
            end=span[1],
            zone="UTC",
            service_levels=LEVELS,
        )
        for measure in Measure.values
        if measure != Measure.MANUAL
    }
    values = measure_values(requests.values(), as_of=NOW)
    return {measure: values[request] for measure, request in requests.items()}


def test_every_measure_of_january(figures: Agreement) -> None:
    """January, by hand.

    Actuals: 500 leads, 110 MQLs, 44 SQLs, 11 customers, 105,000.00 won; conversions
    110/500 = 22.0%, 44/110 = 40.0%, 11/44 = 25.0%. Leads L1–L5: met L1, L3, L5 and breached
    L2, L4, so 3/5 = 60.0%; responses 0.5, 1, 2, 3 hours, median (1 + 2)/2 = 1.50; attempts
    enough L1, L5 and short L2, L3, L4, so 2/5 = 40.0%; outcomes on L1, L2, L3, L5 of which
    L2 and L3 rejected, 2/4 = 50.0%; one rejection without a valid reason (L3).
    """
    assert _values(figures, JANUARY) == {
        Measure.LEADS: Decimal(500),
        Measure.MQLS: Decimal(110),
        Measure.SQLS: Decimal(44),
        Measure.CUSTOMERS: Decimal(11),
        Measure.REVENUE: Decimal("105000.00"),
        Measure.MARKETING_REVENUE: Decimal("105000.00"),
        Measure.LEAD_TO_MQL_RATE: Decimal("22.0"),
        Measure.MQL_TO_SQL_RATE: Decimal("40.0"),
        Measure.SQL_TO_CUSTOMER_RATE: Decimal("25.0"),
        Measure.HANDOFF_COMPLIANCE: Decimal("60.0"),
        Measure.MEDIAN_FIRST_RESPONSE: Decimal("1.50"),
        Measure.CONTACT_ATTEMPTS: Decimal("40.0"),
        Measure.REJECTION_RATE: Decimal("50.0"),
        Measure.INVALID_REJECTIONS: Decimal(1),
    }


def test_every_measure_of_the_quarter_so_far(figures: Agreement) -> None:
    """The quarter to 15 February, by hand.

    Actuals: 800 leads, 160 MQLs, 69 SQLs, 16 customers, 157,000.00; 160/800 = 20.0%,
    69/160 = 43.125 → 43.1%, 16/69 = 23.19 → 23.2%. Leads L1–L7: met L1, L3, L5, L7 of seven
    decided, 4/7 = 57.1%; responses 0.25, 0.5, 1, 2, 3, 9: median (1 + 2)/2 = 1.50; attempts
    enough L1, L5, short L2, L3, L4, L6 (L7 open): 2/6 = 33.3%; outcomes on L1, L2, L3, L5, L6,
    rejected L2, L3, L6: 3/5 = 60.0%; one without a valid reason.
    """
    assert _values(figures, QUARTER) == {
        Measure.LEADS: Decimal(800),
        Measure.MQLS: Decimal(160),
        Measure.SQLS: Decimal(69),
        Measure.CUSTOMERS: Decimal(16),
        Measure.REVENUE: Decimal("157000.00"),
        Measure.MARKETING_REVENUE: Decimal("157000.00"),
        Measure.LEAD_TO_MQL_RATE: Decimal("20.0"),
        Measure.MQL_TO_SQL_RATE: Decimal("43.1"),
        Measure.SQL_TO_CUSTOMER_RATE: Decimal("23.2"),
        Measure.HANDOFF_COMPLIANCE: Decimal("57.1"),
        Measure.MEDIAN_FIRST_RESPONSE: Decimal("1.50"),
        Measure.CONTACT_ATTEMPTS: Decimal("33.3"),
        Measure.REJECTION_RATE: Decimal("60.0"),
        Measure.INVALID_REJECTIONS: Decimal(1),
    }


def test_a_period_without_data_has_no_value(signed: Agreement) -> None:
    """No actuals and no leads: every measure is None, not zero."""
    assert set(_values(signed, JANUARY).values()) == {None}


def test_median_of_odd_and_even_counts() -> None:
    """1, 2, 2 → 2; 1, 2, 3, 10 → 2.5."""
    from collections import Counter

    assert median(Counter({Decimal(1): 1, Decimal(2): 2})) == Decimal("2.00")
    assert median(Counter({Decimal(1): 1, Decimal(2): 1, Decimal(3): 1, Decimal(10): 1})) == (
        Decimal("2.50")
    )


def test_the_dashboards_computed_kpis_agree_with_its_other_figures(figures: Agreement) -> None:
    """Issue 10 point 6: the KPIs are computed, never the typed values, and agree with the page.

    On 15 February the monthly KPIs read February: MQLs 50 (the month's actuals, not the 107
    typed), hand-off 1 met of L6, L7 decided = 50.0%, the dashboard's February row; the weekly
    median first response reads the week of 9 February: L7 alone, 0.25 h.
    """
    KpiActual.objects.create(series_id=figures.series_id, kpi_name="MQLs delivered",
                             period_start=dt.date(2026, 2, 1), value=Decimal("107"))  # fmt: skip
    dashboard = dashboard_for(agreement=figures, now=NOW)
    readings = {reading.name: reading for reading in dashboard.kpis}
    february = next(row for row in dashboard.by_month if row.key == dt.date(2026, 2, 1))

    assert readings["MQLs delivered"].value == Decimal(50)
    assert readings["MQLs delivered"].is_computed
    handoff = readings["Leads followed up within SLA"]
    assert handoff.value == february.share_met == Decimal("50.0")
    assert handoff.period_start == dt.date(2026, 2, 1)
    assert readings["Median first response"].value == Decimal("0.25")
    assert readings["Median first response"].period_start == dt.date(2026, 2, 9)
    assert readings["MQL to SQL conversion"].value == Decimal("50.0")  # 25/50
    assert readings["Marketing-sourced revenue"].value == Decimal("52000.00")


def test_renaming_a_kpi_changes_nothing(figures: Agreement) -> None:
    """The hand-off KPI is found by its measure: renamed, the portfolio keeps its target."""
    Kpi.objects.filter(agreement=figures, measure=Measure.HANDOFF_COMPLIANCE).update(
        name="Follow-ups on time", target=Decimal("40")
    )
    dashboard = dashboard_for(agreement=figures, now=NOW)
    readings = {reading.name: reading for reading in dashboard.kpis}
    assert readings["Follow-ups on time"].value == Decimal("50.0")
    (row,) = portfolio_rows(user=figures.owner, now=NOW)
    assert "target 40%" in row.handoff.detail


def test_alerts_read_the_computed_kpis(figures: Agreement) -> None:
    """check_sla judges a computed KPI by the dashboard's value: hand-off 50.0% is at risk."""
    alerts = kpi_alerts({figures.series_id: Agreement.objects.get(pk=figures.pk)}, NOW)
    by_kpi = {alert.details["kpi"]: alert for alert in alerts}
    assert by_kpi["Leads followed up within SLA"].details["value"] == "50.0"


def test_a_kpi_of_a_period_not_begun_has_no_value(figures: Agreement) -> None:
    """Before the agreement starts, computed KPIs have no data."""
    dashboard = dashboard_for(agreement=figures, now=at(2025, 12, 20, 12))
    assert {reading.value for reading in dashboard.kpis} == {None}


def test_the_portfolio_and_the_dashboard_plan_the_same_month(signed: Agreement) -> None:
    """Issue 10 point 7: an amendment signed on 20 February raising the plan to 150 MQLs a month.

    February is judged by the version in force on its first day (version 1: 100 MQLs a
    month); the portfolio showed version 2's 150 for the same month.
    """
    amend(signed, start=dt.date(2026, 1, 1), superseded_at=at(2026, 2, 20, 9),
          revenue_goal=Decimal("900000"), months=3)  # fmt: skip
    monthly(signed, dt.date(2026, 2, 1), leads=400, mqls=90, sqls=30, customers=8,
            revenue="80000")  # fmt: skip
    now = at(2026, 2, 25, 12)

    dashboard = dashboard_for(agreement=signed, now=now)
    february = next(m for m in dashboard.funnel.months if m.month == dt.date(2026, 2, 1))
    (row,) = portfolio_rows(user=signed.owner, now=now)

    assert february.planned is not None and february.planned.mqls == 100
    assert row.volume.detail == "90 of 100 MQLs this month"


def test_the_kpi_page_offers_only_kpis_entered_by_hand(
    client: Any, signed: Agreement, marketing_member: Any
) -> None:
    """Computed KPIs are never typed: the template's five are listed as computed, no field."""
    from django.urls import reverse

    client.force_login(marketing_member)
    page = client.get(reverse("performance:kpi_actuals", args=[signed.pk]) + "?day=2026-01-14")
    body = page.content.decode()
    assert 'name="kpi_0"' not in body
    assert 'id="no-manual-kpis"' in body
    # Listed under "Computed from the data" with its measure.
    assert "MQLs delivered (MQLs)" in body


def test_the_service_refuses_a_value_for_a_computed_kpi(
    signed: Agreement, marketing_member: Any
) -> None:
    """A value typed for a computed KPI is refused, naming its measure; nothing is saved."""
    from django.core.exceptions import ValidationError

    from performance.services.actuals import kpi_actuals_save

    with pytest.raises(ValidationError, match="computed from the data"):
        kpi_actuals_save(agreement=signed, actor=marketing_member, day=dt.date(2026, 1, 14),
                         values={"MQLs delivered": Decimal("107")})  # fmt: skip
    assert not KpiActual.objects.exists()


def test_the_portfolio_lights_the_kpis_from_the_figures_the_dashboard_reads(
    figures: Agreement,
) -> None:
    """The portfolio reads its monthly actuals once for its volume light and its computed KPIs:
    its KPI light counts the readings the dashboard shows, MQLs from the actuals included."""
    dashboard = dashboard_for(agreement=figures, now=NOW)
    readings = {reading.name: reading for reading in dashboard.kpis}
    failing = [r for r in dashboard.kpis if r.standing in (Standing.AT_RISK, Standing.MISSED)]
    (row,) = portfolio_rows(user=figures.owner, now=NOW)

    assert readings["MQLs delivered"].value == Decimal("50")
    assert readings["MQLs delivered"] in failing
    assert row.kpis.detail == f"{len(failing)} of {len(readings)} at risk or missed"
    assert row.volume.detail == "50 of 100 MQLs this month"


def test_monthly_actuals_cover_the_periods_and_the_months_asked_for(signed: Agreement) -> None:
    """From the first month of the requests' periods and the months named besides to the last:
    January's request and February named read those two, not March or June."""
    for month in (1, 2, 3, 6):
        monthly(signed, dt.date(2026, month, 1), leads=month, mqls=0, sqls=0, customers=0,
                revenue="0")  # fmt: skip
    request = MeasureRequest(signed.series_id, Measure.MQLS, *JANUARY, zone="UTC")

    found = monthly_actuals([request], also={dt.date(2026, 2, 1)})

    assert [row.month.month for row in found[signed.series_id]] == [1, 2]
    assert monthly_actuals([]) == {}
