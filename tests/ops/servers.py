"""Production servers for the ops tests: gunicorn as `make serve` starts it, and a client.

The servers run the production settings (DEBUG off, a real SECRET_KEY and audit key, static
files collected by WhiteNoise) against the test database, which pytest-django created; the
tests that use them commit their data (``transactional_db``) so the servers can see it.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
# The servers' audit key, also given to the test process when it verifies what they signed.
AUDIT_KEY_ID = "ops"
AUDIT_KEY_SECRET = "ops-test-audit-key"
STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def database_url(*, port: int | None = None) -> str:
    """The test database's URL, through ``port`` on this machine instead when given."""
    settings = connection.settings_dict
    user = quote(settings["USER"] or "", safe="")
    password = quote(settings["PASSWORD"] or "", safe="")
    credentials = f"{user}:{password}@" if password else f"{user}@" if user else ""
    host = "127.0.0.1" if port is not None else settings["HOST"] or "127.0.0.1"
    return f"postgres://{credentials}{host}:{port or settings['PORT'] or 5432}/{settings['NAME']}"


def server_environment(static_root: Path, **extra: str) -> dict[str, str]:
    """What `make serve` reads from the environment, for a plain-HTTP server on this machine."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST_", "DATABASE_URL"))
    }
    environment.update(
        {
            "DJANGO_SETTINGS_MODULE": "tests.ops.server_settings",
            "DEBUG": "false",
            "SECRET_KEY": "ops-test-" + "k" * 50,
            "AUDIT_SIGNING_KEYS": f"{AUDIT_KEY_ID}:{AUDIT_KEY_SECRET}",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "SECURE_HSTS_SECONDS": "0",
            "REQUEST_LOG_LEVEL": "WARNING",
            "OPS_STATIC_ROOT": str(static_root),
            "PYTHONPATH": str(ROOT),
            **extra,
        }
    )
    return environment


def prepare_servers(static_root: Path) -> None:
    """What `make serve` does before gunicorn (the test database is migrated already)."""
    environment = server_environment(static_root, DATABASE_URL=database_url())
    for command in (["collectstatic", "--noinput"], ["createcachetable"]):
        subprocess.run(
            [sys.executable, "manage.py", *command, "--verbosity", "0"],
            cwd=ROOT,
            env=environment,
            check=True,
            timeout=120,
        )


@dataclass
class Server:
    """One gunicorn master with its workers, on its own port."""

    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def request(self, method: str, path: str, **kwargs: Any) -> Response:
        return request(self.port, method, path, **kwargs)

    def interrupt(self) -> None:
        """Ask for gunicorn's quick shutdown; ``stop`` waits for it."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)

    def stop(self) -> None:
        self.interrupt()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)


def start_server(
    *,
    static_root: Path,
    log_dir: Path,
    db_port: int | None = None,
    workers: int,
    threads: int,
    cache_url: str = "",
) -> Server:
    port = free_port()
    log = log_dir / f"gunicorn-{port}.log"
    environment = server_environment(
        static_root,
        DATABASE_URL=database_url(port=db_port),
        HOST_PORT=f"127.0.0.1:{port}",
        WEB_CONCURRENCY=str(workers),
        GUNICORN_THREADS=str(threads),
        **({"CACHE_URL": cache_url} if cache_url else {}),
    )
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "slaportal.wsgi"],
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = Server(port=port, process=process, log=log)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited at start:\n{log.read_text()}")
        try:
            if server.request("GET", "/healthz").status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.stop()
    raise AssertionError(f"gunicorn did not answer within {STARTUP_SECONDS} s:\n{log.read_text()}")


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: str

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


def request(
    port: int,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> Response:
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        client.request(method, path, body=body, headers=headers or {})
        answer = client.getresponse()
        cookies = answer.headers.get_all("Set-Cookie") or []
        found = {key.lower(): value for key, value in answer.getheaders()}
        found["set-cookie"] = "\n".join(cookies)
        return Response(answer.status, found, answer.read().decode("utf-8", "replace"))
    finally:
        client.close()


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def hidden_value(page: str, name: str) -> str:
    found = re.search(rf'name="{re.escape(name)}" value="([^"]*)"', page)
    assert found, f"no {name} field on the page"
    return found.group(1)


@dataclass
class Browser:
    """Cookies shared by every server on 127.0.0.1, as a browser shares them across ports."""

    cookies: dict[str, str] = field(default_factory=dict)

    def get(self, server: Server, path: str) -> Response:
        return self._send(server, "GET", path)

    def post(
        self,
        server: Server,
        path: str,
        data: dict[str, str],
        *,
        files: dict[str, tuple[str, bytes]] | None = None,
        csrf: str | None = None,
    ) -> Response:
        """Post a form with its CSRF token (the one given, read off a form, or the cookie's)."""
        fields = {"csrfmiddlewaretoken": csrf or self.cookies.get("csrftoken", ""), **data}
        if files:
            boundary = uuid.uuid4().hex
            body = _multipart(boundary, fields, files)
            content_type = f"multipart/form-data; boundary={boundary}"
        else:
            body = urlencode(fields).encode()
            content_type = "application/x-www-form-urlencoded"
        return self._send(server, "POST", path, body=body, content_type=content_type)

    def log_in(self, server: Server, username: str, password: str) -> None:
        page = self.get(server, "/accounts/login/")
        token = CSRF_INPUT.search(page.body)
        assert page.status == 200 and token, page.status
        answer = self.post(
            server,
            "/accounts/login/",
            {"username": username, "password": password},
            csrf=token.group(1),
        )
        assert answer.status == 302, (answer.status, answer.body[:2000])

    def _send(
        self,
        server: Server,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        content_type: str = "",
    ) -> Response:
        headers = {"Cookie": "; ".join(f"{key}={value}" for key, value in self.cookies.items())}
        if content_type:
            headers["Content-Type"] = content_type
        answer = server.request(method, path, body=body, headers=headers)
        for line in filter(None, answer.headers["set-cookie"].split("\n")):
            name, _, rest = line.partition("=")
            value = rest.split(";", 1)[0]
            if value in ("", '""') or "max-age=0" in line.lower():
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        return answer


def _multipart(boundary: str, fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> bytes:
    parts: list[bytes] = []
    for name, value in fields.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"{head}{value}\r\n".encode())
    for name, (file_name, content) in files.items():
        head = (
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="{name}"; filename="{file_name}"\r\nContent-Type: text/csv\r\n\r\n'
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts)
