"""The performance pages carry the agreement's workspace tabs; the home page lists open alerts."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from agreements.models import Agreement
from performance.agreement_panels import actuals_unavailable, dashboard_unavailable
from tests.agreements.test_workspace import TAB_LABELS, tabs_of
from tests.factories import AlertFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "current"),
    [
        ("performance:dashboard", "Dashboard"),
        ("performance:actuals", "Actuals"),
        ("performance:actuals_month", "Actuals"),
        ("performance:kpi_actuals", "Actuals"),
        ("performance:actuals_import", "Actuals"),
        ("performance:leads_import", "Actuals"),
    ],
)
def test_the_performance_pages_carry_the_tabs_with_their_own_marked(
    client: Any, signed: Agreement, sales_member: Any, name: str, current: str
) -> None:
    """Dashboard and every Actuals page show the five tabs, their own marked aria-current."""
    client.force_login(sales_member)

    page = client.get(reverse(name, args=[signed.pk])).content.decode()

    tabs = tabs_of(page)
    assert [label for label, _state in tabs] == TAB_LABELS
    assert [label for label, state in tabs if state == "current"] == [current]
    assert signed.get_absolute_url() in page


def test_actuals_and_dashboard_apply_once_signed_and_to_every_amendment(
    signed: Agreement, agreement: Agreement
) -> None:
    """A version 1 not signed has no figures yet; a signed one, or a later version, has."""
    draft = Agreement(status=Agreement.Status.DRAFT, version=1)
    amendment = Agreement(status=Agreement.Status.DRAFT, version=2)
    cancelled = Agreement(status=Agreement.Status.CANCELLED, version=1)

    assert actuals_unavailable(draft) == "Actuals start once the SLA is signed."
    assert dashboard_unavailable(draft) == "The dashboard starts once the SLA is signed."
    assert "cancelled" in (actuals_unavailable(cancelled) or "")
    assert actuals_unavailable(signed) is None
    assert dashboard_unavailable(amendment) is None


def test_home_lists_the_open_alerts_of_the_users_teams_only(
    client: Any, signed: Agreement, sales_member: Any, outsider: Any
) -> None:
    """An open alert of a series of the user's teams is listed; resolved or others' are not."""
    AlertFactory.create(agreement=signed, message="MQLs are behind their target.")
    resolved = AlertFactory.create(agreement=signed, message="An old breach.")
    resolved.resolved_at = resolved.created_at
    resolved.save()

    client.force_login(sales_member)
    page = client.get("/").content.decode()
    client.force_login(outsider)
    other = client.get("/").content.decode()

    assert "MQLs are behind their target." in page
    assert reverse("performance:dashboard", args=[signed.pk]) in page
    assert "An old breach." not in page
    assert "MQLs are behind their target." not in other
