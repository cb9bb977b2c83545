"""Charts drawn on the server as accessible SVG: a title, a text description, no JavaScript.

Every chart is an ``<svg role="img">`` whose ``<title>`` and ``<desc>`` name it and summarise its
numbers; the page shows the same numbers in a table next to it. All text is escaped here.
Geometry uses floats (pixels only); the figures shown as text keep their exact values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    from performance.dashboard.compliance import ComplianceRow
    from performance.dashboard.figures import FunnelMonth
    from performance.dashboard.lead_figures import RejectionRow

Number = int | Decimal

# Colours that keep a 3:1 contrast against white; the legend names every one in text.
COLOR_PLANNED = "#6c757d"
COLOR_ACTUAL = "#0b5ed7"
COLOR_MET = "#198754"
COLOR_BREACHED = "#b02a37"
COLOR_PENDING = "#997404"
COLOR_BAR = "#0b5ed7"
COLOR_AXIS = "#495057"
COLOR_GRID = "#dee2e6"

HEIGHT = 260
MARGIN_TOP = 16
MARGIN_RIGHT = 16
MARGIN_LEFT = 56
LEGEND_HEIGHT = 24
FONT = mark_safe('font-family="system-ui, sans-serif" font-size="11"')


@dataclass(frozen=True)
class ChartSeries:
    name: str
    values: Sequence[Number | None]
    color: str


def _fmt(value: Number | None) -> str:
    if value is None:
        return _("no data")
    return number_format(value, force_grouping=True)


def _nice_step(maximum: float, ticks: int = 4) -> float:
    """A round tick step (1, 2 or 5 times a power of ten) covering ``maximum`` in a few ticks."""
    if maximum <= 0:
        return 1.0
    raw = maximum / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * magnitude:
            return float(factor * magnitude)
    return float(10 * magnitude)  # pragma: no cover


def _px(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _svg_open(*, chart_id: str, title: str, description: str, width: float, height: float) -> str:
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart img-fluid" '
        'aria-labelledby="{id}-title {id}-desc" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
        'preserveAspectRatio="xMinYMin meet" id="{id}">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>',
        id=chart_id,
        w=_px(width),
        h=_px(height),
        title=title,
        desc=description,
    )


def _legend(series: Sequence[ChartSeries], *, x: float, y: float) -> str:
    parts: list[str] = []
    for item in series:
        parts.append(
            format_html(
                '<rect x="{x}" y="{y}" width="12" height="12" fill="{color}"/>'
                '<text x="{tx}" y="{ty}" {font} fill="{axis}">{name}</text>',
                x=_px(x),
                y=_px(y),
                color=item.color,
                tx=_px(x + 16),
                ty=_px(y + 10),
                font=FONT,
                axis=COLOR_AXIS,
                name=item.name,
            )
        )
        x += 24 + 7 * len(item.name)
    return "".join(parts)


def _y_axis(*, maximum: float, left: float, right: float, top: float, bottom: float) -> str:
    step = _nice_step(maximum)
    top_value = max(step, math.ceil(maximum / step) * step)
    parts: list[str] = []
    value = 0.0
    while value <= top_value + step / 2:
        y = bottom - (bottom - top) * value / top_value
        label = number_format(Decimal(str(round(value, 6))).normalize(), force_grouping=True)
        parts.append(
            format_html(
                '<line x1="{l}" y1="{y}" x2="{r}" y2="{y}" stroke="{grid}" stroke-width="1"/>'
                '<text x="{tx}" y="{ty}" text-anchor="end" {font} fill="{axis}">{label}</text>',
                l=_px(left),
                r=_px(right),
                y=_px(y),
                grid=COLOR_GRID,
                tx=_px(left - 6),
                ty=_px(y + 4),
                font=FONT,
                axis=COLOR_AXIS,
                label=label,
            )
        )
        value += step
    parts.append(
        format_html(
            '<line x1="{l}" y1="{b}" x2="{r}" y2="{b}" stroke="{axis}" stroke-width="1"/>',
            l=_px(left),
            r=_px(right),
            b=_px(bottom),
            axis=COLOR_AXIS,
        )
    )
    return "".join(parts)


def _scale_top(maximum: float) -> float:
    step = _nice_step(maximum)
    return max(step, math.ceil(maximum / step) * step)


def _x_label(*, text: str, x: float, y: float, rotate: bool) -> str:
    if rotate:
        return format_html(
            '<text x="{x}" y="{y}" text-anchor="end" transform="rotate(-45 {x} {y})" {font} '
            'fill="{axis}">{text}</text>',
            x=_px(x),
            y=_px(y),
            font=FONT,
            axis=COLOR_AXIS,
            text=text,
        )
    return format_html(
        '<text x="{x}" y="{y}" text-anchor="middle" {font} fill="{axis}">{text}</text>',
        x=_px(x),
        y=_px(y),
        font=FONT,
        axis=COLOR_AXIS,
        text=text,
    )


def _bar(*, x: float, y: float, width: float, height: float, color: str, label: str) -> str:
    return format_html(
        '<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{color}">'
        "<title>{label}</title></rect>",
        x=_px(x),
        y=_px(y),
        w=_px(width),
        h=_px(max(height, 0.0)),
        color=color,
        label=label,
    )


def _empty(*, chart_id: str, title: str, description: str) -> SafeString:
    return mark_safe(  # every part went through format_html
        _svg_open(chart_id=chart_id, title=title, description=description, width=320, height=60)
        + format_html(
            '<text x="8" y="34" {font} fill="{axis}">{text}</text></svg>',
            font=FONT,
            axis=COLOR_AXIS,
            text=_("No data yet."),
        )
    )


@dataclass(frozen=True)
class _ColumnFrame:
    """The axes of a vertical bar chart: where each category's slot sits and the scale."""

    parts: list[str]
    bottom: float
    slot: float
    top_value: float
    rotate: bool

    def height_of(self, value: Number) -> float:
        return (self.bottom - MARGIN_TOP) * float(value) / self.top_value

    def close(self, categories: Sequence[str], series: Sequence[ChartSeries]) -> SafeString:
        for index, category in enumerate(categories):
            self.parts.append(
                _x_label(
                    text=category,
                    x=MARGIN_LEFT + self.slot * (index + 0.5),
                    y=self.bottom + 14,
                    rotate=self.rotate,
                )
            )
        self.parts.append(_legend(series, x=MARGIN_LEFT, y=MARGIN_TOP + HEIGHT - LEGEND_HEIGHT + 4))
        self.parts.append("</svg>")
        return mark_safe("".join(self.parts))  # every part went through format_html


