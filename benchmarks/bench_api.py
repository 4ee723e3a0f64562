"""Benchmark: the HTTP API against ``spreidingstoets serve --workers 2`` on Weesp, side by side
with the in-process check in the same run.

    python benchmarks/bench_api.py                    # Weesp, 300 register entries, wrk if present
    python benchmarks/bench_api.py --seconds 20 --connections 64
    python benchmarks/bench_api.py --no-postgres --loader httpx

Cases:
  in-process   service.checks.resolve + check per application, one thread (what a handler does
               without HTTP), checks/s and p50/p99
  http-check   POST /v1/toetsingen with an API key (a key lookup per request), through a real
               server with 2 workers, load from ``wrk`` (Debian package; else an async httpx
               client) on the same machine: checks/s, p50/p99 as the load generator measured,
               at 32 connections and (``-c16``, ``-c8``, ``-c2``) at less load; and the server's CPU time
               per check (all workers, from /proc), which other load on the machine hardly moves;
               after an untimed round at 16 connections that fills the workers' caches
  http-decide  POST /v1/besluiten (grant / refusal / pending on random woningen, a new kenmerk
               each), 8 at a time, on SQLite and PostgreSQL: decisions answered/s (recorded and
               refused by the register), p50/p99
The load generator shares the 2 cores with the server: the figures are a floor for a machine
where it runs elsewhere. Results: a table on stdout and benchmarks/results/api.json.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from paths import RESULTS, WEESP

PG = os.environ.get("SPREIDINGSTOETS_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
DAY = "2026-03-01"
ACTIVE = 300


def stats(ms: list[float]) -> dict[str, float]:
    a = np.array(ms)
    return {
        "p50_ms": float(np.percentile(a, 50)),
        "p99_ms": float(np.percentile(a, 99)),
        "n": len(a),
    }


def build(tmp: Path, data: Path | None) -> tuple[Path, list[str]]:
    from spreidingstoets.dataset.compile import write_dataset
    from spreidingstoets.dataset.sources import read_source
    from spreidingstoets.dataset.store import load_dataset

    if data is None:
        if not WEESP.exists():
            sys.exit(f"Weesp extract not found: {WEESP}")
        data = tmp / "weesp"
        write_dataset(read_source(WEESP), WEESP, data)
    ds = load_dataset(data)
    woningen = [ds.unit_identificatie(int(u)) for u in np.flatnonzero(ds.woning)]
    return data, woningen


def make_register(url: str, woningen: list[str], rng: random.Random) -> str:
    from spreidingstoets.register.db import Register
    from spreidingstoets.register.keys import create_key
    from spreidingstoets.register.validate import EntryFields

    rows = [
        EntryFields(
            verblijfsobject_id=v,
            kind=rng.choice(["arbeidsmigranten", "kamerverhuur"]),
            status="granted",
            persons=4,
            valid_from=dt.date(2020, 1, 1),
            source="bench",
            reference=f"B-{i}",
        )
        for i, v in enumerate(rng.sample(woningen, ACTIVE))
    ]
    with Register.open(url, create=True) as reg:
        reg.import_entries(rows, actor="bench", file_name="bench")
        return create_key(reg, name="bench", scopes="check,decide,read", actor="bench")[1]


def bodies(woningen: list[str], n: int, rng: random.Random) -> list[dict[str, Any]]:
    return [
        {
            "verblijfsobject_id": rng.choice(woningen),
            "kind": "arbeidsmigranten",
            "persons": 4,
            "date": DAY,
            "ruleset": "tiel",
        }
        for _ in range(n)
    ]


def in_process(
    data: Path, register: str, apps: list[dict[str, Any]], seconds: float
) -> dict[str, Any]:
    import gc

    from spreidingstoets.domain.inputs import ApplicationInput
    from spreidingstoets.service import checks
    from spreidingstoets.service.workspace import Workspace
    from spreidingstoets.settings import load_settings

    ws = Workspace(load_settings(), data=data, register=register)
    ruleset = ws.ruleset("tiel")
    ws.overlay()
    gc.collect()
    gc.freeze()
    today = dt.date.today()
    lat: list[float] = []
    end = time.perf_counter() + seconds
    i = 0
    while time.perf_counter() < end:
        body = apps[i % len(apps)]
        t0 = time.perf_counter()
        given = ApplicationInput.parse({k: v for k, v in body.items() if k != "ruleset"})
        checks.check(ws, checks.resolve(ws, given, today), ruleset)
        lat.append((time.perf_counter() - t0) * 1000)
        i += 1
    ws.close()
    return {"per_s": len(lat) / seconds, **stats(lat)}


def wrk_load(
    url: str, key: str, apps: list[dict[str, Any]], seconds: float, connections: int, tmp: Path
) -> dict[str, Any]:
    script = tmp / "post.lua"
    table = ",\n".join(json.dumps(json.dumps(b)) for b in apps[:2000])
    script.write_text(
        "local bodies = {" + table + "}\nlocal i = 0\n"
        "request = function()\n  i = i % #bodies + 1\n"
        f'  return wrk.format("POST", "/v1/toetsingen", {{["Content-Type"] = "application/json", ["X-Api-Key"] = "{key}"}}, bodies[i])\n'
        "end\n"
        "done = function(summary, latency, requests)\n"
        '  io.write(string.format("P50 %f\\nP99 %f\\nERRS %d\\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))\n'
        "end\n"
    )
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{int(seconds)}s", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = float(re.search(r"P50 ([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = float(re.search(r"P99 ([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = int(re.search(r"ERRS (\d+)", out).group(1))  # type: ignore[union-attr]
    return {"per_s": rps, "p50_ms": p50, "p99_ms": p99, "errors": errors, "loader": "wrk"}


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by the server's process group."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pid:  # process group
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


async def httpx_load(
    url: str, path: str, key: str, make: Any, seconds: float, connections: int
) -> dict[str, Any]:
    import httpx

    lat: list[float] = []
    codes: dict[int, int] = {}
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
        end = time.perf_counter() + seconds

        async def worker(w: int) -> None:
            i = w
            while time.perf_counter() < end:
                t0 = time.perf_counter()
                r = await client.post(path, json=make(i), headers={"X-Api-Key": key})
                lat.append((time.perf_counter() - t0) * 1000)
                codes[r.status_code] = codes.get(r.status_code, 0) + 1
                i += connections

        t0 = time.perf_counter()
        await asyncio.gather(*(worker(w) for w in range(connections)))
        took = time.perf_counter() - t0
    return {"per_s": len(lat) / took, **stats(lat), "codes": codes, "loader": "httpx"}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--data", type=Path)
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--connections", type=int, default=32)
    p.add_argument("--loader", choices=["auto", "wrk", "httpx"], default="auto")
    p.add_argument("--no-postgres", action="store_true")
    a = p.parse_args()
    from spreidingstoets_api.testing import running

    rng = random.Random(1)
    tmp = Path(tempfile.mkdtemp(prefix="bench-api-"))
    results: dict[str, Any] = {}
    try:
        data, woningen = build(tmp, a.data)
        db = str(tmp / "register.db")
        key = make_register(db, woningen, rng)
        apps = bodies(woningen, 2000, rng)
        results["in-process"] = in_process(data, db, apps, a.seconds)
        loader = a.loader if a.loader != "auto" else ("wrk" if shutil.which("wrk") else "httpx")
        with running(register=db, data=data, workers=2, log=tmp / "server.log") as server:
            warm = asyncio.run(
                httpx_load(server.url, "/v1/toetsingen", key, lambda i: apps[i % 2000], 2, 4)
            )
            assert set(warm["codes"]) == {200}, warm["codes"]
            if loader == "wrk":
                # each worker's caches (parsed footprints, address labels) fill on first use:
                # one untimed round over the bodies first, so the figures are the steady state
                wrk_load(server.url, key, apps, a.seconds, 16, tmp)
                for connections in sorted({a.connections, 16, 8, 2}, reverse=True):
                    cpu0 = server_cpu(server.process.pid)
                    r = wrk_load(server.url, key, apps, a.seconds, connections, tmp)
                    used = server_cpu(server.process.pid) - cpu0
                    r["server_cpu_ms"] = round(used / (r["per_s"] * a.seconds) * 1000, 3)
                    name = "http-check" + (
                        "" if connections == a.connections else f"-c{connections}"
                    )
                    results[name] = r
            else:
                results["http-check"] = asyncio.run(
                    httpx_load(
                        server.url,
                        "/v1/toetsingen",
                        key,
                        lambda i: apps[i % 2000],
                        a.seconds,
                        a.connections,
                    )
                )
        backends = [("sqlite", db)]
        if not a.no_postgres:
            backends.append(("postgresql", _pg(tmp)))
        for name, url in backends:
            dkey = key if name == "sqlite" else make_register(url, woningen, rng)
            with running(
                register=url, data=data, workers=2, log=tmp / f"server-{name}.log"
            ) as server:

                def decision(i: int) -> dict[str, Any]:
                    return {
                        **apps[i % 2000],
                        "reference": f"D-{i}",
                        "besluit": ("verleend", "geweigerd", "in-behandeling")[i % 3],
                        "verblijfsobject_id": woningen[(i * 7919) % len(woningen)],
                    }

                results[f"http-decide-{name}"] = asyncio.run(
                    httpx_load(server.url, "/v1/besluiten", dkey, decision, a.seconds, 8)
                )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if not a.no_postgres:
            _drop_pg()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "api.json").write_text(json.dumps(results, indent=2))
    print(f"{'case':<22}{'per s':>10}{'p50 ms':>10}{'p99 ms':>10}  notes")
    for case, r in results.items():
        note = {k: v for k, v in r.items() if k not in ("per_s", "p50_ms", "p99_ms", "n")}
        print(
            f"{case:<22}{r['per_s']:>10.0f}{r['p50_ms']:>10.2f}{r['p99_ms']:>10.2f}  {note or ''}"
        )


PG_DB = f"spreidingstoets_bench_api_{os.getpid()}"


def _pg(tmp: Path) -> str:
    import psycopg

    with psycopg.connect(PG, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{PG_DB}"')
    return PG.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/" + PG_DB


def _drop_pg() -> None:
    import psycopg

    try:
        with psycopg.connect(PG, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
    except psycopg.Error:
        pass


if __name__ == "__main__":
    main()
