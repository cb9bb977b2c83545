"""`make run` names the address it serves on: the demo logins and the emails' links."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
ENV_FILE = ROOT / ".env"
ENV_FILE_SETS_SITE_URL = ENV_FILE.exists() and bool(
    re.search(r"(?m)^\s*(export\s+)?SITE_URL\s*=", ENV_FILE.read_text())
)

pytestmark = [
    pytest.mark.skipif(shutil.which("make") is None, reason="needs make"),
    pytest.mark.skipif(ENV_FILE_SETS_SITE_URL, reason="this checkout's .env sets SITE_URL"),
]


def _run(tmp_path: Path, **env: str) -> list[str]:
    """`make run` with a stand-in for Python that logs each command and the SITE_URL it saw."""
    log = tmp_path / "commands.log"
    fake = tmp_path / "python"
    fake.write_text('#!/bin/sh\necho "$* | SITE_URL=${SITE_URL-unset}" >> "$LOG"\n')
    fake.chmod(0o755)
    clean = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "MAKEFLAGS")}
    subprocess.run(
        ["make", "-s", "run", f"PY={fake}", "HOST_PORT=127.0.0.1:8123"],
        cwd=ROOT,
        env={**clean, "LOG": str(log), **env},
        check=True,
        capture_output=True,
        timeout=60,
    )
    return log.read_text().splitlines()


def test_the_demo_logins_name_the_port_served_on(tmp_path: Path) -> None:
    commands = _run(tmp_path)
    assert "manage.py seed_demo | SITE_URL=http://127.0.0.1:8123" in commands
    assert "manage.py runserver 127.0.0.1:8123 | SITE_URL=http://127.0.0.1:8123" in commands


def test_a_site_url_set_in_the_environment_wins(tmp_path: Path) -> None:
    commands = _run(tmp_path, SITE_URL="https://sla.example.com")
    assert "manage.py seed_demo | SITE_URL=https://sla.example.com" in commands
