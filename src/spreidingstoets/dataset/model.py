"""The loaded dataset in memory: BAG arrays plus the indexes the engine reads.

Pure: numpy, shapely and rtree only, so the engine and rule types can import it without any
reader or file format (``dataset/store.py`` loads it from the compiled Parquet files). Built once
at load: an R-tree over the bounds of the active footprints and a k-d tree over the unit points;
CSR arrays for openbare ruimte -> units, footprint -> units and unit -> footprints; the footprint adjacency graph (computed at import,
stored); and the sides of the streets with their house-number order, decided from the geometry
(``dataset/neighbours.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from spreidingstoets.caching import BoundedCache
from spreidingstoets.dataset.footprints import Footprints
from spreidingstoets.domain.vocabulary import WONING_GEBRUIKSDOEL, WONING_STATUSES

if TYPE_CHECKING:
    from spreidingstoets.zoning import ZoningLayer

LABEL_CACHE_MAX = 200_000  # unit facts kept for evidence (least recently used go first)
DERIVED_CACHE_MAX = 64  # other dwelling definitions, area memberships


@dataclass(frozen=True)
class Csr:
    """Compressed sparse rows: ``members(i)`` is ``idx[ptr[i]:ptr[i+1]]``."""

    ptr: np.ndarray
    idx: np.ndarray

    @classmethod
    def build(cls, rows: np.ndarray, cols: np.ndarray, n_rows: int) -> Csr:
        order = np.lexsort((cols, rows))
        counts = np.bincount(rows, minlength=n_rows)
        ptr = np.zeros(n_rows + 1, np.int64)
        np.cumsum(counts, out=ptr[1:])
        return cls(ptr, cols[order].astype(np.int32))

    def members(self, i: int) -> np.ndarray:
        return self.idx[self.ptr[i] : self.ptr[i + 1]]

    def gather(self, rows: np.ndarray) -> np.ndarray:
        if len(rows) == 1:
            return self.members(int(rows[0]))
        if len(rows) == 0:
            return self.idx[:0]
        return np.concatenate([self.members(int(r)) for r in rows])


def _row_of(sorted_ids: np.ndarray, identificatie: str) -> int:
    """Row of an identificatie in a sorted id array (binary search), or -1."""
    text = identificatie.strip()
    if not text.isascii():
        return -1  # BAG identificaties are digits; anything else is in no dataset
    key = np.bytes_(text)
    i = int(np.searchsorted(sorted_ids, key))
    return i if i < len(sorted_ids) and sorted_ids[i] == key else -1


@dataclass
class Dataset:
    """BAG units, addresses and footprints as arrays, with indexes. Read-only after load."""

    manifest: dict[str, Any]
    # units (verblijfsobjecten, ligplaatsen, standplaatsen), sorted by identificatie
    unit_id: np.ndarray  # bytes S16
    unit_type: np.ndarray  # str
    unit_status: np.ndarray
    unit_gebruiksdoel: np.ndarray  # ";"-joined
    unit_oppervlakte: np.ndarray  # int32
    unit_xy: np.ndarray  # (n, 2) float64
    unit_hoofdadres: np.ndarray  # address row, -1 if none
    unit_street: np.ndarray  # openbare ruimte row of the hoofdadres, -1 if none
    # addresses (nummeraanduidingen)
    addr_id: np.ndarray
    addr_unit: np.ndarray
    addr_hoofd: np.ndarray
    addr_huisnummer: np.ndarray
    addr_huisletter: np.ndarray
    addr_toevoeging: np.ndarray
    addr_postcode: np.ndarray
    addr_street: np.ndarray
    addr_woonplaats: np.ndarray
    # footprints (panden + plaatsen)
    fp_id: np.ndarray
    fp_kind: np.ndarray
    fp_status: np.ndarray
    fp_bouwjaar: np.ndarray
    fp_active: np.ndarray
    footprints: Footprints  # geometry (WKB, parsed on demand) and the R-tree over bounds
    # openbare ruimten and woonplaatsen
    street_id: np.ndarray
    street_naam: np.ndarray
    street_type: np.ndarray
    street_woonplaats: np.ndarray
    woonplaats_id: np.ndarray
    woonplaats_naam: np.ndarray
    # indexes
    unit_fps: Csr
    fp_units: Csr
    street_units: Csr
    fp_adjacent: Csr
    side_key: np.ndarray  # per unit: its side of the street (dataset/neighbours.py), -1 if none
    side_rank: np.ndarray  # per unit: its house-number position along that side
    side_order: Csr  # per side: units sorted by rank
    side_by_parity: np.ndarray  # per unit: side by odd/even, the geometry could not decide
    point_tree: Any = field(repr=False)  # a KD-tree over unit_xy (query_ball_point)
    woning: np.ndarray  # the default dwelling mask (DESIGN.md section 2), computed at load
    layers: dict[str, ZoningLayer] = field(default_factory=dict)  # zoning / area polygons
    _facts: BoundedCache[tuple[str, str, str | None]] = field(
        default_factory=lambda: BoundedCache(LABEL_CACHE_MAX), repr=False
    )
    derived: BoundedCache[Any] = field(
        default_factory=lambda: BoundedCache(DERIVED_CACHE_MAX), repr=False
    )

    # ---- look-ups -------------------------------------------------------------------------
    @property
    def n_units(self) -> int:
        return len(self.unit_id)

    @property
    def sha256(self) -> str:
        return str(self.manifest["sha256"])

    @property
    def dataset_id(self) -> str:
        return str(self.manifest["dataset_id"])

    @property
    def adjacency_tolerance(self) -> float:
        return float(self.manifest.get("adjacency_tolerance_m", 0.5))

    def unit_index(self, identificatie: str) -> int:
        """Row of a unit by BAG identificatie, or -1."""
        return _row_of(self.unit_id, identificatie)

    def address_index(self, identificatie: str) -> int:
        """Row of a nummeraanduiding by identificatie, or -1."""
        return _row_of(self.addr_id, identificatie)

    def footprint_index(self, identificatie: str) -> int:
        """Row of a pand / ligplaats / standplaats footprint by identificatie, or -1."""
        return _row_of(self.fp_id, identificatie)

    def clear_caches(self) -> None:
        """Forget every derived value (labels, parsed footprints, masks, trees): each is made
        again on demand. For a long run's end, when its outputs need the memory more."""
        self._facts.clear()
        self.derived.clear()
        self.footprints.clear_cache()

    def unit_identificatie(self, i: int) -> str:
        return self.unit_id[i].decode()

    def footprint_identificatie(self, f: int) -> str:
        return self.fp_id[f].decode()

    def address_label(self, a: int, with_woonplaats: bool = True) -> str:
        """'Kwartelstraat 12a-2, Tiel' for an address row."""
        if a < 0:
            return "(geen adres)"
        s = int(self.addr_street[a])
        naam = str(self.street_naam[s]) if s >= 0 else "?"
        number = str(int(self.addr_huisnummer[a]))
        if self.addr_huisletter[a]:
            number += str(self.addr_huisletter[a])
        if self.addr_toevoeging[a]:
            number += "-" + str(self.addr_toevoeging[a])
        label = f"{naam} {number}"
        w = int(self.addr_woonplaats[a])
        if with_woonplaats and w >= 0:
            label += f", {self.woonplaats_naam[w]}"
        return label

    def unit_facts(self, i: int) -> tuple[str, str, str | None]:
        """(identificatie, hoofdadres label, first pand) of a unit, cached for evidence."""
        return self._facts.get(i, lambda: self._make_facts(i))

    def _make_facts(self, i: int) -> tuple[str, str, str | None]:
        fps = self.unit_fps.members(i)
        pand = self.footprint_identificatie(int(fps[0])) if len(fps) else None
        return (self.unit_identificatie(i), self.address_label(int(self.unit_hoofdadres[i])), pand)

    def unit_label(self, i: int) -> str:
        """The hoofdadres label of a unit."""
        return self.unit_facts(i)[1]

    def unit_gebruiksdoelen(self, i: int) -> list[str]:
        text = str(self.unit_gebruiksdoel[i])
        return text.split(";") if text else []

    def unit_point(self, i: int) -> shapely.Point:
        return shapely.Point(self.unit_xy[i])

    def unit_geometry(self, i: int) -> shapely.Geometry:
        """Union of the unit's footprints, or its point when it has none (or only empty ones)."""
        fps = self.unit_fps.members(i)
        geoms = [g for g in self.footprints.geoms(fps) if not g.is_empty]
        if not geoms:
            return self.unit_point(i)
        return geoms[0] if len(geoms) == 1 else shapely.union_all(geoms)

    def footprints_within(self, geom: shapely.Geometry, distance: float) -> np.ndarray:
        """Rows of active footprints within ``distance`` metres of ``geom`` (sorted)."""
        return self.footprints.within(geom, distance)

    def units_near_point(
        self, xy: Sequence[float], distance: float, ordered: bool = True
    ) -> np.ndarray:
        # 1 µm of slack: a point exactly at ``distance`` must not be lost to float noise.
        hits = self.point_tree.query_ball_point(np.asarray(xy, dtype=float), r=distance + 1e-6)
        found = np.asarray(hits, dtype=np.int64)
        return np.sort(found) if ordered else found

    def units_in_polygon(self, polygon: shapely.Geometry) -> np.ndarray:
        """Units whose point lies in (or on the boundary of) ``polygon``, sorted."""
        xmin, ymin, xmax, ymax = polygon.bounds
        centre = ((xmin + xmax) / 2, (ymin + ymax) / 2)
        reach = float(np.hypot(xmax - xmin, ymax - ymin)) / 2 + 1e-3  # corners despite rounding
        near = self.units_near_point(centre, reach)
        x, y = self.unit_xy[near, 0], self.unit_xy[near, 1]
        inside = shapely.intersects_xy(polygon, x, y)
        return near[inside]

    def unit_points(self) -> dict[str, tuple[float, float]]:
        return {
            u.decode(): (float(x), float(y))
            for u, (x, y) in zip(self.unit_id, self.unit_xy, strict=True)
        }

    def woning_definition(
        self, statuses: tuple[str, ...] = WONING_STATUSES, gebruiksdoel: str = WONING_GEBRUIKSDOEL
    ) -> np.ndarray:
        """A dwelling mask for a definition (the default one is ``woning``, made at load)."""
        if tuple(statuses) == WONING_STATUSES and gebruiksdoel == WONING_GEBRUIKSDOEL:
            return self.woning
        key = ("woning", tuple(sorted(statuses)), gebruiksdoel)
        return self.derived.get(
            key,
            lambda: dwelling_mask(
                self.unit_type,
                self.unit_status,
                self.unit_gebruiksdoel,
                self.unit_hoofdadres,
                statuses=tuple(statuses),
                doel=gebruiksdoel,
            ),
        )


def per_value(values: np.ndarray, test: Callable[[Any], bool]) -> np.ndarray:
    """Apply ``test`` once per distinct value (there are few) instead of once per row."""
    seen: dict[Any, bool] = {}

    def once(value: Any) -> bool:
        result = seen.get(value)
        if result is None:
            result = seen[value] = bool(test(value))
        return result

    return np.frompyfunc(once, 1, 1)(values).astype(bool) if len(values) else np.zeros(0, bool)


def dwelling_mask(
    unit_type: np.ndarray,
    status: np.ndarray,
    gebruiksdoel: np.ndarray,
    hoofdadres: np.ndarray,
    statuses: tuple[str, ...] = WONING_STATUSES,
    doel: str = WONING_GEBRUIKSDOEL,
) -> np.ndarray:
    """Per unit: a woning (DESIGN.md section 2): a verblijfsobject (not a ligplaats or
    standplaats) with the gebruiksdoel, in one of the statuses, with an address."""
    in_use = per_value(status, lambda s: s in statuses)
    has_doel = per_value(gebruiksdoel, lambda g: doel in str(g).split(";"))
    return in_use & has_doel & (hoofdadres >= 0) & (unit_type == "verblijfsobject")
