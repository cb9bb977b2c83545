"""The admin of agreements and their series, writing through the same services as the site."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.contrib.auth.models import User
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agreements.admin.agreement_forms import (
    CALENDAR_SUMMARY,
    AgreementAddForm,
    AgreementChangeForm,
)
from agreements.admin.base import ReadOnlyAdmin
from agreements.admin.sections import (
    DeadlineInline,
    HolidayInline,
    KpiInline,
    LeadTypeServiceLevelInline,
    QualificationRuleInline,
    RejectionReasonInline,
    ResponsibilityInline,
)
from agreements.client import client_ip
from agreements.funnel import plan_for
from agreements.models import Agreement, AgreementSeries
from agreements.services.admin_writes import agreement_admin_save
from agreements.services.agreements import agreement_create
from teams.models import Side, Team

MESSAGE_READ_ONLY = _(
    "This agreement is %(status)s: only drafts can be changed, here as on the site. "
    "It is shown read-only."
)


def staff_user(request: HttpRequest) -> User:
    """The acting staff member: the admin site lets in only signed-in, active staff."""
    user = request.user
    assert isinstance(user, User)
    return user


RECORD_FIELDS = (
    "series",
    "version",
    "amends",
    "status",
    "revision",
    "created_at",
    "updated_at",
    "submitted_at",
    "signed_at",
    "superseded_at",
    "cancelled_at",
    "cancel_reason",
)


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    form = AgreementChangeForm
    add_form = AgreementAddForm
    list_display = (
        "title",
        "version",
        "status",
        "marketing_team",
        "sales_team",
        "start_date",
        "end_date",
        "owner",
        "updated_at",
    )
    list_filter = ("status", "marketing_team", "sales_team", "start_date")
    search_fields = ("title", "marketing_team__name", "sales_team__name", "owner__username")
    date_hierarchy = "start_date"
    list_select_related = ("marketing_team", "sales_team", "owner")
    raw_id_fields = ("owner",)
    inlines = (
        KpiInline,
        ResponsibilityInline,
        QualificationRuleInline,
        LeadTypeServiceLevelInline,
        HolidayInline,
        RejectionReasonInline,
        DeadlineInline,
    )
    add_fieldsets = (
        (
            None,
            {
                "fields": (
                    "title",
                    ("marketing_team", "sales_team"),
                    ("start_date", "end_date"),
                    "from_template",
                )
            },
        ),
    )
    fieldsets = (
        (
            _("Parties and period"),
            {
                "fields": (
                    "title",
                    ("marketing_team", "sales_team"),
                    ("start_date", "end_date"),
                    "owner",
                    "base_revision",
                )
            },
        ),
        (_("Record"), {"fields": RECORD_FIELDS, "classes": ("collapse",)}),
        (
            _("Goals and funnel plan"),
            {
                "fields": (
                    ("currency", "revenue_goal"),
                    ("marketing_share_pct", "average_deal_size"),
                    ("lead_to_mql_pct", "mql_to_sql_pct", "sql_to_won_pct"),
                    "months",
                    "funnel_plan",
                )
            },
        ),
        (_("Qualification criteria"), {"fields": ("mql_score_threshold",)}),
        (
            _("Business-hours calendar"),
            {"fields": ("timezone", "working_hours", "workdays", ("day_start", "day_end"))},
        ),
        (
            _("Reporting and review"),
            {"fields": ("report_cadence", "meeting_cadence", "next_review")},
        ),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Agreement]:
        return super().get_queryset(request).select_related("marketing_team", "sales_team", "owner")

    def get_fieldsets(self, request: HttpRequest, obj: Agreement | None = None) -> Any:
        if obj is None:
            return self.add_fieldsets
        if self.has_change_permission(request, obj):
            return self.fieldsets
        # View only: the optimistic-lock field has nothing to show.
        return [
            (
                name,
                {
                    **options,
                    "fields": tuple(f for f in options["fields"] if f != "base_revision"),
                },
            )
            for name, options in self.fieldsets
        ]

    def get_readonly_fields(
        self, request: HttpRequest, obj: Agreement | None = None
    ) -> tuple[str, ...]:
        if obj is None:
            return ()
        return (*RECORD_FIELDS, "funnel_plan", *CALENDAR_SUMMARY)

    def get_form(
        self,
        request: HttpRequest,
        obj: Agreement | None = None,
        change: bool = False,
        **kwargs: Any,
    ) -> Any:
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, change=change, **kwargs)

    def get_inline_instances(self, request: HttpRequest, obj: Agreement | None = None) -> list[Any]:
        # A new draft's rows come from the service (template or empty), not from inlines.
        if obj is None:
            return []
        return super().get_inline_instances(request, obj)

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField | None:
        if db_field.name == "marketing_team":
            kwargs["queryset"] = Team.objects.filter(side=Side.MARKETING)
        elif db_field.name == "sales_team":
            kwargs["queryset"] = Team.objects.filter(side=Side.SALES)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_actions(
        self, request: HttpRequest, action_location: Any = ActionLocation.CHANGE_LIST
    ) -> dict[str, Any]:
        actions = super().get_actions(request, action_location=action_location)
        # Bulk deletion would skip the per-agreement status check.
        actions.pop("delete_selected", None)
        return actions

    def has_change_permission(self, request: HttpRequest, obj: Agreement | None = None) -> bool:
        if obj is not None and not obj.is_editable:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Agreement | None = None) -> bool:
        if obj is not None and not obj.is_editable:
            return False
        return super().has_delete_permission(request, obj)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "GET":
            agreement = self.get_object(request, object_id)
            if agreement is not None and not agreement.is_editable:
                self.message_user(
                    request,
                    MESSAGE_READ_ONLY % {"status": agreement.get_status_display().lower()},
                    messages.INFO,
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def save_form(self, request: HttpRequest, form: Any, change: bool) -> Any:
        if change:
            return form.save(commit=False)
        data = form.cleaned_data
        return agreement_create(
            actor=staff_user(request),
            title=data["title"],
            marketing_team=data["marketing_team"],
            sales_team=data["sales_team"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            from_template=data.get("from_template", False),
            ip_address=client_ip(request),
        )

    def save_model(self, request: HttpRequest, obj: Agreement, form: Any, change: bool) -> None:
        # A new draft was created by agreement_create in save_form; a change is written
        # together with its inline rows in save_related, as one audited revision.
        return

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if not change:
            return
        changed = [name for name in form.changed_data if name != "base_revision"]
        changed += [formset.prefix for formset in formsets if formset.has_changed()]
        if not changed:
            # Nothing to write; the change message still reads what the formsets saved.
            for formset in formsets:
                formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            return
        agreement = form.instance

        def write() -> None:
            agreement.save()
            form.save_m2m()
            for formset in formsets:
                self.save_formset(request, form, formset, change=True)

        agreement_admin_save(
            agreement=agreement,
            actor=staff_user(request),
            write=write,
            base_revision=form.cleaned_data["base_revision"],
            changed=changed,
            ip_address=client_ip(request),
        )

    @admin.display(description=_("funnel plan (computed)"))
    def funnel_plan(self, agreement: Agreement) -> str:
        plan = plan_for(agreement)
        if plan is None:
            return gettext("Fill in every funnel input to compute the plan.")
        return gettext(
            "%(customers)s customers, %(sqls)s SQLs, %(mqls)s MQLs, %(leads)s leads in total; "
            "%(m_customers)s customers, %(m_sqls)s SQLs, %(m_mqls)s MQLs, %(m_leads)s leads a "
            "month; %(per_customer)s leads per customer."
        ) % {
            "customers": plan.total.customers,
            "sqls": plan.total.sqls,
            "mqls": plan.total.mqls,
            "leads": plan.total.leads,
            "m_customers": plan.per_month.customers,
            "m_sqls": plan.per_month.sqls,
            "m_mqls": plan.per_month.mqls,
            "m_leads": plan.per_month.leads,
            "per_customer": plan.leads_per_customer,
        }


class AgreementVersionInline(admin.TabularInline):
    model = Agreement
    fk_name = "series"
    extra = 0
    fields = ("title", "version", "status", "start_date", "end_date")
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Agreement | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Agreement | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Agreement | None = None) -> bool:
        return False


@admin.register(AgreementSeries)
class AgreementSeriesAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "created_at", "version_count")
    date_hierarchy = "created_at"
    search_fields = ("versions__title",)
    inlines = (AgreementVersionInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[AgreementSeries]:
        return super().get_queryset(request).annotate(version_total=Count("versions"))

    @admin.display(description=_("versions"), ordering="version_total")
    def version_count(self, series: Any) -> int:
        return series.version_total
