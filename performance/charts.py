"""Charts drawn on the server as accessible SVG: a title, a text description, no JavaScript.

Every chart is an ``<svg role="img">`` whose ``<title>`` and ``<desc>`` name it and summarise its
numbers; the page shows the same numbers in a table next to it. The geometry is worked out here
as data (scales, bar boxes, ticks, labels); the markup lives in the template
``performance/charts/bar_chart.html``, which escapes every text. Geometry uses floats (pixels
only); the figures shown as text keep their exact values. Each chart's markup is kept in the
page cache under its arguments and language (``drawn``), so a chart drawn before costs a lookup.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils.formats import number_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from agreements import page_cache

Number = int | Decimal

# The default bar colour keeps a 3:1 contrast against white.
COLOR_BAR = "#0b5ed7"

HEIGHT = 260
MARGIN_TOP = 16
MARGIN_RIGHT = 16
MARGIN_LEFT = 56
LEGEND_HEIGHT = 24
TEMPLATE = "performance/charts/bar_chart.html"


@dataclass(frozen=True)
class ChartSeries:
    name: str
    values: Sequence[Number | None]
    color: str


@dataclass(frozen=True)
class Label:
    """A text at (x, y), anchored at its start, middle or end; turned 45° up when crowded."""

    x: float
    y: float
    text: str
    anchor: str = ""
    rotate: bool = False


@dataclass(frozen=True)
class Bar:
    """A bar's box in pixels, its colour, and the text that names its value."""

    x: float
    y: float
    width: float
    height: float
    color: str
    label: str


@dataclass(frozen=True)
class GridLine:
    """A horizontal line across the plot at a tick of the scale, with the tick's value."""

    y: float
    label: Label


@dataclass(frozen=True)
class LegendKey:
    """A colour swatch with its top left corner at (x, y) and the series' name beside it."""

    x: float
    y: float
    color: str
    label: Label


@dataclass(frozen=True)
class BarRow:
    """One row of a horizontal bar chart: its label, its bar and its value written at the end."""

    label: Label
    bar: Bar
    value: Label


@dataclass
class Chart:
    """Everything the template draws, in drawing order: grid, axis, bars, labels, legend, rows."""

    chart_id: str
    title: str
    description: str
    width: float
    height: float
    plot_left: float = 0.0
    plot_right: float = 0.0
    baseline: float | None = None
    grid: list[GridLine] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    legend: list[LegendKey] = field(default_factory=list)
    rows: list[BarRow] = field(default_factory=list)

    def svg(self) -> SafeString:
        return render_to_string(TEMPLATE, {"chart": self})


def drawn[**P](draw: Callable[P, SafeString]) -> Callable[P, SafeString]:
    """A chart function whose markup is kept in the page cache under its arguments.

    A chart is a function of its arguments and the active language (the numbers' format, the
    texts' translations) alone, so a chart drawn before with the same figures is reused without
    working out its geometry or formatting its numbers again; other figures draw a new one.
    """

    @functools.wraps(draw)
    def cached(*args: P.args, **kwargs: P.kwargs) -> SafeString:
        return page_cache.kept_markup(
            "chart",
            templates=(TEMPLATE,),
            content=f"{draw.__name__}:{args!r}:{sorted(kwargs.items())!r}",
            make=lambda: draw(*args, **kwargs),
        )

    return cached


def number_text(value: Number | None) -> str:
    """A figure as the charts write it: grouped digits in the active locale, or "no data"."""
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


def _scale_top(maximum: float) -> float:
    step = _nice_step(maximum)
    return max(step, math.ceil(maximum / step) * step)


def _grid(*, maximum: float, left: float, top: float, bottom: float) -> list[GridLine]:
    """A line and a value label at every tick from zero to the top of the scale."""
    step = _nice_step(maximum)
    top_value = _scale_top(maximum)
    lines: list[GridLine] = []
    value = 0.0
    while value <= top_value + step / 2:
        y = bottom - (bottom - top) * value / top_value
        text = number_format(Decimal(str(round(value, 6))).normalize(), force_grouping=True)
        lines.append(GridLine(y=y, label=Label(left - 6, y + 4, text, anchor="end")))
        value += step
    return lines


def _legend(series: Sequence[ChartSeries], *, x: float, y: float) -> list[LegendKey]:
    keys: list[LegendKey] = []
    for item in series:
        keys.append(LegendKey(x=x, y=y, color=item.color, label=Label(x + 16, y + 10, item.name)))
        x += 24 + 7 * len(item.name)
    return keys


