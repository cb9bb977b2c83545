"""Performance pages: an agreement's dashboard, the portfolio and the CSV exports."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from agreements.models import Agreement
from agreements.views.access import series_agreement_or_404
from performance.dashboard.agreement import dashboard_kept
from performance.dashboard.charts import dashboard_body
from performance.dashboard.exports import ACTUALS_COLUMNS, LEADS_COLUMNS, actuals_rows, lead_rows
from performance.dashboard.portfolio import portfolio_for
from performance.selectors import open_alerts_for


@require_safe
def agreement_dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = series_agreement_or_404(request.user, pk)
    dashboard = dashboard_kept(agreement=agreement)
    return render(
        request,
        "performance/dashboard.html",
        {
            "agreement": agreement,
            "alerts": open_alerts_for(agreement),
            "dashboard": dashboard,
            "body": dashboard_body(dashboard),
        },
    )


@require_safe
def portfolio(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "performance/portfolio.html",
        {
            "portfolio": portfolio_for(
                user=request.user,
                sort=request.GET.get("sort", "title"),
                page=request.GET.get("page"),
            ),
            "today": timezone.localdate(),
        },
    )


@require_safe
def actuals_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """Monthly actuals with the plan of the version in force each month alongside."""
    agreement = series_agreement_or_404(request.user, pk)
    dashboard = dashboard_kept(agreement=agreement)
    return _csv_response(
        columns=ACTUALS_COLUMNS,
        rows=actuals_rows(dashboard.funnel),
        filename=f"{_stem(agreement)}-actuals.csv",
    )


@require_safe
def leads_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """Every lead of the series with its hand-off status, streamed in chunks."""
    agreement = series_agreement_or_404(request.user, pk)
    return _csv_response(
        columns=LEADS_COLUMNS, rows=lead_rows(agreement), filename=f"{_stem(agreement)}-leads.csv"
    )


class _Echo:
    """A file-like object whose write returns the line, for csv.writer into a stream."""

    def write(self, value: str) -> str:
        return value


def _csv_response(
    *, columns: Iterable[str], rows: Iterable[Iterable[object]], filename: str
) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(columns)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _stem(agreement: Agreement) -> str:
    return slugify(agreement.title) or "agreement"
