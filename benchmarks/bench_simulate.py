"""Benchmark: a simulation over every dwelling, side by side with a loop of checks and with one
set-based PostGIS query per rule; and capacity.

    python benchmarks/bench_simulate.py                 # Weesp, 300 register entries
    python benchmarks/bench_simulate.py --no-postgis    # without the PostGIS anchor
    python benchmarks/bench_simulate.py --no-capacity

In one run, over the same dwellings (every Weesp woning that does not count yet) and register:
  simulate-tiel   simulate() under rules/tiel.yaml (7 rules, version 2023)
  simulate-bench  simulate() under benchmarks/bench_rules.yaml (Tiel's rules + 100 m distance)
  simulate-core   simulate() of the three rules the PostGIS queries answer (bench_core_variant)
  check-loop      engine.evaluate() once per dwelling under Tiel (a Verdict each)
  postgis         the core three for every dwelling at once, one query each: street share
                  (dwellings and counted per openbare ruimte), adjacency (counted units in
                  panden within 0.5 m) and distance (counted units within 100 m), GiST indexes
  capacity        capacity() under Tiel: 5 seeded random orders and the spreading order
The PostGIS answers are compared with simulate-bench's figures for every dwelling.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import random
import sys
import time

import numpy as np

from paths import REPO, RESULTS, WEESP

BENCH_RULES = REPO / "benchmarks" / "bench_rules.yaml"
CORE_VARIANT = REPO / "benchmarks" / "bench_core_variant.yaml"  # the three PostGIS does
DAY = dt.date(2024, 1, 1)


def best_of(n: int, run) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, out = [], None
    for _ in range(n):
        t0 = time.perf_counter()
        out = run()
        times.append(time.perf_counter() - t0)
    return min(times), out


def postgis_core(ds, counted: np.ndarray, units: np.ndarray) -> tuple[float, dict[str, dict]]:  # type: ignore[no-untyped-def]
    """The three core rules for every candidate at once, one set-based query each."""
    from bench_check import PostGIS

    pg = PostGIS(ds, counted)
    try:
        c = pg.conn
        c.execute("CREATE TABLE cand (unit int PRIMARY KEY)")
        with c.cursor().copy("COPY cand (unit) FROM STDIN") as cp:
            for u in units.tolist():
                cp.write_row((u,))
        c.execute("ANALYZE cand")
        queries = {
            "street": (
                "WITH s AS (SELECT u.street, count(*) FILTER (WHERE u.woning) AS dwellings, "
                "count(k.unit) FILTER (WHERE u.woning) AS counted FROM unit u "
                "LEFT JOIN counted k ON k.unit = u.id GROUP BY u.street) "
                "SELECT x.unit, s.dwellings, s.counted - (k.unit IS NOT NULL AND u.woning)::int "
                "FROM cand x JOIN unit u ON u.id = x.unit JOIN s ON s.street = u.street "
                "LEFT JOIN counted k ON k.unit = x.unit WHERE u.street >= 0"
            ),
            "adjacent": (
                "SELECT x.unit, count(DISTINCT k.unit) FROM cand x "
                "JOIN unit_fp ua ON ua.unit = x.unit JOIN fp a ON a.id = ua.fp "
                "JOIN fp b ON ST_DWithin(a.geom, b.geom, 0.5) JOIN unit_fp ub ON ub.fp = b.id "
                "JOIN counted k ON k.unit = ub.unit WHERE k.unit <> x.unit GROUP BY x.unit"
            ),
            "distance": (
                "SELECT x.unit, count(*) FROM (SELECT x.unit, k.unit AS other, "
                "min(ST_Distance(a.geom, b.geom)) AS d FROM cand x "
                "JOIN unit_fp ua ON ua.unit = x.unit JOIN fp a ON a.id = ua.fp "
                "JOIN fp b ON ST_DWithin(a.geom, b.geom, 100) JOIN unit_fp ub ON ub.fp = b.id "
                "JOIN counted k ON k.unit = ub.unit WHERE k.unit <> x.unit "
                "GROUP BY x.unit, k.unit) x WHERE d < 100 GROUP BY x.unit"
            ),
        }
        answers: dict[str, dict] = {}
        t0 = time.perf_counter()
        for name, sql in queries.items():
            rows = c.execute(sql).fetchall()
            answers[name] = {r[0]: tuple(r[1:]) for r in rows}
        elapsed = time.perf_counter() - t0
    finally:
        pg.close()
    return elapsed, answers


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=300)
    parser.add_argument("--no-postgis", action="store_true")
    parser.add_argument("--no-capacity", action="store_true")
    parser.add_argument("--no-loop", action="store_true")
    args = parser.parse_args()

    from spreidingstoets.domain.model import Application
    from spreidingstoets.domain.register import RegisterEntry, RegisterSnapshot
    from spreidingstoets.engine import evaluate
    from spreidingstoets.golden import source_workspace
    from spreidingstoets.ruletypes.base import Counted, RegisterOverlay
    from spreidingstoets.ruletypes.bulk import period_of
    from spreidingstoets.service.workspace import Workspace
    from spreidingstoets.settings import load_settings
    from spreidingstoets.simulate import simulate
    from spreidingstoets.simulate.capacity import capacity

    if not WEESP.exists():
        sys.exit(f"Weesp-extract ontbreekt: {WEESP}")
    ws = source_workspace(Workspace(load_settings()), WEESP)
    ds = ws.dataset
    rng = random.Random(1)
    chosen = rng.sample(np.flatnonzero(ds.woning).tolist(), args.entries)
    entries = tuple(
        RegisterEntry(i + 1, ds.unit_identificatie(u), "arbeidsmigranten", "granted", 4, None,
                      dt.date(2020, 1, 1))
        for i, u in enumerate(chosen)
    )  # fmt: skip
    overlay = RegisterOverlay.build(ds, RegisterSnapshot(entries, "bench"))
    template = Application(unit=0, kind="arbeidsmigranten", persons=4, date=DAY)
    counted = overlay.counted_mask(period_of(template), Counted())
    units = np.flatnonzero(ds.woning & ~counted)
    tiel = ws.ruleset("tiel").version_on(DAY)
    bench = ws.ruleset(str(BENCH_RULES)).version_on(DAY)
    core = ws.ruleset(str(BENCH_RULES), variant=CORE_VARIANT).version_on(DAY)
    results: dict[str, dict] = {"dwellings": {"n": len(units), "register_entries": len(entries)}}

    simulate(ds, overlay, tiel, template, units[:50])  # warm the dataset's caches
    t_tiel, res_tiel = best_of(3, lambda: simulate(ds, overlay, tiel, template, units))
    t_bench, res_bench = best_of(3, lambda: simulate(ds, overlay, bench, template, units))
    t_core, _ = best_of(3, lambda: simulate(ds, overlay, core, template, units))
    results["simulate-core"] = {"s": t_core, "per_dwelling_ms": 1000 * t_core / len(units)}
    results["simulate-tiel"] = {"s": t_tiel, "per_dwelling_ms": 1000 * t_tiel / len(units)}
    results["simulate-bench"] = {"s": t_bench, "per_dwelling_ms": 1000 * t_bench / len(units)}
    results["simulate-tiel"]["paths"] = {r.rule: [r.path, r.exact] for r in res_tiel.rules}  # type: ignore[attr-defined]

    if not args.no_loop:
        t0 = time.perf_counter()
        verdicts = [
            evaluate(dataclasses.replace(template, unit=int(u)), ds, overlay, tiel)
            for u in units.tolist()
        ]
        t_loop = time.perf_counter() - t0
        same = sum(v.outcome == o for v, o in zip(verdicts, res_tiel.overall.tolist(), strict=True))  # type: ignore[attr-defined]
        results["check-loop"] = {"s": t_loop, "per_dwelling_ms": 1000 * t_loop / len(units),
                                 "same_overall": same}  # fmt: skip

    if not args.no_postgis:
        t_pg, answers = postgis_core(ds, np.flatnonzero(counted), units)
        fig = {r.type: r.figures for r in res_bench.rules}  # type: ignore[attr-defined]
        mismatch = {"street": 0, "adjacent": 0, "distance": 0}
        for i, u in enumerate(units.tolist()):
            if ds.unit_street[u] >= 0:
                want = (
                    int(fig["street_share"]["dwellings"][i]),
                    int(fig["street_share"]["existing"][i]),
                )
                mismatch["street"] += answers["street"].get(u) != want
            mismatch["adjacent"] += answers["adjacent"].get(u, (0,))[0] != int(
                fig["not_adjacent"]["total"][i]
            )
            within = fig["min_distance"]["within_radius"][i]
            mismatch["distance"] += answers["distance"].get(u, (0,))[0] != int(within)
        results["postgis-core"] = {"s": t_pg, "per_dwelling_ms": 1000 * t_pg / len(units),
                                   "mismatches_vs_simulate": mismatch}  # fmt: skip

    if not args.no_capacity:
        t0 = time.perf_counter()
        cap = capacity(ds, overlay, tiel, template, units, orders=5, seed=1)
        t_cap = time.perf_counter() - t0
        results["capacity-tiel"] = {"s": t_cap, **cap.stats(), "upper_bound": cap.upper_bound,
                                    "runs": [len(r.granted) for r in cap.runs]}  # fmt: skip

    base = results["simulate-tiel"]["s"]
    print(f"Weesp: {len(units)} woningen (niet meetellend), {len(entries)} registraties")
    print(f"{'path':18} {'seconds':>9} {'ms/dwelling':>12} {'vs simulate-tiel':>17}")
    for name, r in results.items():
        if "s" in r:
            ratio = r["s"] / base
            print(f"{name:18} {r['s']:9.3f} {r.get('per_dwelling_ms', 0):12.4f} {ratio:16.1f}x")
    for name in ("check-loop", "postgis-core", "capacity-tiel"):
        if name in results:
            extra = {k: v for k, v in results[name].items() if k not in ("s", "per_dwelling_ms")}
            print(f"  {name}: {extra}")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "bench_simulate.json"
    out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"results: {out}")


if __name__ == "__main__":
    main()
