"""End to end in Chromium: import a lead CSV, then read the compliance figures and charts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.performance.helpers import agreement_in_force


def lead_csv(path: Path, monday: dt.date) -> Path:
    """Five leads on a past Monday (UTC, 09:00–17:00): three met, two breached."""
    day = monday.isoformat()
    path.write_text(
        "lead_id,lead_type,mql_at,first_touch_at,attempts,outcome\n"
        f"L1,Contact us,{day}T10:00:00+00:00,{day}T11:00:00+00:00,2,accepted\n"
        f"L2,Contact us,{day}T10:00:00+00:00,{day}T15:00:00+00:00,1,no-budget\n"
        f"L3,Contact us,{day}T10:00:00+00:00,{day}T10:30:00+00:00,3,accepted\n"
        f"L4,Contact us,{day}T10:00:00+00:00,,0,\n"
        f"L5,Demo request,{day}T10:00:00+00:00,{day}T10:20:00+00:00,1,duplicate\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_import_leads_then_see_compliance_and_charts(
    live_server: Any,
    page: Page,
    tmp_path: Path,
    marketing_team: Any,
    sales_team: Any,
    marketing_member: Any,
    sales_member: Any,
    password: str,
) -> None:
    """A sales member uploads five leads; the dashboard shows 60% met and labelled SVG charts."""
    today = timezone.localdate()
    agreement = agreement_in_force(
        actor=marketing_member,
        marketing_team=marketing_team,
        sales_team=sales_team,
        today=today,
        title="Live SLA",
    )
    monday = today - dt.timedelta(days=today.weekday() + 7)
    base = live_server.url

    page.goto(base + "/accounts/login/")
    page.get_by_label("Username").fill(sales_member.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    page.goto(f"{base}/agreements/{agreement.pk}/leads/import/")
    page.get_by_label("CRM export of leads (.csv)").set_input_files(
        str(lead_csv(tmp_path / "leads.csv", monday))
    )
    page.get_by_role("button", name="Import leads").click()
    expect(page.locator("#import-result")).to_contain_text("Imported 5 leads")

    page.goto(f"{base}/agreements/{agreement.pk}/dashboard/")
    expect(page.get_by_role("heading", name="Sales hand-off compliance")).to_be_visible()
    expect(page.locator("#handoff-share-met")).to_have_text("60.0%")
    contact = page.locator("#handoff-by-type tr", has_text="Contact us")
    expect(contact).to_contain_text("50.0%")
    handoff_chart = page.locator("svg#chart-handoff-months")
    expect(handoff_chart).to_have_attribute("role", "img")
    expect(handoff_chart.locator("title").first).to_have_text("Hand-off compliance by month")
    expect(handoff_chart.locator("desc")).to_contain_text("3 met, 2 breached and 0 pending")
    expect(page.locator("svg[role=img]")).to_have_count(6)
    expect(page.locator("#rejection-table")).to_contain_text("No budget")
