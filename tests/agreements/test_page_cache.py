"""The agreement page's cache: the same page, never shown to the wrong user, never stale."""

from __future__ import annotations

import importlib
import socket
import sys
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache

from agreements import page_cache
from agreements.models import Agreement, Kpi
from agreements.verification import TAMPERED, verify_agreement
from tests.agreements.signoff_pages import edit_review_section, page_of, text_of, url
from tests.factories import advance_to
from tests.tampering import database_writer

pytestmark = pytest.mark.django_db

REDIS_URL = "redis://127.0.0.1:6379/1"


def section_keys() -> list[str]:
    return [key for key in _locmem_keys() if ":sections:" in key]


def _locmem_keys() -> list[str]:
    return list(getattr(cache, "_cache", {}))


@pytest.mark.parametrize("state", ["draft", "signed"])
def test_the_cached_page_is_the_page_rendered_afresh(
    request: pytest.FixtureRequest, client: Any, marketing_member: Any, state: str
) -> None:
    """The second view, from the cache, shows exactly what the first view rendered."""
    agreement = request.getfixturevalue("agreement" if state == "draft" else "signed")
    client.force_login(marketing_member)
    first = page_of(client.get(agreement.get_absolute_url()))
    assert section_keys(), "the first view keeps its sections"
    second = page_of(client.get(agreement.get_absolute_url()))
    assert second == first
    assert "Q1 pipeline SLA" in second


def test_a_user_who_may_not_see_the_agreement_gets_404_with_a_warm_cache(
    client: Any, signed: Agreement, marketing_member: Any, outsider: Any
) -> None:
    """An outsider is refused before anything is read from the cache: 404, no content."""
    client.force_login(marketing_member)
    assert client.get(signed.get_absolute_url()).status_code == 200
    assert section_keys()

    client.force_login(outsider)
    response = client.get(signed.get_absolute_url())

    assert response.status_code == 404
    assert "MQLs delivered" not in response.content.decode()


def test_editing_a_draft_shows_the_new_content_at_once(
    client: Any, agreement: Agreement, marketing_member: Any
) -> None:
    """A saved section bumps the revision: the next view renders the new value, not the kept one."""
    client.force_login(marketing_member)
    assert "Next review 31 Jan 2026" in text_of(client.get(agreement.get_absolute_url()))

    edit_review_section(agreement, marketing_member, 40)

    text = text_of(client.get(agreement.get_absolute_url()))
    assert "Next review 10 Feb 2026" in text
    assert "Next review 31 Jan 2026" not in text


def test_a_draft_sent_for_review_loses_its_edit_links(
    client: Any, agreement: Agreement, marketing_member: Any
) -> None:
    """The editors' rendering of a draft is not what the page shows once it is in review."""
    client.force_login(marketing_member)
    edit_link = url("section_edit", agreement, "kpis")
    assert edit_link in client.get(agreement.get_absolute_url()).content.decode()

    in_review = advance_to(agreement, Agreement.Status.IN_REVIEW)

    page = client.get(in_review.get_absolute_url())
    assert page.status_code == 200
    assert edit_link not in page.content.decode()
    assert "Fill it in" not in text_of(page)


def test_a_row_rewritten_after_a_view_is_still_caught_by_the_verify_page(
    client: Any, signed: Agreement, marketing_member: Any
) -> None:
    """The cache never answers for the Verify page or verify_agreements."""
    client.force_login(marketing_member)
    assert "Integrity: intact" in text_of(client.get(signed.get_absolute_url()))

    with database_writer():
        Kpi.objects.filter(agreement=signed).update(target=Decimal("5.00"))

    assert verify_agreement(signed).status == TAMPERED
    assert "content differs" in text_of(client.get(url("verify", signed)))


def test_a_tampered_verdict_is_never_kept(
    client: Any, signed: Agreement, marketing_member: Any
) -> None:
    """Content rewritten before any view shows as tampered on every view, the second too."""
    with database_writer():
        Kpi.objects.filter(agreement=signed).update(target=Decimal("5.00"))
    client.force_login(marketing_member)

    for _view in range(2):
        text = text_of(client.get(signed.get_absolute_url()))
        assert "Integrity: tampered" in text
    assert not [key for key in _locmem_keys() if ":verdict:" in key]


def test_a_new_audit_event_asks_for_a_new_verdict(
    client: Any, signed: Agreement, marketing_member: Any, django_assert_num_queries: Any
) -> None:
    """A comment moves the series' event head: the next view verifies again (rows and events)."""
    from tests.agreements.test_views_signoff import DETAIL_CACHED_QUERIES

    client.force_login(marketing_member)
    client.get(signed.get_absolute_url())
    with django_assert_num_queries(DETAIL_CACHED_QUERIES):
        client.get(signed.get_absolute_url())

    client.post(url("comment_add", signed), {"body": "Checked the targets.", "section": ""})

    # The sections are still kept (same digest); the verdict loads the rows and the events.
    with django_assert_num_queries(DETAIL_CACHED_QUERIES + 7 + 1):
        page = client.get(signed.get_absolute_url())
    assert "Integrity: intact" in text_of(page)
    assert "Checked the targets." in text_of(page)


def test_an_unreachable_cache_leaves_the_page_working(
    client: Any, signed: Agreement, marketing_member: Any, settings: Any
) -> None:
    """With Redis down, the page renders from the database as if nothing were cached."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            # Nothing listens on port 1: every connection is refused at once.
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    client.force_login(marketing_member)

    response = client.get(signed.get_absolute_url())

    assert response.status_code == 200
    assert "Integrity: intact" in text_of(response)


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_cache(settings: Any) -> Iterator[Any]:
    """CACHES as CACHE_URL=redis://… makes it, under a prefix of this test's own."""
    if not _redis_reachable():
        pytest.skip("Redis is not reachable on 127.0.0.1:6379")
    import environ

    config = environ.Env.cache_url_config(REDIS_URL)
    config["KEY_PREFIX"] = f"slaportal-test-{uuid.uuid4().hex}"
    settings.CACHES = {"default": config}
    yield cache
    cache.clear()


def test_the_redis_backend_keeps_the_sections(
    client: Any, signed: Agreement, marketing_member: Any, redis_cache: Any
) -> None:
    """Through Redis (CACHE_URL), the second view is served from the cache, page unchanged."""
    assert redis_cache._cache.__class__.__name__ == "RedisCacheClient"
    client.force_login(marketing_member)
    first = page_of(client.get(signed.get_absolute_url()))

    client_redis = redis_cache._cache.get_client()
    kept = [key.decode() for key in client_redis.keys(f"{redis_cache.key_prefix}*")]
    assert any(":sections:" in key for key in kept)
    assert any(":verdict:" in key for key in kept)
    assert page_of(client.get(signed.get_absolute_url())) == first


def test_the_code_fingerprint_names_the_packages_sources(tmp_path, monkeypatch):
    """A deployment that changes the code reads none of the entries the last one pickled."""
    package = tmp_path / "fingerprinted"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "figures.py").write_text("ANSWER = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module("fingerprinted")
    page_cache.code_fingerprint.cache_clear()
    before = page_cache.code_fingerprint("fingerprinted")

    (package / "figures.py").write_text("ANSWER = 2\n")

    assert page_cache.code_fingerprint("fingerprinted") == before  # once per process
    page_cache.code_fingerprint.cache_clear()
    assert page_cache.code_fingerprint("fingerprinted") != before
    monkeypatch.delitem(sys.modules, "fingerprinted")
