"""Fixtures of the ops tests: production servers started against the test database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.ops.servers import AUDIT_KEY_ID, AUDIT_KEY_SECRET, Server, prepare_servers, start_server

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="production servers share one PostgreSQL database; the SQLite test database is "
    "in memory, where no other process can reach it",
)


@pytest.fixture(scope="session")
def static_root(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """Static files collected and the test database made ready once, as `make serve` would."""
    root = tmp_path_factory.mktemp("staticfiles")
    with django_db_blocker.unblock():
        prepare_servers(root)
    return root


@pytest.fixture
def serve(
    transactional_db: None, static_root: Path, tmp_path: Path
) -> Iterator[Callable[..., Server]]:
    """Starts production servers on the test database; stops them before it is flushed."""
    started: list[Server] = []

    def start(
        *, db_port: int | None = None, workers: int = 1, threads: int = 4, cache_url: str = ""
    ) -> Server:
        server = start_server(
            static_root=static_root,
            log_dir=tmp_path,
            db_port=db_port,
            workers=workers,
            threads=threads,
            cache_url=cache_url,
        )
        started.append(server)
        return server

    yield start
    for server in started:
        server.interrupt()
    for server in started:
        server.stop()


@pytest.fixture
def server_audit_key(settings: Any) -> None:
    """The test process verifies with the servers' audit key as well as its own."""
    settings.AUDIT_SIGNING_KEYS = {**settings.AUDIT_SIGNING_KEYS, AUDIT_KEY_ID: AUDIT_KEY_SECRET}
