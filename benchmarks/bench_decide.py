"""Benchmark: recorded decisions per second, by register size, backend and number of writers.

    python benchmarks/bench_decide.py                         # SQLite and PostgreSQL
    python benchmarks/bench_decide.py --no-postgres --sizes 0 10000
    python benchmarks/bench_decide.py --variant benchmarks/bench_tiel_zonder_leefbaarheid.yaml
    PYTHONPATH=/path/to/other/checkout/src python benchmarks/bench_decide.py --label before

On the bundled sample dataset: the register is filled with ``--sizes`` entries spread over the
sample's woningen (a few hundred active permits, the rest history: revoked and expired
permits), then writers call ``service.decisions.decide`` on random Tiel woningen with the Tiel
ruleset (in behandeling / geweigerd / verleend, a new kenmerk each time) for ``--seconds``.
Writers are threads sharing one workspace (as in a server), or processes with a workspace each
(as separate workers or CLI calls); SQLite also runs 16 processes at the largest size, to show
the lock answering rather than failing. PostgreSQL: a throwaway database per case on
SPREIDINGSTOETS_BENCH_PG (default postgres@127.0.0.1:5432, trust auth).

Only APIs that exist since 0.2.0 are used (Workspace, decide, Register.open,
Register.import_entries, EntryFields), so the same script measures an older checkout put first
on PYTHONPATH (``--label before``). Per case it reports decisions answered per second (recorded
plus refused by the register: conflicts), recorded per second, the mean and p95 latency, and
errors ("database is locked", busy, anything else). Results: a table on stdout and
benchmarks/results/decide-<label>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from paths import RESULTS

PG = os.environ.get("SPREIDINGSTOETS_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
DAY = dt.date(2026, 11, 15)
KINDS = ("kamerverhuur", "arbeidsmigranten", "studenten", "omzetting")
ACTIVE = 300  # active permits in a filled register; the rest is history
DECISIONS = ("in-behandeling", "geweigerd", "verleend", "in-behandeling", "geweigerd")


def load() -> tuple[Any, list[int]]:
    from spreidingstoets.service.workspace import Workspace
    from spreidingstoets.settings import load_settings

    ds = Workspace(load_settings()).dataset
    tiel = [
        u for u in range(ds.n_units) if ds.woning[u] and ds.unit_identificatie(u).startswith("0281")
    ]
    return ds, tiel


def entries(ds: Any, n: int, seed: int) -> list[Any]:
    """``n`` entries over every woning of the sample: ACTIVE open permits, then history."""
    from spreidingstoets.register.validate import EntryFields

    rng = random.Random(seed)
    woningen = [ds.unit_identificatie(int(u)) for u in np.flatnonzero(ds.woning)]
    active = rng.sample([(v, k) for v in woningen for k in KINDS], min(ACTIVE, n))
    rows = [
        EntryFields(
            verblijfsobject_id=vbo,
            kind=kind,
            status="granted",
            persons=4,
            valid_from=dt.date(2020, 1, 1),
            reference=f"ACTIEF-{i}",
        )
        for i, (vbo, kind) in enumerate(active)
    ]
    for i in range(n - len(rows)):
        start = dt.date(2000, 1, 1) + dt.timedelta(days=rng.randrange(8000))
        rows.append(
            EntryFields(
                verblijfsobject_id=rng.choice(woningen),
                kind=rng.choice(KINDS),
                status=rng.choice(("revoked", "expired")),
                persons=rng.randint(1, 6),
                valid_from=start,
                valid_until=start + dt.timedelta(days=rng.randrange(30, 1500)),
                reference=f"HIST-{i}",
            )
        )
    return rows


def fill(url: str, rows: list[Any]) -> None:
    from spreidingstoets.register.db import Register

    with Register.open(url) as reg:
        for i in range(0, len(rows), 10_000):
            reg.import_entries(rows[i : i + 10_000], actor="bench", file_name=f"fill-{i}")


# -- one writer ----------------------------------------------------------------------------


VARIANT: Path | None = None  # set by --variant before any writer starts (forked children too)


def writer(
    ds: Any, tiel: list[int], url: str, seed: int, seconds: float, ready: Any, ws: Any = None
) -> dict[str, Any]:
    """Decide for ``seconds`` once every writer passed ``ready``; counts and latencies."""
    from spreidingstoets.domain.model import Application
    from spreidingstoets.errors import SpreidingstoetsError
    from spreidingstoets.service.decisions import decide
    from spreidingstoets.service.workspace import Workspace
    from spreidingstoets.settings import load_settings

    own = ws is None
    if own:
        ws = Workspace(load_settings(), register=url)
        ws._dataset = ds
    ruleset = ws.ruleset("tiel", variant=VARIANT)
    ws.overlay()  # warm: the first overlay reads the whole register once
    ready.wait()  # every writer warm: the clock starts
    rng = random.Random(seed)
    counts = {"recorded": 0, "conflicts": 0, "locked": 0, "errors": 0}
    latencies: list[float] = []
    messages: list[str] = []
    end = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < end:
        n += 1
        app = Application(unit=rng.choice(tiel), kind=rng.choice(KINDS), persons=4, date=DAY)
        word = DECISIONS[n % len(DECISIONS)]
        t0 = time.perf_counter()
        try:
            decide(ws, app, ruleset, word, reference=f"B-{seed}-{n}", actor=f"bench{seed}")
            counts["recorded"] += 1
        except SpreidingstoetsError as exc:  # the register's answer: a conflict, or busy
            text = str(exc)
            busy = "locked" in text or "bezet" in text
            counts["locked" if busy else "conflicts"] += 1
            if busy:
                messages.append(text[:200])
        except Exception as exc:  # the old code let "database is locked" through as is
            counts["locked" if "locked" in str(exc) else "errors"] += 1
            messages.append(f"{type(exc).__name__}: {str(exc)[:200]}")
        latencies.append(time.perf_counter() - t0)
    if own:
        ws.close()
    return {**counts, "latencies": latencies, "messages": messages[:3]}


def _process(ds: Any, tiel: list[int], url: str, seed: int, seconds: float, ready: Any, out: Any):  # type: ignore[no-untyped-def]
    out.put(writer(ds, tiel, url, seed, seconds, ready))


def run_case(
    ds: Any, tiel: list[int], url: str, writers: int, mode: str, seconds: float
) -> dict[str, Any]:
    if mode == "threads":
        from spreidingstoets.service.workspace import Workspace
        from spreidingstoets.settings import load_settings

        ws = Workspace(load_settings(), register=url)
        ws._dataset = ds
        ready = threading.Barrier(writers + 1)
        results: list[dict[str, Any]] = [{}] * writers

        def run(i: int) -> None:
            results[i] = writer(ds, tiel, url, i, seconds, ready, ws)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(writers)]
        for t in threads:
            t.start()
        ready.wait()
        t0 = time.perf_counter()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        ws.close()
    else:
        context = mp.get_context("fork")  # the children share the loaded dataset
        ready = context.Barrier(writers + 1)
        queue = context.Queue()
        procs = [
            context.Process(target=_process, args=(ds, tiel, url, i, seconds, ready, queue))
            for i in range(writers)
        ]
        for p in procs:
            p.start()
        ready.wait()
        t0 = time.perf_counter()
        results = [queue.get() for _ in procs]
        wall = time.perf_counter() - t0
        for p in procs:
            p.join()
    latencies = np.array([x for r in results for x in r["latencies"]] or [0.0])
    total = {k: sum(r[k] for r in results) for k in ("recorded", "conflicts", "locked", "errors")}
    return {
        **total,
        "seconds": wall,
        "answered_per_s": (total["recorded"] + total["conflicts"]) / wall,
        "recorded_per_s": total["recorded"] / wall,
        "mean_ms": float(latencies.mean() * 1000),
        "p95_ms": float(np.percentile(latencies, 95) * 1000),
        "messages": sorted({m for r in results for m in r["messages"]})[:3],
    }


# -- backends ------------------------------------------------------------------------------


class Sqlite:
    name = "sqlite"

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp

    def template(self, size: int, rows: list[Any]) -> str:
        path = self.tmp / f"filled-{size}.db"
        fill(str(path), rows)
        return str(path)

    def case(self, template: str, n: int) -> str:
        path = self.tmp / f"case-{n}.db"
        shutil.copyfile(template, path)  # closed cleanly: no WAL left beside it
        return str(path)


class Postgres:
    name = "postgresql"

    def __init__(self) -> None:
        import psycopg
        import sqlalchemy as sa

        self.url = sa.make_url(PG).set(drivername="postgresql+psycopg")
        self.admin = psycopg.connect(PG, autocommit=True, connect_timeout=3)
        self.prefix = f"spreidingstoets_bench_{os.getpid()}"
        self.made: list[str] = []

    def _db(self, name: str, template: str | None = None) -> str:
        extra = f' TEMPLATE "{template}"' if template else ""
        self.admin.execute(f'CREATE DATABASE "{name}"{extra}')
        self.made.append(name)
        return self.url.set(database=name).render_as_string(hide_password=False)

    def template(self, size: int, rows: list[Any]) -> str:
        name = f"{self.prefix}_t{size}"
        url = self._db(name)
        fill(url, rows)
        return name

    def case(self, template: str, n: int) -> str:
        return self._db(f"{self.prefix}_c{n}", template)

    def close(self) -> None:
        for name in reversed(self.made):
            self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[0, 10_000, 50_000])
    parser.add_argument("--writers", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--seconds", type=float, default=8.0, help="per case")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--label", default="after", help="name of this run (before / after)")
    parser.add_argument("--variant", type=Path, help="a variant of the Tiel ruleset (YAML)")
    args = parser.parse_args()
    global VARIANT
    VARIANT = args.variant and args.variant.resolve()

    import spreidingstoets

    ds, tiel = load()
    print(f"spreidingstoets {spreidingstoets.__version__} from {spreidingstoets.__file__}")
    print(
        f"sample: {ds.n_units} units, {int(ds.woning.sum())} woningen; writers decide on Tiel's {len(tiel)}"
    )
    cases: list[tuple[int, str]] = [(w, "threads") for w in args.writers]
    cases += [(w, "processes") for w in args.writers if w > 1]
    report: dict[str, Any] = {
        "label": args.label,
        "version": spreidingstoets.__version__,
        "cpus": os.cpu_count(),
        "seconds_per_case": args.seconds,
        "ruleset": f"tiel{f' + {args.variant.name}' if args.variant else ''}",
        "cases": [],
    }
    tmp = Path(tempfile.mkdtemp(prefix="bench-decide-"))
    backends: list[Any] = [Sqlite(tmp)]
    if not args.no_postgres:
        try:
            backends.append(Postgres())
        except Exception as exc:
            print(f"PostgreSQL skipped: {exc}")
    n = 0
    header = f"{'backend':11} {'entries':>7} {'writers':>14} {'answered/s':>10} {'recorded/s':>10} {'mean ms':>8} {'p95 ms':>8} {'conflicts':>9} {'locked':>6} {'errors':>6}"
    print(header)
    try:
        for size in args.sizes:
            rows = entries(ds, size, seed=size)
            for backend in backends:
                t0 = time.perf_counter()
                template = backend.template(size, rows)
                fill_s = time.perf_counter() - t0
                extra = (
                    [(16, "processes")]
                    if backend.name == "sqlite" and size == max(args.sizes)
                    else []
                )
                for writers, mode in cases + extra:
                    n += 1
                    url = backend.case(template, n)
                    result = run_case(ds, tiel, url, writers, mode, args.seconds)
                    result.update(
                        backend=backend.name,
                        entries=size,
                        writers=writers,
                        mode=mode,
                        fill_s=fill_s,
                    )
                    report["cases"].append(result)
                    print(
                        f"{backend.name:11} {size:7d} {f'{writers} {mode}':>14} "
                        f"{result['answered_per_s']:10.1f} {result['recorded_per_s']:10.1f} "
                        f"{result['mean_ms']:8.1f} {result['p95_ms']:8.1f} "
                        f"{result['conflicts']:9d} {result['locked']:6d} {result['errors']:6d}",
                        flush=True,
                    )
                    for message in result["messages"]:
                        print(f"    {message}")
    finally:
        for backend in backends:
            if isinstance(backend, Postgres):
                backend.close()
        shutil.rmtree(tmp, ignore_errors=True)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"decide-{args.label}.json"
    out.write_text(json.dumps(report, indent=2))
    print(f"written: {out}")


if __name__ == "__main__":
    sys.exit(main())
