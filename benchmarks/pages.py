"""Benchmark: the app's pages under load against Django's floor and admin, tiny and full data.

Run from the project root (`make bench`):

    .venv/bin/python benchmarks/pages.py [--size tiny|full|both] [--duration 8] [--reseed]

For each size it makes (once) a PostgreSQL database slaportal_bench_<size>, seeds it with
`manage.py seed_benchmark`, starts the production server (gunicorn with gunicorn.conf.py,
DEBUG off) on it under benchmarks.settings (production settings plus the floor view), and
loads each page in turn with Debian's wrk, signed in: the floor, the admin change page of an
agreement, then the app's pages, then the floor again. It prints requests/s, latency
percentiles and errors per page, each page's throughput as a share of the floor's and as a
multiple of the admin page's, one in-process request's time, query count and profile per page,
and which targets pass.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: benchmarks/pages.py
    sys.path.insert(0, str(ROOT))

from benchmarks.page_load import (  # noqa: E402
    Server,
    check_page,
    drain,
    free_port,
    headers_for,
    wrk,
)
from benchmarks.page_report import (  # noqa: E402
    CHECKED,
    PAGES,
    print_profiles,
    report,
    scale_report,
)

PYTHON = ROOT / ".venv" / "bin" / "python"
ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
# Fixed, public values: the benchmark databases hold nothing secret, and the signatures seeded
# under this audit key must verify when the server reads them.
BENCH_ENV = {
    "DEBUG": "false",
    "DJANGO_SETTINGS_MODULE": "benchmarks.settings",
    "SECRET_KEY": "slaportal-benchmark-secret-key-not-for-production-0123456789",
    "AUDIT_SIGNING_KEYS": "bench:slaportal-benchmark-audit-key",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "LOG_LEVEL": "ERROR",
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size", choices=["tiny", "full", "both"], default="both")
    parser.add_argument("--duration", type=int, default=8, help="seconds of load per page")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of load before each")
    parser.add_argument(
        "--floor-duration",
        type=int,
        default=3,
        help="seconds of floor right before each page, for its share (0: the mean of the "
        "floor runs at the start and the end)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="times every page is loaded, in the same order; each page keeps its best run",
    )
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--timeout", type=int, default=10, help="seconds before wrk gives up")
    parser.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    parser.add_argument("--reseed", action="store_true", help="drop and seed the databases again")
    parser.add_argument("--no-profile", action="store_true", help="skip the in-process profile")
    parser.add_argument("--profile-lines", type=int, default=12)
    parser.add_argument("--database-prefix", default="postgres://postgres@127.0.0.1:5432/")
    parser.add_argument("--inspect", help=argparse.SUPPRESS)  # internal: a size's targets
    return parser.parse_args()


# Databases and seeding ----------------------------------------------------------------------


def database_url(args: argparse.Namespace, size: str) -> str:
    return f"{args.database_prefix}slaportal_bench_{size}"


def ensure_database(args: argparse.Namespace, size: str, *, drop: bool = False) -> None:
    """The size's database exists; empty when ``drop`` or --reseed."""
    import psycopg

    name = f"slaportal_bench_{size}"
    with psycopg.connect(args.database_prefix + "postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and (drop or args.reseed):
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def manage(env: dict[str, str], *arguments: str, capture: bool = False) -> str:
    result = subprocess.run(
        [str(PYTHON), "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else None,
        stderr=subprocess.DEVNULL if capture else None,
    )
    return result.stdout or ""


def size_env(args: argparse.Namespace, size: str) -> dict[str, str]:
    return {**os.environ, **BENCH_ENV, "DATABASE_URL": database_url(args, size)}


def prepare(args: argparse.Namespace, size: str) -> dict[str, Any]:
    """The database of ``size`` migrated and seeded (once), and its pages and sessions."""
    ensure_database(args, size)
    env = size_env(args, size)
    manage(env, "migrate", "--noinput", "--verbosity", "0")
    inspected = inspect(args, size, env)
    if inspected["seeded"] and not inspected["in_force"]:
        # Seeded more than MONTHS_AHEAD months ago: the pages would measure agreements out of
        # force (an empty portfolio, a dashboard of past months), so the set is seeded anew.
        print(f"The {size} data set's agreements have ended; seeding it afresh.", flush=True)
        ensure_database(args, size, drop=True)
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        inspected = inspect(args, size, env)
    if not inspected["seeded"]:
        started = time.perf_counter()
        print(f"Seeding the {size} data set…", flush=True)
        manage(env, "seed_benchmark", "--size", size, capture=True)
        print(f"Seeded in {time.perf_counter() - started:.0f} s.", flush=True)
        inspected = inspect(args, size, env)
    return inspected


def inspect(args: argparse.Namespace, size: str, env: dict[str, str]) -> dict[str, Any]:
    """Run this script in --inspect mode against the size's database; returns its JSON."""
    command = [str(PYTHON), __file__, "--inspect", size, "--profile-lines", str(args.profile_lines)]
    if args.no_profile:
        command.append("--no-profile")
    # The in-process requests would log a line each (slaportal.request_log).
    env = {**env, "REQUEST_LOG_LEVEL": "WARNING"}
    output = subprocess.run(
        command, cwd=ROOT, env=env, check=True, text=True, stdout=subprocess.PIPE
    ).stdout
    result: dict[str, Any] = json.loads(output.splitlines()[-1])
    return result


# In-process part (--inspect): URLs, sessions, one profiled request per page ----------------


def inspect_main(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from agreements.models import Agreement
    from benchmarks.floor import FLOOR_PATH, SIGNED_IN_FLOOR_PATH
    from performance.benchmark_seed import plan as seed

    signed = Agreement.objects.filter(
        title=seed.TARGET_TITLE, status=Agreement.Status.SIGNED
    ).first()
    if signed is None:
        print(json.dumps({"seeded": False}))
        return
    draft = Agreement.objects.get(amends=signed, status=Agreement.Status.DRAFT)
    urls = {
        "floor": FLOOR_PATH,
        "signed_in_floor": SIGNED_IN_FLOOR_PATH,
        "admin": reverse("admin:agreements_agreement_change", args=[signed.pk]),
        "list": reverse("agreements:list"),
        "draft": reverse("agreements:detail", args=[draft.pk]),
        "signed": reverse("agreements:detail", args=[signed.pk]),
        "dashboard": reverse("performance:dashboard", args=[signed.pk]),
        "portfolio": reverse("performance:portfolio"),
        "signed_list": reverse("agreements:signed_list"),
    }
    users = get_user_model().objects
    cookies = {}
    clients = {}
    for role, username in (("admin", seed.ADMIN_USERNAME), ("member", seed.MEMBER_USERNAME)):
        client = Client()
        client.force_login(
            users.get(username=username), backend="django.contrib.auth.backends.ModelBackend"
        )
        cookies[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
        clients[role] = client
    profiles: dict[str, Any] = {}
    if not args.no_profile:
        for key, url in urls.items():
            if key == "floor":
                continue
            client = clients["admin" if key == "admin" else "member"]
            profiles[key] = profile_page(client, url, args.profile_lines)
    print(
        json.dumps(
            {
                "seeded": True,
                "in_force": signed.start_date <= timezone.localdate() <= signed.end_date,
                "urls": urls,
                "cookies": cookies,
                "cookie_name": settings.SESSION_COOKIE_NAME,
                "profiles": profiles,
                "agreements": Agreement.objects.values("series").distinct().count(),
            }
        )
    )


def profile_page(client: Any, url: str, lines: int) -> dict[str, Any]:
    from django.db import connection

    from benchmarks.queries import QueryCounter

    for _ in range(2):  # warm: templates compiled, caches filled, connection open
        response = client.get(url, secure=True)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code} in process.")
    timings: list[float] = []
    spent = time.perf_counter()
    # 7 fetches, fewer for a page that takes seconds.
    while len(timings) < 7 and (len(timings) < 2 or time.perf_counter() - spent < 10):
        started = time.perf_counter()
        client.get(url, secure=True)
        timings.append(time.perf_counter() - started)
    counter = QueryCounter()
    with connection.execute_wrapper(counter):
        client.get(url, secure=True)
    profiler = cProfile.Profile()
    profiler.enable()
    client.get(url, secure=True)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(r"/work/|slaportal|agreements|performance|teams")
    text = out.getvalue()
    kept = [
        line
        for line in text.splitlines()
        if line.strip() and line.strip()[0].isdigit() and ".venv" not in line
    ]
    tottime = io.StringIO()
    pstats.Stats(profiler, stream=tottime).sort_stats("tottime").print_stats(lines)
    own = [line for line in tottime.getvalue().splitlines() if line.strip()[:1].isdigit()]
    return {
        "median_ms": statistics.median(timings) * 1000,
        "queries": counter.count,
        "sql_ms": counter.seconds * 1000,
        "slowest": counter.slowest(),
        "cumulative": kept[:lines],
        "tottime": own[:lines],
    }


# Load -------------------------------------------------------------------------------------


def load(
    args: argparse.Namespace, sizes: list[str], inspected: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """One server per size, all running; page by page, each size in turn, so that the sizes
    and the floor are measured side by side while the machine's speed drifts.

    Every page, the floor and the admin page alike, is loaded ``--rounds`` times and keeps
    its fastest run, as ``timeit`` keeps its best: a run that other work on the machine
    slowed down says nothing about the page. Errors are counted over every run."""
    logdir = Path(tempfile.mkdtemp(prefix="slaportal-bench-"))
    servers: dict[str, Server] = {}
    results: dict[str, dict[str, Any]] = {size: {} for size in sizes}
    try:
        for size in sizes:
            servers[size] = Server(
                size_env(args, size), args.port or free_port(), logdir / f"gunicorn-{size}.log"
            )
        for server in servers.values():
            server.wait_ready()
        order = [key for key, _label, _share in PAGES] + ["floor"]
        runs = [
            (round_, position, key)
            for round_ in range(args.rounds)
            for position, key in enumerate(order)
        ]
        for round_, position, key in runs:
            for size in sizes:
                server = servers[size]
                url = server.url + inspected[size]["urls"][key]
                headers = headers_for(key, inspected[size])
                drain(server)
                check_page(url, headers)
                floor_url = server.url + inspected[size]["urls"]["floor"]
                floor_rps = None
                if key != "floor" and args.floor_duration:
                    # The floor right before the page, on the same server: its share.
                    floor_headers = headers_for("floor", inspected[size])
                    floor_rps = wrk(floor_url, floor_headers, args, args.floor_duration)["rps"]
                if args.warmup:
                    wrk(url, headers, args, args.warmup)
                spent = server.worker_cpu_seconds()
                result = wrk(url, headers, args, args.duration)
                now_spent = server.worker_cpu_seconds()
                result["cpu_ms"] = (
                    (now_spent - spent) * 1000 / result["requests"]
                    if spent is not None and now_spent is not None and result["requests"]
                    else None
                )
                result["floor_before"] = floor_rps
                result["drain_s"] = drain(server)
                waited = result["drain_s"]
                busy = f"  (server busy {waited:.0f} s after)" if waited > 1 else ""
                print(
                    f"  {round_ + 1} {size:5} {key:12} {result['rps']:8.1f} req/s  p50 "
                    f"{result['p50_us'] / 1000:7.1f} ms  errors {result['errors']}{busy}",
                    flush=True,
                )
                name = "floor_again" if key == "floor" and position else key
                kept = results[size].get(name)
                errors = result["errors"] + (kept["errors"] if kept else 0)
                if kept is None or result["rps"] > kept["rps"]:
                    results[size][name] = kept = result
                kept["errors"] = errors  # over every round
    finally:
        for server in servers.values():
            server.stop()
    for size in sizes:
        floors = [results[size]["floor"]["rps"], results[size]["floor_again"]["rps"]]
        results[size]["floor_rps"] = statistics.mean(floors)
        results[size]["load"] = os.getloadavg()
    shutil.rmtree(logdir, ignore_errors=True)
    return results


def main() -> None:
    args = parse_args()
    if args.inspect:
        inspect_main(args)
        return
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    sizes = ["tiny", "full"] if args.size == "both" else [args.size]
    env = size_env(args, sizes[0])
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    inspected_by_size = {}
    for size in sizes:
        inspected_by_size[size] = prepare(args, size)
    print(
        f"Loading {' and '.join(sizes)} side by side ({args.duration} s per page, "
        f"{args.rounds} round{'s' if args.rounds != 1 else ''}, each page's best kept)…",
        flush=True,
    )
    all_results = load(args, sizes, inspected_by_size)
    for size in sizes:
        print_profiles(size, inspected_by_size[size])
    misses = []
    for size in sizes:
        misses += report(size, all_results[size], inspected_by_size[size])
    if len(sizes) == 2:
        misses += scale_report(all_results, inspected_by_size)
    print(
        f"\nwrk {args.threads} threads, {args.connections} connections, {args.duration} s per "
        f"page; gunicorn.conf.py workers {os.environ.get('WEB_CONCURRENCY', 'default')}."
    )
    print(f"Targets: {CHECKED[0] - len(misses)} of {CHECKED[0]} checks met.")
    if misses:
        print(f"Missed ({len(misses)}):")
        for miss in misses:
            print(f"  MISS {miss}")
    else:
        print("Every target met.")


if __name__ == "__main__":
    main()
