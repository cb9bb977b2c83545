"""Builders for the performance tests: signed agreements, leads and actuals set up directly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from agreements.models import Agreement, AgreementSeries
from agreements.services.agreements import agreement_create
from performance.models import LeadRecord, MonthlyActual
from performance.services.lead_tally import lead_tally_refresh
from teams.models import Team

UTC = dt.UTC


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


def sign(agreement: Agreement, *, when: dt.datetime | None = None) -> Agreement:
    """Mark an agreement signed directly (the sign-off services are tested elsewhere)."""
    when = when or dt.datetime.combine(agreement.start_date, dt.time(), tzinfo=UTC)
    Agreement.objects.filter(pk=agreement.pk).update(status="signed", signed_at=when)
    agreement.refresh_from_db()
    return agreement


def signed_agreement(
    *,
    actor: Any,
    marketing_team: Team,
    sales_team: Team,
    start: dt.date,
    end: dt.date,
    title: str = "Pipeline SLA",
    **fields: Any,
) -> Agreement:
    """A signed agreement from the standard template; extra fields are set directly."""
    agreement = agreement_create(
        actor=actor,
        title=title,
        marketing_team=marketing_team,
        sales_team=sales_team,
        start_date=start,
        end_date=end,
        from_template=True,
    )
    if fields:
        Agreement.objects.filter(pk=agreement.pk).update(**fields)
    return sign(agreement)


def amend(
    previous: Agreement, *, start: dt.date, superseded_at: dt.datetime, **fields: Any
) -> Agreement:
    """A signed version 2 in the previous version's series, superseding it at the given moment."""
    copy = agreement_create(
        actor=previous.owner,
        title=previous.title,
        marketing_team=previous.marketing_team,
        sales_team=previous.sales_team,
        start_date=start,
        end_date=previous.end_date,
        from_template=True,
    )
    orphan = copy.series_id
    Agreement.objects.filter(pk=copy.pk).update(
        series_id=previous.series_id,
        version=previous.version + 1,
        amends=previous,
        status="signed",
        signed_at=superseded_at,
        **fields,
    )
    AgreementSeries.objects.filter(pk=orphan).delete()
    Agreement.objects.filter(pk=previous.pk).update(superseded_at=superseded_at)
    copy.refresh_from_db()
    previous.refresh_from_db()
    return copy


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
