"""Exchange pages: an agreement as schema /1 JSON, and a new draft from an uploaded file."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from agreements.client import AuthenticatedHttpRequest, client_ip
from agreements.exchange import agreement_export, export_json_text
from agreements.forms.exchange import AgreementImportForm
from agreements.models import Agreement
from agreements.selectors import agreement_with_sections
from agreements.services.agreements import ContentErrors, agreement_import
from agreements.views.access import found


def export_filename(agreement: Agreement) -> str:
    """The download name from the title's slug and the version: ``q1-pipeline-sla-v1.json``."""
    stem = slugify(agreement.title) or "agreement"
    return f"{stem}-v{agreement.version}.json"


@require_http_methods(["GET", "HEAD"])
def agreement_export_json(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    agreement = found(agreement_with_sections(user=request.user, pk=pk))
    response = HttpResponse(
        export_json_text(agreement_export(agreement)).encode("utf-8"),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{export_filename(agreement)}"'
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def agreement_import_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    content_errors: list[tuple[str, str]] = []
    if request.method == "POST":
        form = AgreementImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                agreement = agreement_import(
                    document=form.document, actor=request.user, ip_address=client_ip(request)
                )
            except ContentErrors as errors:
                content_errors = errors.errors
            except PermissionDenied as denied:
                form.add_error(None, str(denied))
            else:
                messages.success(
                    request,
                    _("Imported “%(title)s” as a new draft.") % {"title": agreement.title},
                )
                return redirect(agreement)
    else:
        form = AgreementImportForm()
    return render(
        request,
        "agreements/agreement_import.html",
        {
            "form": form,
            "content_errors": content_errors,
            "list_url": reverse("agreements:list"),
        },
    )
