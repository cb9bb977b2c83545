"""One workspace per agreement (issue 10, points 1-4 and 14's badges): tabs, the line saying who
acts next, a draft sent back, actions by role, the home page and one badge per state."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from agreements.models import Agreement
from agreements.services.amendments import agreement_amend
from agreements.services.review import agreement_request_changes, agreement_submit
from tests.agreements.signing import sign
from tests.agreements.signoff_pages import queries_for, text_of, url
from tests.factories import AgreementFactory, advance_to

pytestmark = pytest.mark.django_db

TAB_LABELS = ["Agreement", "Actuals", "Dashboard", "History", "Evidence"]
# Session, user, the agreement (its review state a subquery), the version chain, the first
# revisions.
HISTORY_QUERIES = 5
# Session, user, roles, drafts, reviews to sign and the open alerts of the user's teams.
HOME_QUERIES = 6
# Session, user, the user's team ids (so the list reads only their agreements through the team
# indexes: agreements.permissions.visible_agreements), count, page of agreements (the review
# state a subquery), and the filter's teams.
LIST_QUERIES = 6


def tabs_of(page: str) -> list[tuple[str, str]]:
    """The workspace tabs in order: (label, "current" | "link" | "disabled")."""
    nav = page.split('data-testid="workspace-tabs"', 1)[1].split("</ul>", 1)[0]
    found = []
    for _tag, attributes, label in re.findall(r"<(a|span) ([^>]*)>([^<]+)</\1>", nav):
        if 'aria-current="page"' in attributes:
            found.append((label, "current"))
        elif 'aria-disabled="true"' in attributes:
            found.append((label, "disabled"))
        else:
            found.append((label, "link"))
    return found


def request_changes(agreement: Agreement, signatory: Any, note: str) -> Agreement:
    return agreement_request_changes(agreement=agreement, actor=signatory, comment=note)


# Point 1: the same tabs on every page of an agreement.


def test_a_draft_shows_every_tab_with_actuals_and_dashboard_disabled_and_why(
    client: Any, agreement: Agreement, marketing_member: Any
) -> None:
    """A draft's tabs: Agreement current; Actuals and Dashboard disabled, the reason shown."""
    client.force_login(marketing_member)

    page = client.get(agreement.get_absolute_url()).content.decode()

    assert tabs_of(page) == [
        ("Agreement", "current"),
        ("Actuals", "disabled"),
        ("Dashboard", "disabled"),
        ("History", "link"),
        ("Evidence", "link"),
    ]
    assert "Actuals start once the SLA is signed." in page
    assert reverse("performance:actuals", args=[agreement.pk]) not in page


@pytest.mark.parametrize(
    ("name", "current"),
    [
        ("agreements:detail", "Agreement"),
        ("agreements:history", "History"),
        ("agreements:revisions", "History"),
        ("agreements:compare", "History"),
        ("agreements:evidence", "Evidence"),
        ("agreements:verify", "Evidence"),
        ("agreements:cancel", "Agreement"),
        ("agreements:comment_add", "Agreement"),
    ],
)
def test_every_agreement_page_carries_the_tabs_with_its_own_marked(
    client: Any, signed: Agreement, sales_member: Any, name: str, current: str
) -> None:
    """A signed agreement's pages link every tab, the page's own marked aria-current."""
    client.force_login(sales_member)

    page = client.get(reverse(name, args=[signed.pk])).content.decode()

    tabs = tabs_of(page)
    assert [label for label, _state in tabs] == TAB_LABELS
    assert [label for label, state in tabs if state == "current"] == [current]
    assert all(state != "disabled" for _label, state in tabs)
    assert reverse("performance:dashboard", args=[signed.pk]) in page
    assert reverse("performance:actuals", args=[signed.pk]) in page


# Point 2: content first, one line above it, history and evidence elsewhere, print.


def test_the_content_comes_first_under_one_line_saying_who_signs_next(
    client: Any,
    in_review: Agreement,
    sales_member: Any,
    marketing_signatory: Any,
    sales_signatory: Any,
) -> None:
    """Above the content: who must sign, by name and team; the sign-off panel comes after it."""
    sign(in_review, marketing_signatory, in_review.marketing_team)
    client.force_login(sales_member)

    response = client.get(in_review.get_absolute_url())

    text = text_of(response)
    page = response.content.decode()
    assert "Waiting for Sally Seller to sign for Mid-Market Sales." in text
    assert page.index('data-testid="next-step"') < page.index('id="section-header"')
    assert page.index('id="section-header"') < page.index('id="signoff"')
    # Revisions, digests and the version chain live in History and Evidence.
    assert 'name="a" value="r0"' not in page
    assert 'data-testid="version-chain"' not in page


