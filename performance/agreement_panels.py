"""What the performance app shows on the agreement page: the series' open-alerts banner."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agreements.page_extensions import PagePanel
from agreements.permissions import can_view_series
from performance.selectors import open_alerts_for

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from agreements.models import Agreement

ALERTS_BANNER = "performance/_alerts_banner.html"


def alerts_banner(user: User | AnonymousUser, agreement: Agreement) -> PagePanel | None:
    """The banner of the series' open alerts, when it has any, for a party of the series."""
    if not can_view_series(user, agreement):
        return None
    alerts = open_alerts_for(agreement)
    return PagePanel(ALERTS_BANNER, {"alerts": alerts}) if alerts.total else None
