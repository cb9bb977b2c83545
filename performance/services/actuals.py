"""Recording actuals against an agreement's series: monthly figures and KPI values per period."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from agreements import periods
from agreements.funnel import stages_above_previous
from agreements.models import Agreement, AgreementEvent, AgreementSeries, Kpi
from agreements.selectors import kpis_in_force
from agreements.services.audit import event_record
from performance.models import KpiActual, MonthlyActual
from performance.services.recording import ensure_may_record, recordable_period

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ERROR_UNKNOWN_KPI = gettext_noop("The agreement in force on {day} has no KPI “{name}”.")
ERROR_COMPUTED_KPI = gettext_noop(
    "KPI “{name}” is computed from the data ({measure}); it cannot be entered by hand."
)
ERROR_CONFLICT = gettext_noop(
    "These figures were being saved by someone else at the same moment; check them and save again."
)


WARNING_STAGE_ABOVE_PREVIOUS = gettext_noop(
    "{count} {stage} against {previous_count} {previous}: more than the stage before."
)
STAGE_WORDS = {
    "leads": gettext_noop("leads"),
    "mqls": gettext_noop("MQLs"),
    "sqls": gettext_noop("SQLs"),
    "customers": gettext_noop("customers"),
}


class FunnelNotConfirmed(ValidationError):
    """A month's funnel has a stage above the one before it, and saving it was not confirmed."""

    def __init__(self, warnings: list[str]) -> None:
        super().__init__(warnings, code="funnel_not_confirmed")
        self.warnings = warnings


def funnel_warnings(figures: Mapping[str, Any]) -> list[str]:
    """What looks wrong in a month's funnel: each stage counted above the stage before it."""
    return [
        _(WARNING_STAGE_ABOVE_PREVIOUS).format(
            count=figures[stage],
            stage=_(STAGE_WORDS[stage]),
            previous_count=figures[previous],
            previous=_(STAGE_WORDS[previous]),
        )
        for stage, previous in stages_above_previous(figures)
    ]


def _figures_json(figures: dict[str, Any]) -> dict[str, Any]:
    return {name: str(value) for name, value in figures.items()}


def month_locked(series_id: int, month: dt.date) -> MonthlyActual | None:
    """The month's recorded figures, locked until the transaction ends; None if not recorded."""
    return (
        MonthlyActual.objects.select_for_update().filter(series_id=series_id, month=month).first()
    )


def kpi_value_locked(series_id: int, kpi_name: str, start: dt.date) -> KpiActual | None:
    """The KPI's recorded value for the period, locked until the transaction ends, or None."""
    return (
        KpiActual.objects.select_for_update()
        .filter(series_id=series_id, kpi_name=kpi_name, period_start=start)
        .first()
    )


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
    confirm_funnel: bool = False,
) -> MonthlyActual:
    """Create or replace one month's figures for the agreement's series, with an audit event.

    The month must touch the series' signed period (ValidationError on ``month`` otherwise).
    A stage above the one before it (300 SQLs of 100 MQLs) is saved only with
    ``confirm_funnel``; otherwise FunnelNotConfirmed lists what looks wrong.
    """
    ensure_may_record(actor, agreement)
    period = recordable_period(agreement)
    if not period.covers_month(month):
        message = period.refusal(f"{month:%Y-%m}")
        raise ValidationError({"month": ValidationError(message, code="outside_period")})
    month = periods.month_start(month)
    figures = {
        "leads": leads,
        "mqls": mqls,
        "sqls": sqls,
        "customers": customers,
        "revenue": revenue,
    }
    warnings = funnel_warnings(figures)
    if warnings and not confirm_funnel:
        raise FunnelNotConfirmed(warnings)

    def write() -> MonthlyActual:
        # Waits for an import of the series' months (actuals_import takes the same lock).
        AgreementSeries.objects.select_for_update().filter(pk=agreement.series_id).first()
        existing = month_locked(agreement.series_id, month)
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
                **({"confirmed_warnings": warnings} if warnings else {}),
            },
            ip_address=ip_address,
        )
        return actual

    return _written_despite_a_race(write)


def _written_despite_a_race[Written: (MonthlyActual, KpiActual)](
    write: Callable[[], Written],
) -> Written:
    """Run ``write`` in a savepoint, and once more if it lost a race to create the same row.

    Two first saves of a month (or KPI period) both find no row and both insert; the later
    insert breaks the unique constraint once the earlier commits. Run again, ``write`` then
    finds that row, locks it and updates it, as if the saves had come one after the other.
    """
    try:
        with transaction.atomic():
            return write()
    except IntegrityError:
        pass
    try:
        with transaction.atomic():
            return write()
    except IntegrityError:
        raise ValidationError(_(ERROR_CONFLICT), code="conflict") from None


def _kpi_actual_write(
    *,
    agreement: Agreement,
    actor: User | None,
    kpi: Kpi,
    start: dt.date,
    value: Decimal,
    ip_address: str | None,
) -> KpiActual:
    def write() -> KpiActual:
        existing = kpi_value_locked(agreement.series_id, kpi.name, start)
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

    return _written_despite_a_race(write)


def kpi_actuals_save(
    *,
    agreement: Agreement,
    actor: User | None,
    day: dt.date,
    values: dict[str, Decimal | None],
    ip_address: str | None = None,
) -> list[KpiActual]:
    """Record the values of the KPIs in force on ``day`` for the periods holding it.

    Only KPIs entered by hand take values; a computed KPI named is refused.

    A value left empty (None), or equal to the one recorded, changes nothing and writes no event.
    Each KPI's period must touch the series' signed period, else nothing is saved.
    """
    ensure_may_record(actor, agreement)
    _version, kpis = kpis_in_force(agreement, day)
    computed = {kpi.name: kpi for kpi in kpis if kpi.is_computed}
    by_name = {kpi.name: kpi for kpi in kpis if not kpi.is_computed}
    for name in values:
        if name in computed:
            raise ValidationError(
                _(ERROR_COMPUTED_KPI).format(
                    name=name, measure=computed[name].get_measure_display()
                ),
                code="computed_kpi",
            )
    unknown = [name for name in values if name not in by_name]
    if unknown:
        raise ValidationError(_(ERROR_UNKNOWN_KPI).format(day=day, name=unknown[0]))
    starts = {name: periods.period_start(kpi.cadence, day) for name, kpi in by_name.items()}
    period = recordable_period(agreement)
    if any(
        not period.covers_kpi_period(starts[name], by_name[name].cadence)
        for name, value in values.items()
        if value is not None
    ):
        raise ValidationError(period.refusal(f"{day:%Y-%m-%d}"), code="outside_period")
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
