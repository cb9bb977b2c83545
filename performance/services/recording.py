"""Who may record actuals, KPI values and leads against an agreement, in which state and when."""

from __future__ import annotations

import datetime as dt
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
    period_end,
    spans_merged,
    spans_overlap,
    within_calendar,
)
from agreements.permissions import ensure_party

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django_stubs_ext import StrOrPromise

ERROR_OUTSIDE_PERIOD = gettext_noop("{period} is outside this agreement's period, {span}.")
SPAN_TEXT = gettext_noop("{first} to {last}")
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

    def refusal(self, label: str) -> str:
        """Why the month or period called ``label`` cannot be recorded."""
        return _(ERROR_OUTSIDE_PERIOD).format(period=label, span=self.text)

    @property
    def text(self) -> str:
        """The period in words, such as “January 2027 to March 2027”."""
        spans: list[StrOrPromise] = [
            _(SPAN_TEXT).format(first=date_format(first, "F Y"), last=date_format(last, "F Y"))
            for first, last in self.spans
        ]
        return str(get_text_list(spans, SPANS_AND))


def recordable_period(agreement: Agreement) -> RecordablePeriod:
    """The series' signed periods, merged (one query); the agreement's own if none is signed."""
    spans = Agreement.objects.filter(
        series_id=agreement.series_id, status=Agreement.Status.SIGNED
    ).values_list("start_date", "end_date")
    return RecordablePeriod(
        spans_merged(list(spans) or [(agreement.start_date, agreement.end_date)])
    )
