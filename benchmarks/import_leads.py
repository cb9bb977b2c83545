"""Benchmark: import a generated CRM export of leads (and 36 months of actuals) into a signed SLA.

Run from the project root:

    .venv/bin/python benchmarks/import_leads.py [--rows 100000] [--database-url URL]

Without --database-url a throwaway SQLite file in a temporary directory is used and migrated.
A given database is migrated and receives new teams and an agreement; use a scratch database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import secrets
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET_ROWS_PER_SECOND = 20_000
TARGET_PEAK_MB = 300

LEAD_TYPES = ["Demo request", "Contact us", "Content download", "Event lead"]
OUTCOMES = ["accepted"] * 6 + ["no-budget", "duplicate", "bad-timing", "not-a-code"] + [""] * 4


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="leads in the CSV")
    parser.add_argument("--database-url", default="", help="database to use (default: SQLite)")
    parser.add_argument("--seed", type=int, default=20260101)
    return parser.parse_args()


def setup_django(database_url: str, workdir: Path) -> None:
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{workdir / 'benchmark.sqlite3'}"
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    # Production settings refuse the built-in audit key; a throwaway one signs this run's data.
    os.environ.setdefault("AUDIT_SIGNING_KEYS", f"bench:{secrets.token_urlsafe(32)}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "slaportal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def signed_agreement() -> Any:
    """A signed agreement from the standard template, for 2025, between two new teams."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from agreements.models import Agreement
    from agreements.services.agreements import agreement_create
    from teams.models import Side, Team

    suffix = uuid.uuid4().hex[:8]
    user = get_user_model().objects.create_user(
        username=f"benchmark-{suffix}", password=secrets.token_urlsafe(16), is_staff=True
    )
    marketing = Team.objects.create(name=f"Benchmark marketing {suffix}", side=Side.MARKETING)
    sales = Team.objects.create(name=f"Benchmark sales {suffix}", side=Side.SALES)
    agreement = agreement_create(
        actor=user,
        title=f"Benchmark SLA {suffix}",
        marketing_team=marketing,
        sales_team=sales,
        start_date=dt.date(2025, 1, 1),
        end_date=dt.date(2027, 12, 31),
        from_template=True,
    )
    Agreement.objects.filter(pk=agreement.pk).update(
        status=Agreement.Status.SIGNED,
        signed_at=timezone.now(),
        timezone="Europe/Berlin",
    )
    agreement.refresh_from_db()
    return agreement, user


def write_leads_csv(path: Path, rows: int, seed: int) -> None:
    """Leads over 2025 in Berlin time: some with an offset, some naive; 15% never touched."""
    generator = random.Random(seed)
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    span_seconds = 365 * 24 * 3600
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("lead_id,lead_type,mql_at,first_touch_at,attempts,outcome\n")
        for number in range(rows):
            mql_at = start + dt.timedelta(seconds=generator.randrange(span_seconds))
            touched = generator.random() < 0.85
            first_touch = (
                (mql_at + dt.timedelta(minutes=generator.randrange(5, 3 * 24 * 60))).isoformat()
                if touched
                else ""
            )
            mql_text = (
                mql_at.isoformat()
                if number % 2
                else mql_at.astimezone(dt.timezone(dt.timedelta(hours=1))).strftime(
                    "%Y-%m-%dT%H:%M:%S"
                )
            )
            handle.write(
                f"L{number:07d},{LEAD_TYPES[number % 4]},{mql_text},{first_touch},"
                f"{generator.randrange(0, 9)},{generator.choice(OUTCOMES) if touched else ''}\n"
            )


