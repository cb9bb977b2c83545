"""Counting and timing a benchmark's SQL statements, shared by the benchmark scripts."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


class QueryCounter:
    """An execute wrapper (``connection.execute_wrapper``) that counts and times statements.

    It keeps each statement's time and first 160 characters, never its parameters, so that a
    run of many statements holds little (``connection.queries`` would hold every one whole).
    """

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0
        self.timed: list[tuple[float, str]] = []

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        self.count += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - started
            self.seconds += elapsed
            self.timed.append((elapsed, f"{len(sql):,} chars: {sql[:160]}"))

    def slowest(self, count: int = 3) -> list[str]:
        ranked = sorted(self.timed, reverse=True)[:count]
        return [f"{seconds * 1000:8.1f} ms  {sql}" for seconds, sql in ranked]
