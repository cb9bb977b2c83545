"""Acting as someone who writes the database directly, past the app and its triggers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def database_writer() -> Iterator[None]:
    """A transaction in which PostgreSQL's triggers do not fire, as for its superuser."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
        yield
