"""The lead counts of spans of MQL instants ("cells"), grouped in raw SQL that joins the cells.

Why raw SQL: the ORM can only say "which cell is this lead in" as a ``CASE`` with one ``WHEN``
per (series, cell), and "did it reach its type's attempts" as one more per (series, lead type).
For a portfolio of 141 series that was a 264 KB statement that the database evaluated for every
lead row, and that Django took up to two seconds to build. Here the cells and the service levels
travel as ``VALUES`` lists in a ``WITH`` clause: the leads are joined to the cells on
``series_id`` and an ``mql_at`` range (the index ``lead_record_series_mql_at`` serves each
cell), and to the levels on (series, lead type). The work grows with the leads inside the
requested spans, not with series x cells x rows.

The hand-off status is ``lead_status_annotation`` itself, compiled by the ORM into this
statement, so the rule has one definition. The attempts state: a lead whose series and type have
a level has ``enough`` attempts once it reached the minimum, is ``short`` once its window closed
(``mql_at`` before ``as_of`` less the window's days) and ``open`` until then; a type without a
level is ``open``.

``performance.measures`` reads the leads this way only where the lead days cannot answer
(``performance.lead_stats``): a request in another zone than its series' days, or any with
``from_leads``, which the tests use to hold both ways against each other.

Each statement holds at most ``CELLS_PER_STATEMENT`` cells and stays under the backend's
``max_query_params`` (SQLite): cells are packed by series, a series split only when it alone has
more cells than a statement takes. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.expressions import Expression

from performance.lead_status import lead_status_annotation
from performance.models import LeadRecord

ENOUGH = "enough"
SHORT = "short"
OPEN = "open"
# At most this many cells per statement (tests lower it to show chunks add up).
CELLS_PER_STATEMENT = 1000

# One cell: (series id, first instant, instant after the last).
Cell = tuple[int, dt.datetime, dt.datetime]
# One lead type's service level: (lead type, minimum attempts, attempt window in days).
Level = tuple[str, int, int]

_CELL_PARAMS = 4
_LEVEL_PARAMS = 4
# The parameters outside the VALUES lists (the status and attempts expressions), with room.
_OTHER_PARAMS = 32


@dataclass(frozen=True)
class LeadGroup:
    """The number of leads of one cell sharing a status, outcome, flag and attempts state."""

    cell: int
    handoff_status: str
    outcome: str
    invalid_rejection: bool
    attempts_state: str
    leads: int


def lead_groups(
    cells: Sequence[Cell], levels: Mapping[int, Sequence[Level]], *, as_of: dt.datetime
) -> Iterator[LeadGroup]:
    """The leads of each cell (by its index in ``cells``) grouped by what the measures count."""
    connection = _connection()
    flag = _converter(connection, "invalid_rejection")
    for chunk in _chunks(cells, levels, connection):
        sql, params = _statement(connection, cells, chunk, levels, as_of=as_of)
        for cell, status, outcome, invalid, attempts, leads in _rows(connection, sql, params):
            yield LeadGroup(int(cell), status, outcome, bool(flag(invalid)), attempts, int(leads))


def lead_responses(cells: Sequence[Cell]) -> Iterator[tuple[int, Decimal, int]]:
    """(cell index, response hours, number of leads) of the touched leads with a response time."""
    connection = _connection()
    hours = _converter(connection, "response_hours")
    for chunk in _chunks(cells, {}, connection):
        sql, params = _response_statement(connection, cells, chunk)
        for cell, value, leads in _rows(connection, sql, params):
            yield int(cell), Decimal(str(hours(value))), int(leads)


def _connection() -> BaseDatabaseWrapper:
    return connections[router.db_for_read(LeadRecord)]


def _rows(connection: BaseDatabaseWrapper, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _chunks(
    cells: Sequence[Cell], levels: Mapping[int, Sequence[Level]], connection: BaseDatabaseWrapper
) -> list[list[int]]:
    """The cells' indices per statement, series kept together where they fit."""
    by_series: dict[int, list[int]] = {}
    for index, (series_id, _start, _end) in enumerate(cells):
        by_series.setdefault(series_id, []).append(index)
    budget = connection.features.max_query_params
    chunks: list[list[int]] = []
    current: list[int] = []
    used = _OTHER_PARAMS
    for series_id, indices in by_series.items():
        level_params = _LEVEL_PARAMS * len(levels.get(series_id, ()))
        limit = CELLS_PER_STATEMENT
        if budget is not None:
            limit = min(limit, (budget - _OTHER_PARAMS - level_params) // _CELL_PARAMS)
        limit = max(limit, 1)
        for piece in (indices[i : i + limit] for i in range(0, len(indices), limit)):
            cost = _CELL_PARAMS * len(piece) + level_params
            too_many = budget is not None and used + cost > budget
            if current and (len(current) + len(piece) > CELLS_PER_STATEMENT or too_many):
                chunks.append(current)
                current, used = [], _OTHER_PARAMS
            current += piece
            used += cost
    if current:
        chunks.append(current)
    return chunks


def _statement(
    connection: BaseDatabaseWrapper,
    cells: Sequence[Cell],
    chunk: Sequence[int],
    levels: Mapping[int, Sequence[Level]],
    *,
    as_of: dt.datetime,
) -> tuple[str, list[Any]]:
    lead = _Columns(connection)
    with_sql, params = _cells_values(connection, cells, chunk)
    level_rows = _level_rows(cells, chunk, levels, as_of)
    join = ""
    if level_rows:
        types = (lead.type("series"), lead.type("lead_type"), lead.type("attempts"),
                 lead.type("mql_at"))  # fmt: skip
        values_sql, level_params = _values(connection, level_rows, types)
        with_sql += f", levels (series_id, lead_type, min_attempts, cutoff) AS ({values_sql})"
        params += level_params
        # On cells.series_id (equal to the lead's): SQLite then indexes the levels for the
        # join; against the lead's column, whose affinity differs, it scanned them per lead.
        join = (
            " LEFT JOIN levels ON levels.series_id = cells.series_id"
            f" AND levels.lead_type = {lead['lead_type']}"
        )
        attempts = (
            f"CASE WHEN levels.min_attempts IS NULL THEN '{OPEN}'"
            f" WHEN {lead['attempts']} >= levels.min_attempts THEN '{ENOUGH}'"
            f" WHEN {lead['mql_at']} < levels.cutoff THEN '{SHORT}' ELSE '{OPEN}' END"
        )
    else:
        attempts = f"'{OPEN}'"
    status_sql, status_params = _compiled(connection, lead_status_annotation(as_of))
    params += status_params + _bounds(connection, cells, chunk)
    sql = (
        f"WITH {with_sql} SELECT cells.cell, {status_sql}, {lead['outcome']},"
        f" {lead['invalid_rejection']}, {attempts}, COUNT(*)"
        f" FROM cells INNER JOIN {lead.table} ON {lead.in_cell}{join}"
        f" WHERE {lead.in_bounds} GROUP BY 1, 2, 3, 4, 5"
    )
    return sql, params


def _response_statement(
    connection: BaseDatabaseWrapper, cells: Sequence[Cell], chunk: Sequence[int]
) -> tuple[str, list[Any]]:
    lead = _Columns(connection)
    with_sql, params = _cells_values(connection, cells, chunk)
    sql = (
        f"WITH {with_sql} SELECT cells.cell, {lead['response_hours']}, COUNT(*)"
        f" FROM cells INNER JOIN {lead.table} ON {lead.in_cell}"
        f" WHERE {lead.in_bounds} AND {lead['response_hours']} IS NOT NULL"
        f" AND {lead['first_touch_at']} IS NOT NULL GROUP BY 1, 2"
    )
    return sql, params + _bounds(connection, cells, chunk)


def _bounds(
    connection: BaseDatabaseWrapper, cells: Sequence[Cell], chunk: Sequence[int]
) -> list[Any]:
    """The chunk's first and last instants: a constant range PostgreSQL can estimate, so that
    it scans the cells by the (series, mql_at) index rather than every lead of the series."""
    start = min(cells[index][1] for index in chunk)
    end = max(cells[index][2] for index in chunk)
    return [connection.ops.adapt_datetimefield_value(value) for value in (start, end)]


class _Columns:
    """The lead table's quoted name and columns, and their types for the VALUES lists."""

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection
        self.table = connection.ops.quote_name(LeadRecord._meta.db_table)
        self.in_cell = (
            f"{self['series']} = cells.series_id AND {self['mql_at']} >= cells.cell_start"
            f" AND {self['mql_at']} < cells.cell_end"
        )
        self.in_bounds = f"{self['mql_at']} >= %s AND {self['mql_at']} < %s"

    def __getitem__(self, name: str) -> str:
        column = _field(name).column
        assert column is not None
        return f"{self.table}.{self.connection.ops.quote_name(column)}"

    def type(self, name: str) -> str | None:
        return _field(name).db_type(self.connection)


def _field(name: str) -> models.Field[Any, Any]:
    field = LeadRecord._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field


def _cells_values(
    connection: BaseDatabaseWrapper, cells: Sequence[Cell], chunk: Sequence[int]
) -> tuple[str, list[Any]]:
    lead = _Columns(connection)
    rows = [(index, *cells[index]) for index in chunk]
    types = (models.IntegerField().db_type(connection), lead.type("series"),
             lead.type("mql_at"), lead.type("mql_at"))  # fmt: skip
    values_sql, params = _values(connection, rows, types)
    return f"cells (cell, series_id, cell_start, cell_end) AS ({values_sql})", params


def _level_rows(
    cells: Sequence[Cell],
    chunk: Sequence[int],
    levels: Mapping[int, Sequence[Level]],
    as_of: dt.datetime,
) -> list[tuple[int, str, int, dt.datetime]]:
    """The chunk's series' levels with their cutoffs; a lead type's first level counts."""
    rows: dict[tuple[int, str], tuple[int, str, int, dt.datetime]] = {}
    for series_id in dict.fromkeys(cells[index][0] for index in chunk):
        for lead_type, minimum, window_days in levels.get(series_id, ()):
            cutoff = as_of - dt.timedelta(days=window_days)
            rows.setdefault((series_id, lead_type), (series_id, lead_type, minimum, cutoff))
    return list(rows.values())


def _values(
    connection: BaseDatabaseWrapper, rows: Sequence[tuple[Any, ...]], types: Sequence[str | None]
) -> tuple[str, list[Any]]:
    """``VALUES`` of the rows as parameters, datetimes adapted for the backend.

    PostgreSQL types a VALUES column from its rows, so the first row's parameters are cast to
    the columns' types. SQLite gets no casts: a CAST to a datetime type would read the stored
    UTC text as a number; its text compares in order as the ORM's lookups compare it.
    """
    cast = connection.vendor != "sqlite"
    params: list[Any] = []
    placeholders = []
    for number, row in enumerate(rows):
        marks = []
        for value, db_type in zip(row, types, strict=True):
            if isinstance(value, dt.datetime):
                value = connection.ops.adapt_datetimefield_value(value)
            params.append(value)
            marks.append(f"CAST(%s AS {db_type})" if cast and number == 0 and db_type else "%s")
        placeholders.append(f"({', '.join(marks)})")
    return f"VALUES {', '.join(placeholders)}", params


def _compiled(connection: BaseDatabaseWrapper, expression: Expression) -> tuple[str, list[Any]]:
    """SQL of an expression over the lead table, its columns named by the table's own name."""
    query = LeadRecord.objects.all().query
    compiler = query.get_compiler(connection=connection)
    sql, params = compiler.compile(expression.resolve_expression(query, allow_joins=False))
    return sql, list(params)


def _converter(connection: BaseDatabaseWrapper, name: str) -> Callable[[Any], Any]:
    """Turns a raw value of a lead column into what the ORM would read back."""
    field = _field(name)
    column = field.get_col(LeadRecord._meta.db_table)
    converters = connection.ops.get_db_converters(column) + field.get_db_converters(connection)

    def convert(value: Any) -> Any:
        for converter in converters:
            value = converter(value, column, connection)
        return value

    return convert
