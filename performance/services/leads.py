"""Importing lead hand-off records from a CRM export: streamed, validated, written in bulk."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import BooleanField, CharField, DateTimeField, Field
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg import Pipeline

from agreements.models import Agreement, AgreementEvent, AgreementSeries
from agreements.permissions import can_view
from agreements.selectors import version_for_day
from agreements.services.audit import event_record
from performance.business_hours import NAIVE_ANCHOR, UTC, UTC_ANCHOR, BusinessCalendar, calendar_for
from performance.lead_status import BREACHED, MET, lead_status
from performance.models import LeadColumnMapping, LeadRecord
from performance.services.lead_tally import lead_tally_refresh

LEAD_FIELDS = ("lead_id", "lead_type", "mql_at", "first_touch_at", "attempts", "outcome")
REQUIRED_FIELDS = ("lead_id", "lead_type", "mql_at")
DEFAULT_MAPPING = {name: name for name in LEAD_FIELDS}
ACCEPTED = "accepted"
# Rows per write: a batch is one statement (2,000 rows of 13 values fit SQLite's 32,766).
BATCH_SIZE = 2000
MAX_REPORTED_ERRORS = 1000
# The years a timestamp may fall in: a typo such as 2205 for 2025 is an error, not a lead that
# stretches the dashboard's months over two centuries (and dates near year 9999 overflow).
FIRST_YEAR = 1970
LAST_YEAR = 2100
# The largest integer both databases store in the attempts column.
MAX_ATTEMPTS = 2_147_483_647
# The columns of a lead row, in the order the import builds its tuples.
WRITE_FIELDS = (
    "series",
    "agreement",
    "lead_id",
    "lead_type",
    "mql_at",
    "first_touch_at",
    "attempts",
    "outcome",
    "limit_hours",
    "due_at",
    "response_hours",
    "invalid_rejection",
    "imported_at",
)
UPDATE_FIELDS = [
    "agreement",
    "lead_type",
    "mql_at",
    "first_touch_at",
    "attempts",
    "outcome",
    "limit_hours",
    "due_at",
    "response_hours",
    "invalid_rejection",
    "imported_at",
]

ERROR_NOT_SIGNED = (
    "Actuals and leads are recorded against a signed agreement; this one is {status}."
)
ERROR_NOT_PARTY = "You are not a member of either team of this agreement."
ERROR_EMPTY_FILE = "The file is empty."
ERROR_NOT_UTF8 = "The file is not UTF-8 text from this line on."
ERROR_CSV = "The file is not valid CSV: {reason}."
ERROR_MISSING_COLUMN = "The file has no column “{column}” for {field}; map the columns."
ERROR_UNKNOWN_FIELD = "“{field}” is not a lead field."
ERROR_COLUMN_TWICE = "The column “{column}” is mapped to more than one field."
ERROR_REQUIRED = "A value is required."
ERROR_TOO_LONG = "At most {limit} characters."
ERROR_DUPLICATE_LEAD = "The lead “{lead_id}” already appears on line {line}."
ERROR_TIMESTAMP = "“{value}” is not an ISO 8601 timestamp such as 2026-01-15T09:30:00+01:00."
ERROR_TOUCH_BEFORE_MQL = "The first touch is before the lead became an MQL."
ERROR_YEAR = "“{value}” is outside the years {first} to {last}."
ERROR_ATTEMPTS = "“{value}” is not a whole number of attempts, 0 or more."
ERROR_ATTEMPTS_LIMIT = "At most {limit} attempts."
ERROR_UNKNOWN_TYPE = "Unknown lead type “{value}”; the agreement defines: {known}."
ERROR_MORE = "{count} more errors are not shown."


@dataclass(frozen=True)
class LeadImportError:
    line: int | None
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "message": self.message}


@dataclass
class LeadImportResult:
    """Counts over the rows of the imported file; nothing is written when there are errors."""

    imported: int = 0
    created: int = 0
    updated: int = 0
    met: int = 0
    breached: int = 0
    pending: int = 0
    invalid_rejections: int = 0
    errors: list[LeadImportError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "created": self.created,
            "updated": self.updated,
            "met": self.met,
            "breached": self.breached,
            "pending": self.pending,
            "invalid_rejections": self.invalid_rejections,
            "errors": [error.as_dict() for error in self.errors],
        }


@dataclass(frozen=True)
class _VersionRules:
    """What one signed version says about hand-offs: its calendar, limits and reason codes."""

    agreement_id: int
    calendar: BusinessCalendar
    # Lead type in lower case -> (its name as the agreement spells it, limit in business hours).
    lead_types: dict[str, tuple[str, Decimal]]
    rejection_codes: frozenset[str]
    known_types: str


class _Rollback(Exception):
    pass


def lead_mapping_remembered(*, series_id: int) -> dict[str, str] | None:
    """The column mapping saved by the series' last import with an explicit mapping."""
    saved = LeadColumnMapping.objects.filter(series_id=series_id).first()
    return dict(saved.mapping) if saved is not None and saved.mapping else None


