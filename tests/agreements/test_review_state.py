"""The review state of an agreement: who asked for changes, named as every page names people."""

from __future__ import annotations

from typing import Any

import pytest

from agreements.models import Agreement
from agreements.selectors import agreement_list, with_review_state
from agreements.services.review import agreement_request_changes, agreement_submit
from teams.text import person_name
from tests.factories import AgreementFactory, advance_to

pytestmark = pytest.mark.django_db


def requester_of(agreement: Agreement) -> Any:
    return (
        with_review_state(Agreement.objects.filter(pk=agreement.pk))
        # An annotation the type checker cannot see through with_review_state.
        .values_list("changes_requested_by", flat=True)  # type: ignore[misc]
        .get()
    )


@pytest.mark.parametrize(
    ("first_name", "last_name", "shown"),
    [
        ("Sally", "Seller", "Sally Seller"),
        ("", "", "sally"),
        ("  Sally ", "", "Sally"),
        ("", "Seller", "Seller"),
        (" ", " ", "sally"),
    ],
)
def test_the_requester_is_named_as_person_name_names_them(
    in_review: Agreement, sales_signatory: Any, first_name: str, last_name: str, shown: str
) -> None:
    """The full name trimmed, else the username: what teams.text.person_name gives."""
    sales_signatory.first_name, sales_signatory.last_name = first_name, last_name
    sales_signatory.save()

    agreement_request_changes(agreement=in_review, actor=sales_signatory, comment="Fix it.")

    assert requester_of(in_review) == shown == person_name(sales_signatory)


def test_no_requester_before_changes_or_after_resubmitting(
    in_review: Agreement, sales_signatory: Any, marketing_member: Any
) -> None:
    """None until a request for changes, and None again once the agreement is resubmitted."""
    assert requester_of(in_review) is None
    draft = agreement_request_changes(agreement=in_review, actor=sales_signatory, comment="Fix.")
    assert requester_of(draft) == "Sally Seller"

    agreement_submit(agreement=draft, actor=marketing_member)

    assert requester_of(draft) is None


def test_each_row_of_the_list_has_its_own_requester(
    in_review: Agreement,
    sales_signatory: Any,
    marketing_member: Any,
    marketing_team: Any,
    sales_team: Any,
) -> None:
    """In the list, each agreement reads its own latest review event, also when nested."""
    agreement_request_changes(agreement=in_review, actor=sales_signatory, comment="Fix.")
    other = advance_to(
        AgreementFactory.create(
            owner=marketing_member, marketing_team=marketing_team, sales_team=sales_team
        ),
        Agreement.Status.IN_REVIEW,
    )

    rows = {row.pk: row.changes_requested_by for row in agreement_list(user=marketing_member)}  # type: ignore[attr-defined]
    sent_back = with_review_state(Agreement.objects.all()).filter(
        changes_requested_by__isnull=False  # type: ignore[misc]
    )
    nested = Agreement.objects.filter(pk__in=sent_back.values("pk"))

    assert rows == {in_review.pk: "Sally Seller", other.pk: None}
    assert list(nested.values_list("pk", flat=True)) == [in_review.pk]
