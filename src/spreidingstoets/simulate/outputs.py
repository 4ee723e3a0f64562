"""What a planner takes away from a simulation: tables, GeoPackage, GeoJSON, CSV, map, HTML.

Everything is written into one temporary folder that replaces the output folder only when all
files are complete (``fsio.atomic_folder``). Dutch column names and texts: a planner reads them
in QGIS, Excel or a browser.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import json
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from spreidingstoets.dataset.model import Dataset
from spreidingstoets.domain.vocabulary import OUTCOME_NL, OVERALL_NL
from spreidingstoets.report.labels import number
from spreidingstoets.simulate.core import SimulationResult

CRS = "EPSG:28992"
OVERALL_COLOURS = {"allowed": "#1a9850", "review": "#f39c12", "refused": "#d73027"}
OVERALL_ORDER = ("allowed", "review", "refused")
CLASS_COLOURS = {**OVERALL_COLOURS, "open": "#74add1"}
CLASS_ORDER = ("allowed", "open", "review", "refused")
COUNTED_COLOUR = "#111111"
FOOTPRINT_FACE = "#e6e6e6"
FOOTPRINT_EDGE = "#b5b5b5"
MAX_STREETS_IN_HTML = 40
# Beyond these counts in view a map draws footprints, and a layer its dwellings, as pixels (an
# image at about the map's resolution) instead of one shape or marker each: at national scale
# a pand is far smaller than a pixel, and millions of patches or markers take many minutes.
MAP_MAX_SHAPES = 200_000
MAP_MAX_MARKERS = 200_000
GEOJSON_MAX_FEATURES = 1_000_000  # beyond this, the GeoPackage only
DWELLING_ROWS = 500_000  # rows of the dwelling table built and written at a time
# The streets layer's geometries, made when that layer is written, after the dwellings: at
# national scale their points take about a gigabyte, which the dwellings' pieces need then.
StreetGeometries = Callable[[], Any]
THREADED_RTREE = "OGR_GPKG_ALLOW_THREADED_RTREE"
RASTER_WIDTH = 1400  # pixels across the map when drawn as pixels (the map is about as wide)


# ---- tables -------------------------------------------------------------------------------


def _python(value: Any) -> Any:
    """A figure as plain Python: NaN as None, numpy scalars as int/float/str."""
    if value is None:
        return None
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _whole(values: np.ndarray) -> bool:
    """Is a float figure column whole numbers (with gaps)? Then it is written as integers."""
    if values.dtype.kind != "f":
        return False
    finite = values[~np.isnan(values)]
    return len(finite) == len(values) == 0 or bool(
        len(finite) and np.all(finite == np.round(finite)) and np.abs(finite).max() < 2**53
    )


def _column(values: np.ndarray, whole: bool | None = None) -> Any:
    """A figure column for pandas: whole numbers with gaps as nullable integers (``whole``:
    decided already, over the whole column of which ``values`` is a piece)."""
    if _whole(values) if whole is None else whole:
        gap = np.isnan(values)
        return pd.arrays.IntegerArray(np.where(gap, 0.0, values).astype(np.int64), gap)
    return values


def _labels(values: np.ndarray, names: dict[str, str]) -> list[str]:
    """``[names[v] for v in values]``, by one comparison per name (there are few)."""
    out = np.full(len(values), None, dtype=object)
    done = np.zeros(len(values), bool)
    for value, name in names.items():
        here = values == value
        out[here] = name
        done |= here
    if not done.all():
        raise KeyError(values[np.flatnonzero(~done)[0]])
    return out.tolist()


def address_labels(ds: Dataset, addresses: np.ndarray) -> list[str]:
    """``Dataset.address_label`` of many address rows, built column by column."""
    a = np.asarray(addresses, dtype=np.int64)
    if len(a) == 0:
        return []
    has = a >= 0
    r = np.where(has, a, 0)
    s = ds.addr_street[r]
    naam = np.where(s >= 0, ds.street_naam[np.maximum(s, 0)].astype(str), "?").astype(object)
    label = naam + " " + ds.addr_huisnummer[r].astype(np.int64).astype(str).astype(object)
    for values, sep in ((ds.addr_huisletter[r], ""), (ds.addr_toevoeging[r], "-")):
        there = values.astype(bool)
        if there.any():
            label[there] = label[there] + sep + values[there].astype(str).astype(object)
    w = ds.addr_woonplaats[r]
    there = w >= 0
    label[there] = label[there] + ", " + ds.woonplaats_naam[w[there]].astype(str).astype(object)
    label[~has] = "(geen adres)"
    return label.tolist()


def location_columns(ds: Dataset, units: np.ndarray) -> dict[str, Any]:
    """Where each unit is: identificatie, address, openbare ruimte and street, x and y."""
    street = ds.unit_street[units]
    has = street >= 0
    s = np.where(has, street, 0)
    return {
        "verblijfsobject": ds.unit_id[units].astype(str),
        "adres": address_labels(ds, ds.unit_hoofdadres[units]),
        "openbare_ruimte": np.where(has, ds.street_id[s].astype(str), ""),
        "straat": np.where(has, ds.street_naam[s].astype(str), ""),
        "x": ds.unit_xy[units, 0],
        "y": ds.unit_xy[units, 1],
    }


def dwelling_table(result: SimulationResult, ds: Dataset) -> pd.DataFrame:
    """One row per candidate dwelling: where it is, the outcome, the deciding rules, and per
    rule its outcome and figures (columns ``<rule>.uitkomst`` and ``<rule>.<figure>``)."""
    return next(dwelling_tables(result, ds, rows=max(len(result), 1)))


def dwelling_tables(
    result: SimulationResult, ds: Dataset, rows: int = DWELLING_ROWS
) -> Iterator[pd.DataFrame]:
    """:func:`dwelling_table` in pieces of ``rows`` rows, each column typed over the whole
    table: written one after the other, they make the file the whole table makes, without
    holding all of it (ten million rows of some forty columns) at once."""
    whole = {
        (r.rule, name): _whole(values) for r in result.rules for name, values in r.figures.items()
    }
    for start in range(0, max(len(result), 1), rows):
        part = slice(start, start + rows)
        piece = result.take(np.arange(start, min(start + rows, len(result))))
        data: dict[str, Any] = {
            **location_columns(ds, result.units[part]),
            "uitkomst": _labels(result.overall[part], OVERALL_NL),
            "outcome": result.overall[part].astype(str),
            "klasse": piece.classes().astype(str),  # each candidate's own: per piece
            "beslissend": piece.deciding(),
        }
        del piece
        for r in result.rules:
            # ``<rule>.uitkomst``: a rule id may be a location column's name (Tiel's ``straat``)
            data[f"{r.rule}.uitkomst"] = _labels(r.outcome[part], OUTCOME_NL)
            for name, values in r.figures.items():
                data[f"{r.rule}.{name}"] = _column(values[part], whole[(r.rule, name)])
        yield pd.DataFrame(data)


def _counts_by(keys: np.ndarray, result: SimulationResult) -> pd.DataFrame:
    """Candidates per key and per class (``SimulationResult.classes``), Dutch column names."""
    classes = result.classes()
    shown = [c for c in CLASS_ORDER if c != "open" or result.non_deciding()]
    names = short_class_labels(result.non_deciding())
    frame = pd.DataFrame({"key": keys, "klasse": classes})
    table = frame.groupby(["key", "klasse"]).size().unstack(fill_value=0)
    for c in shown:
        if c not in table.columns:
            table[c] = 0
    table = table[shown].rename(columns={c: names[c] for c in shown})
    table.insert(0, "kandidaten", table.sum(axis=1))
    return table


def short_class_labels(non_deciding: Sequence[str]) -> dict[str, str]:
    """Column names of the classes."""
    return {
        "allowed": OVERALL_NL["allowed"],
        "open": f"alleen {', '.join(non_deciding)}",
        "review": OVERALL_NL["review"],
        "refused": OVERALL_NL["refused"],
    }


def street_place(ds: Dataset, street: int) -> str:
    """The woonplaats of an openbare ruimte (two streets may share a name)."""
    w = int(ds.street_woonplaats[street])
    return str(ds.woonplaats_naam[w]) if w >= 0 else ""


def most_refusing(result: SimulationResult, keys: np.ndarray, rows: np.ndarray) -> list[str]:
    """Per group key in ``rows``: the rule that refuses most of its refused candidates (the
    first rule in the ruleset's order on a tie), by one count per rule over every group."""
    refused = result.overall == "refused"
    groups, inverse = np.unique(keys, return_inverse=True)
    at = np.searchsorted(groups, rows)
    found = (at < len(groups)) & (groups[np.minimum(at, len(groups) - 1)] == rows)
    at = np.where(found, at, 0)
    if not result.rules or not len(groups):
        return [""] * len(rows)
    fails = np.stack(
        [
            np.bincount(inverse[refused & (r.outcome == "fail")], minlength=len(groups))
            for r in result.rules
        ],
        axis=1,
    )[at]
    best = fails.argmax(axis=1)
    n = fails[np.arange(len(rows)), best]
    has = found & (np.bincount(inverse[refused], minlength=len(groups))[at] > 0) & (n > 0)
    names = [r.rule for r in result.rules]
    return [
        f"{names[b]} ({k})" if h else ""
        for b, k, h in zip(best.tolist(), n.tolist(), has.tolist(), strict=True)
    ]


def street_table(result: SimulationResult, ds: Dataset) -> pd.DataFrame:
    """Per openbare ruimte: candidates and their outcomes; with a street_share rule also the
    dwellings, those counted now and the permits the street rule still allows."""
    street = ds.unit_street[result.units]
    keys = np.where(street >= 0, street, -1)
    table = _counts_by(keys, result)
    rows = table.index.to_numpy()
    has = rows >= 0
    s = np.where(has, rows, 0)
    table.insert(
        0,
        "woonplaats",
        [street_place(ds, int(x)) if h else "" for x, h in zip(s, has, strict=True)],
    )
    table.insert(0, "straat", np.where(has, ds.street_naam[s].astype(str), "(geen straat)"))
    table.insert(0, "openbare_ruimte", np.where(has, ds.street_id[s].astype(str), ""))
    table["vaakst weigerend"] = most_refusing(result, keys, rows)
    share = next((r for r in result.rules if r.type == "street_share"), None)
    if share is not None and "headroom" in share.figures:
        frame = pd.DataFrame(
            {
                "key": keys,
                "woningen": share.figures["dwellings"],
                "meetellend": share.figures["existing"],
                "vrij": share.figures["headroom"] + 1,
            }
        )
        # the same per street for every candidate that does not count itself
        per = frame.groupby("key")[["woningen", "meetellend", "vrij"]].max()
        table = table.join(per)
        table["vrij"] = table["vrij"].clip(lower=0)
        table = table.rename(columns={"vrij": f"nog toegestaan ({share.rule})"})
    return table.reset_index(drop=True).sort_values(
        ["kandidaten", "straat"], ascending=[False, True], kind="stable"
    )


def area_table(result: SimulationResult, ds: Dataset, layer_name: str) -> pd.DataFrame:
    """Per area of a loaded layer (the first that holds a candidate's point)."""
    import shapely

    layer = ds.layers[layer_name]
    where, zone = layer.tree.query(shapely.points(ds.unit_xy[result.units]), predicate="covered_by")
    first = np.full(len(result), -1, np.int64)
    order = np.lexsort((zone, where))
    where, zone = where[order], zone[order]
    lead = np.r_[True, where[1:] != where[:-1]] if len(where) else np.zeros(0, bool)
    first[where[lead]] = zone[lead]
    table = _counts_by(first, result)
    rows = table.index.to_numpy()
    has = rows >= 0
    z = np.where(has, rows, 0)
    table.insert(0, "gebied", np.where(has, layer.naam[z].astype(str), "(buiten de laag)"))
    table.insert(0, "gebied_id", np.where(has, layer.identificatie[z].astype(str), ""))
    return table.reset_index(drop=True)


def rule_table(result: SimulationResult) -> pd.DataFrame:
    """Per rule: how often each outcome, and how it was computed."""
    path_nl = {
        "vectorised": "gevectoriseerd",
        "vectorised+exact": "gevectoriseerd, enkele per aanvraag",
        "per_application": "per aanvraag (geen gevectoriseerd pad voor deze parameters)",
        "per_location": "per locatie (een keer per pand)",
        "not_applicable": "geldt niet voor deze soort",
    }
    rows = []
    for r in result.rules:
        counts = {OUTCOME_NL[o]: int((r.outcome == o).sum()) for o in OUTCOME_NL}
        rows.append(
            {
                "regel": r.rule,
                "type": r.type,
                **counts,
                "berekend": path_nl.get(r.path, r.path),
                "per aanvraag": r.exact,
            }
        )
    return pd.DataFrame(rows)


# ---- geodata --------------------------------------------------------------------------------


def points_frame(table: pd.DataFrame) -> Any:
    import geopandas as gpd

    return gpd.GeoDataFrame(table, geometry=gpd.points_from_xy(table["x"], table["y"]), crs=CRS)


def street_geometries(ds: Dataset, table: pd.DataFrame, units: np.ndarray) -> list[Any]:
    """Per street row: the points of its candidate dwellings (a MultiPoint)."""
    import shapely

    street = ds.unit_street[units].astype(np.int64)
    order = np.argsort(street, kind="stable")  # each street's units in their own order
    ordered = street[order]
    first: dict[str, int] = {}
    for row, sid in enumerate(ds.street_id.astype(str).tolist()):
        first.setdefault(sid, row)
    wanted = np.array([first[sid] if sid else -1 for sid in table["openbare_ruimte"].tolist()])
    wanted = wanted.astype(np.int64)
    # every street's stretch of ``ordered`` in one search (no street: every unit without one)
    starts = np.searchsorted(ordered, np.where(wanted >= 0, wanted, -(2**62)))
    ends = np.searchsorted(ordered, np.where(wanted >= 0, wanted + 1, 0))
    return [
        shapely.multipoints(ds.unit_xy[units[order[a:b]]])
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True)
    ]