def lead_mapping_fitting(
    header: list[str], remembered: dict[str, str] | None
) -> dict[str, str] | None:
    """The remembered mapping, else the default names, if the header has its required columns.

    Column names match without regard to case or surrounding spaces; the result names the
    header's own spelling, and leaves out optional fields the file has no column for.
    """
    columns = {name.strip().lower(): name.strip() for name in reversed(header) if name.strip()}
    for candidate in (remembered, DEFAULT_MAPPING):
        if not candidate:
            continue
        fitted = {
            name: columns[column.strip().lower()]
            for name, column in candidate.items()
            if name in LEAD_FIELDS and column and column.strip().lower() in columns
        }
        if all(name in fitted for name in REQUIRED_FIELDS):
            return fitted
    return None


def lead_mapping_clean(mapping: dict[str, str]) -> dict[str, str]:
    """Only lead fields with a column named, spaces stripped."""
    return {
        name: column.strip()
        for name, column in mapping.items()
        if name in LEAD_FIELDS and column and column.strip()
    }


def lead_header_read(file: IO[str]) -> list[str]:
    """The column names on the first line of a CSV stream (which is consumed)."""
    for row in csv.reader(file):
        return [name.strip() for name in row]
    return []


def _mapping_errors(header: list[str], mapping: dict[str, str]) -> list[LeadImportError]:
    columns = set(header)
    errors = []
    seen: dict[str, str] = {}
    for name, column in mapping.items():
        if name not in LEAD_FIELDS:
            errors.append(LeadImportError(1, column, _(ERROR_UNKNOWN_FIELD).format(field=name)))
        elif column and column in seen:
            errors.append(LeadImportError(1, column, _(ERROR_COLUMN_TWICE).format(column=column)))
        elif column:
            seen[column] = name
    for name in LEAD_FIELDS:
        column = mapping.get(name) or ""
        if column and column not in columns or not column and name in REQUIRED_FIELDS:
            errors.append(
                LeadImportError(
                    1,
                    column or name,
                    _(ERROR_MISSING_COLUMN).format(column=column or name, field=name),
                )
            )
    return errors


def _version_rules(series_id: int) -> tuple[list[_VersionRules], list[Agreement]]:
    """Each signed version's rules, and the versions, latest first (three queries)."""
    versions = list(
        Agreement.objects.filter(series_id=series_id, status=Agreement.Status.SIGNED)
        .prefetch_related("service_levels", "holidays", "rejection_reasons")
        .order_by("-version")
    )
    rules = []
    for version in versions:
        lead_types = {
            level.lead_type.strip().lower(): (level.lead_type, level.first_response_hours)
            for level in version.service_levels.all()
        }
        rules.append(
            _VersionRules(
                agreement_id=version.pk,
                calendar=calendar_for(version),
                lead_types=lead_types,
                rejection_codes=frozenset(
                    reason.code.lower() for reason in version.rejection_reasons.all()
                ),
                known_types=", ".join(name for name, _limit in lead_types.values()) or "—",
            )
        )
    return rules, versions


