"""Asking for the password again before an act that changes who may sign."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.admin import ActionLocation
from django.contrib.auth import authenticate
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

REAUTHENTICATED_AT = "slaportal_reauthenticated_at"
ERROR_WRONG_PASSWORD = gettext_noop("The password is not correct.")


def recently_reauthenticated(request: HttpRequest) -> bool:
    """Whether the user confirmed their password within REAUTHENTICATION_SECONDS."""
    confirmed_at = request.session.get(REAUTHENTICATED_AT)
    return (
        confirmed_at is not None and time.time() - confirmed_at <= settings.REAUTHENTICATION_SECONDS
    )


def reauthentication_redirect(request: HttpRequest) -> HttpResponseRedirect:
    return redirect_to_login(request.get_full_path(), reverse("reauthenticate"))


def reauthenticate(request: HttpRequest) -> HttpResponse:
    """Confirm the signed-in user's password; django-axes throttles wrong ones as at sign-in."""
    next_url = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    error = ""
    if request.method == "POST":
        user: Any = authenticate(
            request, username=request.user.get_username(), password=request.POST.get("password", "")
        )
        if user is not None and user.pk == request.user.pk:
            request.session[REAUTHENTICATED_AT] = int(time.time())
            return HttpResponseRedirect(next_url)
        error = _(ERROR_WRONG_PASSWORD)
    return render(
        request,
        "registration/reauthenticate.html",
        {"next": next_url, "error": error},
        status=400 if error else 200,
    )


class ReauthenticationRequiredAdmin(admin.ModelAdmin):
    """Admin pages that change who may sign ask for the password again first.

    Asked when the page is opened, not when it is saved, so nothing typed is lost.
    """

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not recently_reauthenticated(request):
            return reauthentication_redirect(request)
        return super().changeform_view(request, *args, **kwargs)

    def delete_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not recently_reauthenticated(request):
            return reauthentication_redirect(request)
        return super().delete_view(request, *args, **kwargs)

    def get_actions(
        self, request: HttpRequest, action_location: ActionLocation = ActionLocation.CHANGE_LIST
    ) -> Any:
        # Bulk deletion would change who signs without the confirmation above.
        actions = super().get_actions(request, action_location)
        actions.pop("delete_selected", None)
        return actions
