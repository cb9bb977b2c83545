"""Who may record actuals, KPI values and leads against an agreement, in which state and when."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from agreements.lifecycle import Act, refusal
from agreements.models import Agreement
from agreements.periods import (
    Span,
    add_months,
    month_start,
    months_between,
    period_end,
    spans_merged,
    spans_overlap,
    within_calendar,
)
from agreements.permissions import ensure_party

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django_stubs_ext import StrOrPromise

ERROR_OUTSIDE_PERIOD = gettext_noop("{period} is outside the agreement's period, {span}.")
# A span of months in one year ("January–March 2027"), or across years.
SPAN_TEXT_ONE_YEAR = gettext_noop("{first}–{last} {year}")
SPAN_TEXT = gettext_noop("{first}–{last}")
SPANS_AND = gettext_lazy("and")


def ensure_may_record(actor: User | None, agreement: Agreement) -> None:
    """PermissionDenied unless the actor is a party; ValidationError unless the state allows it.

    No actor is the command line, run by the operator for any agreement.
    """
    if actor is not None:
        ensure_party(actor, agreement)
    reason = refusal(agreement, Act.RECORD)
    if reason:
        raise ValidationError(reason, code="not_recordable")


@dataclass(frozen=True)
class RecordablePeriod:
    """The days figures may be recorded for: the union of the series' signed periods."""

    spans: list[Span]

    def covers_month(self, month: dt.date) -> bool:
        """Whether any day of the month holding ``month`` lies in the period."""
        if not within_calendar(month):
            return False
        first = month_start(month)
        return spans_overlap(self.spans, first, add_months(first, 1) - dt.timedelta(days=1))

    def covers_kpi_period(self, start: dt.date, cadence: str) -> bool:
        """Whether any day of the cadence's period starting on ``start`` lies in the period."""
        if not within_calendar(start):
            return False
        return spans_overlap(self.spans, start, period_end(start, cadence) - dt.timedelta(days=1))

    def covers_kpi_value(self, start: dt.date, cadences: Collection[str]) -> bool:
        """Whether a KPI value for the period starting on ``start`` lies in the period: its
        period, in any cadence its KPI was signed with, touches it (for a name no signed version
        has, its first day lies in it)."""
        if not cadences:
            return within_calendar(start) and spans_overlap(self.spans, start, start)
        return any(self.covers_kpi_period(start, cadence) for cadence in cadences)

    @property
    def months(self) -> list[dt.date]:
        """The first day of every month the period touches, in order."""
        return [month for first, last in self.spans for month in months_between(first, last)]

    def month_to_enter(self, recorded: set[dt.date], today: dt.date) -> dt.date:
        """The month a new entry most likely is for: the latest month so far without figures.

        Before the period begins, its first month; once every month so far has figures, the
        next one without, else the last month so far.
        """
        months = self.months
        so_far = [month for month in months if month <= today] or months[:1]
        missing = [month for month in so_far if month not in recorded]
        if missing:
            return missing[-1]
        later = [month for month in months if month > so_far[-1] and month not in recorded]
        return later[0] if later else so_far[-1]

    def day_to_enter(self, today: dt.date) -> dt.date:
        """Today if it lies in the period; else its last day before today, or its first day."""
        if spans_overlap(self.spans, today, today):
            return today
        before = [last for _first, last in self.spans if last < today]
        return before[-1] if before else self.spans[0][0]

    def refusal(self, label: str) -> str:
        """Why the month or period called ``label`` cannot be recorded."""
        return _(ERROR_OUTSIDE_PERIOD).format(period=label, span=self.text)

    @property
    def text(self) -> str:
        """The period in words, such as “January–March 2027”."""
        spans: list[StrOrPromise] = [span_text(first, last) for first, last in self.spans]
        return str(get_text_list(spans, SPANS_AND))


def span_text(first: dt.date, last: dt.date) -> str:
    """The months from ``first`` to ``last`` in words: “March 2027”, “January–March 2027”."""
    if (first.year, first.month) == (last.year, last.month):
        return date_format(first, "F Y")
    if first.year == last.year:
        return _(SPAN_TEXT_ONE_YEAR).format(
            first=date_format(first, "F"), last=date_format(last, "F"), year=first.year
        )
    return _(SPAN_TEXT).format(first=date_format(first, "F Y"), last=date_format(last, "F Y"))


def recordable_period(agreement: Agreement) -> RecordablePeriod:
    """The series' signed periods, merged (one query); the agreement's own if none is signed."""
    spans = Agreement.objects.filter(
        series_id=agreement.series_id, status=Agreement.Status.SIGNED
    ).values_list("start_date", "end_date")
    return RecordablePeriod(
        spans_merged(list(spans) or [(agreement.start_date, agreement.end_date)])
    )
