"""Performance pages: an agreement's dashboard, the portfolio and the CSV exports."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from agreements.models import Agreement
from agreements.selectors import agreement_get
from performance import charts
from performance.dashboard import PORTFOLIO_SORTS, dashboard_for, portfolio_rows
from performance.lead_status import lead_status_annotation
from performance.models import LeadRecord
from performance.selectors import open_alerts_for

CSV_CHUNK_SIZE = 2000
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


def agreement_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = agreement_get(user=request.user, pk=pk)
    dashboard = dashboard_for(agreement=agreement)
    funnel_charts = [
        {
            "stage": stage,
            "title": charts.funnel_title(str(label)),
            "svg": charts.funnel_chart(
                months=dashboard.funnel.months, stage=stage, stage_label=str(label)
            ),
        }
        for stage, label in charts.STAGES
    ]
    return render(
        request,
        "performance/dashboard.html",
        {
            "agreement": agreement,
            "alerts": open_alerts_for(agreement),
            "dashboard": dashboard,
            "funnel_charts": funnel_charts,
            "handoff_chart": charts.handoff_chart(months=dashboard.by_month),
            "handoff_title": charts.HANDOFF_TITLE,
            "rejection_chart": charts.rejection_chart(rows=dashboard.rejections),
            "rejection_title": charts.REJECTION_TITLE,
        },
    )


def portfolio(request: HttpRequest) -> HttpResponse:
    sort = request.GET.get("sort", "title")
    if sort.lstrip("-") not in PORTFOLIO_SORTS:
        sort = "title"
    rows = portfolio_rows(user=request.user, sort=sort)
    columns = [
        ("title", _("Agreement")),
        ("volume", _("Marketing volume")),
        ("handoff", _("Sales hand-off")),
        ("kpis", _("KPIs")),
        ("deadlines", _("Deadlines")),
    ]
    headers = []
    for key, label in columns:
        active = sort.lstrip("-") == key
        descending = sort.startswith("-")
        headers.append(
            {
                "key": key,
                "label": label,
                "active": active,
                "aria_sort": ("descending" if descending else "ascending") if active else "none",
                "next": f"-{key}" if active and not descending else key,
            }
        )
    return render(
        request,
        "performance/portfolio.html",
        {"rows": rows, "headers": headers, "sort": sort, "today": timezone.localdate()},
    )


class _Echo:
    """A file-like object whose write returns the line, for csv.writer into a stream."""

    def write(self, value: str) -> str:
        return value


def _csv_response(*, lines: Iterator[str], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _stem(agreement: Agreement) -> str:
    return slugify(agreement.title) or "agreement"


def actuals_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """Monthly actuals with the plan of the version in force each month alongside."""
    agreement = agreement_get(user=request.user, pk=pk)
    dashboard = dashboard_for(agreement=agreement)
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(ACTUALS_COLUMNS)
        for row in dashboard.funnel.months:
            if row.actual is None:
                continue
            planned = row.planned
            yield writer.writerow(
                [
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
            )

    return _csv_response(lines=lines(), filename=f"{_stem(agreement)}-actuals.csv")


def _text_cell(value: str) -> str:
    """Text from an import, kept from being read as a formula by spreadsheets."""
    return f"'{value}" if value[:1] in FORMULA_STARTS else value


def _timestamp(value: dt.datetime | None, zone: ZoneInfo) -> str:
    return value.astimezone(zone).isoformat() if value else ""


def leads_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """Every lead of the series with its hand-off status, streamed in chunks."""
    agreement = agreement_get(user=request.user, pk=pk)
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
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(LEADS_COLUMNS)
        for lead_id, lead_type, mql_at, first_touch_at, limit, response, status in rows.iterator(
            chunk_size=CSV_CHUNK_SIZE
        ):
            yield writer.writerow(
                [
                    _text_cell(lead_id),
                    _text_cell(lead_type),
                    _timestamp(mql_at, zone),
                    _timestamp(first_touch_at, zone),
                    limit,
                    "" if response is None else response,
                    status,
                ]
            )

    return _csv_response(lines=lines(), filename=f"{_stem(agreement)}-leads.csv")
