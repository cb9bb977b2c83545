"""The plan's months follow the period, or the funnel form says they disagree and offers the fix.

Changing a January–March period to nine months left "Months in the plan" at 3, so each
month's plan was three times too high, without a word.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from agreements.funnel import months_after_period_change
from agreements.models import Agreement
from agreements.services.agreements import agreement_copy
from tests.agreements.drafting import FUNNEL_VALUES, edit_url, section_payload
from tests.factories import edit_sections

pytestmark = pytest.mark.django_db

Q1 = (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
NINE_MONTHS = (dt.date(2026, 1, 1), dt.date(2026, 9, 30))


def _header(agreement: Agreement, end: str) -> dict[str, str]:
    return dict(section_payload(agreement, "header"), start_date="2026-01-01", end_date=end)


def test_the_exact_bug_months_follow_a_longer_period(
    client: Client, agreement: Agreement, marketing_member
) -> None:
    """Q1 (3 months in the plan) stretched to September: the plan now covers 9 months."""
    assert agreement.months == 3
    client.force_login(marketing_member)

    response = client.post(edit_url(agreement, "header"), _header(agreement, "2026-09-30"))

    assert response.status_code == 302
    agreement.refresh_from_db()
    assert (agreement.end_date, agreement.months) == (dt.date(2026, 9, 30), 9)
    page = client.get(edit_url(agreement, "funnel")).content.decode()
    assert 'id="months-disagree"' not in page


def test_months_chosen_apart_from_the_period_stay_and_the_form_offers_the_fix(
    client: Client, agreement: Agreement, marketing_member
) -> None:
    """6 months on a 3-month period: kept on a period change, warned, set in one click."""
    agreement = edit_sections(agreement, marketing_member, {"months": 6})
    client.force_login(marketing_member)
    client.post(edit_url(agreement, "header"), _header(agreement, "2026-09-30"))
    agreement.refresh_from_db()
    assert agreement.months == 6

    page = client.get(edit_url(agreement, "funnel")).content.decode()
    assert 'id="months-disagree"' in page
    assert "spans 9 months" in page
    assert "Use 9 months" in page

    typed = dict(section_payload(agreement, "funnel"), revenue_goal="900000")
    response = client.post(edit_url(agreement, "funnel"), dict(typed, use_period_months="1"))

    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.months == 9
    assert str(agreement.revenue_goal) == "900000.00"
    assert FUNNEL_VALUES["currency"] == agreement.currency


def test_months_after_period_change_rule() -> None:
    """Matching months follow; chosen ones stay; unset ones take the new period's."""
    assert months_after_period_change(3, before=Q1, after=NINE_MONTHS) == 9
    assert months_after_period_change(6, before=Q1, after=NINE_MONTHS) == 6
    assert months_after_period_change(None, before=Q1, after=NINE_MONTHS) == 9
    assert months_after_period_change(4, before=Q1, after=Q1) == 4


def test_a_copy_with_a_new_period_takes_its_months(agreement: Agreement, marketing_member) -> None:
    """Copying Q1 onto a nine-month period plans over nine months."""
    copy = agreement_copy(
        source=agreement, actor=marketing_member, start_date=NINE_MONTHS[0], end_date=NINE_MONTHS[1]
    )
    assert copy.months == 9
