"""Hand-off compliance: leads met, breached and pending, and the SQL that groups them by month."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import models
from django.db.models import Case, Count, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agreements.models import AgreementSeries
from agreements.periods import months_between
from performance.dashboard.figures import percent
from performance.lead_status import MET, PENDING, lead_status_annotation
from performance.models import LeadRecord


@dataclass(frozen=True)
class ComplianceRow:
    """Met, breached and pending leads of one lead type, month or series (``key``)."""

    key: Any
    met: int = 0
    breached: int = 0
    pending: int = 0

    @property
    def label(self) -> str:
        if isinstance(self.key, dt.date):
            return f"{self.key:%Y-%m}"
        return str(self.key)

    @property
    def total(self) -> int:
        return self.met + self.breached + self.pending

    @property
    def share_met(self) -> Decimal | None:
        """Met as a percentage of the decided leads (met + breached); pending ones wait."""
        return percent(self.met, self.met + self.breached)


def compliance_total(rows: Iterable[ComplianceRow]) -> ComplianceRow:
    """The sum of the rows, labelled as all leads."""
    rows = list(rows)
    return ComplianceRow(
        _("All leads"),
        met=sum(r.met for r in rows),
        breached=sum(r.breached for r in rows),
        pending=sum(r.pending for r in rows),
    )


def leads_with_status(queryset: QuerySet[LeadRecord], as_of: dt.datetime) -> QuerySet[LeadRecord]:
    return queryset.annotate(handoff_status=lead_status_annotation(as_of))


def compliance_counts(queryset: QuerySet[Any]) -> QuerySet[Any]:
    """Grouped counts of all, met and pending leads (``handoff_status`` annotated).

    Breached is the rest (the status has exactly three values): each FILTER evaluates the
    status CASE again, so counting two statuses instead of three saves a third of that work.
    """
    return queryset.annotate(
        leads=Count("pk"),
        met=Count("pk", filter=Q(handoff_status=MET)),
        pending=Count("pk", filter=Q(handoff_status=PENDING)),
    )


def breached_of(row: Mapping[str, Any]) -> int:
    """The breached leads of a ``compliance_counts`` group: all that are neither met nor pending."""
    return int(row["leads"] - row["met"] - row["pending"])


def lead_span(series_id: int) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The first and last MQL instants of the series, read off the (series, mql_at) index."""
    leads = LeadRecord.objects.filter(series_id=OuterRef("pk"))
    row = (
        AgreementSeries.objects.filter(pk=series_id)
        .annotate(
            first=Subquery(leads.order_by("mql_at").values("mql_at")[:1]),
            last=Subquery(leads.order_by("-mql_at").values("mql_at")[:1]),
        )
        .values_list("first", "last")
        .first()
    )
    return row if row else (None, None)


def local_months(first: dt.datetime, last: dt.datetime, zone: ZoneInfo) -> list[dt.date]:
    """First days of the months, in ``zone``, from the one holding ``first`` to ``last``'s."""
    return months_between(
        timezone.localtime(first, zone).date(), timezone.localtime(last, zone).date()
    )


def month_bucket(months: Sequence[dt.date], zone: ZoneInfo) -> Any:
    """SQL for the index in ``months`` (consecutive, in ``zone``) of the month holding ``mql_at``.

    A balanced CASE over the months' first instants (midnight in the agreement's zone), so a
    row costs a few comparisons in the database's own code: exact across daylight-saving
    changes, and free of the per-row Python call that TruncMonth(tzinfo=...) makes on SQLite
    (five seconds for 100,000 leads). Instants before the second month fall in the first, and
    instants after the last month's start in the last.
    """
    starts = [dt.datetime.combine(month, dt.time(), tzinfo=zone) for month in months]
    return _bucket_between(starts, 0, len(starts))


def _bucket_between(starts: Sequence[dt.datetime], low: int, high: int) -> Any:
    if high - low == 1:
        return Value(low, output_field=models.IntegerField())
    middle = (low + high) // 2
    return Case(
        When(mql_at__lt=starts[middle], then=_bucket_between(starts, low, middle)),
        default=_bucket_between(starts, middle, high),
        output_field=models.IntegerField(),
    )
