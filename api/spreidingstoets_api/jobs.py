"""Long work as jobs: run in a bounded thread pool of the worker that accepted it, with the
job's state as a small JSON file next to its result folder, so every worker of a server can
answer for every job.

Under ``root`` (the settings' cache dir + ``/simulaties``) a job ``ID`` is ``ID.json`` (its
state, replaced atomically at each change, progress at most a few times a second) and ``ID/``
(its results, written at once by the work with ``fsio.atomic_folder``). A job whose worker
died before it finished (same host, process gone) is reported as failed. Jobs older than
``keep_hours`` are removed when a worker starts and when a job is created.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from spreidingstoets.errors import ConfigurationError, SpreidingstoetsError
from spreidingstoets.fsio import atomic_file
from spreidingstoets_api.problems import ApiProblem

log = logging.getLogger("spreidingstoets_api")
JOB_ID = r"^[0-9a-f]{32}$"
WAITING, RUNNING, DONE, FAILED = "wachtend", "bezig", "klaar", "mislukt"
OWNER = "_owner"  # host and pid of the worker that runs the job (never shown)
Report = Callable[[float, str], None]  # progress fraction, step
Work = Callable[[Path, Report], dict[str, Any]]  # result folder -> summary


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Jobs:
    """The jobs of one server (``root``); this worker runs at most ``threads`` at once and
    accepts at most ``queue`` more waiting."""

    def __init__(self, root: Path, *, threads: int, queue: int, keep_hours: float) -> None:
        self.root = root
        self.threads = threads
        self.queue = queue
        self.keep_seconds = keep_hours * 3600
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._open = 0  # jobs of this worker waiting or running
        self._live: dict[str, dict[str, Any]] = {}  # the state of this worker's open jobs

    def start(self) -> None:
        """The thread pool, and old jobs removed (a server without a writable cache folder
        starts; its simulations fail with the reason)."""
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="simulatie")
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            self.sweep()
        except OSError as exc:
            log.warning("simulaties: de map %s is niet bruikbaar: %s", self.root, exc)

    def stop(self) -> None:
        """Cancel the waiting jobs (recorded as failed); a running job finishes."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            waiting = [s for s in self._live.values() if s["status"] == WAITING]
        for state in waiting:
            self._finish(state, FAILED, error="de server is gestopt voordat de simulatie begon")

    # ---- state files ----------------------------------------------------------------------

    def state_path(self, job_id: str) -> Path:
        return self.root / f"{job_id}.json"

    def folder(self, job_id: str) -> Path:
        return self.root / job_id

    def _write(self, state: dict[str, Any]) -> None:
        with atomic_file(self.state_path(state["id"])) as tmp:
            tmp.write_text(json.dumps(state, ensure_ascii=False, default=str), "utf-8")

    def get(self, job_id: str) -> dict[str, Any]:
        """The state of a job (of any worker); 404 when there is none."""
        live = self._live.get(job_id)
        if live is not None:
            return dict(live)
        try:
            state: dict[str, Any] = json.loads(self.state_path(job_id).read_text("utf-8"))
        except FileNotFoundError:
            raise ApiProblem(
                404,
                f"er is geen simulatie {job_id} (of ze is na "
                f"{self.keep_seconds / 3600:g} uur opgeruimd)",
                code="niet-gevonden",
            ) from None
        owner = state.get(OWNER, {})
        if (
            state["status"] in (WAITING, RUNNING)
            and owner.get("host") == socket.gethostname()
            and not _alive(int(owner.get("pid", 0)))
        ):
            state.update(
                status=FAILED,
                step=None,
                error="de server is gestopt tijdens de simulatie; start haar opnieuw",
            )
        return state

    def sweep(self) -> None:
        """Remove jobs (state and results) older than ``keep_hours``."""
        cutoff = time.time() - self.keep_seconds
        for path in self.root.glob("*.json"):
            try:
                if path.stat().st_mtime < cutoff and path.stem not in self._live:
                    shutil.rmtree(self.folder(path.stem), ignore_errors=True)
                    path.unlink(missing_ok=True)
            except OSError:
                continue

    # ---- running --------------------------------------------------------------------------

    def submit(self, request: dict[str, Any], work: Work) -> dict[str, Any]:
        """A new job for ``work``, waiting its turn; 503 when this worker's queue is full."""
        self.start()  # the pool if there is none yet, and old jobs removed
        assert self._pool is not None
        with self._lock:
            if self._open >= self.threads + self.queue:
                raise ApiProblem(
                    503,
                    f"er wachten al {self._open} simulaties op deze server; probeer het zo opnieuw",
                    code="bezet",
                    headers={"Retry-After": "10"},
                )
            self._open += 1
        job_id = uuid.uuid4().hex
        state: dict[str, Any] = {
            "id": job_id,
            "status": WAITING,
            "progress": 0.0,
            "step": None,
            "created": now(),
            "started": None,
            "finished": None,
            "error": None,
            "request": request,
            "summary": None,
            OWNER: {"host": socket.gethostname(), "pid": os.getpid()},
        }
        try:
            try:
                self.root.mkdir(parents=True, exist_ok=True)
                self._write(state)
            except OSError as exc:
                raise ConfigurationError(
                    f"de server kan geen simulaties bewaren in {self.root}: {exc.strerror}; "
                    "geef een schrijfbare SPREIDINGSTOETS_CACHE_DIR"
                ) from None
            self._live[job_id] = state
            self._pool.submit(self._run, state, work)
        except BaseException:
            with self._lock:
                self._open -= 1
            self._live.pop(job_id, None)
            raise
        return dict(state)

    def _run(self, state: dict[str, Any], work: Work) -> None:
        last = [0.0]

        def report(progress: float, step: str) -> None:
            state.update(progress=round(min(max(progress, 0.0), 0.99), 4), step=step)
            if time.monotonic() - last[0] >= 0.25:
                last[0] = time.monotonic()
                self._write(state)

        state.update(status=RUNNING, started=now(), step="starten")
        try:
            self._write(state)
            summary = work(self.folder(state["id"]), report)
        except SpreidingstoetsError as exc:
            self._finish(state, FAILED, error=str(exc))
        except Exception:
            log.exception("simulatie %s mislukt", state["id"])
            self._finish(
                state,
                FAILED,
                error="er ging iets mis in de server bij deze simulatie; het staat in het serverlog",
            )
        else:
            self._finish(state, DONE, summary=summary)

    def _finish(self, state: dict[str, Any], status: str, **fields: Any) -> None:
        """The final state: on disk first, then in memory (so a job this worker reports as
        finished is finished for every worker)."""
        final = {**state, "status": status, "step": None, "finished": now(), **fields}
        if status == DONE:
            final["progress"] = 1.0
        try:
            self._write(final)
        except OSError:
            log.exception("simulatie %s: de toestand kon niet worden geschreven", state["id"])
        finally:
            state.update(final)
            with self._lock:
                if self._live.pop(state["id"], None) is not None:
                    self._open -= 1