def _column_frame(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    plot_width: float,
    maximum: float,
) -> _ColumnFrame:
    rotate = len(categories) > 8
    bottom = MARGIN_TOP + HEIGHT - (76 if rotate else 40) - LEGEND_HEIGHT
    right = MARGIN_LEFT + plot_width
    parts = [
        _svg_open(
            chart_id=chart_id,
            title=title,
            description=description,
            width=right + MARGIN_RIGHT,
            height=MARGIN_TOP + HEIGHT,
        ),
        _y_axis(maximum=maximum, left=MARGIN_LEFT, right=right, top=MARGIN_TOP, bottom=bottom),
    ]
    return _ColumnFrame(
        parts=parts,
        bottom=bottom,
        slot=plot_width / len(categories),
        top_value=_scale_top(maximum),
        rotate=rotate,
    )


def bar_chart_grouped(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[ChartSeries],
) -> SafeString:
    """Bars side by side per category, one per series (e.g. planned and actual per month)."""
    values = [float(v) for item in series for v in item.values if v is not None]
    if not categories or not values:
        return _empty(chart_id=chart_id, title=title, description=description)
    bar_width = 14.0 if len(categories) <= 12 else 8.0
    frame = _column_frame(
        chart_id=chart_id,
        title=title,
        description=description,
        categories=categories,
        plot_width=max(240.0, (bar_width * len(series) + 10) * len(categories)),
        maximum=max(values),
    )
    for index, category in enumerate(categories):
        start = MARGIN_LEFT + frame.slot * index + (frame.slot - bar_width * len(series)) / 2
        for offset, item in enumerate(series):
            value = item.values[index]
            if value is None:
                continue
            height = frame.height_of(value)
            frame.parts.append(
                _bar(
                    x=start + offset * bar_width,
                    y=frame.bottom - height,
                    width=bar_width - 1,
                    height=height,
                    color=item.color,
                    label=f"{category}, {item.name}: {_fmt(value)}",
                )
            )
    return frame.close(categories, series)


def bar_chart_stacked(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[ChartSeries],
) -> SafeString:
    """One bar per category, its series stacked bottom up (e.g. met, breached, pending)."""
    totals = [
        sum(float(item.values[index] or 0) for item in series) for index in range(len(categories))
    ]
    if not categories or not any(totals):
        return _empty(chart_id=chart_id, title=title, description=description)
    bar_width = 20.0 if len(categories) <= 12 else 12.0
    frame = _column_frame(
        chart_id=chart_id,
        title=title,
        description=description,
        categories=categories,
        plot_width=max(240.0, (bar_width + 10) * len(categories)),
        maximum=max(totals),
    )
    for index, category in enumerate(categories):
        x = MARGIN_LEFT + frame.slot * index + (frame.slot - bar_width) / 2
        base = float(frame.bottom)
        for item in series:
            value = item.values[index] or 0
            height = frame.height_of(value)
            if height > 0:
                frame.parts.append(
                    _bar(
                        x=x,
                        y=base - height,
                        width=bar_width,
                        height=height,
                        color=item.color,
                        label=f"{category}, {item.name}: {_fmt(value)}",
                    )
                )
            base -= height
    return frame.close(categories, series)


