"""Panels other apps add to the agreement page, and the one-way dependency they preserve."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from agreements import page_extensions
from agreements.models import Agreement
from agreements.page_extensions import (
    PagePanel,
    WorkspaceTab,
    agreement_page_panels,
    home_panels,
    register_agreement_panel,
    register_home_panel,
    register_workspace_tab,
    workspace_tabs,
)

AGREEMENTS_APP = Path(page_extensions.__file__).parent


@pytest.fixture
def no_providers(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    providers: list[Any] = []
    monkeypatch.setattr(page_extensions, "_providers", providers)
    return providers


def test_providers_answer_in_order_and_none_means_no_panel(
    no_providers: list[Any], agreement: Agreement, marketing_member: Any
) -> None:
    """Each registered provider is asked in turn; one returning None adds nothing."""
    seen: list[tuple[Any, Agreement]] = []

    def first(user: Any, subject: Agreement) -> PagePanel:
        seen.append((user, subject))
        return PagePanel("first.html", {"n": 1})

    def silent(user: Any, subject: Agreement) -> None:
        return None

    def last(user: Any, subject: Agreement) -> PagePanel:
        return PagePanel("last.html", {})

    for provider in (first, silent, last, first):
        register_agreement_panel(provider)

    panels = agreement_page_panels(marketing_member, agreement)

    assert [panel.template_name for panel in panels] == ["first.html", "last.html"]
    assert seen == [(marketing_member, agreement)]


def test_the_agreement_page_renders_a_registered_panel_with_its_values(
    no_providers: list[Any], client: Any, agreement: Agreement, marketing_member: Any
) -> None:
    """A panel's template is rendered on the page with the values its provider gave."""
    client.force_login(marketing_member)
    badge = "badge status-badge"
    before = client.get(agreement.get_absolute_url()).content.decode().count(badge)
    register_agreement_panel(
        lambda user, subject: PagePanel("agreements/_status_badge.html", {"agreement": subject})
    )

    page = client.get(agreement.get_absolute_url()).content.decode()

    assert page.count(badge) == before + 1


def test_the_agreements_app_never_imports_the_performance_app() -> None:
    """Dependencies run one way: performance builds on agreements, never the reverse."""
    offenders = []
    for path in AGREEMENTS_APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path}: {name}" for name in names if name.split(".")[0] == "performance"
            ]
    assert offenders == []


def test_the_agreement_templates_never_use_the_performance_app() -> None:
    """No agreements template includes a performance partial or loads its tags or URLs."""
    templates = AGREEMENTS_APP.parent / "templates" / "agreements"
    offenders = [
        path.name for path in templates.rglob("*.html") if "performance" in path.read_text()
    ]
    assert templates.is_dir()
    assert offenders == []


@pytest.fixture
def no_tabs(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    tabs: dict[str, Any] = {}
    monkeypatch.setattr(page_extensions, "_tabs", tabs)
    return tabs


def test_tabs_come_in_their_order_with_the_current_one_marked_and_reasons_given(
    no_tabs: dict[str, Any], agreement: Agreement
) -> None:
    """Tabs sort by order; a reason disables a tab, never the page's own; a key registers once."""
    register_workspace_tab(WorkspaceTab("history", "History", "agreements:history", 40))
    register_workspace_tab(
        WorkspaceTab("figures", "Figures", "agreements:evidence", 20, lambda subject: "Not yet.")
    )
    register_workspace_tab(WorkspaceTab("agreement", "Old", "agreements:detail", 10))
    register_workspace_tab(WorkspaceTab("agreement", "Agreement", "agreements:detail", 10))

    tabs = workspace_tabs(agreement, "history")
    own = workspace_tabs(agreement, "figures")

    assert [(tab.label, tab.current, tab.reason) for tab in tabs] == [
        ("Agreement", False, ""),
        ("Figures", False, "Not yet."),
        ("History", True, ""),
    ]
    assert tabs[0].url == agreement.get_absolute_url()
    assert [tab.reason for tab in own] == ["", "", ""]


def test_home_panels_come_from_the_registered_providers(
    monkeypatch: pytest.MonkeyPatch, marketing_member: Any
) -> None:
    """Each home provider is asked with the user; None adds no panel; twice registers once."""
    monkeypatch.setattr(page_extensions, "_home_providers", [])

    def alerts(user: Any) -> PagePanel:
        return PagePanel("alerts.html", {"user": user})

    for provider in (alerts, lambda user: None, alerts):
        register_home_panel(provider)

    assert home_panels(marketing_member) == [PagePanel("alerts.html", {"user": marketing_member})]
