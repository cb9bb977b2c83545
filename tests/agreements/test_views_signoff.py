"""The agreement page's sign-off panel and comments: state, signatures, actions, history."""

from __future__ import annotations

from typing import Any

import pytest

from agreements.models import Agreement, Comment, Signature
from agreements.services.amendments import agreement_amend
from agreements.services.comments import comment_add
from agreements.services.review import agreement_cancel, agreement_submit, agreement_withdraw
from agreements.templatetags.signoff_tags import STANDING_LABELS
from tests.agreements.signing import sign
from tests.agreements.signoff_pages import (
    edit_review_section,
    fresh,
    queries_for,
    text_of,
    url,
)
from tests.factories import advance_to

pytestmark = pytest.mark.django_db

# The agreement page: session, user, the agreement with its signatures, the panels of other
# apps (the alerts banner's count), both teams' signatories, the version chain, the comments
# and the user's team roles: DETAIL_CACHED_QUERIES once its sections are in the cache (9, down
# from 17 when every view loaded the rows and recomputed the digest). A draft's review state
# (who sent it back) comes with the agreement (DETAIL_CACHED_DRAFT_QUERIES, 9, down from 16).
# The first view of a content adds its seven section relations; a signed agreement's also the
# events its verdict checks (the chain).
DETAIL_CACHED_QUERIES = 9
DETAIL_CACHED_DRAFT_QUERIES = DETAIL_CACHED_QUERIES
DETAIL_DRAFT_QUERIES = DETAIL_CACHED_DRAFT_QUERIES + 7
DETAIL_SIGNED_QUERIES = DETAIL_CACHED_QUERIES + 7 + 1


# The panel on the agreement page.


def test_draft_panel_offers_submit_and_cancel_but_not_signing(
    client: Any, agreement: Agreement, marketing_member: Any
) -> None:
    """A member sees the draft state, no signatures, and Submit / Cancel only."""
    client.force_login(marketing_member)

    response = client.get(agreement.get_absolute_url())

    text = text_of(response)
    assert "Sign-off" in text
    assert "Draft" in text
    assert "Growth Marketing: Not signed" in text
    assert "Mid-Market Sales: Not signed" in text
    assert url("submit", agreement) in response.content.decode()
    assert url("cancel", agreement) in response.content.decode()
    assert url("sign", agreement) not in response.content.decode()
    assert url("request_changes", agreement) not in response.content.decode()
    assert url("amend", agreement) not in response.content.decode()


def test_in_review_panel_offers_signatory_sign_and_request_changes(
    client: Any, in_review: Agreement, sales_signatory: Any
) -> None:
    """A signatory of a team that has not signed sees Sign, Request changes and Withdraw."""
    client.force_login(sales_signatory)

    page = client.get(in_review.get_absolute_url()).content.decode()

    assert "In review" in page
    assert url("sign", in_review) in page
    assert url("request_changes", in_review) in page
    assert url("withdraw", in_review) in page
    assert url("submit", in_review) not in page


def test_in_review_panel_hides_signing_from_plain_members(
    client: Any, in_review: Agreement, sales_member: Any
) -> None:
    """A plain member may withdraw but neither sign nor request changes."""
    client.force_login(sales_member)

    page = client.get(in_review.get_absolute_url()).content.decode()

    assert url("withdraw", in_review) in page
    assert url("sign", in_review) not in page
    assert url("request_changes", in_review) not in page


def test_panel_hides_sign_once_the_team_has_signed(
    client: Any, in_review: Agreement, marketing_signatory: Any
) -> None:
    """After signing, the team's signature is shown and the signatory is not offered Sign again."""
    sign(in_review, marketing_signatory, in_review.marketing_team)
    client.force_login(marketing_signatory)

    response = client.get(in_review.get_absolute_url())

    assert url("sign", in_review) not in response.content.decode()
    assert "Growth Marketing: Signed by Mark Eting" in text_of(response)
    assert "Mid-Market Sales: Not signed" in text_of(response)


