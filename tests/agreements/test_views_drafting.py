"""The drafting pages: list, create, detail, section editing, conflicts and the funnel preview."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse

from agreements.exchange import content_of
from agreements.forms.drafting.funnel import ERROR_RATE
from agreements.forms.drafting.parties import ERROR_NOT_YOUR_TEAMS
from agreements.forms.drafting.rows import ERROR_DUPLICATE
from agreements.models import Agreement, AgreementEvent, Revision
from agreements.sections import SECTIONS
from agreements.selectors import agreement_load_sections
from agreements.services.agreements import agreement_create
from teams.models import Side, Team
from tests.agreements.drafting import (
    FUNNEL_VALUES,
    add_agreements,
    add_rows,
    edit_url,
    formset_data,
    preview_url,
    queries_of,
    section_payload,
)
from tests.factories import MembershipFactory, advance_to, edit_sections

pytestmark = pytest.mark.django_db

LIST_URL = reverse("agreements:list")
CREATE_URL = reverse("agreements:create")


def detail_url(agreement: Agreement) -> str:
    return reverse("agreements:detail", kwargs={"pk": agreement.pk})


def saved(agreement: Agreement) -> dict[str, Any]:
    return content_of(agreement_load_sections(agreement.pk))


def html(response: Any) -> str:
    return response.content.decode()


def input_value(page: str, name: str) -> str | None:
    """The value of the input called ``name`` in rendered HTML."""
    match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', page)
    if match is None:
        return None
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else ""


@pytest.fixture
def empty_agreement(marketing_team, sales_team, marketing_member) -> Agreement:
    return agreement_create(
        actor=marketing_member,
        title="Empty SLA",
        marketing_team=marketing_team,
        sales_team=sales_team,
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 6, 30),
    )


# List ---------------------------------------------------------------------------------------


def test_list_shows_title_status_parties_and_period(client, agreement, marketing_member):
    """Each row links the title and shows the status badge, both teams and the period."""
    client.force_login(marketing_member)

    page = html(client.get(LIST_URL))

    assert f'href="{detail_url(agreement)}"' in page
    assert "Q1 pipeline SLA" in page
    assert "Draft" in page
    assert "Growth Marketing" in page and "Mid-Market Sales" in page
    assert 'datetime="2026-01-01"' in page and 'datetime="2026-03-31"' in page


def test_list_hides_agreements_of_other_teams(client, agreement, outsider):
    """A user sees only their teams' agreements."""
    client.force_login(outsider)

    page = html(client.get(LIST_URL))

    assert "Q1 pipeline SLA" not in page
    assert 'id="empty-list"' in page


def test_list_filters_by_status(client, agreement, empty_agreement, marketing_member):
    """?status=in_review shows only agreements in review."""
    advance_to(agreement, Agreement.Status.IN_REVIEW)
    client.force_login(marketing_member)

    page = html(client.get(LIST_URL, {"status": "in_review"}))

    assert "Q1 pipeline SLA" in page
    assert "Empty SLA" not in page


def test_list_filters_by_team(client, agreement, marketing_member, marketing_team):
    """?team= shows agreements where that team is either party."""
    other_sales = Team.objects.create(name="SMB Sales", side=Side.SALES)
    MembershipFactory(team=other_sales, user=marketing_member)
    add_agreements(
        1,
        marketing_team=marketing_team,
        sales_team=other_sales,
        owner=marketing_member,
        title="SMB deal",
    )
    client.force_login(marketing_member)

    page = html(client.get(LIST_URL, {"team": other_sales.pk}))

    assert "SMB deal 000" in page
    assert "Q1 pipeline SLA" not in page
    assert f'<option value="{other_sales.pk}" selected>' in page


def test_list_searches_titles(client, agreement, empty_agreement, marketing_member):
    """?q= matches part of the title, ignoring case."""
    client.force_login(marketing_member)

    page = html(client.get(LIST_URL, {"q": "pipeline"}))

    assert "Q1 pipeline SLA" in page
    assert "Empty SLA" not in page


def test_list_paginates_twenty_a_page_keeping_filters(
    client, marketing_member, marketing_team, sales_team
):
    """45 matches make three pages; page links keep the search and status."""
    add_agreements(
        45,
        marketing_team=marketing_team,
        sales_team=sales_team,
        owner=marketing_member,
        title="Paged",
    )
    client.force_login(marketing_member)

    first = html(client.get(LIST_URL, {"q": "paged", "status": "draft"}))
    third = html(client.get(LIST_URL, {"q": "paged", "status": "draft", "page": 3}))

    assert first.count('href="/agreements/') - first.count('href="/agreements/new') >= 20
    assert "Page 1 of 3" in first
    assert 'href="?q=paged&amp;status=draft&amp;page=2"' in first
    assert third.count("Paged 0") == 5
    assert "Page 3 of 3" in third


