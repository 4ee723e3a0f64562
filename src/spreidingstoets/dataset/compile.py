"""Compile :class:`BagTables` into the columnar dataset and write it atomically.

Layout of a compiled dataset folder (all Parquet, geometry as WKB in EPSG:28992)::

    manifest.json        sources with sha256, dates, counts, software version, dataset sha256
    units.parquet        verblijfsobjecten, ligplaatsen, standplaatsen (sorted by identificatie)
    addresses.parquet    nummeraanduidingen with the unit they address (hoofd- or nevenadres)
    footprints.parquet   panden, plus the polygons of ligplaatsen and standplaatsen
    unit_footprint.parquet  unit -> footprint links (verblijfsobject -> pand)
    openbare_ruimten.parquet, woonplaatsen.parquet
    adjacency.parquet    pairs of active footprints within the adjacency tolerance

Rows refer to each other by row number, so loading needs no joins.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

from spreidingstoets import __version__
from spreidingstoets.dataset.model import dwelling_mask
from spreidingstoets.dataset.tables import BagTables
from spreidingstoets.errors import InputError, SourceError
from spreidingstoets.fsio import atomic_folder, clean_stale
from spreidingstoets.spatial import require_rd_bounds
from spreidingstoets.zoning import ZoningLayer
from spreidingstoets.zoning.parquet import write_layer

LAYER_REACH_M = 1_000.0  # a layer must come this close to the dataset's verblijfsobjecten
FORMAT_VERSION = 2  # 2: footprint bounds stored
DEFAULT_ADJACENCY_TOLERANCE = 0.5  # metres, DESIGN.md section 2
# Beyond this, panden across a street or an alley would count as adjacent.
MAX_ADJACENCY_TOLERANCE = 10.0
LAYER_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")  # also the file name layers/<name>.parquet
# Panden that stand (or stood until now) and so can share a wall or be measured to.
INACTIVE_PAND_STATUSES = frozenset(
    {
        "Pand gesloopt",
        "Niet gerealiseerd pand",
        "Pand ten onrechte opgevoerd",
        "Bouwvergunning verleend",
    }
)
INACTIVE_PLAATS_STATUSES = frozenset({"Plaats ingetrokken"})
ROW_GROUP_ROWS = 1024 * 1024  # Parquet row groups, also when a table is written in parts
DATA_FILES = (
    "units.parquet",
    "addresses.parquet",
    "footprints.parquet",
    "unit_footprint.parquet",
    "openbare_ruimten.parquet",
    "woonplaatsen.parquet",
    "adjacency.parquet",
)


def _indexer(ids: pd.Series | np.ndarray, values: pd.Series | np.ndarray) -> np.ndarray:
    index = pd.Index(np.asarray(ids, dtype=object))
    return index.get_indexer(pd.Index(np.asarray(values, dtype=object))).astype(np.int32)


def check_rd_coordinates(tables: BagTables) -> None:
    """Refuse geometry that is not in RD New metres, such as longitude/latitude in degrees."""
    for name in ("verblijfsobjecten", "panden", "ligplaatsen", "standplaatsen"):
        require_rd_bounds(name, getattr(tables, name)["geometry"].to_numpy())


def iter_tables(
    tables: BagTables, tolerance: float = DEFAULT_ADJACENCY_TOLERANCE
) -> Iterator[tuple[str, pa.Table]]:
    """Turn reader output into the row-linked tables of the compiled dataset, one at a time.

    Each table is yielded as soon as it is complete and its intermediates are dropped, so that
    a national import never holds all tables and all their working copies at once.
    """
    vbo = tables.verblijfsobjecten
    vbo_points = vbo["geometry"].to_numpy()
    missing = shapely.is_missing(vbo_points) | shapely.is_empty(vbo_points)
    if missing.any():
        bad = vbo["identificatie"].to_numpy()[missing]
        raise SourceError(
            f"{missing.sum()} verblijfsobject(en) zonder geometrie, bijv. {', '.join(map(str, bad[:3]))}"
        )
    # BAG 2.0 allows a vlak for a verblijfsobject: use a point on it, as for ligplaatsen
    vlak = shapely.get_type_id(vbo_points) != 0
    if vlak.any():
        vbo_points = vbo_points.copy()
        vbo_points[vlak] = shapely.point_on_surface(vbo_points[vlak])
    parts = [
        pd.DataFrame(
            {
                "identificatie": vbo["identificatie"].astype(str),
                "objecttype": "verblijfsobject",
                "status": vbo["status"].astype(str),
                "gebruiksdoel": [";".join(sorted(g)) for g in vbo["gebruiksdoel"]],
                "oppervlakte": vbo["oppervlakte"].astype("int32"),
                "x": shapely.get_x(vbo_points),
                "y": shapely.get_y(vbo_points),
                "hoofdadres_id": vbo["hoofdadres"],
                "nevenadres_ids": vbo["nevenadressen"],
                "pand_ids": vbo["panden"],
            }
        )
    ]
    for kind, df in (("ligplaats", tables.ligplaatsen), ("standplaats", tables.standplaatsen)):
        if len(df):
            centre = shapely.point_on_surface(df["geometry"].to_numpy())
            parts.append(
                pd.DataFrame(
                    {
                        "identificatie": df["identificatie"].astype(str),
                        "objecttype": kind,
                        "status": df["status"].astype(str),
                        "gebruiksdoel": "",
                        "oppervlakte": np.zeros(len(df), np.int32),
                        "x": shapely.get_x(centre),
                        "y": shapely.get_y(centre),
                        "hoofdadres_id": df["hoofdadres"],
                        "nevenadres_ids": df["nevenadressen"],
                        "pand_ids": [[i] for i in df["identificatie"].astype(str)],
                    }
                )
            )
    units = pd.concat(parts, ignore_index=True)
    units = units.sort_values("identificatie", kind="stable").reset_index(drop=True)
    if units["identificatie"].duplicated().any():
        dup = units.loc[units["identificatie"].duplicated(), "identificatie"].iloc[0]
        raise SourceError(f"identificatie {dup} occurs twice among the current objects")

    # Addresses: every current nummeraanduiding, linked to the unit it addresses.
    num = tables.nummeraanduidingen.sort_values("identificatie", kind="stable").reset_index(
        drop=True
    )
    opr = tables.openbare_ruimten.sort_values("identificatie", kind="stable").reset_index(drop=True)
    wpl = tables.woonplaatsen.sort_values("identificatie", kind="stable").reset_index(drop=True)
    opr_wpl = _indexer(wpl["identificatie"], opr["woonplaats"].fillna(""))
    num_opr = _indexer(opr["identificatie"], num["openbare_ruimte"].fillna(""))
    own_wpl = _indexer(wpl["identificatie"], num["woonplaats"].fillna(""))
    num_wpl = np.where(own_wpl >= 0, own_wpl, np.where(num_opr >= 0, opr_wpl[num_opr], -1))
    addr_unit = np.full(len(num), -1, np.int32)
    addr_hoofd = np.zeros(len(num), bool)
    unit_rows = np.arange(len(units), dtype=np.int32)
    hoofd = _indexer(num["identificatie"], units["hoofdadres_id"].fillna(""))
    has = hoofd >= 0
    addr_unit[hoofd[has]] = unit_rows[has]
    addr_hoofd[hoofd[has]] = True
    neven = units[["nevenadres_ids"]].assign(unit=unit_rows).explode("nevenadres_ids").dropna()
    if len(neven):
        nidx = _indexer(num["identificatie"], neven["nevenadres_ids"])
        ok = nidx >= 0
        addr_unit[nidx[ok]] = neven["unit"].to_numpy(np.int32)[ok]
    addresses = pa.table(
        {
            "identificatie": num["identificatie"].astype(str).to_numpy(),
            "unit": addr_unit,
            "hoofdadres": addr_hoofd,
            "huisnummer": num["huisnummer"].astype("int32").to_numpy(),
            "huisletter": num["huisletter"]
            .astype(object)
            .where(num["huisletter"].notna(), None)
            .to_numpy(),
            "toevoeging": num["toevoeging"]
            .astype(object)
            .where(num["toevoeging"].notna(), None)
            .to_numpy(),
            "postcode": num["postcode"]
            .astype(object)
            .where(num["postcode"].notna(), None)
            .to_numpy(),
            "openbare_ruimte": num_opr,
            "woonplaats": num_wpl.astype(np.int32),
        }
    )
    yield "addresses.parquet", addresses
    yield (
        "openbare_ruimten.parquet",
        pa.table(
            {
                "identificatie": opr["identificatie"].astype(str).to_numpy(),
                "naam": opr["naam"].astype(str).to_numpy(),
                "type": opr["type"].astype(object).where(opr["type"].notna(), None).to_numpy(),
                "woonplaats": opr_wpl,
            }
        ),
    )
    yield (
        "woonplaatsen.parquet",
        pa.table(
            {
                "identificatie": wpl["identificatie"].astype(str).to_numpy(),
                "naam": wpl["naam"].astype(str).to_numpy(),
            }
        ),
    )
    del addresses, num, neven, addr_unit, addr_hoofd, own_wpl, num_wpl

    # Footprints: panden, then ligplaats/standplaats polygons, sorted by identificatie.
    pnd = tables.panden
    fp_parts = [
        pd.DataFrame(
            {
                "identificatie": pnd["identificatie"].astype(str),
                "kind": "pand",
                "status": pnd["status"].astype(str),
                "bouwjaar": pnd["bouwjaar"].astype("int32"),
                "geometry": pnd["geometry"],
            }
        )
    ]
    for kind, df in (("ligplaats", tables.ligplaatsen), ("standplaats", tables.standplaatsen)):
        if len(df):
            fp_parts.append(
                pd.DataFrame(
                    {
                        "identificatie": df["identificatie"].astype(str),
                        "kind": kind,
                        "status": df["status"].astype(str),
                        "bouwjaar": np.zeros(len(df), np.int32),
                        "geometry": df["geometry"],
                    }
                )
            )
    fps = pd.concat(fp_parts, ignore_index=True).sort_values("identificatie", kind="stable")
    fps = fps.reset_index(drop=True)
    geoms = fps["geometry"].to_numpy()
    active = ~fps["status"].isin(INACTIVE_PAND_STATUSES | INACTIVE_PLAATS_STATUSES).to_numpy()
    active &= ~shapely.is_empty(geoms) & ~shapely.is_missing(geoms)

    links = units[["pand_ids"]].assign(unit=unit_rows).explode("pand_ids").dropna()
    fidx = _indexer(fps["identificatie"], links["pand_ids"])
    ok = fidx >= 0
    yield (
        "unit_footprint.parquet",
        pa.table({"unit": links["unit"].to_numpy(np.int32)[ok], "footprint": fidx[ok]}),
    )
    del links, fidx, ok

    act = np.flatnonzero(active)
    tree = shapely.STRtree(geoms[act])
    pairs = tree.query(geoms[act], predicate="dwithin", distance=tolerance)
    a, b = act[pairs[0]], act[pairs[1]]
    keep = a < b
    yield "adjacency.parquet", adjacency_table(a[keep], b[keep])
    del tree, pairs, a, b, keep
    yield (
        "footprints.parquet",
        pa.table(
            {
                "identificatie": fps["identificatie"].to_numpy(),
                "kind": fps["kind"].to_numpy(),
                "status": fps["status"].to_numpy(),
                "bouwjaar": fps["bouwjaar"].to_numpy(np.int32),
                "active": active,
                # bounds let a loader index footprints without parsing every geometry
                **dict(zip(("xmin", "ymin", "xmax", "ymax"), shapely.bounds(geoms).T, strict=True)),
                "geometry": shapely.to_wkb(geoms, output_dimension=2),
            }
        ),
    )
    del fps, geoms, active

    hoofd_opr = np.where(hoofd >= 0, num_opr[np.maximum(hoofd, 0)], -1)
    yield (
        "units.parquet",
        pa.table(
            {
                "identificatie": units["identificatie"].to_numpy(),
                "objecttype": units["objecttype"].to_numpy(),
                "status": units["status"].to_numpy(),
                "gebruiksdoel": units["gebruiksdoel"].to_numpy(),
                "oppervlakte": units["oppervlakte"].to_numpy(np.int32),
                "x": units["x"].to_numpy(np.float64),
                "y": units["y"].to_numpy(np.float64),
                "hoofdadres": hoofd,
                "openbare_ruimte": hoofd_opr.astype(np.int32),
            }
        ),
    )


def adjacency_table(a: np.ndarray, b: np.ndarray) -> pa.Table:
    """Pairs of footprint rows (a < b) in one canonical order, sorted by (a, b): the table is
    the same whatever order a tree search or a split into parts found them in."""
    order = np.lexsort((b, a))
    return pa.table({"a": a[order].astype(np.int32), "b": b[order].astype(np.int32)})


def count_woningen(units: pa.Table) -> int:
    column = units.column
    return int(
        dwelling_mask(
            column("objecttype").to_numpy(zero_copy_only=False),
            column("status").to_numpy(zero_copy_only=False),
            column("gebruiksdoel").to_numpy(zero_copy_only=False),
            column("hoofdadres").to_numpy(),
        ).sum()
    )


def count_objects(tables: BagTables, woningen: int, adjacent_pairs: int) -> dict[str, int]:
    return {
        "verblijfsobjecten": len(tables.verblijfsobjecten),
        "woningen": woningen,
        "panden": len(tables.panden),
        "nummeraanduidingen": len(tables.nummeraanduidingen),
        "openbare_ruimten": len(tables.openbare_ruimten),
        "woonplaatsen": len(tables.woonplaatsen),
        "ligplaatsen": len(tables.ligplaatsen),
        "standplaatsen": len(tables.standplaatsen),
        "adjacent_pairs": adjacent_pairs,
    }


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def source_files(source: Path) -> list[Path]:
    if source.is_dir():
        return sorted(p for p in source.rglob("*") if p.is_file())
    return [source]


def adjacency_tolerance(value: object, what: str = "tolerantie") -> float:
    """The adjacency tolerance in metres; refused unless a number from 0 to 10."""
    try:
        number = float(str(value).strip())
    except ValueError:
        number = math.nan
    if not 0 <= number <= MAX_ADJACENCY_TOLERANCE:  # also refuses nan
        raise InputError(
            f"{what} {value!r}: geef een afstand in meter van 0 tot en met "
            f"{MAX_ADJACENCY_TOLERANCE:g}, bijv. {DEFAULT_ADJACENCY_TOLERANCE}"
        )
    return number


def check_layer_name(name: str, what: str = "laagnaam") -> str:
    if not LAYER_NAME.fullmatch(name):
        raise InputError(
            f"{what} {name!r}: gebruik kleine letters, cijfers, - en _, beginnend met een letter "
            "of cijfer, bijv. bestemmingsplan"
        )
    return name


def check_dataset_target(out: Path, *, force: bool) -> None:
    """Refuse to write over a folder unless asked to (``force``) and it is a dataset.

    First a dataset that a killed import left under a temporary name is put back, so that it
    is judged, not its absence.
    """
    clean_stale(out)
    if out.exists() and not force:
        raise InputError(f"{out} bestaat al; geef --force om de dataset te vervangen")
    if out.exists() and not (out / "manifest.json").exists():
        raise InputError(
            f"{out} bestaat en is geen spreidingstoets-dataset (geen manifest.json); "
            "die wordt niet vervangen"
        )


def check_layers(tables: BagTables, layers: Mapping[str, ZoningLayer]) -> None:
    """Refuse a layer in degrees (while it says RD New) or one that lies away from the data:
    a rule on it would silently find no zone for any address."""
    points = tables.verblijfsobjecten["geometry"].to_numpy()
    points = points[~shapely.is_missing(points) & ~shapely.is_empty(points)]
    extent = shapely.box(*shapely.total_bounds(points)) if len(points) else None
    for name, layer in sorted(layers.items()):
        require_rd_bounds(f"laag {name} ({layer.source})", layer.geometry)
        if extent is None or not len(layer):
            continue
        bounds = shapely.total_bounds(layer.geometry)
        if not shapely.box(*bounds).intersects(extent.buffer(LAYER_REACH_M)):
            raise InputError(
                f"laag {name} ({layer.source}) ligt niet bij de dataset: de laag beslaat "
                f"{_extent_text(bounds)}, de verblijfsobjecten "
                f"{_extent_text(shapely.total_bounds(points))} (RD, meter); is het de laag van "
                "een andere gemeente?"
            )


def _extent_text(bounds: np.ndarray) -> str:
    x0, y0, x1, y1 = (round(float(v)) for v in bounds)
    return f"x {x0}..{x1}, y {y0}..{y1}"


def _source_records(sources: Sequence[Path]) -> list[dict[str, object]]:
    """Exactly the given sources: a file itself, a folder's files (LVBAG XML), each hashed."""
    records = []
    for source in sources:
        for p in source_files(source):
            rel = f"{source.name}/{p.relative_to(source)}" if source.is_dir() else p.name
            records.append({"path": rel, "bytes": p.stat().st_size, "sha256": file_sha256(p)})
    return records


