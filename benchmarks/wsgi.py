"""WSGI entry point of the page benchmark's server (gunicorn benchmarks.wsgi).

The floor path goes to a handler with no middleware at all; every other path to the site's
own handler, middleware and all, exactly as slaportal.wsgi serves it.
"""

import os
from collections.abc import Callable, Iterable
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")

from django.core.handlers.exception import convert_exception_to_response  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

site = get_wsgi_application()

from benchmarks.floor import FLOOR_PATH  # noqa: E402  (imports models: after the setup)


class BareHandler(WSGIHandler):
    """Resolves and calls the view, nothing around it."""

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware: list[Any] = []
        self._template_response_middleware: list[Any] = []
        self._exception_middleware: list[Any] = []
        self._middleware_chain = convert_exception_to_response(self._get_response)  # type: ignore[attr-defined]


bare = BareHandler()


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if environ.get("PATH_INFO") == FLOOR_PATH:
        return bare(environ, start_response)
    return site(environ, start_response)
