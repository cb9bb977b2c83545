"""The error summary every form shows above its fields: each error, linked to its field."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django import forms, template

register = template.Library()


@dataclass(frozen=True)
class SummaryError:
    message: str
    label: str = ""
    field_id: str = ""


def _form_errors(form: forms.BaseForm, prefix: str = "") -> list[SummaryError]:
    if not form.is_bound:
        return []
    errors = [
        SummaryError(message=str(message), label=prefix) for message in form.non_field_errors()
    ]
    for bound in form:
        label = f"{prefix} · {bound.label}" if prefix else str(bound.label or "")
        field_id = "" if bound.is_hidden else bound.auto_id or ""
        errors.extend(
            SummaryError(message=str(message), label=label, field_id=field_id)
            for message in bound.errors
        )
    return errors


def _formset_errors(formset: forms.BaseFormSet) -> list[SummaryError]:
    if not formset.is_bound:
        return []
    row_label = str(getattr(formset, "row_label", ""))
    heading = str(getattr(formset, "heading", ""))
    errors = [
        SummaryError(message=str(message), label=heading) for message in formset.non_form_errors()
    ]
    for number, row in enumerate(formset.forms, start=1):
        errors.extend(_form_errors(row, prefix=f"{row_label} {number}".strip()))
    return errors


def summary_errors(*items: Any) -> list[SummaryError]:
    """The errors of forms and formsets (or lists of them), in the order they show on the page."""
    errors: list[SummaryError] = []
    for item in items:
        if isinstance(item, forms.BaseFormSet):
            errors.extend(_formset_errors(item))
        elif isinstance(item, forms.BaseForm):
            errors.extend(_form_errors(item))
        elif isinstance(item, Iterable) and not isinstance(item, str):
            errors.extend(summary_errors(*item))
    return errors


@register.inclusion_tag("_error_summary.html")
def error_summary(*items: Any) -> dict[str, Any]:
    """`{% error_summary form formsets %}`: a role="alert" box listing every error, or nothing."""
    return {"errors": summary_errors(*items)}