def write_dataset(
    tables: BagTables,
    source: Path | Sequence[Path],
    out: Path,
    *,
    tolerance: float = DEFAULT_ADJACENCY_TOLERANCE,
    force: bool = False,
    layers: Mapping[str, ZoningLayer] | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, object]:
    """Compile and write the dataset to ``out``: all of it, or nothing.

    Everything is written into a temporary sibling folder which takes the place of ``out`` only
    when complete (:func:`~spreidingstoets.fsio.atomic_folder`), so an interrupted or failed
    import leaves no half dataset behind, and a replaced dataset is at ``out`` at every moment.
    """
    out = out.resolve()
    check_dataset_target(out, force=force)
    tolerance = adjacency_tolerance(tolerance)
    for name in layers or {}:
        check_layer_name(name)
    check_rd_coordinates(tables)  # refuse before anything is written
    if len(tables.verblijfsobjecten) + len(tables.panden) == 0:
        day = tables.reference_date
        raise SourceError(
            f"op de peildatum {day} is geen verblijfsobject of pand geldig in de bron; kies een "
            "latere --date (het extract is van "
            f"{tables.extract_date or 'onbekende datum'})"
            if day is not None
            else "de bron bevat geen verblijfsobjecten en geen panden"
        )
    check_layers(tables, layers or {})
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_folder(out, replace=force) as tmp:
        digests = {}
        woningen = adjacent_pairs = 0
        if progress:
            progress("compiling indexes")
        for name, table in iter_tables(tables, tolerance):
            if progress:
                progress(f"writing {name}")
            pq.write_table(table, tmp / name, compression="zstd", row_group_size=ROW_GROUP_ROWS)
            digests[name] = file_sha256(tmp / name)
            if name == "units.parquet":
                woningen = count_woningen(table)
            elif name == "adjacency.parquet":
                adjacent_pairs = table.num_rows
            del table
        if layers:
            (tmp / "layers").mkdir()
            for name, layer in sorted(layers.items()):
                rel = f"layers/{name}.parquet"
                write_layer(layer, tmp / rel)
                digests[rel] = file_sha256(tmp / rel)
        manifest = _manifest(
            tables,
            tables.gemeentecodes,
            count_objects(tables, woningen, adjacent_pairs),
            [source] if isinstance(source, Path) else list(source),
            tolerance,
            layers or {},
            digests,
        )
        (tmp / "manifest.json").write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
        )
    return manifest