def write_geodata(
    folder: Path,
    name: str,
    points: pd.DataFrame,
    streets: pd.DataFrame | None,
    street_geoms: StreetGeometries | None,
    notes: list[str] | None = None,
) -> list[str]:
    """``name.gpkg`` (layers woningen and straten), ``name.geojson`` (WGS84, RFC 7946).

    GeoJSON only up to ``GEOJSON_MAX_FEATURES`` dwellings (a note in ``notes`` says so): at
    national scale it would be about 12 GB of text that no GIS opens well, where the GeoPackage
    holds the same. Written through Arrow (``use_arrow``): the same layers, faster.
    """
    frame = points_frame(points)
    gpkg = folder / f"{name}.gpkg"
    _write_layer(frame, gpkg, "woningen")
    _write_streets(gpkg, streets, street_geoms)
    geojson = folder / f"{name}.geojson"
    if len(frame) > GEOJSON_MAX_FEATURES:
        _no_geojson(geojson, gpkg, notes)
        return [gpkg.name]
    frame.to_crs("EPSG:4326").to_file(geojson, driver="GeoJSON", engine="pyogrio", use_arrow=True)
    return [gpkg.name, geojson.name]


def _write_layer(frame: Any, gpkg: Path, layer: str) -> None:
    frame.to_file(gpkg, layer=layer, driver="GPKG", engine="pyogrio", use_arrow=True)


