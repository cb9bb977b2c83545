"""The request log while the database is unreachable: the 503 keeps its request id and line."""

from __future__ import annotations

import json
from typing import Any

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.utils.functional import SimpleLazyObject

from slaportal.errors import error_response
from slaportal.request_log import REQUEST_ID_HEADER, RequestLogMiddleware


def unreachable() -> Any:
    raise OperationalError("connection refused")


def test_a_user_the_database_cannot_load_is_logged_as_no_one(caplog: Any) -> None:
    """Loading the user failed in the page (a 503); the log line must not try again and fail."""

    def answer(request: HttpRequest) -> HttpResponse:
        request.user = SimpleLazyObject(unreachable)  # type: ignore[assignment]
        return error_response(request, 503)

    with caplog.at_level("INFO", logger="slaportal.requests"):
        response = RequestLogMiddleware(answer)(RequestFactory().get("/agreements/"))

    assert response.status_code == 503
    assert len(response[REQUEST_ID_HEADER]) == 32
    line = json.loads(caplog.records[-1].getMessage())
    assert (line["status"], line["user_id"]) == (503, None)
