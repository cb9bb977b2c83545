"""Who may see, create and edit agreements on the drafting pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from agreements.models import Agreement, AgreementEvent
from agreements.permissions import can_edit, can_view, visible_agreements
from agreements.sections import SECTIONS
from teams.models import Side, Team
from tests.agreements.drafting import (
    FUNNEL_VALUES,
    edit_url,
    preview_url,
    section_payload,
)
from tests.factories import AgreementFactory, advance_to

pytestmark = pytest.mark.django_db

SECTION_KEYS = [section.key for section in SECTIONS]


def detail_url(agreement: Agreement) -> str:
    return reverse("agreements:detail", kwargs={"pk": agreement.pk})


# Outsiders ----------------------------------------------------------------------------------


def test_outsider_gets_404_on_the_detail_page(client, agreement, outsider):
    """A user in neither team cannot tell the agreement exists."""
    client.force_login(outsider)

    assert client.get(detail_url(agreement)).status_code == 404


@pytest.mark.parametrize("section", SECTION_KEYS)
def test_outsider_gets_404_on_every_edit_page(client, agreement, outsider, section):
    """Opening or posting any section as an outsider is 404 and changes nothing."""
    client.force_login(outsider)
    revision = agreement.revision

    assert client.get(edit_url(agreement, section)).status_code == 404
    assert (
        client.post(edit_url(agreement, section), section_payload(agreement, section)).status_code
        == 404
    )
    agreement.refresh_from_db()
    assert agreement.revision == revision


def test_outsider_gets_404_on_the_preview(client, agreement, outsider):
    """The funnel preview of someone else's agreement is 404."""
    client.force_login(outsider)

    assert client.post(preview_url(agreement), FUNNEL_VALUES).status_code == 404


def test_a_missing_agreement_is_the_same_404(client, outsider):
    """A pk that does not exist answers exactly like one the user may not see."""
    client.force_login(outsider)

    assert client.get(reverse("agreements:detail", kwargs={"pk": 999999})).status_code == 404


