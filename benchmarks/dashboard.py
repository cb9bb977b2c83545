"""Benchmark: the performance dashboard's render time and query count, 1,000 against 100,000 leads.

Run from the project root:

    .venv/bin/python benchmarks/dashboard.py [--small 1000] [--large 100000] [--runs 9]
                                             [--database-url URL]

Without --database-url a throwaway SQLite file in a temporary directory is used and migrated.
A given database is migrated and receives new teams and an agreement; use a scratch database.
The page is fetched with Django's test client as a party member (the whole request: session,
permission check, every aggregate, the charts and the template); the median of --runs fetches
is reported after one warm-up fetch. Leads are written with bulk_create and the tables are
ANALYZEd afterwards, as autovacuum (PostgreSQL) would; DEBUG is on only so that the static
files need no collectstatic manifest.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 1.5
LEAD_TYPES = ["Demo request", "Contact us", "Content download", "Event lead"]
OUTCOMES = ["accepted"] * 6 + ["no-budget", "duplicate", "bad-timing", "not-a-code"] + [""] * 4


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--small", type=int, default=1_000, help="leads in the first measure")
    parser.add_argument("--large", type=int, default=100_000, help="leads in the second measure")
    parser.add_argument("--runs", type=int, default=9, help="fetches per measure (median)")
    parser.add_argument("--database-url", default="", help="database to use (default: SQLite)")
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument(
        "--covering-index",
        action="store_true",
        help="first add (with raw SQL, not a migration) an index covering the lead aggregate",
    )
    return parser.parse_args()


def setup_django(database_url: str, workdir: Path) -> None:
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{workdir / 'benchmark.sqlite3'}"
    os.environ["DEBUG"] = "true"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "slaportal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0)


def signed_agreement() -> tuple[Any, Any]:
    """A signed standard agreement over 36 months, between two new teams, and a party member."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from agreements.models import Agreement
    from agreements.services.agreements import agreement_create
    from performance.benchmark_seed.plan import Calendar
    from teams.models import Membership, Side, Team

    # The page benchmark's dates, from today: 24 months of figures, the agreement in force.
    calendar = Calendar.of(timezone.localdate())
    suffix = uuid.uuid4().hex[:8]
    user = get_user_model().objects.create_user(
        username=f"dashboard-benchmark-{suffix}", password=secrets.token_urlsafe(16)
    )
    marketing = Team.objects.create(name=f"Dashboard marketing {suffix}", side=Side.MARKETING)
    sales = Team.objects.create(name=f"Dashboard sales {suffix}", side=Side.SALES)
    Membership.objects.create(user=user, team=sales, role=Membership.Role.MEMBER)
    agreement = agreement_create(
        actor=user,
        title=f"Dashboard benchmark SLA {suffix}",
        marketing_team=marketing,
        sales_team=sales,
        start_date=calendar.start,
        end_date=calendar.end,
        from_template=True,
    )
    Agreement.objects.filter(pk=agreement.pk).update(
        status=Agreement.Status.SIGNED, signed_at=timezone.now(), timezone="Europe/Berlin"
    )
    agreement.refresh_from_db()
    return agreement, user


def add_actuals(agreement: Any) -> None:
    from django.utils import timezone

    from performance.benchmark_seed.plan import Calendar
    from performance.models import KpiActual, MonthlyActual

    calendar = Calendar.of(timezone.localdate())
    generator = random.Random(36)
    months = [
        MonthlyActual(
            series_id=agreement.series_id,
            month=month,
            leads=generator.randrange(300, 700),
            mqls=generator.randrange(60, 140),
            sqls=generator.randrange(20, 60),
            customers=generator.randrange(4, 16),
            revenue=Decimal(generator.randrange(40_000, 160_000)),
        )
        for month in calendar.actual_months
    ]
    MonthlyActual.objects.bulk_create(months)
    KpiActual.objects.bulk_create(
        KpiActual(
            series_id=agreement.series_id,
            kpi_name=name,
            period_start=calendar.kpi_period,
            value=Decimal(value),
        )
        for name, value in (("MQLs delivered", "96"), ("Marketing-sourced revenue", "80000"))
    )


