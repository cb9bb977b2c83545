"""The rows of the sections: inlines on their agreement's page, read-only lists across all."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from agreements.admin.base import ReadOnlyAdmin
from agreements.forms.drafting.base import NormalisedNames
from agreements.models import (
    Agreement,
    Deadline,
    Holiday,
    Kpi,
    LeadTypeServiceLevel,
    QualificationRule,
    RejectionReason,
    Responsibility,
)
from agreements.sections import ROW_FIELDS


class FiniteDecimalField(forms.DecimalField):
    """A decimal form field that refuses NaN and infinity when it reads them."""

    # Django's field reads "sNaN" as Decimal("sNaN") and refuses it only when validating;
    # before that, an inline formset compares it with the row's saved value (has_changed),
    # which raises InvalidOperation: a server error instead of "Enter a number."
    def to_python(self, value: Any) -> Any:
        number = super().to_python(value)
        if number is not None and not number.is_finite():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class SectionRowFormSet(BaseInlineFormSet):
    """New rows without an explicit position go after the existing ones."""

    def save(self, commit: bool = True) -> list[Any]:
        positions = [form.instance.position for form in self.initial_forms]
        next_position = max(positions, default=-1) + 1
        for form in self.extra_forms:
            if (
                form.has_changed()
                and form not in self.deleted_forms
                and "position" in form.fields
                and "position" not in form.changed_data
            ):
                form.instance.position = next_position
                next_position += 1
        return super().save(commit=commit)


class SectionRowInline(admin.TabularInline):
    """One section's rows; changeable only while the agreement is a draft."""

    extra = 0
    form = NormalisedNames
    formset = SectionRowFormSet
    formfield_overrides = {
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 40})},
        models.DecimalField: {"form_class": FiniteDecimalField},
    }

    def has_add_permission(self, request: HttpRequest, obj: Agreement | None = None) -> bool:
        return (obj is None or obj.is_editable) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Agreement | None = None) -> bool:
        return (obj is None or obj.is_editable) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Agreement | None = None) -> bool:
        return (obj is None or obj.is_editable) and super().has_delete_permission(request, obj)


class KpiInline(SectionRowInline):
    model = Kpi
    fields = ("position", *ROW_FIELDS["kpis"])


class ResponsibilityInline(SectionRowInline):
    model = Responsibility
    fields = ("position", *ROW_FIELDS["responsibilities"])


class QualificationRuleInline(SectionRowInline):
    model = QualificationRule
    fields = ("position", *ROW_FIELDS["criteria_rules"])


class LeadTypeServiceLevelInline(SectionRowInline):
    model = LeadTypeServiceLevel
    fields = ("position", *ROW_FIELDS["service_levels"])


class HolidayInline(SectionRowInline):
    model = Holiday
    # Holidays are kept in date order, so they have no position to set.
    fields = ROW_FIELDS["holidays"]


class RejectionReasonInline(SectionRowInline):
    model = RejectionReason
    fields = ("position", *ROW_FIELDS["rejection_reasons"])


class DeadlineInline(SectionRowInline):
    model = Deadline
    fields = ("position", *ROW_FIELDS["deadlines"])


class SectionRowAdmin(ReadOnlyAdmin):
    """A section's rows across agreements; they are edited on their agreement's page."""

    list_select_related = ("agreement",)


@admin.register(Kpi)
class KpiAdmin(SectionRowAdmin):
    list_display = ("name", "agreement", "owner", "target", "unit", "direction", "cadence")
    list_filter = ("owner", "direction", "cadence", "agreement__status")
    search_fields = ("name", "agreement__title")


@admin.register(Responsibility)
class ResponsibilityAdmin(SectionRowAdmin):
    list_display = ("activity", "agreement", "owner", "commitment")
    list_filter = ("owner", "agreement__status")
    search_fields = ("activity", "commitment", "agreement__title")


@admin.register(QualificationRule)
class QualificationRuleAdmin(SectionRowAdmin):
    list_display = ("rule", "agreement", "stage", "category", "points")
    list_filter = ("stage", "category", "agreement__status")
    search_fields = ("rule", "agreement__title")


@admin.register(LeadTypeServiceLevel)
class LeadTypeServiceLevelAdmin(SectionRowAdmin):
    list_display = (
        "lead_type",
        "agreement",
        "first_response_hours",
        "min_attempts",
        "attempt_window_days",
    )
    list_filter = ("agreement__status",)
    search_fields = ("lead_type", "agreement__title")


@admin.register(Holiday)
class HolidayAdmin(SectionRowAdmin):
    list_display = ("date", "agreement")
    list_filter = ("agreement__status",)
    date_hierarchy = "date"
    search_fields = ("agreement__title",)


@admin.register(RejectionReason)
class RejectionReasonAdmin(SectionRowAdmin):
    list_display = ("code", "label", "agreement", "next_step")
    list_filter = ("next_step", "agreement__status")
    search_fields = ("code", "label", "agreement__title")


@admin.register(Deadline)
class DeadlineAdmin(SectionRowAdmin):
    list_display = ("title", "agreement", "due", "owner", "done")
    list_filter = ("done", "owner", "agreement__status")
    date_hierarchy = "due"
    search_fields = ("title", "agreement__title")
