"""One structured log line per request: method, path, status, duration, user id, request id."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Callable

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("slaportal.requests")

REQUEST_ID_HEADER = "X-Request-ID"
# A request id from the proxy is kept only if it looks like one, so logs cannot be forged.
INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestLogMiddleware:
    """Logs each request as a JSON line and answers with its request id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if INCOMING_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        response = self.get_response(request)
        logger.info(
            json.dumps(
                {
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user_id": _user_id(request),
                    "request_id": request_id,
                },
                separators=(",", ":"),
            )
        )
        response[REQUEST_ID_HEADER] = request_id
        return response


def _user_id(request: HttpRequest) -> int | None:
    """The signed-in user's id; None when no one is, or when the database cannot say.

    With the database unreachable the user was never loaded, and loading it here would raise
    again: the 503 page would then go out without its request id and without this line.
    """
    user = getattr(request, "user", None)
    try:
        return user.pk if user is not None and user.is_authenticated else None
    except DatabaseError:
        return None
