"""Benchmark: single-check latency and batch throughput, side by side with PostGIS and a naive loop.

    python benchmarks/bench_check.py                        # Weesp, 300 register entries
    python benchmarks/bench_check.py --data DIR --apps 2000 # any compiled dataset (e.g. national)
    python benchmarks/bench_check.py --no-postgis           # without the PostGIS anchor

The same applications run, in one process and one run, through:
  engine-full   the full check (every rule of benchmarks/bench_rules.yaml: Tiel's rules plus a
                100 m distance rule) -> Verdict
  engine-tiel   the full check with rules/tiel.yaml (version 2023) -> Verdict
  engine-core   the three core checks only (street share, adjacency, distance) -> Verdict
  postgis       the three core checks as SQL on PostGIS with GiST indexes (local socket/TCP)
  naive         the three core checks as plain Python loops over all units / register entries
PostGIS and naive answers are compared with the engine's for every application.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import shapely

from paths import REPO, RESULTS, WEESP

RULES = REPO / "benchmarks" / "bench_rules.yaml"
RULES_DIR = REPO / "rules"
DAY = dt.date(2026, 3, 1)
RADIUS = 100.0
PG = os.environ.get("SPREIDINGSTOETS_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def percentiles(ns: list[int]) -> dict[str, float]:
    ms = np.array(ns) / 1e6
    return {
        "p50_ms": float(np.percentile(ms, 50)),
        "p99_ms": float(np.percentile(ms, 99)),
        "mean_ms": float(ms.mean()),
        "n": len(ms),
    }


def build_dataset(path: Path | None, tmp: Path):  # type: ignore[no-untyped-def]
    from spreidingstoets.dataset.compile import write_dataset
    from spreidingstoets.dataset.sources import read_source
    from spreidingstoets.dataset.store import load_dataset

    if path is None:
        path = tmp / "weesp"
        write_dataset(read_source(WEESP), WEESP, path)
    t0 = time.perf_counter()
    ds = load_dataset(path)
    elapsed = time.perf_counter() - t0
    gc.collect()
    gc.freeze()  # as every entry point does once its dataset is loaded
    return ds, elapsed


def make_register(ds, n: int, rng: random.Random):  # type: ignore[no-untyped-def]
    from spreidingstoets.domain.register import RegisterEntry, RegisterSnapshot

    woningen = np.flatnonzero(ds.woning)
    chosen = sorted(rng.sample(list(woningen), n))
    entries = tuple(
        RegisterEntry(
            id=i + 1,
            verblijfsobject_id=ds.unit_identificatie(int(u)),
            kind=rng.choice(["arbeidsmigranten", "kamerverhuur"]),
            status="granted",
            persons=4,
            valid_from=dt.date(2020, 1, 1),
        )
        for i, u in enumerate(chosen)
    )
    return RegisterSnapshot(entries, "bench@1"), np.array(chosen)


def engine_answers(verdict) -> tuple[int, int, set[str], set[str]]:  # type: ignore[no-untyped-def]
    by = {r.type: r for r in verdict.rules}
    share = by["street_share"].measured
    adjacent = {e.verblijfsobject for e in by["not_adjacent"].evidence}
    near = {
        e.verblijfsobject
        for e in by["min_distance"].evidence
        if e.distance_m is not None and e.distance_m < RADIUS
    }
    return share["dwellings"], share["existing"], adjacent, near


# ---- PostGIS anchor ------------------------------------------------------------------------------
class PostGIS:
    def __init__(self, ds, counted: np.ndarray) -> None:  # type: ignore[no-untyped-def]
        import psycopg

        self.dbname = f"spreidingstoets_bench_{os.getpid()}"
        with psycopg.connect(PG, autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {self.dbname}")
        self.conn = psycopg.connect(PG.rsplit("/", 1)[0] + "/" + self.dbname, autocommit=True)
        c = self.conn
        c.execute("CREATE EXTENSION postgis")
        c.execute("CREATE TABLE fp (id int PRIMARY KEY, geom geometry(Geometry, 28992))")
        c.execute("CREATE TABLE unit (id int PRIMARY KEY, street int, woning bool)")
        c.execute("CREATE TABLE unit_fp (unit int, fp int)")
        c.execute("CREATE TABLE counted (unit int PRIMARY KEY)")
        active = np.flatnonzero(ds.fp_active)
        with c.cursor().copy("COPY fp (id, geom) FROM STDIN") as cp:
            for f, wkb in zip(
                active,
                (ds.footprints.wkb(int(f)).hex() for f in active),
                strict=True,
            ):
                cp.write_row((int(f), f"SRID=28992;{wkb}"))
        with c.cursor().copy("COPY unit (id, street, woning) FROM STDIN") as cp:
            for u in range(ds.n_units):
                cp.write_row((u, int(ds.unit_street[u]), bool(ds.woning[u])))
        with c.cursor().copy("COPY unit_fp (unit, fp) FROM STDIN") as cp:
            for u in range(ds.n_units):
                for f in ds.unit_fps.members(u):
                    cp.write_row((u, int(f)))
        with c.cursor().copy("COPY counted (unit) FROM STDIN") as cp:
            for u in counted:
                cp.write_row((int(u),))
        c.execute("CREATE INDEX ON fp USING gist (geom)")
        c.execute("CREATE INDEX ON unit (street)")
        c.execute("CREATE INDEX ON unit_fp (fp)")
        c.execute("CREATE INDEX ON unit_fp (unit)")
        c.execute("ANALYZE")

    Q_SHARE = (
        "SELECT count(*) FILTER (WHERE u.woning), count(c.unit) FILTER (WHERE u.woning AND u.id <> %(u)s) "
        "FROM unit u LEFT JOIN counted c ON c.unit = u.id WHERE u.street = %(s)s"
    )
    Q_ADJ = (
        "SELECT DISTINCT c.unit FROM fp a JOIN fp b ON ST_DWithin(a.geom, b.geom, 0.5) "
        "JOIN unit_fp uf ON uf.fp = b.id JOIN counted c ON c.unit = uf.unit "
        "WHERE a.id = ANY(%(fps)s) AND c.unit <> %(u)s"
    )
    Q_DIST = (
        "SELECT c.unit, min(ST_Distance(a.geom, b.geom)) FROM fp a JOIN fp b "
        "ON ST_DWithin(a.geom, b.geom, %(r)s) JOIN unit_fp uf ON uf.fp = b.id "
        "JOIN counted c ON c.unit = uf.unit WHERE a.id = ANY(%(fps)s) AND c.unit <> %(u)s GROUP BY c.unit"
    )

    def check(self, u: int, street: int, fps: list[int]) -> tuple[int, int, set[int], set[int]]:
        cur = self.conn.cursor()
        args = {"u": u, "s": street, "fps": fps, "r": RADIUS}
        dwellings, existing = cur.execute(self.Q_SHARE, args, prepare=True).fetchone()  # type: ignore[misc]
        adjacent = {r[0] for r in cur.execute(self.Q_ADJ, args, prepare=True)}
        near = {r[0] for r in cur.execute(self.Q_DIST, args, prepare=True) if r[1] < RADIUS}
        return dwellings, existing, adjacent, near

    def close(self) -> None:
        import psycopg

        self.conn.close()
        with psycopg.connect(PG, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE {self.dbname} WITH (FORCE)")


# ---- naive anchor ---------------------------------------------------------------------------------
def naive_check(ds, u: int, counted: list[int]) -> tuple[int, int, set[int], set[int]]:  # type: ignore[no-untyped-def]
    street = int(ds.unit_street[u])
    counted_set = set(counted)
    dwellings = existing = 0
    for i in range(ds.n_units):
        if ds.unit_street[i] == street and ds.woning[i]:
            dwellings += 1
            if i in counted_set and i != u:
                existing += 1
    mine = list(ds.footprints.geoms(ds.unit_fps.members(u)))
    adjacent, near = set(), set()
    for c in counted:
        if c == u:
            continue
        d = min(
            shapely.distance(a, ds.footprints.geom(int(f)))
            for a in mine
            for f in ds.unit_fps.members(c)
        )
        if d <= 0.5:
            adjacent.add(c)
        if d < RADIUS:
            near.add(c)
    return dwellings, existing, adjacent, near


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data", type=Path, help="compiled dataset (default: Weesp, compiled here)"
    )
    parser.add_argument("--register", type=int, default=300, help="register entries")
    parser.add_argument("--apps", type=int, default=1000, help="applications")
    parser.add_argument("--naive-apps", type=int, default=50)
    parser.add_argument("--no-postgis", action="store_true")
    args = parser.parse_args()

    from spreidingstoets.domain.model import Application, verdict_json
    from spreidingstoets.engine import evaluate
    from spreidingstoets.ruleset import load_ruleset
    from spreidingstoets.ruletypes.base import RegisterOverlay

    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        ds, load_s = build_dataset(args.data, Path(tmp))
    snapshot, counted = make_register(ds, args.register, rng)
    overlay = RegisterOverlay.build(ds, snapshot)
    full = load_ruleset(RULES, RULES_DIR).version_on(DAY)
    core = load_ruleset(
        RULES, RULES_DIR, variant=REPO / "benchmarks" / "bench_core_variant.yaml"
    ).version_on(DAY)
    counted_set = set(counted.tolist())
    candidates = [
        int(u)
        for u in np.flatnonzero(ds.woning & (ds.unit_street >= 0))
        if int(u) not in counted_set
    ]
    units = rng.sample(candidates, min(args.apps, len(candidates)))
    apps = [Application(unit=u, kind="arbeidsmigranten", persons=4, date=DAY) for u in units]
    for a in apps[:20]:  # warm caches (overlay masks, address index) as a running service would
        evaluate(a, ds, overlay, full)

    results: dict[str, dict[str, float]] = {}
    verdicts = {}
    tiel = load_ruleset("tiel", RULES_DIR).version_on(DAY)
    for label, version in (("engine-full", full), ("engine-tiel", tiel), ("engine-core", core)):
        times = []
        for a in apps:
            t0 = time.perf_counter_ns()
            v = evaluate(a, ds, overlay, version)
            times.append(time.perf_counter_ns() - t0)
            if label == "engine-core":
                verdicts[a.unit] = v
        results[label] = percentiles(times)
    t0 = time.perf_counter()
    for a in apps:
        verdict_json(evaluate(a, ds, overlay, full))
    results["engine-full batch"] = {"apps_per_s": len(apps) / (time.perf_counter() - t0)}

    mismatches = {"postgis": 0, "naive": 0}
    if not args.no_postgis:
        pg = PostGIS(ds, counted)
        try:
            for a in apps[:20]:
                pg.check(a.unit, int(ds.unit_street[a.unit]), ds.unit_fps.members(a.unit).tolist())
            times = []
            for a in apps:
                t0 = time.perf_counter_ns()
                answer = pg.check(
                    a.unit, int(ds.unit_street[a.unit]), ds.unit_fps.members(a.unit).tolist()
                )
                times.append(time.perf_counter_ns() - t0)
                mismatches["postgis"] += answer != _as_units(ds, engine_answers(verdicts[a.unit]))
            results["postgis-core"] = percentiles(times)
        finally:
            pg.close()
    times = []
    counted_list = counted.tolist()
    for a in apps[: args.naive_apps]:
        t0 = time.perf_counter_ns()
        answer = naive_check(ds, a.unit, counted_list)
        times.append(time.perf_counter_ns() - t0)
        mismatches["naive"] += answer != _as_units(ds, engine_answers(verdicts[a.unit]))
    results["naive-core"] = percentiles(times)

    report = {
        "dataset": ds.dataset_id,
        "units": ds.n_units,
        "woningen": int(ds.woning.sum()),
        "register_entries": args.register,
        "load_index_s": load_s,
        "results": results,
        "mismatches": mismatches,
        "python": sys.version.split()[0],
    }
    base = results.get("postgis-core")
    print(
        f"dataset {ds.dataset_id}: {ds.n_units:,} units, {int(ds.woning.sum()):,} woningen, register {args.register}"
    )
    print(
        f"{'path':22} {'p50 ms':>9} {'p99 ms':>9} {'mean ms':>9} {'vs postgis p50':>15} {'p99':>7}"
    )
    for label, r in results.items():
        if "p50_ms" not in r:
            continue
        ratio = (
            f"{base['p50_ms'] / r['p50_ms']:14.1f}x {base['p99_ms'] / r['p99_ms']:6.1f}x"
            if base
            else ""
        )
        print(f"{label:22} {r['p50_ms']:9.3f} {r['p99_ms']:9.3f} {r['mean_ms']:9.3f} {ratio}")
    print(
        f"engine-full batch: {results['engine-full batch']['apps_per_s']:.0f} applications/s (with JSON)"
    )
    print(f"answers differing from the engine: {mismatches}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"check-{ds.sha256[:12]}.json").write_text(json.dumps(report, indent=2))


def _as_units(
    ds, answer: tuple[int, int, set[str], set[str]]
) -> tuple[int, int, set[int], set[int]]:  # type: ignore[no-untyped-def]
    dwellings, existing, adjacent, near = answer
    return (
        dwellings,
        existing,
        {ds.unit_index(v) for v in adjacent},
        {ds.unit_index(v) for v in near},
    )


if __name__ == "__main__":
    main()
