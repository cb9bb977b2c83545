"""The lists' rows are kept under what they show: the same rows read, any change shows at once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from agreements.list_rows import agreement_rows, signed_rows
from agreements.models import Agreement
from tests.agreements.signoff_pages import page_of
from tests.factories import AgreementFactory, advance_to

pytestmark = pytest.mark.django_db


def kept(kind: str) -> list[str]:
    return [key for key in getattr(cache, "_cache", {}) if f":{kind}:" in key]


def test_the_list_shows_a_new_title_and_standing_at_once(
    client: Any, marketing_team: Any, sales_team: Any, marketing_member: Any
) -> None:
    agreement = AgreementFactory.create(
        owner=marketing_member,
        title="First title",
        marketing_team=marketing_team,
        sales_team=sales_team,
    )
    client.force_login(marketing_member)
    address = reverse("agreements:list")
    cold = page_of(client.get(address))
    assert "First title" in cold
    assert page_of(client.get(address)) == cold
    assert len(kept("agreement-rows")) == 1

    Agreement.objects.filter(pk=agreement.pk).update(title="Second title")
    renamed = page_of(client.get(address))
    assert "Second title" in renamed
    assert "First title" not in renamed

    Agreement.objects.filter(pk=agreement.pk).update(status=Agreement.Status.CANCELLED)
    assert "Cancelled" in page_of(client.get(address))
    assert len(kept("agreement-rows")) == 3


def test_a_signed_row_shows_the_signing_day_of_the_viewer_s_time_zone(
    marketing_team: Any, sales_team: Any, marketing_member: Any
) -> None:
    """Signed late on 1 March in UTC is 2 March in Auckland: two renderings, each right."""
    agreement = advance_to(
        AgreementFactory.create(
            owner=marketing_member,
            title="Signed SLA",
            marketing_team=marketing_team,
            sales_team=sales_team,
        ),
        Agreement.Status.SIGNED,
        signed_at=dt.datetime(2026, 3, 1, 22, 0, tzinfo=dt.UTC),
    )
    with timezone.override("UTC"):
        in_utc = signed_rows([agreement])
    with timezone.override("Pacific/Auckland"):
        in_auckland = signed_rows([agreement])

    assert "1 Mar 2026" in in_utc
    assert "2 Mar 2026" in in_auckland
    assert len(kept("signed-rows")) == 2


def test_the_rows_are_the_templates_rendering(
    marketing_team: Any, sales_team: Any, marketing_member: Any
) -> None:
    """Read from the cache, the rows are the markup rendered afresh."""
    agreement = AgreementFactory.create(
        owner=marketing_member, marketing_team=marketing_team, sales_team=sales_team
    )
    first = agreement_rows([agreement])
    cache.clear()
    assert agreement_rows([agreement]) == first
    assert agreement_rows([agreement]) == first
