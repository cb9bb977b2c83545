"""Helpers for the drafting tests: POST payloads per section, bulk rows and agreements."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agreements.models import (
    Agreement,
    AgreementSeries,
    Deadline,
    Holiday,
    Kpi,
    LeadTypeServiceLevel,
    QualificationRule,
    RejectionReason,
    Responsibility,
)
from teams.models import Team


def formset_data(prefix: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The management form and the fields of ``rows`` as a formset posts them."""
    data: dict[str, Any] = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"{prefix}-{index}-{name}"] = value
    return data


def edit_url(agreement: Agreement, section: str) -> str:
    return reverse("agreements:section_edit", kwargs={"pk": agreement.pk, "section": section})


def preview_url(agreement: Agreement) -> str:
    return reverse("agreements:funnel_preview", kwargs={"pk": agreement.pk})


FUNNEL_VALUES: dict[str, str] = {
    "currency": "EUR",
    "revenue_goal": "1200000",
    "marketing_share_pct": "40",
    "average_deal_size": "8000",
    "lead_to_mql_pct": "15",
    "mql_to_sql_pct": "30",
    "sql_to_won_pct": "20",
    "months": "6",
}


def section_payload(agreement: Agreement, section: str) -> dict[str, Any]:
    """A valid POST for each section, different from the standard template's values."""
    data: dict[str, Any] = {"base_revision": str(agreement.revision)}
    if section == "header":
        data.update(
            {
                "title": "FY27 hand-off SLA",
                "marketing_team": str(agreement.marketing_team_id),
                "sales_team": str(agreement.sales_team_id),
                "start_date": "2027-01-01",
                "end_date": "2027-12-31",
            }
        )
    elif section == "funnel":
        data.update(FUNNEL_VALUES)
    elif section == "kpis":
        data.update(
            formset_data(
                "kpis",
                [
                    {
                        "name": "SQLs accepted",
                        "owner": "sales",
                        "target": "45",
                        "unit": "SQLs",
                        "direction": "at_least",
                        "cadence": "weekly",
                    },
                    {
                        "name": "Lead rejection rate",
                        "owner": "shared",
                        "target": "15.5",
                        "unit": "%",
                        "direction": "at_most",
                        "cadence": "monthly",
                    },
                ],
            )
        )
    elif section == "responsibilities":
        data.update(
            formset_data(
                "responsibilities",
                [
                    {
                        "owner": "marketing",
                        "activity": "Score leads",
                        "description": "Apply the agreed model.",
                        "commitment": "Every lead scored within an hour.",
                    }
                ],
            )
        )
    elif section == "criteria":
        data["mql_score_threshold"] = "70"
        data.update(
            formset_data(
                "criteria_rules",
                [
                    {"stage": "MQL", "category": "fit", "rule": "Target industry", "points": "20"},
                    {"stage": "SQL", "category": "bant", "rule": "Budget confirmed", "points": "0"},
                ],
            )
        )
    elif section == "service_levels":
        data.update(
            {
                "timezone": "Europe/Berlin",
                **{f"hours_{day}": "08:30–16:30" for day in (1, 2, 3, 4)},
                **{f"hours_{day}": "" for day in (5, 6, 7)},
            }
        )
        data.update(formset_data("holidays", [{"date": "2026-12-25"}, {"date": "2026-01-01"}]))
        data.update(
            formset_data(
                "service_levels",
                [
                    {
                        "lead_type": "Trial sign-up",
                        "first_response_hours": "2.5",
                        "min_attempts": "5",
                        "attempt_window_days": "7",
                        "escalation": "Rep, then team lead",
                    }
                ],
            )
        )
    elif section == "rejection_reasons":
        data.update(
            formset_data(
                "rejection_reasons",
                [
                    {
                        "code": "wrong-region",
                        "label": "Outside our regions",
                        "next_step": "disqualify",
                    },
                    {"code": "too-early", "label": "Too early", "next_step": "nurture"},
                ],
            )
        )
    elif section == "deadlines":
        data.update(
            formset_data(
                "deadlines",
                [{"title": "Kick-off", "due": "2026-02-01", "owner": "shared", "done": "on"}],
            )
        )
    elif section == "review":
        data.update(
            {
                "report_cadence": "biweekly",
                "meeting_cadence": "quarterly",
                "next_review": "2026-06-30",
            }
        )
    return data


def add_rows(agreement: Agreement, count: int, start: int = 0) -> None:
    """``count`` more rows in every relation of every section."""
    numbers = range(start, start + count)
    Kpi.objects.bulk_create(
        [
            Kpi(agreement=agreement, position=n, name=f"KPI {n}", owner="shared", target=Decimal(n))
            for n in numbers
        ]
    )
    Responsibility.objects.bulk_create(
        [
            Responsibility(agreement=agreement, position=n, owner="sales", activity=f"Task {n}")
            for n in numbers
        ]
    )
    QualificationRule.objects.bulk_create(
        [
            QualificationRule(
                agreement=agreement,
                position=n,
                stage="MQL" if n % 2 else "SQL",
                category="fit",
                rule=f"Rule {n}",
            )
            for n in numbers
        ]
    )
    LeadTypeServiceLevel.objects.bulk_create(
        [
            LeadTypeServiceLevel(
                agreement=agreement, position=n, lead_type=f"Type {n}", first_response_hours=4
            )
            for n in numbers
        ]
    )
    Holiday.objects.bulk_create(
        [
            Holiday(agreement=agreement, position=n, date=dt.date(2026, 1, 1) + dt.timedelta(n))
            for n in numbers
        ]
    )
    RejectionReason.objects.bulk_create(
        [
            RejectionReason(
                agreement=agreement,
                position=n,
                code=f"code-{n}",
                label=f"Reason {n}",
                next_step="nurture",
            )
            for n in numbers
        ]
    )
    Deadline.objects.bulk_create(
        [
            Deadline(
                agreement=agreement,
                position=n,
                title=f"Milestone {n}",
                due=dt.date(2026, 1, 1) + dt.timedelta(n),
                owner="shared",
            )
            for n in numbers
        ]
    )


def add_agreements(
    count: int, *, marketing_team: Team, sales_team: Team, owner: Any, title: str = "Bulk"
) -> list[Agreement]:
    """``count`` bare drafts between the two teams, made in two queries."""
    series = AgreementSeries.objects.bulk_create([AgreementSeries() for _ in range(count)])
    return Agreement.objects.bulk_create(
        [
            Agreement(
                series=one,
                title=f"{title} {index:03d}",
                marketing_team=marketing_team,
                sales_team=sales_team,
                owner=owner,
                start_date=dt.date(2026, 1, 1),
                end_date=dt.date(2026, 12, 31),
            )
            for index, one in enumerate(series)
        ]
    )


def queries_of(request: Callable[[], Any]) -> int:
    """How many queries one request makes; the request must succeed."""
    with CaptureQueriesContext(connection) as context:
        response = request()
    assert response.status_code == 200, response.status_code
    return len(context.captured_queries)
