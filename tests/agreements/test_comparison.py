"""Two contents compared as a person reads the agreement: by section, by item, as shown."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from agreements.comparison import (
    ADDED,
    CHANGED,
    REMOVED,
    UNCHANGED,
    FieldDiff,
    ItemGroup,
    SectionDiff,
    compare_content,
)
from agreements.sections import SECTIONS
from agreements.standard_template import standard_content


@pytest.fixture
def content() -> dict[str, Any]:
    return standard_content(
        title="Q1 pipeline SLA",
        marketing_team="Growth Marketing",
        sales_team="Mid-Market Sales",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 3, 31),
    )


def section(diffs: list[SectionDiff], key: str) -> SectionDiff:
    return next(diff for diff in diffs if diff.key == key)


def group(diffs: list[SectionDiff], path: str) -> ItemGroup:
    return next(group for diff in diffs for group in diff.groups if group.path == path)


def kpi(name: str, target: str = "10.00", **values: Any) -> dict[str, Any]:
    return {
        "name": name,
        "owner": "sales",
        "target": target,
        "unit": "",
        "direction": "at_least",
        "cadence": "monthly",
        **values,
    }


def test_same_content_has_no_changes_in_any_section(content: dict[str, Any]) -> None:
    """Every section is listed, in the agreement's order and titles, and none has a change."""
    diffs = compare_content(content, copy.deepcopy(content))

    assert [diff.key for diff in diffs] == [section.key for section in SECTIONS]
    assert [diff.title for diff in diffs] == [str(section.title) for section in SECTIONS]
    assert not any(diff.changed for diff in diffs)
    assert all(diff.fields == [] and diff.groups == [] for diff in diffs)
    assert {diff.summary for diff in diffs} == {"No changes"}


def test_two_kpis_added_and_one_removed_count_items_not_fields(content: dict[str, Any]) -> None:
    """The issue's example: two KPIs added, one removed reads "2 KPIs added, 1 removed"."""
    new = copy.deepcopy(content)
    dropped = new["kpis"].pop(1)
    new["kpis"] += [kpi("Pipeline coverage"), kpi("Won deals")]

    diffs = compare_content(content, new)
    kpis = section(diffs, "kpis")

    assert kpis.summary == "2 KPIs added, 1 removed"
    assert [(item.name, item.kind) for item in kpis.groups[0].items] == [
        (dropped["name"], REMOVED),
        ("Pipeline coverage", ADDED),
        ("Won deals", ADDED),
    ]
    assert [diff.key for diff in diffs if diff.changed] == ["kpis"]


def test_one_kpi_added_changed_and_removed_use_singular_forms(content: dict[str, Any]) -> None:
    """One of each: "1 KPI added, 1 removed, 1 changed"."""
    new = copy.deepcopy(content)
    new["kpis"].pop(1)
    new["kpis"][0]["target"] = "120.00"
    new["kpis"].append(kpi("Pipeline coverage"))

    assert section(compare_content(content, new), "kpis").summary == (
        "1 KPI added, 1 removed, 1 changed"
    )


def test_changed_kpi_marks_its_changed_fields_with_labels(content: dict[str, Any]) -> None:
    """A changed KPI keeps every value; the changed ones show choice labels, old and new."""
    new = copy.deepcopy(content)
    mqls = new["kpis"][0]
    mqls["direction"] = "at_most"
    mqls["owner"] = "shared"

    [item] = section(compare_content(content, new), "kpis").groups[0].items

    assert item.name == "MQLs delivered"
    assert item.kind == CHANGED
    assert [(value.label, value.old, value.new) for value in item.changed_fields] == [
        ("Owner", "Marketing", "Shared"),
        ("Direction", "At least", "At most"),
    ]
    assert item.fields["target"] == FieldDiff(
        path="kpis[mqls delivered].target", label="Target", old="100", new="100", kind=UNCHANGED
    )


def test_kpis_are_matched_by_name_not_position(content: dict[str, Any]) -> None:
    """Reordering KPIs and changing one target reports only that KPI; a look-alike name matches."""
    new = copy.deepcopy(content)
    new["kpis"].reverse()
    mqls = next(row for row in new["kpis"] if row["name"] == "MQLs delivered")
    mqls["name"] = "  mqls   DELIVERED "
    mqls["target"] = "120.00"

    kpis = section(compare_content(content, new), "kpis")

    assert kpis.summary == "1 KPI changed"
    [item] = kpis.groups[0].items
    assert [(value.key, value.old, value.new) for value in item.changed_fields] == [
        ("target", "100", "120")
    ]