def leads_import(
    *,
    agreement: Agreement,
    actor: Any,
    file: Iterable[str],
    mapping: dict[str, str] | None = None,
    as_of: dt.datetime | None = None,
    ip_address: str | None = None,
) -> LeadImportResult:
    """Upsert the leads of a CSV stream by ``lead_id`` into the agreement's series.

    All or nothing: the rows are validated and written in batches inside one transaction,
    which is rolled back if any row has an error. The met, breached and pending counts are
    over the file's rows as of ``as_of`` (default now), by the rule of ``lead_status``.
    A given ``mapping`` (lead field -> file column) is remembered for the series.
    """
    if actor is not None and not can_view(actor, agreement):
        raise PermissionDenied(_(ERROR_NOT_PARTY))
    if agreement.status != Agreement.Status.SIGNED:
        raise ValidationError(
            _(ERROR_NOT_SIGNED).format(status=agreement.get_status_display().lower())
        )
    as_of = as_of or timezone.now()
    if as_of.tzinfo is None:
        as_of = as_of.replace(tzinfo=ZoneInfo(agreement.timezone))
    series_id = agreement.series_id
    result = LeadImportResult()
    try:
        with transaction.atomic():
            # One import per series at a time, so that the row counts before and after tell
            # how many leads this import created.
            AgreementSeries.objects.select_for_update().filter(pk=series_id).first()
            count_before = LeadRecord.objects.filter(series_id=series_id).count()
            remembered = (
                None if mapping is not None else lead_mapping_remembered(series_id=series_id)
            )
            with _LeadWriter() as writer:
                _import_rows(
                    agreement=agreement,
                    file=file,
                    mapping=mapping,
                    remembered=remembered,
                    as_of=as_of,
                    result=result,
                    writer=writer,
                )
            if result.errors:
                raise _Rollback
            result.created = LeadRecord.objects.filter(series_id=series_id).count() - count_before
            result.updated = result.imported - result.created
            if mapping is not None:
                LeadColumnMapping.objects.update_or_create(
                    series_id=series_id, defaults={"mapping": lead_mapping_clean(mapping)}
                )
            details = result.as_dict()
            del details["errors"]
            details["as_of"] = as_of.isoformat()
            lead_tally_refresh(series_id=series_id)
            event_record(
                agreement=agreement,
                actor=actor,
                kind=AgreementEvent.Kind.LEADS_IMPORTED,
                details=details,
                ip_address=ip_address,
            )
    except _Rollback:
        return LeadImportResult(errors=result.errors)
    return result


