"""Sign-off pages: review acts, comments, evidence, verification, comparison, signed SLAs."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from agreements.client import AuthenticatedHttpRequest, client_ip
from agreements.comparison import compare_content, compare_refs, default_refs
from agreements.exchange import content_of
from agreements.forms.signoff import (
    CancelForm,
    CommentForm,
    CompareForm,
    RequestChangesForm,
    SignedFilterForm,
    WithdrawForm,
)
from agreements.list_rows import SIGNED_ROW_FIELDS, signed_rows
from agreements.models import Agreement, Comment
from agreements.page_cache import shared_form_html
from agreements.permissions import can_view, signoff_actions, signoff_refusals
from agreements.selectors import (
    agreement_events,
    agreement_get,
    agreement_load_sections,
    agreement_revisions,
    agreement_signatures,
    agreement_signoff_record,
    agreement_version_chain,
    revision_snapshot,
    signed_agreement_list,
    signed_agreement_teams,
)
from agreements.services.amendments import agreement_amend
from agreements.services.comments import comment_add, comment_resolve
from agreements.services.review import (
    agreement_cancel,
    agreement_request_changes,
    agreement_withdraw,
)
from agreements.verification import verify_agreement, verify_for_page, verify_versions
from agreements.views.access import found
from agreements.views.waiting import next_step, party_signatories, signatories_text

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

SIGNED_PAGE_SIZE = 20


def signoff_panel_context(user: User | AnonymousUser, agreement: Agreement) -> dict[str, Any]:
    """The agreement page's sign-off panel and comments, for an agreement with its signatures."""
    record = agreement_signoff_record(user=user, agreement=agreement)
    actions = signoff_actions(
        user,
        agreement,
        signed_team_ids=set(record.valid_by_team),
        has_amendment=record.has_amendment,
    )
    signed = agreement.status == Agreement.Status.SIGNED
    parties = party_signatories(agreement)
    return {
        "signoff": record,
        "signoff_actions": actions,
        "signoff_refusals": signoff_refusals(
            user,
            agreement,
            actions,
            signatories=signatories_text(parties),
            has_amendment=record.has_amendment,
        ),
        # Each team, its signatories and its valid signature of this version, if any.
        "party_signatures": [
            (team, users, record.valid_by_team.get(team.pk)) for team, users in parties
        ],
        "next_step": next_step(agreement, record, parties),
        # Kept while nothing it rests on moves; the rows are loaded only when it is not.
        "verification": verify_for_page(agreement) if signed else None,
        "can_resolve": can_view(user, agreement),
        # The same for every viewer: kept once; the template writes the tag and CSRF token.
        "comment_form_html": shared_form_html(CommentForm(form_tag=False))
        if actions.comment
        else None,
    }


def _message_of(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)


def _act_on(
    request: AuthenticatedHttpRequest, pk: int, act: Callable[..., Agreement], success: str
) -> HttpResponse:
    """Run one service on the agreement; its refusal becomes an error message."""
    agreement = found(agreement_get(user=request.user, pk=pk))
    try:
        result = act(agreement=agreement, actor=request.user, ip_address=client_ip(request))
    except ValidationError as error:
        messages.error(request, _message_of(error))
        return redirect(agreement)
    messages.success(request, success)
    return redirect(result)


@require_POST
def agreement_amend_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _act_on(
        request,
        pk,
        agreement_amend,
        _("A new version was created as a draft; the signed version stays in force until then."),
    )


def _reasoned_act(
    request: AuthenticatedHttpRequest,
    pk: int,
    *,
    form_class: type[WithdrawForm] | type[CancelForm] | type[RequestChangesForm],
    field: str,
    template: str,
    act: Callable[..., Agreement],
    keyword: str,
    success: str,
) -> HttpResponse:
    """A confirmation page whose form carries a reason or comment for one service call."""
    agreement = found(agreement_get(user=request.user, pk=pk))
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            act(
                agreement=agreement,
                actor=request.user,
                ip_address=client_ip(request),
                **{keyword: form.cleaned_data[field]},
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, success)
            return redirect(agreement)
    return render(request, template, {"agreement": agreement, "form": form})


def agreement_withdraw_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _reasoned_act(
        request,
        pk,
        form_class=WithdrawForm,
        field="reason",
        template="agreements/signoff_withdraw.html",
        act=agreement_withdraw,
        keyword="reason",
        success=_("Withdrawn to draft; any signatures on this version are void."),
    )


def agreement_request_changes_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _reasoned_act(
        request,
        pk,
        form_class=RequestChangesForm,
        field="comment",
        template="agreements/signoff_request_changes.html",
        act=agreement_request_changes,
        keyword="comment",
        success=_("Changes requested: the agreement is back in draft."),
    )


