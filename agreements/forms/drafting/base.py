"""What every drafting form shares: date and time inputs, the model-form base, section bases."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms
from django.core.exceptions import ValidationError

from agreements.models import Agreement
from agreements.periods import EARLIEST_DATE, LATEST_DATE
from teams.text import read_normalised

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def range_messages(message: Any, *, upper: bool = True) -> dict[str, Any]:
    """A model field's range validators reported in the form's own words."""
    # The model's validators state the bounds; ModelForm runs them after the field's own
    # cleaning and swaps in the form's message for their codes.
    return {"min_value": message, "max_value": message} if upper else {"min_value": message}


class DateInput(forms.DateInput):
    """A date picker offering only the dates an agreement accepts (the model checks them)."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        window = {"min": EARLIEST_DATE.isoformat(), "max": LATEST_DATE.isoformat()}
        super().__init__(attrs={**window, **(attrs or {})}, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%H:%M")


class NormalisedNames(forms.ModelForm):
    """A model form that reads its model's names and codes in one spelling.

    The model lists them in ``name_fields``; the field's and the model's validators and the
    formset's and the admin's uniqueness checks then see the normalised value, so a
    look-alike is a duplicate.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in getattr(self._meta.model, "name_fields", ()):
            if name in self.fields:
                read_normalised(self.fields[name])


class RulesInPython(forms.ModelForm):
    """A model form that leaves unique and check constraints to the service and the database."""

    # Django would check each CheckConstraint with a query of its own, per row of a
    # formset; the model's validators and the forms' clean methods state the same rules,
    # and the service and the database enforce them again on save.

    def validate_unique(self) -> None:
        return None

    def validate_constraints(self) -> None:
        return None


def plain_integer(form_field: forms.Field) -> None:
    """Drop the form field's own range and the browser's min and max of an integer field."""
    # The model's validators state the range and the form words their errors; a field
    # taken from a positive integer column would otherwise also carry min="0".
    assert isinstance(form_field, forms.IntegerField)
    form_field.validators = []
    form_field.min_value = form_field.max_value = None
    form_field.widget.attrs.pop("min", None)
    form_field.widget.attrs.pop("max", None)


def autofocus_first(form: forms.BaseForm) -> None:
    """Put the focus on the form's first visible field."""
    for bound in form.visible_fields():
        bound.field.widget.attrs["autofocus"] = True
        return


def check_end_after_start(
    form: forms.BaseForm, start_name: str, end_name: str, message: Any
) -> None:
    """An error on the end field unless it comes after the start."""
    start = form.cleaned_data.get(start_name)
    end = form.cleaned_data.get(end_name)
    if start is not None and end is not None and end <= start:
        form.add_error(end_name, ValidationError(message, code="end_before_start"))


class SectionFormMixin:
    """Every section form carries the revision the agreement had when it was opened."""

    # Each concrete form declares ``base_revision`` itself: Django collects declared
    # fields from form classes only, not from plain mixins.

    helper: FormHelper

    def section_layout(self) -> Layout:
        return Layout()

    def setup_helper(self) -> None:
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(self.section_layout(), "base_revision")


class SectionBaseForm(SectionFormMixin, forms.Form):
    """The main form of a section held only in rows."""

    base_revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, agreement: Agreement, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setup_helper()


class SectionModelForm(SectionFormMixin, RulesInPython):
    base_revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, agreement: Agreement, user: User, **kwargs: Any) -> None:
        kwargs["instance"] = agreement
        super().__init__(*args, **kwargs)
        autofocus_first(self)
        self.setup_helper()
