"""Two production servers on one PostgreSQL and one Redis cache: a session, a two-step
import and the cached agreement page span both."""

from __future__ import annotations

import pickle
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse
from django.utils.html import escape

from agreements.models import Agreement
from performance.models import LeadRecord, PendingUpload
from tests.ops.conftest import needs_postgresql
from tests.ops.servers import Browser, hidden_value

pytestmark = needs_postgresql

CRM_EXPORT = b"Lead ID,Kind,MQL date\nC1,Demo request,2026-01-06T10:00:00\n"
CRM_MAPPING = {"lead_id": "Lead ID", "lead_type": "Kind", "mql_at": "MQL date"}
# A Redis database of its own, emptied before each test: the servers' one shared cache.
REDIS_HOST, REDIS_PORT, REDIS_DB = "127.0.0.1", 6379, 13


@pytest.fixture
def shared_cache() -> Iterator[Any]:
    """The Redis both servers use (CACHE_URL), as a client to look into it."""
    redis = pytest.importorskip("redis")
    try:
        socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=1).close()
    except OSError:
        pytest.skip(f"Redis is not answering on {REDIS_HOST}:{REDIS_PORT}")
    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB)
    client.flushdb()
    yield client
    client.flushdb()


MARK = "<p>Read from the shared cache</p>"


def redis_url() -> str:
    return f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"


def test_signed_in_on_one_server_continues_on_the_other(
    serve: Any, marketing_member: Any, password: str, shared_cache: Any
) -> None:
    first, second = serve(cache_url=redis_url()), serve(cache_url=redis_url())
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
    serve: Any, signed: Agreement, marketing_member: Any, password: str, shared_cache: Any
) -> None:
    """The file waits in the database under its token; the other server applies the mapping."""
    first, second = serve(cache_url=redis_url()), serve(cache_url=redis_url())
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


def test_an_agreement_cached_by_one_server_is_served_by_the_other(
    serve: Any, signed: Agreement, marketing_member: Any, password: str, shared_cache: Any
) -> None:
    """The first server renders the signed sections into Redis; the second reads them there."""
    first, second = serve(cache_url=redis_url()), serve(cache_url=redis_url())
    browser = Browser()
    browser.log_in(first, marketing_member.username, password)
    path = reverse("agreements:detail", args=[signed.pk])
    assert shared_cache.dbsize() == 0

    rendered = browser.get(first, path)
    assert rendered.status == 200
    assert MARK not in rendered.body
    # Mark the rendered sections where they lie in Redis (Django pickles cached values): the
    # second server shows the mark only if it reads them from there instead of rendering.
    marked = 0
    for key in shared_cache.scan_iter():
        value = pickle.loads(shared_cache.get(key))
        if isinstance(value, dict) and "kpis" in value:
            value["kpis"] = MARK + value["kpis"]
            shared_cache.set(key, pickle.dumps(value), keepttl=True)
            marked += 1
    assert marked == 1, "the first server put no rendered sections in the shared cache"

    served = browser.get(second, path)

    assert served.status == 200
    assert MARK in served.body