def test_print_gives_a_signature_block_with_names_and_blank_lines(
    client: Any,
    in_review: Agreement,
    marketing_member: Any,
    marketing_signatory: Any,
    sales_signatory: Any,
) -> None:
    """The printed page names each team's signatory: a signature given, or lines to fill."""
    sign(in_review, marketing_signatory, in_review.marketing_team)
    client.force_login(marketing_member)

    page = client.get(in_review.get_absolute_url()).content.decode()

    block = page.split('class="signature-block d-none d-print-block"', 1)[1].split("</section>")[0]
    assert "Growth Marketing" in block
    assert "Signed by Mark Eting on" in block
    assert "Mid-Market Sales" in block
    assert "Sally Seller" in block
    assert "Signature: ______" in block
    # The panels, tabs and actions do not print.
    assert 'class="signoff-state mb-4 d-print-none"' in page
    assert 'class="workspace-tabs mb-3 d-print-none"' in page


def test_history_lists_versions_revisions_and_comparisons_in_fixed_queries(
    client: Any, signed: Agreement, marketing_member: Any, django_assert_num_queries: Any
) -> None:
    """The History tab: the version chain, the latest revisions and a comparison per amendment."""
    amendment = agreement_amend(agreement=signed, actor=marketing_member)
    client.force_login(marketing_member)
    address = url("history", amendment)

    queries_for(client, address)
    with django_assert_num_queries(HISTORY_QUERIES):
        response = client.get(address)

    text = text_of(response)
    assert "Version 1" in text
    assert "Version 2 (this one)" in text
    assert "Compare version 1 with version 2" in text
    assert "r0" in text


# Point 3: a draft sent back says so, with its notes at the top, until resubmitted.


def test_a_draft_sent_back_says_who_asked_with_the_notes_at_the_top(
    client: Any, in_review: Agreement, marketing_member: Any, sales_signatory: Any
) -> None:
    """After a request for changes: "Draft — changes requested by …", the note above the content."""
    request_changes(in_review, sales_signatory, "Raise the MQL target to 120.")
    client.force_login(marketing_member)

    page = client.get(in_review.get_absolute_url()).content.decode()

    label = "Draft — changes requested by Sally Seller"
    assert label in page
    notes = page.index('data-testid="changes-requested"')
    assert notes < page.index('id="section-header"')
    assert "Raise the MQL target to 120." in page[notes : page.index('id="section-header"')]
    assert label in client.get(reverse("agreements:list")).content.decode()


def test_resubmitting_clears_the_changes_requested_state(
    client: Any, in_review: Agreement, marketing_member: Any, sales_signatory: Any
) -> None:
    """Once resubmitted the agreement reads "In review" again, on its page and in the list."""
    draft = request_changes(in_review, sales_signatory, "Raise the MQL target to 120.")
    agreement_submit(agreement=draft, actor=marketing_member)
    client.force_login(marketing_member)

    for address in (in_review.get_absolute_url(), reverse("agreements:list")):
        page = client.get(address).content.decode()
        assert "changes requested by" not in page
        assert ">In review<" in page


def test_a_draft_withdrawn_after_changes_were_requested_is_a_plain_draft(
    client: Any, in_review: Agreement, marketing_member: Any, sales_signatory: Any
) -> None:
    """Only the latest review event counts: a later withdrawal is not a request for changes."""
    draft = request_changes(in_review, sales_signatory, "Raise the MQL target to 120.")
    again = agreement_submit(agreement=draft, actor=marketing_member)
    client.force_login(marketing_member)
    client.post(url("withdraw", again), {"reason": "One more fix."})

    page = client.get(reverse("agreements:list")).content.decode()

    assert "changes requested by" not in page
    assert ">Draft<" in page


def test_the_list_shows_the_changes_requested_state_in_fixed_queries(
    client: Any,
    in_review: Agreement,
    marketing_member: Any,
    sales_signatory: Any,
    marketing_team: Any,
    sales_team: Any,
    django_assert_num_queries: Any,
) -> None:
    """The list's review state costs no query per row."""
    request_changes(in_review, sales_signatory, "Raise the MQL target to 120.")
    client.force_login(marketing_member)
    address = reverse("agreements:list")
    small = queries_for(client, address)
    for number in range(5):
        sent_back = advance_to(
            AgreementFactory.create(
                owner=marketing_member,
                title=f"SLA {number}",
                marketing_team=marketing_team,
                sales_team=sales_team,
            ),
            Agreement.Status.IN_REVIEW,
        )
        request_changes(sent_back, sales_signatory, "Again.")

    with django_assert_num_queries(LIST_QUERIES):
        page = client.get(address).content.decode()

    assert small == LIST_QUERIES
    assert page.count("Draft — changes requested by Sally Seller") == 6


