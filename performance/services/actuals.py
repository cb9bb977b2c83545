"""Recording actuals against an agreement's series: monthly figures and KPI values per period."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from agreements import periods
from agreements.models import Agreement, AgreementEvent, Kpi
from agreements.periods import parse_month
from agreements.permissions import can_view
from agreements.selectors import kpis_in_force
from agreements.services.audit import event_record
from performance.models import KpiActual, MonthlyActual

ACTUALS_COLUMNS = ("month", "leads", "mqls", "sqls", "customers", "revenue")
COUNT_COLUMNS = ("leads", "mqls", "sqls", "customers")
MAX_COUNT = 2_147_483_647
MAX_REVENUE = Decimal("999999999999.99")
MAX_ROWS = 1200

ERROR_NOT_SIGNED = "Actuals are recorded against a signed agreement; this one is {status}."
ERROR_NOT_PARTY = "Only members of the agreement's teams and staff record actuals."
ERROR_EMPTY_FILE = "The file is empty."
ERROR_NOT_UTF8 = "The file is not UTF-8 text from this line on."
ERROR_CSV = "The file is not valid CSV: {reason}."
ERROR_MISSING_COLUMN = "The file has no column “{column}”."
ERROR_COLUMN_TWICE = "The column “{column}” appears more than once."
ERROR_TOO_MANY_ROWS = "The file has more than {limit} rows."
ERROR_REQUIRED = "A value is required."
ERROR_MONTH = "“{value}” is not a month written as YYYY-MM."
ERROR_DUPLICATE_MONTH = "The month {month} already appears on line {line}."
ERROR_COUNT = "“{value}” is not a whole number, 0 or more."
ERROR_REVENUE = "“{value}” is not an amount, 0 or more, with at most two decimals."
ERROR_NO_ROWS = "The file has no rows of figures."
ERROR_UNKNOWN_KPI = "The agreement in force on {day} has no KPI “{name}”."


@dataclass
class ActualsRow:
    """One line of an actuals file: its cells as written, and the figures if they are valid."""

    line: int
    cells: dict[str, str]
    month: dt.date | None = None
    figures: dict[str, Any] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ParsedActuals:
    rows: list[ActualsRow] = field(default_factory=list)
    # (line, column, message), in file order; file-wide problems have column "".
    errors: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


@dataclass
class ActualsImportResult:
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)


def _ensure_may_record(actor: Any, agreement: Agreement) -> None:
    if actor is not None and not can_view(actor, agreement):
        raise PermissionDenied(_(ERROR_NOT_PARTY))
    if agreement.status != Agreement.Status.SIGNED:
        raise ValidationError(
            _(ERROR_NOT_SIGNED).format(status=agreement.get_status_display().lower())
        )


def _figures_json(figures: dict[str, Any]) -> dict[str, Any]:
    return {name: str(value) for name, value in figures.items()}


def monthly_actual_save(
    *,
    agreement: Agreement,
    actor: Any,
    month: dt.date,
    leads: int,
    mqls: int,
    sqls: int,
    customers: int,
    revenue: Decimal,
    ip_address: str | None = None,
) -> MonthlyActual:
    """Create or replace one month's figures for the agreement's series, with an audit event."""
    _ensure_may_record(actor, agreement)
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
        actual.updated_by = actor if getattr(actor, "is_authenticated", False) else None
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
    actor: Any,
    kpi_name: str,
    period_start: dt.date,
    value: Decimal,
    ip_address: str | None = None,
) -> KpiActual:
    """Record one KPI's value for the period of its cadence that holds ``period_start``."""
    _ensure_may_record(actor, agreement)
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
    actor: Any,
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
        actual.updated_by = actor if getattr(actor, "is_authenticated", False) else None
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
    actor: Any,
    day: dt.date,
    values: dict[str, Decimal | None],
    ip_address: str | None = None,
) -> list[KpiActual]:
    """Record the values of the KPIs in force on ``day`` for the periods holding it.

    A value left empty (None), or equal to the one recorded, changes nothing and writes no event.
    """
    _ensure_may_record(actor, agreement)
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


def _parse_count(text: str) -> int | None:
    if not text.isdigit():
        return None
    number = int(text)
    return number if number <= MAX_COUNT else None


def _parse_revenue(text: str) -> Decimal | None:
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0 or amount > MAX_REVENUE:
        return None
    if amount != amount.quantize(Decimal("0.01")):
        return None
    return amount.quantize(Decimal("0.01"))