def add_leads(agreement: Any, *, first: int, count: int, seed: int) -> None:
    """Leads spread over the agreement's past months: about 15% never touched."""
    from django.utils import timezone

    from performance.models import LeadRecord
    from performance.services.lead_tally import lead_tally_refresh

    generator = random.Random(seed + first)
    start = dt.datetime.combine(agreement.start_date, dt.time(), tzinfo=dt.UTC)
    span = int((timezone.now() - start).total_seconds())
    batch: list[Any] = []
    for number in range(first, first + count):
        mql_at = start + dt.timedelta(seconds=generator.randrange(span))
        limit = (1, 4, 8, 24)[number % 4]
        due_at = mql_at + dt.timedelta(hours=limit * 2)
        touched = generator.random() < 0.85
        first_touch = mql_at + dt.timedelta(minutes=generator.randrange(5, 3 * 24 * 60))
        batch.append(
            LeadRecord(
                series_id=agreement.series_id,
                agreement_id=agreement.pk,
                lead_id=f"L{number:07d}",
                lead_type=LEAD_TYPES[number % 4],
                mql_at=mql_at,
                first_touch_at=first_touch if touched else None,
                attempts=generator.randrange(0, 9),
                outcome=generator.choice(OUTCOMES) if touched else "",
                limit_hours=Decimal(limit),
                due_at=due_at,
                response_hours=Decimal(generator.randrange(1, 4000)) / 100 if touched else None,
                invalid_rejection=False,
            )
        )
        if len(batch) == 5_000:
            LeadRecord.objects.bulk_create(batch)
            batch = []
    if batch:
        LeadRecord.objects.bulk_create(batch)
    lead_tally_refresh(series_id=agreement.series_id)
    analyze()


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM ANALYZE agreements_leadrecord"
            if connection.vendor == "postgresql"
            else "ANALYZE"
        )


COVERING_INDEX = (
    "CREATE INDEX IF NOT EXISTS benchmark_lead_aggregate ON agreements_leadrecord "
    "(series_id, lead_type, outcome, invalid_rejection, mql_at, due_at, first_touch_at)"
)


def add_covering_index() -> None:
    """Every column the dashboard's lead aggregate reads, so it can scan the index alone."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(COVERING_INDEX)


def measure(client: Any, url: str, runs: int) -> dict[str, Any]:
    from django.db import connection, reset_queries

    from benchmarks.queries import QueryCounter

    warm = client.get(url)
    if warm.status_code != 200:
        raise SystemExit(f"The dashboard answered {warm.status_code}.")
    timings = []
    counter = QueryCounter()
    for run in range(runs):
        reset_queries()
        started = time.perf_counter()
        if run == 0:
            with connection.execute_wrapper(counter):
                response = client.get(url)
        else:
            response = client.get(url)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200
    return {
        "median_ms": statistics.median(timings) * 1000,
        "min_ms": min(timings) * 1000,
        "max_ms": max(timings) * 1000,
        "queries": counter.count,
        "bytes": len(response.content),
    }


def main() -> None:
    args = parse_args()
    if args.large <= args.small:
        raise SystemExit("--large must be more than --small.")
    with tempfile.TemporaryDirectory(prefix="slaportal-dashboard-benchmark-") as directory:
        setup_django(args.database_url, Path(directory))
        from django.db import connection
        from django.test import Client
        from django.urls import reverse

        from performance.benchmark_seed.plan import ACTUAL_MONTHS

        if args.covering_index:
            add_covering_index()
        agreement, user = signed_agreement()
        add_actuals(agreement)
        client = Client()
        client.force_login(user)
        url = reverse("performance:dashboard", args=[agreement.pk])

        started = time.perf_counter()
        add_leads(agreement, first=0, count=args.small, seed=args.seed)
        print(
            f"Database: {connection.vendor}"
            f"{' with the covering index' if args.covering_index else ''}; "
            f"{ACTUAL_MONTHS} months of actuals; "
            f"{args.small:,} leads written in {time.perf_counter() - started:.1f} s"
        )
        small = measure(client, url, args.runs)

        started = time.perf_counter()
        add_leads(agreement, first=args.small, count=args.large - args.small, seed=args.seed)
        print(
            f"{args.large - args.small:,} more leads written in "
            f"{time.perf_counter() - started:.1f} s"
        )
        large = measure(client, url, args.runs)

        for label, result in ((f"{args.small:,} leads", small), (f"{args.large:,} leads", large)):
            print(
                f"{label}: median {result['median_ms']:.1f} ms "
                f"(min {result['min_ms']:.1f}, max {result['max_ms']:.1f}) over {args.runs} "
                f"fetches; {result['queries']} queries; {result['bytes'] / 1024:.0f} KB"
            )
        ratio = large["median_ms"] / small["median_ms"]
        verdict = "OK" if ratio <= TARGET_RATIO else "ABOVE TARGET"
        same_queries = "same" if large["queries"] == small["queries"] else "DIFFERENT"
        print(
            f"Ratio {args.large:,} / {args.small:,} leads: {ratio:.2f}x "
            f"(target <= {TARGET_RATIO}x: {verdict}); query counts {same_queries}."
        )
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        print(f"Load average (1, 5, 15 min): {load} on {os.cpu_count()} CPUs.")


if __name__ == "__main__":
    main()
