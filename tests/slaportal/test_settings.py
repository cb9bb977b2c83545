"""Settings come from the environment and refuse unsafe production values."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import connection

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


def _database_options(**environ: str) -> str:
    show = (
        "from django.conf import settings; "
        "options = settings.DATABASES['default'].get('OPTIONS', {}); "
        "print(options.get('server_side_binding'), options.get('prepare_threshold'))"
    )
    result = manage("shell", "-c", show, DEBUG="true", **environ)
    assert result.returncode == 0, result.stderr
    return result.stdout.split("\n")[-2]


def test_postgresql_prepares_repeated_statements_unless_turned_off() -> None:
    """PostgreSQL binds parameters itself and plans a repeated statement once; a pooler in
    transaction mode can turn that off; SQLite has no such options."""
    postgresql = "postgres://slaportal@db.example.com:5432/slaportal"

    assert _database_options(DATABASE_URL=postgresql) == "True 5"
    assert _database_options(DATABASE_URL=postgresql, DATABASE_PREPARED_STATEMENTS="false") == (
        "None None"
    )
    assert _database_options(DATABASE_URL="sqlite:///:memory:") == "None None"


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor != "postgresql"
    or connection.settings_dict["OPTIONS"].get("prepare_threshold") is None,
    reason="prepared statements are PostgreSQL's, unless DATABASE_PREPARED_STATEMENTS=false",
)
def test_a_statement_run_five_times_is_prepared_on_its_connection() -> None:
    """psycopg prepares a statement on the run after its fifth on the same connection."""

    def prepared() -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            return {row[0] for row in cursor.fetchall()}

    username = "prepared-statement-probe"
    before = prepared()
    lookup = '"auth_user"."username" = $'
    for _ in range(5):
        assert not User.objects.filter(username=username).exists()
    after_five = prepared()
    assert not User.objects.filter(username=username).exists()
    after_six = prepared()

    assert not any(lookup in statement for statement in before | after_five)
    assert any(lookup in statement for statement in after_six)