def test_signed_panel_shows_signatures_verification_evidence_and_amend(
    client: Any, signed: Agreement, sales_member: Any
) -> None:
    """A signed agreement shows its standing apart from both signatures, intact, and Amend."""
    client.force_login(sales_member)

    response = client.get(signed.get_absolute_url())

    text = text_of(response)
    assert str(STANDING_LABELS[signed.standing]) in text
    assert "Growth Marketing: Signed by Mark Eting" in text
    assert "Mid-Market Sales: Signed by Sally Seller" in text
    assert "Integrity: intact" in text
    page = response.content.decode()
    assert url("evidence", signed) in page
    # Verification details live on the Evidence tab.
    assert url("verify", signed) in client.get(url("evidence", signed)).content.decode()
    assert url("amend", signed) in page
    assert url("withdraw", signed) not in page


def test_panel_lists_voided_signatures_with_who_and_why(
    client: Any, in_review: Agreement, marketing_signatory: Any, sales_member: Any
) -> None:
    """Withdrawing voids the signature; the panel keeps it on record, marked void, with reason."""
    sign(in_review, marketing_signatory, in_review.marketing_team)
    agreement_withdraw(agreement=in_review, actor=sales_member, reason="Rates are off")
    client.force_login(sales_member)

    text = text_of(client.get(in_review.get_absolute_url()))

    assert "1 voided signature" in text
    assert "Mark Eting for Growth Marketing" in text
    assert "voided by" in text
    assert "Rates are off" in text
    assert "Growth Marketing: Not signed" in text


def test_panel_shows_version_chain_and_compare_with_previous(
    client: Any, signed: Agreement, marketing_member: Any
) -> None:
    """An amendment's History links every version and compares it with the previous one."""
    amendment = agreement_amend(agreement=signed, actor=marketing_member)
    client.force_login(marketing_member)

    response = client.get(url("history", amendment))

    text = text_of(response)
    page = response.content.decode()
    assert "Version 2 (this one)" in text
    assert signed.get_absolute_url() in page
    assert f"{url('compare', amendment)}?a=v1&amp;b=v2" in page
    assert "Compare version 1 with version 2" in text
    assert "Compare with version 1" in text_of(client.get(amendment.get_absolute_url()))
    # The signed version offers no second amendment.
    assert url("amend", signed) not in client.get(signed.get_absolute_url()).content.decode()


def test_panel_lists_revisions_with_compare_selectors(
    client: Any, agreement: Agreement, marketing_member: Any
) -> None:
    """History lists each revision with its number, author, section and short digest."""
    edited = edit_review_section(agreement, marketing_member, 3)
    client.force_login(marketing_member)

    page = client.get(url("history", agreement)).content.decode()

    assert f"r{edited.revision}" in page
    assert "Reporting and review" in page
    assert 'name="a" value="r0"' in page
    assert f'name="b" value="r{edited.revision}"' in page


def test_comments_are_listed_with_resolve_buttons_and_a_form(
    client: Any, agreement: Agreement, marketing_member: Any, sales_member: Any
) -> None:
    """Open comments show their section and a Resolve button; resolved ones fold away."""
    open_comment = comment_add(
        agreement=agreement, actor=sales_member, body="Raise the SQL target.", section="kpis"
    )
    client.force_login(marketing_member)

    response = client.get(agreement.get_absolute_url())

    text = text_of(response)
    assert "Raise the SQL target." in text
    assert "on KPIs" in text
    assert url("comment_resolve", agreement, open_comment.pk) in response.content.decode()
    assert url("comment_add", agreement) in response.content.decode()


def test_agreement_page_query_count_does_not_grow_with_sign_off_data(
    client: Any,
    agreement: Agreement,
    marketing_member: Any,
    marketing_signatory: Any,
    sales_member: Any,
) -> None:
    """Comments, revisions and voided signatures do not add queries to the agreement page."""
    client.force_login(marketing_member)
    address = agreement.get_absolute_url()
    comment_add(agreement=agreement, actor=sales_member, body="First")
    baseline = queries_for(client, address)

    for day in range(5):
        edit_review_section(agreement, marketing_member, day)
    for number in range(20):
        comment_add(agreement=agreement, actor=sales_member, body=f"Note {number}")
    for _ in range(3):
        agreement_submit(agreement=fresh(agreement), actor=marketing_member)
        sign(fresh(agreement), marketing_signatory, agreement.marketing_team)
        agreement_withdraw(agreement=fresh(agreement), actor=marketing_member)

    assert Signature.objects.filter(agreement=agreement).count() == 3
    assert queries_for(client, address) == baseline