def test_list_empty_state_offers_to_create(client, marketing_member):
    """With no agreements the page invites the user to create one."""
    client.force_login(marketing_member)

    page = html(client.get(LIST_URL))

    assert 'id="empty-list"' in page
    assert "Create an agreement" in page
    assert f'href="{CREATE_URL}"' in page


def test_list_with_filters_matching_nothing_offers_to_clear_them(
    client, agreement, marketing_member
):
    """A search without matches says so and links back to the unfiltered list."""
    client.force_login(marketing_member)

    page = html(client.get(LIST_URL, {"q": "nothing like this"}))

    assert 'id="empty-filtered"' in page
    assert "Clear the filters" in page


# Create -------------------------------------------------------------------------------------


def create_data(marketing_team, sales_team, **overrides: Any) -> dict[str, Any]:
    return {
        "title": "H1 hand-off SLA",
        "marketing_team": marketing_team.pk,
        "sales_team": sales_team.pk,
        "start_date": "2026-01-01",
        "end_date": "2026-06-30",
        "start_from": "template",
        **overrides,
    }


def test_create_from_the_template_fills_every_section(
    client, marketing_member, marketing_team, sales_team
):
    """The new draft has the standard sections; the user lands on it with a success message."""
    client.force_login(marketing_member)

    response = client.post(
        CREATE_URL, create_data(marketing_team, sales_team), REMOTE_ADDR="198.51.100.4"
    )

    agreement = Agreement.objects.get(title="H1 hand-off SLA")
    assert response.status_code == 302
    assert response["Location"] == detail_url(agreement)
    assert agreement.owner == marketing_member
    assert agreement.kpis.count() == 5
    assert agreement.months == 6
    event = AgreementEvent.objects.get(agreement=agreement)
    assert event.details == {"source": "template"}
    assert event.ip_address == "198.51.100.4"
    followed = html(client.get(response["Location"]))
    assert "Created “H1 hand-off SLA”." in followed


def test_create_empty(client, sales_member, marketing_team, sales_team):
    """An empty draft has no rows and no funnel values; a sales member may create it."""
    client.force_login(sales_member)

    client.post(CREATE_URL, create_data(marketing_team, sales_team, start_from="empty"))

    agreement = Agreement.objects.get(title="H1 hand-off SLA")
    assert agreement.kpis.count() == 0
    assert agreement.revenue_goal is None


def test_create_page_preselects_a_copy_from_the_query(client, agreement, marketing_member):
    """?copy=<pk> opens the form on "copy" with that agreement and its header prefilled."""
    client.force_login(marketing_member)

    page = html(client.get(CREATE_URL, {"copy": agreement.pk}))

    assert re.search(r'value="copy"[^>]*checked', page)
    assert f'<option value="{agreement.pk}" selected>' in page
    assert input_value(page, "title") == "Copy of Q1 pipeline SLA"
    assert input_value(page, "start_date") == "2026-01-01"


def test_create_page_ignores_a_copy_the_user_cannot_see(client, agreement, outsider):
    """?copy= of an invisible agreement prefills nothing and reveals nothing."""
    client.force_login(outsider)

    page = html(client.get(CREATE_URL, {"copy": agreement.pk}))

    assert "Q1 pipeline SLA" not in page


def test_create_a_copy_with_a_new_period(
    client, agreement, sales_member, marketing_team, sales_team
):
    """The copy holds the source's rows under the form's title and period."""
    client.force_login(sales_member)

    response = client.post(
        CREATE_URL,
        create_data(
            marketing_team,
            sales_team,
            title="Q2 pipeline SLA",
            start_date="2026-04-01",
            end_date="2026-06-30",
            start_from="copy",
            copy_source=agreement.pk,
        ),
    )

    copy = Agreement.objects.get(title="Q2 pipeline SLA")
    assert response["Location"] == detail_url(copy)
    assert copy.start_date == dt.date(2026, 4, 1)
    assert [k.name for k in copy.kpis.all()] == [k.name for k in agreement.kpis.all()]
    assert copy.series_id != agreement.series_id
    assert AgreementEvent.objects.get(agreement=copy).details["copied_from"] == agreement.pk


