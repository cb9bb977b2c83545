import pytest
from playwright.sync_api import Page, expect


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_login_page_renders_a_password_field(live_server, page: Page) -> None:
    """The login page loads in a real browser and asks for a password."""
    page.goto(live_server.url + "/accounts/login/")

    expect(page.locator("input[type=password]")).to_be_visible()
