"""Sign-off pages: the panel, review acts, signing, evidence, verification, comparison, lists."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agreements.models import Agreement, AgreementEvent, AgreementSeries, Comment, Kpi, Signature
from agreements.services.agreements import agreement_create, agreement_section_update
from agreements.services.amendments import agreement_amend
from agreements.services.comments import comment_add
from agreements.services.review import agreement_cancel, agreement_withdraw
from agreements.services.signatures import ERROR_BAD_PASSWORD, ERROR_STALE_DIGEST
from agreements.templatetags.signoff_tags import STANDING_LABELS
from teams.models import Team
from tests.agreements.signing import current_digest, sign, sign_both, submit
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

# The agreement page: session, user, the agreement with its seven section relations and its
# signatures, the panels of other apps (the alerts banner's count), the latest revisions, the
# version chain, the comments and the user's team roles. A signed agreement adds only the
# digests its "signed" events record: the content verified is the content already loaded.
DETAIL_DRAFT_QUERIES = 16
DETAIL_SIGNED_QUERIES = 17
# The Verify page: session, user, the agreement, its version chain, then for every signed
# version at once: the versions, their seven section relations, signatures and signed events.
VERIFY_QUERIES = 14


def url(name: str, agreement: Agreement, *args: Any) -> str:
    return reverse(f"agreements:{name}", args=[agreement.pk, *args])


def text_of(response: Any) -> str:
    """The page's visible text, whitespace collapsed (tags dropped)."""
    body = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(body.split())


def fresh(agreement: Agreement) -> Agreement:
    return Agreement.objects.get(pk=agreement.pk)


