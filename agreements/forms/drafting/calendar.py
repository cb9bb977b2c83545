"""The business-hours calendar of the hand-off service levels (holidays and lead types are rows)."""

from __future__ import annotations

from functools import cache
from typing import Any

from crispy_forms.layout import HTML, Column, Field, Layout, Row
from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from agreements.forms.drafting.base import SectionModelForm, TimeInput, check_end_after_start
from agreements.models import Agreement
from agreements.models.agreement import (
    ERROR_DAY_END,
    ERROR_NO_WORKDAY,
    Weekday,
    known_timezones,
)
from agreements.sections import section_get


@cache
def timezone_names() -> tuple[str, ...]:
    """Every IANA time zone name this system knows, sorted."""
    return tuple(sorted(known_timezones()))


@cache
def timezone_datalist() -> str:
    """The suggestions for the time zone input, as an HTML datalist."""
    return str(
        format_html(
            '<datalist id="timezone-names">{}</datalist>',
            format_html_join("", '<option value="{}">', ((name,) for name in timezone_names())),
        )
    )


class CalendarForm(SectionModelForm):
    timezone = forms.CharField(
        label=_("Time zone"),
        max_length=64,
        help_text=_("An IANA name such as Europe/Berlin or America/New_York."),
        widget=forms.TextInput(
            attrs={"list": "timezone-names", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    workdays = forms.TypedMultipleChoiceField(
        label=_("Working days"),
        choices=Weekday.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Agreement
        fields = section_get("service_levels").fields
        widgets = {"day_start": TimeInput(), "day_end": TimeInput()}

    def section_layout(self) -> Layout:
        return Layout(
            Row(Column("timezone", css_class="col-md-6")),
            HTML(timezone_datalist()),
            Field("workdays", css_class="workday-choices"),
            Row(Column("day_start"), Column("day_end")),
        )

    def clean_timezone(self) -> str:
        # The model's validate_timezone then checks the name.
        return (self.cleaned_data.get("timezone") or "").strip()

    def clean_workdays(self) -> list[int]:
        value = sorted(set(self.cleaned_data.get("workdays") or []))
        if not value:
            raise ValidationError(ERROR_NO_WORKDAY, code="no_workday")
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        check_end_after_start(self, "day_start", "day_end", ERROR_DAY_END)
        return cleaned
