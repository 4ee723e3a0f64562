"""Serving an ASGI app (by import string, for uvicorn) with several worker processes, each
accepting on a listening socket of its own (``SO_REUSEPORT``), so the kernel spreads the
connections evenly over the workers.

uvicorn's own ``--workers`` shares one socket between its workers, and the worker that wakes
first accepts a whole burst of new connections: under a load generator's 32 keep-alive
connections one worker served every request and the other idled (4.0 against 0.01 CPU seconds
in ``benchmarks/bench_api.py``). Where the platform has no ``SO_REUSEPORT`` uvicorn's workers
are used as before.
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
import threading
from typing import Any

from spreidingstoets.errors import ConfigurationError

STARTUP_FAILURE = 3  # uvicorn's exit code for an app that cannot start (its config.py)
STOP_TIMEOUT_S = 10.0


def listening_sockets(host: str, port: int, n: int) -> list[socket.socket]:
    """``n`` sockets bound to ``host:port`` with ``SO_REUSEPORT`` (one per worker)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sockets: list[socket.socket] = []
    try:
        for _ in range(n):
            sock = socket.socket(family, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host, port))
            sock.set_inheritable(True)
    except OSError as exc:
        for sock in sockets:
            sock.close()
        raise ConfigurationError(
            f"kan niet luisteren op {host}:{port}: {exc.strerror or exc}; kies een andere "
            "poort met --port of stop het programma dat haar gebruikt"
        ) from None
    return sockets


def _worker(app: str, sock: socket.socket, options: dict[str, Any]) -> None:
    import uvicorn

    uvicorn.Server(uvicorn.Config(app, **options)).run(sockets=[sock])


def run(app: str, *, host: str, port: int, workers: int, **options: Any) -> None:
    """Serve ``app`` with ``workers`` processes until SIGINT or SIGTERM; a worker that dies
    is started again on its socket, one that cannot start the app stops the server."""
    import uvicorn

    if workers == 1 or not hasattr(socket, "SO_REUSEPORT"):
        uvicorn.run(app, host=host, port=port, workers=workers, **options)
        return
    sockets = listening_sockets(host, port, workers)
    spawn = multiprocessing.get_context("spawn")

    def start(sock: socket.socket) -> Any:
        process = spawn.Process(target=_worker, args=(app, sock, options), daemon=False)
        process.start()
        return process

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    processes = [start(sock) for sock in sockets]
    failed = False
    try:
        while not stop.wait(0.5):
            for i, process in enumerate(processes):
                if process.is_alive():
                    continue
                if process.exitcode == STARTUP_FAILURE:
                    failed = True
                    stop.set()
                    break
                processes[i] = start(sockets[i])
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes the requests in hand
        for process in processes:
            process.join(STOP_TIMEOUT_S)
            if process.is_alive():
                process.kill()
                process.join()
        for sock in sockets:
            sock.close()
    if failed:
        raise ConfigurationError(
            "een werkproces kon de API niet starten (zie de melding hierboven); de server stopt"
        )