class _PartWriter:
    """A Parquet file written from tables that arrive in parts, in the row groups
    ``pq.write_table`` makes of their concatenation (``ROW_GROUP_ROWS`` each): the file is byte
    for byte the one a single write of the whole table gives."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.schema: pa.Schema | None = None
        self.writer: pq.ParquetWriter | None = None
        self.pending: list[pa.Table] = []
        self.rows = 0

    def add(self, table: pa.Table) -> None:
        if self.schema is None:
            self.schema = table.schema
        elif table.schema != self.schema:
            table = table.cast(self.schema)  # e.g. an all-null column of a later part
        self.pending.append(table)
        self.rows += table.num_rows
        while self.rows >= ROW_GROUP_ROWS:
            self._flush(ROW_GROUP_ROWS)

    def _flush(self, n: int) -> None:
        assert self.schema is not None
        table = pa.concat_tables(self.pending).combine_chunks()
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, self.schema, compression="zstd")
        self.writer.write_table(table.slice(0, n), row_group_size=ROW_GROUP_ROWS)
        rest = table.slice(n)
        self.pending = [rest] if rest.num_rows else []
        self.rows -= n

    def close(self) -> None:
        if self.rows or self.writer is None:
            self._flush(self.rows)
        assert self.writer is not None
        self.writer.close()


def _first_last(table: pa.Table) -> tuple[str, str] | None:
    if table.num_rows == 0 or "identificatie" not in table.column_names:
        return None
    ids = table.column("identificatie")
    return str(ids[0]), str(ids[-1])


def _shift(table: pa.Table, offsets: Mapping[str, int]) -> pa.Table:
    """Row references of one part made global: ``offsets`` per column, -1 (none) kept."""
    for name, offset in offsets.items():
        if offset:
            values = table.column(name).to_numpy()
            shifted = np.where(values >= 0, values + offset, values).astype(values.dtype)
            table = table.set_column(table.schema.get_field_index(name), name, pa.array(shifted))
    return table


def _cross_part_pairs(
    footprints: Path, parts: list[tuple[int, int, np.ndarray]], tolerance: float
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of active footprints within ``tolerance`` of each other that lie in different
    parts: only footprints of a part within reach of another part's extent are read back."""
    from spreidingstoets.dataset.footprints import bounds_index

    empty = np.zeros(0, np.int64)
    extents = np.array([e for _, _, e in parts]).reshape(-1, 4)
    reach = extents + np.array([-tolerance, -tolerance, tolerance, tolerance])
    has = np.isfinite(extents).all(axis=1)
    if has.sum() < 2:
        return empty, empty
    tree = bounds_index(np.flatnonzero(has), extents[has])
    hits, counts = tree.intersection_v(reach[has][:, :2], reach[has][:, 2:])
    p_of = np.repeat(np.flatnonzero(has), counts.astype(np.int64))
    near = [(int(p), int(q)) for p, q in zip(p_of, hits, strict=True) if p != q]
    if not near:
        return empty, empty
    table = pq.read_table(footprints, columns=["active", "xmin", "ymin", "xmax", "ymax"])
    active = table.column("active").to_numpy()
    bounds = np.column_stack([table.column(c).to_numpy() for c in ("xmin", "ymin", "xmax", "ymax")])
    del table
    wanted = np.zeros(len(active), bool)
    for p, q in near:  # footprints of part p that come within reach of part q
        lo, hi = parts[p][0], parts[p][1]
        b, r = bounds[lo:hi], reach[q]
        meets = (b[:, 0] <= r[2]) & (b[:, 2] >= r[0]) & (b[:, 1] <= r[3]) & (b[:, 3] >= r[1])
        wanted[lo:hi] |= meets & active[lo:hi]
    rows = np.flatnonzero(wanted)
    del bounds, wanted, active
    if len(rows) < 2:
        return empty, empty
    wkb = pq.read_table(footprints, columns=["geometry"]).column("geometry").take(pa.array(rows))
    geoms = shapely.from_wkb(wkb.to_numpy(zero_copy_only=False))
    pairs = shapely.STRtree(geoms).query(geoms, predicate="dwithin", distance=tolerance)
    a, b = rows[pairs[0]], rows[pairs[1]]
    starts = np.array([lo for lo, _, _ in parts])
    keep = (a < b) & (np.searchsorted(starts, a, "right") != np.searchsorted(starts, b, "right"))
    return a[keep], b[keep]


