"""Recording actuals against an agreement's series: monthly figures and KPI values per period."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from agreements import periods
from agreements.models import Agreement, AgreementEvent, Kpi
from agreements.selectors import kpis_in_force
from agreements.services.audit import event_record
from performance.models import KpiActual, MonthlyActual
from performance.services.recording import ensure_may_record

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ERROR_UNKNOWN_KPI = gettext_noop("The agreement in force on {day} has no KPI “{name}”.")


def _figures_json(figures: dict[str, Any]) -> dict[str, Any]:
    return {name: str(value) for name, value in figures.items()}


def monthly_actual_save(
    *,
    agreement: Agreement,
    actor: User | None,
    month: dt.date,
    leads: int,
    mqls: int,
    sqls: int,
    customers: int,
    revenue: Decimal,
    ip_address: str | None = None,
) -> MonthlyActual:
    """Create or replace one month's figures for the agreement's series, with an audit event."""
    ensure_may_record(actor, agreement)
    month = month.replace(day=1)
    figures = {
        "leads": leads,
        "mqls": mqls,
        "sqls": sqls,
        "customers": customers,
        "revenue": revenue,
    }
    with transaction.atomic():
        existing = (
            MonthlyActual.objects.select_for_update()
            .filter(series_id=agreement.series_id, month=month)
            .first()
        )
        previous = (
            _figures_json({name: getattr(existing, name) for name in figures}) if existing else None
        )
        actual = existing or MonthlyActual(series_id=agreement.series_id, month=month)
        for name, value in figures.items():
            setattr(actual, name, value)
        actual.updated_by = actor
        actual.full_clean(exclude=["series", "updated_by"], validate_unique=False)
        actual.save()
        event_record(
            agreement=agreement,
            actor=actor,
            kind=AgreementEvent.Kind.ACTUALS_RECORDED,
            details={
                "source": "form",
                "month": f"{month:%Y-%m}",
                "figures": _figures_json(figures),
                "previous": previous,
            },
            ip_address=ip_address,
        )
    return actual


def kpi_actual_save(
    *,
    agreement: Agreement,
    actor: User | None,
    kpi_name: str,
    period_start: dt.date,
    value: Decimal,
    ip_address: str | None = None,
) -> KpiActual:
    """Record one KPI's value for the period of its cadence that holds ``period_start``."""
    ensure_may_record(actor, agreement)
    _version, kpis = kpis_in_force(agreement, period_start)
    kpi = next((kpi for kpi in kpis if kpi.name == kpi_name), None)
    if kpi is None:
        raise ValidationError(_(ERROR_UNKNOWN_KPI).format(day=period_start, name=kpi_name))
    return _kpi_actual_write(
        agreement=agreement,
        actor=actor,
        kpi=kpi,
        start=periods.period_start(kpi.cadence, period_start),
        value=value,
        ip_address=ip_address,
    )


def _kpi_actual_write(
    *,
    agreement: Agreement,
    actor: User | None,
    kpi: Kpi,
    start: dt.date,
    value: Decimal,
    ip_address: str | None,
) -> KpiActual:
    with transaction.atomic():
        existing = (
            KpiActual.objects.select_for_update()
            .filter(series_id=agreement.series_id, kpi_name=kpi.name, period_start=start)
            .first()
        )
        previous = str(existing.value) if existing else None
        actual = existing or KpiActual(
            series_id=agreement.series_id, kpi_name=kpi.name, period_start=start
        )
        actual.value = value
        actual.updated_by = actor
        actual.full_clean(exclude=["series", "updated_by"], validate_unique=False)
        actual.save()
        event_record(
            agreement=agreement,
            actor=actor,
            kind=AgreementEvent.Kind.ACTUALS_RECORDED,
            details={
                "source": "form",
                "kpi": kpi.name,
                "cadence": kpi.cadence,
                "period_start": start.isoformat(),
                "value": str(value),
                "previous": previous,
            },
            ip_address=ip_address,
        )
    return actual


def kpi_actuals_save(
    *,
    agreement: Agreement,
    actor: User | None,
    day: dt.date,
    values: dict[str, Decimal | None],
    ip_address: str | None = None,
) -> list[KpiActual]:
    """Record the values of the KPIs in force on ``day`` for the periods holding it.

    A value left empty (None), or equal to the one recorded, changes nothing and writes no event.
    """
    ensure_may_record(actor, agreement)
    _version, kpis = kpis_in_force(agreement, day)
    by_name = {kpi.name: kpi for kpi in kpis}
    unknown = [name for name in values if name not in by_name]
    if unknown:
        raise ValidationError(_(ERROR_UNKNOWN_KPI).format(day=day, name=unknown[0]))
    starts = {name: periods.period_start(kpi.cadence, day) for name, kpi in by_name.items()}
    recorded = {
        (actual.kpi_name, actual.period_start): actual.value
        for actual in KpiActual.objects.filter(
            series_id=agreement.series_id,
            kpi_name__in=list(by_name),
            period_start__in=set(starts.values()),
        )
    }
    saved = []
    with transaction.atomic():
        for name, value in values.items():
            if value is None or recorded.get((name, starts[name])) == value:
                continue
            saved.append(
                _kpi_actual_write(
                    agreement=agreement,
                    actor=actor,
                    kpi=by_name[name],
                    start=starts[name],
                    value=value,
                    ip_address=ip_address,
                )
            )
    return saved
