"""Review services: submitting a complete draft, withdrawing, requesting changes, cancelling."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from agreements.models import Agreement, AgreementEvent, Comment, Kpi, Signature
from agreements.services import review
from agreements.services.agreements import agreement_create
from agreements.services.review import (
    agreement_cancel,
    agreement_request_changes,
    agreement_submit,
    agreement_withdraw,
)
from tests.agreements.signing import rows_written, sign


def test_submit_records_when_it_was_submitted(agreement: Agreement, marketing_member: Any) -> None:
    """Submitting stamps submitted_at; going back to draft clears it."""
    submitted = agreement_submit(agreement=agreement, actor=marketing_member)
    assert submitted.submitted_at is not None
    withdrawn = agreement_withdraw(agreement=submitted, actor=marketing_member)
    assert withdrawn.submitted_at is None


def test_submit_refuses_incomplete_content_naming_what_is_missing(
    marketing_team: Any, sales_team: Any, marketing_member: Any
) -> None:
    """An empty draft cannot go to review: the funnel inputs, a KPI and a lead type are named."""
    empty = agreement_create(
        actor=marketing_member,
        title="Blank SLA",
        marketing_team=marketing_team,
        sales_team=sales_team,
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 3, 31),
    )
    events = AgreementEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        agreement_submit(agreement=empty, actor=marketing_member)
    message = refused.value.messages[0]
    assert refused.value.code == "incomplete"
    for missing in ("revenue goal", "average deal size", "months in the plan", "KPI", "lead type"):
        assert missing in message
    assert Agreement.objects.get(pk=empty.pk).status == Agreement.Status.DRAFT
    assert AgreementEvent.objects.count() == events


def test_submit_refuses_a_draft_without_kpis(agreement: Agreement, marketing_member: Any) -> None:
    """A draft whose funnel is complete but has no KPI is refused, naming only the KPI."""
    Kpi.objects.filter(agreement=agreement).delete()
    with pytest.raises(ValidationError) as refused:
        agreement_submit(agreement=agreement, actor=marketing_member)
    message = refused.value.messages[0]
    assert "KPI" in message
    assert "revenue goal" not in message
    assert "lead type" not in message


def test_withdraw_voids_signatures_and_keeps_them_on_record(
    in_review: Agreement, marketing_signatory: Any, sales_member: Any
) -> None:
    """Voided signatures stay, marked void with who and why; the team may sign again later."""
    signature = sign(in_review, marketing_signatory, in_review.marketing_team)
    agreement_withdraw(agreement=in_review, actor=sales_member, reason="Targets are too high")
    signature.refresh_from_db()
    assert signature.voided_at is not None
    assert signature.voided_by == sales_member
    assert signature.void_reason == "Targets are too high"
    voided = AgreementEvent.objects.get(kind=AgreementEvent.Kind.SIGNATURE_VOIDED)
    assert voided.details["signature"] == signature.pk
    withdrawn = AgreementEvent.objects.get(kind=AgreementEvent.Kind.WITHDRAWN)
    assert withdrawn.details == {"reason": "Targets are too high", "voided_signatures": 1}
    resubmitted = agreement_submit(
        agreement=Agreement.objects.get(pk=in_review.pk), actor=sales_member
    )
    again = sign(resubmitted, marketing_signatory, resubmitted.marketing_team)
    assert Signature.objects.filter(agreement=in_review).count() == 2
    assert again.voided_at is None


def test_request_changes_needs_a_comment(in_review: Agreement, sales_signatory: Any) -> None:
    """Without a comment, request changes is refused and the agreement stays in review."""
    before = rows_written()
    with pytest.raises(ValidationError) as refused:
        agreement_request_changes(agreement=in_review, actor=sales_signatory, comment="  ")
    assert refused.value.messages == [review.ERROR_COMMENT_REQUIRED]
    assert rows_written() == before
    assert Agreement.objects.get(pk=in_review.pk).status == Agreement.Status.IN_REVIEW


def test_request_changes_stores_the_comment_and_voids_signatures(
    in_review: Agreement, marketing_signatory: Any, sales_signatory: Any
) -> None:
    """The comment is kept as an open comment and in the event; signatures given are void."""
    signature = sign(in_review, marketing_signatory, in_review.marketing_team)
    agreement_request_changes(
        agreement=in_review, actor=sales_signatory, comment="Response time: 2 hours, not 1."
    )
    comment = Comment.objects.get(agreement=in_review)
    assert comment.body == "Response time: 2 hours, not 1."
    assert comment.author == sales_signatory
    assert comment.resolved_at is None
    event = AgreementEvent.objects.get(kind=AgreementEvent.Kind.CHANGES_REQUESTED)
    assert event.details["comment"] == "Response time: 2 hours, not 1."
    assert not AgreementEvent.objects.filter(kind=AgreementEvent.Kind.COMMENTED).exists()
    signature.refresh_from_db()
    assert signature.voided_by == sales_signatory


def test_cancel_needs_a_reason_and_keeps_it(agreement: Agreement, sales_member: Any) -> None:
    """Cancelling without a reason is refused; with one, it is stored on the agreement."""
    with pytest.raises(ValidationError) as refused:
        agreement_cancel(agreement=agreement, actor=sales_member, reason="")
    assert refused.value.messages == [review.ERROR_REASON_REQUIRED]
    cancelled = agreement_cancel(agreement=agreement, actor=sales_member, reason="Team merged")
    stored = Agreement.objects.get(pk=cancelled.pk)
    assert stored.status == Agreement.Status.CANCELLED
    assert stored.cancel_reason == "Team merged"
    assert stored.cancelled_at is not None


def test_cancel_in_review_voids_signatures(
    in_review: Agreement, marketing_signatory: Any, sales_member: Any
) -> None:
    """A cancelled review leaves no valid signature behind."""
    sign(in_review, marketing_signatory, in_review.marketing_team)
    agreement_cancel(agreement=in_review, actor=sales_member, reason="Superseded by a new plan")
    assert not Signature.objects.filter(agreement=in_review, voided_at__isnull=True).exists()
