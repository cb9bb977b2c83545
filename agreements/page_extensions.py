"""Panels that later apps add to the agreement page, without the agreements app importing them.

An app registers a provider in its ``AppConfig.ready()``; the agreement page asks every
provider, in the order they were registered, and shows the panels they return.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

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
