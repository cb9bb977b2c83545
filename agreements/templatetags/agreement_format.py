"""Template filters for showing an agreement's sections, and one format per kind of value.

Dates and times take the project's formats module (slaportal/formats); money, percentages,
quantities with a unit and the machine-readable ``<time datetime>`` value are formatted here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import ValidationError
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agreements.funnel import FUNNEL_INPUTS, inputs_missing
from agreements.models import Agreement, QualificationRule
from agreements.models.agreement import Weekday
from agreements.working_hours import WEEKDAYS, DayHours, time_text, week_hours

register = template.Library()


@register.filter
def workday_names(days: Iterable[Any]) -> str:
    """ISO weekday numbers as names, Monday first: [1, 2] -> "Monday, Tuesday"."""
    names = dict(Weekday.choices)
    chosen = sorted({int(day) for day in days or ()})
    return ", ".join(str(names[day]) for day in chosen if day in names)


@register.filter
def working_hours_rows(stored: Any) -> list[tuple[str, str]]:
    """Consecutive weekdays with the same hours as one row: ("Monday–Thursday", "09:00–17:00")."""
    try:
        week = week_hours(stored)
    except ValidationError:
        return []
    names = dict(Weekday.choices)
    rows: list[tuple[list[int], DayHours]] = []
    for day, intervals in zip(WEEKDAYS, week, strict=True):
        if rows and rows[-1][1] == intervals and rows[-1][0][-1] == day - 1:
            rows[-1][0].append(day)
        else:
            rows.append(([day], intervals))
    return [
        (
            str(names[days[0]]) if len(days) == 1 else f"{names[days[0]]}–{names[days[-1]]}",
            ", ".join(f"{time_text(start)}–{time_text(end)}" for start, end in intervals)
            or str(_("Day off")),
        )
        for days, intervals in rows
    ]


@register.filter
def funnel_is_empty(agreement: Agreement) -> bool:
    """No funnel input holds a value yet: the section shows its empty state."""
    return len(inputs_missing(agreement)) == len(FUNNEL_INPUTS)


@register.filter
def rules_by_stage(rules: Iterable[QualificationRule]) -> list[tuple[str, list[QualificationRule]]]:
    """Qualification rules grouped by stage (MQL, then SQL), each group in its saved order."""
    groups: dict[str, list[QualificationRule]] = {stage: [] for stage in QualificationRule.Stage}
    for rule in rules:
        groups.setdefault(rule.stage, []).append(rule)
    return [
        (str(QualificationRule.Stage(stage).label), items)
        for stage, items in groups.items()
        if items
    ]


# Units whose name takes a plural: "1 business hour", "2 business hours".
PLURAL_UNITS: dict[str, Any] = {
    "business hours": lambda n: ngettext("business hour", "business hours", n),
    "hours": lambda n: ngettext("hour", "hours", n),
    "days": lambda n: ngettext("day", "days", n),
    "leads": lambda n: ngettext("lead", "leads", n),
    "attempts": lambda n: ngettext("attempt", "attempts", n),
}


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _plain(number: Decimal) -> str:
    """Up to two decimals, grouped, without trailing zeros: 1,500 / 15.5 / 0.25."""
    shown = str(floatformat(number, "-2g"))
    if "." in shown:
        shown = shown.rstrip("0").rstrip(".")
    return shown


def _plural_count(number: Decimal) -> int:
    """ngettext's count: 1 only for exactly one, so 0.5 and 1.5 read as plurals."""
    return 1 if number == 1 else 2


@register.filter
def machine_time(value: dt.date | dt.datetime | None) -> str:
    """A ``<time datetime>`` value: ISO 8601 date, or UTC date and time in whole seconds."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(dt.UTC)
            return value.replace(microsecond=0, tzinfo=None).isoformat() + "Z"
        return value.replace(microsecond=0).isoformat()
    return value.isoformat()


@register.filter
def money(value: Any, currency: str = "") -> str:
    """An amount with two decimals, grouped, and its currency: "1,200,000.00 USD"."""
    number = _decimal(value)
    if number is None:
        return "—"
    shown = intcomma(floatformat(number, 2))
    return f"{shown} {currency}".strip()


@register.filter
def percent(value: Any) -> str:
    """A rate in percent, up to two decimals, grouped: "12.5%"."""
    number = _decimal(value)
    if number is None:
        return "—"
    return f"{_plain(number)}%"


@register.filter
def quantity(value: Any, unit: str = "") -> str:
    """A number and its unit, the unit in singular or plural: "1 business hour", "2 days"."""
    number = _decimal(value)
    if number is None:
        return "—"
    shown = _plain(number)
    unit = (unit or "").strip()
    if unit == "%":
        return f"{shown}%"
    plural = PLURAL_UNITS.get(unit.casefold())
    if plural is not None:
        unit = plural(_plural_count(number))
    return f"{shown} {unit}".strip()
