"""Importing monthly actuals from a CSV file: a preview of every row, then all or nothing."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from agreements.models import Agreement, AgreementEvent, AgreementSeries
from agreements.periods import parse_month
from agreements.services.audit import event_record
from performance.models import MonthlyActual, PendingUpload
from performance.services.actuals import funnel_warnings
from performance.services.corrections import actuals_batch_record
from performance.services.csv_files import (
    ERROR_COLUMN_TWICE,
    ERROR_MISSING_COLUMN,
    ERROR_NUL,
    ERROR_REQUIRED,
    MAX_ACTUALS_ROWS,
    CsvFileError,
    CsvRows,
    shown,
)
from performance.services.pending_uploads import pending_upload_create, pending_upload_text
from performance.services.recording import (
    RecordablePeriod,
    ensure_may_record,
    recordable_period,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

ACTUALS_COLUMNS = ("month", "leads", "mqls", "sqls", "customers", "revenue")
MAX_COUNT = 2_147_483_647
MAX_REVENUE = Decimal("999999999999.99")

ERROR_MONTH = gettext_noop("“{value}” is not a month written as YYYY-MM.")
ERROR_DUPLICATE_MONTH = gettext_noop("The month {month} already appears on line {line}.")
ERROR_COUNT = gettext_noop("“{value}” is not a whole number, 0 or more.")
ERROR_REVENUE = gettext_noop("“{value}” is not an amount, 0 or more, with at most two decimals.")
ERROR_NO_ROWS = gettext_noop("The file has no rows of figures.")
ERROR_NOT_CONFIRMED = gettext_noop("{warning} Confirm the funnel to import it as it is.")


@dataclass
class ActualsRow:
    """One line of an actuals file: its cells as written, and the figures if they are valid."""

    line: int
    cells: dict[str, str]
    month: dt.date | None = None
    figures: dict[str, Any] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)
    # What looks wrong but may be right (a stage above the one before): saved once confirmed.
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @cached_property
    def cells_shown(self) -> dict[str, str]:
        """The cells as the preview shows them, each cut to a readable length."""
        return {name: shown(text) for name, text in self.cells.items()}


@dataclass
class ParsedActuals:
    rows: list[ActualsRow] = field(default_factory=list)
    # (line, column, message), in file order; file-wide problems have column "".
    errors: list[tuple[int, str, str]] = field(default_factory=list)
    # (line, message) of rows whose funnel looks wrong: imported only once confirmed.
    warnings: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


@dataclass
class ActualsImportResult:
    parsed: ParsedActuals
    created: int = 0
    updated: int = 0

    @property
    def errors(self) -> list[tuple[int, str, str]]:
        return self.parsed.errors

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class ActualsPreview:
    parsed: ParsedActuals
    # The file kept to be applied once approved; None while it has errors.
    upload: PendingUpload | None


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


def actuals_csv_parse(
    file: Iterable[str] | str, period: RecordablePeriod | None = None
) -> ParsedActuals:
    """Read an actuals CSV; every problem is reported by line (header = 1) and column.

    With a ``period``, a month that does not touch it is an error of its row.
    """
    parsed = ParsedActuals()
    rows = CsvRows(io.StringIO(file) if isinstance(file, str) else file, max_rows=MAX_ACTUALS_ROWS)
    try:
        header = [name.lower() for name in rows.header()]
    except CsvFileError as error:
        parsed.errors.append((error.line, "", error.message))
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
    for line, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue
        row = ActualsRow(
            line=line,
            cells={
                name: cells[position].strip() if position < len(cells) else ""
                for name, position in index.items()
            },
        )
        _parse_row(row, first_lines, period)
        if row.ok:
            row.warnings = funnel_warnings(row.figures)
        parsed.rows.append(row)
        parsed.errors.extend((row.line, column, message) for column, message in row.errors)
        parsed.warnings.extend((row.line, message) for message in row.warnings)
    if rows.failure is not None:
        line, message = rows.failure
        parsed.errors.append((line, "", message))
    if not parsed.rows and not parsed.errors:
        parsed.errors.append((2, "", _(ERROR_NO_ROWS)))
    return parsed


def _parse_row(
    row: ActualsRow, first_lines: dict[dt.date, int], period: RecordablePeriod | None
) -> None:
    cells = row.cells
    for name, text in cells.items():
        if not text:
            row.errors.append((name, _(ERROR_REQUIRED)))
        elif "\x00" in text:
            row.errors.append((name, _(ERROR_NUL)))
        elif name == "month":
            _parse_month(row, text, first_lines, period)
        elif name == "revenue":
            revenue = _parse_revenue(text)
            if revenue is None:
                row.errors.append((name, _(ERROR_REVENUE).format(value=shown(text))))
            else:
                row.figures[name] = revenue
        else:
            count = _parse_count(text)
            if count is None:
                row.errors.append((name, _(ERROR_COUNT).format(value=shown(text))))
            else:
                row.figures[name] = count


def _parse_month(
    row: ActualsRow, text: str, first_lines: dict[dt.date, int], period: RecordablePeriod | None
) -> None:
    month = parse_month(text)
    if month is None:
        row.errors.append(("month", _(ERROR_MONTH).format(value=shown(text))))
        return
    first_line = first_lines.setdefault(month, row.line)
    if first_line != row.line:
        message = _(ERROR_DUPLICATE_MONTH).format(month=f"{month:%Y-%m}", line=first_line)
        row.errors.append(("month", message))
    elif period is not None and not period.covers_month(month):
        row.errors.append(("month", period.refusal(f"{month:%Y-%m}")))
    row.month = month


def actuals_import(
    *,
    agreement: Agreement,
    actor: User | None,
    file: Iterable[str] | str,
    ip_address: str | None = None,
    file_name: str = "",
    confirm_funnel: bool = False,
) -> ActualsImportResult:
    """Upsert a CSV's months into the series, all or nothing, with one audit event.

    The import is kept as a batch, with the figures it replaced, so that it can be undone.
    A row whose funnel looks wrong (``ParsedActuals.warnings``) is an error of its line
    unless ``confirm_funnel`` says the file was seen with its warnings.
    """
    ensure_may_record(actor, agreement)
    parsed = actuals_csv_parse(file, recordable_period(agreement))
    if parsed.ok and parsed.warnings and not confirm_funnel:
        parsed.errors.extend(
            (line, "", _(ERROR_NOT_CONFIRMED).format(warning=warning))
            for line, warning in parsed.warnings
        )
    if not parsed.ok:
        return ActualsImportResult(parsed=parsed)
    months = [row.month for row in parsed.rows if row.month is not None]
    with transaction.atomic():
        # One import or month save of a series at a time: a month created by another between
        # this import's read and its insert would break the unique constraint.
        AgreementSeries.objects.select_for_update().filter(pk=agreement.series_id).first()
        actuals_batch_record(
            agreement=agreement,
            actor=actor,
            months=[(row.month, row.figures) for row in parsed.rows if row.month is not None],
            file_name=file_name,
        )
        created, updated = _months_write(agreement, actor, parsed.rows)
        event_record(
            agreement=agreement,
            actor=actor,
            kind=AgreementEvent.Kind.ACTUALS_RECORDED,
            details={
                "source": "csv",
                "months": sorted(f"{month:%Y-%m}" for month in months),
                "created": created,
                "updated": updated,
                **(
                    {"confirmed_warnings": [f"{line}: {w}" for line, w in parsed.warnings]}
                    if parsed.warnings
                    else {}
                ),
            },
            ip_address=ip_address,
        )
    return ActualsImportResult(parsed=parsed, created=created, updated=updated)


def _months_write(
    agreement: Agreement, actor: User | None, rows: list[ActualsRow]
) -> tuple[int, int]:
    """Create the new months and update the recorded ones: how many of each."""
    existing = {
        actual.month: actual
        for actual in MonthlyActual.objects.select_for_update().filter(
            series_id=agreement.series_id,
            month__in=[row.month for row in rows if row.month is not None],
        )
    }
    created: list[MonthlyActual] = []
    updated: list[MonthlyActual] = []
    for row in rows:
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
        actual.updated_by = actor
    MonthlyActual.objects.bulk_create(created)
    # auto_now is not applied by bulk_update; the timestamp is set here instead.
    now = dt.datetime.now(tz=dt.UTC)
    for actual in updated:
        actual.updated_at = now
    MonthlyActual.objects.bulk_update(updated, [*ACTUALS_COLUMNS[1:], "updated_by", "updated_at"])
    return len(created), len(updated)


def actuals_preview(
    *, agreement: Agreement, actor: User, text: str, file_name: str
) -> ActualsPreview:
    """Read an uploaded file for its preview; a file without errors is kept to be applied."""
    parsed = actuals_csv_parse(text, recordable_period(agreement))
    if not parsed.ok:
        return ActualsPreview(parsed=parsed, upload=None)
    ensure_may_record(actor, agreement)
    upload = pending_upload_create(
        owner=actor,
        agreement=agreement,
        kind=PendingUpload.Kind.ACTUALS,
        content=text.encode("utf-8"),
        file_name=file_name,
    )
    return ActualsPreview(parsed=parsed, upload=upload)


def actuals_import_pending(
    *, upload: PendingUpload, actor: User, ip_address: str | None = None
) -> ActualsImportResult:
    """Apply a previewed file; once applied, it is deleted."""
    with transaction.atomic():
        # The preview showed the funnel's warnings beside the button that applies the file.
        result = actuals_import(
            agreement=upload.agreement,
            actor=actor,
            file=pending_upload_text(upload),
            ip_address=ip_address,
            file_name=upload.file_name,
            confirm_funnel=True,
        )
        if result.ok:
            upload.delete()
    return result