def write_dataset_parts(
    parts: Iterable[BagTables],
    gemeentecodes: Sequence[str],
    source: Path | Sequence[Path],
    out: Path,
    *,
    tolerance: float = DEFAULT_ADJACENCY_TOLERANCE,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> dict[str, object]:
    """Compile BAG tables that arrive in parts (one gemeente or tile at a time) into the dataset
    that :func:`write_dataset` makes of the whole, holding one part in memory at a time.

    Each part must be complete in itself (its references resolve within it), share the same
    woonplaatsen table with every other part, and have identificaties that sort after those of
    the part before it (for every object type): then the tables of the parts, one after the
    other with their row references shifted, are the tables of the whole, and the files are
    written in the same row groups, so byte for byte the same. Adjacency across parts is found
    at the end from the footprints near another part's extent. All of it, or nothing: as
    :func:`write_dataset`.
    """
    out = out.resolve()
    check_dataset_target(out, force=force)
    tolerance = adjacency_tolerance(tolerance)
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_folder(out, replace=force) as tmp:
        writers = {n: _PartWriter(tmp / n) for n in DATA_FILES if n != "adjacency.parquet"}
        rows = dict.fromkeys(("units", "addresses", "footprints", "streets"), 0)
        last: dict[str, str] = {}
        woonplaatsen: pa.Table | None = None
        adjacency: list[tuple[np.ndarray, np.ndarray]] = []
        extents: list[tuple[int, int, np.ndarray]] = []
        totals: dict[str, int] = {}
        meta: BagTables | None = None
        woningen = 0
        order: list[str] = []  # file names as the one-piece compile writes them (manifest)
        for i, part in enumerate(parts):
            if meta is None:  # dates, source kind and notes of the first part, not its rows
                meta = BagTables(
                    extract_date=part.extract_date,
                    reference_date=part.reference_date,
                    source_kind=part.source_kind,
                    notes=part.notes,
                )
            check_rd_coordinates(part)
            for key, value in count_objects(part, 0, 0).items():
                totals[key] = totals.get(key, 0) + value
            if progress:
                progress(f"deel {i + 1}: {', '.join(part.gemeentecodes) or '-'}")
            sizes: dict[str, int] = {}
            for name, table in iter_tables(part, tolerance):
                if name not in order:
                    order.append(name)
                span = _first_last(table)
                if name == "woonplaatsen.parquet":
                    if woonplaatsen is None:
                        woonplaatsen = table
                        writers[name].add(table)
                    elif not table.equals(woonplaatsen):
                        raise ValueError("parts must share one woonplaatsen table")
                    continue
                if span is not None:
                    if name in last and span[0] <= last[name]:
                        raise ValueError(f"{name}: part {i + 1} does not sort after the one before")
                    last[name] = span[1]
                if name == "addresses.parquet":
                    table = _shift(
                        table, {"unit": rows["units"], "openbare_ruimte": rows["streets"]}
                    )
                    sizes["addresses"] = table.num_rows
                elif name == "openbare_ruimten.parquet":
                    sizes["streets"] = table.num_rows
                elif name == "unit_footprint.parquet":
                    table = _shift(table, {"unit": rows["units"], "footprint": rows["footprints"]})
                elif name == "adjacency.parquet":
                    a = table.column("a").to_numpy().astype(np.int64) + rows["footprints"]
                    b = table.column("b").to_numpy().astype(np.int64) + rows["footprints"]
                    adjacency.append((a, b))
                    continue
                elif name == "footprints.parquet":
                    sizes["footprints"] = n = table.num_rows
                    act = table.column("active").to_numpy(zero_copy_only=False)
                    box = np.column_stack(
                        [table.column(c).to_numpy() for c in ("xmin", "ymin", "xmax", "ymax")]
                    )[act]
                    box = box[np.isfinite(box).all(axis=1)]
                    extent = (
                        np.r_[box[:, :2].min(axis=0), box[:, 2:].max(axis=0)]
                        if len(box)
                        else np.full(4, np.nan)
                    )
                    extents.append((rows["footprints"], rows["footprints"] + n, extent))
                elif name == "units.parquet":
                    table = _shift(
                        table,
                        {"hoofdadres": rows["addresses"], "openbare_ruimte": rows["streets"]},
                    )
                    sizes["units"] = table.num_rows
                    woningen += count_woningen(table)
                writers[name].add(table)
                del table
            for key, value in sizes.items():
                rows[key] += value
            del part
        if meta is None or totals.get("verblijfsobjecten", 0) + totals.get("panden", 0) == 0:
            raise SourceError("de bron bevat geen verblijfsobjecten en geen panden")
        for writer in writers.values():
            writer.close()
        if progress:
            progress("aangrenzing tussen de delen")
        cross = _cross_part_pairs(tmp / "footprints.parquet", extents, tolerance)
        a = np.concatenate([x for x, _ in adjacency] + [cross[0]])
        b = np.concatenate([y for _, y in adjacency] + [cross[1]])
        del adjacency
        pq.write_table(
            adjacency_table(a, b),
            tmp / "adjacency.parquet",
            compression="zstd",
            row_group_size=ROW_GROUP_ROWS,
        )
        totals["woningen"], totals["adjacent_pairs"] = woningen, len(a)
        totals["woonplaatsen"] = woonplaatsen.num_rows if woonplaatsen is not None else 0
        digests = {name: file_sha256(tmp / name) for name in order}
        manifest = _manifest(
            meta,
            gemeentecodes,
            totals,
            [source] if isinstance(source, Path) else list(source),
            tolerance,
            {},
            digests,
        )
        (tmp / "manifest.json").write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
        )
    return manifest