def _import_rows(
    *,
    agreement: Agreement,
    file: Iterable[str],
    mapping: dict[str, str] | None,
    remembered: dict[str, str] | None,
    as_of: dt.datetime,
    result: LeadImportResult,
    writer: _LeadWriter,
) -> None:
    errors = result.errors
    error_count = 0

    def report(line: int | None, column: str, message: str) -> None:
        nonlocal error_count
        error_count += 1
        if error_count <= MAX_REPORTED_ERRORS:
            errors.append(LeadImportError(line, column, message))

    reader = csv.reader(file)
    try:
        header = [name.strip() for name in next(reader, [])]
    except (UnicodeDecodeError, csv.Error) as error:
        errors.append(LeadImportError(1, "", _decode_message(error)))
        return
    if not any(header):
        errors.append(LeadImportError(1, "", _(ERROR_EMPTY_FILE)))
        return
    if mapping is None:
        mapping = lead_mapping_fitting(header, remembered) or {
            name: name for name in REQUIRED_FIELDS
        }
    else:
        mapping = {name: (column or "").strip() for name, column in mapping.items()}
    mapping_errors = _mapping_errors(header, mapping)
    if mapping_errors:
        errors.extend(mapping_errors)
        return

    index = {name: header.index(mapping[name]) for name in LEAD_FIELDS if mapping.get(name)}
    column = {name: mapping.get(name) or name for name in LEAD_FIELDS}
    width = len(header)
    missing = width  # A field without a column reads as the empty padding cell.
    i_id, i_type, i_mql = index["lead_id"], index["lead_type"], index["mql_at"]
    i_touch = index.get("first_touch_at", missing)
    i_attempts = index.get("attempts", missing)
    i_outcome = index.get("outcome", missing)
    padding = [""] * (width + 1)

    rules, versions = _version_rules(agreement.series_id)
    rules_by_id = {rule.agreement_id: rule for rule in rules}
    single_rules = rules[0] if len(rules) == 1 else None
    fallback_rules = rules_by_id.get(agreement.pk, rules[0])
    # Timestamps without an offset are wall-clock times of the agreement's calendar.
    home = fallback_rules.calendar
    home_zone = ZoneInfo(home.timezone)
    rules_by_day: dict[dt.date, _VersionRules] = {}

    series_id = agreement.series_id
    first_lines: dict[str, int] = {}
    batch: list[tuple[Any, ...]] = []
    # Times travel as naive UTC datetimes from here to the database.
    adapt = _datetime_adapter()
    imported_at = adapt(NAIVE_ANCHOR + (timezone.now() - UTC_ANCHOR))
    as_of_utc = NAIVE_ANCHOR + (as_of - UTC_ANCHOR)
    to_utc = home.wall_to_utc
    id_limit = LeadRecord._meta.get_field("lead_id").max_length or 100
    outcome_limit = LeadRecord._meta.get_field("outcome").max_length or 40
    counts = {MET: 0, BREACHED: 0}
    pending = 0
    invalid_rejections = 0
    imported = 0

    try:
        for row in reader:
            if not row or not any(row):
                continue  # A blank line.
            line = reader.line_num
            if len(row) <= width:
                row = row + padding[len(row) :]
            row_ok = True

            lead_id = row[i_id].strip()
            if not lead_id:
                report(line, column["lead_id"], _(ERROR_REQUIRED))
                row_ok = False
            elif len(lead_id) > id_limit:
                report(line, column["lead_id"], _(ERROR_TOO_LONG).format(limit=id_limit))
                row_ok = False
            else:
                first_line = first_lines.setdefault(lead_id, line)
                if first_line != line:
                    report(
                        line,
                        column["lead_id"],
                        _(ERROR_DUPLICATE_LEAD).format(lead_id=lead_id, line=first_line),
                    )
                    row_ok = False

            # Each timestamp as naive UTC, and as wall-clock time of the home calendar.
            text = row[i_mql].strip()
            mql_utc = mql_wall = None
            if not text:
                report(line, column["mql_at"], _(ERROR_REQUIRED))
                row_ok = False
            else:
                moment = _moment(text, to_utc, home_zone)
                if isinstance(moment, str):
                    report(line, column["mql_at"], moment)
                    row_ok = False
                else:
                    mql_utc, mql_wall = moment

            text = row[i_touch].strip()
            touch_utc = touch_wall = None
            if text:
                moment = _moment(text, to_utc, home_zone)
                if isinstance(moment, str):
                    report(line, column["first_touch_at"], moment)
                    row_ok = False
                else:
                    touch_utc, touch_wall = moment
                    if mql_utc is not None and touch_utc < mql_utc:
                        report(line, column["first_touch_at"], _(ERROR_TOUCH_BEFORE_MQL))
                        row_ok = False

            text = row[i_attempts].strip()
            attempts = 0
            if text:
                try:
                    attempts = int(text)
                except ValueError:
                    attempts = -1
                if attempts < 0:
                    report(line, column["attempts"], _(ERROR_ATTEMPTS).format(value=text))
                    row_ok = False
                elif attempts > MAX_ATTEMPTS:
                    report(
                        line,
                        column["attempts"],
                        _(ERROR_ATTEMPTS_LIMIT).format(limit=f"{MAX_ATTEMPTS:,}"),
                    )
                    row_ok = False

            outcome = row[i_outcome].strip()
            if len(outcome) > outcome_limit:
                report(line, column["outcome"], _(ERROR_TOO_LONG).format(limit=outcome_limit))
                row_ok = False

            if single_rules is not None:
                rules_now = single_rules
            elif mql_wall is None:
                rules_now = fallback_rules
            else:
                day = mql_wall.date()
                found = rules_by_day.get(day)
                if found is None:
                    version = version_for_day(versions, day)
                    found = rules_by_id[version.pk] if version is not None else fallback_rules
                    rules_by_day[day] = found
                rules_now = found
            lead_type_text = row[i_type].strip()
            lead_type = rules_now.lead_types.get(lead_type_text.lower())
            if lead_type is None:
                if lead_type_text:
                    message = _(ERROR_UNKNOWN_TYPE).format(
                        value=lead_type_text, known=rules_now.known_types
                    )
                else:
                    message = _(ERROR_REQUIRED)
                report(line, column["lead_type"], message)
                continue
            if not row_ok or mql_utc is None or mql_wall is None:
                continue
            if error_count:
                # Nothing is written once the import is bound to roll back; validation goes on.
                continue

            type_name, limit_hours = lead_type
            calendar = rules_now.calendar
            if calendar.timezone != home.timezone:
                mql_wall = _wall_time(mql_utc, calendar)
                touch_wall = None if touch_utc is None else _wall_time(touch_utc, calendar)
            due_utc, response_hours = calendar.wall_hand_off(mql_wall, touch_wall, limit_hours)
            lowered = outcome.lower()
            invalid_rejection = bool(
                lowered and lowered != ACCEPTED and lowered not in rules_now.rejection_codes
            )
            invalid_rejections += invalid_rejection
            status = lead_status(touch_utc, due_utc, as_of_utc)
            if status in counts:
                counts[status] += 1
            else:
                pending += 1
            batch.append(
                (
                    series_id,
                    rules_now.agreement_id,
                    lead_id,
                    type_name,
                    adapt(mql_utc),
                    None if touch_utc is None else adapt(touch_utc),
                    attempts,
                    outcome,
                    limit_hours,
                    adapt(due_utc),
                    response_hours,
                    invalid_rejection,
                    imported_at,
                )
            )
            imported += 1
            if len(batch) >= BATCH_SIZE:
                writer.write(batch)
                batch = []
    except (UnicodeDecodeError, csv.Error) as error:
        report(reader.line_num + 1, "", _decode_message(error))

    if error_count:
        if error_count > MAX_REPORTED_ERRORS:
            errors.append(
                LeadImportError(
                    None, "", _(ERROR_MORE).format(count=error_count - MAX_REPORTED_ERRORS)
                )
            )
        return
    if batch:
        writer.write(batch)
    result.imported = imported
    result.met = counts[MET]
    result.breached = counts[BREACHED]
    result.pending = pending
    result.invalid_rejections = invalid_rejections


