"""The page benchmark's load: a gunicorn server on a size's database, and wrk against it.

`pages.py` starts one `Server` per size, checks each page answers 200 itself, and loads it
with `wrk` (Debian's), counting every answer outside 2xx as an error (`wrk_report.lua`). A
server also reports the CPU its workers have spent, read from /proc, so the report can give
each page's CPU per request under load.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
LUA = Path(__file__).resolve().parent / "wrk_report.lua"


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

    def worker_cpu_seconds(self) -> float | None:
        """The CPU time (user and system) its workers have spent so far, read from /proc; None
        where there is no /proc. gunicorn.conf.py sets no max_requests, so workers live on."""
        ticks = 0
        try:
            entries = list(Path("/proc").iterdir())
        except OSError:
            return None
        for entry in entries:
            if not entry.name.isdigit():
                continue
            try:  # the fields after the command's closing parenthesis (proc(5))
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # ended meanwhile
            if int(fields[1]) == self.process.pid:  # ppid: a worker of this server
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

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
