"""The business-hours calendar of the hand-off service levels (holidays and lead types are rows)."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from crispy_forms.layout import HTML, Column, Field, Fieldset, Layout, Row
from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from agreements.forms.drafting.base import SectionModelForm
from agreements.models import Agreement
from agreements.models.agreement import ERROR_NO_WORKDAY, Weekday, known_timezones
from agreements.working_hours import (
    WEEKDAYS,
    DayHours,
    agreement_week,
    calendar_fields,
    day_hours,
    time_text,
)

FIRST_ZONES = ("UTC",)
# One interval: two times joined by a hyphen, an en or em dash, or "to".
INTERVAL = re.compile(r"^\s*(\S+?)\s*(?:-|–|—|\bto\b)\s*(\S+)\s*$")

ERROR_INTERVAL = _("“%(value)s” is not an interval such as 09:00–12:00.")


@cache
def timezone_names() -> tuple[str, ...]:
    """Every IANA time zone name this system knows, sorted."""
    return tuple(sorted(known_timezones()))


@cache
def timezone_groups() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The zones grouped by their area (Africa, America, …), sorted; "" holds names without one."""
    groups: dict[str, list[str]] = {}
    for name in timezone_names():
        if name not in FIRST_ZONES:
            groups.setdefault(name.split("/", 1)[0] if "/" in name else "", []).append(name)
    areas = sorted(area for area in groups if area) + ([""] if "" in groups else [])
    return tuple((area, tuple(groups[area])) for area in areas)


def timezone_choices() -> list[tuple[str, Any]]:
    """UTC first, then each area's zones: a native select, which the keyboard moves through
    and where typing a name jumps to it."""
    return [
        *((name, name) for name in FIRST_ZONES),
        *(
            (area or str(_("Other")), [(name, name) for name in names])
            for area, names in timezone_groups()
        ),
    ]


def intervals_text(intervals: DayHours) -> str:
    """A day's intervals as the form shows them: ``09:00–12:00, 13:00–17:00``."""
    return ", ".join(f"{time_text(start)}–{time_text(end)}" for start, end in intervals)


class CalendarForm(SectionModelForm):
    timezone = forms.ChoiceField(
        label=_("Time zone"),
        help_text=_("Working hours are read on this zone's clock, daylight saving included."),
    )

    class Meta:
        model = Agreement
        fields = ("timezone",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = timezone_choices()
        current = self.instance.timezone
        if current and current not in known_timezones():
            # A stored name this system no longer knows stays visible and selected.
            choices.insert(0, (current, current))
        timezone_field = self.fields["timezone"]
        assert isinstance(timezone_field, forms.ChoiceField)
        timezone_field.choices = choices
        week = agreement_week(self.instance)
        for day, intervals in zip(WEEKDAYS, week, strict=True):
            self.fields[f"hours_{day}"] = forms.CharField(
                label=Weekday(day).label,
                required=False,
                max_length=200,
                initial=intervals_text(intervals),
                widget=forms.TextInput(
                    attrs={"placeholder": _("Day off"), "aria-describedby": "hours-help"}
                ),
            )
        self.setup_helper()

    def section_layout(self) -> Layout:
        return Layout(
            Row(Column("timezone", css_class="col-md-6")),
            Fieldset(
                _("Working hours"),
                HTML(
                    format_html(
                        '<p id="hours-help" class="form-text">{}</p>',
                        _(
                            "Per day, one or more intervals such as 09:00–12:00, 13:00–17:00. "
                            "Leave a day empty for a day off; 00:00–24:00 works round the clock."
                        ),
                    )
                ),
                *(Field(f"hours_{day}") for day in WEEKDAYS),
                css_id="working-hours",
            ),
        )

    def clean_timezone(self) -> str:
        # The model's validate_timezone then checks the name.
        return (self.cleaned_data.get("timezone") or "").strip()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        week: list[DayHours] = []
        for day in WEEKDAYS:
            name = f"hours_{day}"
            if name not in cleaned:
                return cleaned
            try:
                week.append(day_hours(_intervals(cleaned[name]), day))
            except ValidationError as error:
                self.add_error(name, error)
                return cleaned
        if not any(week):
            self.add_error("hours_1", ValidationError(ERROR_NO_WORKDAY, code="no_workday"))
            return cleaned
        cleaned.update(calendar_fields(tuple(week)))
        return cleaned


def _intervals(text: str) -> list[tuple[str, str]]:
    """``09:00–12:00, 13:00–17:00`` as pairs of times; empty text is a day off."""
    pairs = []
    for part in re.split(r"[,;]", text):
        if not part.strip():
            continue
        match = INTERVAL.match(part)
        if match is None:
            raise ValidationError(ERROR_INTERVAL, params={"value": part.strip()}, code="interval")
        start, end = match.groups()
        pairs.append((_padded(start), _padded(end)))
    return pairs


def _padded(text: str) -> str:
    """``9:00`` as ``09:00``, which the stored shape needs."""
    return f"0{text}" if re.match(r"^\d:\d\d", text) else text
