"""The section-by-section comparison of two contents."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest

from agreements.comparison import (
    ADDED,
    CHANGED,
    MISSING,
    REMOVED,
    UNCHANGED,
    Change,
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


def changes_of(diffs: list[Any], key: str) -> list[Change]:
    return next(diff for diff in diffs if diff.key == key).changes


def by_path(diffs: list[Any]) -> dict[str, Change]:
    return {change.path: change for diff in diffs for change in diff.changes}


def test_same_content_has_no_changes_in_any_section(content: dict[str, Any]) -> None:
    """Every section is listed, in registry order, and none reports a change."""
    diffs = compare_content(content, copy.deepcopy(content))

    assert [diff.key for diff in diffs] == [section.key for section in SECTIONS]
    assert [diff.title for diff in diffs] == [str(section.title) for section in SECTIONS]
    assert all(diff.changes == [] for diff in diffs)


def test_changed_value_is_marked_changed_with_both_sides(content: dict[str, Any]) -> None:
    """A new revenue goal shows the old and the new value under its label."""
    new = copy.deepcopy(content)
    new["funnel"]["revenue_goal"] = "750000.00"

    [change] = changes_of(compare_content(content, new), "funnel")

    assert change == Change(
        path="funnel.revenue_goal",
        label="Revenue goal",
        old="600000.00",
        new="750000.00",
        kind=CHANGED,
    )


def test_value_set_or_cleared_is_added_or_removed(content: dict[str, Any]) -> None:
    """An empty value filled in counts as added; a value cleared counts as removed."""
    old = copy.deepcopy(content)
    old["review"]["next_review"] = None
    new = copy.deepcopy(old)
    new["review"]["next_review"] = "2026-02-15"
    new["funnel"]["months"] = None

    changes = by_path(compare_content(old, new))

    assert changes["review.next_review"].kind == ADDED
    assert changes["review.next_review"].new == "2026-02-15"
    assert changes["funnel.months"].kind == REMOVED
    assert changes["funnel.months"].old == 3


def test_kpi_rows_are_matched_by_name_not_position(content: dict[str, Any]) -> None:
    """Reordering KPIs and changing one target reports only that target."""
    new = copy.deepcopy(content)
    new["kpis"].reverse()
    mqls = next(kpi for kpi in new["kpis"] if kpi["name"] == "MQLs delivered")
    mqls["target"] = "120.00"

    kpis = changes_of(compare_content(content, new), "kpis")

    assert [(change.label, change.old, change.new, change.kind) for change in kpis] == [
        ("MQLs delivered › Target", "100.00", "120.00", CHANGED)
    ]


def test_added_and_removed_rows_mark_every_value(content: dict[str, Any]) -> None:
    """A new reason code is added value by value; a dropped KPI is removed value by value."""
    new = copy.deepcopy(content)
    dropped = new["kpis"].pop(1)
    new["rejection_reasons"].append(
        {"code": "wrong-region", "label": "Outside our regions", "next_step": "disqualify"}
    )

    diffs = compare_content(content, new)
    kpis = changes_of(diffs, "kpis")
    reasons = changes_of(diffs, "rejection_reasons")

    assert {change.kind for change in kpis} == {REMOVED}
    assert {change.new for change in kpis} == {MISSING}
    assert f"{dropped['name']} › Target" in {change.label for change in kpis}
    assert [(change.path, change.new, change.kind) for change in reasons] == [
        ("rejection_reasons[wrong-region].code", "wrong-region", ADDED),
        ("rejection_reasons[wrong-region].label", "Outside our regions", ADDED),
        ("rejection_reasons[wrong-region].next_step", "disqualify", ADDED),
    ]


def test_lead_types_match_by_lead_type(content: dict[str, Any]) -> None:
    """Changing one lead type's response time names that lead type."""
    new = copy.deepcopy(content)
    first = new["service_levels"]["lead_types"][0]
    first["first_response_hours"] = "2.00"

    [change] = changes_of(compare_content(content, new), "service_levels")

    assert change.path == f"service_levels.lead_types[{first['lead_type']}].first_response_hours"
    assert change.label.startswith(f"Lead types › {first['lead_type']} › ")
    assert change.kind == CHANGED


def test_holidays_are_added_and_removed_one_date_at_a_time(content: dict[str, Any]) -> None:
    """A holiday list is a set of dates: each date is added or removed on its own."""
    old = copy.deepcopy(content)
    old["service_levels"]["calendar"]["holidays"] = ["2026-01-01", "2026-01-06"]
    new = copy.deepcopy(content)
    new["service_levels"]["calendar"]["holidays"] = ["2026-01-06", "2026-02-16"]

    changes = changes_of(compare_content(old, new), "service_levels")

    assert [(change.label, change.kind) for change in changes] == [
        ("Calendar › Holidays › 2026-01-01", REMOVED),
        ("Calendar › Holidays › 2026-02-16", ADDED),
    ]


def test_rows_without_unique_key_fall_back_to_position(content: dict[str, Any]) -> None:
    """Two KPIs sharing a name (an imported document, say) are compared by position."""
    old = copy.deepcopy(content)
    old["kpis"] = [dict(content["kpis"][0]), dict(content["kpis"][0])]
    new = copy.deepcopy(old)
    new["kpis"][1]["target"] = "5.00"

    [change] = changes_of(compare_content(old, new), "kpis")

    assert change.path == "kpis[#2].target"
    assert change.kind == CHANGED


def test_whole_section_emptied_lists_each_removed_value(content: dict[str, Any]) -> None:
    """Clearing the deadlines removes every deadline value and nothing else."""
    new = copy.deepcopy(content)
    new["deadlines"] = []

    diffs = compare_content(content, new)
    deadlines = changes_of(diffs, "deadlines")

    assert deadlines
    assert len(deadlines) == 4 * len(content["deadlines"])
    assert {change.kind for change in deadlines} == {REMOVED}
    assert all(diff.changes == [] for diff in diffs if diff.key != "deadlines")


def test_header_labels_name_each_key(content: dict[str, Any]) -> None:
    """The header section spans several keys, so labels name the key (Period › End)."""
    new = copy.deepcopy(content)
    new["period"]["end"] = "2026-06-30"
    new["sales_team"] = "Enterprise Sales"

    changes = changes_of(compare_content(content, new), "header")

    assert [(change.label, change.kind) for change in changes] == [
        ("Sales team", CHANGED),
        ("Period › End", CHANGED),
    ]


def test_unchanged_values_are_included_on_request(content: dict[str, Any]) -> None:
    """include_unchanged keeps every value; section.changed still lists only differences."""
    new = copy.deepcopy(content)
    new["title"] = "Q1 pipeline SLA, revised"

    diffs = compare_content(content, new, include_unchanged=True)
    header = next(diff for diff in diffs if diff.key == "header")

    assert {change.kind for change in header.changes} == {CHANGED, UNCHANGED}
    assert [change.label for change in header.changed] == ["Title"]
    assert header.counts == {CHANGED: 1, ADDED: 0, REMOVED: 0}
