"""Drafting pages: the agreement list, creation, the detail page and section editing."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from agreements.client import AuthenticatedHttpRequest, client_ip
from agreements.forms.drafting.editor import SectionEditor, section_editor
from agreements.forms.drafting.funnel import FunnelForm
from agreements.forms.drafting.listing import AgreementFilterForm
from agreements.forms.drafting.parties import ERROR_NOT_YOUR_TEAMS, AgreementCreateForm
from agreements.funnel import plan_for
from agreements.list_rows import agreement_rows
from agreements.models import Agreement
from agreements.page_cache import shared_form_html
from agreements.page_extensions import agreement_page_panels
from agreements.permissions import can_edit
from agreements.sections import SECTIONS, SECTIONS_BY_KEY
from agreements.selectors import (
    agreement_for_page,
    agreement_get,
    agreement_with_rows,
    agreement_with_sections,
    teams_for_user,
)
from agreements.selectors import agreement_list as select_agreements
from agreements.services.agreements import (
    ContentErrors,
    EditConflict,
    agreement_copy,
    agreement_section_update,
)
from agreements.services.agreements import agreement_create as create_agreement
from agreements.views.access import found
from agreements.views.section_bodies import section_bodies
from agreements.views.signoff import signoff_panel_context

PAGE_SIZE = 20
FUNNEL_TEMPLATE = "agreements/agreement_section_funnel.html"
SECTION_TEMPLATE = "agreements/agreement_section_form.html"


@require_http_methods(["GET", "HEAD"])
def agreement_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    filter_form = AgreementFilterForm(request.GET or None, teams=teams_for_user(request.user))
    filters = filter_form.filters()
    agreements = select_agreements(user=request.user, **filters)
    page_obj = Paginator(agreements, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "agreements/agreement_list.html",
        {
            "filter_form": filter_form,
            "filter_form_html": shared_form_html(filter_form),
            "page_obj": page_obj,
            "agreements": page_obj.object_list,
            "rows": agreement_rows(page_obj.object_list),
            "filtered": any(filters.values()),
        },
    )


def _copy_initial(request: AuthenticatedHttpRequest) -> dict[str, Any]:
    """The create form prefilled from ?copy=<pk>, when that agreement is visible."""
    try:
        source = agreement_get(user=request.user, pk=int(request.GET.get("copy", "")))
    except ValueError:
        return {}
    if source is None:
        return {}
    return {
        "start_from": AgreementCreateForm.StartFrom.COPY,
        "copy_source": source.pk,
        "title": _("Copy of %(title)s") % {"title": source.title},
        "marketing_team": source.marketing_team_id,
        "sales_team": source.sales_team_id,
        "start_date": source.start_date,
        "end_date": source.end_date,
    }


def _create_from_form(request: AuthenticatedHttpRequest, form: AgreementCreateForm) -> Agreement:
    data = form.cleaned_data
    if data["start_from"] == AgreementCreateForm.StartFrom.COPY:
        return agreement_copy(
            source=data["copy_source"],
            actor=request.user,
            title=data["title"],
            marketing_team=data["marketing_team"],
            sales_team=data["sales_team"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            ip_address=client_ip(request),
        )
    return create_agreement(
        actor=request.user,
        title=data["title"],
        marketing_team=data["marketing_team"],
        sales_team=data["sales_team"],
        start_date=data["start_date"],
        end_date=data["end_date"],
        from_template=data["start_from"] == AgreementCreateForm.StartFrom.TEMPLATE,
        ip_address=client_ip(request),
    )


@require_http_methods(["GET", "HEAD", "POST"])
def agreement_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = AgreementCreateForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                agreement = _create_from_form(request, form)
            except PermissionDenied:
                form.add_error(None, ERROR_NOT_YOUR_TEAMS)
            except ContentErrors as errors:
                for path, message in errors.errors:
                    form.add_error(None, f"{path}: {message}")
            else:
                messages.success(request, _("Created “%(title)s”.") % {"title": agreement.title})
                return redirect(agreement)
    else:
        form = AgreementCreateForm(initial=_copy_initial(request), user=request.user)
    return render(request, "agreements/agreement_create.html", {"form": form})


@require_http_methods(["GET", "HEAD"])
def agreement_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    # The permission check comes first: nothing is read from the cache for a hidden agreement.
    agreement = found(agreement_for_page(user=request.user, pk=pk))
    editable = can_edit(request.user, agreement)
    return render(
        request,
        "agreements/agreement_detail.html",
        {
            "agreement": agreement,
            "sections": SECTIONS,
            "section_bodies": section_bodies(
                agreement, editable=editable, today=timezone.localdate()
            ),
            "can_edit": editable,
            "page_panels": agreement_page_panels(request.user, agreement),
            **signoff_panel_context(request.user, agreement),
        },
    )


def _section_context(agreement: Agreement, editor: SectionEditor) -> dict[str, Any]:
    context: dict[str, Any] = {
        "agreement": agreement,
        "section": editor.section,
        "editor": editor,
        "form": editor.form,
        "formsets": editor.formsets,
        "base_template": SECTION_TEMPLATE,
    }
    if editor.section.key == "funnel":
        # The plan of the values on screen: saved ones, or submitted ones once they are valid.
        if editor.form.is_bound:
            plan = plan_for(getattr(editor.form, "cleaned_data", {}))
        else:
            plan = plan_for(agreement)
        context.update({"plan": plan, "currency": editor.form["currency"].value()})
        context["base_template"] = FUNNEL_TEMPLATE
    return context


def _render_conflict(
    request: AuthenticatedHttpRequest, section_key: str, conflict: EditConflict
) -> HttpResponse:
    """The user's input beside the section as saved meanwhile, ready to re-apply."""
    current = found(agreement_with_sections(user=request.user, pk=conflict.agreement.pk))
    data = request.POST.copy()
    data["base_revision"] = str(current.revision)
    editor = section_editor(
        section_key=section_key, agreement=current, user=request.user, data=data
    )
    editor.is_valid()
    context = _section_context(current, editor)
    context.update(
        {
            "current": current,
            "current_plan": plan_for(current),
            "sections": SECTIONS,
            "today": timezone.localdate(),
            "display_template": f"agreements/_section_{section_key}.html",
        }
    )
    return render(request, "agreements/agreement_section_conflict.html", context, status=409)