def queries_for(client: Any, address: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(address)
    assert response.status_code == 200
    return len(captured)


def edit_review_section(agreement: Agreement, actor: Any, day: int) -> Agreement:
    """Save the review section of a draft once: one more revision."""
    current = fresh(agreement)
    return agreement_section_update(
        agreement=current,
        actor=actor,
        section="review",
        base_revision=current.revision,
        fields={
            "report_cadence": "weekly",
            "meeting_cadence": "monthly",
            "next_review": dt.date(2026, 1, 1) + dt.timedelta(days=day),
        },
    )


def kpi_update(agreement: Agreement, actor: Any, rows: list[dict[str, Any]]) -> Agreement:
    current = fresh(agreement)
    return agreement_section_update(
        agreement=current,
        actor=actor,
        section="kpis",
        base_revision=current.revision,
        fields={},
        rows={"kpis": rows},
    )


def kpi_rows(agreement: Agreement) -> list[dict[str, Any]]:
    return [
        dict(row)
        for row in Kpi.objects.filter(agreement=agreement).values(
            "name", "owner", "target", "unit", "direction", "cadence"
        )
    ]


@pytest.fixture
def in_review(agreement: Agreement, marketing_member: Any) -> Agreement:
    return submit(agreement, marketing_member)


@pytest.fixture
def signed(agreement: Agreement, marketing_signatory: Any, sales_signatory: Any) -> Agreement:
    return sign_both(
        agreement, marketing_signatory=marketing_signatory, sales_signatory=sales_signatory
    )


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
    assert url("verify", signed) in page
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
    """An amendment's page links every version in the series and compares with the previous."""
    amendment = agreement_amend(agreement=signed, actor=marketing_member)
    client.force_login(marketing_member)

    response = client.get(amendment.get_absolute_url())

    text = text_of(response)
    page = response.content.decode()
    assert "Version 2 (this one)" in text
    assert signed.get_absolute_url() in page
    assert f"{url('compare', amendment)}?a=v1&amp;b=v2" in page
    assert "Compare with version 1" in text
    # The signed version offers no second amendment.
    assert url("amend", signed) not in client.get(signed.get_absolute_url()).content.decode()


def test_panel_lists_revisions_with_compare_selectors(
    client: Any, agreement: Agreement, marketing_member: Any
) -> None:
    """Each revision is listed with its number, author, section and short digest."""
    edited = edit_review_section(agreement, marketing_member, 3)
    client.force_login(marketing_member)

    page = client.get(agreement.get_absolute_url()).content.decode()

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
        submit(fresh(agreement), marketing_member)
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

    signed = sign_both(
        agreement, marketing_signatory=marketing_signatory, sales_signatory=sales_signatory
    )
    with django_assert_num_queries(DETAIL_SIGNED_QUERIES):
        page = client.get(signed.get_absolute_url())
    assert "Integrity: intact" in text_of(page)


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
    """GET is not allowed, an outsider gets 404, and an agreement in review is not resubmitted."""
    client.force_login(outsider)
    assert client.post(url("submit", agreement)).status_code == 404
    client.force_login(marketing_member)
    assert client.get(url("submit", agreement)).status_code == 405

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


# Signing.


def test_sign_page_shows_title_version_full_digest_and_content(
    client: Any, in_review: Agreement, sales_signatory: Any
) -> None:
    """The page shows what is signed and binds the form to the digest shown."""
    client.force_login(sales_signatory)
    digest = current_digest(in_review)

    response = client.get(url("sign", in_review))

    text = text_of(response)
    page = response.content.decode()
    assert "Q1 pipeline SLA" in text
    assert "Version 1" in text
    assert digest in text
    assert f'name="digest" value="{digest}"' in page
    assert "1. Parties and period" in text
    assert "MQLs delivered" in text
    assert "Demo request" in text
    assert 'name="typed_name"' in page
    assert 'type="password"' in page
    # One team to sign for: no choice to make.
    assert '<select name="team"' not in page


def test_signing_records_the_signature_and_the_second_signs_the_agreement(
    client: Any, in_review: Agreement, marketing_signatory: Any, sales_signatory: Any, password: str
) -> None:
    """Two signatures through the page make the agreement signed, with IP and user agent."""
    for user, name in ((marketing_signatory, "Mark Eting"), (sales_signatory, "sally  seller")):
        client.force_login(user)
        response = client.post(
            url("sign", in_review),
            {
                "team": user.memberships.get().team_id,
                "typed_name": name,
                "password": password,
                "digest": current_digest(in_review),
            },
            HTTP_USER_AGENT="Mozilla/5.0 (test)",
            REMOTE_ADDR="198.51.100.4",
            follow=True,
        )
        assert "Signed for" in text_of(response)

    assert fresh(in_review).status == Agreement.Status.SIGNED
    signature = Signature.objects.get(agreement=in_review, team=in_review.sales_team)
    assert signature.user_agent == "Mozilla/5.0 (test)"
    assert signature.ip_address == "198.51.100.4"
    assert signature.digest == current_digest(in_review)


def test_wrong_password_is_refused_and_keeps_the_typed_name(
    client: Any, in_review: Agreement, sales_signatory: Any
) -> None:
    """A wrong password signs nothing; the name typed stays, the password does not."""
    client.force_login(sales_signatory)

    response = client.post(
        url("sign", in_review),
        {
            "team": in_review.sales_team_id,
            "typed_name": "Sally Seller",
            "password": "not-my-password",
            "digest": current_digest(in_review),
        },
    )

    assert response.status_code == 200
    assert ERROR_BAD_PASSWORD in text_of(response)
    page = response.content.decode()
    assert 'value="Sally Seller"' in page
    assert "not-my-password" not in page
    assert not Signature.objects.filter(agreement=in_review).exists()


def test_name_mismatch_is_refused(
    client: Any, in_review: Agreement, sales_signatory: Any, password: str
) -> None:
    """A typed name other than the account's full name signs nothing and says which is expected."""
    client.force_login(sales_signatory)

    response = client.post(
        url("sign", in_review),
        {
            "team": in_review.sales_team_id,
            "typed_name": "Someone Else",
            "password": password,
            "digest": current_digest(in_review),
        },
    )

    assert "Sally Seller" in text_of(response)
    assert not Signature.objects.filter(agreement=in_review).exists()


def test_stale_digest_is_refused_and_the_page_shows_the_new_digest(
    client: Any,
    in_review: Agreement,
    marketing_member: Any,
    sales_signatory: Any,
    password: str,
) -> None:
    """Content changed after the page was opened: nothing is signed, the new digest is shown."""
    client.force_login(sales_signatory)
    seen = current_digest(in_review)
    agreement_withdraw(agreement=in_review, actor=marketing_member)
    rows = kpi_rows(in_review)
    rows[0]["target"] = Decimal("150.00")
    kpi_update(in_review, marketing_member, rows)
    submit(fresh(in_review), marketing_member)
    new = current_digest(in_review)
    assert new != seen

    response = client.post(
        url("sign", in_review),
        {
            "team": in_review.sales_team_id,
            "typed_name": "Sally Seller",
            "password": password,
            "digest": seen,
        },
    )

    text = text_of(response)
    assert ERROR_STALE_DIGEST in text
    assert new in text
    assert f'name="digest" value="{new}"' in response.content.decode()
    assert 'value="Sally Seller"' in response.content.decode()
    assert not Signature.objects.filter(agreement=in_review).exists()


def test_sign_page_offers_a_team_choice_to_a_signatory_of_both(
    client: Any, in_review: Agreement, marketing_team: Team, sales_team: Team
) -> None:
    """A signatory of both teams chooses the team; a team that signed is no longer offered."""
    both = UserFactory.create(username="bo", first_name="Bo", last_name="Both")
    MembershipFactory(user=both, team=marketing_team, role="signatory")
    MembershipFactory(user=both, team=sales_team, role="signatory")
    client.force_login(both)

    page = client.get(url("sign", in_review)).content.decode()
    assert '<select name="team"' in page
    assert "Growth Marketing" in page and "Mid-Market Sales" in page

    sign(in_review, both, marketing_team)
    page = client.get(url("sign", in_review)).content.decode()
    assert '<select name="team"' not in page
    assert f'name="team" value="{sales_team.pk}"' in page


def test_sign_page_refuses_members_drafts_and_outsiders(
    client: Any,
    agreement: Agreement,
    marketing_member: Any,
    sales_signatory: Any,
    outsider: Any,
    password: str,
) -> None:
    """No form for a draft or for a non-signatory, no signature on POST; outsiders get 404."""
    client.force_login(sales_signatory)
    draft_page = client.get(url("sign", agreement))
    assert "only an agreement in review can be signed" in text_of(draft_page)
    assert 'name="password"' not in draft_page.content.decode()

    submit(agreement, marketing_member)
    client.force_login(marketing_member)
    member_page = client.get(url("sign", agreement))
    assert "There is nothing for you to sign here" in text_of(member_page)
    response = client.post(
        url("sign", agreement),
        {
            "team": agreement.marketing_team_id,
            "typed_name": "Mia",
            "password": password,
            "digest": current_digest(agreement),
        },
        follow=True,
    )
    assert "You cannot sign this agreement now." in text_of(response)
    assert not Signature.objects.exists()

    client.force_login(outsider)
    assert client.get(url("sign", agreement)).status_code == 404


def test_sign_page_query_count_is_fixed(
    client: Any, in_review: Agreement, sales_signatory: Any, django_assert_num_queries: Any
) -> None:
    """The sign page loads the agreement, its rows and signatures in a fixed number of queries."""
    client.force_login(sales_signatory)

    with django_assert_num_queries(12):
        assert client.get(url("sign", in_review)).status_code == 200


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
    sign_both(
        fresh(in_review),
        marketing_signatory=marketing_signatory,
        sales_signatory=sales_signatory,
        submitter=sales_member,
    )
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
        submit(fresh(in_review), sales_member)
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
    amendment = agreement_amend(agreement=signed, actor=marketing_member)
    sign_both(amendment, marketing_signatory=marketing_signatory, sales_signatory=sales_signatory)
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
        amendment = agreement_amend(agreement=latest, actor=marketing_member)
        latest = sign_both(
            amendment, marketing_signatory=marketing_signatory, sales_signatory=sales_signatory
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
    """Version 1 against its amendment: changed, added and removed values are labelled."""
    amendment = agreement_amend(agreement=signed, actor=marketing_member)
    rows = kpi_rows(amendment)
    rows[0]["target"] = Decimal("120.00")
    removed_name = rows.pop(1)["name"]
    rows.append(
        {
            "name": "Pipeline coverage",
            "owner": "sales",
            "target": Decimal("3.00"),
            "unit": "x",
            "direction": "at_least",
            "cadence": "monthly",
        }
    )
    kpi_update(amendment, marketing_member, rows)
    client.force_login(marketing_member)

    response = client.get(url("compare", amendment))

    text = text_of(response)
    assert "Comparing Version 1 (Signed) (left) with Version 2 (Draft) (right)" in text
    assert "MQLs delivered › Target 100.00 120.00 Changed" in text
    assert "Pipeline coverage › Target — 3.00 Added" in text
    assert f"{removed_name} › Target" in text
    assert "Removed" in text
    assert "No changes in this section." in text
    page = response.content.decode()
    assert 'class="diff-changed' in page
    assert 'class="diff-added' in page
    assert 'class="diff-removed' in page
    assert "<del>100.00</del>" in page
    assert "<ins>120.00</ins>" in page


def test_compare_two_revisions_by_reference(
    client: Any, agreement: Agreement, marketing_member: Any
) -> None:
    """r0 against the latest revision shows the edited review date; ?all=1 adds unchanged ones."""
    edited = edit_review_section(agreement, marketing_member, 40)
    client.force_login(marketing_member)

    response = client.get(url("compare", agreement), {"a": "r0", "b": f"r{edited.revision}"})

    text = text_of(response)
    assert "Next review" in text
    assert "2026-02-10" in text
    assert "MQLs delivered › Target" not in text

    everything = text_of(
        client.get(url("compare", agreement), {"a": "r0", "b": f"r{edited.revision}", "all": "1"})
    )
    assert "MQLs delivered › Target 100.00 100.00" in everything


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


# Signed SLAs.


def make_agreement(
    marketing_team: Team,
    sales_team: Team,
    actor: Any,
    *,
    title: str,
    start: dt.date,
    end: dt.date,
    signed: bool = True,
) -> Agreement:
    """A standard agreement, marked signed directly (the list only reads the status)."""
    created = agreement_create(
        actor=actor,
        title=title,
        marketing_team=marketing_team,
        sales_team=sales_team,
        start_date=start,
        end_date=end,
        from_template=True,
    )
    if signed:
        Agreement.objects.filter(pk=created.pk).update(
            status=Agreement.Status.SIGNED, signed_at=timezone.now()
        )
    return fresh(created)


def test_signed_list_shows_only_signed_agreements_with_their_standing(
    client: Any,
    marketing_team: Team,
    sales_team: Team,
    marketing_member: Any,
    agreement: Agreement,
) -> None:
    """Drafts stay off the list; each signed agreement reads in force, expired or scheduled."""
    today = timezone.localdate()
    make_agreement(
        marketing_team,
        sales_team,
        marketing_member,
        title="Current SLA",
        start=today - dt.timedelta(days=10),
        end=today + dt.timedelta(days=80),
    )
    make_agreement(
        marketing_team,
        sales_team,
        marketing_member,
        title="Old SLA",
        start=today - dt.timedelta(days=400),
        end=today - dt.timedelta(days=300),
    )
    make_agreement(
        marketing_team,
        sales_team,
        marketing_member,
        title="Next SLA",
        start=today + dt.timedelta(days=100),
        end=today + dt.timedelta(days=190),
    )
    client.force_login(marketing_member)

    response = client.get(reverse("agreements:signed_list"))

    text = text_of(response)
    assert "Current SLA" in text and "In force" in text
    assert "Old SLA" in text and "Expired" in text
    assert "Next SLA" in text and "Signed, not yet in force" in text
    assert agreement.title not in text
    assert 'href="/agreements/signed/"' in response.content.decode()  # the nav link


def test_signed_list_shows_superseded_versions(
    client: Any,
    signed: Agreement,
    marketing_member: Any,
    marketing_signatory: Any,
    sales_signatory: Any,
) -> None:
    """Once an amendment is signed, the earlier version is listed as superseded."""
    amendment = agreement_amend(agreement=signed, actor=marketing_member)
    sign_both(amendment, marketing_signatory=marketing_signatory, sales_signatory=sales_signatory)
    client.force_login(marketing_member)

    text = text_of(client.get(reverse("agreements:signed_list")))

    assert "Superseded" in text
    assert text.count("Q1 pipeline SLA") == 2


def test_signed_list_filters_by_team_and_overlapping_period(
    client: Any, marketing_team: Team, sales_team: Team, marketing_member: Any
) -> None:
    """A team filter keeps that team's agreements; a period keeps those overlapping it."""
    other_sales = Team.objects.create(name="Partner Sales", side="sales")
    make_agreement(
        marketing_team,
        sales_team,
        marketing_member,
        title="Winter SLA",
        start=dt.date(2026, 1, 1),
        end=dt.date(2026, 3, 31),
    )
    make_agreement(
        marketing_team,
        other_sales,
        marketing_member,
        title="Summer SLA",
        start=dt.date(2026, 6, 1),
        end=dt.date(2026, 8, 31),
    )
    client.force_login(marketing_member)
    address = reverse("agreements:signed_list")

    by_team = text_of(client.get(address, {"team": other_sales.pk}))
    assert "Summer SLA" in by_team and "Winter SLA" not in by_team

    overlapping = text_of(client.get(address, {"period_from": "2026-03-15"}))
    assert "Summer SLA" in overlapping and "Winter SLA" in overlapping

    spring = text_of(client.get(address, {"period_from": "2026-04-01", "period_to": "2026-05-31"}))
    assert "No signed agreement matches these filters." in spring

    early = text_of(client.get(address, {"period_to": "2026-02-01"}))
    assert "Winter SLA" in early and "Summer SLA" not in early

    backwards = client.get(address, {"period_from": "2026-05-01", "period_to": "2026-04-01"})
    assert "must not be before its start" in text_of(backwards)
    assert 'value="2026-05-01"' in backwards.content.decode()


def test_signed_list_is_empty_for_outsiders_and_new_users(
    client: Any, signed: Agreement, outsider: Any
) -> None:
    """Nobody sees a signed agreement of teams they are not in."""
    client.force_login(outsider)

    response = client.get(reverse("agreements:signed_list"))

    assert "No signed agreements yet." in text_of(response)
    assert signed.title not in text_of(response)


def test_signed_list_paginates_by_twenty_with_a_fixed_query_count(
    client: Any,
    marketing_team: Team,
    sales_team: Team,
    marketing_member: Any,
    django_assert_num_queries: Any,
) -> None:
    """One signed agreement or fifty: the same queries; fifty make three pages."""
    last_year = timezone.localdate() - dt.timedelta(days=400)
    make_agreement(
        marketing_team,
        sales_team,
        marketing_member,
        title="SLA 0",
        start=last_year,
        end=last_year + dt.timedelta(days=90),
    )
    client.force_login(marketing_member)
    address = reverse("agreements:signed_list")
    with django_assert_num_queries(5):
        client.get(address)

    # Only the agreement rows matter to the list, so the other 49 are bulk-created.
    series = AgreementSeries.objects.bulk_create([AgreementSeries() for _ in range(49)])
    Agreement.objects.bulk_create(
        Agreement(
            series=item,
            title=f"SLA {number}",
            marketing_team=marketing_team,
            sales_team=sales_team,
            start_date=last_year,
            end_date=last_year + dt.timedelta(days=90),
            owner=marketing_member,
            status=Agreement.Status.SIGNED,
            signed_at=timezone.now(),
        )
        for number, item in enumerate(series, start=1)
    )
    with django_assert_num_queries(5):
        first = client.get(address)

    assert text_of(first).count("Expired") == 20
    assert "Page 1 of 3" in text_of(first)
    last = client.get(address, {"page": 3, "team": marketing_team.pk})
    assert text_of(last).count("Expired") == 10
    assert "Page 3 of 3" in text_of(last)
    assert f"team={marketing_team.pk}&amp;page=2" in last.content.decode()


def test_signed_list_row_opens_a_read_only_page(
    client: Any, signed: Agreement, sales_member: Any
) -> None:
    """The row links the agreement page, which shows signatures, evidence and verification."""
    client.force_login(sales_member)
    listing = client.get(reverse("agreements:signed_list")).content.decode()
    assert f'href="{signed.get_absolute_url()}"' in listing

    page = client.get(signed.get_absolute_url())

    text = text_of(page)
    assert "Signed by Sally Seller" in text
    assert "Integrity: intact" in text
    assert url("evidence", signed) in page.content.decode()
    assert url("section_edit", signed, "kpis") not in page.content.decode()
