"""Every drafting form states the database's rules as clear messages beside the field."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from agreements.forms.drafting.calendar import ERROR_INTERVAL, CalendarForm
from agreements.forms.drafting.criteria import ERROR_THRESHOLD, CriteriaForm
from agreements.forms.drafting.editor import section_editor
from agreements.forms.drafting.funnel import (
    ERROR_CURRENCY,
    ERROR_DEAL_SIZE,
    ERROR_MONTHS,
    ERROR_NOT_NEGATIVE,
    ERROR_RATE,
    FunnelForm,
)
from agreements.forms.drafting.listing import AgreementFilterForm
from agreements.forms.drafting.parties import (
    ERROR_COPY_SOURCE,
    ERROR_NOT_YOUR_TEAMS,
    AgreementCreateForm,
    HeaderForm,
)
from agreements.forms.drafting.review import ReviewForm
from agreements.forms.drafting.rows import (
    ERROR_ATTEMPTS,
    ERROR_DUPLICATE,
    ERROR_FIRST_RESPONSE,
    ERROR_SLUG,
    ERROR_TARGET,
    ERROR_WINDOW,
    DeadlineFormSet,
    HolidayFormSet,
    KpiFormSet,
    LeadTypeFormSet,
    QualificationRuleFormSet,
    RejectionReasonFormSet,
    ResponsibilityFormSet,
)
from agreements.models import Agreement
from agreements.models.agreement import (
    ERROR_END_BEFORE_START,
    ERROR_NO_WORKDAY,
)
from agreements.working_hours import ERROR_HOURS_ORDER, ERROR_HOURS_OVERLAP, ERROR_HOURS_TIME
from teams.models import Side, Team
from tests.agreements.drafting import FUNNEL_VALUES, formset_data

pytestmark = pytest.mark.django_db


def funnel_form(agreement: Agreement, user: Any, **overrides: str) -> FunnelForm:
    data = {"base_revision": str(agreement.revision), **FUNNEL_VALUES, **overrides}
    return FunnelForm(data, agreement=agreement, user=user)


def create_form(user: Any, marketing: Team, sales: Team, **overrides: Any) -> AgreementCreateForm:
    data = {
        "title": "New SLA",
        "marketing_team": str(marketing.pk),
        "sales_team": str(sales.pk),
        "start_date": "2026-01-01",
        "end_date": "2026-06-30",
        "start_from": "template",
        **overrides,
    }
    return AgreementCreateForm(data, user=user)


# Funnel -----------------------------------------------------------------------------------


def test_funnel_form_accepts_valid_inputs(agreement, marketing_member):
    """Valid funnel inputs clean to decimals, the currency upper-cased."""
    form = funnel_form(agreement, marketing_member, currency="eur")

    assert form.is_valid(), form.errors
    assert form.cleaned_data["currency"] == "EUR"
    assert str(form.cleaned_data["marketing_share_pct"]) == "40"


@pytest.mark.parametrize(
    "field", ["marketing_share_pct", "lead_to_mql_pct", "mql_to_sql_pct", "sql_to_won_pct"]
)
@pytest.mark.parametrize("value", ["0", "-5", "100.01", "250"])
def test_rates_outside_zero_to_hundred_are_refused_beside_the_field(
    agreement, marketing_member, field, value
):
    """A rate of 0 or less, or above 100, is an error on that rate."""
    form = funnel_form(agreement, marketing_member, **{field: value})

    assert not form.is_valid()
    assert form.errors[field] == [str(ERROR_RATE)]


def test_range_messages_name_the_model_bounds():
    """The messages are built from the model's bounds and read as they always have."""
    assert str(ERROR_RATE) == "Enter a rate above 0 and at most 100."
    assert str(ERROR_MONTHS) == "The plan covers 1 to 120 months."


@pytest.mark.parametrize("value", ["0.01", "100"])
def test_rates_at_the_edges_are_accepted(agreement, marketing_member, value):
    """0.01% and 100% are valid rates."""
    assert funnel_form(agreement, marketing_member, sql_to_won_pct=value).is_valid()