@require_http_methods(["GET", "HEAD", "POST"])
def agreement_section_edit(
    request: AuthenticatedHttpRequest, pk: int, section: str
) -> HttpResponse:
    if section not in SECTIONS_BY_KEY:
        raise Http404
    agreement = found(
        agreement_with_rows(user=request.user, pk=pk, relations=SECTIONS_BY_KEY[section].rows)
    )
    if not can_edit(request.user, agreement):
        messages.error(
            request,
            _("This agreement is %(status)s; only a draft can be edited.")
            % {"status": agreement.get_status_display().lower()},
        )
        return redirect(agreement)
    if request.method != "POST":
        editor = section_editor(section_key=section, agreement=agreement, user=request.user)
        return render(request, _template(section), _section_context(agreement, editor))

    add_row = request.POST.get("add_row", "")
    editor = section_editor(
        section_key=section,
        agreement=agreement,
        user=request.user,
        data=request.POST,
        add_row=add_row,
    )
    # "Recompute" shows the funnel plan of the submitted values without saving them.
    recompute = "recompute" in request.POST
    if not add_row and editor.is_valid() and not recompute:
        try:
            agreement_section_update(
                agreement=agreement,
                actor=request.user,
                section=section,
                base_revision=editor.base_revision,
                fields=editor.fields(),
                rows=editor.rows(),
                ip_address=client_ip(request),
            )
        except EditConflict as conflict:
            return _render_conflict(request, section, conflict)
        except PermissionDenied as error:
            raise Http404 from error
        except ValidationError as error:
            editor.add_service_error(error)
        else:
            messages.success(request, _("Saved “%(section)s”.") % {"section": editor.section.title})
            return redirect(f"{agreement.get_absolute_url()}#section-{section}")
    if not add_row:
        editor.focus_first_error()
    context = _section_context(agreement, editor)
    added = editor.formset(add_row) if add_row else None
    if added is not None and request.htmx:
        # htmx swaps in only the rows of that relation, the new one focused, the page in place.
        return render(request, f"{SECTION_TEMPLATE}#formset", {**context, "formset": added})
    return render(request, _template(section), context)


def _template(section: str) -> str:
    return FUNNEL_TEMPLATE if section == "funnel" else SECTION_TEMPLATE


@require_POST
def funnel_preview(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The plan of the funnel inputs as typed; never saves."""
    agreement = found(agreement_get(user=request.user, pk=pk))
    form = FunnelForm(request.POST, agreement=agreement, user=request.user)
    form.is_valid()
    return render(
        request,
        f"{FUNNEL_TEMPLATE}#plan",
        {"plan": plan_for(form.cleaned_data), "currency": form["currency"].value()},
    )
