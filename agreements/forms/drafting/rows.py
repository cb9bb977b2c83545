"""The repeating rows of the sections, as formsets: KPIs, responsibilities, rules, and more."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Layout, Row
from django import forms
from django.core.exceptions import ValidationError
from django.forms.formsets import DELETION_FIELD_NAME
from django.utils.translation import gettext_lazy as _

from agreements.forms.drafting.base import (
    DateInput,
    NormalisedNames,
    RulesInPython,
    plain_integer,
    range_messages,
)
from agreements.models import (
    Deadline,
    Holiday,
    Kpi,
    LeadTypeServiceLevel,
    QualificationRule,
    RejectionReason,
    Responsibility,
)
from agreements.models.agreement import ERROR_DEADLINE_BEFORE_PERIOD, before_period
from agreements.sections import ROW_FIELDS

ERROR_TARGET = _("A target must be 0 or more.")
ERROR_FIRST_RESPONSE = _("The first response time must be more than 0 hours.")
ERROR_ATTEMPTS = _("At least 1 contact attempt.")
ERROR_WINDOW = _("The window is at least 1 day.")
ERROR_SLUG = _("Use only lowercase letters, numbers, hyphens and underscores, e.g. no-budget.")
ERROR_DUPLICATE = _("“%(value)s” appears more than once; each must be unique.")


class RowForm(NormalisedNames, RulesInPython):
    """One repeating row of a section; its values become one dict of the service's rows."""

    columns: ClassVar[tuple[tuple[str, str], ...]] = ()
    # Integer fields whose range the model's validators state (see plain_integer).
    whole_number_fields: ClassVar[tuple[str, ...]] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.whole_number_fields:
            plain_integer(self.fields[name])
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(
                *(Column(name, css_class=css) for name, css in self.columns),
                css_class="g-2 align-items-start",
            )
        )

    def add_remove_field(self) -> None:
        """Show the formset's DELETE checkbox as "Remove" at the end of the row."""
        self.fields["DELETE"].label = _("Remove")
        self.helper.layout[0].append(Column(Field("DELETE"), css_class="col-md-1 row-remove"))

    def row_values(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self._meta.fields or ()}


class KpiForm(RowForm):
    columns = (
        ("name", "col-md-2"),
        ("measure", "col-md-2"),
        ("owner", "col-md-1"),
        ("target", "col-md-2"),
        ("unit", "col-md-1"),
        ("direction", "col-md-1"),
        ("cadence", "col-md-2"),
    )

    class Meta:
        model = Kpi
        fields = ROW_FIELDS["kpis"]
        error_messages = {"target": range_messages(ERROR_TARGET)}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A row posted without a measure (an older form) is entered by hand.
        self.fields["measure"].required = False

    def clean_measure(self) -> str:
        return self.cleaned_data.get("measure") or Kpi.Measure.MANUAL

    def has_changed(self) -> bool:
        # A blank row whose measure select was left or posted empty is still blank.
        return bool(set(self.changed_data) - {"measure"})


class ResponsibilityForm(RowForm):
    columns = (
        ("activity", "col-md-3"),
        ("owner", "col-md-2"),
        ("description", "col-md-3"),
        ("commitment", "col-md-3"),
    )

    class Meta:
        model = Responsibility
        fields = ROW_FIELDS["responsibilities"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "commitment": forms.Textarea(attrs={"rows": 2}),
        }


class QualificationRuleForm(RowForm):
    columns = (
        ("stage", "col-md-2"),
        ("category", "col-md-2"),
        ("rule", "col-md-5"),
        ("points", "col-md-2"),
    )

    class Meta:
        model = QualificationRule
        fields = ROW_FIELDS["criteria_rules"]


class LeadTypeForm(RowForm):
    whole_number_fields = ("min_attempts", "attempt_window_days")
    columns = (
        ("lead_type", "col-md-2"),
        ("first_response_hours", "col-md-2"),
        ("min_attempts", "col-md-2"),
        ("attempt_window_days", "col-md-2"),
        ("escalation", "col-md-3"),
    )

    class Meta:
        model = LeadTypeServiceLevel
        fields = ROW_FIELDS["service_levels"]
        error_messages = {
            "first_response_hours": range_messages(ERROR_FIRST_RESPONSE),
            "min_attempts": range_messages(ERROR_ATTEMPTS),
            "attempt_window_days": range_messages(ERROR_WINDOW),
        }


class HolidayForm(RowForm):
    columns = (("date", "col-md-4"),)

    class Meta:
        model = Holiday
        fields = ROW_FIELDS["holidays"]
        widgets = {"date": DateInput()}