def bar_chart_horizontal(
    *,
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    values: Sequence[Number],
    color: str = COLOR_BAR,
) -> SafeString:
    """One horizontal bar per label, its value written at the bar's end."""
    if not labels or not any(values):
        return _empty(chart_id=chart_id, title=title, description=description)
    label_width = min(220.0, 12 + 6.5 * max(len(label) for label in labels))
    row_height = 24.0
    plot_width = 300.0
    width = label_width + plot_width + 60
    height = MARGIN_TOP + row_height * len(labels) + 8
    maximum = max(float(v) for v in values)
    parts = [
        _svg_open(
            chart_id=chart_id, title=title, description=description, width=width, height=height
        )
    ]
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = MARGIN_TOP + row_height * index
        length = plot_width * float(value) / maximum if maximum else 0.0
        parts.append(
            format_html(
                '<text x="{lx}" y="{ty}" text-anchor="end" {font} fill="{axis}">{label}</text>',
                lx=_px(label_width - 8),
                ty=_px(y + 14),
                font=FONT,
                axis=COLOR_AXIS,
                label=label,
            )
        )
        parts.append(
            _bar(
                x=label_width,
                y=y + 3,
                width=length,
                height=row_height - 8,
                color=color,
                label=f"{label}: {_fmt(value)}",
            )
        )
        parts.append(
            format_html(
                '<text x="{vx}" y="{ty}" {font} fill="{axis}">{value}</text>',
                vx=_px(label_width + length + 6),
                ty=_px(y + 14),
                font=FONT,
                axis=COLOR_AXIS,
                value=_fmt(value),
            )
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every part went through format_html


# The dashboard's charts, built from its rows.

STAGES = (
    ("leads", gettext_lazy("Leads")),
    ("mqls", gettext_lazy("MQLs")),
    ("sqls", gettext_lazy("SQLs")),
    ("customers", gettext_lazy("Customers")),
)


HANDOFF_TITLE = gettext_lazy("Hand-off compliance by month")
REJECTION_TITLE = gettext_lazy("Rejected leads by reason")


def _month_label(month: object) -> str:
    return f"{month:%Y-%m}"


def funnel_title(stage_label: str) -> str:
    return _("%(stage)s: planned and actual per month") % {"stage": stage_label}


def funnel_chart(*, months: Sequence[FunnelMonth], stage: str, stage_label: str) -> SafeString:
    """Planned against actual per month for one funnel stage."""
    categories = [_month_label(row.month) for row in months]
    planned = [row.planned_value(stage) for row in months]
    actual = [row.actual_value(stage) for row in months]
    planned_total = sum(value for value in planned if value is not None)
    actual_total = sum(value for value in actual if value is not None)
    reported = sum(1 for value in actual if value is not None)
    description = _(
        "%(stage)s per month, planned against actual, %(first)s to %(last)s. "
        "Planned %(planned)s in total; actual %(actual)s over %(reported)s reported months. "
        "The table lists every month."
    ) % {
        "stage": stage_label,
        "first": categories[0] if categories else "",
        "last": categories[-1] if categories else "",
        "planned": _fmt(planned_total),
        "actual": _fmt(actual_total),
        "reported": reported,
    }
    return bar_chart_grouped(
        chart_id=f"chart-funnel-{stage}",
        title=funnel_title(stage_label),
        description=description,
        categories=categories,
        series=[
            ChartSeries(_("Planned"), planned, COLOR_PLANNED),
            ChartSeries(_("Actual"), actual, COLOR_ACTUAL),
        ],
    )


def handoff_chart(*, months: Sequence[ComplianceRow]) -> SafeString:
    """Leads met, breached and pending per month of becoming an MQL."""
    met = sum(row.met for row in months)
    breached = sum(row.breached for row in months)
    pending = sum(row.pending for row in months)
    decided = met + breached
    share = _fmt((Decimal(met) * 100 / decided).quantize(Decimal("0.1"))) if decided else "—"
    description = _(
        "Hand-off of leads by month: %(met)s met, %(breached)s breached and %(pending)s pending "
        "in total; %(share)s%% met. The table lists every month."
    ) % {"met": _fmt(met), "breached": _fmt(breached), "pending": _fmt(pending), "share": share}
    return bar_chart_stacked(
        chart_id="chart-handoff-months",
        title=str(HANDOFF_TITLE),
        description=description,
        categories=[_month_label(row.key) for row in months],
        series=[
            ChartSeries(_("Met"), [row.met for row in months], COLOR_MET),
            ChartSeries(_("Breached"), [row.breached for row in months], COLOR_BREACHED),
            ChartSeries(_("Pending"), [row.pending for row in months], COLOR_PENDING),
        ],
    )


def rejection_chart(*, rows: Sequence[RejectionRow]) -> SafeString:
    """Rejected leads per reason."""
    total = sum(row.count for row in rows)
    summary = "; ".join(f"{row.label}: {_fmt(row.count)}" for row in rows)
    description = _("%(total)s rejected leads by reason. %(summary)s") % {
        "total": _fmt(total),
        "summary": summary,
    }
    return bar_chart_horizontal(
        chart_id="chart-rejections",
        title=str(REJECTION_TITLE),
        description=description,
        labels=[row.label for row in rows],
        values=[row.count for row in rows],
    )


__all__ = [
    "ChartSeries",
    "bar_chart_grouped",
    "bar_chart_horizontal",
    "bar_chart_stacked",
    "funnel_chart",
    "handoff_chart",
    "rejection_chart",
]