def _write_streets(
    gpkg: Path, streets: pd.DataFrame | None, geoms: StreetGeometries | None
) -> None:
    import geopandas as gpd

    if streets is not None and geoms is not None:
        _write_layer(gpd.GeoDataFrame(streets, geometry=geoms(), crs=CRS), gpkg, "straten")


def _no_geojson(geojson: Path, gpkg: Path, notes: list[str] | None) -> None:
    if notes is not None:
        notes.append(
            f"Geen {geojson.name}: meer dan {number(GEOJSON_MAX_FEATURES)} woningen; de "
            f"kaartlagen staan in {gpkg.name}."
        )


def write_dwellings(
    folder: Path,
    name: str,
    result: SimulationResult,
    ds: Dataset,
    streets: pd.DataFrame,
    street_geoms: StreetGeometries,
    notes: list[str] | None = None,
    rows: int | None = None,
) -> list[str]:
    """``woningen.csv`` and :func:`write_geodata` of the :func:`dwelling_table`; beyond
    ``rows`` dwellings (and the GeoJSON limit) built and written ``rows`` at a time, the CSV
    and the GeoPackage layer appended to, so the whole table is never in memory."""
    rows = rows or DWELLING_ROWS
    if len(result) <= max(rows, GEOJSON_MAX_FEATURES):
        table = dwelling_table(result, ds)
        return [
            write_csv(folder, "woningen", table),
            *write_geodata(folder, name, table, streets, street_geoms, notes),
        ]
    import pyarrow as pa
    import shapely
    from pyogrio import get_gdal_config_option, set_gdal_config_options
    from pyogrio.raw import write_arrow

    csv, gpkg = folder / "woningen.csv", folder / f"{name}.gpkg"
    release_memory()  # what the simulation freed, before the tables

    def pieces() -> Iterator[pa.RecordBatch]:
        """Each piece's rows to the CSV, and as Arrow batches for the layer (the table
        ``to_file(use_arrow=True)`` makes of the points frame)."""
        schema = None
        for k, frame in enumerate(dwelling_tables(result, ds, rows)):
            frame.to_csv(csv, index=False, encoding="utf-8", mode="a" if k else "w", header=not k)
            frame["geometry"] = shapely.to_wkb(shapely.points(frame["x"], frame["y"]))
            table = pa.Table.from_pandas(frame, preserve_index=False)
            del frame
            if schema is None:  # a column without values is text (as GDAL takes it)
                schema = pa.schema(
                    [
                        f.with_type(pa.string()) if pa.types.is_null(f.type) else f
                        for f in table.schema
                    ]
                )
            yield from table.cast(schema).to_batches()
            del table
            release_memory()

    # one layer written from the stream of pieces (GDAL builds its spatial index once, at the
    # end; appending piece by piece updated it row by row)
    stream = pieces()
    head = [next(stream)]  # the first batch names the layer's schema

    def batches() -> Iterator[pa.RecordBatch]:
        yield head.pop()  # not held once written
        yield from stream

    # GDAL's R-tree builder in a thread of its own keeps the rows' boxes in memory while they
    # come (about 30 bytes a row, more when the thread falls behind); without it the index is
    # built from the written table at the end: a few seconds more at ten million rows.
    previous = get_gdal_config_option(THREADED_RTREE)
    set_gdal_config_options({THREADED_RTREE: "NO"})
    try:
        write_arrow(
            pa.RecordBatchReader.from_batches(head[0].schema, batches()),
            gpkg,
            layer="woningen",
            driver="GPKG",
            geometry_name="geometry",
            geometry_type="Point",
            crs=CRS,
        )
    finally:
        set_gdal_config_options({THREADED_RTREE: previous})
    _write_streets(gpkg, streets, street_geoms)
    _no_geojson(folder / f"{name}.geojson", gpkg, notes)
    return [csv.name, gpkg.name]


