"""What later apps add to the agreement's pages, without the agreements app importing them.

Panels of the agreement page, tabs of the agreement's workspace and panels of the home page.
An app registers them in its ``AppConfig.ready()``; the pages ask every provider, in the order
they were registered, and show what they return.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from django.urls import reverse
from django.utils.functional import Promise

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from agreements.models import Agreement


class PagePanel(NamedTuple):
    """A template and the values it is rendered with, over the page's own."""

    template_name: str
    context: Mapping[str, Any]


PanelProvider = Callable[["User | AnonymousUser", "Agreement"], PagePanel | None]

_providers: list[PanelProvider] = []


def register_agreement_panel(provider: PanelProvider) -> None:
    """Add a provider of a panel of the agreement page; registering it twice adds it once."""
    if provider not in _providers:
        _providers.append(provider)


def agreement_page_panels(user: User | AnonymousUser, agreement: Agreement) -> list[PagePanel]:
    """The panels the registered providers offer for this agreement and user."""
    panels = (provider(user, agreement) for provider in _providers)
    return [panel for panel in panels if panel is not None]


# The workspace tabs every page of an agreement carries. The agreements app registers its own
# (Agreement, History, Evidence); a later app registers the tabs of its pages in ``ready()``.

TabReason = Callable[["Agreement"], str | None]


class WorkspaceTab(NamedTuple):
    """A tab: its key, label, URL name (taking the agreement's pk) and place among the tabs.

    ``unavailable`` answers why the tab does not apply yet to an agreement, or None when it
    does. It reads only the agreement's own fields: it never queries.
    """

    key: str
    label: str | Promise
    url_name: str
    order: int
    unavailable: TabReason | None = None


class TabLink(NamedTuple):
    """One tab as a page shows it: a link, the current page, or disabled with its reason."""

    key: str
    label: str
    url: str
    current: bool
    reason: str


_tabs: dict[str, WorkspaceTab] = {}


def register_workspace_tab(tab: WorkspaceTab) -> None:
    """Add (or replace, by key) a tab of the agreement's workspace."""
    _tabs[tab.key] = tab


def workspace_tabs(agreement: Agreement, current: str) -> list[TabLink]:
    """The agreement's tabs in order, ``current`` marked, those not applying yet with a reason."""
    links = []
    for tab in sorted(_tabs.values(), key=lambda tab: (tab.order, tab.key)):
        reason = tab.unavailable(agreement) if tab.unavailable else None
        links.append(
            TabLink(
                key=tab.key,
                label=str(tab.label),
                url=reverse(tab.url_name, args=[agreement.pk]),
                current=tab.key == current,
                reason=str(reason) if reason and tab.key != current else "",
            )
        )
    return links


# Home-page panels: what waits on the user in a later app (performance's open alerts).

HomePanelProvider = Callable[["User"], PagePanel | None]

_home_providers: list[HomePanelProvider] = []


def register_home_panel(provider: HomePanelProvider) -> None:
    """Add a provider of a panel of the "Waiting on me" page; registering it twice adds it once."""
    if provider not in _home_providers:
        _home_providers.append(provider)


def home_panels(user: User) -> list[PagePanel]:
    """The panels the registered providers offer this user on the home page."""
    panels = (provider(user) for provider in _home_providers)
    return [panel for panel in panels if panel is not None]
