"""Writing validated leads in batches: one upsert statement a batch, pipelined on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from django.db import connection
from django.db.models import BooleanField, CharField, DateTimeField, Field
from psycopg import Pipeline

from performance.business_hours import NAIVE_ANCHOR, UTC, UTC_ANCHOR
from performance.models import LeadRecord

# Rows per write: a batch is one statement (2,000 rows of 14 values fit SQLite's 32,766).
BATCH_SIZE = 2000
# The columns of a lead row, in the order of the tuples the validator builds.
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
    # Added by the writer, not the validator; set on insert only (not in UPDATE_FIELDS).
    "import_batch",
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

LeadRow = tuple[Any, ...]


class LeadWriter:
    """Upserts leads in batches of ``BATCH_SIZE``, each one ``INSERT ... ON CONFLICT`` statement.

    Raw SQL because the ORM's bulk_create spends over 100 µs a row preparing values, which
    alone would hold the import under 10,000 rows a second; the rows are already valid here.
    On PostgreSQL the batch travels as one array per column, unnested by the server, so the
    statement has 14 parameters whatever the batch size; elsewhere (SQLite 3.24+) it is a
    multi-row VALUES list, split only if the database caps parameters below a batch.

    Used as a context manager. On PostgreSQL it then holds the connection in psycopg's pipeline
    mode, so that the server writes one batch while the import reads and checks the next;
    before sending a batch it waits for the previous one, so at most one is in flight and memory
    stays flat. A failed statement raises at that wait or when the block ends, inside the
    import's transaction, which then rolls back.
    """

    def __init__(self, batch_id: int | None = None) -> None:
        # The import batch each new lead is marked with, appended to the validator's rows.
        self.batch_tail: tuple[int | None] = (batch_id,)
        fields = [_field(name) for name in WRITE_FIELDS]
        self.head, self.tail = _statement_parts(fields)
        self.arrays = connection.vendor == "postgresql"
        if self.arrays:
            casts = ", ".join(f"%s::{field.db_type(connection)}[]" for field in fields)
            self.array_statement = f"{self.head}SELECT * FROM unnest({casts}){self.tail}"
            self.literals = [_array_literal_writer(field) for field in fields]
        self.width = len(fields)
        # SQLite's own placeholder: Django's cursor rewrites each "%s" with a regular expression,
        # which on a statement of 26,000 parameters costs as much as inserting the rows. Django
        # renders logged statements (DEBUG, query-count tests) with "%s", so those keep it.
        self.qmark = connection.vendor == "sqlite"
        self.batch_size = BATCH_SIZE
        parameter_limit = connection.features.max_query_params or 65_535
        self.rows_per_statement = max(1, min(self.batch_size, parameter_limit // self.width))
        self.statements: dict[tuple[int, bool], str] = {}
        self.batch: list[LeadRow] = []
        self.pipeline: Any = None
        self.exit_stack = ExitStack()

    def __enter__(self) -> LeadWriter:
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

    def add(self, row: LeadRow) -> None:
        """Hold a row; a full batch is written."""
        batch = self.batch
        batch.append(row + self.batch_tail)
        if len(batch) >= self.batch_size:
            self.batch = []
            self.write(batch)

    def flush(self) -> None:
        """Write the rows held, the last batch of the import."""
        if self.batch:
            batch, self.batch = self.batch, []
            self.write(batch)

    def write(self, batch: list[LeadRow]) -> None:
        with connection.cursor() as cursor:
            if self.arrays:
                if self.pipeline is not None:
                    # The previous batch is written, or its error raised (as Django's wrapper).
                    with connection.wrap_database_errors:
                        self.pipeline.sync()
                columns = zip(*batch, strict=True)
                cursor.execute(
                    self.array_statement,
                    [
                        literal(column)
                        for literal, column in zip(self.literals, columns, strict=True)
                    ],
                )
                return
            for start in range(0, len(batch), self.rows_per_statement):
                rows = batch[start : start + self.rows_per_statement]
                cursor.execute(
                    self._values_statement(len(rows)), [value for row in rows for value in row]
                )

    def _values_statement(self, rows: int) -> str:
        qmark = self.qmark and not connection.queries_logged
        statement = self.statements.get((rows, qmark))
        if statement is None:
            row = "(" + ", ".join(["?" if qmark else "%s"] * self.width) + ")"
            statement = f"{self.head}VALUES {', '.join([row] * rows)}{self.tail}"
            self.statements[rows, qmark] = statement
        return statement


def _statement_parts(fields: list[Field[Any, Any]]) -> tuple[str, str]:
    """The statement before its rows (the table and columns) and after them (the upsert)."""
    quote = connection.ops.quote_name
    columns = {
        name: quote(field.column or name) for name, field in zip(WRITE_FIELDS, fields, strict=True)
    }
    unique = ", ".join(columns[name] for name in ("series", "lead_id"))
    table = quote(LeadRecord._meta.db_table)
    updates = ", ".join(f"{columns[name]} = EXCLUDED.{columns[name]}" for name in UPDATE_FIELDS)
    # A lead whose values are all the same is left alone: re-importing yesterday's export
    # writes only what changed (and imported_at tells when a lead last changed).
    distinct = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    changed = " OR ".join(
        f"{table}.{columns[name]} {distinct} EXCLUDED.{columns[name]}"
        for name in UPDATE_FIELDS
        if name != "imported_at"
    )
    head = f"INSERT INTO {table} ({', '.join(columns.values())}) "
    return head, f" ON CONFLICT ({unique}) DO UPDATE SET {updates} WHERE {changed}"


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


def datetime_adapter() -> Callable[[dt.datetime], Any]:
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
