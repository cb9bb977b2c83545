"""The sign page: what is signed, who may still sign it, and the signature itself."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements.client import AuthenticatedHttpRequest, client_ip, client_user_agent
from agreements.exchange import content_digest, content_of
from agreements.forms.signoff import SignForm
from agreements.funnel import plan_for
from agreements.permissions import signoff_actions
from agreements.sections import SECTIONS
from agreements.selectors import agreement_with_sections
from agreements.services.signatures import signature_record, signing_refusal
from agreements.views.access import found


def agreement_sign(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    agreement = found(agreement_with_sections(user=request.user, pk=pk))
    digest = content_digest(content_of(agreement))
    signatures = list(agreement.signatures.all())
    signed_team_ids = {signature.team_id for signature in signatures if signature.is_valid}
    actions = signoff_actions(
        request.user, agreement, signed_team_ids=signed_team_ids, has_amendment=False
    )
    teams = [
        team
        for team in (agreement.marketing_team, agreement.sales_team)
        if team.pk in actions.sign_team_ids
    ]
    # Said before anything is typed; a form posted anyway is refused (and recorded) by the service.
    refusal = signing_refusal(actor=request.user, signatures=signatures) if teams else ""
    form = None
    if teams:
        form = SignForm(request.POST or None, teams=teams, initial={"digest": digest})
        if request.method == "POST" and form.is_valid():
            try:
                signature_record(
                    agreement=agreement,
                    actor=request.user,
                    team=form.cleaned_data["team"],
                    typed_name=form.cleaned_data["typed_name"],
                    password=form.cleaned_data["password"],
                    seen_digest=form.cleaned_data["digest"],
                    ip_address=client_ip(request),
                    user_agent=client_user_agent(request),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("Signed for %(team)s.") % {"team": form.cleaned_data["team"].name},
                )
                return redirect(agreement)
        if form.is_bound:
            # The form is bound to the content on this page: a stale digest is replaced by
            # the one shown, so signing again signs what the signer now sees.
            data = request.POST.copy()
            data["digest"] = digest
            form.data = data
    elif request.method == "POST":
        messages.error(request, _("You cannot sign this agreement now."))
    return render(
        request,
        "agreements/agreement_sign.html",
        {
            "agreement": agreement,
            "digest": digest,
            "sections": SECTIONS,
            "plan": plan_for(agreement),
            "can_edit": False,
            "today": timezone.localdate(),
            "form": form,
            "refusal": refusal,
            "signed_team_ids": signed_team_ids,
        },
    )
