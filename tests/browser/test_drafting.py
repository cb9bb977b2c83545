"""Drafting in a real browser: log in, create from the template, watch the plan recompute."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from agreements.models import Agreement


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_draft_an_agreement_and_watch_the_funnel_plan(
    live_server, page: Page, marketing_member, marketing_team, sales_team, password
) -> None:
    """The plan follows the funnel inputs as they are typed; the saved plan shows on the page."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(marketing_member.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Agreements", exact=True)).to_be_visible()

    page.get_by_role("link", name="Create an agreement").click()
    page.get_by_label("Title").fill("Browser SLA")
    page.get_by_label("Marketing team").select_option(str(marketing_team.pk))
    page.get_by_label("Sales team").select_option(str(sales_team.pk))
    page.get_by_label("Start date").fill("2026-01-01")
    page.get_by_label("End date").fill("2026-03-31")
    page.get_by_label("The standard template").check()
    page.get_by_role("button", name="Create agreement").click()

    expect(page.get_by_role("heading", name="Browser SLA", level=1)).to_be_visible()
    expect(page.locator("#plan-customers")).to_have_text("30")

    page.get_by_role("link", name=re.compile("Edit Goals and funnel plan")).click()
    expect(page.locator("#plan-leads")).to_have_text("1,500")
    page.get_by_label("Revenue goal").fill("1200000")
    page.get_by_label("SQL → won rate (%)").fill("20")

    # Recomputed by htmx while the form stays unsaved.
    expect(page.locator("#plan-customers")).to_have_text("60")
    expect(page.locator("#plan-sqls")).to_have_text("300")
    expect(page.locator("#plan-leads")).to_have_text("3,750")
    expect(page.locator("#plan-leads-per-month")).to_have_text("1,250")
    agreement = Agreement.objects.get(title="Browser SLA")
    assert agreement.revenue_goal == 600000

    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Saved “Goals and funnel plan”.")).to_be_visible()
    expect(page.locator("#plan-leads")).to_have_text("3,750")
    expect(page.locator("#section-funnel")).to_contain_text("1,200,000.00 USD")
    agreement.refresh_from_db()
    assert agreement.revenue_goal == 1200000
