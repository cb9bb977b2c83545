"""Projections and totals to date in the period's own time: not begun, running, ended.

A Q1 2027 agreement signed on 2026-11-29 with a KPI value entered for 2027-01-15 was labelled
"(running)" and projected at 31 times the value (one day "elapsed" of January's 31); the funnel's
totals to date showed 0 while the table listed the months recorded ahead.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from agreements.models import Agreement
from performance.dashboard.agreement import Dashboard, dashboard_for
from performance.dashboard.figures import Phase
from performance.dashboard.kpis import KpiReading
from performance.dashboard.standing import Standing
from performance.models import KpiActual
from tests.factories import AgreementFactory
from tests.factories.sections import KpiFactory
from tests.performance.helpers import at, monthly, sign

KPI = "Meetings booked"


def _signed_with_kpi(draft: Agreement, *, when: dt.datetime | None = None) -> Agreement:
    """The draft with a hand-entered KPI, at least 100 meetings a month, then signed."""
    KpiFactory.create(agreement=draft, name=KPI, unit="meetings", target=Decimal("100"))
    return sign(draft, when=when)


def _value(agreement: Agreement, start: dt.date, value: str) -> None:
    KpiActual.objects.create(
        series_id=agreement.series_id, kpi_name=KPI, period_start=start, value=Decimal(value)
    )


def _reading(dashboard: Dashboard) -> KpiReading:
    return next(reading for reading in dashboard.kpis if reading.name == KPI)


def _totals(dashboard: Dashboard) -> dict[str, tuple[object, object]]:
    return {total.stage: (total.planned, total.actual) for total in dashboard.funnel.to_date}


@pytest.fixture
def q1_2026(agreement: Agreement) -> Agreement:
    """Q1 2026, plan 500/100/40/10 and 100,000 a month; January and February recorded.

    A KPI value of 30 meetings is recorded for March.
    """
    signed = _signed_with_kpi(agreement)
    monthly(signed, dt.date(2026, 1, 1), leads=450, mqls=90, sqls=36, customers=9, revenue="90000")
    monthly(signed, dt.date(2026, 2, 1), leads=200, mqls=50, sqls=20, customers=4,
            revenue="40000")  # fmt: skip
    _value(signed, dt.date(2026, 3, 1), "30")
    return signed


def test_the_exact_bug_q1_2027_signed_on_2026_11_29(
    client: Client, marketing_team, sales_team, marketing_member
) -> None:
    """Not begun: no "(running)", no 31-fold projection, no totals of 0 beside recorded months."""
    draft = AgreementFactory.create(
        owner=marketing_member,
        marketing_team=marketing_team,
        sales_team=sales_team,
        start_date=dt.date(2027, 1, 1),
        end_date=dt.date(2027, 3, 31),
    )
    signed = _signed_with_kpi(draft, when=at(2026, 11, 29, 9))
    _value(signed, dt.date(2027, 1, 1), "140")
    for month in (1, 2, 3):
        monthly(signed, dt.date(2027, month, 1), leads=500, mqls=140, sqls=41, customers=10,
                revenue="141000")  # fmt: skip
    now = at(2026, 11, 29, 12)

    dashboard = dashboard_for(agreement=signed, now=now)

    reading = _reading(dashboard)
    assert reading.phase == Phase.NOT_BEGUN
    assert (reading.projected, reading.current_period) == (None, False)
    assert reading.standing == Standing.NO_DATA
    assert dashboard.funnel.phase == Phase.NOT_BEGUN
    assert dashboard.funnel.to_date == []
    assert [f"{row.month:%Y-%m}" for row in dashboard.funnel.months] == [
        "2027-01",
        "2027-02",
        "2027-03",
    ]

    client.force_login(marketing_member)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.utils.timezone.now", lambda: now)
        page = client.get(f"/agreements/{signed.pk}/dashboard/").content.decode()
    assert "(not begun)" in page
    assert "(running)" not in page
    assert "4340" not in page.replace(",", "")
    assert 'id="funnel-not-begun"' in page
    assert 'id="funnel-to-date"' not in page


def test_not_begun(q1_2026: Agreement) -> None:
    """On 2025-12-20 nothing is to date and March's value is not projected."""
    dashboard = dashboard_for(agreement=q1_2026, now=at(2025, 12, 20, 12))

    assert dashboard.funnel.phase == Phase.NOT_BEGUN
    assert dashboard.funnel.to_date == []
    reading = _reading(dashboard)
    assert (reading.phase, reading.projected, reading.standing) == (
        Phase.NOT_BEGUN,
        None,
        Standing.NO_DATA,
    )


def test_running(q1_2026: Agreement) -> None:
    """On 2026-03-10: three months' plan to date; 30 meetings in 10 of 31 days heads for 93."""
    dashboard = dashboard_for(agreement=q1_2026, now=at(2026, 3, 10, 12))

    assert dashboard.funnel.phase == Phase.RUNNING
    assert _totals(dashboard) == {
        "leads": (1500, 650),
        "mqls": (300, 140),
        "sqls": (120, 56),
        "customers": (30, 13),
        "revenue": (Decimal("300000.00"), Decimal("130000")),
    }
    reading = _reading(dashboard)
    # 30 × 31 / 10 = 93.00, short of 100.
    assert (reading.phase, reading.projected, reading.standing) == (
        Phase.RUNNING,
        Decimal("93.00"),
        Standing.AT_RISK,
    )
    assert reading.current_period


def test_ended(q1_2026: Agreement) -> None:
    """On 2026-04-10 the totals are the whole period's; March's value is final: missed."""
    dashboard = dashboard_for(agreement=q1_2026, now=at(2026, 4, 10, 12))

    assert dashboard.funnel.phase == Phase.ENDED
    assert _totals(dashboard) == {
        "leads": (1500, 650),
        "mqls": (300, 140),
        "sqls": (120, 56),
        "customers": (30, 13),
        "revenue": (Decimal("300000.00"), Decimal("130000")),
    }
    reading = _reading(dashboard)
    assert (reading.phase, reading.projected, reading.standing) == (
        Phase.ENDED,
        Decimal("30"),
        Standing.MISSED,
    )
    assert not reading.current_period


def test_a_month_stored_outside_the_period_is_marked_and_counted_nowhere(
    client: Client, q1_2026: Agreement, marketing_member
) -> None:
    """2028-06, stored before the period was enforced, is listed without a plan or a total."""
    monthly(q1_2026, dt.date(2028, 6, 1), leads=9000, mqls=9000, sqls=9000, customers=9000,
            revenue="9000000")  # fmt: skip

    dashboard = dashboard_for(agreement=q1_2026, now=at(2026, 4, 10, 12))

    june = dashboard.funnel.months[-1]
    assert (june.month, june.in_period, june.version, june.planned) == (
        dt.date(2028, 6, 1),
        False,
        None,
        None,
    )
    assert _totals(dashboard)["leads"] == (1500, 650)
    client.force_login(marketing_member)
    page = client.get(f"/agreements/{q1_2026.pk}/dashboard/").content.decode()
    assert 'id="funnel-outside-period"' in page
    assert "outside the period" in page
