"""Footprints (panden, ligplaatsen, standplaatsen) kept as WKB, with an R-tree over their bounds.

At national scale (about ten million panden) shapely objects for every footprint and an STRtree
over them would take most of the memory budget. Checks touch only the footprints near one
address, so the geometries stay WKB in one byte buffer and are parsed when asked for (and
cached); an R-tree (libspatialindex through ``rtree``), bulk-loaded from the stored bounding
boxes, finds the candidates without a geometry object per footprint.
``benchmarks/bench_footprints.py`` compares it with the hand-written grid it replaced and with
shapely's STRtree at 100 thousand to 10 million footprints.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from rtree.index import Index, Property

from spreidingstoets.caching import BoundedCache

CACHE_MAX = 200_000  # parsed geometries kept (least recently used go first)


def bounds_index(rows: np.ndarray, bounds: np.ndarray) -> Index:
    """An in-memory R-tree over ``bounds`` (n x 4: xmin, ymin, xmax, ymax) whose ids are
    ``rows``, bulk-loaded (sort-tile-recursive) straight from the arrays."""
    prop = Property()
    prop.dimension = 2
    if len(rows) == 0:
        return Index(properties=prop, interleaved=True)
    b = np.ascontiguousarray(bounds, dtype=np.float64)
    return Index(
        (np.asarray(rows, np.int64), b[:, :2], b[:, 2:]), properties=prop, interleaved=True
    )


@dataclass
class Footprints:
    """Geometry of every footprint row, and the active ones by location."""

    offsets: np.ndarray  # int64, n + 1: WKB of row i is data[offsets[i]:offsets[i + 1]]
    data: np.ndarray  # uint8
    bounds: np.ndarray  # (n, 4) float64: xmin, ymin, xmax, ymax
    active: np.ndarray  # bool
    tree: Index = field(repr=False)  # R-tree over the bounds of the active rows
    indexed: int  # rows in the tree (len(tree) would count them with a full-extent query)
    _cache: BoundedCache[shapely.Geometry] = field(
        default_factory=lambda: BoundedCache(CACHE_MAX), repr=False
    )

    @classmethod
    def build(
        cls, offsets: np.ndarray, data: np.ndarray, bounds: np.ndarray, active: np.ndarray
    ) -> Footprints:
        rows = np.flatnonzero(active & np.isfinite(bounds).all(axis=1))
        return cls(offsets, data, bounds, active, bounds_index(rows, bounds[rows]), len(rows))

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def clear_cache(self) -> None:
        """Forget the parsed geometries (they are parsed again on demand)."""
        self._cache.clear()

    def wkb(self, row: int) -> bytes:
        return self.data[self.offsets[row] : self.offsets[row + 1]].tobytes()

    def geom(self, row: int) -> shapely.Geometry:
        """The footprint of one row (parsed once, then cached)."""
        return self._cache.get(row, lambda: shapely.from_wkb(self.wkb(row)))

    def geoms(self, rows: np.ndarray) -> np.ndarray:
        """Footprints of several rows, as an object array."""
        return np.array([self.geom(int(r)) for r in rows], dtype=object)

    def parse(self, rows: np.ndarray) -> np.ndarray:
        """Footprints of many rows parsed in one call, as an object array (not cached: for
        bulk work over more rows than the cache holds)."""
        start, end = self.offsets[rows].tolist(), self.offsets[np.asarray(rows) + 1].tolist()
        data = self.data
        wkb = np.empty(len(start), dtype=object)
        wkb[:] = [data[a:b].tobytes() for a, b in zip(start, end, strict=True)]
        return shapely.from_wkb(wkb)

    def candidates(self, xmin: float, ymin: float, xmax: float, ymax: float) -> np.ndarray:
        """Active rows whose bounding box meets the given box (sorted, unique)."""
        if self.indexed == 0:
            return np.zeros(0, np.int64)
        rows = np.fromiter(self.tree.intersection((xmin, ymin, xmax, ymax)), dtype=np.int64)
        rows.sort()
        return rows

    def candidates_many(self, boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Active rows whose bounding box meets each of ``boxes`` (m x 4), in one call:
        ``(rows, counts)``, the rows of box i being ``rows[start_i : start_i + counts[i]]``."""
        boxes = np.ascontiguousarray(boxes, dtype=np.float64).reshape(-1, 4)
        if len(boxes) == 0 or self.indexed == 0:
            return np.zeros(0, np.int64), np.zeros(len(boxes), np.int64)
        rows, counts = self.tree.intersection_v(boxes[:, :2], boxes[:, 2:])
        return rows.astype(np.int64, copy=False), counts.astype(np.int64)

    def within(self, geom: shapely.Geometry, distance: float) -> np.ndarray:
        """Active rows whose footprint lies within ``distance`` metres of ``geom`` (sorted)."""
        if geom.is_empty:
            return np.zeros(0, np.int64)
        xmin, ymin, xmax, ymax = geom.bounds
        rows = self.candidates(xmin - distance, ymin - distance, xmax + distance, ymax + distance)
        if len(rows) == 0:
            return rows
        return rows[shapely.dwithin(self.geoms(rows), geom, distance)]