def test_create_for_teams_not_ones_own_shows_an_error_and_creates_nothing(
    client, outsider, marketing_team, sales_team
):
    """A user in neither team sees the reason on the form; no agreement is made."""
    client.force_login(outsider)

    response = client.post(CREATE_URL, create_data(marketing_team, sales_team))

    assert response.status_code == 200
    assert str(ERROR_NOT_YOUR_TEAMS) in html(response)
    assert not Agreement.objects.exists()


def test_invalid_create_keeps_the_input(client, marketing_member, marketing_team, sales_team):
    """An end date before the start re-renders the form with the title kept."""
    client.force_login(marketing_member)

    response = client.post(
        CREATE_URL, create_data(marketing_team, sales_team, end_date="2025-12-31")
    )

    page = html(response)
    assert input_value(page, "title") == "H1 hand-off SLA"
    assert "The end date must be after the start date." in page
    assert not Agreement.objects.exists()


# Detail -------------------------------------------------------------------------------------


def test_detail_shows_every_section_in_registry_order(client, agreement, marketing_member):
    """All sections appear once, in the order of agreements.sections.SECTIONS."""
    client.force_login(marketing_member)

    page = html(client.get(detail_url(agreement)))

    positions = [page.index(f'id="section-{section.key}"') for section in SECTIONS]
    assert positions == sorted(positions)
    for text in (
        "600,000.00 USD",
        'id="plan-customers">30<',
        'id="plan-leads-per-month">500<',
        'id="plan-leads-per-customer">50<',
        "MQLs delivered",
        "Generate and nurture leads",
        "Requested a demo",
        "Monday–Friday: 09:00–17:00",
        "Demo request",
        "not-target-profile",
        "First SLA review meeting",
    ):
        assert text in page, text


def test_detail_links_edit_export_copy_and_print(client, agreement, marketing_member):
    """An editor gets an Edit link per section, plus Export JSON, Copy and Print."""
    client.force_login(marketing_member)

    page = html(client.get(detail_url(agreement)))

    for section in SECTIONS:
        assert f'href="{edit_url(agreement, section.key)}"' in page
    assert f'href="{reverse("agreements:export_json", kwargs={"pk": agreement.pk})}"' in page
    assert f'href="{CREATE_URL}?copy={agreement.pk}"' in page
    assert "data-print" in page
    assert "css/print.css" in page


def test_detail_of_an_empty_agreement_shows_friendly_empty_states(
    client, empty_agreement, marketing_member
):
    """Sections without content say what belongs there; the plan is not shown."""
    client.force_login(marketing_member)

    page = html(client.get(detail_url(empty_agreement)))

    assert page.count('class="empty-section"') == 7
    assert "No KPIs yet" in page
    assert "plan-customers" not in page


def test_detail_notes_an_incomplete_plan(client, agreement, marketing_member):
    """With one funnel input missing the plan is reported incomplete."""
    edit_sections(agreement, marketing_member, {"months": None})
    client.force_login(marketing_member)

    page = html(client.get(detail_url(agreement)))

    assert 'id="plan-incomplete"' in page


def test_detail_marks_overdue_deadlines(client, empty_agreement, marketing_member):
    """An open deadline in the past is marked overdue; a done one is not."""
    empty_agreement.deadlines.create(title="Late", due=dt.date(2020, 1, 1), owner="shared")
    empty_agreement.deadlines.create(
        title="Finished", due=dt.date(2020, 1, 2), owner="shared", done=True
    )
    empty_agreement.deadlines.create(title="Future", due=dt.date(2099, 1, 1), owner="shared")
    client.force_login(marketing_member)

    page = html(client.get(detail_url(empty_agreement)))

    assert page.count("deadline-overdue") == 1
    assert page.count("overdue-badge") == 1
    late_row = page[page.index("deadline-overdue") : page.index("Finished")]
    assert "Late" in late_row


def test_detail_groups_criteria_by_stage(client, agreement, marketing_member):
    """MQL rules and SQL rules are shown as two groups with the threshold."""
    client.force_login(marketing_member)

    page = html(client.get(detail_url(agreement)))

    assert "60 points" in page
    assert (
        page.index("MQL criteria")
        < page.index("Requested a demo")
        < page.index("SQL criteria")
        < page.index("Budget confirmed for this fiscal year")
    )