def write_actuals_csv(path: Path, months: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("month,leads,mqls,sqls,customers,revenue\n")
        for index in range(months):
            year, month = divmod(index, 12)
            handle.write(f"{2025 + year}-{month + 1:02d},500,100,40,10,100000.00\n")


class CommitTimer:
    """Times the connection's commits, where PostgreSQL runs the deferred foreign-key checks."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.seconds = 0.0

    def __enter__(self) -> CommitTimer:
        commit = self.connection.commit

        def timed_commit() -> None:
            started = time.perf_counter()
            try:
                commit()
            finally:
                self.seconds += time.perf_counter() - started

        self.connection.commit = timed_commit
        return self

    def __exit__(self, *exc_info: object) -> None:
        del self.connection.commit


def max_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed_import(agreement: Any, user: Any, path: Path, trace: bool = False) -> dict[str, Any]:
    from django.db import connection

    from benchmarks.queries import QueryCounter
    from performance.services.leads import leads_import

    counter = QueryCounter()
    rss_before = max_rss_mb()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    cpu_started = time.process_time()
    with (
        connection.execute_wrapper(counter),
        CommitTimer(connection) as commit_timer,
        path.open(encoding="utf-8", newline="") as handle,
    ):
        result = leads_import(agreement=agreement, actor=user, file=handle)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    peak_mb = None
    if trace:
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        peak_mb = peak / 1024 / 1024
    if result.errors:
        raise SystemExit(f"The import reported errors: {result.errors[:5]}")
    return {
        "result": result,
        "seconds": elapsed,
        "rows_per_second": result.imported / elapsed if elapsed else 0.0,
        "cpu_seconds": cpu,
        "rows_per_cpu_second": result.imported / cpu if cpu else 0.0,
        "queries": counter.count,
        "statement_seconds": counter.seconds,
        "commit_seconds": commit_timer.seconds,
        "rss_delta_mb": max_rss_mb() - rss_before,
        "tracemalloc_peak_mb": peak_mb,
    }


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="slaportal-benchmark-") as directory:
        workdir = Path(directory)
        setup_django(args.database_url, workdir)
        from django.db import connection

        from benchmarks.queries import QueryCounter
        from performance.services.actuals_csv import actuals_import

        agreement, user = signed_agreement()
        leads_csv = workdir / "leads.csv"
        started = time.perf_counter()
        write_leads_csv(leads_csv, args.rows, args.seed)
        print(
            f"Database: {connection.vendor}; generated {args.rows:,} leads "
            f"({leads_csv.stat().st_size / 1024 / 1024:.1f} MB) "
            f"in {time.perf_counter() - started:.1f} s"
        )
        print(f"Process max RSS before importing: {max_rss_mb():.0f} MB")

        runs = [
            ("first import (creates)", timed_import(agreement, user, leads_csv)),
            ("re-import (updates)", timed_import(agreement, user, leads_csv)),
            ("re-import under tracemalloc", timed_import(agreement, user, leads_csv, trace=True)),
        ]
        for label, run in runs:
            result = run["result"]
            peak = run["tracemalloc_peak_mb"]
            print(
                f"{label}: {result.imported:,} rows in {run['seconds']:.2f} s = "
                f"{run['rows_per_second']:,.0f} rows/s (CPU {run['cpu_seconds']:.2f} s = "
                f"{run['rows_per_cpu_second']:,.0f} rows/s); {run['queries']} queries "
                f"({run['statement_seconds']:.2f} s in execute calls), "
                f"commit {run['commit_seconds']:.2f} s; "
                f"created {result.created:,}, updated {result.updated:,}; "
                f"met {result.met:,}, breached {result.breached:,}, pending {result.pending:,}, "
                f"invalid rejections {result.invalid_rejections:,}; "
                f"max RSS +{run['rss_delta_mb']:.1f} MB"
                + (f"; tracemalloc peak {peak:.1f} MB" if peak is not None else "")
            )

        actuals_csv = workdir / "actuals.csv"
        write_actuals_csv(actuals_csv, 36)
        counter = QueryCounter()
        started = time.perf_counter()
        with connection.execute_wrapper(counter), actuals_csv.open(encoding="utf-8") as handle:
            outcome = actuals_import(agreement=agreement, actor=user, file=handle)
        print(
            f"36 months of actuals: {outcome.created} created, {outcome.updated} updated "
            f"in {(time.perf_counter() - started) * 1000:.0f} ms, {counter.count} queries"
        )

        speed = runs[0][1]["rows_per_second"]
        peak = runs[2][1]["tracemalloc_peak_mb"] or 0.0
        rss = max(run["rss_delta_mb"] for _label, run in runs)
        verdict_speed = "OK" if speed >= TARGET_ROWS_PER_SECOND else "BELOW TARGET"
        verdict_memory = "OK" if max(peak, rss) < TARGET_PEAK_MB else "ABOVE TARGET"
        print(f"Load average while running: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(
            f"Targets: >= {TARGET_ROWS_PER_SECOND:,} rows/s: {speed:,.0f} ({verdict_speed}); "
            f"peak < {TARGET_PEAK_MB} MB: tracemalloc {peak:.1f} MB, "
            f"max RSS growth {rss:.1f} MB ({verdict_memory})"
        )


if __name__ == "__main__":
    main()
