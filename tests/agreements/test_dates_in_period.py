"""The next review and the deadlines fall in or after the agreement's period.

A next review in 2020 was accepted on a 2026 agreement; so was a deadline before the period.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from agreements.models import Agreement, Deadline
from agreements.services.agreements import ContentErrors, agreement_import
from agreements.services.amendments import agreement_amend
from agreements.services.review import agreement_submit
from agreements.standard_template import standard_content
from tests.agreements.drafting import edit_url, section_payload
from tests.agreements.test_admin import _post_data
from tests.factories import advance_to

pytestmark = pytest.mark.django_db

# The fixture agreement runs from 2026-01-01 to 2026-03-31.
REVIEW_EARLY = "The next review must fall on or after the start of the period, 1 Jan 2026."
DEADLINE_EARLY = "A deadline must fall on or after the start of the period, 1 Jan 2026."


def test_the_exact_bug_a_next_review_in_2020_is_refused(client: Client, agreement) -> None:
    """The review form names the period's start at the field; nothing is saved."""
    client.force_login(agreement.owner)
    data = dict(section_payload(agreement, "review"), next_review="2020-06-01")

    response = client.post(edit_url(agreement, "review"), data)

    assert response.status_code == 200
    assert response.context["form"].errors["next_review"] == [REVIEW_EARLY]
    assert Agreement.objects.get(pk=agreement.pk).revision == agreement.revision


def test_the_period_s_first_day_is_a_valid_review_and_deadline(client: Client, agreement) -> None:
    """On the first day is in the period."""
    client.force_login(agreement.owner)
    review = dict(section_payload(agreement, "review"), next_review="2026-01-01")
    assert client.post(edit_url(agreement, "review"), review).status_code == 302
    agreement.refresh_from_db()
    deadlines = section_payload(agreement, "deadlines")
    deadlines["deadlines-0-due"] = "2026-01-01"
    assert client.post(edit_url(agreement, "deadlines"), deadlines).status_code == 302


def test_a_deadline_before_the_period_is_a_row_error(client: Client, agreement) -> None:
    """The deadlines form shows the error at the row's due date; nothing is saved."""
    client.force_login(agreement.owner)
    data = section_payload(agreement, "deadlines")
    data["deadlines-0-due"] = "2025-12-31"

    response = client.post(edit_url(agreement, "deadlines"), data)

    [formset] = response.context["editor"].formsets
    assert formset.forms[0].errors["due"] == [DEADLINE_EARLY]
    assert Agreement.objects.get(pk=agreement.pk).revision == agreement.revision


@pytest.fixture
def document(marketing_team: Any, sales_team: Any) -> dict[str, Any]:
    return standard_content(
        title="Imported SLA",
        marketing_team=marketing_team.name,
        sales_team=sales_team.name,
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 3, 31),
    )


def test_the_import_refuses_a_review_and_a_deadline_before_the_period(
    document, marketing_member
) -> None:
    """Both are reported at their paths; nothing is created."""
    document["review"]["next_review"] = "2020-06-01"
    document["deadlines"][0]["due"] = "2025-12-01"

    with pytest.raises(ContentErrors) as raised:
        agreement_import(document=document, actor=marketing_member)

    assert raised.value.errors == [
        ("review.next_review", REVIEW_EARLY),
        ("deadlines[0].due", DEADLINE_EARLY),
    ]
    assert not Agreement.objects.exists()


@pytest.mark.parametrize(
    ("key", "message"),
    [
        pytest.param("next_review", REVIEW_EARLY, id="next review"),
        pytest.param("deadlines-0-due", DEADLINE_EARLY, id="inline deadline"),
    ],
)
def test_the_admin_refuses_them_too(client: Client, staff_user, agreement, key, message) -> None:
    """The admin's change form and its deadline rows keep to the period."""
    client.force_login(staff_user)
    url = reverse("admin:agreements_agreement_change", args=[agreement.pk])
    data = _post_data(client.get(url))
    data[key] = "2025-12-31"

    response = client.post(url, data)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert Agreement.objects.get(pk=agreement.pk).revision == agreement.revision


def test_stored_early_dates_still_let_the_agreement_be_amended(agreement) -> None:
    """A version stored before the rule, with a review in 2020, is amended all the same."""
    signed = advance_to(agreement, Agreement.Status.SIGNED)
    Agreement.objects.filter(pk=signed.pk).update(next_review=dt.date(2020, 6, 1))
    Deadline.objects.filter(agreement=signed).update(due=dt.date(2025, 12, 1))

    amendment = agreement_amend(agreement=signed, actor=signed.owner)

    assert amendment.next_review == dt.date(2020, 6, 1)


def test_moving_the_period_past_the_next_review_still_saves_the_header(
    client: Client, agreement
) -> None:
    """The header is saved; the review form then asks for a review in the new period."""
    client.force_login(agreement.owner)
    header = section_payload(agreement, "header")  # 2027-01-01 to 2027-12-31
    assert client.post(edit_url(agreement, "header"), header).status_code == 302
    agreement.refresh_from_db()

    review = dict(section_payload(agreement, "review"), next_review="2026-06-30")
    response = client.post(edit_url(agreement, "review"), review)

    assert response.context["form"].errors["next_review"] == [
        "The next review must fall on or after the start of the period, 1 Jan 2027."
    ]


def test_a_period_moved_past_the_review_and_deadlines_cannot_be_submitted(
    agreement: Agreement,
) -> None:
    """Moving the period after the dates were set: submitting names both, nothing changes."""
    Agreement.objects.filter(pk=agreement.pk).update(next_review=dt.date(2026, 2, 1))
    Deadline.objects.filter(agreement=agreement).update(due=dt.date(2026, 2, 1))
    Agreement.objects.filter(pk=agreement.pk).update(
        start_date=dt.date(2026, 4, 1), end_date=dt.date(2026, 6, 30)
    )
    agreement.refresh_from_db()
    assert Deadline.objects.filter(agreement=agreement).exists()

    with pytest.raises(ValidationError) as refused:
        agreement_submit(agreement=agreement, actor=agreement.owner)

    message = refused.value.messages[0]
    assert "a next review on or after the period's start" in message
    assert "deadlines on or after the period's start" in message
    assert Agreement.objects.get(pk=agreement.pk).status == Agreement.Status.DRAFT


def test_a_copy_into_a_later_period_keeps_its_review_and_asks_for_a_new_one(
    client: Client, agreement: Agreement
) -> None:
    """Copied into April-June, a review of 2026-02 is kept, shown as out of the period, and
    holds back the submission; the copy's pages answer (found by the property tests)."""
    Agreement.objects.filter(pk=agreement.pk).update(next_review=dt.date(2026, 2, 15))
    client.force_login(agreement.owner)
    response = client.post(
        reverse("agreements:create"),
        {
            "title": "A copy in Q2",
            "marketing_team": agreement.marketing_team_id,
            "sales_team": agreement.sales_team_id,
            "start_date": "2026-04-01",
            "end_date": "2026-06-30",
            "start_from": "copy",
            "copy_source": agreement.pk,
        },
    )
    assert response.status_code == 302
    copy = Agreement.objects.get(title="A copy in Q2")
    assert copy.next_review == dt.date(2026, 2, 15)
    assert client.get(copy.get_absolute_url()).status_code == 200
    review_form = client.get(edit_url(copy, "review"))
    assert review_form.status_code == 200
    with pytest.raises(ValidationError) as refused:
        agreement_submit(agreement=copy, actor=copy.owner)
    assert "a next review on or after the period's start" in refused.value.messages[0]