# Section editing ----------------------------------------------------------------------------

EXPECTED: dict[str, dict[str, Any]] = {
    "header": {
        "title": "FY27 hand-off SLA",
        "period": {"start": "2027-01-01", "end": "2027-12-31"},
    },
    "funnel": {
        "funnel": {
            "currency": "EUR",
            "revenue_goal": "1200000.00",
            "marketing_share_pct": "40.00",
            "average_deal_size": "8000.00",
            "lead_to_mql_pct": "15.00",
            "mql_to_sql_pct": "30.00",
            "sql_to_won_pct": "20.00",
            "months": 6,
            "plan": {
                "customers": 60,
                "sqls": 300,
                "mqls": 1000,
                "leads": 6667,
                "leads_per_customer": "111.12",
                "per_month": {"customers": 10, "sqls": 50, "mqls": 167, "leads": 1112},
            },
        }
    },
    "kpis": {
        "kpis": [
            {
                "name": "SQLs accepted",
                "measure": "manual",
                "owner": "sales",
                "target": "45.00",
                "unit": "SQLs",
                "direction": "at_least",
                "cadence": "weekly",
            },
            {
                "name": "Lead rejection rate",
                "measure": "manual",
                "owner": "shared",
                "target": "15.50",
                "unit": "%",
                "direction": "at_most",
                "cadence": "monthly",
            },
        ]
    },
    "responsibilities": {
        "responsibilities": [
            {
                "owner": "marketing",
                "activity": "Score leads",
                "description": "Apply the agreed model.",
                "commitment": "Every lead scored within an hour.",
            }
        ]
    },
    "criteria": {
        "criteria": {
            "mql_score_threshold": 70,
            "rules": [
                {"stage": "MQL", "category": "fit", "rule": "Target industry", "points": 20},
                {"stage": "SQL", "category": "bant", "rule": "Budget confirmed", "points": 0},
            ],
        }
    },
    "service_levels": {
        "service_levels": {
            "calendar": {
                "timezone": "Europe/Berlin",
                "workdays": [1, 2, 3, 4],
                "day_start": "08:30",
                "day_end": "16:30",
                "holidays": ["2026-01-01", "2026-12-25"],
            },
            "lead_types": [
                {
                    "lead_type": "Trial sign-up",
                    "first_response_hours": "2.50",
                    "min_attempts": 5,
                    "attempt_window_days": 7,
                    "escalation": "Rep, then team lead",
                }
            ],
        }
    },
    "rejection_reasons": {
        "rejection_reasons": [
            {"code": "wrong-region", "label": "Outside our regions", "next_step": "disqualify"},
            {"code": "too-early", "label": "Too early", "next_step": "nurture"},
        ]
    },
    "deadlines": {
        "deadlines": [{"title": "Kick-off", "due": "2026-02-01", "owner": "shared", "done": True}]
    },
    "review": {
        "review": {
            "report_cadence": "biweekly",
            "meeting_cadence": "quarterly",
            "next_review": "2026-06-30",
        }
    },
}


@pytest.mark.parametrize("section", [section.key for section in SECTIONS])
def test_section_edit_round_trip(client, agreement, sales_member, section):
    """A valid POST saves the section, writes a revision and an event, and shows the detail."""
    client.force_login(sales_member)
    before = saved(agreement)
    revision = agreement.revision

    response = client.post(
        edit_url(agreement, section),
        section_payload(agreement, section),
        REMOTE_ADDR="203.0.113.9",
    )

    assert response.status_code == 302
    assert response["Location"] == f"{detail_url(agreement)}#section-{section}"
    after = saved(agreement)
    for key, value in EXPECTED[section].items():
        assert after[key] == value
    untouched = {key for key in before if key not in EXPECTED[section] and key != "funnel"}
    assert {key: after[key] for key in untouched} == {key: before[key] for key in untouched}
    agreement.refresh_from_db()
    assert agreement.revision == revision + 1
    assert Revision.objects.filter(agreement=agreement, number=revision + 1, section=section)
    event = AgreementEvent.objects.filter(agreement=agreement).latest("pk")
    assert event.kind == AgreementEvent.Kind.SECTION_EDITED
    assert event.actor == sales_member
    assert event.details["section"] == section
    assert event.ip_address == "203.0.113.9"


