"""Review terms pages: submitting with a due date and reminders, and changing them meanwhile."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agreements.client import AuthenticatedHttpRequest, client_ip
from agreements.forms.signoff import ReviewTermsForm
from agreements.lifecycle import Act, refusal
from agreements.models import Agreement
from agreements.selectors import agreement_get
from agreements.services.reminders import review_schedule
from agreements.services.review import agreement_submit
from agreements.views.access import found


def _terms_page(
    request: AuthenticatedHttpRequest,
    pk: int,
    *,
    act: Act,
    service: Callable[..., Agreement],
    template: str,
    submit: str | Promise,
    success: str,
) -> HttpResponse:
    """A form of review terms for one service; a refusal of the state goes back to the page."""
    agreement = found(agreement_get(user=request.user, pk=pk))
    initial: dict[str, Any] = {}
    current_due = None
    if act == Act.SCHEDULE_REVIEW:
        initial = {"review_due": agreement.review_due, "reminder_days": agreement.reminder_days}
        current_due = agreement.review_due
    form = ReviewTermsForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        submit=submit,
        current_due=current_due,
    )
    if form.is_bound and form.is_valid():
        try:
            service(
                agreement=agreement,
                actor=request.user,
                ip_address=client_ip(request),
                terms=form.terms,
            )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                messages.error(request, " ".join(str(message) for message in error.messages))
                return redirect(agreement)
            form.add_error(None, error)
        else:
            messages.success(request, success)
            return redirect(agreement)
    return render(
        request,
        template,
        {"agreement": agreement, "form": form, "refusal": refusal(agreement, act)},
    )


def agreement_submit_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """GET: the submit form; POST: submit, with the default terms when the form has none."""
    return _terms_page(
        request,
        pk,
        act=Act.SUBMIT,
        service=agreement_submit,
        template="agreements/signoff_submit.html",
        submit=gettext_lazy("Submit for sign-off"),
        success=_("Submitted for sign-off: the content is frozen until it is signed or withdrawn."),
    )


def review_schedule_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _terms_page(
        request,
        pk,
        act=Act.SCHEDULE_REVIEW,
        service=review_schedule,
        template="agreements/signoff_schedule.html",
        submit=gettext_lazy("Save the due date and reminders"),
        success=_("The review's due date and reminders are saved."),
    )
