"""The built-in standard SLA: sensible values for every section, from published practice."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from agreements.exchange import SCHEMA
from agreements.models.agreement import default_workdays
from agreements.periods import period_months

STANDARD_FUNNEL: dict[str, Any] = {
    "currency": "USD",
    "revenue_goal": "600000.00",
    "marketing_share_pct": "50.00",
    "average_deal_size": "10000.00",
    "lead_to_mql_pct": "20.00",
    "mql_to_sql_pct": "40.00",
    "sql_to_won_pct": "25.00",
}
STANDARD_MQL_SCORE_THRESHOLD = 60

# KPIs each team is measured by, each computed from the data (its measure), so none is typed.
STANDARD_KPIS: tuple[dict[str, Any], ...] = (
    {
        "name": "MQLs delivered",
        "measure": "mqls",
        "owner": "marketing",
        "target": "100.00",
        "unit": "MQLs",
        "direction": "at_least",
        "cadence": "monthly",
    },
    {
        "name": "MQL to SQL conversion",
        "measure": "mql_to_sql_rate",
        "owner": "shared",
        "target": "40.00",
        "unit": "%",
        "direction": "at_least",
        "cadence": "monthly",
    },
    {
        "name": "Median first response",
        "measure": "median_first_response",
        "owner": "sales",
        "target": "4.00",
        "unit": "business hours",
        "direction": "at_most",
        "cadence": "weekly",
    },
    {
        "name": "Leads followed up within SLA",
        "measure": "handoff_compliance",
        "owner": "sales",
        "target": "90.00",
        "unit": "%",
        "direction": "at_least",
        # Monthly, as the dashboard's hand-off table counts.
        "cadence": "monthly",
    },
    {
        "name": "Marketing-sourced revenue",
        "measure": "marketing_revenue",
        "owner": "shared",
        "target": "100000.00",
        "unit": "USD",
        "direction": "at_least",
        "cadence": "monthly",
    },
)

# What each side commits to.
STANDARD_RESPONSIBILITIES: tuple[dict[str, Any], ...] = (
    {
        "owner": "marketing",
        "activity": "Generate and nurture leads",
        "description": "Run campaigns and nurture programmes that attract the target profile.",
        "commitment": "Deliver at least 100 MQLs a month.",
    },
    {
        "owner": "marketing",
        "activity": "Complete lead records",
        "description": "Every MQL reaches the CRM with company, role, source and score filled.",
        "commitment": "All required lead fields filled before hand-off.",
    },
    {
        "owner": "marketing",
        "activity": "Alert sales",
        "description": "Route each new MQL to its owner automatically.",
        "commitment": "Sales alerted within 5 minutes of a lead becoming an MQL.",
    },
    {
        "owner": "sales",
        "activity": "Follow up MQLs",
        "description": "Contact each MQL within the service level of its lead type.",
        "commitment": "First response within 4 business hours; at least 6 attempts in 10 days.",
    },
    {
        "owner": "sales",
        "activity": "Keep status current",
        "description": "Accept or reject every lead, and keep its stage up to date.",
        "commitment": "Status updated within 48 hours; a reason code for every rejection.",
    },
    {
        "owner": "shared",
        "activity": "Review the funnel",
        "description": "Compare actuals with the plan and adjust targets together.",
        "commitment": "Monthly review meeting; quarterly recalibration.",
    },
)

# Lead scoring: fit and engagement make an MQL, BANT makes an SQL.
STANDARD_RULES: tuple[dict[str, Any], ...] = (
    {
        "stage": "MQL",
        "category": "fit",
        "rule": "Industry is in the target list",
        "points": 15,
    },
    {
        "stage": "MQL",
        "category": "fit",
        "rule": "Company has 50 to 5,000 employees",
        "points": 15,
    },
    {
        "stage": "MQL",
        "category": "fit",
        "rule": "Role is director level or above",
        "points": 10,
    },
    {"stage": "MQL", "category": "engagement", "rule": "Requested a demo", "points": 40},
    {
        "stage": "MQL",
        "category": "engagement",
        "rule": "Downloaded two or more content offers",
        "points": 15,
    },
    {
        "stage": "MQL",
        "category": "engagement",
        "rule": "Attended a webinar or event",
        "points": 10,
    },
    {
        "stage": "MQL",
        "category": "disqualifier",
        "rule": "Student, competitor or personal email address",
        "points": -100,
    },
    {
        "stage": "SQL",
        "category": "bant",
        "rule": "Budget confirmed for this fiscal year",
        "points": 0,
    },
    {
        "stage": "SQL",
        "category": "bant",
        "rule": "Speaking with the decision maker",
        "points": 0,
    },
    {
        "stage": "SQL",
        "category": "bant",
        "rule": "Need matches a product use case",
        "points": 0,
    },
    {
        "stage": "SQL",
        "category": "bant",
        "rule": "Purchase timeline within six months",
        "points": 0,
    },
)

# First response and follow-up by lead type, hottest first.
STANDARD_LEAD_TYPES: tuple[dict[str, Any], ...] = (
    {
        "lead_type": "Demo request",
        "first_response_hours": "1.00",
        "min_attempts": 6,
        "attempt_window_days": 10,
        "escalation": "Rep, then sales manager after 2 hours, then VP of sales",
    },
    {
        "lead_type": "Contact us",
        "first_response_hours": "4.00",
        "min_attempts": 6,
        "attempt_window_days": 10,
        "escalation": "Rep, then sales manager",
    },
    {
        "lead_type": "Content download",
        "first_response_hours": "8.00",
        "min_attempts": 4,
        "attempt_window_days": 10,
        "escalation": "Rep, then sales manager",
    },
    {
        "lead_type": "Event lead",
        "first_response_hours": "24.00",
        "min_attempts": 3,
        "attempt_window_days": 14,
        "escalation": "Rep, then sales manager",
    },
)

# Why sales rejects a lead, and where the lead goes next.
STANDARD_REJECTION_REASONS: tuple[dict[str, Any], ...] = (
    {"code": "not-target-profile", "label": "Not in target profile", "next_step": "disqualify"},
    {"code": "no-budget", "label": "No budget", "next_step": "nurture"},
    {"code": "duplicate", "label": "Duplicate", "next_step": "disqualify"},
    {"code": "not-interested", "label": "Not interested", "next_step": "nurture"},
    {"code": "bad-timing", "label": "Bad timing", "next_step": "nurture"},
    {"code": "missing-data", "label": "Missing contact data", "next_step": "return"},
)


def _empty_content(
    *, title: str, marketing_team: str, sales_team: str, start_date: dt.date, end_date: dt.date
) -> dict[str, Any]:
    """A document in the latest schema with only the header and the calendar defaults set."""
    return {
        "schema": SCHEMA,
        "title": title,
        "marketing_team": marketing_team,
        "sales_team": sales_team,
        "period": {"start": start_date.isoformat(), "end": end_date.isoformat()},
        "funnel": {"currency": "USD"},
        "kpis": [],
        "responsibilities": [],
        "criteria": {"mql_score_threshold": None, "rules": []},
        "service_levels": {
            "calendar": {
                "timezone": "UTC",
                "workdays": default_workdays(),
                "day_start": "09:00",
                "day_end": "17:00",
                "holidays": [],
            },
            "lead_types": [],
        },
        "rejection_reasons": [],
        "deadlines": [],
        "review": {"report_cadence": "weekly", "meeting_cadence": "monthly", "next_review": None},
    }


def _deadlines(
    start_date: dt.date, end_date: dt.date, first_review: dt.date
) -> list[dict[str, Any]]:
    """Go-live on the first day, the first review, and the first quarterly recalibration."""
    recalibration = min(start_date + dt.timedelta(days=90), end_date)
    return [
        {
            "title": "Go-live: routing and alerts in place",
            "due": start_date.isoformat(),
            "owner": "shared",
            "done": False,
        },
        {
            "title": "First SLA review meeting",
            "due": first_review.isoformat(),
            "owner": "shared",
            "done": False,
        },
        {
            "title": "Quarterly recalibration of rates and targets",
            "due": recalibration.isoformat(),
            "owner": "shared",
            "done": False,
        },
    ]


def standard_content(
    *,
    title: str,
    marketing_team: str,
    sales_team: str,
    start_date: dt.date,
    end_date: dt.date,
    empty: bool = False,
) -> dict[str, Any]:
    """A document in the latest schema; ``empty`` sets only the header and calendar defaults."""
    document = _empty_content(
        title=title,
        marketing_team=marketing_team,
        sales_team=sales_team,
        start_date=start_date,
        end_date=end_date,
    )
    if empty:
        return document
    first_review = min(start_date + dt.timedelta(days=30), end_date)
    # Copies: a caller may change the document it is given.
    document["funnel"] = {**STANDARD_FUNNEL, "months": period_months(start_date, end_date)}
    document["kpis"] = copy.deepcopy(list(STANDARD_KPIS))
    document["responsibilities"] = copy.deepcopy(list(STANDARD_RESPONSIBILITIES))
    document["criteria"] = {
        "mql_score_threshold": STANDARD_MQL_SCORE_THRESHOLD,
        "rules": copy.deepcopy(list(STANDARD_RULES)),
    }
    document["service_levels"]["lead_types"] = copy.deepcopy(list(STANDARD_LEAD_TYPES))
    document["rejection_reasons"] = copy.deepcopy(list(STANDARD_REJECTION_REASONS))
    document["deadlines"] = _deadlines(start_date, end_date, first_review)
    document["review"] = {
        "report_cadence": "weekly",
        "meeting_cadence": "monthly",
        "next_review": first_review.isoformat(),
    }
    return document
