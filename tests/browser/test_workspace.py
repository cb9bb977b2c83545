"""In Chromium: from the list to an agreement's dashboard and actuals by clicking only."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from performance.demo.people import DEMO_PASSWORD
from performance.demo.seed import demo_seed


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_from_the_list_to_the_dashboard_and_actuals_by_clicking_only(
    live_server: Any, page: Page
) -> None:
    """The demo's marketing lead reaches the signed SLA's Dashboard and Actuals through its tabs."""
    demo_seed()
    page.goto(live_server.url + "/")
    page.get_by_label("Username").fill("maria")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Waiting on me")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Agreements").click()
    row = page.get_by_role("row").filter(has_text="2026 pipeline SLA").filter(has_text="version 2")
    row.get_by_role("link", name="2026 pipeline SLA").click()
    tabs = page.get_by_test_id("workspace-tabs")
    expect(tabs.get_by_role("link", name="Agreement")).to_have_attribute("aria-current", "page")

    tabs.get_by_role("link", name="Dashboard").click()
    expect(page).to_have_url(re.compile(r"/agreements/\d+/dashboard/$"))
    tabs = page.get_by_test_id("workspace-tabs")
    expect(tabs.get_by_role("link", name="Dashboard")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", name="Funnel: planned and actual")).to_be_visible()

    tabs.get_by_role("link", name="Actuals").click()
    expect(page).to_have_url(re.compile(r"/agreements/\d+/actuals/$"))
    tabs = page.get_by_test_id("workspace-tabs")
    expect(tabs.get_by_role("link", name="Actuals")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Actuals")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_draft_shows_its_actuals_tab_disabled_with_the_reason(
    live_server: Any, page: Page
) -> None:
    """The draft FY2027 SLA's Actuals tab is no link, and says why."""
    demo_seed()
    page.goto(live_server.url + "/")
    page.get_by_label("Username").fill("maria")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Agreements").click()
    page.get_by_role("link", name="FY2027 H1 marketing–sales SLA").click()

    tabs = page.get_by_test_id("workspace-tabs")
    expect(tabs.get_by_role("link", name="Actuals")).to_have_count(0)
    expect(tabs).to_contain_text("Actuals start once the SLA is signed.")
