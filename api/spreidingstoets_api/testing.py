"""Run the API as a user does, in another process: ``spreidingstoets serve`` on a free port
(tests, race and crash tests, benchmarks). The server and its workers form one process group,
so stopping it (or killing it, for a crash test) takes every worker with it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str  # http://127.0.0.1:PORT
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def api(self) -> str:
        return self.url + "/v1"

    def kill(self) -> None:
        """SIGKILL to the server and every worker (a crash: nothing is shut down cleanly)."""
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
            except ProcessLookupError:
                pass
        with suppress(ProcessLookupError):  # workers left behind by a crashed master
            os.killpg(self.process.pid, signal.SIGKILL)


def start_server(
    *,
    register: str | None,
    log: Path,
    data: Path | None = None,
    workers: int = 1,
    env: Mapping[str, str] | None = None,
    public_checks: bool = False,
    timeout: float = 90.0,
) -> Server:
    port = free_port()
    args = [sys.executable, "-m", "spreidingstoets.cli", "serve", "--port", str(port)]
    args += ["--workers", str(workers)]
    if register is not None:
        args += ["--register", register]
    if data is not None:
        args += ["--data", str(data)]
    if public_checks:
        args.append("--public-checks")
    out = log.open("wb")
    process = subprocess.Popen(
        args,
        stdout=out,
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
        start_new_session=True,
    )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server stopped: {log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(server.api + "/openapi.json", timeout=2) as r:
                if r.status == 200 and _all_workers_up(server, workers):
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"server did not start in {timeout:g} s: {log.read_text()[-2000:]}")


def _all_workers_up(server: Server, workers: int) -> bool:
    """With several workers, whether each has loaded: as many sockets listen on the port as
    there are workers (each listens on its own once its app has started; until then the
    kernel hands every connection to those that do), and a few requests are answered."""
    if workers > 1:
        sockets = tcp_sockets(int(server.url.rsplit(":", 1)[1]))
        if sockets is not None and list(sockets.values()).count("listen") < workers:
            return False
    for _ in range(workers * 3):
        try:
            with urllib.request.urlopen(server.api + "/openapi.json", timeout=5):
                pass
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            return False
    return True


def tcp_sockets(port: int) -> dict[str, str] | None:
    """The TCP sockets on local ``port`` that listen or are connected, by inode: ``listen``
    or ``established`` (from /proc/net/tcp; None where there is none: a platform without it
    also has uvicorn's one shared socket)."""
    if not Path("/proc/net/tcp").exists():
        return None
    states = {"0A": "listen", "01": "established"}
    found: dict[str, str] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] in states:
                    found[fields[9]] = states[fields[3]]
    return found


@contextmanager
def running(**options: object) -> Iterator[Server]:
    server = start_server(**options)  # type: ignore[arg-type]
    try:
        yield server
    finally:
        server.stop()
