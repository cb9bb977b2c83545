"""Importing schema /1 documents: every error reported by its JSON path, nothing created."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from agreements.exchange import SCHEMA, agreement_export
from agreements.funnel import plan_for
from agreements.models import Agreement, AgreementEvent, Kpi, Revision
from agreements.selectors import agreement_load_sections
from agreements.services.agreements import ContentErrors, agreement_import
from agreements.standard_template import standard_content

Mutation = Callable[[dict[str, Any], Any], None]


@pytest.fixture
def document(marketing_team: Any, sales_team: Any) -> dict[str, Any]:
    """A complete, valid document: the standard template between the fixture teams."""
    return standard_content(
        title="Imported SLA",
        marketing_team=marketing_team.name,
        sales_team=sales_team.name,
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 3, 31),
    )


def _set(path: tuple[Any, ...], value: Any) -> Mutation:
    def mutate(document: dict[str, Any], _sales_team: Any) -> None:
        target: Any = document
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def _duplicate_kpi_name(document: dict[str, Any], _sales_team: Any) -> None:
    document["kpis"][1]["name"] = document["kpis"][0]["name"]


def _sales_team_as_marketing(document: dict[str, Any], sales_team: Any) -> None:
    document["marketing_team"] = sales_team.name


# (case id, mutation, the JSON path that must be reported)
INVALID_DOCUMENTS: list[tuple[str, Mutation, str]] = [
    ("bad decimal", _set(("funnel", "revenue_goal"), "12,5"), "funnel.revenue_goal"),
    ("decimal not a string", _set(("funnel", "revenue_goal"), [1]), "funnel.revenue_goal"),
    ("rate 0", _set(("funnel", "lead_to_mql_pct"), "0"), "funnel.lead_to_mql_pct"),
    ("rate 101", _set(("funnel", "sql_to_won_pct"), "101"), "funnel.sql_to_won_pct"),
    ("end before start", _set(("period", "end"), "2025-12-31"), "period.end"),
    ("end equal to start", _set(("period", "end"), "2026-01-01"), "period.end"),
    ("unknown team", _set(("marketing_team",), "Nobody Marketing"), "marketing_team"),
    ("team on the wrong side", _sales_team_as_marketing, "marketing_team"),
    ("duplicate KPI name", _duplicate_kpi_name, "kpis[1].name"),
    ("bad owner enum", _set(("kpis", 0, "owner"), "finance"), "kpis[0].owner"),
    ("bad direction enum", _set(("kpis", 2, "direction"), "exactly"), "kpis[2].direction"),
    (
        "bad next step enum",
        _set(("rejection_reasons", 0, "next_step"), "later"),
        "rejection_reasons[0].next_step",
    ),
    ("bad stage enum", _set(("criteria", "rules", 3, "stage"), "SAL"), "criteria.rules[3].stage"),
    ("bad cadence enum", _set(("review", "report_cadence"), "yearly"), "review.report_cadence"),
    ("bad date", _set(("deadlines", 0, "due"), "2026-02-30"), "deadlines[0].due"),
    ("bad period date", _set(("period", "start"), "01/01/2026"), "period.start"),
    (
        "bad holiday",
        _set(("service_levels", "calendar", "holidays"), ["2026-13-01"]),
        "service_levels.calendar.holidays[0]",
    ),
    (
        "bad timezone",
        _set(("service_levels", "calendar", "timezone"), "Mars/Olympus"),
        "service_levels.calendar.timezone",
    ),
    (
        "workdays out of range",
        _set(("service_levels", "calendar", "workdays"), [0, 1, 8]),
        "service_levels.calendar.workdays",
    ),
    (
        "no workdays",
        _set(("service_levels", "calendar", "workdays"), []),
        "service_levels.calendar.workdays",
    ),
    (
        "day ends before it starts",
        _set(("service_levels", "calendar", "day_end"), "08:00"),
        "service_levels.calendar.day_end",
    ),
    ("months as text", _set(("funnel", "months"), "3"), "funnel.months"),
    ("negative target", _set(("kpis", 2, "target"), "-1"), "kpis[2].target"),
    (
        "zero response hours",
        _set(("service_levels", "lead_types", 1, "first_response_hours"), "0"),
        "service_levels.lead_types[1].first_response_hours",
    ),
    ("points not whole", _set(("criteria", "rules", 0, "points"), 1.5), "criteria.rules[0].points"),
    ("section not a list", _set(("kpis",), {"name": "x"}), "kpis"),
    ("row not an object", _set(("deadlines", 1), "tomorrow"), "deadlines[1]"),
    ("section not an object", _set(("funnel",), ["600000"]), "funnel"),
    ("missing title", _set(("title",), "   "), "title"),
    ("wrong schema", _set(("schema",), "slaportal.agreement/3"), "schema"),
    ("missing schema", _set(("schema",), None), "schema"),
]


def _counts() -> tuple[int, int, int, int]:
    return (
        Agreement.objects.count(),
        Kpi.objects.count(),
        Revision.objects.count(),
        AgreementEvent.objects.count(),
    )


def _import_errors(document: Any, actor: Any) -> list[tuple[str, str]]:
    with pytest.raises(ContentErrors) as raised:
        agreement_import(document=document, actor=actor)
    return raised.value.errors


@pytest.mark.parametrize(
    ("mutate", "path"),
    [pytest.param(mutate, path, id=case) for case, mutate, path in INVALID_DOCUMENTS],
)
def test_invalid_document_reports_the_path_and_creates_nothing(
    document, marketing_member, sales_team, mutate, path
):
    """Each invalid value is reported at its JSON path; no agreement, row or event is written."""
    mutate(document, sales_team)
    before = _counts()

    errors = _import_errors(document, marketing_member)

    assert path in [error_path for error_path, _message in errors]
    assert all(message for _path, message in errors)
    assert _counts() == before


def test_document_that_is_not_an_object_is_refused_at_the_root(marketing_member):
    """A JSON array (or any non-object) is one error at path "$"."""
    before = _counts()
    for document in ([{"schema": SCHEMA}], "text", None, 42):
        errors = _import_errors(document, marketing_member)
        assert [path for path, _message in errors] == ["$"]
    assert _counts() == before


def test_every_error_is_reported_at_once(document, marketing_member):
    """Several problems in one file are all listed, each with its own path."""
    document["funnel"]["revenue_goal"] = "lots"
    document["kpis"][1]["name"] = document["kpis"][0]["name"]
    document["deadlines"][0]["due"] = "soon"
    document["service_levels"]["calendar"]["timezone"] = "Nowhere/Special"
    before = _counts()

    paths = {path for path, _message in _import_errors(document, marketing_member)}

    assert {
        "funnel.revenue_goal",
        "kpis[1].name",
        "deadlines[0].due",
        "service_levels.calendar.timezone",
    } <= paths
    assert _counts() == before


def test_plan_in_the_document_is_ignored_and_recomputed(document, marketing_member):
    """A tampered funnel.plan changes nothing: the plan is always computed from the inputs."""
    document["funnel"]["plan"] = {
        "customers": 1,
        "sqls": 2,
        "mqls": 3,
        "leads": 4,
        "leads_per_customer": "4.00",
        "per_month": {"customers": 1, "sqls": 1, "mqls": 1, "leads": 1},
    }

    agreement = agreement_import(document=document, actor=marketing_member)

    plan = agreement_export(agreement_load_sections(agreement.pk))["funnel"]["plan"]
    assert plan["customers"] == 30
    assert plan["leads"] == 1500
    assert plan["per_month"]["leads"] == 500
    assert plan_for(agreement) is not None


def test_invalid_plan_is_ignored_too(document, marketing_member):
    """Even a plan that is not an object is not an error: the key is never read."""
    document["funnel"]["plan"] = "whatever"
    agreement = agreement_import(document=document, actor=marketing_member)
    assert agreement.pk is not None


def test_unknown_keys_are_ignored(document, marketing_member):
    """Keys /1 does not know (record keys of later versions, extras) do not stop the import."""
    document["status"] = "signed"
    document["version"] = 7
    document["digest"] = "0" * 64
    document["signatures"] = [{"team": "Growth Marketing", "name": "Someone"}]
    document["colour"] = "green"
    document["funnel"]["forecast"] = "rising"
    document["kpis"][0]["colour"] = "red"
    document["service_levels"]["calendar"]["daylight"] = True

    agreement = agreement_import(document=document, actor=marketing_member)

    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.DRAFT
    assert agreement.version == 1
    assert agreement.signatures.count() == 0
    assert agreement.kpis.count() == len(document["kpis"])


def test_valid_import_writes_one_imported_event_and_revision(document, marketing_member):
    """A valid import creates a draft owned by the actor, with its event and first revision."""
    agreement = agreement_import(document=document, actor=marketing_member)

    assert agreement.owner == marketing_member
    assert agreement.status == Agreement.Status.DRAFT
    assert list(agreement.events.values_list("kind", flat=True)) == ["imported"]
    assert agreement.revisions.count() == 1
