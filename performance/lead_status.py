"""A lead's hand-off status as of a moment: met, breached or pending, from stored columns."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, CharField, F, Q, Value, When
from django.utils import timezone

from performance.models import LeadRecord

MET = LeadRecord.Status.MET.value
BREACHED = LeadRecord.Status.BREACHED.value
PENDING = LeadRecord.Status.PENDING.value
# The outcome of a lead sales accepted; any other non-empty outcome is a rejection code.
ACCEPTED = "accepted"


def pending_at(as_of: dt.datetime) -> Q:
    """The leads still pending at ``as_of``: untouched, and due at or after it. The partial
    index of untouched leads by due instant (``lead_record_untouched_due``) serves it."""
    return Q(first_touch_at__isnull=True, due_at__gte=as_of)


def overdue_at(as_of: dt.datetime) -> Q:
    """The untouched leads breached at ``as_of``: their limit ran out before it."""
    return Q(first_touch_at__isnull=True, due_at__lt=as_of)


def lead_status_annotation(as_of: dt.datetime | None = None) -> Case:
    """SQL for the status: touched by ``due_at`` is met; untouched is pending until ``due_at``."""
    as_of = as_of or timezone.now()
    return Case(
        When(
            Q(first_touch_at__isnull=False, first_touch_at__lte=F("due_at")),
            then=Value(MET),
        ),
        When(
            Q(first_touch_at__isnull=False) | Q(due_at__lt=as_of),
            then=Value(BREACHED),
        ),
        default=Value(PENDING),
        output_field=CharField(max_length=8),
    )


def lead_status(first_touch_at: dt.datetime | None, due_at: dt.datetime, as_of: dt.datetime) -> str:
    """The same rule as ``lead_status_annotation``, for rows not yet read back from the database."""
    if first_touch_at is not None:
        return MET if first_touch_at <= due_at else BREACHED
    return BREACHED if due_at < as_of else PENDING


def is_rejection(outcome: str, invalid: bool) -> bool:
    """Whether a lead counts as rejected: any outcome but acceptance, or a lead flagged as
    rejected without a valid reason whatever its outcome."""
    return invalid or outcome not in ("", ACCEPTED)