def test_anonymous_users_are_sent_to_the_login_page(client, agreement):
    """Every drafting page needs a signed-in user."""
    for url in (
        reverse("agreements:list"),
        reverse("agreements:create"),
        detail_url(agreement),
        edit_url(agreement, "kpis"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert client.post(preview_url(agreement), FUNNEL_VALUES).status_code == 302


# Creating -----------------------------------------------------------------------------------


def test_non_member_cannot_create_for_teams_not_theirs(
    client, outsider, marketing_team, sales_team
):
    """Posting the create form for two foreign teams creates nothing."""
    client.force_login(outsider)

    response = client.post(
        reverse("agreements:create"),
        {
            "title": "Sneaky",
            "marketing_team": marketing_team.pk,
            "sales_team": sales_team.pk,
            "start_date": "2026-01-01",
            "end_date": "2026-02-01",
            "start_from": "empty",
        },
    )

    assert response.status_code == 200
    assert not Agreement.objects.filter(title="Sneaky").exists()


def test_outsider_cannot_copy_an_agreement_they_cannot_see(
    client, agreement, outsider, marketing_team
):
    """Naming an invisible agreement as the copy source is refused."""
    outsider_sales = outsider.memberships.get().team
    client.force_login(outsider)

    client.post(
        reverse("agreements:create"),
        {
            "title": "Stolen copy",
            "marketing_team": marketing_team.pk,
            "sales_team": outsider_sales.pk,
            "start_date": "2026-01-01",
            "end_date": "2026-02-01",
            "start_from": "copy",
            "copy_source": agreement.pk,
        },
    )

    assert not Agreement.objects.filter(title="Stolen copy").exists()


# Staff and members --------------------------------------------------------------------------


def test_staff_see_every_agreement(client, agreement, staff_user):
    """Staff find any agreement in the list and on its page, and may edit a draft."""
    client.force_login(staff_user)

    assert "Q1 pipeline SLA" in client.get(reverse("agreements:list")).content.decode()
    assert client.get(detail_url(agreement)).status_code == 200
    assert client.get(edit_url(agreement, "kpis")).status_code == 200
    assert can_view(staff_user, agreement) and can_edit(staff_user, agreement)


@pytest.mark.parametrize("user_fixture", ["marketing_member", "sales_member", "sales_signatory"])
def test_members_of_either_team_edit_a_draft(client, agreement, request, user_fixture):
    """Any member of the marketing or the sales team saves a section of a draft."""
    user = request.getfixturevalue(user_fixture)
    client.force_login(user)

    response = client.post(edit_url(agreement, "review"), section_payload(agreement, "review"))

    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.report_cadence == "biweekly"


@pytest.mark.parametrize("status", ["in_review", "signed", "cancelled"])
@pytest.mark.parametrize("user_fixture", ["marketing_member", "staff_user"])
def test_no_one_edits_an_agreement_that_is_not_a_draft(
    client, agreement, request, status, user_fixture
):
    """Edit pages of a non-draft redirect to the detail page with a message; nothing saves."""
    user = request.getfixturevalue(user_fixture)
    agreement = advance_to(agreement, status)
    client.force_login(user)
    revision = agreement.revision

    opened = client.get(edit_url(agreement, "kpis"))
    posted = client.post(edit_url(agreement, "kpis"), section_payload(agreement, "kpis"))

    assert opened.status_code == 302
    assert opened["Location"] == detail_url(agreement)
    assert posted.status_code == 302
    agreement.refresh_from_db()
    assert agreement.revision == revision
    assert not AgreementEvent.objects.filter(kind=AgreementEvent.Kind.SECTION_EDITED).exists()
    page = client.get(detail_url(agreement)).content.decode()
    assert "only a draft can be edited" in page
    assert edit_url(agreement, "kpis") not in page


def test_a_draft_that_leaves_draft_while_open_is_not_saved(client, agreement, marketing_member):
    """A form opened on a draft cannot save after the agreement went into review."""
    payload = section_payload(agreement, "kpis")
    advance_to(agreement, Agreement.Status.IN_REVIEW)
    client.force_login(marketing_member)

    response = client.post(edit_url(agreement, "kpis"), payload)

    assert response.status_code == 302
    assert agreement.kpis.filter(name="SQLs accepted").count() == 0


def test_a_user_removed_from_the_team_loses_the_agreement(client, agreement, marketing_member):
    """Access follows membership: without it the pages are 404."""
    marketing_member.memberships.all().delete()
    client.force_login(marketing_member)

    assert client.get(detail_url(agreement)).status_code == 404
    assert client.get(edit_url(agreement, "kpis")).status_code == 404


def test_header_edit_cannot_hand_the_agreement_to_teams_the_user_is_not_in(
    client, agreement, marketing_member, outsider
):
    """Moving both parties away from one's own teams is refused on the header form."""
    other_marketing = Team.objects.create(name="Brand Marketing", side=Side.MARKETING)
    outsider_sales = outsider.memberships.get().team
    client.force_login(marketing_member)
    payload = section_payload(agreement, "header")
    payload.update(marketing_team=str(other_marketing.pk), sales_team=str(outsider_sales.pk))

    response = client.post(edit_url(agreement, "header"), payload)

    assert response.status_code == 200
    assert "choose your own marketing or sales team" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.marketing_team_id != other_marketing.pk


# Which agreements a user sees: the team ids by value or by subquery -------------------------


@pytest.mark.parametrize("by_value", [False, True])
def test_visible_agreements_are_the_same_by_value_or_by_subquery(
    agreement, marketing_member, outsider, sales_team, by_value
):
    """Both forms select the agreements of the user's teams, and none for a user without one."""
    AgreementFactory(from_template=False)
    theirs = AgreementFactory(from_template=False, sales_team=sales_team)
    marketing_member.memberships.create(team=sales_team)

    seen = set(visible_agreements(marketing_member, by_value=by_value))

    assert seen == {agreement, theirs}
    assert not visible_agreements(outsider, by_value=by_value).exists()


def test_visible_agreements_name_the_teams_by_value_once_they_are_read(marketing_member):
    """A list reads the ids first and names them; before they are read, a subquery costs none."""
    before = str(visible_agreements(marketing_member).query)
    listed = str(visible_agreements(marketing_member, by_value=True).query)
    after = str(visible_agreements(marketing_member).query)

    assert "membership" in before.lower()
    assert "membership" not in listed.lower()
    assert after == listed