def release_memory() -> None:
    """Hand freed heap memory back to the system: Arrow's pool (pandas keeps text in Arrow)
    and glibc's heap (``malloc_trim``; elsewhere nothing). After millions of objects come and
    go, the process would otherwise keep gigabytes it no longer uses."""
    import contextlib
    import ctypes
    import ctypes.util
    import sys

    if "pyarrow" in sys.modules:
        sys.modules["pyarrow"].default_memory_pool().release_unused()
    with contextlib.suppress(OSError, AttributeError, TypeError):
        ctypes.CDLL(ctypes.util.find_library("c")).malloc_trim(0)


# ---- the map --------------------------------------------------------------------------------


@dataclass
class MapLayer:
    """Dwellings drawn in one colour with one legend entry."""

    label: str
    xy: np.ndarray
    colour: str
    size: float = 14.0
    marker: str = "o"
    edge: str | None = None
    zorder: int = 3


@dataclass
class MapSpec:
    title: str
    layers: list[MapLayer]
    subtitle: str = ""
    extent: tuple[float, float, float, float] | None = None
    notes: list[str] = field(default_factory=list)


def map_extent(
    xy: np.ndarray, places: np.ndarray | None = None, names: np.ndarray | None = None
) -> tuple[tuple[float, float, float, float], list[str]]:
    """The map's extent around ``xy``, and what it leaves out.

    A few dwellings in another woonplaats far from the rest (a hamlet) would shrink everything
    else to dots: with ``places`` (the woonplaats per point) the view covers the woonplaatsen
    that together hold 95% of the points, largest first, and names those left out. With
    ``names`` (sorted), ``places`` are indexes into it, -1 for none (``unit_place_codes``).
    """
    if len(xy) == 0:
        return (0.0, 0.0, 1.0, 1.0), []
    keep = np.ones(len(xy), bool)
    left_out: list[str] = []
    if places is not None and len(xy) >= 20:
        values, counts = np.unique(places, return_counts=True)
        labels = values if names is None else [str(names[v]) if v >= 0 else "" for v in values]
        order = np.argsort(-counts, kind="stable")
        cumulative = np.cumsum(counts[order]) / len(xy)
        n_keep = int(np.searchsorted(cumulative, 0.95)) + 1
        keep = np.isin(places, values[order[:n_keep]])
        left_out = [f"{labels[k]} ({number(int(counts[k]))})" for k in order[n_keep:]]
    lo, hi = xy[keep].min(axis=0), xy[keep].max(axis=0)
    pad = max(40.0, 0.04 * float(max(hi - lo)))
    extent = (float(lo[0] - pad), float(lo[1] - pad), float(hi[0] + pad), float(hi[1] + pad))
    x0, y0, x1, y1 = extent
    inside = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
    if left_out and inside.all():
        left_out = []  # close enough to be on the map anyway
    return extent, left_out