def test_agreement_page_query_count_for_a_draft_and_a_signed_agreement(
    client: Any,
    agreement: Agreement,
    marketing_member: Any,
    marketing_signatory: Any,
    sales_signatory: Any,
    django_assert_num_queries: Any,
) -> None:
    """A draft's page and a signed agreement's page, verification included, in pinned queries."""
    client.force_login(marketing_member)
    with django_assert_num_queries(DETAIL_DRAFT_QUERIES):
        draft = client.get(agreement.get_absolute_url())
    assert url("submit", agreement) in draft.content.decode()
    with django_assert_num_queries(DETAIL_CACHED_DRAFT_QUERIES):
        client.get(agreement.get_absolute_url())

    signed = advance_to(
        agreement,
        Agreement.Status.SIGNED,
        marketing_signatory=marketing_signatory,
        sales_signatory=sales_signatory,
    )
    with django_assert_num_queries(DETAIL_SIGNED_QUERIES):
        page = client.get(signed.get_absolute_url())
    assert "Integrity: intact" in text_of(page)
    with django_assert_num_queries(DETAIL_CACHED_QUERIES):
        again = client.get(signed.get_absolute_url())
    assert "Integrity: intact" in text_of(again)


# Comments.


def test_comment_added_on_a_section_appears_on_the_page(
    client: Any, agreement: Agreement, sales_member: Any
) -> None:
    """A comment on one section is added and listed with that section."""
    client.force_login(sales_member)

    response = client.post(
        url("comment_add", agreement),
        {"body": "Demo requests need 1 hour.", "section": "service_levels"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == agreement.get_absolute_url() + "#comments"
    text = text_of(response)
    assert "Comment added." in text
    assert "Demo requests need 1 hour." in text
    assert "on Hand-off service levels" in text


def test_empty_comment_keeps_the_chosen_section(
    client: Any, agreement: Agreement, sales_member: Any
) -> None:
    """A blank comment is a form error; the chosen section stays selected."""
    client.force_login(sales_member)

    response = client.post(url("comment_add", agreement), {"body": "", "section": "kpis"})

    assert response.status_code == 200
    assert "This field is required." in text_of(response)
    assert '<option value="kpis" selected>' in response.content.decode()
    assert not Comment.objects.exists()


def test_comment_on_cancelled_agreement_is_refused_and_kept(
    client: Any, agreement: Agreement, marketing_member: Any, outsider: Any
) -> None:
    """A cancelled agreement takes no comments; the typed comment stays; outsiders get 404."""
    agreement_cancel(agreement=agreement, actor=marketing_member, reason="Dropped")
    client.force_login(marketing_member)

    response = client.post(url("comment_add", agreement), {"body": "Late thought", "section": ""})

    assert "This agreement is cancelled." in text_of(response)
    assert "Late thought" in response.content.decode()
    client.force_login(outsider)
    assert client.post(url("comment_add", agreement), {"body": "x"}).status_code == 404


def test_resolve_comment(
    client: Any, agreement: Agreement, marketing_member: Any, sales_member: Any, outsider: Any
) -> None:
    """A party member resolves; outsiders and other agreements' comments get 404."""
    comment = comment_add(agreement=agreement, actor=sales_member, body="Fix KPI units")
    client.force_login(outsider)
    assert client.post(url("comment_resolve", agreement, comment.pk)).status_code == 404

    client.force_login(marketing_member)
    assert client.get(url("comment_resolve", agreement, comment.pk)).status_code == 405
    response = client.post(url("comment_resolve", agreement, comment.pk), follow=True)

    assert "Comment resolved." in text_of(response)
    assert "1 resolved comment" in text_of(response)
    assert Comment.objects.get(pk=comment.pk).resolved_by == marketing_member
    again = client.post(url("comment_resolve", agreement, comment.pk), follow=True)
    assert "already resolved" in text_of(again)
