"""Every write to what a series' figures are computed from, recorded by the database itself.

The dashboard and the portfolio keep their figures in the cache (``dashboard_kept``, the
portfolio's ``_rows_of``). A kept figure is right only while nothing it was worked out from has
changed, and rows change through the services, the admin, bulk imports, undo, migrations and
the shell alike. So the database records the changes: triggers on every table the figures read
(``FIGURE_TABLES``) add a row to ``SeriesChange`` for each series a statement touches, in the
writing transaction (on PostgreSQL once a statement, from its transition tables; on SQLite once
a row). No path can write a figure without it.

A series' revision is the pair (its newest change's id, its number of changes), read in one
query before the figures are computed. Ids alone would not do on PostgreSQL: they are handed out
when a row is written, not when its transaction commits, so a transaction committing late adds
an id below the newest; it still adds one to the count. ``series_changes_compact`` keeps the
log short: it replaces a series' changes by one new change, a revision never seen before; the
lead tally's recount, which ends every bulk write of leads, and ``check_sla`` run it.

Figures are kept to the end of the minute they were worked out in (``figures_key``), so the
clock (a lead turning overdue at its due instant) shows within the minute.

The triggers are (re)installed after every ``migrate`` (``PerformanceConfig.ready``): SQLite
drops a table's triggers when a migration rebuilds the table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable

from django.conf import settings
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Count, Max
from django.utils.translation import get_language

from agreements import page_cache
from performance.models import SeriesChange

# The tables the dashboard's and the portfolio's figures are computed from, and how a row names
# its series: its own series_id, or its agreement's. tests/performance/test_series_changes.py
# holds every model with a series or an agreement to this list or to NOT_FIGURES.
FIGURE_TABLES: dict[str, str] = {
    "agreements_agreement": "series",
    "agreements_kpi": "agreement",
    "agreements_responsibility": "agreement",
    "agreements_qualificationrule": "agreement",
    "agreements_leadtypeservicelevel": "agreement",
    "agreements_holiday": "agreement",
    "agreements_rejectionreason": "agreement",
    "agreements_deadline": "agreement",
    "agreements_monthlyactual": "series",
    "agreements_kpiactual": "series",
    "agreements_leadrecord": "series",
    "agreements_leadtally": "series",
    "performance_leadday": "series",
}
# Tables of a series or an agreement that no figure reads.
NOT_FIGURES = frozenset(
    {
        "agreements_emaildelivery",
        "agreements_revision",
        "agreements_signature",
        "agreements_comment",
        "agreements_agreementevent",
        "performance_importbatch",
        "agreements_leadcolumnmapping",
        "performance_pendingupload",
        # The dashboard reads its open alerts apart from its figures (open_alerts_for).
        "agreements_alert",
    }
)
OPERATIONS = ("insert", "update", "delete")
# Figures kept under a revision are kept to the end of the minute they were worked out in,
# under a key naming the code that worked them out (agreements.page_cache.code_fingerprint).
FIGURES_SECONDS = 60
FIGURES_CODE = ("agreements", "performance", "teams")
_FUNCTION = "slaportal_series_changed"


def series_revisions(series_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    """Each series' revision: (newest change id, number of changes); (0, 0) if none."""
    ids = list(set(series_ids))
    found = {
        row["series_id"]: (row["newest"], row["count"])
        for row in SeriesChange.objects.filter(series_id__in=ids)
        .order_by()
        .values("series_id")
        .annotate(newest=Max("id"), count=Count("id"))
    }
    return {series_id: found.get(series_id, (0, 0)) for series_id in ids}


