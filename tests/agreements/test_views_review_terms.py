"""The review's terms on the pages: the submit form, the due date shown, changing it meanwhile."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from agreements.models import Agreement, AgreementEvent
from tests.agreements.signoff_pages import fresh, text_of, url

pytestmark = pytest.mark.django_db

# Session, user, the agreement with its teams: the count stays whatever the agreement holds.
TERMS_PAGE_QUERIES = 3


def _due(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def test_the_submit_page_offers_a_due_date_and_reminders(
    client: Any, agreement: Agreement, marketing_member: Any, django_assert_num_queries: Any
) -> None:
    """GET shows the form with reminders every 3 days by default; nothing is submitted."""
    client.force_login(marketing_member)
    client.get(url("submit", agreement))  # warm the session
    with django_assert_num_queries(TERMS_PAGE_QUERIES):
        response = client.get(url("submit", agreement))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="review_due"' in page
    assert 'name="reminder_days"' in page and 'value="3"' in page
    assert fresh(agreement).status == Agreement.Status.DRAFT


def test_the_agreement_page_links_to_the_submit_form(
    client: Any, agreement: Agreement, marketing_member: Any
) -> None:
    """A draft's page offers to submit with a due date."""
    client.force_login(marketing_member)
    page = client.get(agreement.get_absolute_url()).content.decode()
    assert url("submit", agreement) in page
    assert "Submit with a due date and reminders" in page


def test_submitting_with_terms_shows_them_on_the_agreement_page(
    client: Any, agreement: Agreement, marketing_member: Any
) -> None:
    """The due date and the interval chosen are kept and shown in the sign-off panel."""
    due = _due(14)
    client.force_login(marketing_member)
    response = client.post(
        url("submit", agreement),
        {"review_due": due.isoformat(), "reminder_days": "2"},
        follow=True,
    )
    stored = fresh(agreement)
    assert (stored.status, stored.review_due, stored.reminder_days) == (
        Agreement.Status.IN_REVIEW,
        due,
        2,
    )
    text = text_of(response)
    assert f"Signatures due by {date_format(due)} ." in text
    assert "Signatories who have not signed are reminded every 2 days." in text
    assert "Signatures were due" not in text


def test_a_bare_submit_uses_the_default_terms(
    client: Any, agreement: Agreement, marketing_member: Any
) -> None:
    """The panel's plain button still submits: no due date, reminders every 3 days."""
    client.force_login(marketing_member)
    response = client.post(url("submit", agreement), follow=True)
    stored = fresh(agreement)
    assert (stored.status, stored.review_due, stored.reminder_days) == ("in_review", None, 3)
    assert "No due date." in text_of(response)


def test_a_past_due_date_is_refused_at_its_field_keeping_the_input(
    client: Any, agreement: Agreement, marketing_member: Any
) -> None:
    """Yesterday is refused next to the field; the values typed stay; the draft stays a draft."""
    yesterday = _due(-1)
    client.force_login(marketing_member)
    response = client.post(
        url("submit", agreement), {"review_due": yesterday.isoformat(), "reminder_days": "5"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "The due date cannot be in the past" in page
    assert 'id="error_1_id_review_due"' in page
    assert f'value="{yesterday.isoformat()}"' in page
    assert 'value="5"' in page
    assert fresh(agreement).status == Agreement.Status.DRAFT


@pytest.mark.parametrize("days", ["31", "-1", "often"])
def test_an_interval_out_of_range_is_refused(
    days: str, client: Any, agreement: Agreement, marketing_member: Any
) -> None:
    """Reminders run from every day to every 30 days, or 0 for none."""
    client.force_login(marketing_member)
    response = client.post(url("submit", agreement), {"reminder_days": days})
    assert response.status_code == 200
    assert 'id="error_1_id_reminder_days"' in response.content.decode()
    assert fresh(agreement).status == Agreement.Status.DRAFT


def test_an_overdue_review_says_so(client: Any, in_review: Agreement, sales_member: Any) -> None:
    """Once its due date has passed, the panel marks the review overdue."""
    # Stored directly: a due date that has since passed, as time makes it.
    Agreement.objects.filter(pk=in_review.pk).update(review_due=dt.date(2026, 1, 10))
    client.force_login(sales_member)
    text = text_of(client.get(in_review.get_absolute_url()))
    assert "Overdue Signatures were due by 10 Jan 2026 ." in text


def test_a_signed_agreement_shows_no_due_date(
    client: Any, signed: Agreement, sales_member: Any
) -> None:
    """The due date belongs to the review; a signed agreement is not overdue."""
    Agreement.objects.filter(pk=signed.pk).update(review_due=dt.date(2026, 1, 10))
    client.force_login(sales_member)
    page = client.get(signed.get_absolute_url()).content.decode()
    assert 'data-testid="review-due"' not in page
    assert "due by" not in page


def test_the_terms_page_changes_them_while_in_review(
    client: Any, in_review: Agreement, sales_member: Any, django_assert_num_queries: Any
) -> None:
    """GET shows the current terms; POST saves new ones and records the change."""
    client.force_login(sales_member)
    client.get(url("review_schedule", in_review))
    with django_assert_num_queries(TERMS_PAGE_QUERIES):
        page = client.get(url("review_schedule", in_review)).content.decode()
    assert 'value="3"' in page

    due = _due(3)
    response = client.post(
        url("review_schedule", in_review),
        {"review_due": due.isoformat(), "reminder_days": "0"},
        follow=True,
    )

    assert (fresh(in_review).review_due, fresh(in_review).reminder_days) == (due, 0)
    text = text_of(response)
    assert "No reminders are sent." in text
    assert f"Signatures due by {date_format(due)} ." in text
    assert AgreementEvent.objects.filter(
        agreement=in_review, kind=AgreementEvent.Kind.REVIEW_SCHEDULED
    ).exists()


def test_the_terms_page_of_a_draft_says_why_it_does_not_apply(
    client: Any, agreement: Agreement, marketing_member: Any
) -> None:
    """A draft has no review yet: the page says so, and a POST changes nothing."""
    client.force_login(marketing_member)
    assert "This agreement is not in review" in text_of(
        client.get(url("review_schedule", agreement))
    )
    response = client.post(url("review_schedule", agreement), {"reminder_days": "9"}, follow=True)
    assert "This agreement is not in review" in text_of(response)
    assert fresh(agreement).reminder_days == 3


def test_the_terms_page_of_an_overdue_review_accepts_its_due_date(
    client: Any, in_review: Agreement, sales_member: Any
) -> None:
    """The passed due date is offered as it is, and saving it with new reminders works."""
    Agreement.objects.filter(pk=in_review.pk).update(review_due=dt.date(2026, 1, 10))
    client.force_login(sales_member)
    page = client.get(url("review_schedule", in_review)).content.decode()
    assert 'min="2026-01-10"' in page
    response = client.post(
        url("review_schedule", in_review), {"review_due": "2026-01-10", "reminder_days": "7"}
    )
    assert response.status_code == 302
    assert fresh(in_review).reminder_days == 7
