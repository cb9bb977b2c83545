"""Template filters for showing an agreement's sections, and one format per kind of value.

Dates and times take the project's formats module (slaportal/formats); money, percentages,
quantities with a unit and the machine-readable ``<time datetime>`` value are formatted here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django import template

from agreements import value_formats
from agreements.funnel import FUNNEL_INPUTS, inputs_missing
from agreements.models import Agreement, QualificationRule
from agreements.models.agreement import Weekday
from agreements.working_hours import week_rows

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
    return week_rows(stored)


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


@register.filter
def machine_time(value: dt.date | dt.datetime | None) -> str:
    """A ``<time datetime>`` value: ISO 8601 date, or UTC date and time in whole seconds."""
    return value_formats.machine_time(value)


@register.filter
def money(value: Any, currency: str = "") -> str:
    """An amount with two decimals, grouped, and its currency: "1,200,000.00 USD"."""
    return value_formats.money(value, currency)


@register.filter
def percent(value: Any) -> str:
    """A rate in percent, up to two decimals, grouped: "12.5%"."""
    return value_formats.percent(value)


@register.filter
def quantity(value: Any, unit: str = "") -> str:
    """A number and its unit, the unit in singular or plural: "1 business hour", "2 days"."""
    return value_formats.quantity(value, unit)
