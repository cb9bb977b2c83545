"""A section's forms and formsets, bound, validated and saved together."""

from __future__ import annotations

import contextlib
import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict
from django.urls import reverse

from agreements.forms.drafting.base import SectionBaseForm, autofocus_first
from agreements.forms.drafting.calendar import CalendarForm
from agreements.forms.drafting.criteria import CriteriaForm
from agreements.forms.drafting.funnel import FunnelForm
from agreements.forms.drafting.parties import HeaderForm
from agreements.forms.drafting.review import ReviewForm
from agreements.forms.drafting.rows import (
    DeadlineFormSet,
    HolidayFormSet,
    KpiFormSet,
    LeadTypeFormSet,
    QualificationRuleFormSet,
    RejectionReasonFormSet,
    ResponsibilityFormSet,
    RowFormSet,
)
from agreements.models import Agreement
from agreements.sections import SECTIONS_BY_KEY, Section

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass(frozen=True)
class SectionForms:
    form: type[forms.BaseForm]
    formsets: tuple[type[RowFormSet], ...] = ()


SECTION_FORMS: dict[str, SectionForms] = {
    "header": SectionForms(HeaderForm),
    "funnel": SectionForms(FunnelForm),
    "kpis": SectionForms(SectionBaseForm, (KpiFormSet,)),
    "responsibilities": SectionForms(SectionBaseForm, (ResponsibilityFormSet,)),
    "criteria": SectionForms(CriteriaForm, (QualificationRuleFormSet,)),
    "service_levels": SectionForms(CalendarForm, (HolidayFormSet, LeadTypeFormSet)),
    "rejection_reasons": SectionForms(SectionBaseForm, (RejectionReasonFormSet,)),
    "deadlines": SectionForms(SectionBaseForm, (DeadlineFormSet,)),
    "review": SectionForms(ReviewForm),
}


def _row_initial(agreement: Agreement, formset: type[RowFormSet]) -> list[dict[str, Any]]:
    names = formset.form._meta.fields or ()
    return [
        {name: getattr(row, name) for name in names}
        for row in getattr(agreement, formset.relation).all()
    ]


def _formset_kwargs(formset: type[RowFormSet], agreement: Agreement) -> dict[str, Any]:
    """Deadlines are checked against the period's start; other rows need nothing more."""
    return {"period_start": agreement.start_date} if formset is DeadlineFormSet else {}


@dataclass
class SectionEditor:
    """A section's main form and its row formsets, validated and saved together."""

    section: Section
    form: forms.BaseForm
    formsets: list[RowFormSet] = field(default_factory=list)

    def is_valid(self) -> bool:
        results = [self.form.is_valid(), *(formset.is_valid() for formset in self.formsets)]
        return all(results)

    def fields(self) -> dict[str, Any]:
        return {name: self.form.cleaned_data[name] for name in self.section.fields}

    def rows(self) -> dict[str, list[dict[str, Any]]]:
        return {formset.relation: formset.rows() for formset in self.formsets}

    @property
    def base_revision(self) -> int:
        return int(self.form.cleaned_data["base_revision"])

    def add_service_error(self, error: ValidationError) -> None:
        """Show a service's ValidationError beside the fields it names, else above the form."""
        if hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                target = name if name in self.form.fields else None
                for message in messages:
                    self.form.add_error(target, message)
        else:
            for message in error.messages:
                self.form.add_error(None, message)

    def focus_first_error(self) -> None:
        """Move the autofocus to the first field with an error, for keyboard users."""
        fields = [
            bound
            for form in (self.form, *(row for formset in self.formsets for row in formset))
            for bound in form.visible_fields()
        ]
        first_error = next((bound for bound in fields if bound.errors), None)
        if first_error is None:
            return
        for bound in fields:
            bound.field.widget.attrs.pop("autofocus", None)
        first_error.field.widget.attrs["autofocus"] = True

    def formset(self, relation: str) -> RowFormSet | None:
        """The formset of one relation ("kpis"), or None when the section has none such."""
        return next((formset for formset in self.formsets if formset.relation == relation), None)

    def focus_new_row(self, relation: str) -> None:
        """Move the autofocus to the first field of the row just added, and to nothing else."""
        formset = self.formset(relation)
        if formset is None or not formset.forms:
            return
        for form in (self.form, *(row for rows in self.formsets for row in rows)):
            for bound in form.visible_fields():
                bound.field.widget.attrs.pop("autofocus", None)
        autofocus_first(formset.forms[-1])

    def quiet(self) -> None:
        """Keep the posted values but show no errors (after "Add row", before saving)."""
        # A bound form validates when its errors are first read; preset empty errors
        # render the posted values as they are.
        form: Any = self.form
        form._errors = ErrorDict()
        for formset in self.formsets:
            quiet_set: Any = formset
            for row in quiet_set.forms:
                row._errors = ErrorDict()
            quiet_set._errors = [row._errors for row in quiet_set.forms]
            quiet_set._non_form_errors = quiet_set.error_class(renderer=quiet_set.renderer)


def section_editor(
    *,
    section_key: str,
    agreement: Agreement,
    user: User,
    data: Any = None,
    add_row: str = "",
) -> SectionEditor:
    """Bind (or open) a section's forms; with add_row, one more blank row of that relation."""
    spec = SECTION_FORMS[section_key]
    # A model form writes its input into its instance; a copy keeps the loaded one as saved.
    form_kwargs: dict[str, Any] = {"agreement": copy.copy(agreement), "user": user}
    if spec.form is FunnelForm:
        form_kwargs["preview_url"] = reverse(
            "agreements:funnel_preview", kwargs={"pk": agreement.pk}
        )
    if data is not None and add_row:
        data = data.copy()
        total_key = f"{add_row}-TOTAL_FORMS"
        if total_key in data:
            with contextlib.suppress(ValueError):
                data[total_key] = str(int(data[total_key]) + 1)
    if data is None:
        form = spec.form(initial={"base_revision": agreement.revision}, **form_kwargs)
        formsets = [
            formset_class(
                initial=_row_initial(agreement, formset_class),
                **_formset_kwargs(formset_class, agreement),
            )
            for formset_class in spec.formsets
        ]
    else:
        form = spec.form(data, **form_kwargs)
        formsets = [
            formset_class(data, **_formset_kwargs(formset_class, agreement))
            for formset_class in spec.formsets
        ]
    editor = SectionEditor(section=SECTIONS_BY_KEY[section_key], form=form, formsets=formsets)
    # The page shows one error summary for the form and all its rows (form_errors tag).
    for part in (form, *(row for rows in formsets for row in rows)):
        setattr(part, "error_summary_elsewhere", True)  # noqa: B010
    if not any(True for _field in form.visible_fields()) and formsets and formsets[0].forms:
        autofocus_first(formsets[0].forms[0])
    if add_row:
        editor.quiet()
        editor.focus_new_row(add_row)
    return editor
