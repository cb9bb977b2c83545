"""What the performance app shows on agreement pages: the alerts banner, its tabs, home alerts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils.translation import gettext as _

from agreements.models import Agreement
from agreements.page_extensions import PagePanel
from agreements.permissions import can_view_series
from performance.models import Alert
from performance.selectors import open_alerts_for
from teams.selectors import user_team_ids

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

ALERTS_BANNER = "performance/_alerts_banner.html"
HOME_ALERTS = "performance/_home_alerts.html"
# The home page lists this many open alerts, newest first.
HOME_ALERTS_SHOWN = 20


def alerts_banner(user: User | AnonymousUser, agreement: Agreement) -> PagePanel | None:
    """The banner of the series' open alerts, when it has any, for a party of the series."""
    if not can_view_series(user, agreement):
        return None
    alerts = open_alerts_for(agreement)
    return PagePanel(ALERTS_BANNER, {"alerts": alerts}) if alerts.total else None


def _holds_figures(agreement: Agreement) -> bool:
    # A later version amends a signed one, so its series already holds figures.
    return agreement.status == Agreement.Status.SIGNED or agreement.version > 1


def actuals_unavailable(agreement: Agreement) -> str | None:
    """Why the Actuals tab does not apply yet, or None when it does."""
    if _holds_figures(agreement):
        return None
    if agreement.status == Agreement.Status.CANCELLED:
        return _("This agreement was cancelled before it was signed; it has no actuals.")
    return _("Actuals start once the SLA is signed.")


def dashboard_unavailable(agreement: Agreement) -> str | None:
    """Why the Dashboard tab does not apply yet, or None when it does."""
    if _holds_figures(agreement):
        return None
    if agreement.status == Agreement.Status.CANCELLED:
        return _("This agreement was cancelled before it was signed; it has no dashboard.")
    return _("The dashboard starts once the SLA is signed.")


def home_alerts(user: User) -> PagePanel | None:
    """The open alerts of the series of the user's teams, newest first, in one query."""
    teams = user_team_ids(user)
    if not teams:
        return None
    # The parties of a series are the teams of its first version.
    series_of_teams = Agreement.objects.filter(version=1).filter(
        Q(marketing_team_id__in=teams) | Q(sales_team_id__in=teams)
    )
    alerts = list(
        Alert.objects.filter(
            resolved_at__isnull=True, series_id__in=series_of_teams.values("series_id")
        )
        .select_related("agreement")
        .order_by("-created_at", "-pk")[:HOME_ALERTS_SHOWN]
    )
    return PagePanel(HOME_ALERTS, {"home_alerts": alerts}) if alerts else None