def test_negative_revenue_goal_is_refused(agreement, marketing_member):
    """The revenue goal may be 0 but not negative."""
    negative = funnel_form(agreement, marketing_member, revenue_goal="-1")

    assert not negative.is_valid()
    assert negative.errors["revenue_goal"] == [str(ERROR_NOT_NEGATIVE)]
    assert funnel_form(agreement, marketing_member, revenue_goal="0").is_valid()


@pytest.mark.parametrize("value", ["0", "-100"])
def test_deal_size_must_be_positive(agreement, marketing_member, value):
    """An average deal size of 0 or less is an error on that field."""
    form = funnel_form(agreement, marketing_member, average_deal_size=value)

    assert not form.is_valid()
    assert form.errors["average_deal_size"] == [str(ERROR_DEAL_SIZE)]


@pytest.mark.parametrize("value", ["0", "121", "-3"])
def test_months_outside_one_to_120_are_refused(agreement, marketing_member, value):
    """The plan covers 1 to 120 months."""
    form = funnel_form(agreement, marketing_member, months=value)

    assert not form.is_valid()
    assert form.errors["months"] == [str(ERROR_MONTHS)]


@pytest.mark.parametrize("value", ["1", "120"])
def test_months_at_the_edges_are_accepted(agreement, marketing_member, value):
    """1 and 120 months are valid."""
    assert funnel_form(agreement, marketing_member, months=value).is_valid()


@pytest.mark.parametrize("value", ["US", "EURO", "E1R", ""])
def test_currency_must_be_three_letters(agreement, marketing_member, value):
    """A currency is a three-letter code."""
    form = funnel_form(agreement, marketing_member, currency=value)

    assert not form.is_valid()
    assert "currency" in form.errors
    if value:
        assert form.errors["currency"] == [str(ERROR_CURRENCY)]


def test_funnel_inputs_may_be_left_empty(agreement, marketing_member):
    """An incomplete funnel is valid: the plan simply is not computed yet."""
    form = funnel_form(agreement, marketing_member, revenue_goal="", months="")

    assert form.is_valid(), form.errors
    assert form.cleaned_data["revenue_goal"] is None


def test_binding_a_funnel_form_leaves_the_loaded_agreement_alone(agreement, marketing_member):
    """Validating a section form never writes into the agreement object it was given."""
    editor = section_editor(
        section_key="funnel",
        agreement=agreement,
        user=marketing_member,
        data={"base_revision": "1", **FUNNEL_VALUES},
    )

    assert editor.is_valid()
    assert agreement.currency == "USD"


# Create and header -------------------------------------------------------------------------


def test_create_form_requires_the_end_after_the_start(marketing_member, marketing_team, sales_team):
    """An end date on or before the start date is an error beside the end date."""
    form = create_form(
        marketing_member, marketing_team, sales_team, start_date="2026-03-01", end_date="2026-03-01"
    )

    assert not form.is_valid()
    assert form.errors["end_date"] == [str(ERROR_END_BEFORE_START)]


def test_create_form_refuses_teams_the_user_does_not_belong_to(
    outsider, marketing_team, sales_team
):
    """A user in neither team gets a clear form error instead of a 403."""
    form = create_form(outsider, marketing_team, sales_team)

    assert not form.is_valid()
    assert form.non_field_errors() == [str(ERROR_NOT_YOUR_TEAMS)]


def test_create_form_accepts_a_sales_member_with_any_marketing_team(
    sales_member, marketing_team, sales_team
):
    """Belonging to one of the two teams is enough."""
    assert create_form(sales_member, marketing_team, sales_team).is_valid()


def test_staff_may_create_for_any_teams(staff_user, marketing_team, sales_team):
    """Staff users need no membership."""
    assert create_form(staff_user, marketing_team, sales_team).is_valid()


def test_create_form_offers_each_side_only_its_teams(marketing_member, marketing_team, sales_team):
    """The marketing select lists marketing teams, the sales select sales teams."""
    form = AgreementCreateForm(user=marketing_member)
    fields: Any = form.fields

    assert list(fields["marketing_team"].queryset) == [marketing_team]
    assert list(fields["sales_team"].queryset) == [sales_team]


def test_create_form_marks_the_users_own_teams(marketing_member, marketing_team):
    """The user's own team is labelled as such in the select."""
    fields: Any = AgreementCreateForm(user=marketing_member).fields

    assert "(your team)" in fields["marketing_team"].label_from_instance(marketing_team)


