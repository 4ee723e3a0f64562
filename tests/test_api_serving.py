"""``spreidingstoets serve --workers N``: every worker accepts on a socket of its own
(``spreidingstoets.serving``), so keep-alive connections are spread over the workers instead
of one worker taking a whole burst; a port in use is one Dutch line."""

from __future__ import annotations

import http.client
import json
import os
import socket
from pathlib import Path

from conftest import run_cli
from spreidingstoets_api.testing import running, tcp_sockets

CHECK = json.dumps(
    {"address": "Kwartelstraat 7 Tiel", "kind": "arbeidsmigranten", "persons": 4}
).encode()


def _sockets_by_pid(group: int, port: int) -> dict[int, dict[str, set[str]]]:
    """Per process of a process group: the inodes of its listening and of its established
    TCP sockets on ``port`` (from /proc/net/tcp and the processes' file descriptors)."""
    states = tcp_sockets(port)
    assert states is not None, "this test reads /proc (Linux)"
    found: dict[int, dict[str, set[str]]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[2]) != group:
                continue
            links = [os.readlink(fd) for fd in (entry / "fd").iterdir()]
        except OSError:
            continue
        mine: dict[str, set[str]] = {"listen": set(), "established": set()}
        for link in links:
            inode = link.removeprefix("socket:[").removesuffix("]")
            if link.startswith("socket:[") and inode in states:
                mine[states[inode]].add(inode)
        found[int(entry.name)] = mine
    return found


def test_each_worker_accepts_on_its_own_socket(tmp_path: Path) -> None:
    """Two workers, each listening on a socket of its own (uvicorn's workers would share
    one), and 16 keep-alive connections opened at once spread over both."""
    with running(register=None, log=tmp_path / "log", workers=2, public_checks=True) as server:
        host, port = server.url.removeprefix("http://").split(":")
        connections = [http.client.HTTPConnection(host, int(port), timeout=60) for _ in range(16)]
        for conn in connections:
            conn.request("POST", "/v1/toetsingen", CHECK, {"Content-Type": "application/json"})
        for conn in connections:
            response = conn.getresponse()
            assert response.status == 200, response.read()
            response.read()
        by_pid = _sockets_by_pid(server.process.pid, int(port))
        for conn in connections:
            conn.close()
    workers = [s for s in by_pid.values() if s["established"] or len(s["listen"]) == 1]
    assert len(workers) == 2, by_pid
    listening = [s["listen"] for s in workers]
    assert all(len(s) == 1 for s in listening) and listening[0] != listening[1], by_pid
    # The kernel spreads connections over the sockets (all 16 on one: chance 2 ** -15).
    assert all(s["established"] for s in workers), by_pid
    assert sum(len(s["established"]) for s in workers) == 16, by_pid


def test_a_port_in_use_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("serve", "--port", str(port), "--workers", "2")
    assert result.returncode == 3, result.stderr
    assert f"kan niet luisteren op 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr
