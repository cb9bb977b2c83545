"""Actuals pages: monthly figures, KPI values per period, CSV imports of actuals and leads."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from agreements.models import Agreement
from agreements.periods import parse_month, period_start
from agreements.selectors import agreement_get, kpis_in_force
from performance.forms import (
    ActualsConfirmForm,
    ActualsUploadForm,
    KpiActualsForm,
    LeadMappingForm,
    LeadsUploadForm,
    MonthlyActualForm,
    PeriodPickForm,
    text_stream,
)
from performance.selectors import (
    kpi_actuals_at,
    kpi_actuals_recent,
    monthly_actual_get,
    monthly_actuals_for_series,
    months_recorded,
)
from performance.services.actuals import (
    ERROR_NOT_SIGNED,
    actuals_csv_parse,
    actuals_import,
    kpi_actuals_save,
    monthly_actual_save,
)
from performance.services.leads import (
    LEAD_FIELDS,
    lead_header_read,
    lead_mapping_fitting,
    lead_mapping_remembered,
    leads_import,
)

PREVIEW_MAX_AGE = 3600
UPLOAD_MAX_AGE = 24 * 3600
UPLOAD_SESSION_KEY = "lead_uploads"
UPLOAD_DIRECTORY = Path(tempfile.gettempdir()) / "slaportal-lead-uploads"
TOKEN_PATTERN = re.compile(r"^[0-9a-f]{32}$")

ERROR_PREVIEW_EXPIRED = "The preview has expired or was changed; upload the file again."
ERROR_UPLOAD_EXPIRED = "The uploaded file is no longer available; upload it again."


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def recording_blocked(agreement: Agreement) -> str:
    """Why actuals cannot be recorded against this agreement, or "" when they can."""
    if agreement.status == Agreement.Status.SIGNED:
        return ""
    return _(ERROR_NOT_SIGNED).format(status=agreement.get_status_display().lower())


def _refuse(request: HttpRequest, agreement: Agreement, reason: str) -> HttpResponse:
    messages.error(request, reason)
    return redirect("performance:actuals", pk=agreement.pk)


def actuals_overview(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = agreement_get(user=request.user, pk=pk)
    return render(
        request,
        "performance/actuals_overview.html",
        {
            "agreement": agreement,
            "blocked": recording_blocked(agreement),
            "months": monthly_actuals_for_series(agreement.series_id),
            "kpi_values": kpi_actuals_recent(agreement.series_id),
        },
    )


def actuals_month(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = agreement_get(user=request.user, pk=pk)
    blocked = recording_blocked(agreement)
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
        initial: dict[str, Any] = {"month": month or timezone.localdate().replace(day=1)}
        if existing is not None:
            for name in ("leads", "mqls", "sqls", "customers", "revenue"):
                initial[name] = getattr(existing, name)
        form = MonthlyActualForm(initial=initial, currency=agreement.currency)
    return render(
        request,
        "performance/actuals_month.html",
        {"agreement": agreement, "blocked": blocked, "form": form, "existing": existing},
    )


def _preview_salt(agreement: Agreement, request: HttpRequest) -> str:
    return f"slaportal.actuals-import:{agreement.pk}:{request.user.pk}"


def actuals_import_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload, preview every row with its errors, then confirm.

    The previewed file travels back in a hidden field, signed (and compressed) with the
    project's key for this agreement and user, so the confirmation applies exactly what was
    previewed, without server-side state, and a stale preview is refused after an hour.
    """
    agreement = agreement_get(user=request.user, pk=pk)
    blocked = recording_blocked(agreement)
    if blocked and request.method == "POST":
        return _refuse(request, agreement, blocked)
    upload_form = ActualsUploadForm()
    confirm_form = None
    parsed = None
    existing: set[Any] = set()
    if request.method == "POST" and "payload" in request.POST:
        try:
            text = signing.loads(
                request.POST["payload"],
                salt=_preview_salt(agreement, request),
                max_age=PREVIEW_MAX_AGE,
            )
        except signing.BadSignature:
            messages.error(request, _(ERROR_PREVIEW_EXPIRED))
        else:
            result = actuals_import(
                agreement=agreement, actor=request.user, file=text, ip_address=client_ip(request)
            )
            if not result.errors:
                messages.success(
                    request,
                    _("Imported %(created)s new and %(updated)s updated months.")
                    % {"created": result.created, "updated": result.updated},
                )
                return redirect("performance:actuals", pk=agreement.pk)
            parsed = actuals_csv_parse(text)
    elif request.method == "POST":
        upload_form = ActualsUploadForm(request.POST, request.FILES)
        if upload_form.is_valid():
            parsed = actuals_csv_parse(upload_form.text)
            if parsed.ok:
                confirm_form = ActualsConfirmForm(
                    initial={
                        "payload": signing.dumps(
                            upload_form.text,
                            salt=_preview_salt(agreement, request),
                            compress=True,
                        )
                    }
                )
    if parsed is not None and parsed.rows:
        existing = months_recorded(
            agreement.series_id, [row.month for row in parsed.rows if row.month]
        )
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
            "existing": existing,
        },
    )


