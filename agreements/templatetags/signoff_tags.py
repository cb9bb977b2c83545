"""Filters of the sign-off pages: an agreement's standing, section titles, compared values."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agreements.comparison import MISSING
from agreements.models import Agreement
from agreements.sections import SECTIONS_BY_KEY

register = template.Library()

STANDING_LABELS = {
    "in_force": gettext_lazy("In force"),
    "expired": gettext_lazy("Expired"),
    "superseded": gettext_lazy("Superseded"),
    "scheduled": gettext_lazy("Signed, not yet in force"),
}
STANDING_BADGES = {
    "in_force": "text-bg-success",
    "expired": "text-bg-secondary",
    "superseded": "text-bg-dark",
    "scheduled": "text-bg-info",
    Agreement.Status.DRAFT: "text-bg-light border",
    Agreement.Status.IN_REVIEW: "text-bg-warning",
    Agreement.Status.CANCELLED: "text-bg-danger",
}


@register.filter
def standing_label(agreement: Agreement) -> str:
    """In force / expired / superseded / scheduled for a signed agreement, else its status."""
    standing = agreement.standing
    if standing in STANDING_LABELS:
        return str(STANDING_LABELS[standing])
    return str(agreement.get_status_display())


@register.filter
def standing_badge(agreement: Agreement) -> str:
    return STANDING_BADGES.get(agreement.standing, "text-bg-light")


@register.filter
def section_title(key: str) -> str:
    section = SECTIONS_BY_KEY.get(key)
    return str(section.title) if section else key


@register.filter
def diff_value(value: Any) -> str:
    """A content value as text: absent or empty values read as a dash."""
    if value is MISSING or value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value) or "—"
    return str(value)


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key, key)


@register.filter
def short_digest(digest: str) -> str:
    return digest[:12]
