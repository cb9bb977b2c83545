"""Record pages of sign-off: evidence, verification, comparison and revisions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from agreements.models import Agreement, Kpi, Signature
from agreements.services.amendments import agreement_amend
from agreements.services.comments import comment_add
from agreements.services.review import agreement_submit, agreement_withdraw
from tests.agreements.signing import sign
from tests.agreements.signoff_pages import (
    edit_review_section,
    fresh,
    kpi_rows,
    kpi_update,
    text_of,
    url,
)
from tests.factories import AgreementFactory, current_digest
from tests.tampering import database_writer

pytestmark = pytest.mark.django_db

# The Verify page: session, user, the agreement, its version chain, then for every signed
# version at once: the versions, their seven section relations, signatures and signed events.
VERIFY_QUERIES = 14


# Evidence.


def test_evidence_lists_signers_voided_signatures_versions_and_events(
    client: Any,
    in_review: Agreement,
    marketing_signatory: Any,
    sales_signatory: Any,
    sales_member: Any,
) -> None:
    """Signers with time, IP, user agent and digest, voided ones with who, and the event log."""
    sign(in_review, marketing_signatory, in_review.marketing_team)
    agreement_withdraw(agreement=in_review, actor=sales_member, reason="Typo")
    agreement_submit(agreement=fresh(in_review), actor=sales_member)
    sign(fresh(in_review), marketing_signatory, in_review.marketing_team)
    sign(fresh(in_review), sales_signatory, in_review.sales_team)
    client.force_login(sales_member)

    response = client.get(url("evidence", in_review))

    text = text_of(response)
    assert "203.0.113.7" in text
    assert "pytest-browser/1.0" in text
    assert current_digest(in_review) in text
    assert "Void" in text and "Typo" in text
    assert "Valid" in text
    assert "intact" in text
    for kind in ("Created", "Submitted for sign-off", "Withdrawn to draft", "Signature voided"):
        assert kind in text
    assert "Version 1 (this one)" in text
    assert "evidence-print" in response.content.decode()


def test_evidence_refuses_outsiders(client: Any, signed: Agreement, outsider: Any) -> None:
    """An outsider gets 404."""
    client.force_login(outsider)

    assert client.get(url("evidence", signed)).status_code == 404


def test_evidence_query_count_is_fixed_as_events_and_signatures_grow(
    client: Any,
    in_review: Agreement,
    marketing_signatory: Any,
    sales_member: Any,
    django_assert_num_queries: Any,
) -> None:
    """One signature and a few events, or many of both: the same number of queries."""
    sign(in_review, marketing_signatory, in_review.marketing_team)
    client.force_login(sales_member)
    address = url("evidence", in_review)
    with django_assert_num_queries(16):
        client.get(address)

    for number in range(20):
        comment_add(agreement=in_review, actor=sales_member, body=f"Note {number}")
    for _ in range(5):
        agreement_withdraw(agreement=fresh(in_review), actor=sales_member)
        agreement_submit(agreement=fresh(in_review), actor=sales_member)
        sign(fresh(in_review), marketing_signatory, in_review.marketing_team)

    assert Signature.objects.filter(agreement=in_review).count() == 6
    with django_assert_num_queries(16):
        client.get(address)


# Verify.


def test_verify_reports_intact_then_tampered(
    client: Any, signed: Agreement, marketing_member: Any
) -> None:
    """Intact with equal digests; a KPI altered in the database shows tampered, both digests."""
    client.force_login(marketing_member)
    digest = current_digest(signed)

    intact = text_of(client.get(url("verify", signed)))
    assert "intact" in intact
    assert digest in intact

    with database_writer():
        Kpi.objects.filter(agreement=signed, name="MQLs delivered").update(target=Decimal("1.00"))
    response = client.get(url("verify", signed))

    text = text_of(response)
    assert "tampered" in text
    assert digest in text
    assert current_digest(signed) in text
    assert "content differs" in text
    assert "Integrity: tampered" in text_of(client.get(signed.get_absolute_url()))


def test_verify_lists_every_signed_version_of_the_series(
    client: Any,
    signed: Agreement,
    marketing_member: Any,
    marketing_signatory: Any,
    sales_signatory: Any,
) -> None:
    """Version 1 superseded and version 2 in force are each verified."""
    amendment = AgreementFactory.create(
        amends=signed,
        signed=True,
        marketing_signatory=marketing_signatory,
        sales_signatory=sales_signatory,
    )
    client.force_login(marketing_member)

    response = client.get(url("verify", amendment))

    page = response.content.decode()
    assert 'data-testid="verify-v1"' in page
    assert 'data-testid="verify-v2"' in page
    assert "Superseded" in text_of(response)
    assert text_of(response).count("intact") >= 2


def test_verify_of_unsigned_agreement_says_nothing_to_verify(
    client: Any, agreement: Agreement, marketing_member: Any, outsider: Any
) -> None:
    """A draft has nothing to verify; outsiders get 404."""
    client.force_login(marketing_member)
    assert "nothing to verify" in text_of(client.get(url("verify", agreement)))
    client.force_login(outsider)
    assert client.get(url("verify", agreement)).status_code == 404


def test_verify_query_count_is_fixed(
    client: Any, signed: Agreement, sales_member: Any, django_assert_num_queries: Any
) -> None:
    """Verifying one signed version takes a fixed number of queries, whatever its event log."""
    client.force_login(sales_member)
    address = url("verify", signed)
    with django_assert_num_queries(VERIFY_QUERIES):
        client.get(address)
    for number in range(20):
        comment_add(agreement=signed, actor=sales_member, body=f"Note {number}")
    with django_assert_num_queries(VERIFY_QUERIES):
        client.get(address)


def test_verify_page_query_count_is_the_same_for_one_and_five_signed_versions(
    client: Any,
    signed: Agreement,
    marketing_member: Any,
    marketing_signatory: Any,
    sales_signatory: Any,
    django_assert_num_queries: Any,
) -> None:
    """Every signed version of the series is verified at once: five cost what one does."""
    client.force_login(marketing_member)
    with django_assert_num_queries(VERIFY_QUERIES):
        client.get(url("verify", signed))

    latest = signed
    for _ in range(4):
        latest = AgreementFactory.create(
            amends=latest,
            signed=True,
            marketing_signatory=marketing_signatory,
            sales_signatory=sales_signatory,
        )
    with django_assert_num_queries(VERIFY_QUERIES):
        response = client.get(url("verify", latest))

    page = response.content.decode()
    for number in range(1, 6):
        assert f'data-testid="verify-v{number}"' in page
    assert text_of(response).count("intact") == 5


# Compare.


def test_compare_defaults_to_previous_version_and_marks_changes(
    client: Any, signed: Agreement, marketing_member: Any
) -> None:
    """Version 1 against its amendment: KPIs counted as items, values shown as on the page."""
    amendment = agreement_amend(agreement=signed, actor=marketing_member)
    rows = kpi_rows(amendment)
    rows[0]["target"] = Decimal("120.00")
    rows[0]["direction"] = "at_most"
    removed_name = rows.pop(1)["name"]
    for name, target in (("Pipeline coverage", "3.00"), ("Won deals", "1200.50")):
        rows.append(
            {
                "name": name,
                "owner": "sales",
                "target": Decimal(target),
                "unit": "x",
                "direction": "at_least",
                "cadence": "monthly",
            }
        )
    kpi_update(amendment, marketing_member, rows)
    client.force_login(marketing_member)

    response = client.get(url("compare", amendment))

    text = text_of(response)
    assert "Comparing Version 1 (Signed) (before) with Version 2 (Draft) (after)" in text
    assert "KPIs : 2 KPIs added, 1 removed, 1 changed" in text
    assert "12 added" not in text
    changed = (
        "MQLs delivered MQLs Marketing 100 → changed to 120 MQLs At least → changed to At most"
    )
    assert changed in text
    assert "Pipeline coverage Entered by hand Sales 3 x At least Monthly Added" in text
    assert "Won deals Entered by hand Sales 1,200.5 x At least Monthly Added" in text
    assert f"{removed_name} MQL → SQL conversion (%) Shared 40 % At least Monthly Removed" in text
    assert "at_least" not in text
    assert "Unchanged sections: Parties and period, Goals and funnel plan," in text
    page = response.content.decode()
    assert 'class="diff-changed' in page
    assert 'class="diff-added' in page
    assert 'class="diff-removed' in page
    assert '<td class="field-changed">' in page
    assert "<del>100</del>" in page
    assert "<ins>120</ins>" in page


def test_compare_two_revisions_by_reference(
    client: Any, agreement: Agreement, marketing_member: Any
) -> None:
    """r0 against the latest revision shows the edited review date; ?all=1 adds unchanged ones."""
    edited = edit_review_section(agreement, marketing_member, 40)
    client.force_login(marketing_member)

    response = client.get(url("compare", agreement), {"a": "r0", "b": f"r{edited.revision}"})

    text = text_of(response)
    assert "Reporting and review : 1 value changed" in text
    assert "Next review 31 Jan 2026 10 Feb 2026" in text
    assert "2026-02-10" not in text
    assert "MQLs delivered" not in text

    everything = text_of(
        client.get(url("compare", agreement), {"a": "r0", "b": f"r{edited.revision}", "all": "1"})
    )
    assert "MQLs delivered MQLs Marketing 100 MQLs At least Monthly Unchanged" in everything
    assert "Revenue goal 600,000.00 USD 600,000.00 USD" in everything


def test_compare_without_changes_says_so(
    client: Any, agreement: Agreement, marketing_member: Any
) -> None:
    """A single revision compared with itself has no differences."""
    client.force_login(marketing_member)

    response = client.get(url("compare", agreement))

    assert "No differences" in text_of(response)


def test_compare_rejects_unknown_references(
    client: Any, agreement: Agreement, marketing_member: Any, outsider: Any
) -> None:
    """An unknown revision is a form error, not a crash; outsiders get 404."""
    client.force_login(marketing_member)

    response = client.get(url("compare", agreement), {"a": "r99", "b": "v7"})

    assert response.status_code == 200
    assert "Select a valid choice" in text_of(response)
    client.force_login(outsider)
    assert client.get(url("compare", agreement)).status_code == 404


def test_compare_query_count_does_not_grow_with_revisions(
    client: Any, agreement: Agreement, marketing_member: Any, django_assert_num_queries: Any
) -> None:
    """Two revisions or twenty: the comparison page takes the same number of queries."""
    edit_review_section(agreement, marketing_member, 1)
    client.force_login(marketing_member)
    address = url("compare", agreement)
    with django_assert_num_queries(7):
        client.get(address)
    for day in range(2, 21):
        edit_review_section(agreement, marketing_member, day)
    with django_assert_num_queries(7):
        client.get(address)


def test_compare_versions_query_count_is_fixed(
    client: Any, signed: Agreement, marketing_member: Any, django_assert_num_queries: Any
) -> None:
    """Comparing two versions loads each version's rows in a fixed number of queries."""
    amendment = agreement_amend(agreement=signed, actor=marketing_member)
    client.force_login(marketing_member)
    with django_assert_num_queries(23):
        client.get(url("compare", amendment))


# Revisions page.


def test_revisions_page_lists_every_revision(
    client: Any, agreement: Agreement, marketing_member: Any, django_assert_num_queries: Any
) -> None:
    """All revisions are listed newest first in a fixed number of queries; outsiders excluded."""
    client.force_login(marketing_member)
    address = url("revisions", agreement)
    with django_assert_num_queries(4):
        client.get(address)
    for day in range(12):
        edit_review_section(agreement, marketing_member, day)

    with django_assert_num_queries(4):
        response = client.get(address)

    text = text_of(response)
    assert "r12" in text and "r0" in text
    assert text.index("r12") < text.index("r0 ")
