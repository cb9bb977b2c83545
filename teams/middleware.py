"""Session rules for signed-in pages: idle and absolute time-outs, and no caching."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

SIGNED_IN_AT = "slaportal_signed_in_at"
SEEN_AT = "slaportal_seen_at"
# Writing the last-seen time on every request would save the session on every request;
# a minute's precision is plenty for a half-hour time-out.
SEEN_PRECISION_SECONDS = 60

MESSAGE_IDLE = gettext_noop(
    "You were signed out after %(minutes)d minutes without activity. Sign in again."
)
MESSAGE_EXPIRED = gettext_noop("Your session has ended. Sign in again.")


@receiver(user_logged_in)
def _session_started(sender: object, request: HttpRequest | None, **kwargs: object) -> None:
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SIGNED_IN_AT] = now
        request.session[SEEN_AT] = now


class SessionTimeoutMiddleware:
    """Sign out a session idle for SESSION_IDLE_TIMEOUT, or older than SESSION_COOKIE_AGE."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            ended = self._ended(request)
            if ended:
                logout(request)
                messages.info(request, ended)
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)

    @staticmethod
    def _ended(request: HttpRequest) -> str:
        now = int(time.time())
        session = request.session
        signed_in_at = session.get(SIGNED_IN_AT)
        seen_at = session.get(SEEN_AT)
        if signed_in_at is None or seen_at is None:
            # A session from before the time-outs: start counting now.
            session[SIGNED_IN_AT] = signed_in_at or now
            session[SEEN_AT] = now
            return ""
        idle = settings.SESSION_IDLE_TIMEOUT
        if now - seen_at > idle:
            return _(MESSAGE_IDLE) % {"minutes": idle // 60}
        if now - signed_in_at > settings.SESSION_COOKIE_AGE:
            return _(MESSAGE_EXPIRED)
        if now - seen_at >= SEEN_PRECISION_SECONDS:
            session[SEEN_AT] = now
        return ""


class NoStoreForSignedInMiddleware:
    """Pages and exports for a signed-in user are never kept by browsers or proxies."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response
