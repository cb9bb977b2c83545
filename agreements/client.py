"""What a request says about its sender, as recorded in audit events and signatures."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django_htmx.middleware import HtmxDetails


class AuthenticatedHttpRequest(HttpRequest):
    """A request past LoginRequiredMiddleware: its user has signed in."""

    user: User
    htmx: HtmxDetails  # set by django_htmx's HtmxMiddleware


def client_ip(request: HttpRequest) -> str | None:
    """The sender's address; behind N trusted proxies, the one the outermost proxy saw."""
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


def client_user_agent(request: HttpRequest) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:500]