def test_a_sales_team_is_not_accepted_as_the_marketing_team(
    marketing_member, marketing_team, sales_team
):
    """Choosing a sales team for the marketing side is an invalid choice."""
    form = create_form(marketing_member, sales_team, sales_team)

    assert not form.is_valid()
    assert "marketing_team" in form.errors


def test_copy_requires_an_agreement_to_copy(marketing_member, marketing_team, sales_team):
    """Starting from a copy without choosing the source is an error beside that select."""
    form = create_form(marketing_member, marketing_team, sales_team, start_from="copy")

    assert not form.is_valid()
    assert form.errors["copy_source"] == [str(ERROR_COPY_SOURCE)]


def test_copy_source_lists_only_visible_agreements(agreement, outsider, marketing_team):
    """An outsider cannot pick an agreement they may not see."""
    other_marketing = Team.objects.create(name="Brand", side=Side.MARKETING)
    outsider_sales = outsider.memberships.get().team
    form = create_form(
        outsider,
        other_marketing,
        outsider_sales,
        start_from="copy",
        copy_source=str(agreement.pk),
    )

    assert not form.is_valid()
    assert "copy_source" in form.errors
    fields: Any = form.fields
    assert agreement not in fields["copy_source"].queryset


def test_header_form_requires_the_end_after_the_start(agreement, marketing_member):
    """Editing the period to end before it starts is an error beside the end date."""
    form = HeaderForm(
        {
            "base_revision": "1",
            "title": "x",
            "marketing_team": str(agreement.marketing_team_id),
            "sales_team": str(agreement.sales_team_id),
            "start_date": "2026-05-01",
            "end_date": "2026-04-30",
        },
        agreement=agreement,
        user=marketing_member,
    )

    assert not form.is_valid()
    assert form.errors["end_date"] == [str(ERROR_END_BEFORE_START)]


def test_header_form_needs_a_base_revision(agreement, marketing_member):
    """A section form without the revision it was opened at is refused."""
    form = ReviewForm(
        {"report_cadence": "weekly", "meeting_cadence": "monthly"},
        agreement=agreement,
        user=marketing_member,
    )

    assert not form.is_valid()
    assert "base_revision" in form.errors


def test_filter_form_ignores_invalid_filters(marketing_member, sales_team):
    """An unknown status or a team outside the user's teams filters nothing."""
    form = AgreementFilterForm(
        {"status": "bogus", "team": str(sales_team.pk), "q": " pipe "},
        teams=Team.objects.filter(memberships__user=marketing_member),
    )

    assert form.filters() == {"search": "pipe", "status": "", "team_id": None}


# Calendar and criteria ----------------------------------------------------------------------


def calendar_form(agreement: Agreement, user: Any, **overrides: Any) -> CalendarForm:
    data = {
        "base_revision": "1",
        "timezone": "Europe/Berlin",
        "hours_1": "09:00–12:00, 13:00–17:30",
        "hours_3": "9:00 - 17:30",
        "hours_5": "09:00 to 13:00",
        **overrides,
    }
    return CalendarForm(data, agreement=agreement, user=user)


def test_calendar_form_stores_hours_per_weekday_and_their_summary(agreement, marketing_member):
    """Intervals per day become the stored hours; working days, start and end summarise them."""
    form = calendar_form(agreement, marketing_member)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["working_hours"] == {
        "1": [["09:00", "12:00"], ["13:00", "17:30"]],
        "3": [["09:00", "17:30"]],
        "5": [["09:00", "13:00"]],
    }
    assert form.cleaned_data["workdays"] == [1, 3, 5]
    assert form.cleaned_data["day_start"] == dt.time(9, 0)
    assert form.cleaned_data["day_end"] == dt.time(17, 30)


def test_round_the_clock_ends_at_24_00(agreement, marketing_member):
    """00:00–24:00 is a whole day's work."""
    form = calendar_form(agreement, marketing_member, hours_7="00:00–24:00")

    assert form.is_valid(), form.errors
    assert form.cleaned_data["working_hours"]["7"] == [["00:00", "24:00"]]


def test_unknown_time_zone_is_refused(agreement, marketing_member):
    """A time zone must be one of the select's known zones."""
    form = calendar_form(agreement, marketing_member, timezone="Mars/Olympus")

    assert not form.is_valid()
    assert "timezone" in form.errors


