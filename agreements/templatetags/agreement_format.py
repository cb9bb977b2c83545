"""Template filters for showing an agreement's sections."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from agreements.funnel import FUNNEL_INPUTS, inputs_missing
from agreements.models import Agreement, QualificationRule
from agreements.models.agreement import Weekday
from agreements.working_hours import WEEKDAYS, DayHours, time_text, week_hours

register = template.Library()

STATUS_BADGES: dict[str, str] = {
    Agreement.Status.DRAFT: "text-bg-secondary",
    Agreement.Status.IN_REVIEW: "text-bg-warning",
    Agreement.Status.SIGNED: "text-bg-success",
    Agreement.Status.CANCELLED: "text-bg-dark",
}


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


@register.filter
def status_badge(status: str) -> str:
    """The Bootstrap badge class of an agreement status."""
    return STATUS_BADGES.get(status, "text-bg-light")