def test_removed_row_does_not_shift_the_rows_after_it(content: dict[str, Any]) -> None:
    """Dropping the first responsibility removes it; the others are unchanged, not "changed"."""
    new = copy.deepcopy(content)
    dropped = new["responsibilities"].pop(0)

    responsibilities = section(compare_content(content, new), "responsibilities")

    assert responsibilities.summary == "1 responsibility removed"
    assert [(item.name, item.kind) for item in responsibilities.groups[0].items] == [
        (dropped["activity"], REMOVED)
    ]


def test_money_percentages_and_dates_read_as_on_the_page(content: dict[str, Any]) -> None:
    """600000.00 reads 600,000.00 USD; 50.00 reads 50 %; 2026-03-31 reads March 31, 2026."""
    new = copy.deepcopy(content)
    new["funnel"]["revenue_goal"] = "750000.00"
    new["funnel"]["marketing_share_pct"] = "55.50"
    new["period"]["end"] = "2026-06-30"
    new["review"]["next_review"] = None

    diffs = compare_content(content, new)
    values = {value.path: value for diff in diffs for value in diff.fields}

    assert values["funnel.revenue_goal"].old == "600,000.00 USD"
    assert values["funnel.revenue_goal"].new == "750,000.00 USD"
    assert values["funnel.marketing_share_pct"].new == "55.5%"
    assert (values["period.end"].label, values["period.end"].old, values["period.end"].new) == (
        "End date",
        "31 Mar 2026",
        "30 Jun 2026",
    )
    assert values["review.next_review"].kind == REMOVED
    assert values["review.next_review"].new == "—"
    assert section(diffs, "funnel").summary == "2 values changed"


def test_money_takes_each_sides_currency(content: dict[str, Any]) -> None:
    """A new currency shows the same goal in the old and the new currency."""
    new = copy.deepcopy(content)
    new["funnel"]["currency"] = "EUR"

    values = {
        value.path: value for value in section(compare_content(content, new), "funnel").fields
    }

    assert (values["funnel.currency"].old, values["funnel.currency"].new) == ("USD", "EUR")
    assert "funnel.revenue_goal" not in values
    everything = compare_content(content, new, include_unchanged=True)
    goal = next(
        value for value in section(everything, "funnel").fields if value.key == "revenue_goal"
    )
    assert (goal.old, goal.new) == ("600,000.00 USD", "600,000.00 EUR")


def test_lead_types_and_holidays_are_items_of_the_service_levels(content: dict[str, Any]) -> None:
    """A lead type's response time reads in business hours; a holiday is added by its date."""
    old = copy.deepcopy(content)
    old["service_levels"]["calendar"]["holidays"] = ["2026-01-01", "2026-01-06"]
    new = copy.deepcopy(old)
    new["service_levels"]["calendar"]["holidays"] = ["2026-01-06", "2026-02-16"]
    new["service_levels"]["lead_types"][0]["first_response_hours"] = "2.00"
    new["service_levels"]["calendar"]["workdays"] = [1, 2, 3, 4]

    diffs = compare_content(old, new)
    levels = section(diffs, "service_levels")

    assert levels.summary == ("1 value changed; 1 holiday added, 1 removed; 1 lead type changed")
    [workdays] = levels.fields
    assert workdays.new == "Monday, Tuesday, Wednesday, Thursday"
    holidays = group(diffs, "service_levels.calendar.holidays")
    assert [(item.name, item.kind) for item in holidays.items] == [
        ("1 Jan 2026", REMOVED),
        ("16 Feb 2026", ADDED),
    ]
    [lead_type] = group(diffs, "service_levels.lead_types").items
    [hours] = lead_type.changed_fields
    assert (hours.old, hours.new) == ("1 business hour", "2 business hours")


def test_rows_sharing_a_name_are_told_apart_by_order(content: dict[str, Any]) -> None:
    """Two KPIs of one name (an imported document, say): the second one's change is its own."""
    old = copy.deepcopy(content)
    old["kpis"] = [kpi("Leads"), kpi("Leads")]
    new = copy.deepcopy(old)
    new["kpis"][1]["target"] = "5.00"

    [item] = section(compare_content(old, new), "kpis").groups[0].items

    assert item.key == "leads#2"
    assert [(value.old, value.new) for value in item.changed_fields] == [("10", "5")]


def test_unchanged_values_and_items_are_kept_on_request(content: dict[str, Any]) -> None:
    """include_unchanged keeps every value and item; the summary still counts changes only."""
    new = copy.deepcopy(content)
    new["title"] = "Q1 pipeline SLA, revised"

    diffs = compare_content(content, new, include_unchanged=True)
    header = section(diffs, "header")
    kpis = section(diffs, "kpis")

    assert [value.label for value in header.fields if value.changed] == ["Title"]
    assert len(header.fields) == 5
    assert header.summary == "1 value changed"
    assert {item.kind for item in kpis.groups[0].items} == {UNCHANGED}
    assert kpis.summary == "No changes"
