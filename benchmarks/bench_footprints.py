"""Benchmark: the footprint index, R-tree vs the hand-written grid it replaced vs shapely STRtree.

    python benchmarks/bench_footprints.py                       # 100k, 1M and 10M footprints
    python benchmarks/bench_footprints.py --sizes 100000 --queries 2000

Synthetic footprints (no data needed): terraced and detached houses in rows along streets 25 m
apart, at the density of a Dutch town, plus one glasshouse of 1-2 km per 100,000 panden (the
footprints a grid cannot hold in a few cells). Geometry is WKB in one buffer with its bounds, as
a loaded dataset has it (``dataset/footprints.py``). The variants, on the same footprints and
the same queries:

  grid     the 100 m grid over the bounds (CSR over cells, oversize rows tested apart) that
           ``Footprints`` used until it took the R-tree; kept here as the anchor
  rtree    ``Footprints`` as it is: libspatialindex through rtree, bulk-loaded from the bounds
  strtree  shapely's STRtree over geometry objects made for every footprint (what an index
           "where the geometries are at hand" costs at national scale)

Queries are the ones the rule types make: ``within(own pand, 0.5 m)`` (not_adjacent: the panden
sharing a wall, parsed from WKB and tested with dwithin) and the candidate rows of a 100 m box
around a dwelling (a map tile or a distance search). They run in one process over all variants
in turn, five rounds, best round kept (the machine is shared), and must give equal rows (a
checksum over the sorted rows of each query). Build time and memory are measured with each
variant alone in its own process: resident set size (``/proc/self/status`` VmRSS) after the
build minus before it (after ``malloc_trim``, so freed build temporaries do not count), and the
peak during the build (``VmHWM``, reset through ``/proc/self/clear_refs`` just before it) minus
that same base; libspatialindex and GEOS allocate outside Python, so tracemalloc would not see
them. Results go to stdout and to benchmarks/results/footprints.json.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import textwrap

import numpy as np

from paths import RESULTS

VARIANTS = ("grid", "rtree", "strtree")


def synthetic_bounds(n: int, seed: int = 0) -> np.ndarray:
    """``n`` footprint boxes (xmin, ymin, xmax, ymax) in RD metres, seeded."""
    rng = np.random.default_rng(seed)
    width = rng.choice([5.5, 6.0, 10.0], size=n, p=[0.5, 0.2, 0.3])
    depth = rng.uniform(8.0, 14.0, size=n)
    gap = np.where(width > 8, 6.0, np.where(rng.random(n) < 0.2, 1.5, 0.0))
    per_row = max(1, int(math.sqrt(n * 25 / 8)))  # about square: 25 m a side, ~8 m a pand
    row = np.arange(n) // per_row  # one side of a street: street row // 2, side row % 2
    step = width + gap
    before = np.cumsum(step) - step  # widths of every pand before this one ...
    x0 = 100_000.0 + before - before[row * per_row]  # ... counted from its row's first
    y0 = 400_000.0 + (row // 2) * 50.0 + np.where(row % 2 == 0, 8.0, -8.0 - depth)
    b = np.column_stack([x0, y0, x0 + width, y0 + depth])
    big = rng.choice(n, size=max(1, n // 100_000), replace=False)
    b[big, 2] = b[big, 0] + rng.uniform(1000, 2000, size=len(big))
    b[big, 3] = b[big, 1] + rng.uniform(50, 300, size=len(big))
    return np.round(b, 3)


def box_wkb(bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """WKB polygons of the boxes in one byte buffer (93 bytes each) with their offsets, built
    with numpy: no geometry object is made."""
    n = len(bounds)
    rec = np.dtype(
        [("order", "u1"), ("type", "<u4"), ("rings", "<u4"), ("points", "<u4"), ("xy", "<f8", 10)]
    )
    out = np.zeros(n, dtype=rec)
    out["order"], out["type"], out["rings"], out["points"] = 1, 3, 1, 5
    x0, y0, x1, y1 = bounds.T
    out["xy"] = np.column_stack([x0, y0, x1, y0, x1, y1, x0, y1, x0, y0])
    offsets = np.arange(0, 93 * (n + 1), 93, dtype=np.int64)
    return offsets, out.view(np.uint8).reshape(-1)


RUN = textwrap.dedent(
    """
    import ctypes, hashlib, json, math, sys, time
    import numpy as np, shapely
    sys.path.insert(0, sys.argv[5])
    from bench_footprints import synthetic_bounds, box_wkb, GridFootprints
    from spreidingstoets.dataset.footprints import Footprints

    def rss_mb(key="VmRSS:"):
        ctypes.CDLL("libc.so.6").malloc_trim(0)  # freed build temporaries back to the system
        for line in open("/proc/self/status"):
            if line.startswith(key):
                return int(line.split()[1]) / 1024

    mode, variants, n, nq = sys.argv[1], sys.argv[2].split(","), int(sys.argv[3]), int(sys.argv[4])
    bounds = synthetic_bounds(n)
    offsets, data = box_wkb(bounds)
    active = np.ones(n, bool)
    indexes, out = {}, {}
    for variant in variants:
        base = rss_mb()
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # the peak (VmHWM) starts again from here: the build's own peak
        t0 = time.perf_counter()
        if variant == "strtree":
            geoms = shapely.from_wkb(np.frombuffer(data, dtype="S93"))
            t_geoms, geoms_mb = time.perf_counter() - t0, rss_mb() - base
            index = shapely.STRtree(geoms)
        elif variant == "grid":
            index = GridFootprints.build(offsets, data, bounds, active)
        else:
            index = Footprints.build(offsets, data, bounds, active)
        build_s = time.perf_counter() - t0
        indexes[variant] = index
        out[variant] = {"variant": variant, "footprints": n, "build_s": build_s,
                        "index_mb": rss_mb() - base, "peak_mb": rss_mb("VmHWM:") - base}
        if variant == "strtree":
            out[variant].update(geoms_s=t_geoms, geoms_mb=geoms_mb)
    if mode == "build":
        print(json.dumps(out))
        raise SystemExit
    rng = np.random.default_rng(1)
    own = rng.choice(n, size=nq, replace=False)
    mine = [shapely.from_wkb(data[offsets[f]:offsets[f + 1]].tobytes()) for f in own]
    x, y = bounds[own, 0], bounds[own, 1]
    boxes = np.column_stack([x - 100, y - 100, x + 100, y + 100])

    def within(variant, index):  # not_adjacent: the panden within 0.5 m of the own pand
        digest = hashlib.sha256()
        for g in mine:
            if variant == "strtree":
                rows = np.sort(index.query(g, predicate="dwithin", distance=0.5))
            else:
                rows = index.within(g, 0.5)
            digest.update(rows.astype(np.int64).tobytes())
        return digest.hexdigest()[:16]

    def box100(variant, index):  # candidates of a 100 m box around the pand's corner
        digest = hashlib.sha256()
        for b in boxes:
            if variant == "strtree":
                rows = np.sort(index.query(shapely.box(*b)))
            else:
                rows = index.candidates(*b)
            digest.update(rows.astype(np.int64).tobytes())
        return digest.hexdigest()[:16]

    best = {(v, q): math.inf for v in variants for q in ("within", "box100")}
    sums = {}
    for _ in range(5):  # rounds over the variants in turn, best of five: the machine is shared
        for variant, index in indexes.items():
            for name, fn in (("within", within), ("box100", box100)):
                t0 = time.perf_counter()
                sums[variant, name] = fn(variant, index)
                best[variant, name] = min(best[variant, name], time.perf_counter() - t0)
    print(json.dumps({v: {"within_us": best[v, "within"] / nq * 1e6,
                          "box100_us": best[v, "box100"] / nq * 1e6,
                          "checksum": sums[v, "within"] + "/" + sums[v, "box100"]}
                      for v in variants}))
    """
)


class GridFootprints:
    """The 100 m grid index that ``dataset/footprints.py`` had before the R-tree (verbatim in
    its logic), with the same ``candidates`` / ``within`` as ``Footprints``."""

    CELL_M = 100.0
    MAX_CELLS = 64
    _KEY = np.int64(1 << 32)

    def __init__(self, offsets, data, bounds, keys, ptr, rows, oversize):  # type: ignore[no-untyped-def]
        self.offsets, self.data, self.bounds = offsets, data, bounds
        self.cell_keys, self.cell_ptr, self.cell_rows, self.oversize = keys, ptr, rows, oversize
        self._cache: dict[int, object] = {}

    @classmethod
    def build(cls, offsets, data, bounds, active):  # type: ignore[no-untyped-def]
        cell, key = cls.CELL_M, cls._KEY
        rows = np.flatnonzero(active & np.isfinite(bounds).all(axis=1))
        b = bounds[rows]
        x0 = np.floor(b[:, 0] / cell).astype(np.int64)
        y0 = np.floor(b[:, 1] / cell).astype(np.int64)
        x1 = np.floor(b[:, 2] / cell).astype(np.int64)
        y1 = np.floor(b[:, 3] / cell).astype(np.int64)
        nx, ny = x1 - x0 + 1, y1 - y0 + 1
        count = nx * ny
        big = count > cls.MAX_CELLS
        oversize = rows[big].astype(np.int32)
        rows, x0, y0, nx, count = rows[~big], x0[~big], y0[~big], nx[~big], count[~big]
        rep = np.repeat(np.arange(len(rows)), count)
        within = np.arange(len(rep)) - np.repeat(np.cumsum(count) - count, count)
        cx = x0[rep] + within % nx[rep]
        cy = y0[rep] + within // nx[rep]
        keys = cx * key + cy
        order = np.argsort(keys, kind="stable")
        keys, members = keys[order], rows[rep[order]].astype(np.int32)
        cell_keys, starts = np.unique(keys, return_index=True)
        ptr = np.append(starts, len(keys)).astype(np.int64)
        return cls(offsets, data, bounds, cell_keys, ptr, members, oversize)

    def geom(self, row: int):  # type: ignore[no-untyped-def]
        import shapely

        g = self._cache.get(row)
        if g is None:
            g = self._cache[row] = shapely.from_wkb(
                self.data[self.offsets[row] : self.offsets[row + 1]].tobytes()
            )
        return g

    def candidates(self, xmin: float, ymin: float, xmax: float, ymax: float) -> np.ndarray:
        cell, key = self.CELL_M, self._KEY
        cx0, cy0 = math.floor(xmin / cell), math.floor(ymin / cell)
        cx1, cy1 = math.floor(xmax / cell), math.floor(ymax / cell)
        wanted = (
            np.arange(cx0, cx1 + 1, dtype=np.int64)[:, None] * key
            + np.arange(cy0, cy1 + 1, dtype=np.int64)
        ).ravel()
        pos = np.searchsorted(self.cell_keys, wanted)
        inside = pos < len(self.cell_keys)
        pos = pos[inside][self.cell_keys[pos[inside]] == wanted[inside]]
        parts = [self.cell_rows[self.cell_ptr[p] : self.cell_ptr[p + 1]] for p in pos]
        rows = np.unique(np.concatenate([*parts, self.oversize]))
        if len(rows) == 0:
            return rows
        b = self.bounds[rows]
        meets = (b[:, 0] <= xmax) & (b[:, 2] >= xmin) & (b[:, 1] <= ymax) & (b[:, 3] >= ymin)
        return rows[meets]

    def within(self, geom, distance: float) -> np.ndarray:  # type: ignore[no-untyped-def]
        import shapely

        xmin, ymin, xmax, ymax = geom.bounds
        rows = self.candidates(xmin - distance, ymin - distance, xmax + distance, ymax + distance)
        if len(rows) == 0:
            return rows
        geoms = np.array([self.geom(int(r)) for r in rows], dtype=object)
        return rows[shapely.dwithin(geoms, geom, distance)]


def run(mode: str, variants: list[str], n: int, queries: int) -> dict[str, dict[str, object]]:
    here = str(RESULTS.parent)
    result = subprocess.run(
        [sys.executable, "-c", RUN, mode, ",".join(variants), str(n), str(queries), here],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"{mode} {variants} at {n:,} failed:\n{result.stderr}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    parser.add_argument("--queries", type=int, default=5000, help="queries of each kind")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=VARIANTS)
    args = parser.parse_args()
    rows = []
    for n in args.sizes:
        timing = run("query", args.variants, n, args.queries)
        for variant in args.variants:
            r = run("build", [variant], n, 0)[variant] | timing[variant]
            rows.append(r)
            print(json.dumps(r), file=sys.stderr)
    head = (
        f"{'footprints':>11} {'variant':8} {'build s':>8} {'index MB':>9} {'peak MB':>8} "
        f"{'within(0.5 m) us':>17} {'100 m box us':>13} {'checksum':>33}"
    )
    print(head)
    for r in rows:
        extra = (
            f"  (geometry objects: {r['geoms_s']:.1f} s, {r['geoms_mb']:.0f} MB of the index MB)"
            if "geoms_mb" in r
            else ""
        )
        print(
            f"{r['footprints']:>11,} {r['variant']:8} {r['build_s']:8.2f} {r['index_mb']:9.0f} "
            f"{r['peak_mb']:8.0f} {r['within_us']:17.1f} {r['box100_us']:13.1f} "
            f"{r['checksum']:>33}{extra}"
        )
    for n in args.sizes:
        sums = {r["checksum"] for r in rows if r["footprints"] == n}
        if len(sums) > 1:
            raise SystemExit(f"variants disagree at {n:,} footprints: {sorted(sums)}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "footprints.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
