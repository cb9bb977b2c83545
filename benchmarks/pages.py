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
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
LUA = Path(__file__).resolve().parent / "wrk_report.lua"
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
# (key, label, share of the floor's throughput required)
PAGES = [
    ("floor", "Floor view", None),
    # The floor's view behind the site's middleware, signed in: what every app page pays first.
    ("signed_in_floor", "Signed-in floor", None),
    ("admin", "Admin change page", None),
    ("list", "Agreement list", 0.40),
    ("draft", "Draft agreement", 0.40),
    ("signed", "Signed agreement", 0.60),
    ("dashboard", "Dashboard", 0.25),
    ("portfolio", "Portfolio", 0.25),
    ("signed_list", "Signed SLAs list", 0.40),
]
ADMIN_MULTIPLE = 5.0
TAIL_RATIO = 5.0
SCALE_RATIO = 1.25
CHECKED = [0]  # targets checked in this run, for the summary


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


def ensure_database(args: argparse.Namespace, size: str) -> None:
    import psycopg

    name = f"slaportal_bench_{size}"
    with psycopg.connect(args.database_prefix + "postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and args.reseed:
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


class Server:
    """gunicorn with the project's gunicorn.conf.py, as `make serve` starts it."""

    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [str(GUNICORN), "--config", "gunicorn.conf.py", "benchmarks.wsgi"],
            cwd=ROOT,
            env={**env, "HOST_PORT": f"127.0.0.1:{port}"},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {self.log.name}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise SystemExit("gunicorn did not answer /healthz within 60 s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def headers_for(key: str, inspected: dict[str, Any]) -> dict[str, str]:
    # Behind the TLS proxy production expects (SECURE_PROXY_SSL_HEADER).
    headers = {"X-Forwarded-Proto": "https"}
    if key != "floor":
        role = "admin" if key == "admin" else "member"
        headers["Cookie"] = f"{inspected['cookie_name']}={inspected['cookies'][role]}"
    return headers


def check_page(url: str, headers: dict[str, str]) -> None:
    """The page answers 200 itself (not a redirect to the login or to HTTPS)."""
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers=headers)
    try:
        with opener.open(request, timeout=30) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    if status != 200:
        raise SystemExit(f"{url} answered {status} before the load; nothing measured.")


def wrk(
    url: str, headers: dict[str, str], args: argparse.Namespace, seconds: int
) -> dict[str, Any]:
    command = [
        "wrk",
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{seconds}s",
        f"--timeout={args.timeout}s",
        "-s",
        str(LUA),
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(command + [url], check=True, text=True, capture_output=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH_JSON "))
    result: dict[str, Any] = json.loads(line.removeprefix("BENCH_JSON "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["errors"] = (
        result["non2xx"] + result["connect"] + result["read"] + result["write"] + result["timeout"]
    )
    if not result["requests"]:
        # Not one answer within the run (nor a timeout, if --timeout is longer): every
        # connection's request went unanswered.
        result["errors"] = max(result["errors"], args.connections)
    return result


def drain(server: Server, seconds: float = 120) -> float:
    """Wait until requests left over from the last page (gunicorn finishes what wrk gave up
    on) no longer hold the workers: the floor answers in under 50 ms. Returns the wait."""
    started = time.monotonic()
    request = urllib.request.Request(
        server.url + "/benchmark-floor/", headers={"X-Forwarded-Proto": "https"}
    )
    while time.monotonic() - started < seconds:
        asked = time.monotonic()
        with urllib.request.urlopen(request, timeout=seconds) as response:
            response.read()
        if time.monotonic() - asked < 0.05:
            break
        time.sleep(0.2)
    return time.monotonic() - started


def load(
    args: argparse.Namespace, sizes: list[str], inspected: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """One server per size, all running; page by page, each size in turn, so that the sizes
    and the floor are measured side by side while the machine's speed drifts."""
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
        for position, key in enumerate(order):
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
                result = wrk(url, headers, args, args.duration)
                result["floor_before"] = floor_rps
                result["drain_s"] = drain(server)
                waited = result["drain_s"]
                busy = f"  (server busy {waited:.0f} s after)" if waited > 1 else ""
                print(
                    f"  {size:5} {key:12} {result['rps']:8.1f} req/s  p50 "
                    f"{result['p50_us'] / 1000:7.1f} ms  errors {result['errors']}{busy}",
                    flush=True,
                )
                results[size]["floor_again" if key == "floor" and position else key] = result
    finally:
        for server in servers.values():
            server.stop()
    for size in sizes:
        floors = [results[size]["floor"]["rps"], results[size]["floor_again"]["rps"]]
        results[size]["floor_rps"] = statistics.mean(floors)
        results[size]["load"] = os.getloadavg()
    shutil.rmtree(logdir, ignore_errors=True)
    return results


# Report -----------------------------------------------------------------------------------


def report(size: str, results: dict[str, Any], inspected: dict[str, Any]) -> list[str]:
    floor = results["floor_rps"]
    admin = results["admin"]["rps"]
    print(
        f"\n{size} data set ({inspected['agreements']:,} agreements); floor "
        f"{results['floor']['rps']:.0f} then {results['floor_again']['rps']:.0f} req/s; "
        f"load average {results['load'][0]:.1f} on {os.cpu_count()} CPUs"
    )
    print(
        "| Page | req/s | p50 ms | p95 ms | p99 ms | errors | floor req/s before "
        "| share of floor | × admin | in-process ms | queries |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    misses = []
    profiles = inspected.get("profiles", {})
    for key, label, share_target in PAGES:
        result = results[key]
        share = result["rps"] / (result.get("floor_before") or floor)
        multiple = result["rps"] / admin if admin else float("inf")
        profile = profiles.get(key, {})
        in_process = f"{profile['median_ms']:.1f}" if profile else ""
        queries = str(profile.get("queries", "1" if key == "floor" else ""))
        print(
            f"| {label} | {result['rps']:.1f} | {result['p50_us'] / 1000:.1f} | "
            f"{result['p95_us'] / 1000:.1f} | {result['p99_us'] / 1000:.1f} | {result['errors']} | "
            f"{result.get('floor_before') or floor:.0f} | {share:.1%} | {multiple:.1f}× | "
            f"{in_process} | {queries} |"
        )
        CHECKED[0] += 2 + (2 if share_target is not None else 0)
        if result["errors"]:
            misses.append(f"{size}: {label} had {result['errors']} errors")
        if result["requests"] and result["p99_us"] > TAIL_RATIO * result["p50_us"]:
            misses.append(
                f"{size}: {label} p99 {result['p99_us'] / 1000:.1f} ms > {TAIL_RATIO:g}× p50 "
                f"{result['p50_us'] / 1000:.1f} ms"
            )
        if share_target is not None:
            if share < share_target:
                misses.append(
                    f"{size}: {label} at {share:.1%} of the floor (target ≥ {share_target:.0%})"
                )
            if multiple < ADMIN_MULTIPLE:
                misses.append(
                    f"{size}: {label} at {multiple:.1f}× the admin page "
                    f"(target ≥ {ADMIN_MULTIPLE:g}×)"
                )
    return misses


def time_ratio(small: float, large: float) -> float:
    """Time per request at the large size over the small, from two throughputs."""
    return small / large if large else float("inf")


def scale_report(
    all_results: dict[str, dict[str, Any]], inspected: dict[str, dict[str, Any]]
) -> list[str]:
    """Each page's time per request, full against tiny. Under load (the check): measured side
    by side, one right after the other; relative to each server's floor; and in process."""
    tiny, full = all_results["tiny"], all_results["full"]
    print(f"\nFull against tiny (time per request; target ≤ {SCALE_RATIO:g}×):")
    print("| Page | under load | under load, floor-relative | in process | queries |")
    print("| --- | --- | --- | --- | --- |")
    misses = []
    for key, label, _share in PAGES:
        if key == "floor":
            continue
        CHECKED[0] += 2
        raw = time_ratio(tiny[key]["rps"], full[key]["rps"])
        relative = raw * full["floor_rps"] / tiny["floor_rps"]
        small = inspected["tiny"].get("profiles", {}).get(key)
        large = inspected["full"].get("profiles", {}).get(key)
        in_process = queries = ""
        if small and large:
            in_process = f"{large['median_ms'] / small['median_ms']:.2f}×"
            queries = f"{small['queries']} / {large['queries']}"
            if small["queries"] != large["queries"]:
                misses.append(f"scale: {label} makes {queries} queries (tiny / full)")
        print(f"| {label} | {raw:.2f}× | {relative:.2f}× | {in_process} | {queries} |")
        if raw > SCALE_RATIO:
            misses.append(f"scale: {label} {raw:.2f}× slower with the full data set")
    return misses


def print_profiles(size: str, inspected: dict[str, Any]) -> None:
    for key, profile in inspected.get("profiles", {}).items():
        print(
            f"\n[{size}] {key}: {profile['median_ms']:.1f} ms in process, {profile['queries']} "
            f"queries taking {profile['sql_ms']:.1f} ms; project functions by cumulative time:"
        )
        print("  slowest statements:")
        for line in profile.get("slowest", []):
            print("  " + line)
        print("   ncalls  tottime  percall  cumtime  percall filename:lineno(function)")
        for line in profile["cumulative"]:
            print("  " + line.replace(str(ROOT) + "/", ""))
        print("  most own time (any code):")
        for line in profile["tottime"]:
            print("  " + line.replace(str(ROOT) + "/", ""))


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
    print(f"Loading {' and '.join(sizes)} side by side ({args.duration} s per page)…", flush=True)
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
