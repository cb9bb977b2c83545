"""Which signed version of an agreement stands on a day or in a month, in its own calendar."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from agreements.models import Agreement
from agreements.periods import add_months, spans_overlap
from agreements.selectors import version_for_day


def local_today(agreement: Agreement, now: dt.datetime) -> dt.date:
    """Today's date in the agreement's time zone."""
    return timezone.localtime(now, ZoneInfo(agreement.timezone)).date()


def series_versions(agreement: Agreement) -> list[Agreement]:
    """The series' signed versions (latest first) and the given one, with their section rows."""
    return list(
        Agreement.objects.filter(
            Q(series_id=agreement.series_id, status=Agreement.Status.SIGNED) | Q(pk=agreement.pk)
        )
        .prefetch_related("kpis", "rejection_reasons", "deadlines", "service_levels")
        .order_by("-version")
    )


@dataclass
class VersionChain:
    """The signed versions of a series, and the one whose terms stand for "now"."""

    viewed: Agreement
    signed: list[Agreement]
    current: Agreement

    @classmethod
    def load(cls, agreement: Agreement, *, today: dt.date) -> VersionChain:
        versions = series_versions(agreement)
        signed = [v for v in versions if v.status == Agreement.Status.SIGNED]
        viewed = next(v for v in versions if v.pk == agreement.pk)
        return cls(viewed=viewed, signed=signed, current=version_for_day(signed, today) or viewed)

    def for_day(self, day: dt.date) -> Agreement:
        """The version in force on ``day`` (selectors.version_for_day), or the viewed draft."""
        return version_for_day(self.signed, day) or self.viewed

    def for_month(self, month: dt.date) -> Agreement:
        """The version in force on the month's first day, or on the first day one starts in it."""
        last = add_months(month, 1) - dt.timedelta(days=1)
        covered = any(v.start_date <= month <= v.end_date for v in self.signed)
        if not covered:
            starts = sorted(v.start_date for v in self.signed if month < v.start_date <= last)
            if starts:
                return self.for_day(starts[0])
        return self.for_day(month)

    def covers_month(self, month: dt.date) -> bool:
        """Whether a day of the month lies in a signed version's period (the viewed, if none)."""
        spans = [(v.start_date, v.end_date) for v in self.signed or [self.viewed]]
        return spans_overlap(spans, month, add_months(month, 1) - dt.timedelta(days=1))

    @property
    def first_day(self) -> dt.date:
        return min(v.start_date for v in self.signed or [self.viewed])

    @property
    def last_day(self) -> dt.date:
        return max(v.end_date for v in self.signed or [self.viewed])