@pytest.mark.parametrize("section", [section.key for section in SECTIONS])
def test_section_edit_page_shows_saved_values_and_the_opening_revision(
    client, agreement, marketing_member, section
):
    """Each edit page renders with labels, the saved values and a hidden base_revision."""
    client.force_login(marketing_member)

    response = client.get(edit_url(agreement, section))

    page = html(response)
    assert response.status_code == 200
    assert input_value(page, "base_revision") == str(agreement.revision)
    assert "autofocus" in page
    assert "<label" in page
    assert '<button type="submit" name="save"' in page


def test_edit_pages_show_the_saved_rows(client, agreement, marketing_member):
    """The KPI page lists each saved KPI plus one blank row."""
    client.force_login(marketing_member)

    page = html(client.get(edit_url(agreement, "kpis")))

    assert input_value(page, "kpis-0-name") == "MQLs delivered"
    assert input_value(page, "kpis-5-name") == ""
    assert input_value(page, "kpis-TOTAL_FORMS") == "6"


def test_service_levels_page_offers_a_time_zone_select_and_hours_per_weekday(
    client, agreement, marketing_member
):
    """The time zone is a select of known zones, UTC first, the saved one selected; each
    weekday has a labelled input of its working hours."""
    client.force_login(marketing_member)
    agreement.timezone = "America/New_York"
    agreement.save()

    page = html(client.get(edit_url(agreement, "service_levels")))

    assert '<select name="timezone"' in page
    assert '<option value="America/New_York" selected>' in page
    assert '<optgroup label="Europe">' in page
    assert page.index('<option value="UTC"') < page.index('<option value="Africa/Abidjan"')
    for day in range(1, 8):
        assert f'name="hours_{day}"' in page
    assert input_value(page, "hours_1") == "09:00–17:00"
    assert input_value(page, "hours_6") == ""
    assert "Sunday" in page


def test_an_invalid_post_keeps_every_value_and_saves_nothing(client, agreement, marketing_member):
    """A duplicate KPI name re-renders all rows with the error beside the repeat."""
    client.force_login(marketing_member)
    before = saved(agreement)
    data = section_payload(agreement, "kpis")
    data["kpis-1-name"] = "SQLs accepted"

    response = client.post(edit_url(agreement, "kpis"), data)

    page = html(response)
    assert response.status_code == 200
    assert input_value(page, "kpis-0-name") == "SQLs accepted"
    assert input_value(page, "kpis-1-name") == "SQLs accepted"
    assert input_value(page, "kpis-1-target") == "15.5"
    first_row = page[page.index('id="kpis-row-0"') : page.index('id="kpis-row-1"')]
    second_row = page[page.index('id="kpis-row-1"') :]
    assert "appears more than once" not in first_row
    assert str(ERROR_DUPLICATE % {"value": "SQLs accepted"}) in second_row
    assert saved(agreement) == before
    assert not AgreementEvent.objects.filter(kind=AgreementEvent.Kind.SECTION_EDITED).exists()


def test_an_invalid_field_beside_valid_rows_saves_nothing(client, agreement, marketing_member):
    """An invalid working-day end blocks the holiday and lead-type rows too."""
    client.force_login(marketing_member)
    before = saved(agreement)
    data = section_payload(agreement, "service_levels")
    data["hours_2"] = "09:00–07:00"

    response = client.post(edit_url(agreement, "service_levels"), data)

    page = html(response)
    assert "Each working interval must end after it starts: 09:00–07:00." in page
    assert input_value(page, "hours_2") == "09:00–07:00"
    assert input_value(page, "holidays-0-date") == "2026-12-25"
    assert input_value(page, "service_levels-0-lead_type") == "Trial sign-up"
    assert saved(agreement) == before


def test_an_invalid_post_puts_the_focus_on_the_first_error(client, agreement, marketing_member):
    """After a failed save the first field with an error has the autofocus, and only it."""
    client.force_login(marketing_member)
    data = section_payload(agreement, "kpis")
    data["kpis-1-target"] = "-3"

    page = html(client.post(edit_url(agreement, "kpis"), data))

    assert page.count("autofocus") == 1
    assert re.search(r'<input[^>]*name="kpis-1-target"[^>]*autofocus', page)


def test_add_row_adds_a_blank_row_and_keeps_the_input(client, agreement, marketing_member):
    """ "Add a KPI" re-renders with the typed rows, one more blank row, no errors, no save."""
    client.force_login(marketing_member)
    before = saved(agreement)
    data = section_payload(agreement, "kpis")
    data["kpis-1-target"] = "not a number"
    data["add_row"] = "kpis"

    response = client.post(edit_url(agreement, "kpis"), data)

    page = html(response)
    assert response.status_code == 200
    assert input_value(page, "kpis-TOTAL_FORMS") == "3"
    assert input_value(page, "kpis-1-target") == "not a number"
    assert input_value(page, "kpis-2-name") == ""
    assert "invalid-feedback" not in page
    assert saved(agreement) == before