def test_at_least_one_working_day(agreement, marketing_member):
    """A calendar without working hours is an error beside Monday's."""
    form = calendar_form(agreement, marketing_member, hours_1="", hours_3="", hours_5=" ")

    assert not form.is_valid()
    assert form.errors["hours_1"] == [str(ERROR_NO_WORKDAY)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("09:00–09:00", ERROR_HOURS_ORDER % {"start": "09:00", "end": "09:00"}),
        ("09:00–08:00", ERROR_HOURS_ORDER % {"start": "09:00", "end": "08:00"}),
        ("09:00–12:00, 11:00–17:00", ERROR_HOURS_OVERLAP % {"day": "Tuesday"}),
        ("13:00–17:00, 09:00–12:00", ERROR_HOURS_OVERLAP % {"day": "Tuesday"}),
        ("nine to five", ERROR_HOURS_TIME % {"value": "nine"}),
        ("09:00", ERROR_INTERVAL % {"value": "09:00"}),
        ("24:00–24:00", ERROR_HOURS_ORDER % {"start": "24:00", "end": "24:00"}),
    ],
)
def test_bad_intervals_are_an_error_beside_their_day(agreement, marketing_member, text, message):
    """An interval that ends before it starts, overlaps or is no time is refused at its day."""
    form = calendar_form(agreement, marketing_member, hours_2=text)

    assert not form.is_valid()
    assert form.errors["hours_2"] == [str(message)]


def test_score_threshold_may_not_be_negative(agreement, marketing_member):
    """The MQL score threshold is 0 or more."""
    form = CriteriaForm(
        {"base_revision": "1", "mql_score_threshold": "-1"},
        agreement=agreement,
        user=marketing_member,
    )

    assert not form.is_valid()
    assert form.errors["mql_score_threshold"] == [str(ERROR_THRESHOLD)]


# Row formsets -------------------------------------------------------------------------------

KPI = {
    "name": "MQLs",
    "owner": "marketing",
    "target": "10",
    "unit": "",
    "direction": "at_least",
    "cadence": "monthly",
}
LEAD_TYPE = {
    "lead_type": "Demo",
    "first_response_hours": "1",
    "min_attempts": "3",
    "attempt_window_days": "5",
    "escalation": "",
}


def test_negative_kpi_target_is_refused():
    """A KPI target below 0 is an error beside that row's target."""
    formset = KpiFormSet(formset_data("kpis", [{**KPI, "target": "-1"}]))

    assert not formset.is_valid()
    assert formset.forms[0].errors["target"] == [str(ERROR_TARGET)]


def test_duplicate_kpi_names_are_refused_beside_the_repeat():
    """The second KPI with the same name (ignoring case) carries the error."""
    formset = KpiFormSet(formset_data("kpis", [KPI, {**KPI, "name": "mqls"}]))

    assert not formset.is_valid()
    assert "name" not in formset.forms[0].errors
    assert formset.forms[1].errors["name"] == [str(ERROR_DUPLICATE % {"value": "mqls"})]


def test_a_removed_duplicate_is_no_longer_a_duplicate():
    """Marking the repeated row for removal makes the formset valid and drops that row."""
    formset = KpiFormSet(formset_data("kpis", [KPI, {**KPI, "DELETE": "on"}]))

    assert formset.is_valid(), formset.errors
    assert [row["name"] for row in formset.rows()] == ["MQLs"]


def test_blank_rows_are_skipped_and_order_is_kept():
    """Rows come out in form order, with untouched blank rows left out."""
    blank = {
        "name": "",
        "owner": "",
        "target": "",
        "unit": "",
        "direction": "at_least",
        "cadence": "monthly",
    }
    formset = KpiFormSet(formset_data("kpis", [{**KPI, "name": "B"}, blank, {**KPI, "name": "A"}]))

    assert formset.is_valid(), formset.errors
    rows = formset.rows()
    assert [row["name"] for row in rows] == ["B", "A"]
    assert str(rows[0]["target"]) == "10"
    assert set(rows[0]) == {"name", "measure", "owner", "target", "unit", "direction", "cadence"}