# Point 4: each action for who may take it, or disabled with the reason; signatories named.


def test_a_member_who_may_not_sign_sees_sign_disabled_with_who_may(
    client: Any,
    in_review: Agreement,
    sales_member: Any,
    marketing_signatory: Any,
    sales_signatory: Any,
) -> None:
    """The sales member sees Sign and Request changes disabled, naming each team's signatory."""
    client.force_login(sales_member)

    response = client.get(in_review.get_absolute_url())

    page = response.content.decode()
    text = html.unescape(text_of(response))
    assert url("sign", in_review) not in page
    assert url("request_changes", in_review) not in page
    assert re.search(r"<button[^>]*disabled[^>]*>Sign</button>", page)
    assert re.search(r"<button[^>]*disabled[^>]*>Request changes</button>", page)
    assert (
        "Only a team's signatory signs: Mark Eting for Growth Marketing and Sally Seller for "
        "Mid-Market Sales." in text
    )
    assert "Signatories: Mark Eting" in text
    assert "Signatories: Sally Seller" in text


def test_a_signatory_sees_sign_and_request_changes_as_actions(
    client: Any, in_review: Agreement, sales_signatory: Any
) -> None:
    """The team's signatory gets the Sign link and Request changes, with no refusal shown."""
    client.force_login(sales_signatory)

    page = client.get(in_review.get_absolute_url()).content.decode()

    assert url("sign", in_review) in page
    assert url("request_changes", in_review) in page
    assert "signoff-refusal" not in page


def test_a_signatory_who_signed_is_told_so_instead_of_a_sign_button(
    client: Any, in_review: Agreement, sales_signatory: Any
) -> None:
    """After signing, Sign is disabled with the reason: the other team signs next."""
    sign(in_review, sales_signatory, in_review.sales_team)
    client.force_login(sales_signatory)

    text = text_of(client.get(in_review.get_absolute_url()))

    assert "You have signed this version for your team." in text


def test_home_lists_reviews_to_sign_changes_asked_and_drafts(
    client: Any,
    agreement: Agreement,
    marketing_member: Any,
    sales_signatory: Any,
    marketing_team: Any,
    sales_team: Any,
) -> None:
    """Waiting on me: the signatory's reviews to sign; the member's drafts and sent-back ones."""
    review = advance_to(
        AgreementFactory.create(
            owner=marketing_member,
            title="To sign",
            marketing_team=marketing_team,
            sales_team=sales_team,
        ),
        Agreement.Status.IN_REVIEW,
    )
    sent_back = request_changes(
        advance_to(
            AgreementFactory.create(
                owner=marketing_member,
                title="Sent back",
                marketing_team=marketing_team,
                sales_team=sales_team,
            ),
            Agreement.Status.IN_REVIEW,
        ),
        sales_signatory,
        "Fix the KPIs.",
    )
    client.force_login(sales_signatory)
    signer_page = client.get("/").content.decode()
    to_sign = signer_page.split('data-testid="to-sign"', 1)[1].split("</section>")[0]
    assert review.title in to_sign

    client.force_login(marketing_member)
    member_page = client.get("/").content.decode()
    asked = member_page.split('data-testid="changes-asked"', 1)[1].split("</section>")[0]
    drafts = member_page.split('data-testid="drafts"', 1)[1].split("</section>")[0]
    assert sent_back.title in asked
    assert agreement.title in drafts
    assert sent_back.title not in drafts
    assert 'data-testid="to-sign"' not in member_page


def test_home_drops_a_review_once_the_user_has_signed_it(
    client: Any, in_review: Agreement, sales_signatory: Any
) -> None:
    """A review the signatory's team has signed waits on the other team, not on them."""
    sign(in_review, sales_signatory, in_review.sales_team)
    client.force_login(sales_signatory)

    page = client.get("/").content.decode()

    assert 'data-testid="to-sign"' not in page


def test_home_says_when_nothing_waits(client: Any, outsider: Any) -> None:
    """A user with nothing waiting reads that, with a way to the list."""
    client.force_login(outsider)

    response = client.get("/")

    assert 'data-testid="nothing-waits"' in response.content.decode()
    assert "Nothing waits on you" in text_of(response)


