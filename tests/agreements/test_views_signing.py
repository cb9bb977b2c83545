"""The sign page: what it shows, who may sign, and every refusal keeping what was typed."""

from __future__ import annotations

from decimal import Decimal
from html import unescape
from typing import Any

import pytest

from agreements.models import Agreement, Signature
from agreements.services.review import agreement_withdraw
from agreements.services.signatures import (
    ERROR_BAD_PASSWORD,
    ERROR_NO_FULL_NAME,
    ERROR_SAME_SIGNER,
    ERROR_STALE_DIGEST,
)
from teams.models import Team
from tests.agreements.signing import sign
from tests.agreements.signoff_pages import (
    fresh,
    kpi_rows,
    kpi_update,
    text_of,
    url,
)
from tests.factories import MembershipFactory, UserFactory, advance_to, current_digest

pytestmark = pytest.mark.django_db


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
    advance_to(fresh(in_review), Agreement.Status.IN_REVIEW)
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
    """A signatory of both teams chooses the team, once: the other side is someone else's."""
    both = UserFactory.create(username="bo", first_name="Bo", last_name="Both")
    MembershipFactory(user=both, team=marketing_team, role="signatory")
    MembershipFactory(user=both, team=sales_team, role="signatory")
    client.force_login(both)

    page = client.get(url("sign", in_review)).content.decode()
    assert '<select name="team"' in page
    assert "Growth Marketing" in page and "Mid-Market Sales" in page

    sign(in_review, both, marketing_team)
    response = client.get(url("sign", in_review))
    page = response.content.decode()
    assert 'data-testid="sign-refusal"' in page
    assert ERROR_SAME_SIGNER.format(team="Growth Marketing") in unescape(text_of(response))
    assert 'name="password"' not in page


def test_second_signature_by_the_same_person_is_refused_on_the_page(
    client: Any, in_review: Agreement, marketing_team: Team, sales_team: Team, password: str
) -> None:
    """Posting the other side's signature anyway signs nothing and says why."""
    both = UserFactory.create(username="bo", first_name="Bo", last_name="Both")
    MembershipFactory(user=both, team=marketing_team, role="signatory")
    MembershipFactory(user=both, team=sales_team, role="signatory")
    sign(in_review, both, marketing_team)
    client.force_login(both)

    response = client.post(
        url("sign", in_review),
        {
            "team": sales_team.pk,
            "typed_name": "Bo Both",
            "password": password,
            "digest": current_digest(in_review),
        },
    )

    assert ERROR_SAME_SIGNER.format(team="Growth Marketing") in unescape(text_of(response))
    assert not Signature.objects.filter(agreement=in_review, team=sales_team).exists()
    assert fresh(in_review).status == Agreement.Status.IN_REVIEW


def test_sign_page_tells_a_signer_without_a_full_name_before_anything_is_typed(
    client: Any, in_review: Agreement, sales_team: Team
) -> None:
    """No full name on the account: the page says where to get one set and offers no form."""
    nameless = UserFactory.create(username="nameless", first_name="", last_name="")
    MembershipFactory(user=nameless, team=sales_team, role="signatory")
    client.force_login(nameless)

    response = client.get(url("sign", in_review))

    assert ERROR_NO_FULL_NAME in unescape(text_of(response))
    assert 'name="password"' not in response.content.decode()


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

    advance_to(agreement, Agreement.Status.IN_REVIEW)
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
