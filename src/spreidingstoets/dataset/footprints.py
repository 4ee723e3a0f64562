"""Footprints (panden, ligplaatsen, standplaatsen) kept as WKB, with a grid index over bounds.

At national scale (about ten million panden) shapely objects for every footprint and an STRtree
over them would take most of the memory budget. Checks touch only the footprints near one
address, so the geometries stay WKB in one byte buffer and are parsed when asked for (and
cached); a uniform grid over the bounding boxes finds the candidates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import shapely

from spreidingstoets.caching import BoundedCache

CELL_M = 100.0  # grid cell size: a 100 m search touches about nine cells
MAX_CELLS = 64  # footprints spanning more cells (or with a stray vertex) are checked apart
CACHE_MAX = 200_000  # parsed geometries kept (least recently used go first)
_KEY = np.int64(1 << 32)


@dataclass
class Footprints:
    """Geometry of every footprint row, and the active ones by location."""

    offsets: np.ndarray  # int64, n + 1: WKB of row i is data[offsets[i]:offsets[i + 1]]
    data: np.ndarray  # uint8
    bounds: np.ndarray  # (n, 4) float64: xmin, ymin, xmax, ymax
    active: np.ndarray  # bool
    cell_keys: np.ndarray = field(repr=False)  # sorted unique grid cells holding footprints
    cell_ptr: np.ndarray = field(repr=False)  # CSR over cell_keys
    cell_rows: np.ndarray = field(repr=False)
    oversize: np.ndarray = field(repr=False)  # rows too large for the grid, tested by bounds
    _cache: BoundedCache[shapely.Geometry] = field(
        default_factory=lambda: BoundedCache(CACHE_MAX), repr=False
    )

    @classmethod
    def build(
        cls, offsets: np.ndarray, data: np.ndarray, bounds: np.ndarray, active: np.ndarray
    ) -> Footprints:
        rows = np.flatnonzero(active & np.isfinite(bounds).all(axis=1))
        b = bounds[rows]
        x0, y0 = (
            np.floor(b[:, 0] / CELL_M).astype(np.int64),
            np.floor(b[:, 1] / CELL_M).astype(np.int64),
        )
        x1, y1 = (
            np.floor(b[:, 2] / CELL_M).astype(np.int64),
            np.floor(b[:, 3] / CELL_M).astype(np.int64),
        )
        nx, ny = x1 - x0 + 1, y1 - y0 + 1
        count = nx * ny  # cells each footprint overlaps: 1 for most, more for greenhouses
        big = count > MAX_CELLS
        oversize = rows[big].astype(np.int32)
        rows, x0, y0, nx, count = rows[~big], x0[~big], y0[~big], nx[~big], count[~big]
        rep = np.repeat(np.arange(len(rows)), count)
        within = np.arange(len(rep)) - np.repeat(np.cumsum(count) - count, count)
        cx = x0[rep] + within % nx[rep]
        cy = y0[rep] + within // nx[rep]
        keys = cx * _KEY + cy
        order = np.argsort(keys, kind="stable")
        keys, members = keys[order], rows[rep[order]].astype(np.int32)
        cell_keys, starts = np.unique(keys, return_index=True)
        ptr = np.append(starts, len(keys)).astype(np.int64)
        return cls(offsets, data, bounds, active, cell_keys, ptr, members, oversize)

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def wkb(self, row: int) -> bytes:
        return self.data[self.offsets[row] : self.offsets[row + 1]].tobytes()

    def geom(self, row: int) -> shapely.Geometry:
        """The footprint of one row (parsed once, then cached)."""
        return self._cache.get(row, lambda: shapely.from_wkb(self.wkb(row)))

    def geoms(self, rows: np.ndarray) -> np.ndarray:
        """Footprints of several rows, as an object array."""
        return np.array([self.geom(int(r)) for r in rows], dtype=object)

    def candidates(self, xmin: float, ymin: float, xmax: float, ymax: float) -> np.ndarray:
        """Active rows whose bounding box meets the given box (sorted, unique)."""
        cx0, cy0 = math.floor(xmin / CELL_M), math.floor(ymin / CELL_M)
        cx1, cy1 = math.floor(xmax / CELL_M), math.floor(ymax / CELL_M)
        wanted = (
            np.arange(cx0, cx1 + 1, dtype=np.int64)[:, None] * _KEY
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

    def within(self, geom: shapely.Geometry, distance: float) -> np.ndarray:
        """Active rows whose footprint lies within ``distance`` metres of ``geom`` (sorted)."""
        if geom.is_empty:
            return self.cell_rows[:0]
        xmin, ymin, xmax, ymax = geom.bounds
        rows = self.candidates(xmin - distance, ymin - distance, xmax + distance, ymax + distance)
        if len(rows) == 0:
            return rows
        return rows[shapely.dwithin(self.geoms(rows), geom, distance)]