def test_home_query_count_is_fixed(
    client: Any,
    in_review: Agreement,
    sales_signatory: Any,
    marketing_member: Any,
    marketing_team: Any,
    sales_team: Any,
    django_assert_num_queries: Any,
) -> None:
    """The home page reads the same number of queries for 1 or 10 agreements waiting."""
    client.force_login(sales_signatory)
    small = queries_for(client, "/")
    for number in range(9):
        advance_to(
            AgreementFactory.create(
                owner=marketing_member,
                title=f"Review {number}",
                marketing_team=marketing_team,
                sales_team=sales_team,
            ),
            Agreement.Status.IN_REVIEW,
        )

    with django_assert_num_queries(HOME_QUERIES):
        page = client.get("/").content.decode()

    assert small == HOME_QUERIES
    assert page.count("Review ") >= 9


# Point 14: one badge per state.


def badges_of(page: str) -> list[tuple[str, str]]:
    """Every state badge: (its colour class, its label)."""
    return re.findall(
        r'class="badge status-badge ([^"]+)" data-testid="agreement-state">([^<]+)<', page
    )


def test_a_signed_agreement_not_yet_in_force_has_one_badge_not_signed_beside_it(
    client: Any,
    marketing_member: Any,
    marketing_team: Any,
    sales_team: Any,
    marketing_signatory: Any,
    sales_signatory: Any,
) -> None:
    """A signed agreement whose period starts later reads "Signed, not yet in force" only."""
    today = timezone.localdate()
    later = advance_to(
        AgreementFactory.create(
            owner=marketing_member,
            title="Next year",
            marketing_team=marketing_team,
            sales_team=sales_team,
            start_date=today + dt.timedelta(days=40),
            end_date=today + dt.timedelta(days=130),
        ),
        Agreement.Status.SIGNED,
        marketing_signatory=marketing_signatory,
        sales_signatory=sales_signatory,
    )
    client.force_login(marketing_member)

    for address in (later.get_absolute_url(), reverse("agreements:list")):
        labels = {label for _colour, label in badges_of(client.get(address).content.decode())}
        assert labels == {"Signed, not yet in force"}


def test_a_superseded_version_is_listed_as_superseded_in_every_list(
    client: Any,
    signed: Agreement,
    marketing_member: Any,
    marketing_signatory: Any,
    sales_signatory: Any,
) -> None:
    """Version 1, superseded by a signed version 2, reads Superseded, never Signed."""
    amendment = agreement_amend(agreement=signed, actor=marketing_member)
    advance_to(
        amendment,
        Agreement.Status.SIGNED,
        marketing_signatory=marketing_signatory,
        sales_signatory=sales_signatory,
    )
    client.force_login(marketing_member)

    for address in (
        reverse("agreements:list"),
        reverse("agreements:signed_list"),
        url("history", amendment),
    ):
        labels = [label for _colour, label in badges_of(client.get(address).content.decode())]
        assert "Superseded" in labels, address
        assert "Signed" not in labels, address


def test_the_same_state_has_the_same_colour_on_every_page(
    client: Any, in_review: Agreement, marketing_member: Any, marketing_team: Any, sales_team: Any
) -> None:
    """Each state label has one colour across the list, the agreement page and history."""
    AgreementFactory.create(
        owner=marketing_member,
        title="A draft",
        marketing_team=marketing_team,
        sales_team=sales_team,
    )
    client.force_login(marketing_member)
    colours: dict[str, set[str]] = {}
    for address in (
        reverse("agreements:list"),
        in_review.get_absolute_url(),
        url("history", in_review),
        url("evidence", in_review),
        "/",
    ):
        for colour, label in badges_of(client.get(address).content.decode()):
            colours.setdefault(label, set()).add(colour)

    assert set(colours) == {"Draft", "In review"}
    assert all(len(found) == 1 for found in colours.values()), colours
    assert colours["Draft"] != colours["In review"]


def test_a_team_without_a_signatory_is_named_as_such_in_the_next_step(
    client: Any, in_review: Agreement, marketing_member: Any
) -> None:
    """With nobody to sign for a team, the line says so rather than waiting on no one."""
    client.force_login(marketing_member)

    text = text_of(client.get(in_review.get_absolute_url()))

    assert "Waiting for a signatory of Growth Marketing (none is named yet" in text
    assert "Signatories: none named yet" in text
