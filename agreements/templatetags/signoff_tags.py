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

# One label and one colour per state of an agreement, used by every page (_status_badge.html).
CHANGES_REQUESTED = "changes_requested"
STANDING_LABELS = {
    Agreement.Status.DRAFT: gettext_lazy("Draft"),
    CHANGES_REQUESTED: gettext_lazy("Draft — changes requested"),
    Agreement.Status.IN_REVIEW: gettext_lazy("In review"),
    "in_force": gettext_lazy("In force"),
    "scheduled": gettext_lazy("Signed, not yet in force"),
    "expired": gettext_lazy("Expired"),
    "superseded": gettext_lazy("Superseded"),
    Agreement.Status.CANCELLED: gettext_lazy("Cancelled"),
}
STANDING_BADGES = {
    Agreement.Status.DRAFT: "text-bg-light border",
    CHANGES_REQUESTED: "text-bg-warning",
    Agreement.Status.IN_REVIEW: "text-bg-primary",
    "in_force": "text-bg-success",
    "scheduled": "text-bg-info",
    "expired": "text-bg-secondary",
    "superseded": "text-bg-dark",
    Agreement.Status.CANCELLED: "text-bg-danger",
}


def agreement_state(agreement: Agreement) -> str:
    """The agreement's state as a page shows it: its standing, or a draft sent back."""
    if agreement.status == Agreement.Status.DRAFT and getattr(
        agreement, "changes_requested_by", None
    ):
        return CHANGES_REQUESTED
    return agreement.standing


@register.filter
def standing_label(agreement: Agreement) -> str:
    """The state's label; a draft sent back names who asked for changes."""
    state = agreement_state(agreement)
    if state == CHANGES_REQUESTED:
        return _("Draft — changes requested by %(name)s") % {
            "name": agreement.changes_requested_by  # type: ignore[attr-defined]
        }
    return str(STANDING_LABELS[state])


@register.filter
def standing_badge(agreement: Agreement) -> str:
    """The Bootstrap badge class of the state."""
    return STANDING_BADGES[agreement_state(agreement)]


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
