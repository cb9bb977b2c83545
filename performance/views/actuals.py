"""Actuals pages: monthly figures, KPI values per period, CSV imports of actuals and leads."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from agreements.client import AuthenticatedHttpRequest, client_ip
from agreements.lifecycle import Act, refusal
from agreements.models import Agreement
from agreements.periods import parse_month, period_start
from agreements.selectors import kpi_cadences, kpis_in_force
from agreements.views.access import series_agreement_or_404
from performance.dashboard.versions import local_today
from performance.forms import (
    ActualsConfirmForm,
    ActualsUploadForm,
    KpiActualsForm,
    LeadMappingForm,
    LeadsUploadForm,
    MonthlyActualForm,
    PeriodPickForm,
)
from performance.models import PendingUpload
from performance.selectors import (
    import_batches_recent,
    kpi_actuals_at,
    kpi_actuals_recent,
    monthly_actual_get,
    monthly_actuals_for_series,
    months_recorded,
)
from performance.services.actuals import (
    FunnelNotConfirmed,
    kpi_actuals_save,
    monthly_actual_save,
)
from performance.services.actuals_csv import (
    ParsedActuals,
    actuals_import_pending,
    actuals_preview,
)
from performance.services.leads import (
    LeadImportResult,
    LeadMappingNeeded,
    lead_upload_header,
    lead_upload_samples,
    leads_import_pending,
    leads_upload,
)
from performance.services.pending_uploads import pending_upload_discard, pending_upload_get
from performance.services.recording import recordable_period


def _refuse(request: HttpRequest, agreement: Agreement, reason: str) -> HttpResponse:
    messages.error(request, reason)
    return redirect("performance:actuals", pk=agreement.pk)


@require_safe
def actuals_overview(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    agreement = series_agreement_or_404(request.user, pk)
    months = list(monthly_actuals_for_series(agreement.series_id))
    kpi_values = kpi_actuals_recent(agreement.series_id)
    cadences = kpi_cadences(agreement.series_id)
    period = recordable_period(agreement)
    return render(
        request,
        "performance/actuals_overview.html",
        {
            "agreement": agreement,
            "blocked": refusal(agreement, Act.RECORD),
            "months": months,
            # Months an older version let in outside the signed periods, marked on the page.
            "outside": {row.month for row in months if not period.covers_month(row.month)},
            "period_text": period.text,
            "kpi_values": kpi_values,
            # KPI values, likewise, whose period lies outside the signed periods.
            "kpi_outside": {
                actual.pk
                for actual in kpi_values
                if not period.covers_kpi_value(
                    actual.period_start, cadences.get(actual.kpi_name, ())
                )
            },
            "imports": import_batches_recent(agreement.series_id),
        },
    )


def actuals_month(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    agreement = series_agreement_or_404(request.user, pk)
    blocked = refusal(agreement, Act.RECORD)
    if blocked and request.method == "POST":
        return _refuse(request, agreement, blocked)
    month = parse_month(request.GET.get("month", ""))
    existing = monthly_actual_get(agreement.series_id, month) if month else None
    if request.method == "POST":
        form = MonthlyActualForm(request.POST, currency=agreement.currency)
        if form.is_valid():
            try:
                monthly_actual_save(
                    agreement=agreement,
                    actor=request.user,
                    ip_address=client_ip(request),
                    **form.cleaned_data,
                )
            except FunnelNotConfirmed as warned:
                form.funnel_warnings = warned.warnings
            except (ValidationError, PermissionDenied) as error:
                form.add_error(None, error if isinstance(error, ValidationError) else str(error))
            else:
                messages.success(
                    request,
                    _("Saved the figures for %(month)s.")
                    % {"month": f"{form.cleaned_data['month']:%Y-%m}"},
                )
                return redirect("performance:actuals", pk=agreement.pk)
    else:
        initial: dict[str, Any] = {"month": month or _month_to_enter(agreement)}
        if existing is not None:
            for name in ("leads", "mqls", "sqls", "customers", "revenue"):
                initial[name] = getattr(existing, name)
        form = MonthlyActualForm(initial=initial, currency=agreement.currency)
    return render(
        request,
        "performance/actuals_month.html",
        {"agreement": agreement, "blocked": blocked, "form": form, "existing": existing},
    )


def _month_to_enter(agreement: Agreement) -> dt.date:
    """The latest month of the period so far without figures (the agreement's today)."""
    period = recordable_period(agreement)
    today = local_today(agreement, timezone.now())
    return period.month_to_enter(months_recorded(agreement.series_id, period.months), today)


def actuals_import_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Upload, preview every row with its errors, then apply what was previewed.

    A file without errors waits in the database under a token, for its uploader to apply to
    this agreement within the hour, or to discard.
    """
    agreement = series_agreement_or_404(request.user, pk)
    blocked = refusal(agreement, Act.RECORD)
    if blocked and request.method == "POST":
        return _refuse(request, agreement, blocked)
    upload_form = ActualsUploadForm()
    confirm_form = None
    parsed = None
    if request.method == "POST" and "token" in request.POST:
        applied = _actuals_apply(request, agreement)
        if isinstance(applied, HttpResponse):
            return applied
        parsed = applied
    elif request.method == "POST":
        upload_form = ActualsUploadForm(request.POST, request.FILES)
        if upload_form.is_valid():
            preview = actuals_preview(
                agreement=agreement,
                actor=request.user,
                text=upload_form.text,
                file_name=upload_form.cleaned_data["file"].name,
            )
            parsed = preview.parsed
            if preview.upload is not None:
                confirm_form = ActualsConfirmForm(initial={"token": preview.upload.token})
    return render(
        request,
        "performance/actuals_import.html",
        {
            "agreement": agreement,
            "blocked": blocked,
            "upload_form": upload_form,
            "confirm_form": confirm_form,
            "parsed": parsed,
            "file_errors": _file_errors(parsed),
            "existing": _months_recorded(agreement, parsed),
        },
    )


def _pending_upload(
    request: AuthenticatedHttpRequest, agreement: Agreement, kind: PendingUpload.Kind, page: str
) -> PendingUpload | HttpResponse:
    """The posted token's kept upload, or a redirect back once it is discarded or gone."""
    token = request.POST["token"]
    again = redirect(page, pk=agreement.pk)
    if "discard" in request.POST:
        pending_upload_discard(token=token, owner=request.user, agreement=agreement, kind=kind)
        messages.info(request, _("The file was discarded; nothing was imported."))
        return again
    try:
        return pending_upload_get(token=token, owner=request.user, agreement=agreement, kind=kind)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return again


def _actuals_apply(
    request: AuthenticatedHttpRequest, agreement: Agreement
) -> HttpResponse | ParsedActuals:
    """Apply (or discard) the previewed file: a redirect, or the file's errors to show."""
    upload = _pending_upload(
        request, agreement, PendingUpload.Kind.ACTUALS, "performance:actuals_import"
    )
    if isinstance(upload, HttpResponse):
        return upload
    result = actuals_import_pending(
        upload=upload, actor=request.user, ip_address=client_ip(request)
    )
    if result.errors:
        return result.parsed
    messages.success(
        request,
        _("Imported %(created)s new and %(updated)s updated months.")
        % {"created": result.created, "updated": result.updated},
    )
    return redirect("performance:actuals", pk=agreement.pk)


def _file_errors(parsed: ParsedActuals | None) -> list[tuple[int, str, str]]:
    """Errors that belong to no previewed row: the header, the encoding, the file's length."""
    if parsed is None:
        return []
    row_lines = {row.line for row in parsed.rows}
    return [error for error in parsed.errors if error[0] not in row_lines]


def _months_recorded(agreement: Agreement, parsed: ParsedActuals | None) -> set[dt.date]:
    """The previewed months that the series already has, which the import updates."""
    if parsed is None or not parsed.rows:
        return set()
    return months_recorded(agreement.series_id, [row.month for row in parsed.rows if row.month])


def kpi_actuals(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    agreement = series_agreement_or_404(request.user, pk)
    blocked = refusal(agreement, Act.RECORD)
    if blocked and request.method == "POST":
        return _refuse(request, agreement, blocked)
    source = request.POST if request.method == "POST" else request.GET
    day = _parse_day(source.get("day", "")) or recordable_period(agreement).day_to_enter(
        local_today(agreement, timezone.now())
    )
    version, in_force = kpis_in_force(agreement, day)
    # Computed KPIs are never typed: the dashboard computes them.
    kpis = [kpi for kpi in in_force if not kpi.is_computed]
    starts = {kpi.name: period_start(kpi.cadence, day) for kpi in kpis}
    recorded = {
        name: actual.value for name, actual in kpi_actuals_at(agreement.series_id, starts).items()
    }
    if request.method == "POST":
        form = KpiActualsForm(request.POST, kpis=kpis, starts=starts, recorded=recorded)
        if form.is_valid():
            try:
                saved = kpi_actuals_save(
                    agreement=agreement,
                    actor=request.user,
                    day=day,
                    values=form.values(),
                    ip_address=client_ip(request),
                )
            except (ValidationError, PermissionDenied) as error:
                form.add_error(None, error if isinstance(error, ValidationError) else str(error))
            else:
                messages.success(
                    request,
                    _("Saved %(count)s KPI values.") % {"count": len(saved)}
                    if saved
                    else _("No KPI value changed."),
                )
                return redirect(f"{reverse('performance:kpi_actuals', args=[pk])}?day={day}")
    else:
        form = KpiActualsForm(initial={"day": day}, kpis=kpis, starts=starts, recorded=recorded)
    return render(
        request,
        "performance/actuals_kpis.html",
        {
            "agreement": agreement,
            "blocked": blocked,
            "version": version,
            "day": day,
            "pick_form": PeriodPickForm(initial={"day": day}),
            "form": form,
            "kpis": kpis,
            "computed_kpis": [kpi for kpi in in_force if kpi.is_computed],
        },
    )


def _parse_day(text: str) -> dt.date | None:
    try:
        return parse_date(text.strip())
    except ValueError:
        return None


def leads_import_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Upload a CRM export; if its columns fit no known mapping, map them, then import.

    The file waiting for its mapping is kept in the database under a token, for its uploader
    to map within the hour, or to discard.
    """
    agreement = series_agreement_or_404(request.user, pk)
    blocked = refusal(agreement, Act.RECORD)
    if blocked and request.method == "POST":
        return _refuse(request, agreement, blocked)
    context: dict[str, Any] = {
        "agreement": agreement,
        "blocked": blocked,
        "upload_form": LeadsUploadForm(),
        "mapping_form": None,
        "result": None,
        "file_name": "",
    }
    if request.method == "POST" and "token" in request.POST:
        response = _leads_map(request, agreement, context)
        if response is not None:
            return response
    elif request.method == "POST":
        _leads_upload(request, agreement, context)
    return render(request, "performance/leads_import.html", context)


def _leads_upload(
    request: AuthenticatedHttpRequest, agreement: Agreement, context: dict[str, Any]
) -> None:
    """Import the upload, or keep it and offer the mapping form."""
    upload_form = LeadsUploadForm(request.POST, request.FILES)
    context["upload_form"] = upload_form
    if not upload_form.is_valid():
        return
    upload = upload_form.cleaned_data["file"]
    context["file_name"] = upload.name
    outcome = leads_upload(
        agreement=agreement,
        actor=request.user,
        file=upload.file,
        file_name=upload.name,
        ip_address=client_ip(request),
    )
    if isinstance(outcome, LeadMappingNeeded):
        context["mapping_form"] = LeadMappingForm(
            initial={"token": outcome.upload.token},
            header=outcome.header,
            suggested=outcome.suggested,
        )
        context["samples"] = outcome.samples
        return
    context["result"] = outcome
    if outcome.ok:
        context["upload_form"] = LeadsUploadForm()


def _leads_map(
    request: AuthenticatedHttpRequest, agreement: Agreement, context: dict[str, Any]
) -> HttpResponse | None:
    """Import the kept upload with the posted mapping, or discard it; a redirect if it is gone."""
    upload = _pending_upload(
        request, agreement, PendingUpload.Kind.LEADS, "performance:leads_import"
    )
    if isinstance(upload, HttpResponse):
        return upload
    context["file_name"] = upload.file_name
    context["samples"] = lead_upload_samples(upload)
    mapping_form = LeadMappingForm(request.POST, header=lead_upload_header(upload), suggested={})
    context["mapping_form"] = mapping_form
    if mapping_form.is_valid():
        result: LeadImportResult = leads_import_pending(
            upload=upload,
            actor=request.user,
            mapping=mapping_form.mapping(),
            ip_address=client_ip(request),
        )
        context["result"] = result
        if result.ok:
            context["mapping_form"] = None
    return None