def _empty(*, chart_id: str, title: str, description: str) -> SafeString:
    return Chart(
        chart_id=chart_id,
        title=title,
        description=description,
        width=320,
        height=60,
        labels=[Label(8, 34, _("No data yet."))],
    ).svg()


@dataclass
class _ColumnFrame:
    """The axes of a vertical bar chart, shared by the grouped and the stacked chart."""

    chart: Chart
    bottom: float
    slot: float
    top_value: float

    def height_of(self, value: Number) -> float:
        return (self.bottom - MARGIN_TOP) * float(value) / self.top_value

    def slot_left(self, index: int, bars_width: float) -> float:
        """Where bars ``bars_width`` wide start to sit centred in the category's slot."""
        return MARGIN_LEFT + self.slot * index + (self.slot - bars_width) / 2

    def close(self, categories: Sequence[str], series: Sequence[ChartSeries]) -> SafeString:
        """Label the categories under the axis, add the legend and draw."""
        rotate = len(categories) > 8
        self.chart.labels = [
            Label(
                MARGIN_LEFT + self.slot * (index + 0.5),
                self.bottom + 14,
                category,
                anchor="end" if rotate else "middle",
                rotate=rotate,
            )
            for index, category in enumerate(categories)
        ]
        legend_top = MARGIN_TOP + HEIGHT - LEGEND_HEIGHT + 4
        self.chart.legend = _legend(series, x=MARGIN_LEFT, y=legend_top)
        return self.chart.svg()


def _column_frame(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    plot_width: float,
    maximum: float,
) -> _ColumnFrame:
    # Many categories get their labels turned, which needs more room under the axis.
    rotate = len(categories) > 8
    bottom = MARGIN_TOP + HEIGHT - (76 if rotate else 40) - LEGEND_HEIGHT
    right = MARGIN_LEFT + plot_width
    chart = Chart(
        chart_id=chart_id,
        title=title,
        description=description,
        width=right + MARGIN_RIGHT,
        height=MARGIN_TOP + HEIGHT,
        plot_left=MARGIN_LEFT,
        plot_right=right,
        baseline=bottom,
        grid=_grid(maximum=maximum, left=MARGIN_LEFT, top=MARGIN_TOP, bottom=bottom),
    )
    return _ColumnFrame(
        chart=chart,
        bottom=bottom,
        slot=plot_width / len(categories),
        top_value=_scale_top(maximum),
    )


@drawn
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
        start = frame.slot_left(index, bar_width * len(series))
        for offset, item in enumerate(series):
            value = item.values[index]
            if value is None:
                continue
            height = frame.height_of(value)
            frame.chart.bars.append(
                Bar(
                    x=start + offset * bar_width,
                    y=frame.bottom - height,
                    width=bar_width - 1,
                    height=max(height, 0.0),
                    color=item.color,
                    label=f"{category}, {item.name}: {number_text(value)}",
                )
            )
    return frame.close(categories, series)


@drawn
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
        x = frame.slot_left(index, bar_width)
        base = float(frame.bottom)
        for item in series:
            value = item.values[index] or 0
            height = frame.height_of(value)
            if height > 0:
                frame.chart.bars.append(
                    Bar(
                        x=x,
                        y=base - height,
                        width=bar_width,
                        height=height,
                        color=item.color,
                        label=f"{category}, {item.name}: {number_text(value)}",
                    )
                )
            base -= height
    return frame.close(categories, series)


@drawn
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
    maximum = max(float(v) for v in values)
    chart = Chart(
        chart_id=chart_id,
        title=title,
        description=description,
        width=label_width + plot_width + 60,
        height=MARGIN_TOP + row_height * len(labels) + 8,
    )
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = MARGIN_TOP + row_height * index
        length = plot_width * float(value) / maximum if maximum else 0.0
        chart.rows.append(
            BarRow(
                label=Label(label_width - 8, y + 14, label, anchor="end"),
                bar=Bar(
                    x=label_width,
                    y=y + 3,
                    width=length,
                    height=row_height - 8,
                    color=color,
                    label=f"{label}: {number_text(value)}",
                ),
                value=Label(label_width + length + 6, y + 14, number_text(value)),
            )
        )
    return chart.svg()
