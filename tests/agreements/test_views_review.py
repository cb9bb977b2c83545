"""Review pages: submit, withdraw, request changes, cancel and amend, each refused when due."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from agreements.models import Agreement, AgreementEvent, Comment, Signature
from agreements.services.agreements import agreement_create
from teams.models import Team
from tests.agreements.signing import sign
from tests.agreements.signoff_pages import (
    fresh,
    text_of,
    url,
)

pytestmark = pytest.mark.django_db


# Submit.


def test_submit_moves_a_draft_to_review(
    client: Any, agreement: Agreement, sales_member: Any
) -> None:
    """A member of either team submits; the page says so and the status is in review."""
    client.force_login(sales_member)

    response = client.post(url("submit", agreement), follow=True)

    assert response.redirect_chain[-1][0] == agreement.get_absolute_url()
    assert "Submitted for sign-off" in text_of(response)
    assert fresh(agreement).status == Agreement.Status.IN_REVIEW


def test_submit_of_incomplete_draft_names_what_is_missing(
    client: Any, marketing_team: Team, sales_team: Team, marketing_member: Any
) -> None:
    """An empty draft stays a draft and the page names the missing parts."""
    empty = agreement_create(
        actor=marketing_member,
        title="Empty",
        marketing_team=marketing_team,
        sales_team=sales_team,
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 3, 31),
    )
    client.force_login(marketing_member)

    response = client.post(url("submit", empty), follow=True)

    text = text_of(response)
    assert "not ready for sign-off" in text
    assert "at least one KPI" in text
    assert fresh(empty).status == Agreement.Status.DRAFT


def test_submit_refuses_get_outsiders_and_second_submits(
    client: Any, agreement: Agreement, marketing_member: Any, outsider: Any
) -> None:
    """GET only shows the form, an outsider gets 404, an agreement in review is not resubmitted."""
    client.force_login(outsider)
    assert client.post(url("submit", agreement)).status_code == 404
    client.force_login(marketing_member)
    assert client.get(url("submit", agreement)).status_code == 200
    assert fresh(agreement).status == Agreement.Status.DRAFT

    client.post(url("submit", agreement))
    response = client.post(url("submit", agreement), follow=True)

    assert "Only a draft can be submitted" in text_of(response)
    assert AgreementEvent.objects.filter(agreement=agreement, kind="submitted").count() == 1


# Withdraw, request changes, cancel.


def test_withdraw_page_confirms_then_voids_signatures(
    client: Any, in_review: Agreement, marketing_signatory: Any, sales_member: Any
) -> None:
    """The confirm page explains voiding; posting a reason returns the draft and voids."""
    sign(in_review, marketing_signatory, in_review.marketing_team)
    client.force_login(sales_member)

    page = client.get(url("withdraw", in_review))
    assert page.status_code == 200
    assert "Every signature already given on this version is voided" in text_of(page)

    response = client.post(url("withdraw", in_review), {"reason": "New pricing"}, follow=True)

    assert "Withdrawn to draft" in text_of(response)
    assert fresh(in_review).status == Agreement.Status.DRAFT
    signature = Signature.objects.get(agreement=in_review)
    assert signature.void_reason == "New pricing"
    assert signature.voided_by == sales_member


def test_withdraw_of_a_draft_is_refused_and_keeps_the_reason(
    client: Any, agreement: Agreement, marketing_member: Any
) -> None:
    """Withdrawing a draft shows the service's message and the typed reason stays."""
    client.force_login(marketing_member)

    response = client.post(url("withdraw", agreement), {"reason": "Typed reason"})

    assert response.status_code == 200
    assert "This agreement is not in review" in text_of(response)
    assert "Typed reason" in response.content.decode()


def test_withdraw_by_outsider_is_404(client: Any, in_review: Agreement, outsider: Any) -> None:
    """An outsider cannot even learn the agreement exists."""
    client.force_login(outsider)

    assert client.get(url("withdraw", in_review)).status_code == 404
    assert client.post(url("withdraw", in_review), {"reason": "x"}).status_code == 404
    assert fresh(in_review).status == Agreement.Status.IN_REVIEW


