"""The forms of the agreement admin: a new draft's header, and a draft's content with its
working hours as JSON and the revision it was opened at."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.fields import InvalidJSONInput
from django.utils.translation import gettext_lazy as _

from agreements.forms.drafting.base import NormalisedNames
from agreements.models import Agreement
from agreements.sections import CONTENT_FIELDS
from agreements.working_hours import calendar_fields, week_hours

ERROR_CHANGED_MEANWHILE = _(
    "Someone saved this agreement after you opened it. Reload the page and make the change again."
)
ERROR_WORKING_HOURS = _(
    "Enter working hours per ISO weekday (Monday = 1) as JSON, such as "
    '{"1": [["09:00", "12:00"], ["13:00", "17:00"]], "5": [["09:00", "13:00"]]}.'
)
# Derived from the working hours (agreements.working_hours.envelope): shown, not edited.
CALENDAR_SUMMARY = ("workdays", "day_start", "day_end")


class AgreementAddForm(NormalisedNames):
    """The header of a new draft; the service fills the rest, empty or from the template."""

    from_template = forms.BooleanField(
        label=_("Fill from the standard template"),
        required=False,
        initial=True,
        help_text=_("Otherwise the draft starts empty, with only the calendar defaults."),
    )

    class Meta:
        model = Agreement
        fields = ("title", "marketing_team", "sales_team", "start_date", "end_date")


class WorkingHoursField(forms.JSONField):
    """JSON for the working hours; text nested past Python's recursion limit is invalid input."""

    def to_python(self, value: Any) -> Any:
        try:
            return super().to_python(value)
        except RecursionError:
            raise forms.ValidationError(ERROR_WORKING_HOURS, code="invalid_hours") from None

    def bound_data(self, data: Any, initial: Any) -> Any:
        try:
            return super().bound_data(data, initial)
        except RecursionError:
            return InvalidJSONInput(data)


class AgreementChangeForm(NormalisedNames):
    # The revision the form was opened at: a save over someone else's newer one is refused.
    base_revision = forms.IntegerField(widget=forms.HiddenInput, required=True)

    class Meta:
        model = Agreement
        fields = ("owner", *CONTENT_FIELDS)
        field_classes = {"working_hours": WorkingHoursField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "base_revision" in self.fields and self.instance.pk is not None:
            self.fields["base_revision"].initial = self.instance.revision

    def clean_working_hours(self) -> dict[str, Any]:
        try:
            week = week_hours(self.cleaned_data.get("working_hours"))
        except ValidationError as error:
            raise forms.ValidationError(
                [ERROR_WORKING_HOURS, *error.messages], code="invalid_hours"
            ) from None
        fields = calendar_fields(week)
        # The summary is no field of this form: it follows the hours onto the instance.
        for name in CALENDAR_SUMMARY:
            setattr(self.instance, name, fields[name])
        return fields["working_hours"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        base = cleaned.get("base_revision")
        # The instance was loaded for this request, so it holds the current revision.
        if base is not None and self.instance.pk is not None and self.instance.revision != base:
            raise forms.ValidationError(ERROR_CHANGED_MEANWHILE, code="changed_meanwhile")
        return cleaned