class RejectionReasonForm(RowForm):
    columns = (("code", "col-md-3"), ("label", "col-md-5"), ("next_step", "col-md-3"))

    class Meta:
        model = RejectionReason
        fields = ROW_FIELDS["rejection_reasons"]
        # The slug field's own message names no example; this one does.
        error_messages = {"code": {"invalid": ERROR_SLUG}}


class DeadlineForm(RowForm):
    columns = (
        ("title", "col-md-5"),
        ("due", "col-md-2"),
        ("owner", "col-md-2"),
        ("done", "col-md-1"),
    )

    class Meta:
        model = Deadline
        fields = ROW_FIELDS["deadlines"]
        widgets = {"due": DateInput()}

    def __init__(self, *args: Any, period_start: dt.date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.period_start = period_start

    def clean_due(self) -> dt.date | None:
        due = self.cleaned_data.get("due")
        error = before_period(due, self.period_start, ERROR_DEADLINE_BEFORE_PERIOD)
        if error is not None:
            raise error
        return due


class RowFormSet(forms.BaseFormSet):
    """Rows of one relation: blank rows are skipped, removed rows dropped, keys unique."""

    unique_field: ClassVar[str | None] = None
    relation: ClassVar[str] = ""
    heading: ClassVar[Any] = _("Rows")
    row_label: ClassVar[Any] = _("Row")
    add_label: ClassVar[Any] = _("Add row")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Any row may be left blank, including one that was filled when the page opened.
        kwargs.setdefault("form_kwargs", {"empty_permitted": True})
        kwargs.setdefault("prefix", self.relation)
        super().__init__(*args, **kwargs)

    def add_fields(self, form: forms.BaseForm, index: int | None) -> None:
        super().add_fields(form, index)
        if self.can_delete and isinstance(form, RowForm):
            form.add_remove_field()

    def kept_forms(self) -> list[forms.BaseForm]:
        return [
            form
            for form in self.forms
            if not (self.can_delete and form.cleaned_data.get(DELETION_FIELD_NAME))
            and form.has_changed()
            and getattr(form, "cleaned_data", None)
        ]

    def clean(self) -> None:
        if self.unique_field is None:
            return
        seen: set[Any] = set()
        for form in self.kept_forms():
            value = form.cleaned_data.get(self.unique_field)
            if value is None:
                continue
            key = value.casefold() if isinstance(value, str) else value
            if key in seen:
                form.add_error(
                    self.unique_field,
                    ValidationError(ERROR_DUPLICATE, code="duplicate", params={"value": value}),
                )
            seen.add(key)

    def rows(self) -> list[dict[str, Any]]:
        return [form.row_values() for form in self.kept_forms()]  # type: ignore[attr-defined]


def _row_formset(
    form: type[RowForm],
    relation: str,
    heading: Any,
    row_label: Any,
    add_label: Any,
    unique_field: str | None = None,
) -> type[RowFormSet]:
    base = type(
        f"{form.__name__}SetBase",
        (RowFormSet,),
        {
            "relation": relation,
            "unique_field": unique_field,
            "heading": heading,
            "row_label": row_label,
            "add_label": add_label,
        },
    )
    return forms.formset_factory(  # type: ignore[return-value]
        form, formset=base, extra=1, can_delete=True, max_num=500, validate_max=True
    )


KpiFormSet = _row_formset(KpiForm, "kpis", _("KPIs"), _("KPI"), _("Add a KPI"), unique_field="name")
ResponsibilityFormSet = _row_formset(
    ResponsibilityForm,
    "responsibilities",
    _("Responsibilities"),
    _("Responsibility"),
    _("Add a responsibility"),
)
QualificationRuleFormSet = _row_formset(
    QualificationRuleForm, "criteria_rules", _("Rules"), _("Rule"), _("Add a rule")
)
LeadTypeFormSet = _row_formset(
    LeadTypeForm,
    "service_levels",
    _("Service levels by lead type"),
    _("Lead type"),
    _("Add a lead type"),
    unique_field="lead_type",
)
HolidayFormSet = _row_formset(
    HolidayForm, "holidays", _("Holidays"), _("Holiday"), _("Add a holiday"), unique_field="date"
)
RejectionReasonFormSet = _row_formset(
    RejectionReasonForm,
    "rejection_reasons",
    _("Reasons"),
    _("Reason"),
    _("Add a reason"),
    unique_field="code",
)
_DeadlineFormSet = _row_formset(
    DeadlineForm, "deadlines", _("Deadlines"), _("Deadline"), _("Add a deadline")
)


class DeadlineFormSet(_DeadlineFormSet):  # type: ignore[valid-type,misc]
    """Deadlines, each checked against the period's start (``period_start``, when given)."""

    def __init__(self, *args: Any, period_start: dt.date | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("form_kwargs", {"empty_permitted": True, "period_start": period_start})
        super().__init__(*args, **kwargs)
