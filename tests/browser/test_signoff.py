"""End to end in Chromium: review with a change request, then both teams sign."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from agreements.models import Agreement, Kpi, Signature


def log_in(page: Page, base_url: str, username: str, password: str) -> None:
    page.goto(base_url + "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def sign_as(page: Page, base_url: str, agreement: Agreement, user: Any, password: str) -> None:
    log_in(page, base_url, user.username, password)
    page.goto(base_url + agreement.get_absolute_url())
    page.get_by_role("link", name="Sign", exact=True).click()
    expect(page.get_by_test_id("content-digest")).to_have_text(
        page.locator("input[name=digest]").input_value()
    )
    page.get_by_label("Your full name").fill(user.get_full_name())
    page.get_by_label("Your password").fill(password)
    page.get_by_role("button", name="Sign this version").click()
    expect(page.get_by_role("status").filter(has_text="Signed for")).to_be_visible()
    log_out(page)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_review_change_request_and_both_signatures(
    live_server: Any,
    page: Page,
    agreement: Agreement,
    marketing_member: Any,
    marketing_signatory: Any,
    sales_signatory: Any,
    password: str,
) -> None:
    """Marketing submits, sales asks for a change, marketing edits and resubmits, both sign."""
    base = live_server.url
    detail = base + agreement.get_absolute_url()

    # Marketing submits the draft.
    log_in(page, base, marketing_member.username, password)
    page.goto(detail)
    page.get_by_role("button", name="Submit for sign-off").click()
    expect(page.get_by_test_id("agreement-state").first).to_have_text("In review")
    log_out(page)

    # The sales signatory requests changes with a comment.
    log_in(page, base, sales_signatory.username, password)
    page.goto(detail)
    page.get_by_role("link", name="Request changes").click()
    page.get_by_label("What needs to change").fill("Raise the MQL target to 120 a month.")
    page.get_by_role("button", name="Request changes").click()
    expect(page.get_by_test_id("open-comments")).to_contain_text(
        "Raise the MQL target to 120 a month."
    )
    expect(page.get_by_test_id("agreement-state").first).to_have_text(
        "Draft — changes requested by Sally Seller"
    )
    log_out(page)

    # Marketing edits the KPI target and resubmits.
    log_in(page, base, marketing_member.username, password)
    page.goto(detail)
    page.get_by_role("link", name="Edit KPIs").click()
    page.locator("input[name='kpis-0-target']").fill("120.00")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    page.get_by_role("button", name="Submit for sign-off").click()
    expect(page.get_by_test_id("agreement-state").first).to_have_text("In review")
    log_out(page)

    # Each team's signatory signs with their typed name and password.
    sign_as(page, base, agreement, marketing_signatory, password)
    sign_as(page, base, agreement, sales_signatory, password)

    # The signed SLA shows both signatures and verifies as intact.
    log_in(page, base, marketing_member.username, password)
    page.get_by_role("link", name="Signed SLAs").click()
    page.get_by_role("link", name=agreement.title).click()
    signatures = page.get_by_test_id("signatures")
    expect(signatures).to_contain_text("Growth Marketing: Signed by Mark Eting")
    expect(signatures).to_contain_text("Mid-Market Sales: Signed by Sally Seller")
    page.get_by_test_id("workspace-tabs").get_by_role("link", name="Evidence").click()
    page.get_by_role("link", name="Verify every signed version").click()
    expect(page.get_by_test_id("verify-v1")).to_contain_text("intact")

    signed = Agreement.objects.get(pk=agreement.pk)
    assert signed.status == Agreement.Status.SIGNED
    assert Kpi.objects.get(agreement=signed, position=0).target == 120
    assert Signature.objects.filter(agreement=signed, voided_at__isnull=True).count() == 2
