"""Actuals, lead records and alerts, written directly against a series."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import factory

from performance.models import Alert, KpiActual, LeadRecord, MonthlyActual
from performance.services.lead_tally import lead_tally_refresh
from tests.factories.agreements import AgreementFactory, AgreementSeriesFactory

UTC = dt.UTC


class MonthlyActualFactory(factory.django.DjangoModelFactory[MonthlyActual]):
    class Meta:
        model = MonthlyActual

    series = factory.SubFactory(AgreementSeriesFactory)
    month = factory.Sequence(lambda n: dt.date(2026 + n // 12, n % 12 + 1, 1))
    leads = 500
    mqls = 100
    sqls = 40
    customers = 10
    revenue = Decimal("100000.00")


class KpiActualFactory(factory.django.DjangoModelFactory[KpiActual]):
    class Meta:
        model = KpiActual

    series = factory.SubFactory(AgreementSeriesFactory)
    kpi_name = "MQLs delivered"
    period_start = factory.Sequence(lambda n: dt.date(2026 + n // 12, n % 12 + 1, 1))
    value = Decimal("100.00")


class LeadRecordFactory(factory.django.DjangoModelFactory[LeadRecord]):
    """A lead of a signed agreement touched within its hour; saving refreshes the series' tally.

    The default MQL moment is a Monday morning, inside the standard template's working hours.
    """

    class Meta:
        model = LeadRecord

    agreement = factory.SubFactory(AgreementFactory, signed=True)
    series = factory.SelfAttribute("agreement.series")
    lead_id = factory.Sequence(lambda n: f"L-{n:06d}")
    lead_type = "Demo request"
    mql_at = dt.datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    limit_hours = Decimal("1.00")
    due_at = factory.LazyAttribute(lambda lead: lead.mql_at + dt.timedelta(hours=1))
    first_touch_at = factory.LazyAttribute(lambda lead: lead.mql_at + dt.timedelta(minutes=30))
    response_hours = Decimal("0.50")
    attempts = 1
    outcome = "accepted"

    @classmethod
    def _create(cls, model_class: type[LeadRecord], *args: Any, **kwargs: Any) -> LeadRecord:
        record = super()._create(model_class, *args, **kwargs)
        lead_tally_refresh(series_id=record.series_id)
        return record


class AlertFactory(factory.django.DjangoModelFactory[Alert]):
    class Meta:
        model = Alert

    agreement = factory.SubFactory(AgreementFactory, signed=True)
    series = factory.SelfAttribute("agreement.series")
    kind = Alert.Kind.KPI_AT_RISK
    occurrence = factory.Sequence(lambda n: f"occurrence-{n}")
    message = "MQLs delivered is behind its target."
