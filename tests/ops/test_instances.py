"""Two production servers on one PostgreSQL: a session and a two-step import span both."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.html import escape

from agreements.models import Agreement
from performance.models import LeadRecord, PendingUpload
from tests.ops.conftest import needs_postgresql
from tests.ops.servers import Browser, hidden_value

pytestmark = needs_postgresql

CRM_EXPORT = b"Lead ID,Kind,MQL date\nC1,Demo request,2026-01-06T10:00:00\n"
CRM_MAPPING = {"lead_id": "Lead ID", "lead_type": "Kind", "mql_at": "MQL date"}


def test_signed_in_on_one_server_continues_on_the_other(
    serve: Any, marketing_member: Any, password: str
) -> None:
    first, second = serve(), serve()
    browser = Browser()
    home = reverse("agreements:list")
    assert Browser().get(second, home).status == 302  # no session: the sign-in page

    browser.log_in(first, marketing_member.username, password)

    page = browser.get(second, home)
    assert page.status == 200, page.body[:2000]
    assert escape(marketing_member.get_full_name() or marketing_member.username) in page.body
    # Signing out on the second ends the session on the first too.
    assert browser.post(second, reverse("logout"), {}).status == 302
    assert browser.get(first, home).status == 302


def test_lead_import_mapped_on_one_server_is_applied_on_the_other(
    serve: Any, signed: Agreement, marketing_member: Any, password: str
) -> None:
    """The file waits in the database under its token; the other server applies the mapping."""
    first, second = serve(), serve()
    browser = Browser()
    browser.log_in(first, marketing_member.username, password)
    path = reverse("performance:leads_import", args=[signed.pk])

    asked = browser.post(first, path, {}, files={"file": ("crm.csv", CRM_EXPORT)})
    assert asked.status == 200, asked.body[:2000]
    token = hidden_value(asked.body, "token")
    assert PendingUpload.objects.filter(token=token).exists()

    csrf = hidden_value(asked.body, "csrfmiddlewaretoken")  # the token of the mapping form
    applied = browser.post(second, path, {"token": token, **CRM_MAPPING}, csrf=csrf)

    assert applied.status == 200, applied.body[:2000]
    assert "Imported 1 lead (1 new, 0 updated)." in applied.body
    assert LeadRecord.objects.get().lead_id == "C1"
    assert not PendingUpload.objects.exists()
