"""Building emails: absolute links to the site, and subject and body rendered from templates."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string


def absolute_url(path: str) -> str:
    """The address of a site path for an email, where no request is at hand to build it from."""
    return settings.SITE_URL.rstrip("/") + path


def render_email(template_prefix: str, context: dict[str, Any]) -> tuple[str, str]:
    """Subject and plain-text body from ``<prefix>_subject.txt`` and ``<prefix>_body.txt``."""
    subject = render_to_string(f"{template_prefix}_subject.txt", context)
    body = render_to_string(f"{template_prefix}_body.txt", context)
    # A header cannot hold a line break; the template's own newlines are layout only.
    return "".join(subject.splitlines()).strip(), body
