"""Template filters of the SVG charts."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def px(value: float) -> str:
    """A length in pixels for an SVG attribute: one decimal at most, never localised."""
    return f"{value:.1f}".rstrip("0").rstrip(".")