def _moment(
    text: str, to_utc: Callable[[dt.datetime], dt.datetime], home_zone: ZoneInfo
) -> tuple[dt.datetime, dt.datetime] | str:
    """An ISO 8601 timestamp as (naive UTC, wall-clock time of the home zone), or its error.

    A timestamp without an offset is a wall-clock time of the home calendar (``to_utc``).
    """
    try:
        wall = dt.datetime.fromisoformat(text)
    except ValueError:
        return _(ERROR_TIMESTAMP).format(value=text)
    if not FIRST_YEAR <= wall.year <= LAST_YEAR:
        return _(ERROR_YEAR).format(value=text, first=FIRST_YEAR, last=LAST_YEAR)
    if wall.tzinfo is None:
        return to_utc(wall), wall
    return NAIVE_ANCHOR + (wall - UTC_ANCHOR), wall.astimezone(home_zone)


def _wall_time(utc: dt.datetime, calendar: BusinessCalendar) -> dt.datetime:
    """A naive UTC time on the wall clock of the calendar's zone."""
    return (UTC_ANCHOR + (utc - NAIVE_ANCHOR)).astimezone(ZoneInfo(calendar.timezone))


class _LeadWriter:
    """Upserts a batch of leads with one ``INSERT ... ON CONFLICT DO UPDATE`` statement.

    Raw SQL because the ORM's bulk_create spends over 100 µs a row preparing values, which
    alone would hold the import under 10,000 rows a second; the rows are already valid here.
    On PostgreSQL the batch travels as one array per column, unnested by the server, so the
    statement has 13 parameters whatever the batch size; elsewhere (SQLite 3.24+) it is a
    multi-row VALUES list, split only if the database caps parameters below a batch.

    Used as a context manager. On PostgreSQL it then holds the connection in psycopg's pipeline
    mode, so that the server writes one batch while the import reads and checks the next;
    before sending a batch it waits for the previous one, so at most one is in flight and memory
    stays flat. A failed statement raises at that wait or when the block ends, inside the
    import's transaction, which then rolls back.
    """

    def __init__(self) -> None:
        meta = LeadRecord._meta
        quote = connection.ops.quote_name
        fields = [_field(name) for name in WRITE_FIELDS]
        columns = {
            name: quote(field.column or name)
            for name, field in zip(WRITE_FIELDS, fields, strict=True)
        }
        unique = ", ".join(columns[name] for name in ("series", "lead_id"))
        table = quote(meta.db_table)
        updates = ", ".join(f"{columns[name]} = EXCLUDED.{columns[name]}" for name in UPDATE_FIELDS)
        # A lead whose values are all the same is left alone: re-importing yesterday's export
        # writes only what changed (and imported_at tells when a lead last changed).
        distinct = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
        changed = " OR ".join(
            f"{table}.{columns[name]} {distinct} EXCLUDED.{columns[name]}"
            for name in UPDATE_FIELDS
            if name != "imported_at"
        )
        self.head = f"INSERT INTO {table} ({', '.join(columns.values())}) "
        self.tail = f" ON CONFLICT ({unique}) DO UPDATE SET {updates} WHERE {changed}"
        self.arrays = connection.vendor == "postgresql"
        if self.arrays:
            casts = ", ".join(f"%s::{field.db_type(connection)}[]" for field in fields)
            self.array_statement = f"{self.head}SELECT * FROM unnest({casts}){self.tail}"
            self.literals = [_array_literal_writer(field) for field in fields]
        self.width = len(columns)
        # SQLite's own placeholder: Django's cursor rewrites each "%s" with a regular expression,
        # which on a statement of 26,000 parameters costs as much as inserting the rows. Django
        # renders logged statements (DEBUG, query-count tests) with "%s", so those keep it.
        self.qmark = connection.vendor == "sqlite"
        parameter_limit = connection.features.max_query_params or 65_535
        self.rows_per_statement = max(1, min(BATCH_SIZE, parameter_limit // len(columns)))
        self.statements: dict[tuple[int, bool], str] = {}
        self.pipeline: Any = None
        self.exit_stack = ExitStack()

    def __enter__(self) -> _LeadWriter:
        if self.arrays:
            connection.ensure_connection()
            if Pipeline.is_supported():
                self.pipeline = self.exit_stack.enter_context(connection.connection.pipeline())
        return self

    def __exit__(self, *exc_info: Any) -> bool | None:
        self.pipeline = None
        # The last batch's error, if any, is raised here, as Django's wrapper of the error.
        with connection.wrap_database_errors:
            return self.exit_stack.__exit__(*exc_info)

    def write(self, batch: list[tuple[Any, ...]]) -> None:
        with connection.cursor() as cursor:
            if self.arrays:
                if self.pipeline is not None:
                    # The previous batch is written, or its error raised (as Django's wrapper).
                    with connection.wrap_database_errors:
                        self.pipeline.sync()
                cursor.execute(
                    self.array_statement,
                    [
                        literal(column)
                        for literal, column in zip(
                            self.literals, zip(*batch, strict=True), strict=True
                        )
                    ],
                )
                return
            for start in range(0, len(batch), self.rows_per_statement):
                rows = batch[start : start + self.rows_per_statement]
                qmark = self.qmark and not connection.queries_logged
                statement = self.statements.get((len(rows), qmark))
                if statement is None:
                    row = "(" + ", ".join(["?" if qmark else "%s"] * self.width) + ")"
                    statement = f"{self.head}VALUES {', '.join([row] * len(rows))}{self.tail}"
                    self.statements[len(rows), qmark] = statement
                cursor.execute(statement, [value for row in rows for value in row])


def _array_literal_writer(field: Field[Any, Any]) -> Callable[[tuple[Any, ...]], str]:
    """A PostgreSQL array literal for a column of values, written without per-value adapters.

    psycopg's own list adapter costs about 20 µs a row here. Text is always quoted and
    escaped; timestamps are written as ISO 8601 in UTC; None is NULL.
    """
    if isinstance(field, CharField):
        return lambda values: (
            '{"'
            + '","'.join(value.replace("\\", "\\\\").replace('"', '\\"') for value in values)
            + '"}'
        )
    if isinstance(field, BooleanField):
        return lambda values: "{" + ",".join("t" if value else "f" for value in values) + "}"
    if isinstance(field, DateTimeField):
        return lambda values: (
            "{" + ",".join("NULL" if value is None else value.isoformat() for value in values) + "}"
        )
    return lambda values: (
        "{" + ",".join("NULL" if value is None else str(value) for value in values) + "}"
    )


def _field(name: str) -> Field[Any, Any]:
    field = LeadRecord._meta.get_field(name)
    if not isinstance(field, Field) or not field.column:
        raise TypeError(f"{name} is not a column of {LeadRecord._meta.db_table}.")
    return field


def _datetime_adapter() -> Callable[[dt.datetime], Any]:
    """How the database takes a naive UTC datetime of the import.

    SQLite as the text Django writes; PostgreSQL as it is (the array literal adds the offset);
    other databases as an aware datetime.
    """
    if connection.vendor == "postgresql":
        return lambda value: value
    if connection.vendor != "sqlite":
        return lambda value: UTC_ANCHOR + (value - NAIVE_ANCHOR)
    database_zone = connection.timezone or UTC
    if database_zone.utcoffset(None) != dt.timedelta(0):
        return lambda value: str(
            (UTC_ANCHOR + (value - NAIVE_ANCHOR)).astimezone(database_zone).replace(tzinfo=None)
        )
    return lambda value: value.isoformat(" ")


def _decode_message(error: Exception) -> str:
    if isinstance(error, UnicodeDecodeError):
        return _(ERROR_NOT_UTF8)
    return _(ERROR_CSV).format(reason=error)
