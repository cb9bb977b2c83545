"""Template filters for showing an agreement's sections."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template

from agreements.funnel import FUNNEL_INPUTS, inputs_missing
from agreements.models import Agreement, QualificationRule
from agreements.models.agreement import Weekday

register = template.Library()


@register.filter
def workday_names(days: Iterable[Any]) -> str:
    """ISO weekday numbers as names, Monday first: [1, 2] -> "Monday, Tuesday"."""
    names = dict(Weekday.choices)
    chosen = sorted({int(day) for day in days or ()})
    return ", ".join(str(names[day]) for day in chosen if day in names)


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