def actuals_csv_parse(file: Iterable[str] | str) -> ParsedActuals:
    """Read an actuals CSV; every problem is reported by line (header = 1) and column."""
    parsed = ParsedActuals()
    stream = io.StringIO(file) if isinstance(file, str) else file
    reader = csv.reader(stream)
    try:
        header = [name.strip().lower() for name in next(reader, [])]
    except (UnicodeDecodeError, csv.Error) as error:
        parsed.errors.append((1, "", _decode_message(error)))
        return parsed
    if not any(header):
        parsed.errors.append((1, "", _(ERROR_EMPTY_FILE)))
        return parsed
    for name in ACTUALS_COLUMNS:
        if header.count(name) > 1:
            parsed.errors.append((1, name, _(ERROR_COLUMN_TWICE).format(column=name)))
        elif name not in header:
            parsed.errors.append((1, name, _(ERROR_MISSING_COLUMN).format(column=name)))
    if parsed.errors:
        return parsed
    index = {name: header.index(name) for name in ACTUALS_COLUMNS}
    first_lines: dict[dt.date, int] = {}
    while True:
        try:
            cells_list = next(reader)
        except StopIteration:
            break
        except (UnicodeDecodeError, csv.Error) as error:
            parsed.errors.append((reader.line_num + 1, "", _decode_message(error)))
            break
        if not any(cell.strip() for cell in cells_list):
            continue
        if len(parsed.rows) >= MAX_ROWS:
            parsed.errors.append(
                (reader.line_num, "", _(ERROR_TOO_MANY_ROWS).format(limit=MAX_ROWS))
            )
            break
        cells = {
            name: cells_list[position].strip() if position < len(cells_list) else ""
            for name, position in index.items()
        }
        row = ActualsRow(line=reader.line_num, cells=cells)
        _parse_row(row, first_lines)
        parsed.rows.append(row)
        parsed.errors.extend((row.line, column, message) for column, message in row.errors)
    if not parsed.rows and not parsed.errors:
        parsed.errors.append((2, "", _(ERROR_NO_ROWS)))
    return parsed


def _parse_row(row: ActualsRow, first_lines: dict[dt.date, int]) -> None:
    cells = row.cells
    text = cells["month"]
    month = parse_month(text)
    if not text:
        row.errors.append(("month", _(ERROR_REQUIRED)))
    elif month is None:
        row.errors.append(("month", _(ERROR_MONTH).format(value=text)))
    else:
        first_line = first_lines.setdefault(month, row.line)
        if first_line != row.line:
            row.errors.append(
                (
                    "month",
                    _(ERROR_DUPLICATE_MONTH).format(month=f"{month:%Y-%m}", line=first_line),
                )
            )
        row.month = month
    for name in COUNT_COLUMNS:
        text = cells[name]
        count = _parse_count(text)
        if not text:
            row.errors.append((name, _(ERROR_REQUIRED)))
        elif count is None:
            row.errors.append((name, _(ERROR_COUNT).format(value=text)))
        else:
            row.figures[name] = count
    text = cells["revenue"]
    revenue = _parse_revenue(text)
    if not text:
        row.errors.append(("revenue", _(ERROR_REQUIRED)))
    elif revenue is None:
        row.errors.append(("revenue", _(ERROR_REVENUE).format(value=text)))
    else:
        row.figures["revenue"] = revenue


def actuals_import(
    *,
    agreement: Agreement,
    actor: Any,
    file: Iterable[str] | str,
    ip_address: str | None = None,
) -> ActualsImportResult:
    """Upsert a CSV's months into the series, all or nothing, with one audit event."""
    _ensure_may_record(actor, agreement)
    parsed = actuals_csv_parse(file)
    if not parsed.ok:
        return ActualsImportResult(errors=parsed.errors)
    months = [row.month for row in parsed.rows if row.month is not None]
    user = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        existing = {
            actual.month: actual
            for actual in MonthlyActual.objects.select_for_update().filter(
                series_id=agreement.series_id, month__in=months
            )
        }
        created: list[MonthlyActual] = []
        updated: list[MonthlyActual] = []
        for row in parsed.rows:
            if row.month is None:
                continue
            actual = existing.get(row.month)
            if actual is None:
                actual = MonthlyActual(series_id=agreement.series_id, month=row.month)
                created.append(actual)
            else:
                updated.append(actual)
            for name, value in row.figures.items():
                setattr(actual, name, value)
            actual.updated_by = user
        MonthlyActual.objects.bulk_create(created)
        # auto_now is not applied by bulk_update; the timestamp is set here instead.
        now = dt.datetime.now(tz=dt.UTC)
        for actual in updated:
            actual.updated_at = now
        MonthlyActual.objects.bulk_update(
            updated, [*ACTUALS_COLUMNS[1:], "updated_by", "updated_at"]
        )
        event_record(
            agreement=agreement,
            actor=actor,
            kind=AgreementEvent.Kind.ACTUALS_RECORDED,
            details={
                "source": "csv",
                "months": sorted(f"{month:%Y-%m}" for month in months),
                "created": len(created),
                "updated": len(updated),
            },
            ip_address=ip_address,
        )
    return ActualsImportResult(created=len(created), updated=len(updated))


def _decode_message(error: Exception) -> str:
    if isinstance(error, UnicodeDecodeError):
        return _(ERROR_NOT_UTF8)
    return _(ERROR_CSV).format(reason=error)
