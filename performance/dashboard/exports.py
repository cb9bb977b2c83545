"""The rows of the dashboard's CSV exports: monthly actuals beside their plan, and every lead."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from django.utils import timezone

from agreements.models import Agreement
from performance.dashboard.figures import Funnel
from performance.lead_status import lead_status_annotation
from performance.models import LeadRecord

CSV_CHUNK_SIZE = 2000
# A cell starting with one of these is read as a formula by spreadsheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ACTUALS_COLUMNS = (
    "month",
    "version",
    "leads",
    "planned_leads",
    "mqls",
    "planned_mqls",
    "sqls",
    "planned_sqls",
    "customers",
    "planned_customers",
    "revenue",
    "planned_revenue",
)
LEADS_COLUMNS = (
    "lead_id",
    "lead_type",
    "mql_at",
    "first_touch_at",
    "limit_hours",
    "response_hours",
    "status",
)

CsvRow = list[object]


def actuals_rows(funnel: Funnel) -> Iterator[CsvRow]:
    """One row per month with actuals, each figure beside the plan of the version in force."""
    for row in funnel.months:
        if row.actual is None:
            continue
        planned = row.planned
        yield [
            f"{row.month:%Y-%m}",
            row.version or "",
            row.actual.leads,
            planned.leads if planned else "",
            row.actual.mqls,
            planned.mqls if planned else "",
            row.actual.sqls,
            planned.sqls if planned else "",
            row.actual.customers,
            planned.customers if planned else "",
            row.actual.revenue,
            planned.revenue if planned else "",
        ]


def lead_rows(agreement: Agreement) -> Iterator[CsvRow]:
    """Every lead of the series with its hand-off status now, read in chunks as it streams."""
    zone = ZoneInfo(agreement.timezone)
    rows = (
        LeadRecord.objects.filter(series_id=agreement.series_id)
        .annotate(handoff_status=lead_status_annotation(timezone.now()))
        .order_by("mql_at", "pk")
        .values_list(
            "lead_id",
            "lead_type",
            "mql_at",
            "first_touch_at",
            "limit_hours",
            "response_hours",
            "handoff_status",
        )
    )
    return (
        [
            _text_cell(lead_id),
            _text_cell(lead_type),
            _timestamp(mql_at, zone),
            _timestamp(first_touch_at, zone),
            limit,
            "" if response is None else response,
            status,
        ]
        for lead_id, lead_type, mql_at, first_touch_at, limit, response, status in rows.iterator(
            chunk_size=CSV_CHUNK_SIZE
        )
    )


def _text_cell(value: str) -> str:
    """Text from an import, kept from being read as a formula by spreadsheets."""
    return f"'{value}" if value[:1] in FORMULA_STARTS else value


def _timestamp(value: dt.datetime | None, zone: ZoneInfo) -> str:
    return value.astimezone(zone).isoformat() if value else ""
