"""Benchmark: simulate in one process vs on Dask (LocalCluster, 2 workers), same data, one run.

    python benchmarks/bench_dask.py                       # synthetic, 300,000 units
    python benchmarks/bench_dask.py --units 2000000 --by tile --tile-m 20000
    python benchmarks/bench_dask.py --data DIR            # any compiled dataset
    python benchmarks/bench_dask.py --data DIR --cli-inputs OUT   # inputs for the CLI run

``--cli-inputs OUT`` writes what ``spreidingstoets simulate`` needs for the same simulation in
one process through the command line, and prints the commands (register import, then
simulate under ``/usr/bin/time -v`` for wall time and peak memory): ``OUT/register.csv`` (the
same one in twenty dwellings counted) and ``OUT/bench_rules_alle.yaml`` (the bench rules with a
gemeentecode no dataset has, so that every dwelling is a candidate, not only one gemeente's).

The hypothetical application (arbeidsmigranten, 4 persons) at every dwelling not yet counted,
under benchmarks/bench_rules.yaml (Tiel's rules plus no counted dwelling within 100 m), with
one in twenty dwellings counted. Reported: the single-process load and simulate times; on Dask
the cluster's start, and the simulation (workers load their part with its halo from the path,
simulate, send back arrays); the ratio; and that both results are equal, array by array. Two
workers on this 2-core machine share the cores with everything else running: the ratio says
what partitioning costs or gains here, not what a cluster of machines would do.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import tempfile
import time
from pathlib import Path

import numpy as np

from differential import REGISTER_COLUMNS
from paths import REPO, RESULTS

DAY = dt.date(2026, 3, 1)


class _Columns:
    """What the client needs of a dataset to hand out parts, read as columns (no full load:
    at 10 million units the loaded dataset would sit in the client next to the workers)."""

    def __init__(self, path: Path) -> None:
        import pyarrow.parquet as pq

        from spreidingstoets.dataset.model import dwelling_mask

        units = pq.read_table(path / "units.parquet")
        col = units.column
        self.unit_id = col("identificatie").to_numpy(zero_copy_only=False).astype("S16")
        self.unit_xy = np.column_stack([col("x").to_numpy(), col("y").to_numpy()])
        self.woning = dwelling_mask(
            col("objecttype").to_numpy(zero_copy_only=False),
            col("status").to_numpy(zero_copy_only=False),
            col("gebruiksdoel").to_numpy(zero_copy_only=False),
            col("hoofdadres").to_numpy(),
        )

    def unit_identificatie(self, u: int) -> str:
        return bytes(self.unit_id[u]).decode()


def counted_rows(woning: np.ndarray) -> list[int]:
    """The dwellings counted in the register: one in twenty, seeded."""
    rng = random.Random(1)
    woningen = np.flatnonzero(woning)
    return sorted(rng.sample(list(woningen), len(woningen) // 20))


def cli_inputs(data: Path, out: Path) -> None:
    """The register CSV and the ruleset for the same simulation through the CLI."""
    import csv

    cols = _Columns(data)
    out.mkdir(parents=True, exist_ok=True)
    with (out / "register.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(REGISTER_COLUMNS)
        for i, u in enumerate(counted_rows(cols.woning), 1):
            vbo = cols.unit_identificatie(int(u))
            w.writerow([vbo, "arbeidsmigranten", 4, "granted", "2020-01-01", "", f"BENCH-{i}"])
    rules = (REPO / "benchmarks" / "bench_rules.yaml").read_text(encoding="utf-8")
    (out / "bench_rules_alle.yaml").write_text(
        rules.replace('gemeentecode: "0457"', 'gemeentecode: "9999"'), encoding="utf-8"
    )
    print(
        f"spreidingstoets register import {out}/register.csv --register {out}/register.db\n"
        f"/usr/bin/time -v spreidingstoets simulate --rules {out}/bench_rules_alle.yaml "
        f"--persons 4 --date {DAY} --data {data} --register {out}/register.db "
        f"--out {out}/simulatie --json"
    )


def equal(a, b) -> bool:  # type: ignore[no-untyped-def]
    if not (np.array_equal(a.units, b.units) and np.array_equal(a.overall, b.overall)):
        return False
    for x, y in zip(a.rules, b.rules, strict=True):
        if not np.array_equal(x.outcome, y.outcome):
            return False
        for k, fx in x.figures.items():
            fy = y.figures[k]
            same = (
                np.array_equal(fx, fy, equal_nan=True)
                if fx.dtype.kind == "f"
                else fx.tolist() == fy.tolist()
            )
            if not same:
                return False
    return a.provenance == b.provenance


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, help="a compiled dataset (default: synthetic)")
    parser.add_argument("--units", type=int, default=300_000, help="synthetic units")
    parser.add_argument("--by", choices=["gemeente", "tile"], default="gemeente")
    parser.add_argument("--tile-m", type=float, default=10_000.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--parts", type=int, help="at most this many parts (default 4 a worker)")
    parser.add_argument(
        "--skip-single",
        action="store_true",
        help="only the Dask run (at 10 million units one process takes long); nothing compared",
    )
    parser.add_argument(
        "--cli-inputs", type=Path, help="write the CLI run's register and rules here, and stop"
    )
    args = parser.parse_args()
    if args.cli_inputs:
        if args.data is None:
            raise SystemExit("--cli-inputs needs --data")
        cli_inputs(args.data, args.cli_inputs)
        return

    from dask.distributed import Client, LocalCluster

    from spreidingstoets.dataset.store import load_dataset
    from spreidingstoets.domain.register import RegisterEntry, RegisterSnapshot
    from spreidingstoets.ruleset.loader import load_ruleset
    from spreidingstoets.ruletypes.base import RegisterOverlay
    from spreidingstoets.sample import write_national
    from spreidingstoets.service.simulations import template_of
    from spreidingstoets.simulate import simulate
    from spreidingstoets.simulate.distributed import simulate_distributed

    with tempfile.TemporaryDirectory() as tmp:
        path = args.data
        if path is None:
            path = Path(tmp) / "national"
            t0 = time.perf_counter()
            write_national(path, args.units, seed=1, flats=0.02)
            print(f"synthetic {args.units:,} units written in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        ds = load_dataset(path) if not args.skip_single else _Columns(path)
        load_s = time.perf_counter() - t0
        woningen = np.flatnonzero(ds.woning)
        counted = counted_rows(ds.woning)
        snapshot = RegisterSnapshot(
            tuple(
                RegisterEntry(
                    id=i + 1,
                    verblijfsobject_id=ds.unit_identificatie(int(u)),
                    kind="arbeidsmigranten",
                    status="granted",
                    persons=4,
                    valid_from=dt.date(2020, 1, 1),
                )
                for i, u in enumerate(counted)
            ),
            "bench@1",
        )
        version = load_ruleset(REPO / "benchmarks" / "bench_rules.yaml", REPO / "rules").version_on(
            DAY
        )
        template = template_of("arbeidsmigranten", 4, DAY, DAY)
        candidates = woningen[~np.isin(woningen, counted)]
        t0 = time.perf_counter()
        one = None
        if not args.skip_single:
            overlay = RegisterOverlay.build(ds, snapshot)
            one = simulate(ds, overlay, version, template, candidates)
            del overlay
        single_s = time.perf_counter() - t0
        xy, ids = ds.unit_xy, ds.unit_id
        del ds

        t0 = time.perf_counter()
        cluster = LocalCluster(
            n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=":0"
        )
        client = Client(cluster)
        start_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        many, info = simulate_distributed(
            path,
            candidates,
            xy,
            ids,
            version,
            template,
            snapshot,
            scheduler=cluster.scheduler_address,
            by=args.by,
            tile_m=args.tile_m,
            max_parts=args.parts,
        )
        dask_s = time.perf_counter() - t0
        client.close()
        cluster.close()

    same = equal(one, many) if one is not None else "not compared (--skip-single)"
    rows = {
        "candidates": len(candidates),
        ("client: read columns s" if one is None else "single: load dataset s"): load_s,
        "single: simulate s": single_s,
        "dask: start LocalCluster s": start_s,
        "dask: simulate s (parts load their halo)": dask_s,
        "ratio dask / single (load + simulate)": dask_s / (load_s + single_s)
        if one is not None
        else "-",
        "counts": many.counts(),
        "partitions": info["partitions"],
        "by": info["by"],
        "halo_m": info["halo_m"],
        "workers": info["workers"],
        "identical": same,
    }
    for k, v in rows.items():
        print(f"{k:45} {v:.2f}" if isinstance(v, float) else f"{k:45} {v}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "dask.json").write_text(json.dumps(rows, indent=2))
    if same is False:
        raise SystemExit("Dask and single-process results differ")


if __name__ == "__main__":
    main()
