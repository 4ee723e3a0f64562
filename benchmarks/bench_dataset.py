"""Benchmark: import, load and index times and peak memory, on Weesp and at national scale.

    python benchmarks/bench_dataset.py                      # Weesp + 1M synthetic units
    python benchmarks/bench_dataset.py --national 10000000  # the national-scale target
    python benchmarks/bench_dataset.py --national 10000000 --whole 2500000  # + one-piece anchor

The synthetic dataset is generated and compiled one gemeente at a time (``write_national``);
``--whole N`` also runs the one-piece path (all tables in memory, then ``write_dataset``) at N
units as the anchor: it peaks near 1.9 GB per million units, so keep N within the machine.

Each phase runs in its own process so its peak memory (ru_maxrss) is its own. Results go to
stdout as a table and to benchmarks/results/dataset.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from paths import RESULTS, WEESP

PHASE = textwrap.dedent(
    """
    import json, resource, sys, time
    from pathlib import Path
    phase, arg, out = sys.argv[1], sys.argv[2], sys.argv[3]
    t0 = time.perf_counter()
    extra = {}
    if phase == "import":
        from spreidingstoets.dataset.sources import read_source
        from spreidingstoets.dataset.compile import write_dataset
        tables = read_source(Path(arg))
        t1 = time.perf_counter()
        write_dataset(tables, Path(arg), Path(out), force=True)
        extra = {"read_s": t1 - t0, "compile_write_s": time.perf_counter() - t1}
    elif phase == "generate":
        from spreidingstoets.sample import write_national
        n, flats = arg.split(":")
        m = write_national(Path(out), int(n), seed=1, flats=float(flats), force=True)
        extra = {"units": m["counts"]["verblijfsobjecten"], "panden": m["counts"]["panden"],
                 "sha256": m["sha256"]}
    elif phase == "generate-whole":
        from spreidingstoets.sample import generate_national
        from spreidingstoets.dataset.compile import write_dataset
        n, flats = arg.split(":")
        tables = generate_national(int(n), seed=1, flats=float(flats))
        t1 = time.perf_counter()
        m = write_dataset(tables, [], Path(out), force=True)
        extra = {"generate_s": t1 - t0, "compile_write_s": time.perf_counter() - t1,
                 "units": len(tables.verblijfsobjecten), "panden": len(tables.panden),
                 "sha256": m["sha256"]}
    elif phase == "load":
        from spreidingstoets.dataset.store import load_dataset
        ds = load_dataset(Path(arg))
        extra = {"units": int(ds.n_units), "footprints": int(len(ds.fp_id))}
    seconds = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"phase": phase, "seconds": seconds, "peak_mb": peak_mb, **extra}))
    """
)


def phase(name: str, arg: str, out: str = "-") -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, "-c", PHASE, name, arg, out], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"{name} failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--national", type=int, default=1_000_000, help="synthetic units")
    parser.add_argument(
        "--flats",
        type=float,
        default=0.02,
        help="share of streets with flats (0.02: about one pand per unit, as in the BAG)",
    )
    parser.add_argument("--keep", type=Path, help="keep the national dataset in this folder")
    parser.add_argument(
        "--whole", type=int, default=0, help="also generate + compile in one piece at N units"
    )
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        if WEESP.exists():
            weesp = Path(tmp) / "weesp"
            rows.append(
                ("Weesp import (read + compile + write)", phase("import", str(WEESP), str(weesp)))
            )
            rows.append(("Weesp load + index", phase("load", str(weesp))))
        else:
            print(f"skipping Weesp: {WEESP} not present")
        national = args.keep or Path(tmp) / "national"
        rows.append(
            (
                f"synthetic {args.national:,} units: generate + compile per gemeente",
                phase("generate", f"{args.national}:{args.flats}", str(national)),
            )
        )
        rows.append(
            (f"synthetic {args.national:,} units: load + index", phase("load", str(national)))
        )
        if args.whole:
            whole = Path(tmp) / "whole"
            rows.append(
                (
                    f"synthetic {args.whole:,} units: generate + compile in one piece",
                    phase("generate-whole", f"{args.whole}:{args.flats}", str(whole)),
                )
            )
    print(f"{'phase':60} {'seconds':>9} {'peak MB':>9}")
    for label, r in rows:
        print(f"{label:60} {r['seconds']:9.2f} {r['peak_mb']:9.0f}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "dataset.json").write_text(
        json.dumps([{"label": label, **r} for label, r in rows], indent=2)
    )


if __name__ == "__main__":
    main()
