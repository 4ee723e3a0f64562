"""Loading a compiled dataset (Parquet tables + manifest) into the in-memory model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from scipy.spatial import cKDTree

from spreidingstoets.dataset.compile import DATA_FILES, FORMAT_VERSION
from spreidingstoets.dataset.footprints import Footprints
from spreidingstoets.dataset.model import Csr, Dataset, dwelling_mask, per_value
from spreidingstoets.dataset.neighbours import (
    NOT_REALISED_STATUSES,
    WITHDRAWN_STATUSES,
    WRONGLY_REGISTERED_STATUSES,
    street_sides,
)
from spreidingstoets.errors import SourceError
from spreidingstoets.zoning.parquet import read_layer

LAYERS_DIR = "layers"  # compiled zoning/area layers: layers/<name>.parquet


def _col(table: Any, name: str) -> np.ndarray:
    return table.column(name).to_numpy(zero_copy_only=False)


def _footprints(table: Any, active: np.ndarray) -> Footprints:
    """WKB straight from the Parquet buffers (no geometry objects), plus the R-tree index."""
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


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest of a compiled dataset folder; a clear error when it is not one."""
    manifest_path = path / "manifest.json"
    if not manifest_path.is_file():
        why = (
            "de map bestaat niet"
            if not path.exists()
            else "dit is een bestand, geen map"
            if not path.is_dir()
            else "geen manifest.json"
        )
        raise SourceError(
            f"{path}: geen gecompileerde dataset ({why}); maak er een met "
            "'spreidingstoets import BRON --out MAP'"
        )
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceError(
            f"{manifest_path}: beschadigd ({exc.__class__.__name__}); importeer de bron opnieuw"
        ) from None
    except OSError as exc:
        raise SourceError(f"{manifest_path}: kan niet lezen ({exc.strerror})") from None
    if not isinstance(manifest, dict) or "sha256" not in manifest:
        raise SourceError(f"{manifest_path}: geen manifest van spreidingstoets")
    return manifest


def _damaged(path: Path, exc: Exception) -> SourceError:
    return SourceError(
        f"{path}: dataset beschadigd of onvolledig ({str(exc).splitlines()[0][:200]}); "
        "importeer de bron opnieuw met 'spreidingstoets import'"
    )


def load_dataset(path: Path | str) -> Dataset:
    """Load a compiled dataset folder and build its indexes; a damaged one is refused."""
    path = Path(path)
    try:
        return _load(path)
    except (pa.ArrowException, OSError, KeyError, ValueError) as exc:
        raise _damaged(path, exc) from None


def inspect_dataset(path: Path) -> dict[str, Any]:
    """The manifest of a dataset whose tables are all there and readable, without loading them
    (only each Parquet footer is read): ``dataset info`` must not describe a damaged dataset."""
    manifest = read_manifest(path)
    if manifest.get("format_version") != FORMAT_VERSION:
        raise SourceError(
            f"{path}: datasetformaat {manifest.get('format_version')}, deze versie leest formaat "
            f"{FORMAT_VERSION}; importeer de bron opnieuw met 'spreidingstoets import'"
        )
    missing = [n for n in DATA_FILES if not (path / n).is_file()]
    if missing:
        raise SourceError(f"{path}: dataset onvolledig, ontbreekt: {', '.join(missing)}")
    tables = [path / n for n in DATA_FILES] + sorted((path / LAYERS_DIR).glob("*.parquet"))
    try:
        for table in tables:
            pq.read_metadata(table)
    except (pa.ArrowException, OSError) as exc:
        raise _damaged(path, exc) from None
    return manifest


def load_dataset_part(
    path: Path | str, core: np.ndarray, reach: float | None
) -> tuple[Dataset, np.ndarray]:
    """The part of a compiled dataset that the answers for the units ``core`` (rows of the
    whole dataset) depend on, for rules that look no further than ``reach`` metres (None: no
    bound, the whole dataset): the units within reach of the core (by point or by footprint),
    every unit on a street of the core, every unit sharing a pand with those, and their
    addresses and footprints, with every footprint within reach. Returns the part as a
    :class:`Dataset` (same manifest, so the same dataset id and sha256) and, per unit row of
    the part, its row in the whole dataset (ascending)."""
    path = Path(path)
    try:
        units, footprints = _part_rows(path, np.asarray(core, dtype=np.int64), reach)
        return _load(path, (units, footprints)), units
    except (pa.ArrowException, OSError, KeyError, ValueError) as exc:
        raise _damaged(path, exc) from None