def test_removing_a_row_deletes_it(client, agreement, marketing_member):
    """A row marked Remove is gone after saving."""
    client.force_login(marketing_member)
    data = section_payload(agreement, "kpis")
    data["kpis-0-DELETE"] = "on"

    client.post(edit_url(agreement, "kpis"), data)

    assert [kpi["name"] for kpi in saved(agreement)["kpis"]] == ["Lead rejection rate"]


def test_an_unknown_section_is_404(client, agreement, marketing_member):
    """Only the registry's sections have edit pages."""
    client.force_login(marketing_member)

    assert client.get(edit_url(agreement, "signatures")).status_code == 404


def test_a_service_validation_error_is_shown_on_the_form(
    client, agreement, marketing_member, monkeypatch
):
    """A rule only the service knows is shown beside its field, with the input kept."""

    def refuse(**kwargs: Any) -> None:
        raise ValidationError({"next_review": ["Review before the agreement ends."]})

    monkeypatch.setattr("agreements.views.drafting.agreement_section_update", refuse)
    client.force_login(marketing_member)

    response = client.post(edit_url(agreement, "review"), section_payload(agreement, "review"))

    page = html(response)
    assert "Review before the agreement ends." in page
    assert input_value(page, "next_review") == "2026-06-30"


# Conflicts ----------------------------------------------------------------------------------


def test_a_second_save_of_the_same_section_shows_both_versions(
    client, agreement, marketing_member, sales_member
):
    """Two users open the KPIs; the later save gets a 409 page with both versions, none lost."""
    opened_at = agreement.revision
    first = section_payload(agreement, "kpis")
    second = section_payload(agreement, "kpis")
    second["kpis-0-name"] = "Pipeline velocity"
    client.force_login(marketing_member)
    assert client.post(edit_url(agreement, "kpis"), first).status_code == 302
    client.force_login(sales_member)

    response = client.post(edit_url(agreement, "kpis"), second)

    page = html(response)
    assert response.status_code == 409
    assert 'id="edit-conflict"' in page
    saved_side = page[page.index('id="conflict-saved"') : page.index("Your version")]
    assert "SQLs accepted" in saved_side
    assert "Pipeline velocity" not in saved_side
    assert input_value(page, "kpis-0-name") == "Pipeline velocity"
    assert input_value(page, "base_revision") == str(opened_at + 1)
    assert saved(agreement)["kpis"][0]["name"] == "SQLs accepted"

    resubmitted = dict(second, base_revision=str(opened_at + 1))
    assert client.post(edit_url(agreement, "kpis"), resubmitted).status_code == 302
    assert saved(agreement)["kpis"][0]["name"] == "Pipeline velocity"


def test_a_conflict_on_the_funnel_shows_both_plans(
    client, agreement, marketing_member, sales_member
):
    """The saved side shows the saved plan, the form side the plan of the user's input."""
    stale = section_payload(agreement, "funnel")
    client.force_login(marketing_member)
    client.post(edit_url(agreement, "funnel"), dict(stale, revenue_goal="2400000"))
    client.force_login(sales_member)

    response = client.post(edit_url(agreement, "funnel"), stale)

    page = html(response)
    assert response.status_code == 409
    assert 'id="saved-plan-customers">120<' in page
    assert 'id="plan-customers">60<' in page


def test_saving_another_section_in_between_is_no_conflict(
    client, agreement, marketing_member, sales_member
):
    """A form opened before someone saved a different section still saves."""
    kpis = section_payload(agreement, "kpis")
    client.force_login(marketing_member)
    assert (
        client.post(edit_url(agreement, "review"), section_payload(agreement, "review")).status_code
        == 302
    )
    client.force_login(sales_member)

    response = client.post(edit_url(agreement, "kpis"), kpis)

    assert response.status_code == 302
    after = saved(agreement)
    assert after["kpis"][0]["name"] == "SQLs accepted"
    assert after["review"]["report_cadence"] == "biweekly"


# Funnel -------------------------------------------------------------------------------------


