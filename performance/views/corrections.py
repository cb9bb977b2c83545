"""Fixing mistakes on the actuals pages: delete a month, undo an import, download templates."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from agreements.client import AuthenticatedHttpRequest, client_ip
from agreements.lifecycle import Act, refusal
from agreements.models import Agreement
from agreements.periods import parse_month
from agreements.views.access import series_agreement_or_404
from performance.csv_templates import actuals_template_rows, leads_template_rows
from performance.models import ImportBatch
from performance.selectors import import_batch_for, monthly_actual_get
from performance.services.corrections import import_undo, monthly_actual_delete


def _refused(request: HttpRequest, agreement: Agreement, reason: str) -> HttpResponse:
    messages.error(request, reason)
    return redirect("performance:actuals", pk=agreement.pk)


def actuals_month_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Ask to confirm, then delete one month's figures (?month=YYYY-MM), audited."""
    agreement = series_agreement_or_404(request.user, pk)
    source = request.POST if request.method == "POST" else request.GET
    month = parse_month(source.get("month", ""))
    actual = monthly_actual_get(agreement.series_id, month) if month else None
    if actual is None or month is None:
        raise Http404(_("There are no figures for that month."))
    blocked = refusal(agreement, Act.RECORD)
    if request.method == "POST":
        if blocked:
            return _refused(request, agreement, blocked)
        try:
            monthly_actual_delete(
                agreement=agreement, actor=request.user, month=month, ip_address=client_ip(request)
            )
        except (ValidationError, PermissionDenied) as error:
            text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            return _refused(request, agreement, text)
        messages.success(
            request, _("Deleted the figures for %(month)s.") % {"month": f"{month:%Y-%m}"}
        )
        return redirect("performance:actuals", pk=agreement.pk)
    return render(
        request,
        "performance/actuals_month_delete.html",
        {"agreement": agreement, "blocked": blocked, "actual": actual},
    )


def import_undo_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Ask to confirm, saying what undoing does, then undo an import (?batch=id), audited."""
    agreement = series_agreement_or_404(request.user, pk)
    source = request.POST if request.method == "POST" else request.GET
    text = source.get("batch", "")
    batch = import_batch_for(agreement.series_id, int(text)) if text.isdigit() else None
    if batch is None:
        raise Http404(_("There is no such import."))
    blocked = refusal(agreement, Act.RECORD)
    error = ""
    if request.method == "POST":
        if blocked:
            return _refused(request, agreement, blocked)
        try:
            import_undo(
                agreement=agreement,
                actor=request.user,
                batch_id=batch.pk,
                ip_address=client_ip(request),
            )
        except ValidationError as refusal_error:
            error = " ".join(refusal_error.messages)
        except PermissionDenied as denied:
            return _refused(request, agreement, str(denied))
        else:
            messages.success(request, _("The import was undone."))
            return redirect("performance:actuals", pk=agreement.pk)
    return render(
        request,
        "performance/import_undo.html",
        {
            "agreement": agreement,
            "blocked": blocked,
            "batch": batch,
            "error": error,
            "is_actuals": batch.kind == ImportBatch.Kind.ACTUALS,
        },
    )


def _csv_attachment(rows: list[list[str]], filename: str) -> HttpResponse:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _stem(agreement: Agreement) -> str:
    return slugify(agreement.title) or "agreement"


@require_safe
def actuals_template_csv(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A file the actuals import reads as it is: its columns and one example month."""
    agreement = series_agreement_or_404(request.user, pk)
    return _csv_attachment(
        actuals_template_rows(agreement), f"{_stem(agreement)}-actuals-template.csv"
    )


@require_safe
def leads_template_csv(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A file the leads import reads as it is: its columns and one example lead."""
    agreement = series_agreement_or_404(request.user, pk)
    lead_types = [level.lead_type for level in agreement.service_levels.all()]
    return _csv_attachment(
        leads_template_rows(agreement, lead_types), f"{_stem(agreement)}-leads-template.csv"
    )
