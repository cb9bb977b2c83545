"""A real `db_worker` process killed (SIGKILL) in the middle of sending an email.

The worker and the commands run as separate processes on a database file of their own (the
test database lives in this process only). The first worker hangs on a mail server that never
answers and is killed while the first email is being sent. Then check_sla runs, as cron would
once the timeout has passed, and a second worker with a working mail server finishes the queue.
The interrupted email is shown as such and not sent again; the other one is sent exactly once;
the lost task shows as failed and its copy ran.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

MANAGE = str(Path(settings.BASE_DIR) / "manage.py")

SETUP = """
from tests.factories import AgreementFactory
from agreements.services.outbox import Email, deliveries_record
from agreements.tasks import email_delivery_send
agreement = AgreementFactory.create()
ids = deliveries_record(
    occurrence="killed:1",
    kind="test",
    agreement_id=agreement.pk,
    emails=[Email("first@example.com", "First", "B"), Email("second@example.com", "Second", "B")],
)
for delivery_id in ids:
    email_delivery_send.enqueue(delivery_id=delivery_id)
"""

# As if the 15 minutes after which a send counts as abandoned had passed.
TIME_PASSES = """
import datetime as dt
from django.db.models import F
from django_tasks_db.models import DBTaskResult
from agreements.models import EmailDelivery
later = dt.timedelta(minutes=16)
EmailDelivery.objects.filter(status="sending").update(claimed_at=F("claimed_at") - later)
DBTaskResult.objects.filter(status="RUNNING").update(started_at=F("started_at") - later)
"""

REPORT = """
import json
from django_tasks_db.models import DBTaskResult
from agreements.models import EmailDelivery
print(json.dumps({
    "deliveries": dict(EmailDelivery.objects.values_list("recipient", "status")),
    "tasks": sorted(DBTaskResult.objects.values_list("status", flat=True)),
}))
"""


class SilentMailServer:
    """Accepts connections and never greets: an SMTP client waits until it is killed."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _address = self.socket.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self) -> None:
        for conn in self.held:
            conn.close()
        self.socket.close()


def _env(database: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("PYTEST", "DJANGO_"))
    }
    return {
        **env,
        "DATABASE_URL": f"sqlite:///{database}",
        "TASKS_BACKEND": "database",
        "DEBUG": "true",
        "LOG_LEVEL": "WARNING",
        **extra,
    }


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, MANAGE, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        cwd=settings.BASE_DIR,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _status(database: Path, recipient: str) -> str | None:
    with sqlite3.connect(database, timeout=5) as db:
        row = db.execute(
            "SELECT status FROM agreements_emaildelivery WHERE recipient = ?", (recipient,)
        ).fetchone()
    return row[0] if row else None


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="Runs on its own SQLite file; once per CI run is enough"
)
def test_a_worker_killed_mid_send_never_sends_an_email_twice(tmp_path: Path) -> None:
    database = tmp_path / "worker.sqlite3"
    server = SilentMailServer()
    hanging = _env(database, EMAIL_URL=f"smtp://127.0.0.1:{server.port}", EMAIL_TIMEOUT="120")
    working = _env(database, EMAIL_URL="consolemail://")
    _manage(working, "migrate", "--noinput", "-v0")
    _manage(working, "shell", "-c", SETUP)

    worker = subprocess.Popen(
        [sys.executable, MANAGE, "db_worker", "--no-reload", "--no-startup-delay"],
        env=hanging,
        cwd=settings.BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while _status(database, "first@example.com") != "sending":
            assert worker.poll() is None, "the worker stopped on its own"
            assert time.monotonic() < deadline, "the worker never started sending"
            time.sleep(0.2)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
        server.close()
    assert _status(database, "first@example.com") == "sending"
    assert _status(database, "second@example.com") == "pending"

    _manage(working, "shell", "-c", TIME_PASSES)
    _manage(working, "check_sla")
    mails = _manage(working, "db_worker", "--batch", "--no-reload", "--no-startup-delay", "-v0")
    _manage(working, "db_worker", "--batch", "--no-reload", "--no-startup-delay", "-v0")

    report: dict[str, Any] = json.loads(_manage(working, "shell", "-c", REPORT).splitlines()[-1])
    assert report["deliveries"] == {"first@example.com": "unknown", "second@example.com": "sent"}
    # The lost task failed; its copy and the second email's task ran.
    assert report["tasks"] == ["FAILED", "SUCCESSFUL", "SUCCESSFUL"]
    assert mails.count("To: second@example.com") == 1
    assert "first@example.com" not in mails
