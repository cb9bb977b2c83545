"""The admin of performance records: written by the actuals, lead import and alert services."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from agreements.admin.base import ReadOnlyAdmin, pretty_json
from performance.models import (
    Alert,
    ImportBatch,
    KpiActual,
    LeadColumnMapping,
    LeadDay,
    LeadRecord,
    LeadTally,
    MonthlyActual,
    PendingUpload,
    SeriesChange,
)

# Performance records: written by the actuals, lead import and alert services


@admin.register(MonthlyActual)
class MonthlyActualAdmin(ReadOnlyAdmin):
    list_display = (
        "month",
        "series",
        "leads",
        "mqls",
        "sqls",
        "customers",
        "revenue",
        "updated_by",
    )
    date_hierarchy = "month"
    search_fields = ("series__versions__title",)
    list_select_related = ("series", "updated_by")


@admin.register(KpiActual)
class KpiActualAdmin(ReadOnlyAdmin):
    list_display = ("kpi_name", "period_start", "value", "series", "updated_by")
    date_hierarchy = "period_start"
    search_fields = ("kpi_name", "series__versions__title")
    list_select_related = ("series", "updated_by")


@admin.register(LeadRecord)
class LeadRecordAdmin(ReadOnlyAdmin):
    list_display = (
        "lead_id",
        "agreement",
        "lead_type",
        "mql_at",
        "first_touch_at",
        "due_at",
        "response_hours",
        "attempts",
        "invalid_rejection",
    )
    list_filter = ("lead_type", "invalid_rejection", "agreement__status")
    date_hierarchy = "mql_at"
    search_fields = ("lead_id", "lead_type", "outcome", "agreement__title")
    list_select_related = ("agreement",)


@admin.register(LeadTally)
class LeadTallyAdmin(ReadOnlyAdmin):
    list_display = (
        "lead_type",
        "month",
        "outcome",
        "invalid_rejection",
        "touched_met",
        "touched_breached",
        "untouched",
        "series",
    )
    list_filter = ("lead_type", "invalid_rejection")
    date_hierarchy = "month"
    search_fields = ("lead_type", "outcome", "series__versions__title")
    list_select_related = ("series",)


@admin.register(LeadDay)
class LeadDayAdmin(ReadOnlyAdmin):
    list_display = ("day", "zone", "touched_met", "touched_breached", "untouched", "series")
    date_hierarchy = "day"
    search_fields = ("series__versions__title",)
    list_select_related = ("series",)


@admin.register(LeadColumnMapping)
class LeadColumnMappingAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "updated_at")
    search_fields = ("series__versions__title",)
    list_select_related = ("series",)
    fields = ("series", "updated_at", "mapping_pretty")
    readonly_fields = fields

    @admin.display(description=_("mapping"))
    def mapping_pretty(self, mapping: LeadColumnMapping) -> str:
        return pretty_json(mapping.mapping)


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "agreement", "message", "emailed_at", "resolved_at")
    list_filter = ("kind", ("resolved_at", admin.EmptyFieldListFilter), "created_at")
    date_hierarchy = "created_at"
    search_fields = ("message", "occurrence", "agreement__title")
    list_select_related = ("agreement",)


@admin.register(PendingUpload)
class PendingUploadAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "file_name", "owner", "agreement", "expires_at")
    list_filter = ("kind",)
    date_hierarchy = "created_at"
    search_fields = ("file_name", "owner__username", "agreement__title")
    list_select_related = ("owner", "agreement")
    # The file itself stays out of the page: it may be tens of megabytes.
    fields = ("token", "kind", "file_name", "owner", "agreement", "created_at", "expires_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[PendingUpload]:
        return super().get_queryset(request).defer("content")


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "file_name", "created_by", "created", "updated")
    list_filter = ("kind", ("undone_at", admin.EmptyFieldListFilter), "created_at")
    date_hierarchy = "created_at"
    search_fields = ("file_name", "created_by__username")
    list_select_related = ("created_by",)


@admin.register(SeriesChange)
class SeriesChangeAdmin(ReadOnlyAdmin):
    """Written by database triggers only (performance.series_changes)."""

    list_display = ("id", "series_id")
    search_fields = ("=series_id",)
