"""Server-side SVG charts: accessible, escaped, and faithful to the numbers."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

from performance.charts import (
    ChartSeries,
    bar_chart_grouped,
    bar_chart_horizontal,
    bar_chart_stacked,
)
from performance.dashboard.charts import funnel_chart, handoff_chart, rejection_chart
from performance.dashboard.compliance import ComplianceRow
from performance.dashboard.figures import Figures, FunnelMonth
from performance.dashboard.lead_figures import RejectionRow

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def text(element: ET.Element, tag: str) -> str:
    """The text of the first child with this SVG tag."""
    child = element.find(f"{SVG}{tag}")
    assert child is not None
    return child.text or ""


def number(element: ET.Element, name: str) -> float:
    return float(element.get(name, "nan"))


def test_grouped_chart_has_role_title_and_description() -> None:
    """The SVG is an image named by its title and described by its desc."""
    svg = bar_chart_grouped(
        chart_id="c1",
        title="MQLs",
        description="Planned 100, actual 90.",
        categories=["2026-01", "2026-02"],
        series=[
            ChartSeries("Planned", [100, 100], "#000"),
            ChartSeries("Actual", [90, 120], "#111"),
        ],
    )

    root = parse(svg)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c1-title c1-desc"
    assert text(root, "title") == "MQLs"
    assert text(root, "desc") == "Planned 100, actual 90."
    bars = root.findall(f"{SVG}rect[{SVG}title]")
    assert [text(bar, "title") for bar in bars] == [
        "2026-01, Planned: 100",
        "2026-01, Actual: 90",
        "2026-02, Planned: 100",
        "2026-02, Actual: 120",
    ]
    heights = [number(bar, "height") for bar in bars]
    assert heights[3] > heights[0] > heights[1] > 0


def test_text_is_escaped() -> None:
    """Titles, descriptions and labels from users cannot inject markup."""
    svg = bar_chart_horizontal(
        chart_id="c2",
        title="<script>alert(1)</script>",
        description='"quoted" & <b>bold</b>',
        labels=["<img src=x onerror=alert(1)>"],
        values=[3],
    )

    assert "<script>" not in svg
    assert "<img" not in svg
    assert "&lt;script&gt;" in svg
    root = parse(svg)
    assert text(root, "title") == "<script>alert(1)</script>"
    assert text(root, "desc") == '"quoted" & <b>bold</b>'


def test_stacked_chart_stacks_segments() -> None:
    """Met, breached and pending stack into one bar per month; zero segments are left out."""
    svg = bar_chart_stacked(
        chart_id="c3",
        title="Hand-off",
        description="…",
        categories=["2026-01"],
        series=[
            ChartSeries("Met", [3], "#0a0"),
            ChartSeries("Breached", [1], "#a00"),
            ChartSeries("Pending", [0], "#aa0"),
        ],
    )

    bars = parse(svg).findall(f"{SVG}rect[{SVG}title]")
    assert [text(bar, "title") for bar in bars] == [
        "2026-01, Met: 3",
        "2026-01, Breached: 1",
    ]
    met, breached = bars
    assert number(met, "height") == 3 * number(breached, "height")
    assert number(breached, "y") + number(breached, "height") == number(met, "y")


def test_empty_chart_says_so() -> None:
    """Without data the chart still has its title and says there is nothing yet."""
    svg = bar_chart_grouped(
        chart_id="c4", title="Leads", description="No months.", categories=[], series=[]
    )

    assert "No data yet." in svg
    assert text(parse(svg), "title") == "Leads"


def test_dashboard_charts_describe_their_numbers() -> None:
    """The funnel, hand-off and rejection charts summarise their figures in the description."""
    months = [
        FunnelMonth(
            month=dt.date(2026, 1, 1),
            version=1,
            planned=Figures(500, 100, 40, 10, Decimal("100000")),
            actual=Figures(450, 90, 36, 9, Decimal("90000")),
            to_date=True,
        ),
        FunnelMonth(
            month=dt.date(2026, 2, 1),
            version=1,
            planned=Figures(500, 100, 40, 10, Decimal("100000")),
            actual=None,
            to_date=True,
        ),
    ]
    funnel = parse(funnel_chart(months=months, stage="mqls", stage_label="MQLs"))
    handoff = parse(
        handoff_chart(
            months=[
                ComplianceRow(dt.date(2026, 1, 1), 3, 1, 0),
                ComplianceRow(dt.date(2026, 2, 1), 1, 2, 2),
            ]
        )
    )
    rejections = parse(
        rejection_chart(
            rows=[RejectionRow("no-budget", "No budget", 2, 0), RejectionRow("x", "x", 1, 1)]
        )
    )

    assert text(funnel, "desc") == (
        "MQLs per month, planned against actual, 2026-01 to 2026-02. Planned 200 in total; "
        "actual 90 over 1 reported months. The table lists every month."
    )
    assert text(handoff, "desc") == (
        "Hand-off of leads by month: 4 met, 3 breached and 2 pending in total; 57.1% met. "
        "The table lists every month."
    )
    assert text(rejections, "desc") == "3 rejected leads by reason. No budget: 2; x: 1"
    assert re.search(r"\d", text(rejections, "title")) is None


def test_handoff_share_rounds_as_the_table_does() -> None:
    """The description's share met rounds half up like the table: 1 met of 400 is 0.3%."""
    row = ComplianceRow(dt.date(2026, 1, 1), 1, 399, 0)

    description = text(parse(handoff_chart(months=[row])), "desc")

    assert row.share_met == Decimal("0.3")
    assert "399 breached and 0 pending in total; 0.3% met." in description