def test_request_changes_by_signatory_returns_to_draft_with_comment(
    client: Any, in_review: Agreement, sales_signatory: Any
) -> None:
    """The signatory's required comment is stored and shown; the agreement is a draft again."""
    client.force_login(sales_signatory)

    response = client.post(
        url("request_changes", in_review), {"comment": "Lower the MQL target."}, follow=True
    )

    assert "Changes requested" in text_of(response)
    assert "Lower the MQL target." in text_of(response)
    assert fresh(in_review).status == Agreement.Status.DRAFT
    assert Comment.objects.get(agreement=in_review).author == sales_signatory


def test_request_changes_requires_a_comment(
    client: Any, in_review: Agreement, sales_signatory: Any
) -> None:
    """An empty comment is a form error and nothing changes."""
    client.force_login(sales_signatory)

    response = client.post(url("request_changes", in_review), {"comment": "  "})

    assert response.status_code == 200
    assert "This field is required." in text_of(response)
    assert fresh(in_review).status == Agreement.Status.IN_REVIEW


def test_request_changes_refusal_keeps_the_comment(
    client: Any, agreement: Agreement, sales_signatory: Any
) -> None:
    """On a draft the service refuses; the page shows why and keeps the typed comment."""
    client.force_login(sales_signatory)

    response = client.post(url("request_changes", agreement), {"comment": "My long comment"})

    assert "This agreement is not in review" in text_of(response)
    assert "My long comment" in response.content.decode()
    assert not Comment.objects.filter(agreement=agreement).exists()


def test_request_changes_by_member_is_forbidden(
    client: Any, in_review: Agreement, sales_member: Any, outsider: Any
) -> None:
    """A plain member gets 403, an outsider 404; the agreement stays in review."""
    client.force_login(sales_member)
    assert client.post(url("request_changes", in_review), {"comment": "x"}).status_code == 403
    client.force_login(outsider)
    assert client.post(url("request_changes", in_review), {"comment": "x"}).status_code == 404
    assert fresh(in_review).status == Agreement.Status.IN_REVIEW


def test_cancel_needs_a_reason_then_cancels(
    client: Any, agreement: Agreement, marketing_member: Any
) -> None:
    """The confirmation page requires a reason; with one the agreement is cancelled."""
    client.force_login(marketing_member)
    assert "abandons this agreement for good" in text_of(client.get(url("cancel", agreement)))

    refused = client.post(url("cancel", agreement), {"reason": ""})
    assert "This field is required." in text_of(refused)
    assert fresh(agreement).status == Agreement.Status.DRAFT

    response = client.post(url("cancel", agreement), {"reason": "Plan dropped"}, follow=True)

    assert fresh(agreement).status == Agreement.Status.CANCELLED
    text = text_of(response)
    assert "The agreement is cancelled." in text
    assert "Plan dropped" in text


def test_cancel_of_signed_agreement_is_refused_with_reason_kept(
    client: Any, signed: Agreement, marketing_member: Any, outsider: Any
) -> None:
    """A signed agreement cannot be cancelled; the reason typed stays in the form."""
    client.force_login(marketing_member)

    response = client.post(url("cancel", signed), {"reason": "Changed my mind"})

    assert "Only a draft or an agreement in review can be cancelled" in text_of(response)
    assert "Changed my mind" in response.content.decode()
    assert fresh(signed).status == Agreement.Status.SIGNED
    client.force_login(outsider)
    assert client.get(url("cancel", signed)).status_code == 404


# Amend.


def test_amend_creates_the_next_version_as_a_draft(
    client: Any, signed: Agreement, sales_member: Any
) -> None:
    """Amending opens version 2 as a draft; the signed version stays signed."""
    client.force_login(sales_member)

    response = client.post(url("amend", signed), follow=True)

    amendment = Agreement.objects.get(amends=signed)
    assert response.redirect_chain[-1][0] == amendment.get_absolute_url()
    assert amendment.version == 2
    assert amendment.status == Agreement.Status.DRAFT
    assert fresh(signed).status == Agreement.Status.SIGNED


def test_amend_of_a_draft_is_refused(
    client: Any, agreement: Agreement, marketing_member: Any, outsider: Any
) -> None:
    """Only a signed agreement can be amended; an outsider gets 404."""
    client.force_login(marketing_member)

    response = client.post(url("amend", agreement), follow=True)

    assert "Only a signed agreement can be amended" in text_of(response)
    assert Agreement.objects.count() == 1
    client.force_login(outsider)
    assert client.post(url("amend", agreement)).status_code == 404
