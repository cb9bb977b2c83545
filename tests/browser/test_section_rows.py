"""Adding a row to a section in Chromium: in place, focused, the page where it was."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from agreements.services.agreements import agreement_create


def _log_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_add_a_kpi_lands_in_the_new_row_without_reloading(
    live_server: Any,
    page: Page,
    marketing_member: Any,
    marketing_team: Any,
    sales_team: Any,
    password: str,
) -> None:
    """htmx adds the row: focus is in its first field, the URL and scroll stay, typing is kept."""
    agreement = agreement_create(
        actor=marketing_member,
        title="Rows SLA",
        marketing_team=marketing_team,
        sales_team=sales_team,
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 3, 31),
        from_template=True,
    )
    base = live_server.url
    _log_in(page, base, marketing_member.username, password)
    edit_url = f"{base}/agreements/{agreement.pk}/edit/kpis/"
    page.set_viewport_size({"width": 1280, "height": 700})
    page.goto(edit_url)
    rows = page.locator("#formset-kpis > fieldset.formset-row")
    before = rows.count()
    page.locator("#id_kpis-0-name").fill("Typed, not saved")
    add = page.get_by_role("button", name="Add a KPI")
    add.scroll_into_view_if_needed()
    scroll_before = page.evaluate("window.scrollY")
    assert scroll_before > 0
    # A full reload would drop this marker; an htmx swap keeps the document.
    page.evaluate("window.__same_document = true")

    add.click()

    expect(rows).to_have_count(before + 1)
    new_name = page.locator(f"#id_kpis-{before}-name")
    expect(new_name).to_be_focused()
    assert page.evaluate("window.__same_document") is True
    assert page.url == edit_url
    assert page.evaluate("window.scrollY") > 0
    expect(page.locator("#id_kpis-0-name")).to_have_value("Typed, not saved")
    expect(page.locator("#id_kpis-TOTAL_FORMS")).to_have_value(str(before + 1))

    new_name.fill("Added in place")
    page.locator(f"#id_kpis-{before}-owner").select_option("marketing")
    page.locator(f"#id_kpis-{before}-target").fill("10")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved “KPIs”.")).to_be_visible()
    agreement.refresh_from_db()
    assert "Added in place" in {kpi.name for kpi in agreement.kpis.all()}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_add_a_kpi_without_javascript_comes_back_at_the_new_row(
    live_server: Any,
    browser: Any,
    marketing_member: Any,
    marketing_team: Any,
    sales_team: Any,
    password: str,
) -> None:
    """With JavaScript off the page reloads anchored at the new row, its first field focused."""
    agreement = agreement_create(
        actor=marketing_member,
        title="No-JS SLA",
        marketing_team=marketing_team,
        sales_team=sales_team,
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 3, 31),
        from_template=True,
    )
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        base = live_server.url
        page.goto(f"{base}/accounts/login/")
        page.get_by_label("Username").fill(marketing_member.username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{base}/agreements/{agreement.pk}/edit/kpis/")
        before = page.locator("#formset-kpis > fieldset.formset-row").count()

        page.get_by_role("button", name="Add a KPI").click()

        assert page.url.endswith(f"#kpis-row-{before}")
        expect(page.locator("#formset-kpis > fieldset.formset-row")).to_have_count(before + 1)
        expect(page.locator(f"#id_kpis-{before}-name")).to_have_attribute("autofocus", "")
        expect(page.locator("[autofocus]")).to_have_count(1)
    finally:
        context.close()
