"""Builders for the performance tests: agreements signed by the services, leads and actuals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from agreements.models import Agreement
from agreements.periods import month_start
from performance.models import LeadRecord, MonthlyActual
from performance.services.lead_tally import lead_tally_refresh
from teams.models import Team
from tests.factories import AgreementFactory, advance_to, edit_sections

if TYPE_CHECKING:
    from django.contrib.auth.models import User

UTC = dt.UTC


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


def sign(agreement: Agreement, *, when: dt.datetime | None = None, **fields: Any) -> Agreement:
    """The draft with ``fields`` saved through their sections, then submitted and signed.

    It is signed at ``when``, by default midnight UTC of its first day, so it is in force
    for its whole period.
    """
    when = when or dt.datetime.combine(agreement.start_date, dt.time(), tzinfo=UTC)
    agreement = edit_sections(agreement, agreement.owner, fields)
    return advance_to(agreement, Agreement.Status.SIGNED, signed_at=when)


def signed_agreement(
    *,
    actor: User,
    marketing_team: Team,
    sales_team: Team,
    start: dt.date,
    end: dt.date,
    title: str = "Pipeline SLA",
    **fields: Any,
) -> Agreement:
    """A standard agreement owned by ``actor``, with ``fields`` saved, signed as ``sign`` does."""
    draft = AgreementFactory.create(
        owner=actor,
        title=title,
        marketing_team=marketing_team,
        sales_team=sales_team,
        start_date=start,
        end_date=end,
        **fields,
    )
    return sign(draft)


def agreement_in_force(
    *, actor: User, marketing_team: Team, sales_team: Team, today: dt.date, title: str
) -> Agreement:
    """A signed standard agreement in force since the month before last, for four months more."""
    return signed_agreement(
        actor=actor,
        marketing_team=marketing_team,
        sales_team=sales_team,
        start=month_start(today) - dt.timedelta(days=59),
        end=today + dt.timedelta(days=120),
        title=title,
    )


def amend(
    previous: Agreement, *, start: dt.date, superseded_at: dt.datetime, **fields: Any
) -> Agreement:
    """The signed next version from ``start``, with ``fields``, superseding ``previous`` then."""
    amendment = AgreementFactory.create(
        amends=previous, signed=True, signed_at=superseded_at, start_date=start, **fields
    )
    previous.refresh_from_db()
    return amendment


def lead(
    agreement: Agreement,
    lead_id: str,
    *,
    mql_at: dt.datetime,
    due_at: dt.datetime,
    first_touch_at: dt.datetime | None = None,
    lead_type: str = "Demo request",
    outcome: str = "",
    invalid_rejection: bool = False,
    limit_hours: str = "1.00",
    response_hours: str | None = None,
    save: bool = True,
) -> LeadRecord:
    record = LeadRecord(
        series_id=agreement.series_id,
        agreement=agreement,
        lead_id=lead_id,
        lead_type=lead_type,
        mql_at=mql_at,
        due_at=due_at,
        first_touch_at=first_touch_at,
        outcome=outcome,
        invalid_rejection=invalid_rejection,
        limit_hours=Decimal(limit_hours),
        response_hours=None if response_hours is None else Decimal(response_hours),
    )
    if save:
        record.save()
        lead_tally_refresh(series_id=agreement.series_id)
    return record


def monthly(
    agreement: Agreement,
    month: dt.date,
    *,
    leads: int,
    mqls: int,
    sqls: int,
    customers: int,
    revenue: str,
) -> MonthlyActual:
    return MonthlyActual.objects.create(
        series_id=agreement.series_id,
        month=month,
        leads=leads,
        mqls=mqls,
        sqls=sqls,
        customers=customers,
        revenue=Decimal(revenue),
    )
