"""The dashboard's charts come from the cache when their figures are the ones drawn before."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation

from agreements.models import Agreement
from agreements.periods import month_start
from performance.charts import ChartSeries, bar_chart_grouped
from performance.dashboard.agreement import dashboard_for
from performance.dashboard.charts import dashboard_body
from performance.services.lead_tally import lead_tally_refresh
from tests.agreements.test_page_cache import page_of
from tests.performance.helpers import agreement_in_force, lead, monthly

pytestmark = pytest.mark.django_db


def chart(actual: int) -> str:
    return bar_chart_grouped(
        chart_id="chart-test",
        title="Leads",
        description="Leads per month",
        categories=["2026-01", "2026-02"],
        series=[ChartSeries("Actual", [actual, 12], "#0b5ed7")],
    )


def current_agreement(marketing_team: Any, sales_team: Any, actor: Any) -> Agreement:
    """A signed agreement in force since the month before last, for four months more."""
    return agreement_in_force(
        actor=actor,
        marketing_team=marketing_team,
        sales_team=sales_team,
        today=timezone.localdate(),
        title="Current SLA",
    )


def chart_keys() -> list[str]:
    return [key for key in getattr(cache, "_cache", {}) if ":chart:" in key]


def test_the_same_figures_draw_the_same_svg_once() -> None:
    """A chart drawn again with the same figures is the kept markup; other figures, a new one."""
    first = chart(10)
    assert len(chart_keys()) == 1
    assert chart(10) == first
    assert len(chart_keys()) == 1

    changed = chart(30)

    assert changed != first
    assert len(chart_keys()) == 2


def test_the_dashboard_warm_is_the_dashboard_cold(
    client: Any, marketing_team: Any, sales_team: Any, marketing_member: Any
) -> None:
    """New actuals show at once: the charts are kept by their figures, not by the agreement."""
    today = timezone.localdate()
    agreement = current_agreement(marketing_team, sales_team, marketing_member)
    client.force_login(marketing_member)
    address = reverse("performance:dashboard", args=[agreement.pk])
    cold = page_of(client.get(address))
    assert page_of(client.get(address)) == cold

    monthly(
        agreement, month_start(today), leads=777, mqls=70, sqls=7, customers=1, revenue="1000.00"
    )

    page = page_of(client.get(address))
    # The bar of this month's leads, named in the chart's own markup.
    assert f"{today:%Y-%m}, Actual: 777" in page
    # And the month's row in the table of months, kept the same way.
    table = page[page.index('id="funnel-months"') :]
    row = table[table.index(f"{today:%Y-%m}</th>") :]
    assert row[row.index("<td") : row.index("</tr>")].count(">777<") == 1
    assert [key for key in getattr(cache, "_cache", {}) if ":funnel-months:" in key]


def test_a_chart_is_kept_per_language() -> None:
    """The numbers' format is the language's: a chart kept in one is not shown in another."""
    drawing: dict[str, Any] = {
        "chart_id": "chart-test",
        "title": "Revenue",
        "description": "Revenue per month",
        "categories": ["2026-01"],
        "series": [ChartSeries("Actual", [Decimal("1234.5")], "#0b5ed7")],
    }
    english = bar_chart_grouped(**drawing)
    with translation.override("de"):
        german = bar_chart_grouped(**drawing)

    assert "2026-01, Actual: 1,234.5" in english
    assert "2026-01, Actual: 1.234,5" in german
    assert len(chart_keys()) == 2


def test_the_portfolio_rows_show_new_figures_at_once(
    client: Any, marketing_team: Any, sales_team: Any, marketing_member: Any
) -> None:
    """The portfolio's rows are kept under what they show: a new month's MQLs change the
    volume light's text on the next view."""
    today = timezone.localdate()
    agreement = current_agreement(marketing_team, sales_team, marketing_member)
    client.force_login(marketing_member)
    address = reverse("performance:portfolio")
    cold = page_of(client.get(address))
    assert "No MQLs reported this month" in cold
    assert page_of(client.get(address)) == cold
    assert [key for key in getattr(cache, "_cache", {}) if ":portfolio-rows:" in key]

    monthly(
        agreement, month_start(today), leads=777, mqls=70, sqls=7, customers=1, revenue="1000.00"
    )

    warm = page_of(client.get(address))
    assert "No MQLs reported this month" not in warm
    assert "70 of " in warm


def test_the_dashboard_body_moves_with_the_clock(
    marketing_team: Any, sales_team: Any, marketing_member: Any
) -> None:
    """Nothing in the data changes, only the time: a lead untouched past its due instant turns
    from pending to breached in the kept body's hand-off table."""
    agreement = current_agreement(marketing_team, sales_team, marketing_member)
    now = timezone.now()
    lead(agreement, "L-1", mql_at=now - dt.timedelta(hours=1), due_at=now + dt.timedelta(hours=2))
    lead_tally_refresh(series_id=agreement.series_id)

    def total_row(moment: dt.datetime) -> str:
        body = str(dashboard_body(dashboard_for(agreement=agreement, now=moment)))
        footer = body[body.index('id="handoff-by-type"') :]
        footer = footer[footer.index("<tfoot>") : footer.index("</tfoot>")]
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", footer)).strip()

    assert total_row(now) == total_row(now) == "All leads 0 0 1 —"
    assert len(kept("dashboard-body")) == 1

    assert total_row(now + dt.timedelta(hours=3)) == "All leads 0 1 0 0.0%"
    assert len(kept("dashboard-body")) == 2


def kept(kind: str) -> list[str]:
    return [key for key in getattr(cache, "_cache", {}) if f":{kind}:" in key]
