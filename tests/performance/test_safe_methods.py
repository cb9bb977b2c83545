"""Pages that only show something answer 405 to POST; the entry and import pages take POST."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from agreements.models import Agreement
from tests.performance.test_views_actuals import sign

READ_ONLY = ("dashboard", "actuals_csv", "leads_csv", "actuals")
ENTRY = ("actuals_month", "kpi_actuals", "actuals_import", "leads_import")


@pytest.fixture
def member_client(client: Client, marketing_member: User) -> Client:
    client.force_login(marketing_member)
    return client


def test_read_only_pages_refuse_post(member_client: Client, agreement: Agreement) -> None:
    """POST to the dashboard, the exports, the actuals overview or the portfolio is a 405."""
    signed = sign(agreement)
    addresses = [reverse(f"performance:{name}", args=[signed.pk]) for name in READ_ONLY]
    for address in [*addresses, reverse("performance:portfolio")]:
        response = member_client.post(address)
        assert response.status_code == 405, address
        assert response["Allow"] == "GET, HEAD"
        assert member_client.head(address).status_code == 200


def test_entry_pages_take_post(member_client: Client, agreement: Agreement) -> None:
    """The month, KPI and import pages still answer a POST with their form."""
    signed = sign(agreement)
    for name in ENTRY:
        response = member_client.post(reverse(f"performance:{name}", args=[signed.pk]))
        assert response.status_code == 200, name
