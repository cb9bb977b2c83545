"""The sign page: what is signed, who may still sign it, and the signature itself.

The signing password is throttled as the sign-in password is (django-axes): a wrong one counts
against the account and the address, and once either reaches the limit signing (and sign-in)
waits out the cool-off.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.contrib import messages
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from agreements.client import AuthenticatedHttpRequest, client_ip, client_user_agent
from agreements.exchange import content_digest, content_of
from agreements.forms.signoff import SignForm
from agreements.funnel import plan_for
from agreements.models import Agreement
from agreements.permissions import signoff_actions
from agreements.sections import SECTIONS
from agreements.selectors import agreement_with_sections
from agreements.services.signatures import (
    REASON_LOCKED_OUT,
    signature_record,
    signing_failure_record,
    signing_refusal,
)
from agreements.views.access import found
from teams.views import LOCKOUT_STATUS, cooloff_minutes

SIGN_TEMPLATE = "agreements/agreement_sign.html"
# The field a signing refusal is about, by its code; other refusals show above the form.
ERROR_FIELDS = {"bad_password": "password", "name_mismatch": "typed_name"}


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
    context: dict[str, Any] = {
        "agreement": agreement,
        "digest": digest,
        "sections": SECTIONS,
        "plan": plan_for(agreement),
        "can_edit": False,
        "today": timezone.localdate(),
        "form": None,
        # Said before anything is typed; a form posted anyway is refused by the service.
        "refusal": signing_refusal(actor=request.user, signatures=signatures) if teams else "",
        "signed_team_ids": signed_team_ids,
    }
    if not teams:
        if request.method == "POST":
            messages.error(request, _("You cannot sign this agreement now."))
        return render(request, SIGN_TEMPLATE, context)
    form = SignForm(
        request.POST or None, teams=teams, signer=request.user, initial={"digest": digest}
    )
    context["form"] = form
    # With only the typed name wrong the password is checked too, so every error shows at once.
    if request.method == "POST" and (form.is_valid() or form.only_name_refused()):
        answer = _sign(request, agreement, form, context)
        if answer is not None:
            return answer
    if form.is_bound:
        # The form is bound to the content on this page: a stale digest is replaced by
        # the one shown, so signing again signs what the signer now sees.
        data = request.POST.copy()
        data["digest"] = digest
        form.data = data
    return render(request, SIGN_TEMPLATE, context)


def _sign(
    request: AuthenticatedHttpRequest, agreement: Agreement, form: SignForm, context: dict[str, Any]
) -> HttpResponse | None:
    """Sign, or say why not: a redirect, the paused page, or None with the refusal on the form.

    A refusal goes to the field it is about (the password, the typed name), others above it.
    """
    team = form.cleaned_data["team"]
    typed_name = str(form.cleaned_data.get("typed_name") or form.data.get("typed_name") or "")
    credentials = {"username": request.user.get_username()}
    if not AxesProxyHandler.is_allowed(request, credentials):
        signing_failure_record(
            agreement=agreement,
            actor=request.user,
            team=team,
            reason=REASON_LOCKED_OUT,
            ip_address=client_ip(request),
        )
        return _signing_paused(request, context)
    try:
        signature_record(
            agreement=agreement,
            actor=request.user,
            team=team,
            typed_name=typed_name,
            password=form.cleaned_data["password"],
            seen_digest=form.cleaned_data["digest"],
            ip_address=client_ip(request),
            user_agent=client_user_agent(request),
        )
    except ValidationError as error:
        if error.code == "bad_password":
            # As for a wrong sign-in password: django-axes counts it for the account and address.
            user_login_failed.send(sender=__name__, credentials=credentials, request=request)
            if getattr(request, "axes_locked_out", False):
                return _signing_paused(request, context)
        field = ERROR_FIELDS.get(str(error.code))
        if field is None or not form.has_error(field):
            form.add_error(field, error)
        return None
    messages.success(request, _("Signed for %(team)s.") % {"team": team.name})
    return redirect(agreement)


def _signing_paused(request: AuthenticatedHttpRequest, context: dict[str, Any]) -> HttpResponse:
    """The sign page without its form, at 429: when signing may be tried again."""
    # This page answers the lockout itself; left set, the flag has AxesMiddleware put the
    # sign-in page in its place.
    request.axes_locked_out = False  # type: ignore[attr-defined]
    minutes = cooloff_minutes()
    response = render(
        request,
        SIGN_TEMPLATE,
        {**context, "form": None, "refusal": "", "paused_minutes": minutes},
        status=LOCKOUT_STATUS,
    )
    response["Retry-After"] = str(minutes * 60)
    return response