def outside_note(left_out: list[str]) -> list[str]:
    if not left_out:
        return []
    return [f"Buiten de kaart (zie de tabellen): woningen in {', '.join(left_out)}."]


def unit_place_codes(ds: Dataset, units: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The woonplaats of each unit's hoofdadres as (indexes into the sorted distinct woonplaats
    names, -1 without one; those names): grouped by name, without a string per unit."""
    names, inverse = np.unique(ds.woonplaats_naam.astype(str), return_inverse=True)
    addr = ds.unit_hoofdadres[units]
    w = np.where(addr >= 0, ds.addr_woonplaats[np.maximum(addr, 0)], -1)
    codes = np.where(w >= 0, inverse.reshape(-1)[np.maximum(w, 0)], -1) if len(names) else w
    return codes.astype(np.int64), names


def _extent(spec: MapSpec) -> tuple[float, float, float, float]:
    if spec.extent is not None:
        return spec.extent
    xy = np.concatenate([layer.xy for layer in spec.layers if len(layer.xy)] or [np.zeros((1, 2))])
    extent, _ = map_extent(xy)
    return extent


def _nice_length(metres: float) -> float:
    """A round length near ``metres`` for the scale bar: 1, 2 or 5 times a power of ten."""
    if metres <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(metres))
    return float(max(m * power for m in (1, 2, 5) if m * power <= metres))


def _scale_label(value: float, _units: str) -> str:
    return f"{value:g} m" if value < 1000 else f"{value / 1000:g} km"


def render_map(ds: Dataset, spec: MapSpec) -> bytes:
    """A PNG map: pand footprints in grey, the layers on top, a legend and a scale bar."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MplPath
    from matplotlib_scalebar.scalebar import ScaleBar

    xmin, ymin, xmax, ymax = _extent(spec)
    width, height = xmax - xmin, ymax - ymin
    aspect = height / width if width > 0 else 1.0
    fig_w = 11.0
    legend_rows = 1 if len(spec.layers) <= 4 else 2
    # the figure is as tall as the map needs at this width, plus the title and the legend
    below = 0.55 + 0.25 * legend_rows
    map_h = min(max(fig_w * 0.96 * aspect, 3.0), 13.0)
    fig_h = map_h + 0.75 + below
    fig, ax = plt.subplots(figsize=(fig_w, fig_h), dpi=130)
    # footprints in view: by their stored bounds, so no geometry is parsed outside it
    b = ds.footprints.bounds
    rows = np.flatnonzero(
        ds.fp_active & (b[:, 0] <= xmax) & (b[:, 2] >= xmin) & (b[:, 1] <= ymax) & (b[:, 3] >= ymin)
    )
    raster = _Raster((xmin, ymin, xmax, ymax))
    if len(rows) > MAP_MAX_SHAPES:
        ax.imshow(raster.image(_bounds_centres(b[rows]), FOOTPRINT_FACE, b[rows]), **raster.show(1))
        rows = rows[:0]
    patches = []
    for g in ds.footprints.geoms(rows):
        if g is None or g.is_empty:
            continue
        for poly in getattr(g, "geoms", [g]):
            if poly.geom_type != "Polygon":
                continue
            rings = [poly.exterior, *poly.interiors]
            verts = np.concatenate([np.asarray(r.coords)[:, :2] for r in rings])
            codes = np.concatenate(
                [
                    [MplPath.MOVETO] + [MplPath.LINETO] * (len(r.coords) - 2) + [MplPath.CLOSEPOLY]
                    for r in rings
                ]
            )
            patches.append(PathPatch(MplPath(verts, codes)))
    ax.add_collection(
        PatchCollection(
            patches, facecolor=FOOTPRINT_FACE, edgecolor=FOOTPRINT_EDGE, linewidth=0.3, zorder=1
        )
    )
    # dots scale with the view: a whole town gets small dots, a street larger ones
    span = max(width, height)
    scale = float(np.clip(600.0 / span, 0.35, 2.5)) if span > 0 else 1.0
    from matplotlib.lines import Line2D

    handles = []
    # beyond MAP_MAX_MARKERS dwellings in a layer, every filled layer is drawn as pixels, each
    # pixel in the colour of the layer holding most of its dwellings; rings (layers without a
    # fill, such as the counted dwellings) are left out then: at that scale they cover all
    pixels = any(len(layer.xy) > MAP_MAX_MARKERS for layer in spec.layers)
    if pixels:
        filled = [layer for layer in spec.layers if layer.colour != "none"]
        image = raster.majority([layer.xy for layer in filled], [lay.colour for lay in filled])
        ax.imshow(image, **raster.show(3))
    for layer in spec.layers:
        if len(layer.xy) and not pixels:
            ax.scatter(
                layer.xy[:, 0],
                layer.xy[:, 1],
                s=layer.size * scale,
                c=layer.colour,
                marker=layer.marker,
                edgecolors=layer.edge or "none",
                linewidths=0.8 if layer.edge else 0,
                zorder=layer.zorder,
            )
        handles.append(
            Line2D(
                [],
                [],
                linestyle="none",
                marker=layer.marker,
                markersize=7,
                markerfacecolor=layer.colour,
                markeredgecolor=layer.edge or layer.colour,
                label=f"{layer.label} ({number(len(layer.xy))})",
            )
        )
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ax.spines.values():
        side.set_color("#999999")
    top = 1 - 0.75 / fig_h  # title and subtitle above the map, in figure coordinates
    fig.text(0.01, 1 - 0.2 / fig_h, spec.title, fontsize=12, ha="left", va="top")
    if spec.subtitle:
        fig.text(0.01, 1 - 0.48 / fig_h, spec.subtitle, fontsize=8.5, color="#444444", va="top")
    # below the map, so it never hides dwellings
    ncol = len(handles) if legend_rows == 1 else (len(handles) + 1) // 2
    # matplotlib fills a legend column by column: order the entries so they read by row
    order = [r * ncol + c for c in range(ncol) for r in range(legend_rows)]
    handles = [handles[i] for i in order if i < len(handles)]
    fig.legend(
        handles=handles,
        loc="lower center",
        bbox_to_anchor=(0.5, 0.3 / fig_h),
        ncol=ncol,
        fontsize=8.5,
        frameon=False,
    )
    ax.add_artist(
        ScaleBar(
            1,
            units="m",
            location="lower left",
            frameon=True,
            box_alpha=0.85,
            fixed_value=_nice_length(width / 6),
            fixed_units="m",
            label_formatter=_scale_label,
            font_properties={"size": 8},
        )
    )
    footer = "Ondergrond: BAG-pandcontouren (grijs). RD New (EPSG:28992)."
    if raster.used:
        footer += " Panden per beeldpunt."
    if pixels:
        footer += (
            " Woningen per beeldpunt, in de kleur van de meeste daar; meetellende niet omcirkeld."
        )
    if spec.notes:
        footer += " " + " ".join(spec.notes)
    fig.text(0.01, 0.08 / fig_h, footer, fontsize=7, color="#555555", ha="left", va="bottom")
    fig.subplots_adjust(left=0.02, right=0.98, top=top, bottom=below / fig_h)
    out = io.BytesIO()
    fig.savefig(out, format="png")
    plt.close(fig)
    return out.getvalue()


