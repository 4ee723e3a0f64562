"""The loaded dataset: BAG arrays plus the indexes the engine reads.

Built once at load: STRtrees over active footprints and over unit points; CSR arrays for
openbare ruimte -> units, footprint -> units and unit -> footprints; the footprint adjacency
graph (computed at import, stored); and the house-number order per street side.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import shapely
from scipy.spatial import cKDTree

from spreidingstoets.dataset.compile import (
    DATA_FILES,
    FORMAT_VERSION,
    WONING_STATUSES,
    woning_mask,
)
from spreidingstoets.dataset.footprints import Footprints
from spreidingstoets.errors import SourceError
from spreidingstoets.zoning import ZoningLayer
from spreidingstoets.zoning.parquet import read_layer

LABEL_CACHE_MAX = 200_000  # address labels kept for evidence; starts afresh beyond this
LAYERS_DIR = "layers"  # compiled zoning/area layers: layers/<name>.parquet


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
    key = np.bytes_(identificatie.strip())
    i = int(np.searchsorted(sorted_ids, key))
    return i if i < len(sorted_ids) and sorted_ids[i] == key else -1


def _col(table: Any, name: str) -> np.ndarray:
    return table.column(name).to_numpy(zero_copy_only=False)


def _footprints(table: Any, active: np.ndarray) -> Footprints:
    """WKB straight from the Parquet buffers (no geometry objects), plus the grid index."""
    wkb = table.column("geometry").cast(pa.large_binary()).combine_chunks()
    _, offsets, data = wkb.buffers()
    offsets = np.frombuffer(offsets, np.int64, count=len(wkb) + 1, offset=wkb.offset * 8)
    data = np.frombuffer(data, np.uint8) if data is not None else np.zeros(0, np.uint8)
    bounds = np.column_stack(
        [_col(table, c).astype(float) for c in ("xmin", "ymin", "xmax", "ymax")]
    )
    return Footprints.build(offsets, data, bounds, active)


def _ids(table: Any, name: str, width: int = 16) -> np.ndarray:
    """BAG identificaties as fixed-width bytes, straight from Arrow (no str object per row)."""
    column = table.column(name).combine_chunks()
    try:
        fixed = column.cast(pa.binary(width))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # an id of another length
        values = column.to_numpy(zero_copy_only=False)
        if any(len(str(v)) > width for v in values):
            raise SourceError(f"{name}: identificaties longer than {width} characters") from None
        return np.asarray(values.astype(f"S{width}"))
    return np.frombuffer(
        fixed.buffers()[1], dtype=f"S{width}", count=len(fixed), offset=fixed.offset * width
    )


def _labels(table: Any, name: str) -> np.ndarray:
    """A text column with few distinct values (status, gebruiksdoel, postcode) as an object
    array whose elements share one str object per value: 8 bytes a row instead of a copy."""
    encoded = table.column(name).combine_chunks().dictionary_encode()
    values = np.array([v or "" for v in encoded.dictionary.to_pylist()] + [""], dtype=object)
    codes = encoded.indices.fill_null(len(values) - 1).to_numpy()
    return values[codes]


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
    footprints: Footprints  # geometry (WKB, parsed on demand) and the grid index
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
    side_key: np.ndarray  # per unit: street * 2 + parity of the hoofdadres, -1 if none
    side_rank: np.ndarray  # per unit: dense rank of its huisnummer on that side
    side_order: Csr  # per side key: units sorted by rank
    point_tree: cKDTree = field(repr=False)  # over unit_xy
    layers: dict[str, ZoningLayer] = field(default_factory=dict)  # zoning / area polygons

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
        cache: dict[int, tuple[str, str, str | None]] = self.__dict__.setdefault("_facts", {})
        facts = cache.get(i)
        if facts is None:
            if len(cache) >= LABEL_CACHE_MAX:
                cache.clear()
            fps = self.unit_fps.members(i)
            pand = self.footprint_identificatie(int(fps[0])) if len(fps) else None
            facts = cache[i] = (self.unit_identificatie(i), self.unit_label(i), pand)
        return facts

    def unit_label(self, i: int) -> str:
        """The hoofdadres label of a unit (cached: evidence asks for the same few often)."""
        cache: dict[int, str] = self.__dict__.setdefault("_labels", {})
        label = cache.get(i)
        if label is None:
            if len(cache) >= LABEL_CACHE_MAX:
                cache.clear()
            label = cache[i] = self.address_label(int(self.unit_hoofdadres[i]))
        return label

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

    def side_neighbours(self, i: int, n: int) -> np.ndarray:
        """Units on the same street side within ``n`` house-number ranks of unit ``i``."""
        key = int(self.side_key[i])
        if key < 0 or n <= 0:
            return self.unit_id[:0].astype(np.int32)
        members = self.side_order.members(key)
        ranks = self.side_rank[members]
        r = int(self.side_rank[i])
        lo = np.searchsorted(ranks, r - n, "left")
        hi = np.searchsorted(ranks, r + n, "right")
        near = members[lo:hi]
        return near[near != i]

    def unit_points(self) -> dict[str, tuple[float, float]]:
        return {
            u.decode(): (float(x), float(y))
            for u, (x, y) in zip(self.unit_id, self.unit_xy, strict=True)
        }

    @cached_property
    def street_by_id(self) -> dict[str, int]:
        return {str(s): i for i, s in enumerate(self.street_id)}

    @cached_property
    def woning(self) -> np.ndarray:
        """The default dwelling mask (DESIGN.md section 2)."""
        return self.woning_definition()

    def woning_definition(
        self, statuses: tuple[str, ...] = WONING_STATUSES, gebruiksdoel: str = "woonfunctie"
    ) -> np.ndarray:
        """A dwelling mask for another definition than the default (cached)."""
        key = (tuple(sorted(statuses)), gebruiksdoel)
        cache = self.__dict__.setdefault("_woning_cache", {})
        if key not in cache:
            cache[key] = woning_mask(
                self.unit_status,
                self.unit_gebruiksdoel,
                self.unit_hoofdadres,
                statuses=tuple(statuses),
                doel=gebruiksdoel,
            ) & (self.unit_type == "verblijfsobject")
        return cache[key]


def load_dataset(path: Path | str) -> Dataset:
    """Load a compiled dataset folder and build its indexes."""
    path = Path(path)
    manifest_path = path / "manifest.json"
    if not manifest_path.is_file():
        raise SourceError(
            f"{path}: not a compiled dataset (no manifest.json); make one with "
            "'spreidingstoets import SOURCE --out DIR'"
        )
    manifest = json.loads(manifest_path.read_text())
    if manifest.get("format_version") != FORMAT_VERSION:
        raise SourceError(
            f"{path}: dataset format {manifest.get('format_version')}, this version reads format "
            f"{FORMAT_VERSION}; import the source again with 'spreidingstoets import'"
        )
    missing = [n for n in DATA_FILES if not (path / n).is_file()]
    if missing:
        raise SourceError(f"{path}: dataset incomplete, missing {', '.join(missing)}")
    # Tables are read one at a time and dropped once their columns are arrays: at national
    # scale the Parquet tables and the arrays would not fit in memory together.
    units = pq.read_table(path / "units.parquet")
    n_units = units.num_rows
    unit_id = _ids(units, "identificatie")
    hoofdadres = _col(units, "hoofdadres").astype(np.int32)
    street = _col(units, "openbare_ruimte").astype(np.int32)
    unit_type = _labels(units, "objecttype")
    status = _labels(units, "status")
    doel = _labels(units, "gebruiksdoel")
    oppervlakte = _col(units, "oppervlakte").astype(np.int32)
    xy = np.column_stack([_col(units, "x"), _col(units, "y")])
    del units

    addrs = pq.read_table(path / "addresses.parquet")
    addr_id = _ids(addrs, "identificatie")
    addr_unit = _col(addrs, "unit").astype(np.int32)
    addr_hoofd = _col(addrs, "hoofdadres").astype(bool)
    addr_huisletter = _labels(addrs, "huisletter")
    addr_toevoeging = _labels(addrs, "toevoeging")
    addr_postcode = _labels(addrs, "postcode")
    addr_street = _col(addrs, "openbare_ruimte").astype(np.int32)
    addr_woonplaats = _col(addrs, "woonplaats").astype(np.int32)
    addr_num = _col(addrs, "huisnummer").astype(np.int32)
    del addrs

    fps = pq.read_table(path / "footprints.parquet")
    n_fp = fps.num_rows
    fp_active = _col(fps, "active").astype(bool)
    fp_id = _ids(fps, "identificatie")
    fp_kind = _labels(fps, "kind")
    fp_status = _labels(fps, "status")
    fp_bouwjaar = _col(fps, "bouwjaar").astype(np.int32)
    footprints = _footprints(fps, fp_active)
    del fps

    links = pq.read_table(path / "unit_footprint.parquet")
    lu, lf = _col(links, "unit").astype(np.int64), _col(links, "footprint").astype(np.int64)
    adj = pq.read_table(path / "adjacency.parquet")
    a, b = _col(adj, "a").astype(np.int64), _col(adj, "b").astype(np.int64)
    del links, adj
    streets = pq.read_table(path / "openbare_ruimten.parquet")
    wpls = pq.read_table(path / "woonplaatsen.parquet")

    has_street = street >= 0
    rows = np.flatnonzero(has_street)
    street_units = Csr.build(street[rows].astype(np.int64), rows, streets.num_rows)

    # House-number order per street side: key = street*2 + parity, dense rank of huisnummer.
    number = np.where(hoofdadres >= 0, addr_num[np.maximum(hoofdadres, 0)], 0)
    side_key = np.where(has_street, street.astype(np.int64) * 2 + (number % 2), -1)
    order = np.lexsort((number, side_key))
    order = order[side_key[order] >= 0]
    sk, num_sorted = side_key[order], number[order]
    new_group = np.r_[True, sk[1:] != sk[:-1]]
    new_number = new_group | np.r_[True, num_sorted[1:] != num_sorted[:-1]]
    dense = np.cumsum(new_number)
    group_start = np.maximum.accumulate(np.where(new_group, dense, 0))
    side_rank = np.full(n_units, -1, np.int64)
    side_rank[order] = dense - group_start
    n_sides = streets.num_rows * 2
    side_ptr = np.zeros(n_sides + 1, np.int64)
    np.cumsum(np.bincount(sk, minlength=n_sides), out=side_ptr[1:])
    side_order = Csr(side_ptr, order.astype(np.int32))  # lexsort keeps rank order per side

    ds = Dataset(
        manifest=manifest,
        unit_id=unit_id,
        unit_type=unit_type,
        unit_status=status,
        unit_gebruiksdoel=doel,
        unit_oppervlakte=oppervlakte,
        unit_xy=xy,
        unit_hoofdadres=hoofdadres,
        unit_street=street,
        addr_huisnummer=addr_num,
        addr_id=addr_id,
        addr_unit=addr_unit,
        addr_hoofd=addr_hoofd,
        addr_huisletter=addr_huisletter,
        addr_toevoeging=addr_toevoeging,
        addr_postcode=addr_postcode,
        addr_street=addr_street,
        addr_woonplaats=addr_woonplaats,
        fp_id=fp_id,
        fp_kind=fp_kind,
        fp_status=fp_status,
        fp_bouwjaar=fp_bouwjaar,
        fp_active=fp_active,
        footprints=footprints,
        street_id=_col(streets, "identificatie").astype(str),
        street_naam=_col(streets, "naam").astype(str),
        street_type=np.array([v or "" for v in _col(streets, "type")], dtype=object),
        street_woonplaats=_col(streets, "woonplaats").astype(np.int32),
        woonplaats_id=_col(wpls, "identificatie").astype(str),
        woonplaats_naam=_col(wpls, "naam").astype(str),
        unit_fps=Csr.build(lu, lf, n_units),
        fp_units=Csr.build(lf, lu, n_fp),
        street_units=street_units,
        fp_adjacent=Csr.build(np.r_[a, b], np.r_[b, a], n_fp),
        side_key=side_key,
        side_rank=side_rank,
        side_order=side_order,
        point_tree=cKDTree(xy),
    )
    _ = ds.woning  # computed at load, not by the first check
    layer_dir = path / LAYERS_DIR
    if layer_dir.is_dir():
        ds.layers = {p.stem: read_layer(p) for p in sorted(layer_dir.glob("*.parquet"))}
    # The dataset lives as long as the process: keep the collector from rescanning its millions
    # of objects on every collection (that made single checks several times slower at p99).
    gc.collect()
    gc.freeze()
    return ds
