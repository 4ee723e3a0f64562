"""Benchmark: address index build time and search latency per form of query.

    python benchmarks/bench_address.py                  # Weesp, 1,000 addresses
    python benchmarks/bench_address.py --data DIR -n 5000   # any compiled dataset

For a seeded sample of units with a hoofdadres, each form is searched once:
"straat nummer, postcode plaats", "postcode nummer", "straat nummer plaats", the street with
one letter left out, and an unknown huisnummer (an error with the nearest numbers). Reported:
the share that found the address (an address that fits several objects counts as a miss here;
tests/test_address.py says which misses are right) and p50/p99 latency. Results also go to
benchmarks/results/.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import tempfile
import time
from pathlib import Path

from bench_check import build_dataset, percentiles
from paths import RESULTS


def queries(ds, n: int, seed: int) -> dict[str, list[tuple[str, str]]]:  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    units = [u for u in range(ds.n_units) if ds.unit_hoofdadres[u] >= 0]
    forms: dict[str, list[tuple[str, str]]] = {}
    for u in rng.sample(units, min(n, len(units))):
        a = int(ds.unit_hoofdadres[u])
        street = str(ds.street_naam[ds.addr_street[a]])
        place = ds.woonplaats_naam[ds.addr_woonplaats[a]] if ds.addr_woonplaats[a] >= 0 else ""
        pc = ds.addr_postcode[a]
        number = f"{ds.addr_huisnummer[a]}{ds.addr_huisletter[a] or ''}"
        number += f"-{ds.addr_toevoeging[a]}" if ds.addr_toevoeging[a] else ""
        i = rng.randrange(1, len(street) - 1) if len(street) > 4 else len(street)
        for form, query in {
            "straat nummer, postcode plaats": f"{street} {number}, {pc} {place}" if pc else "",
            "postcode nummer": f"{pc} {number}" if pc else "",
            "straat nummer plaats": f"{street} {number} {place}",
            "one letter left out": f"{street[:i]}{street[i + 1 :]} {number} {place}",
            "unknown number (error)": f"{street} 99999 {place}",
        }.items():
            if query:
                forms.setdefault(form, []).append((query, ds.address_label(a)))
    return forms


def run(ds, n: int, seed: int) -> dict[str, object]:  # type: ignore[no-untyped-def]
    from spreidingstoets.dataset.address import AddressIndex, AddressNotFound

    t0 = time.perf_counter()
    index = AddressIndex(ds)
    build_s = time.perf_counter() - t0
    report: dict[str, object] = {
        "dataset": ds.dataset_id,
        "units": ds.n_units,
        "addresses": len(ds.addr_id),
        "distinct_street_names": len(index.street_names.keys),
        "index_build_s": build_s,
    }
    print(f"dataset {ds.dataset_id}: {ds.n_units:,} units; index built in {build_s * 1000:.1f} ms")
    print(f"{'form':32} {'found':>10} {'p50 ms':>8} {'p99 ms':>8}")
    for form, items in queries(ds, n, seed).items():
        ns, same = [], 0
        for query, label in items:
            t = time.perf_counter_ns()
            with contextlib.suppress(AddressNotFound):
                same += index.find(query).label == label
            ns.append(time.perf_counter_ns() - t)
        stats = {**percentiles(ns), "found": same / len(items)}
        report[form] = stats
        print(f"{form:32} {stats['found']:10.1%} {stats['p50_ms']:8.3f} {stats['p99_ms']:8.3f}")
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, help="a compiled dataset (default: Weesp)")
    parser.add_argument("-n", type=int, default=1000, help="addresses in the sample")
    parser.add_argument("--seed", type=int, default=20211015)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ds, _ = build_dataset(args.data, Path(tmp))
        report = run(ds, args.n, args.seed)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"address-{ds.sha256[:12]}.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