def _bounds_centres(bounds: np.ndarray) -> np.ndarray:
    return np.column_stack([(bounds[:, 0] + bounds[:, 2]) / 2, (bounds[:, 1] + bounds[:, 3]) / 2])


class _Raster:
    """An RGBA image over a map's extent, about as fine as the map's pixels."""

    def __init__(self, extent: tuple[float, float, float, float]) -> None:
        self.extent = extent
        xmin, ymin, xmax, ymax = extent
        self.width = RASTER_WIDTH
        ratio = (ymax - ymin) / (xmax - xmin) if xmax > xmin else 1.0
        self.height = max(1, round(RASTER_WIDTH * ratio))
        self.used = False

    def _cells(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of each point as floats (outside the image when off the map)."""
        xmin, ymin, xmax, ymax = self.extent
        col = np.floor((x - xmin) / (xmax - xmin) * self.width)
        row = np.floor((y - ymin) / (ymax - ymin) * self.height)
        return row, col

    def image(self, xy: np.ndarray, colour: str, bounds: np.ndarray | None = None) -> np.ndarray:
        """``colour`` in every pixel holding a point of ``xy`` (with ``bounds``, also every
        pixel a box wider than one pixel covers), transparent elsewhere."""
        from matplotlib.colors import to_rgba

        self.used = True
        rgba = to_rgba(colour)
        img = np.zeros((self.height, self.width, 4), np.float32)
        row, col = self._cells(xy[:, 0], xy[:, 1])
        inside = (col >= 0) & (col < self.width) & (row >= 0) & (row < self.height)
        img[row[inside].astype(np.int64), col[inside].astype(np.int64)] = rgba
        if bounds is not None and len(bounds):
            r0, c0 = self._cells(bounds[:, 0], bounds[:, 1])
            r1, c1 = self._cells(bounds[:, 2], bounds[:, 3])
            big = ((r1 > r0) | (c1 > c0)) & (r1 >= 0) & (c1 >= 0)
            big &= (r0 < self.height) & (c0 < self.width)
            for a, b, c, d in zip(
                *(v[big].astype(np.int64).tolist() for v in (r0, r1, c0, c1)), strict=True
            ):
                img[max(a, 0) : b + 1, max(c, 0) : d + 1] = rgba
        return img

    def majority(self, layers: list[np.ndarray], colours: list[str]) -> np.ndarray:
        """Per pixel the colour of the layer with the most points in it (the later layer on
        a tie), transparent where none has any."""
        from matplotlib.colors import to_rgba

        size = self.height * self.width
        counts = np.zeros((len(layers), size), np.int64)
        for k, xy in enumerate(layers):
            row, col = self._cells(xy[:, 0], xy[:, 1])
            inside = (col >= 0) & (col < self.width) & (row >= 0) & (row < self.height)
            cell = row[inside].astype(np.int64) * self.width + col[inside].astype(np.int64)
            counts[k] = np.bincount(cell, minlength=size)
        img = np.zeros((size, 4), np.float32)
        if len(layers):
            best = len(layers) - 1 - counts[::-1].argmax(axis=0)
            palette = np.array([to_rgba(c) for c in colours], np.float32)
            some = counts.sum(axis=0) > 0
            img[some] = palette[best[some]]
        return img.reshape(self.height, self.width, 4)

    def show(self, zorder: int) -> dict[str, Any]:
        """``imshow`` arguments placing the image on the map."""
        xmin, ymin, xmax, ymax = self.extent
        return {
            "extent": (xmin, xmax, ymin, ymax),
            "origin": "lower",
            "interpolation": "nearest",
            "zorder": zorder,
            "aspect": "auto",
        }


def class_labels(non_deciding: Sequence[str]) -> dict[str, str]:
    """Dutch legend texts of the map classes (``SimulationResult.classes``)."""
    rest = ", ".join(non_deciding) or "-"
    return {
        "allowed": OVERALL_NL["allowed"],
        "open": f"voldoet; alleen {rest} nog te beoordelen",
        "review": "nader beoordelen (beslissende regel)" if non_deciding else OVERALL_NL["review"],
        "refused": OVERALL_NL["refused"],
    }


def outcome_layers(
    ds: Dataset,
    units: np.ndarray,
    classes: np.ndarray,
    counted: np.ndarray,
    non_deciding: Sequence[str] = (),
) -> list[MapLayer]:
    """The simulation's map layers: each class in its colour, counted dwellings marked."""
    labels = class_labels(non_deciding)
    layers = [
        MapLayer(labels[c], ds.unit_xy[units[classes == c]], CLASS_COLOURS[c])
        for c in CLASS_ORDER
        if c != "open" or non_deciding
    ]
    layers.append(
        MapLayer(
            "telt al mee (register)",
            ds.unit_xy[counted],
            "none",
            size=30,
            marker="o",
            edge=COUNTED_COLOUR,
            zorder=4,
        )
    )
    return layers


# ---- HTML -----------------------------------------------------------------------------------

PAGE = """<!doctype html>
<html lang="nl">
<head>
<meta charset="utf-8">
<title>{{ title }}</title>
<style>
 body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto;
        max-width: 1100px; color: #222; line-height: 1.4; padding: 0 1em; }
 h1 { font-size: 1.5em; margin-bottom: .2em; }
 h2 { font-size: 1.15em; margin-top: 1.8em; border-bottom: 1px solid #ddd; padding-bottom: .2em; }
 table { border-collapse: collapse; font-size: .88em; margin: .6em 0; }
 th, td { border: 1px solid #ddd; padding: .25em .6em; text-align: left; vertical-align: top; }
 th { background: #f3f3f3; }
 td.num { text-align: right; font-variant-numeric: tabular-nums; }
 .facts td:first-child { font-weight: 600; background: #fafafa; }
 .note { color: #555; font-size: .9em; }
 .tiles { display: flex; gap: 1em; flex-wrap: wrap; margin: 1em 0; }
 .tile { border-radius: 6px; padding: .6em 1em; color: #fff; min-width: 9em; }
 .tile b { display: block; font-size: 1.6em; }
 img.map { max-width: 100%; border: 1px solid #ccc; }
 ul.files li { font-family: monospace; }
</style>
</head>
<body>
<h1>{{ title }}</h1>
<p class="note">{{ subtitle }}</p>
{% if tiles %}<div class="tiles">{% for t in tiles %}<div class="tile" style="background: {{ t.colour }}"><b>{{ t.value }}</b>{{ t.label }}</div>{% endfor %}</div>{% endif %}
<table class="facts">{% for k, v in facts %}<tr><td>{{ k }}</td><td>{{ v }}</td></tr>{% endfor %}</table>
{% for n in notes %}<p class="note">{{ n }}</p>{% endfor %}
{% if image %}<h2>Kaart</h2><img class="map" alt="kaart" src="data:image/png;base64,{{ image }}">{% endif %}
{% for s in sections %}<h2>{{ s.heading }}</h2>{% if s.text %}<p class="note">{{ s.text }}</p>{% endif %}{{ s.table | safe }}{% endfor %}
<h2>Bestanden</h2>
<ul class="files">{% for f in files %}<li>{{ f }}</li>{% endfor %}</ul>
<p class="note">Gemaakt met spreidingstoets {{ version }} op {{ made }}.</p>
</body>
</html>
"""


@dataclass
class Section:
    heading: str
    table: pd.DataFrame
    text: str = ""
    limit: int | None = None


def table_html(frame: pd.DataFrame, limit: int | None = None) -> str:
    shown = frame if limit is None else frame.head(limit)
    parts = ["<table><tr>"]
    parts += [f"<th>{html.escape(str(c))}</th>" for c in shown.columns]
    parts.append("</tr>")
    for row in shown.itertuples(index=False):
        parts.append("<tr>")
        for value in row:
            v = _python(value) if not isinstance(value, str) else value
            if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
                parts.append("<td></td>")
            elif isinstance(v, int | float) and not isinstance(v, bool):
                text = f"{v:g}" if isinstance(v, float) else str(v)
                parts.append(f'<td class="num">{html.escape(text)}</td>')
            else:
                parts.append(f"<td>{html.escape(str(v))}</td>")
        parts.append("</tr>")
    parts.append("</table>")
    if limit is not None and len(frame) > limit:
        parts.append(
            f'<p class="note">De eerste {limit} van {len(frame)} rijen; alle rijen staan in het '
            "CSV-bestand.</p>"
        )
    return "".join(parts)


def render_html(
    *,
    title: str,
    subtitle: str,
    facts: Sequence[tuple[str, str]],
    sections: Sequence[Section],
    image: bytes | None,
    files: Sequence[str],
    notes: Sequence[str] = (),
    tiles: Sequence[dict[str, Any]] = (),
) -> str:
    from jinja2 import Environment

    from spreidingstoets import __version__

    env = Environment(autoescape=True)
    return env.from_string(PAGE).render(
        title=title,
        subtitle=subtitle,
        facts=facts,
        notes=notes,
        tiles=tiles,
        image=base64.b64encode(image).decode() if image else None,
        sections=[
            {"heading": s.heading, "text": s.text, "table": table_html(s.table, s.limit)}
            for s in sections
        ],
        files=files,
        version=__version__,
        made=dt.datetime.now().strftime("%d-%m-%Y %H:%M"),
    )


def write_csv(folder: Path, name: str, frame: pd.DataFrame) -> str:
    path = folder / f"{name}.csv"
    frame.to_csv(path, index=False, encoding="utf-8")
    return path.name


def write_json(folder: Path, name: str, data: Any) -> str:
    path = folder / f"{name}.json"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n", "utf-8")
    return path.name