def _manifest(
    meta: BagTables,
    gemeenten: Sequence[str],
    counts: dict[str, int],
    source_paths: Sequence[Path],
    tolerance: float,
    layers: Mapping[str, ZoningLayer],
    digests: dict[str, str],
) -> dict[str, object]:
    """The manifest of a dataset whose files have the given digests; dates, source kind and
    notes from ``meta``."""
    combined = hashlib.sha256("".join(f"{n}:{d}\n" for n, d in sorted(digests.items())).encode())
    sha = combined.hexdigest()
    sources = _source_records(source_paths)
    codes = (
        "-".join(gemeenten)
        if 0 < len(gemeenten) <= 4
        else f"{len(gemeenten)}gem"
        if gemeenten
        else "bag"
    )
    manifest: dict[str, object] = {
        "format_version": FORMAT_VERSION,
        "software": f"spreidingstoets {__version__}",
        "dataset_id": f"{codes}-{meta.extract_date or meta.reference_date or 'undated'}-{sha[:12]}",
        "sha256": sha,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "source_kind": meta.source_kind,
        "sources": sources,
        "extract_date": meta.extract_date.isoformat() if meta.extract_date else None,
        "reference_date": meta.reference_date.isoformat() if meta.reference_date else None,
        "gemeentecodes": list(gemeenten),
        "crs": "EPSG:28992",
        "notes": meta.notes,
        "adjacency_tolerance_m": tolerance,
        "counts": counts,
        "layers": {
            name: {"source": layer.source, "features": len(layer), "names": len(layer.names())}
            for name, layer in sorted(layers.items())
        },
        "files": digests,
    }
    return manifest