def _file_errors(parsed: Any) -> list[tuple[int, str, str]]:
    """Errors that belong to no previewed row: the header, the encoding, the file's length."""
    if parsed is None:
        return []
    row_lines = {row.line for row in parsed.rows}
    return [error for error in parsed.errors if error[0] not in row_lines]


def kpi_actuals(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = agreement_get(user=request.user, pk=pk)
    blocked = recording_blocked(agreement)
    if blocked and request.method == "POST":
        return _refuse(request, agreement, blocked)
    source = request.POST if request.method == "POST" else request.GET
    day = _parse_day(source.get("day", "")) or timezone.localdate()
    version, kpis = kpis_in_force(agreement, day)
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
        },
    )


def _parse_day(text: str) -> dt.date | None:
    try:
        return parse_date(text.strip())
    except ValueError:
        return None


def _upload_path(token: str) -> Path:
    return UPLOAD_DIRECTORY / f"{token}.csv"


def _keep_upload(request: HttpRequest, agreement: Agreement, upload: Any, header: list[str]) -> str:
    """Keep an upload on disk for the mapping step; the session knows it by a random token."""
    UPLOAD_DIRECTORY.mkdir(mode=0o700, exist_ok=True)
    cutoff = time.time() - UPLOAD_MAX_AGE
    for stale in UPLOAD_DIRECTORY.glob("*.csv"):
        if stale.stat().st_mtime < cutoff:
            stale.unlink(missing_ok=True)
    token = uuid.uuid4().hex
    upload.seek(0)
    with _upload_path(token).open("wb") as target:
        shutil.copyfileobj(upload, target)
    uploads = dict(request.session.get(UPLOAD_SESSION_KEY, {}))
    uploads[token] = {"agreement": agreement.pk, "header": header, "name": upload.name}
    request.session[UPLOAD_SESSION_KEY] = uploads
    return token


def _forget_upload(request: HttpRequest, token: str) -> None:
    _upload_path(token).unlink(missing_ok=True)
    uploads = dict(request.session.get(UPLOAD_SESSION_KEY, {}))
    uploads.pop(token, None)
    request.session[UPLOAD_SESSION_KEY] = uploads


def _suggested_mapping(header: list[str], remembered: dict[str, str] | None) -> dict[str, str]:
    """The remembered column for each field if the file has it, else a same-named column."""
    by_lower = {name.lower(): name for name in header if name}
    suggested = {}
    for field in LEAD_FIELDS:
        for candidate in ((remembered or {}).get(field, ""), field):
            if candidate and candidate.lower() in by_lower:
                suggested[field] = by_lower[candidate.lower()]
                break
    return suggested


def leads_import_page(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = agreement_get(user=request.user, pk=pk)
    blocked = recording_blocked(agreement)
    if blocked and request.method == "POST":
        return _refuse(request, agreement, blocked)
    upload_form = LeadsUploadForm()
    mapping_form = None
    result = None
    file_name = ""
    if request.method == "POST" and "token" in request.POST:
        token = request.POST["token"]
        kept = request.session.get(UPLOAD_SESSION_KEY, {}).get(token)
        path = _upload_path(token)
        if (
            not TOKEN_PATTERN.match(token)
            or not kept
            or kept.get("agreement") != agreement.pk
            or not path.exists()
        ):
            messages.error(request, _(ERROR_UPLOAD_EXPIRED))
            return redirect("performance:leads_import", pk=agreement.pk)
        file_name = kept.get("name", "")
        mapping_form = LeadMappingForm(request.POST, header=kept["header"], suggested={})
        if mapping_form.is_valid():
            with path.open(encoding="utf-8-sig", newline="") as handle:
                result = leads_import(
                    agreement=agreement,
                    actor=request.user,
                    file=handle,
                    mapping=mapping_form.mapping(),
                    ip_address=client_ip(request),
                )
            if result.ok:
                _forget_upload(request, token)
                mapping_form = None
    elif request.method == "POST":
        upload_form = LeadsUploadForm(request.POST, request.FILES)
        if upload_form.is_valid():
            upload = upload_form.cleaned_data["file"]
            file_name = upload.name
            stream = text_stream(upload)
            try:
                try:
                    header = lead_header_read(stream)
                except UnicodeDecodeError:
                    header = []
                remembered = lead_mapping_remembered(series_id=agreement.series_id)
                if lead_mapping_fitting(header, remembered) is not None or not header:
                    stream.seek(0)
                    result = leads_import(
                        agreement=agreement,
                        actor=request.user,
                        file=stream,
                        ip_address=client_ip(request),
                    )
                else:
                    token = _keep_upload(request, agreement, upload, header)
                    mapping_form = LeadMappingForm(
                        initial={"token": token},
                        header=header,
                        suggested=_suggested_mapping(header, remembered),
                    )
            finally:
                stream.detach()
            if result is not None and result.ok:
                upload_form = LeadsUploadForm()
    return render(
        request,
        "performance/leads_import.html",
        {
            "agreement": agreement,
            "blocked": blocked,
            "upload_form": upload_form,
            "mapping_form": mapping_form,
            "result": result,
            "file_name": file_name,
        },
    )