def test_funnel_inputs_post_to_the_preview_as_the_user_types(client, agreement, marketing_member):
    """Every funnel input carries htmx attributes aimed at the live plan region."""
    client.force_login(marketing_member)

    page = html(client.get(edit_url(agreement, "funnel")))

    assert page.count(f'hx-post="{preview_url(agreement)}"') == 8
    assert 'hx-trigger="input changed delay:300ms"' in page
    assert 'hx-target="#funnel-plan"' in page
    assert '<div id="funnel-plan" aria-live="polite">' in page
    assert 'id="plan-customers">30<' in page


def test_preview_renders_only_the_plan_and_saves_nothing(client, agreement, marketing_member):
    """The preview answers with the plan partial for the typed values; nothing is written."""
    client.force_login(marketing_member)
    before = saved(agreement)
    events = AgreementEvent.objects.count()

    response = client.post(
        preview_url(agreement), dict(FUNNEL_VALUES, base_revision="0"), HTTP_HX_REQUEST="true"
    )

    page = html(response)
    assert response.status_code == 200
    assert "<html" not in page
    assert 'id="plan-customers">60<' in page
    assert 'id="plan-leads">6,667<' in page
    assert 'id="plan-leads-per-month">1,112<' in page
    assert 'id="plan-leads-per-customer">111.12<' in page
    assert saved(agreement) == before
    assert AgreementEvent.objects.count() == events


def test_preview_uses_exact_decimals(client, agreement, marketing_member):
    """A 1.1% share of $300,000 at $100 a deal previews 33 customers, never the float's 34."""
    client.force_login(marketing_member)

    page = html(
        client.post(
            preview_url(agreement),
            dict(
                FUNNEL_VALUES,
                revenue_goal="300000",
                marketing_share_pct="1.1",
                average_deal_size="100",
            ),
        )
    )

    assert 'id="plan-customers">33<' in page


def test_preview_of_incomplete_input_says_the_plan_is_incomplete(
    client, agreement, marketing_member
):
    """An empty or invalid input yields the incomplete note, not a guess."""
    client.force_login(marketing_member)

    empty = html(client.post(preview_url(agreement), dict(FUNNEL_VALUES, months="")))
    invalid = html(client.post(preview_url(agreement), dict(FUNNEL_VALUES, sql_to_won_pct="0")))

    assert 'id="plan-incomplete"' in empty
    assert 'id="plan-incomplete"' in invalid


def test_preview_is_post_only(client, agreement, marketing_member):
    """A GET of the preview is refused."""
    client.force_login(marketing_member)

    assert client.get(preview_url(agreement)).status_code == 405


def test_invalid_funnel_submit_shows_the_plan_of_the_valid_values(
    client, agreement, marketing_member
):
    """A bad currency keeps the form, shows its error and the plan of the typed numbers."""
    client.force_login(marketing_member)

    response = client.post(
        edit_url(agreement, "funnel"),
        dict(section_payload(agreement, "funnel"), currency="EURO"),
    )

    page = html(response)
    assert "three-letter currency code" in page
    assert 'id="plan-customers">60<' in page
    assert saved(agreement)["funnel"]["currency"] == "USD"


def test_invalid_rate_on_submit_shows_the_error_and_no_plan(client, agreement, marketing_member):
    """A rate of 0 is shown beside the rate and the plan is reported incomplete."""
    client.force_login(marketing_member)

    response = client.post(
        edit_url(agreement, "funnel"),
        dict(section_payload(agreement, "funnel"), lead_to_mql_pct="0"),
    )

    page = html(response)
    assert str(ERROR_RATE) in page
    assert 'id="plan-incomplete"' in page
    assert input_value(page, "lead_to_mql_pct") == "0"


def test_recompute_shows_the_new_plan_without_saving(client, agreement, marketing_member):
    """Without JavaScript, "Recompute the plan" shows the typed values' plan and saves nothing."""
    client.force_login(marketing_member)
    before = saved(agreement)

    response = client.post(
        edit_url(agreement, "funnel"),
        dict(section_payload(agreement, "funnel"), recompute=""),
    )

    assert response.status_code == 200
    assert 'id="plan-customers">60<' in html(response)
    assert saved(agreement) == before


# Query counts -------------------------------------------------------------------------------

