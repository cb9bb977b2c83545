"""Example files for the importers: the exact columns they read and one row to copy."""

from __future__ import annotations

import datetime as dt

from agreements.models import Agreement
from performance.services.actuals_csv import ACTUALS_COLUMNS
from performance.services.leads.columns import LEAD_FIELDS

EXAMPLE_LEAD_TYPE = "Demo request"


def actuals_template_rows(agreement: Agreement) -> list[list[str]]:
    """The actuals columns and a row for the period's first month."""
    example = {
        "month": f"{agreement.start_date:%Y-%m}",
        "leads": "500",
        "mqls": "100",
        "sqls": "40",
        "customers": "10",
        "revenue": "100000.00",
    }
    return [list(ACTUALS_COLUMNS), [example[name] for name in ACTUALS_COLUMNS]]


def leads_template_rows(agreement: Agreement, lead_types: list[str]) -> list[list[str]]:
    """The lead columns and a lead of the agreement's first lead type on its first day.

    Timestamps without an offset are read in the agreement's time zone.
    """
    mql_at = dt.datetime.combine(agreement.start_date, dt.time(10, 0))
    example = {
        "lead_id": "L-0001",
        "lead_type": lead_types[0] if lead_types else EXAMPLE_LEAD_TYPE,
        "mql_at": mql_at.isoformat(),
        "first_touch_at": (mql_at + dt.timedelta(minutes=45)).isoformat(),
        "attempts": "1",
        "outcome": "accepted",
    }
    return [list(LEAD_FIELDS), [example[name] for name in LEAD_FIELDS]]
