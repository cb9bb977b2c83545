"""The site's error pages: its own look, no detail of what went wrong inside."""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.translation import gettext as _

# How long a client should wait before trying again while the database is unreachable.
RETRY_AFTER_SECONDS = 30

HEADINGS = {
    400: (
        lambda: _("The request could not be understood"),
        lambda: _("Check the address or the form you sent, then try again."),
    ),
    403: (
        lambda: _("You may not do this"),
        lambda: _("Your account does not allow this action. Ask a team lead or an administrator."),
    ),
    404: (
        lambda: _("Page not found"),
        lambda: _("This page does not exist, or you do not have access to it."),
    ),
    500: (
        lambda: _("Something went wrong on our side"),
        lambda: _(
            "The error has been logged. Try again; if it happens again, tell an administrator."
        ),
    ),
    503: (
        lambda: _("slaportal is briefly unavailable"),
        lambda: _("The service cannot reach its database right now. Try again in a minute."),
    ),
}


def error_response(request: HttpRequest | None, status: int) -> HttpResponse:
    """The error page for ``status``, rendered without touching the database."""
    heading, explanation = HEADINGS[status]
    context = {"status": status, "heading": heading(), "explanation": explanation()}
    # No request context for server errors: its processors would load the user, which may
    # be what failed.
    html = loader.get_template(f"{status}.html").render(context, request if status < 500 else None)
    response = HttpResponse(html, status=status)
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether the error is the database being unreachable (or busy), not a bug."""
    return isinstance(exc, OperationalError | InterfaceError)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_response(request, 400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_response(request, 403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_response(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    """500, or 503 with Retry-After while the database cannot be reached."""
    status = 503 if database_unavailable(sys.exc_info()[1]) else 500
    return error_response(request, status)
