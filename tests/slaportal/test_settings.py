"""Settings come from the environment and refuse unsafe production values."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x7#kq2-production-secret-for-the-deploy-check-9f3a1b7c5d2e8f6a4b0c",
    "ALLOWED_HOSTS": "sla.example.com",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.com:587",
    "DATABASE_URL": "sqlite:///:memory:",
    "AUDIT_SIGNING_KEYS": "2026:a-production-audit-key-kept-apart-from-the-secret-key",
}


def manage(*args: str, **environ: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DEBUG",
            "SECRET_KEY",
            "AUDIT_SIGNING_KEYS",
            "DJANGO_SETTINGS_MODULE",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    env.update(environ)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_values_pass_the_deploy_check():
    """With production values set, check --deploy at WARNING level reports nothing."""
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_refuses_the_development_key_without_debug():
    """Without DEBUG the built-in development key stops the start with a clear message."""
    environ = dict(PRODUCTION)
    del environ["SECRET_KEY"]
    result = manage("check", **environ)
    assert result.returncode != 0
    assert "SECRET_KEY is the built-in development key" in result.stderr


def test_development_key_is_allowed_with_debug():
    """DEBUG=true runs locally on the built-in key."""
    result = manage("check", DEBUG="true", DATABASE_URL="sqlite:///:memory:")
    assert result.returncode == 0, result.stderr


def test_production_refuses_the_development_audit_key() -> None:
    """Without AUDIT_SIGNING_KEYS, evidence would be sealed with a key anyone can read."""
    environ = dict(PRODUCTION)
    del environ["AUDIT_SIGNING_KEYS"]
    result = manage("check", **environ)
    assert result.returncode != 0
    assert "AUDIT_SIGNING_KEYS holds the built-in development key" in result.stderr


def test_tasks_backend_comes_from_the_environment() -> None:
    """TASKS_BACKEND=database queues tasks in the database; a wrong value stops with its name."""
    show = "from django.tasks import task_backends; print(type(task_backends['default']).__name__)"
    database = manage("shell", "-c", show, DEBUG="true", TASKS_BACKEND="database")
    default = manage("shell", "-c", show, DEBUG="true")
    wrong = manage("check", DEBUG="true", TASKS_BACKEND="celery")

    assert database.stdout.split()[-1] == "DatabaseBackend", database.stderr
    assert default.stdout.split()[-1] == "ImmediateBackend", default.stderr
    assert wrong.returncode != 0
    assert "TASKS_BACKEND='celery': use one of database, immediate." in wrong.stderr
