"""The page benchmark's report: per size, per page, and full against tiny (`pages.py`).

It prints what `pages.py` measured, checks each page against the targets of issue 11, and
returns the targets missed. Beside the targets it shows the CPU the server's workers spent
per request under load, and the admin page's multiple by it: the pages' own work, apart from
PostgreSQL's and wrk's share of the same CPUs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
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
        "| share of floor | × admin | worker CPU ms per request | × admin by CPU "
        "| in-process ms | queries |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    admin_cpu = results["admin"].get("cpu_ms")
    misses = []
    profiles = inspected.get("profiles", {})
    for key, label, share_target in PAGES:
        result = results[key]
        share = result["rps"] / (result.get("floor_before") or floor)
        multiple = result["rps"] / admin if admin else float("inf")
        profile = profiles.get(key, {})
        in_process = f"{profile['median_ms']:.1f}" if profile else ""
        queries = str(profile.get("queries", "1" if key == "floor" else ""))
        # Not a target: the same multiple from the CPU the workers spent on the page alone.
        cpu = result.get("cpu_ms")
        cpu_text = f"{cpu:.1f}" if cpu else ""
        cpu_multiple = f"{admin_cpu / cpu:.1f}×" if cpu and admin_cpu else ""
        print(
            f"| {label} | {result['rps']:.1f} | {result['p50_us'] / 1000:.1f} | "
            f"{result['p95_us'] / 1000:.1f} | {result['p99_us'] / 1000:.1f} | {result['errors']} | "
            f"{result.get('floor_before') or floor:.0f} | {share:.1%} | {multiple:.1f}× | "
            f"{cpu_text} | {cpu_multiple} | {in_process} | {queries} |"
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
