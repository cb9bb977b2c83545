"""Figures kept in the cache, the portfolio's lights and the dashboard's: a write to the series
shows at once, the clock within the minute (performance.series_changes)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache

from agreements.models import Agreement
from performance.dashboard.agreement import dashboard_kept
from performance.dashboard.portfolio import portfolio_rows
from performance.models import LeadRecord
from performance.services.lead_tally import lead_tally_refresh
from tests.performance.helpers import at, lead, sign

pytestmark = pytest.mark.django_db

NOW = at(2026, 2, 15, 12)


@pytest.fixture
def signed(agreement: Agreement) -> Agreement:
    """The Q1 2026 standard agreement, signed, with one lead met on the day before NOW."""
    signed = sign(agreement)
    lead(signed, "MET", mql_at=at(2026, 2, 14, 10), due_at=at(2026, 2, 14, 11),
         first_touch_at=at(2026, 2, 14, 10, 30), outcome="accepted")  # fmt: skip
    return signed


def handoff(user: Any, now: dt.datetime) -> str:
    (row,) = portfolio_rows(user=user, now=now)
    return row.handoff.detail


def test_a_write_to_the_series_shows_at_once(signed: Agreement, marketing_member: Any) -> None:
    assert handoff(marketing_member, NOW).startswith("100")

    lead(signed, "LATE", mql_at=at(2026, 2, 14, 9), due_at=at(2026, 2, 14, 10))
    # The same minute: only the write can tell the kept light is stale.
    assert handoff(marketing_member, NOW + dt.timedelta(seconds=10)).startswith("50")

    # As the import's undo does: the leads deleted, the series' lead days counted again.
    LeadRecord.objects.filter(lead_id="LATE").delete()
    lead_tally_refresh(series_id=signed.series_id)
    assert handoff(marketing_member, NOW + dt.timedelta(seconds=20)).startswith("100")


def test_the_clock_shows_from_the_next_minute(signed: Agreement, marketing_member: Any) -> None:
    """A lead due at 12:00:30 and never touched turns breached then; the light kept at 12:00:10
    shows it from 12:01, at most a minute late."""
    lead(signed, "DUE", mql_at=at(2026, 2, 15, 11), due_at=NOW + dt.timedelta(seconds=30))

    assert handoff(marketing_member, NOW + dt.timedelta(seconds=10)).startswith("100")
    assert handoff(marketing_member, NOW + dt.timedelta(seconds=40)).startswith("100")
    assert handoff(marketing_member, NOW + dt.timedelta(minutes=1)).startswith("50")


def test_lights_are_worked_out_when_the_cache_fails(
    signed: Agreement, marketing_member: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreachable(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get_many", unreachable)
    monkeypatch.setattr(cache, "set_many", unreachable)

    assert handoff(marketing_member, NOW).startswith("100")
    lead(signed, "LATE", mql_at=at(2026, 2, 14, 9), due_at=at(2026, 2, 14, 10))
    assert handoff(marketing_member, NOW).startswith("50")


def breached(agreement: Agreement, now: dt.datetime) -> tuple[int, dt.datetime]:
    dashboard = dashboard_kept(agreement=Agreement.objects.get(pk=agreement.pk), now=now)
    return dashboard.handoff_total.breached, dashboard.as_of


def test_the_dashboard_shows_a_write_at_once_and_the_clock_from_the_next_minute(
    signed: Agreement,
) -> None:
    assert breached(signed, NOW) == (0, NOW)
    lead(signed, "DUE", mql_at=at(2026, 2, 15, 11), due_at=NOW + dt.timedelta(seconds=30))

    # Written since: worked out again, as of when it was.
    assert breached(signed, NOW + dt.timedelta(seconds=10)) == (0, NOW + dt.timedelta(seconds=10))
    # Due at 12:00:30: kept as of 12:00:10 to the end of the minute, then breached.
    assert breached(signed, NOW + dt.timedelta(seconds=40)) == (0, NOW + dt.timedelta(seconds=10))
    assert breached(signed, NOW + dt.timedelta(minutes=1)) == (1, NOW + dt.timedelta(minutes=1))


def test_a_kept_dashboard_holds_the_agreement_loaded_for_the_request(signed: Agreement) -> None:
    dashboard_kept(agreement=signed, now=NOW)
    loaded = Agreement.objects.get(pk=signed.pk)

    assert dashboard_kept(agreement=loaded, now=NOW).agreement is loaded


def test_the_dashboard_page_says_as_of_when_its_figures_are(
    client: Any, signed: Agreement, marketing_member: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.force_login(marketing_member)
    url = f"/agreements/{signed.pk}/dashboard/"
    pages = []
    for moment in (NOW + dt.timedelta(seconds=10), NOW + dt.timedelta(seconds=40)):
        monkeypatch.setattr("django.utils.timezone.now", lambda moment=moment: moment)
        pages.append(client.get(url).content.decode())

    for page in pages:
        assert '<time datetime="2026-02-15T12:00:10Z">' in page
