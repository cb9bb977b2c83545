"""The agreement's workspace tabs, as registered by the apps (``page_extensions``)."""

from __future__ import annotations

from typing import Any

from django import template

from agreements.models import Agreement
from agreements.page_extensions import workspace_tabs as tabs_of

register = template.Library()


@register.inclusion_tag("agreements/_workspace_tabs.html")
def workspace_tabs(agreement: Agreement, current: str) -> dict[str, Any]:
    """Agreement · Actuals · Dashboard · History · Evidence, with ``current`` marked."""
    tabs = tabs_of(agreement, current)
    return {"agreement": agreement, "tabs": tabs, "refused": [tab for tab in tabs if tab.reason]}