def _part_rows(path: Path, core: np.ndarray, reach: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Rows of units and of footprints that a part around ``core`` loads (both ascending)."""
    units = pq.read_table(
        path / "units.parquet", columns=["identificatie", "x", "y", "openbare_ruimte"]
    )
    xy = np.column_stack([_col(units, "x"), _col(units, "y")])
    street = _col(units, "openbare_ruimte").astype(np.int64)
    gemeente = _ids(units, "identificatie").astype("S4")
    n_units = units.num_rows
    del units
    fps = pq.read_table(
        path / "footprints.parquet", columns=["active", "xmin", "ymin", "xmax", "ymax"]
    )
    n_fp = fps.num_rows
    if reach is None:
        return np.arange(n_units, dtype=np.int64), np.arange(n_fp, dtype=np.int64)
    bounds = np.column_stack([_col(fps, c).astype(float) for c in ("xmin", "ymin", "xmax", "ymax")])
    active = _col(fps, "active").astype(bool)
    del fps
    links = pq.read_table(path / "unit_footprint.parquet")
    lu, lf = _col(links, "unit").astype(np.int64), _col(links, "footprint").astype(np.int64)
    del links
    # Boxes around the core, one per gemeente in it (a part may hold several far apart):
    # their points and their own footprints, widened by the reach.
    x, y = xy[:, 0], xy[:, 1]
    keep = np.zeros(n_units, bool)
    near = np.zeros(n_fp, bool)
    finite = np.isfinite(bounds).all(axis=1)
    for code in np.unique(gemeente[core]):
        rows = core[gemeente[core] == code]
        mine = np.zeros(n_units, bool)
        mine[rows] = True
        own = bounds[lf[mine[lu]]]
        own = own[np.isfinite(own).all(axis=1)]
        lo = np.vstack([xy[rows], own[:, :2]]).min(axis=0)
        hi = np.vstack([xy[rows], own[:, 2:]]).max(axis=0)
        x0, y0, x1, y1 = lo[0] - reach, lo[1] - reach, hi[0] + reach, hi[1] + reach
        keep |= (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)  # units within reach by point
        meets = (bounds[:, 0] <= x1) & (bounds[:, 2] >= x0)
        meets &= (bounds[:, 1] <= y1) & (bounds[:, 3] >= y0)
        near |= finite & active & meets  # footprints within reach
    streets = np.unique(street[core])
    keep |= np.isin(street, streets[streets >= 0])  # every unit on a street of the core
    keep[core] = True
    keep[lu[near[lf]]] = True  # units in a pand within reach
    shared = np.zeros(n_fp, bool)
    shared[lf[keep[lu]]] = True
    keep[lu[shared[lf]]] = True  # units sharing a pand with those
    fp_keep = near.copy()
    fp_keep[lf[keep[lu]]] = True
    return np.flatnonzero(keep), np.flatnonzero(fp_keep)


def _rows(file: Path, rows: np.ndarray) -> tuple[pa.Table, int]:
    """The given rows (ascending) of a Parquet file, reading only the row groups that hold
    them; and the file's number of rows."""
    parquet = pq.ParquetFile(file)
    sizes = [parquet.metadata.row_group(i).num_rows for i in range(parquet.num_row_groups)]
    starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    group_of = np.searchsorted(starts, rows, side="right") - 1  # row group of each row
    groups = np.unique(group_of)
    if len(groups) == 0:
        return parquet.schema_arrow.empty_table(), int(starts[-1])
    table = parquet.read_row_groups(groups.tolist())
    offset = np.concatenate([[0], np.cumsum([sizes[g] for g in groups])])  # of each group read
    local = rows - starts[group_of] + offset[np.searchsorted(groups, group_of)]
    return table.take(pa.array(local)), int(starts[-1])


def _renumber(keep: np.ndarray, n: int) -> np.ndarray:
    """Old row -> new row (-1 when dropped), for the ascending rows ``keep`` of ``n``."""
    new = np.full(n + 1, -1, np.int64)  # index -1 (no reference) maps to -1 too
    new[keep] = np.arange(len(keep))
    return new


def _load(path: Path, part: tuple[np.ndarray, np.ndarray] | None = None) -> Dataset:
    """Load a compiled dataset folder and build its indexes; only the given unit and footprint
    rows when ``part`` is given (``load_dataset_part``)."""
    manifest = inspect_dataset(path)
    # Tables are read one at a time and dropped once their columns are arrays: at national
    # scale the Parquet tables and the arrays would not fit in memory together.
    unit_map = fp_map = addr_map = None
    if part is None:
        units = pq.read_table(path / "units.parquet")
    else:
        units, n_all = _rows(path / "units.parquet", part[0])
        unit_map = _renumber(part[0], n_all)
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
    if unit_map is not None:
        owner = _col(addrs, "unit").astype(np.int64)
        kept = np.flatnonzero(unit_map[owner] >= 0)
        addr_map = _renumber(kept, addrs.num_rows)
        addrs = addrs.take(pa.array(kept))
        hoofdadres = addr_map[hoofdadres].astype(np.int32)
    addr_id = _ids(addrs, "identificatie")
    addr_unit = _col(addrs, "unit").astype(np.int32)
    if unit_map is not None:
        addr_unit = unit_map[addr_unit].astype(np.int32)
    addr_hoofd = _col(addrs, "hoofdadres").astype(bool)
    addr_huisletter = _labels(addrs, "huisletter")
    addr_toevoeging = _labels(addrs, "toevoeging")
    addr_postcode = _labels(addrs, "postcode")
    addr_street = _col(addrs, "openbare_ruimte").astype(np.int32)
    addr_woonplaats = _col(addrs, "woonplaats").astype(np.int32)
    addr_num = _col(addrs, "huisnummer").astype(np.int32)
    del addrs

    if part is None:
        fps = pq.read_table(path / "footprints.parquet")
    else:
        fps, n_all = _rows(path / "footprints.parquet", part[1])
        fp_map = _renumber(part[1], n_all)
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
    if unit_map is not None and fp_map is not None:
        lu, lf = unit_map[lu], fp_map[lf]
        ok = (lu >= 0) & (lf >= 0)
        lu, lf = lu[ok], lf[ok]
        a, b = fp_map[a], fp_map[b]
        ok = (a >= 0) & (b >= 0)
        a, b = a[ok], b[ok]
    streets = pq.read_table(path / "openbare_ruimten.parquet")
    wpls = pq.read_table(path / "woonplaatsen.parquet")

    has_street = street >= 0
    rows = np.flatnonzero(has_street)
    street_units = Csr.build(street[rows].astype(np.int64), rows, streets.num_rows)

    # Sides of the streets from the geometry of the address points (dataset/neighbours.py).
    hoofd = np.maximum(hoofdadres, 0)
    numbered = has_street & (hoofdadres >= 0)
    gone = WITHDRAWN_STATUSES + NOT_REALISED_STATUSES + WRONGLY_REGISTERED_STATUSES
    sides = street_sides(
        np.where(numbered, street, -1),
        addr_num[hoofd],
        addr_huisletter[hoofd],
        xy,
        usable=~per_value(status, lambda s: s in gone),
    )

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
        side_key=sides.key,
        side_rank=sides.rank,
        side_order=Csr(sides.ptr, sides.order),
        side_by_parity=sides.by_parity,
        point_tree=cKDTree(xy),
        woning=dwelling_mask(unit_type, status, doel, hoofdadres),
    )
    layer_dir = path / LAYERS_DIR
    if layer_dir.is_dir():
        ds.layers = {p.stem: read_layer(p) for p in sorted(layer_dir.glob("*.parquet"))}
    return ds