def test_a_half_filled_row_is_an_error_not_skipped():
    """A row with some values but no required name shows a required error."""
    formset = KpiFormSet(formset_data("kpis", [{**KPI, "name": ""}]))

    assert not formset.is_valid()
    assert "name" in formset.forms[0].errors


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("first_response_hours", "0", ERROR_FIRST_RESPONSE),
        ("first_response_hours", "-2", ERROR_FIRST_RESPONSE),
        ("min_attempts", "0", ERROR_ATTEMPTS),
        ("min_attempts", "-1", ERROR_ATTEMPTS),
        ("attempt_window_days", "0", ERROR_WINDOW),
    ],
)
def test_lead_type_service_level_limits(field, value, message):
    """First response > 0 hours, at least 1 attempt, a window of at least 1 day."""
    formset = LeadTypeFormSet(formset_data("service_levels", [{**LEAD_TYPE, field: value}]))

    assert not formset.is_valid()
    assert formset.forms[0].errors[field] == [str(message)]


def test_duplicate_lead_types_are_refused():
    """Each lead type appears once."""
    formset = LeadTypeFormSet(formset_data("service_levels", [LEAD_TYPE, LEAD_TYPE]))

    assert not formset.is_valid()
    assert formset.forms[1].errors["lead_type"] == [str(ERROR_DUPLICATE % {"value": "Demo"})]


def test_duplicate_holidays_are_refused():
    """The same holiday date twice is an error beside the second."""
    formset = HolidayFormSet(
        formset_data("holidays", [{"date": "2026-12-25"}, {"date": "2026-12-25"}])
    )

    assert not formset.is_valid()
    assert formset.forms[1].errors["date"] == [
        str(ERROR_DUPLICATE % {"value": dt.date(2026, 12, 25)})
    ]


@pytest.mark.parametrize("code", ["No Budget", "no_budget!", "budget/none"])
def test_reason_codes_are_slugs(code):
    """A reason code holds only letters, digits, hyphens and underscores."""
    formset = RejectionReasonFormSet(
        formset_data("rejection_reasons", [{"code": code, "label": "x", "next_step": "nurture"}])
    )

    assert not formset.is_valid()
    assert formset.forms[0].errors["code"] == [str(ERROR_SLUG)]


def test_duplicate_reason_codes_are_refused():
    """Each reason code appears once."""
    reason = {"code": "no-budget", "label": "No budget", "next_step": "nurture"}
    formset = RejectionReasonFormSet(formset_data("rejection_reasons", [reason, reason]))

    assert not formset.is_valid()
    assert formset.forms[1].errors["code"] == [str(ERROR_DUPLICATE % {"value": "no-budget"})]


@pytest.mark.parametrize(
    ("formset_class", "prefix", "row", "required"),
    [
        (ResponsibilityFormSet, "responsibilities", {"owner": "sales", "activity": ""}, "activity"),
        (
            QualificationRuleFormSet,
            "criteria_rules",
            {"stage": "MQL", "category": "", "rule": "x", "points": "1"},
            "category",
        ),
        (DeadlineFormSet, "deadlines", {"title": "Go", "due": "", "owner": "shared"}, "due"),
    ],
)
def test_rows_report_missing_required_values(formset_class, prefix, row, required):
    """A started row without a required value shows the error on that field."""
    formset = formset_class(formset_data(prefix, [row]))

    assert not formset.is_valid()
    assert required in formset.forms[0].errors


def test_invalid_choices_are_refused():
    """A value outside a field's choices is an error beside it."""
    formset = DeadlineFormSet(
        formset_data("deadlines", [{"title": "Go", "due": "2026-01-01", "owner": "finance"}])
    )

    assert not formset.is_valid()
    assert "owner" in formset.forms[0].errors


def test_a_stored_zone_no_longer_known_stays_selected(agreement, marketing_member):
    """A saved zone missing from this system's list is still offered, selected, not lost."""
    Agreement.objects.filter(pk=agreement.pk).update(timezone="Mars/Olympus")
    agreement.refresh_from_db()

    form = CalendarForm(agreement=agreement, user=marketing_member)

    rendered = str(form["timezone"])
    assert '<option value="Mars/Olympus" selected>' in rendered
    assert rendered.index("Mars/Olympus") < rendered.index('value="UTC"')
