"""How views answer for objects a user may not see: 404, with no hint that they exist."""

from __future__ import annotations

from django.http import Http404


def found[T](value: T | None) -> T:
    """The object a selector found for this user, or 404."""
    if value is None:
        raise Http404
    return value