# Session, user, then the page's own reads; the same for 1 and 50 rows, 1 and 200 agreements.
# The list reads the user's team ids first, to name them by value (visible_agreements).
LIST_QUERIES = 6
CREATE_QUERIES = 7
# The detail page reads its seven section relations only when its cache holds no rendering of
# this revision (agreements.views.section_bodies): 16 then, 9 after (16 on every view before
# the cache; a draft's review state is read with the agreement, selectors.agreement_for_page).
DETAIL_QUERIES = 16
DETAIL_CACHED_QUERIES = 9
PREVIEW_QUERIES = 3
SECTION_QUERIES = {
    "header": 6,
    "funnel": 4,
    "kpis": 5,
    "responsibilities": 5,
    "criteria": 5,
    "service_levels": 6,
    "rejection_reasons": 5,
    "deadlines": 5,
    "review": 4,
}


@pytest.fixture
def small_world(client, empty_agreement, marketing_member):
    """One agreement with one row in every relation; the member logged in."""
    add_rows(empty_agreement, 1)
    client.force_login(marketing_member)
    return empty_agreement


def grow(agreement: Agreement, user: Any) -> None:
    """From 1 to 50 rows per relation, and from 1 to 200 agreements for the user."""
    add_rows(agreement, 49, start=1)
    add_agreements(
        199,
        marketing_team=agreement.marketing_team,
        sales_team=agreement.sales_team,
        owner=user,
    )


def assert_constant(
    client, small_world, marketing_member, django_assert_num_queries, request, pinned: int
) -> None:
    small = queries_of(request)
    grow(small_world, marketing_member)
    large = queries_of(request)
    assert small == large
    with django_assert_num_queries(pinned):
        request()


def test_list_query_count_is_constant(
    client, small_world, marketing_member, django_assert_num_queries
):
    """The list page makes LIST_QUERIES queries for 1 or 200 agreements."""
    assert_constant(
        client,
        small_world,
        marketing_member,
        django_assert_num_queries,
        lambda: client.get(LIST_URL),
        LIST_QUERIES,
    )


def test_create_page_query_count_is_constant(
    client, small_world, marketing_member, django_assert_num_queries
):
    """The create page makes CREATE_QUERIES queries however many agreements can be copied."""
    assert_constant(
        client,
        small_world,
        marketing_member,
        django_assert_num_queries,
        lambda: client.get(CREATE_URL, {"copy": small_world.pk}),
        CREATE_QUERIES,
    )


def test_detail_query_count_is_constant(
    client, small_world, marketing_member, django_assert_num_queries
):
    """The detail page makes DETAIL_QUERIES queries for 1 or 50 rows per section, rendering
    them, and DETAIL_CACHED_QUERIES once they are in the cache."""

    def uncached() -> Any:
        # The rows grow behind the services' back (no new revision): start from an empty cache.
        cache.clear()
        return client.get(detail_url(small_world))

    assert_constant(
        client,
        small_world,
        marketing_member,
        django_assert_num_queries,
        uncached,
        DETAIL_QUERIES,
    )
    with django_assert_num_queries(DETAIL_CACHED_QUERIES):
        client.get(detail_url(small_world))


@pytest.mark.parametrize("section", [section.key for section in SECTIONS])
def test_section_edit_query_count_is_constant(
    client, small_world, marketing_member, django_assert_num_queries, section
):
    """Each edit page makes a fixed number of queries for 1 or 50 rows."""
    assert_constant(
        client,
        small_world,
        marketing_member,
        django_assert_num_queries,
        lambda: client.get(edit_url(small_world, section)),
        SECTION_QUERIES[section],
    )


def test_preview_query_count_is_constant(
    client, small_world, marketing_member, django_assert_num_queries
):
    """The funnel preview makes PREVIEW_QUERIES queries."""
    assert_constant(
        client,
        small_world,
        marketing_member,
        django_assert_num_queries,
        lambda: client.post(preview_url(small_world), FUNNEL_VALUES),
        PREVIEW_QUERIES,
    )


def test_invalid_section_post_query_count_is_constant(
    client, small_world, marketing_member, django_assert_num_queries
):
    """Re-rendering an invalid KPI formset costs the same for 2 or 51 posted rows."""

    def post(rows: int) -> Any:
        data = {"base_revision": "0"}
        data.update(
            formset_data(
                "kpis",
                [
                    {
                        "name": f"K{n}",
                        "owner": "sales",
                        "target": "-1",
                        "direction": "at_least",
                        "cadence": "monthly",
                    }
                    for n in range(rows)
                ],
            )
        )
        return client.post(edit_url(small_world, "kpis"), data)

    assert queries_of(lambda: post(2)) == queries_of(lambda: post(51))
