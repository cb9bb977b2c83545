"""The sign-off panel and comments on an agreement page, each loaded in fixed queries."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agreements.comparison import MISSING
from agreements.forms.signoff import CommentForm
from agreements.models import Agreement
from agreements.permissions import can_view, signoff_actions
from agreements.sections import SECTIONS_BY_KEY
from agreements.selectors import (
    agreement_comments,
    agreement_revisions,
    agreement_signatures,
    agreement_version_chain,
)
from agreements.verification import verify_agreement

register = template.Library()

# The panel lists the latest revisions; the revisions page lists them all.
PANEL_REVISIONS = 10

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


@register.inclusion_tag("agreements/signoff_panel.html", takes_context=True)
def signoff_panel(context: template.Context, agreement: Agreement) -> dict[str, Any]:
    """State, signatures, actions, version chain and latest revisions of one agreement."""
    request = context["request"]
    user = request.user
    signatures = list(agreement_signatures(agreement=agreement))
    versions = agreement_version_chain(user=user, agreement=agreement)
    revisions = list(agreement_revisions(agreement=agreement)[: PANEL_REVISIONS + 1])
    valid = {signature.team_id: signature for signature in signatures if signature.is_valid}
    actions = signoff_actions(
        user,
        agreement,
        signed_team_ids=set(valid),
        has_amendment=any(
            version.amends_id == agreement.pk and version.status != Agreement.Status.CANCELLED
            for version in versions
        ),
    )
    previous = next((version for version in versions if version.pk == agreement.amends_id), None)
    return {
        "agreement": agreement,
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "team_signatures": [
            (agreement.marketing_team, valid.get(agreement.marketing_team_id)),
            (agreement.sales_team, valid.get(agreement.sales_team_id)),
        ],
        "voided": [signature for signature in signatures if not signature.is_valid],
        "actions": actions,
        "versions": versions,
        "previous": previous,
        "revisions": revisions[:PANEL_REVISIONS],
        "more_revisions": len(revisions) > PANEL_REVISIONS,
        "verification": (
            verify_agreement(agreement) if agreement.status == Agreement.Status.SIGNED else None
        ),
    }


@register.inclusion_tag("agreements/signoff_comments.html", takes_context=True)
def signoff_comments(context: template.Context, agreement: Agreement) -> dict[str, Any]:
    """Open comments with resolve buttons, resolved ones folded away, and the comment form."""
    request = context["request"]
    comments = list(agreement_comments(agreement=agreement))
    actions = signoff_actions(request.user, agreement, signed_team_ids=(), has_amendment=True)
    return {
        "agreement": agreement,
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "open_comments": [comment for comment in comments if comment.resolved_at is None],
        "resolved_comments": [comment for comment in comments if comment.resolved_at is not None],
        "can_comment": actions.comment,
        "can_resolve": can_view(request.user, agreement),
        "form": (
            CommentForm(action=reverse("agreements:comment_add", args=[agreement.pk]))
            if actions.comment
            else None
        ),
    }