def figures_key(kind: str, agreement_pk: int, revision: tuple[int, int], now: dt.datetime) -> str:
    """The cache key of an agreement's figures of ``kind`` worked out at ``now``: its series'
    revision, the minute, the language and the code that worked them out."""
    return ":".join(
        (
            kind,
            str(agreement_pk),
            "{}.{}".format(*revision),
            str(int(now.timestamp() // 60)),
            get_language() or settings.LANGUAGE_CODE,
            page_cache.code_fingerprint(*FIGURES_CODE),
        )
    )


def figures_seconds(now: dt.datetime) -> int:
    """How long figures worked out at ``now`` are kept: to the end of its minute."""
    return FIGURES_SECONDS - now.second


def series_changes_compact(series_ids: Collection[int] | None = None) -> int:
    """Replace the changes of each series (every one with more than one when None) by a single
    new one; returns how many series were compacted."""
    log = SeriesChange.objects.order_by()
    if series_ids is None:
        series_ids = list(
            log.values("series_id")
            .annotate(count=Count("id"))
            .filter(count__gt=1)
            .values_list("series_id", flat=True)
        )
    for series_id in series_ids:
        newest = SeriesChange.objects.create(series_id=series_id)
        # Changes of transactions not yet committed are not seen, so they stay: they still
        # change the count when they commit.
        log.filter(series_id=series_id, id__lt=newest.pk).delete()
    return len(series_ids)


def installed(using: BaseDatabaseWrapper = connection) -> bool:
    """Whether the change log's table exists (it does not before its migration)."""
    with using.cursor() as cursor:
        return SeriesChange._meta.db_table in using.introspection.table_names(cursor)


def install_triggers(using: BaseDatabaseWrapper = connection) -> None:
    """Create, or re-create, the triggers of every figure table."""
    statements = _postgresql_statements() if using.vendor == "postgresql" else _sqlite_statements()
    with using.cursor() as cursor:
        for statement in drop_statements(using.vendor) + statements:
            cursor.execute(statement)


def drop_statements(vendor: str) -> list[str]:
    """The statements that remove the triggers (before the change log's table goes)."""
    names = [
        (table, _trigger(table, operation)) for table in FIGURE_TABLES for operation in OPERATIONS
    ]
    if vendor == "postgresql":
        return [f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"' for table, name in names]
    return [f'DROP TRIGGER IF EXISTS "{name}"' for _table, name in names]


def _trigger(table: str, operation: str) -> str:
    return f"slaportal_changes_{table}_{operation}"


def _series_of(key: str, rows: str, *, transition: bool) -> str:
    """A SELECT of the series of ``rows``: a transition table (PostgreSQL), or NEW or OLD."""
    if key == "series":
        if transition:
            return f"SELECT DISTINCT series_id FROM {rows}"
        return f"SELECT {rows}.series_id"
    if transition:
        return (
            f"SELECT DISTINCT a.series_id FROM {rows} AS r "
            "JOIN agreements_agreement AS a ON a.id = r.agreement_id"
        )
    return f"SELECT a.series_id FROM agreements_agreement AS a WHERE a.id = {rows}.agreement_id"


def _postgresql_statements() -> list[str]:
    table = SeriesChange._meta.db_table
    branches = []
    for key in ("series", "agreement"):
        new = _series_of(key, "slaportal_new", transition=True)
        old = _series_of(key, "slaportal_old", transition=True)
        branches.append(
            f"""IF TG_ARGV[0] = '{key}' THEN
    IF TG_OP = 'INSERT' THEN
      INSERT INTO {table} (series_id) {new};
    ELSIF TG_OP = 'UPDATE' THEN
      INSERT INTO {table} (series_id) {new} UNION {old};
    ELSE
      INSERT INTO {table} (series_id) {old};
    END IF;
  END IF;"""
        )
    function = f"""CREATE OR REPLACE FUNCTION {_FUNCTION}() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  {chr(10).join(branches)}
  RETURN NULL;
END;
$$"""
    referencing = {
        "insert": "REFERENCING NEW TABLE AS slaportal_new",
        "update": "REFERENCING OLD TABLE AS slaportal_old NEW TABLE AS slaportal_new",
        "delete": "REFERENCING OLD TABLE AS slaportal_old",
    }
    triggers = [
        f'CREATE TRIGGER "{_trigger(watched, operation)}" AFTER {operation.upper()} '
        f'ON "{watched}" {referencing[operation]} FOR EACH STATEMENT '
        f"EXECUTE FUNCTION {_FUNCTION}('{key}')"
        for watched, key in FIGURE_TABLES.items()
        for operation in OPERATIONS
    ]
    return [function, *triggers]


def _sqlite_statements() -> list[str]:
    table = SeriesChange._meta.db_table
    statements = []
    for watched, key in FIGURE_TABLES.items():
        for operation in OPERATIONS:
            new = _series_of(key, "NEW", transition=False)
            old = _series_of(key, "OLD", transition=False)
            selects = {"insert": new, "update": f"{new} UNION {old}", "delete": old}[operation]
            statements.append(
                f'CREATE TRIGGER "{_trigger(watched, operation)}" AFTER {operation.upper()} '
                f'ON "{watched}" FOR EACH ROW BEGIN '
                f"INSERT INTO {table} (series_id) {selects}; END"
            )
    return statements