def agreement_cancel_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _reasoned_act(
        request,
        pk,
        form_class=CancelForm,
        field="reason",
        template="agreements/signoff_cancel.html",
        act=agreement_cancel,
        keyword="reason",
        success=_("The agreement is cancelled."),
    )


def comment_add_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    agreement = found(agreement_get(user=request.user, pk=pk))
    form = CommentForm(request.POST or None, action=reverse("agreements:comment_add", args=[pk]))
    if request.method == "POST" and form.is_valid():
        try:
            comment_add(
                agreement=agreement,
                actor=request.user,
                body=form.cleaned_data["body"],
                section=form.cleaned_data["section"],
                ip_address=client_ip(request),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Comment added."))
            return redirect(agreement.get_absolute_url() + "#comments")
    return render(
        request, "agreements/signoff_comment.html", {"agreement": agreement, "form": form}
    )


@require_POST
def comment_resolve_view(
    request: AuthenticatedHttpRequest, pk: int, comment_pk: int
) -> HttpResponse:
    agreement = found(agreement_get(user=request.user, pk=pk))
    comment = get_object_or_404(Comment, pk=comment_pk, agreement=agreement)
    try:
        comment_resolve(comment=comment, actor=request.user, ip_address=client_ip(request))
    except ValidationError as error:
        messages.error(request, _message_of(error))
    else:
        messages.success(request, _("Comment resolved."))
    return redirect(agreement.get_absolute_url() + "#comments")


def agreement_evidence(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    agreement = found(agreement_get(user=request.user, pk=pk))
    signatures = list(agreement_signatures(agreement=agreement))
    return render(
        request,
        "agreements/agreement_evidence.html",
        {
            "agreement": agreement,
            "signatures": signatures,
            "versions": agreement_version_chain(user=request.user, agreement=agreement),
            "events": agreement_events(agreement=agreement),
            "verification": verify_agreement(agreement) if signatures else None,
            "workspace_tab": "evidence",
        },
    )


def agreement_verify(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    agreement = found(agreement_get(user=request.user, pk=pk))
    versions = agreement_version_chain(user=request.user, agreement=agreement)
    results = verify_versions(
        [version for version in versions if version.status == Agreement.Status.SIGNED]
    )
    return render(
        request,
        "agreements/agreement_verify.html",
        {
            "agreement": agreement,
            "versions": versions,
            "results": results,
            "workspace_tab": "evidence",
        },
    )


def agreement_revisions_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    agreement = found(agreement_get(user=request.user, pk=pk))
    return render(
        request,
        "agreements/agreement_revisions.html",
        {
            "agreement": agreement,
            "revisions": agreement_revisions(agreement=agreement),
            "workspace_tab": "history",
        },
    )


def _content_for_ref(
    ref: str, agreement: Agreement, versions: list[Agreement]
) -> dict[str, Any] | None:
    number = int(ref[1:])
    if ref.startswith("r"):
        return revision_snapshot(agreement=agreement, number=number)
    version = next((item for item in versions if item.version == number), None)
    if version is None:
        return None
    return content_of(agreement_load_sections(version.pk))


def agreement_compare(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    agreement = found(agreement_get(user=request.user, pk=pk))
    revisions = list(agreement_revisions(agreement=agreement))
    versions = agreement_version_chain(user=request.user, agreement=agreement)
    default_a, default_b = default_refs(agreement, revisions, versions)
    data = {"a": request.GET.get("a", default_a), "b": request.GET.get("b", default_b)}
    refs = compare_refs(revisions, versions)
    form = CompareForm(data, refs=refs)
    show_all = request.GET.get("all") == "1"
    diffs = None
    if form.is_valid():
        old = _content_for_ref(form.cleaned_data["a"], agreement, versions)
        new = _content_for_ref(form.cleaned_data["b"], agreement, versions)
        if old is not None and new is not None:
            diffs = compare_content(old, new, include_unchanged=show_all)
    return render(
        request,
        "agreements/agreement_compare.html",
        {
            "agreement": agreement,
            "form": form,
            "diffs": diffs,
            "show_all": show_all,
            "ref_labels": dict(refs),
            "has_changes": any(diff.changed for diff in diffs or []),
            "unchanged_titles": [diff.title for diff in diffs or [] if not diff.changed],
            "workspace_tab": "history",
        },
    )


def signed_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = SignedFilterForm(request.GET or None, teams=signed_agreement_teams(user=request.user))
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        team = form.cleaned_data["team"]
        filters = {
            "team_id": team.pk if team else None,
            "period_from": form.cleaned_data["period_from"],
            "period_to": form.cleaned_data["period_to"],
        }
    agreements = signed_agreement_list(user=request.user, **filters).only(*SIGNED_ROW_FIELDS)
    page = Paginator(agreements, SIGNED_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "agreements/signed_list.html",
        {
            "form": form,
            "form_html": shared_form_html(form),
            "page_obj": page,
            "rows": signed_rows(page.object_list),
        },
    )
