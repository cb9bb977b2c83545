"""Sign-in pages of the accounts that make up the teams."""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

LOCKOUT_STATUS = 429


def cooloff_minutes() -> int:
    """How long a locked-out account or address waits, in whole minutes (rounded up)."""
    return max(1, math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60))


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """django-axes' lockout answer: what happened and when to try again."""
    response = render(
        request,
        "registration/locked_out.html",
        {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": cooloff_minutes()},
        status=LOCKOUT_STATUS,
    )
    response["Retry-After"] = str(cooloff_minutes() * 60)
    return response
