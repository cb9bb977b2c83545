"""Hand-off compliance by lead type and by month, and the rejections, read from the lead tally."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from agreements.periods import month_start
from performance.dashboard.compliance import (
    ComplianceRow,
    breached_of,
    compliance_counts,
    lead_span,
    leads_with_status,
    local_months,
    month_bucket,
)
from performance.lead_stats import PendingLead, pending_leads
from performance.lead_status import is_rejection
from performance.models import LeadRecord, LeadTally


@dataclass(frozen=True)
class RejectionRow:
    code: str
    label: str
    count: int
    invalid: int


@dataclass(frozen=True)
class LeadFigures:
    """Hand-off compliance by lead type and by month, and the rejections, from one pass."""

    by_type: list[ComplianceRow]
    by_month: list[ComplianceRow]
    rejections: list[RejectionRow]


def lead_figures(
    *,
    series_id: int,
    as_of: dt.datetime,
    zone: str | None = None,
    lead_types: Sequence[str] = (),
    labels: dict[str, str] | None = None,
    pending: Sequence[PendingLead] | None = None,
) -> LeadFigures:
    """Every lead aggregate of the dashboard in two queries, whatever the number of leads.

    The counts come from the series' ``LeadTally`` (a few hundred rows, kept by the import):
    touched leads are met or breached for good, and the untouched are breached unless still
    pending. The pending ones are counted live, by lead type and month, over the partial index
    of untouched leads by due instant: only those due at or after ``as_of`` are read. Months
    are those of the tally's time zone; ``zone`` None takes it as it is, and a different zone
    falls back to counting every lead (``lead_figures_scan``). A page that has read the
    series' pending leads (``lead_stats.pending_leads``) gives them as ``pending``.
    """
    # Plain tuples: a long-running series has a thousand tally rows, and making a model
    # instance of each cost more than the query.
    tallies = list(
        LeadTally.objects.filter(series_id=series_id).values_list(
            "zone",
            "lead_type",
            "month",
            "outcome",
            "invalid_rejection",
            "touched_met",
            "touched_breached",
            "untouched",
        )
    )
    if zone is not None and any(tally[0] != zone for tally in tallies):
        return lead_figures_scan(
            series_id=series_id, as_of=as_of, zone=zone, lead_types=lead_types, labels=labels
        )
    counts = _LeadCounts(lead_types)
    for _zone, lead_type, month, outcome, invalid, met, breached, untouched in tallies:
        # Untouched leads count as breached here; _count_pending moves the pending ones back.
        counts.add(lead_type, month, met, breached + untouched, 0)
        counts.add_rejection(outcome, invalid, met + breached + untouched)
    if tallies:
        if pending is None:
            pending = pending_leads([series_id], as_of=as_of)
        _count_pending(counts, pending=pending, series_id=series_id, zone=ZoneInfo(tallies[0][0]))
    return counts.figures(lead_types, labels or {})


def _count_pending(
    counts: _LeadCounts, *, pending: Sequence[PendingLead], series_id: int, zone: ZoneInfo
) -> None:
    """Move the series' leads still pending from breached to pending, each in its MQL month:
    few rows, where building a CASE over every month of the series in SQL cost more than
    running the whole query."""
    first, last = min(counts.by_month), max(counts.by_month)
    waiting: Counter[tuple[str, dt.date]] = Counter()
    for lead_series, lead_type, mql_at in pending:
        if lead_series != series_id:
            continue
        month = month_start(timezone.localtime(mql_at, zone).date())
        # As the tally's months bound them (every lead is tallied, so this only guards).
        waiting[lead_type, min(max(month, first), last)] += 1
    for (lead_type, month), count in waiting.items():
        counts.add(lead_type, month, 0, -count, count)


def lead_figures_scan(
    *,
    series_id: int,
    as_of: dt.datetime,
    zone: str = "UTC",
    lead_types: Sequence[str] = (),
    labels: dict[str, str] | None = None,
) -> LeadFigures:
    """The figures of ``lead_figures`` counted over every lead, for months in any time zone.

    The span of MQL dates comes off the index; then a single grouped count over the lead
    status annotation by lead type, month, outcome and the invalid-rejection flag, summed here.
    Its cost grows with the leads; the dashboard reads the tally instead.
    """
    counts = _LeadCounts(lead_types)
    first, last = lead_span(series_id)
    if first is not None and last is not None:
        tz = ZoneInfo(zone)
        months = local_months(first, last, tz)
        groups = compliance_counts(
            leads_with_status(LeadRecord.objects.filter(series_id=series_id), as_of)
            .annotate(month_index=month_bucket(months, tz))
            .order_by()
            .values("lead_type", "month_index", "outcome", "invalid_rejection")
        )
        for group in groups:
            met, breached, pending = group["met"], breached_of(group), group["pending"]
            counts.add(group["lead_type"], months[group["month_index"]], met, breached, pending)
            counts.add_rejection(
                group["outcome"], group["invalid_rejection"], met + breached + pending
            )
    return counts.figures(lead_types, labels or {})


class _LeadCounts:
    """Running met, breached and pending counts by lead type and month, and rejections by code."""

    def __init__(self, lead_types: Sequence[str]) -> None:
        # The agreement's lead types show even without leads.
        self.by_type: dict[str, list[int]] = {lead_type: [0, 0, 0] for lead_type in lead_types}
        self.by_month: dict[dt.date, list[int]] = {}
        self.rejected: dict[str, list[int]] = {}

    def add(self, lead_type: str, month: dt.date, met: int, breached: int, pending: int) -> None:
        for counts in (
            self.by_type.setdefault(lead_type, [0, 0, 0]),
            self.by_month.setdefault(month, [0, 0, 0]),
        ):
            counts[0] += met
            counts[1] += breached
            counts[2] += pending

    def add_rejection(self, outcome: str, invalid: bool, leads: int) -> None:
        """Count leads rejected with this outcome code; any lead flagged invalid is a rejection."""
        if is_rejection(outcome, invalid):
            counted = self.rejected.setdefault(outcome, [0, 0])
            counted[0] += leads
            counted[1] += leads if invalid else 0

    def figures(self, lead_types: Sequence[str], labels: dict[str, str]) -> LeadFigures:
        """The rows: the agreement's lead types first, months in order, most rejections first."""
        order = {name: index for index, name in enumerate(lead_types)}
        by_type = sorted(
            self.by_type.items(), key=lambda item: (order.get(item[0], len(order)), item[0])
        )
        rejections = (
            RejectionRow(code, _rejection_label(code, labels), count, invalid)
            for code, (count, invalid) in self.rejected.items()
        )
        return LeadFigures(
            by_type=[ComplianceRow(key, *counts) for key, counts in by_type],
            by_month=[
                ComplianceRow(month, *counts) for month, counts in sorted(self.by_month.items())
            ],
            rejections=sorted(rejections, key=lambda row: (-row.count, row.code)),
        )


def _rejection_label(code: str, labels: dict[str, str]) -> str:
    if code in labels:
        return labels[code]
    if code:
        return _("%(code)s (not a reason code)") % {"code": code}
    return _("(no reason given)")
