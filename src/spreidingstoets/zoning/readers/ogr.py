"""Zone polygons from a GeoPackage or GeoJSON file, read through GDAL (pyogrio)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError
from pyogrio.raw import read as ogr_read

from spreidingstoets.errors import InputError, SourceError
from spreidingstoets.spatial import repair_polygon, require_rd
from spreidingstoets.zoning.layer import DEFAULT_KIND, ZoningLayer
from spreidingstoets.zoning.readers import first_line

__all__ = ["NAME_FIELDS", "read_ogr"]

NAME_FIELDS = ("naam", "bestemming", "functie", "designation", "name")
"""Columns recognised as the designation, in this order of preference."""
KIND_FIELDS = ("kind", "type")
ID_FIELDS = ("identificatie", "id")
PLAN_FIELDS = ("plan_id", "planidn", "plan")


def _pick(columns: list[str], wanted: Iterable[str]) -> str | None:
    """First of ``wanted`` among ``columns``: exact match first, then case-insensitive."""
    lower = {c.lower(): c for c in reversed(columns)}
    for w in wanted:
        if w in columns:
            return w
        if w.lower() in lower:
            return lower[w.lower()]
    return None


def read_ogr(
    path: Path, fmt: str, name_field: str | None, kind: str | None, layer: str | None
) -> ZoningLayer:
    """Read one polygon layer of a GeoPackage or GeoJSON file (``fmt`` names it in messages).

    See :func:`spreidingstoets.zoning.readers.read_zoning` for the options.
    """
    try:
        with warnings.catch_warnings():
            # GDAL warnings (e.g. "bad application_id") would reach the user as noise.
            warnings.simplefilter("ignore", RuntimeWarning)
            layers = pyogrio.list_layers(path)
    except (DataSourceError, DataLayerError) as exc:
        raise SourceError(f"{path.name}: geen leesbaar {fmt}-bestand ({first_line(exc)})") from exc
    names = [str(n) for n, _ in layers]
    if layer is None:
        polygon_layers = [str(n) for n, t in layers if t and "polygon" in str(t).lower()]
        if fmt == "GeoPackage" and len(polygon_layers) > 1:
            raise InputError(
                f"{path.name}: {len(polygon_layers)} vlaklagen ({', '.join(polygon_layers)}); "
                "een bestemmings- of gebiedsbestand mag één vlaklaag hebben: zet de gewenste "
                "laag in een eigen GeoPackage"
            )
        layer = polygon_layers[0] if polygon_layers else (names[0] if names else None)
        if layer is None:
            raise SourceError(f"{path.name}: geen lagen (verwacht vlakken met een bestemming)")
    elif layer not in names:
        raise InputError(f"{path.name}: geen laag {layer!r} (lagen: {', '.join(names)})")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            meta, fids, wkb, values = ogr_read(path, layer=layer, return_fids=True)
    except (DataSourceError, DataLayerError) as exc:
        raise SourceError(f"{path.name}: laag {layer!r} niet te lezen ({first_line(exc)})") from exc

    hint = ""
    crs = meta.get("crs")
    if fmt == "GeoJSON" and (crs is None or "4326" in str(crs) or "CRS84" in str(crs)):
        hint = " (een GeoJSON-bestand zonder 'crs' is volgens RFC 7946 in CRS84, graden)"
    require_rd(path.name, crs, hint)

    columns = [str(c) for c in meta["fields"]]
    data = dict(zip(columns, values, strict=True))
    if name_field is not None:
        if name_field not in columns:
            raise InputError(
                f"{path.name}: geen kolom {name_field!r} voor de bestemming "
                f"(kolommen: {', '.join(columns) or 'geen'})"
            )
        name_col = name_field
    else:
        found = _pick(columns, NAME_FIELDS)
        if found is None:
            raise InputError(
                f"{path.name}: geen kolom met de bestemming (gevonden kolommen: "
                f"{', '.join(columns) or 'geen'}; als bestemming herkende namen: "
                f"{', '.join(NAME_FIELDS)}, hoofdletters maken niet uit); hernoem in het "
                "bestand de kolom met de bestemming naar een van die namen"
            )
        name_col = found
    kind_col = None if kind is not None else _pick(columns, KIND_FIELDS)
    id_col = _pick(columns, ID_FIELDS)
    plan_col = _pick(columns, PLAN_FIELDS)

    def text(col: str | None, i: int, default: str) -> str:
        if col is None:
            return default
        v = data[col][i]
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return default
        return str(v)

    geoms = shapely.from_wkb(wkb) if wkb is not None else np.full(len(fids), None, dtype=object)
    used = {name_col, kind_col, id_col, plan_col}
    extra = [c for c in columns if c not in used]
    rows: dict[str, list[Any]] = {k: [] for k in ("g", "kind", "naam", "id", "plan")}
    attrs: dict[str, list[Any]] = {c: [] for c in extra}
    repairs = skipped = 0
    for i, g in enumerate(geoms):
        poly, repaired = repair_polygon(g)
        repairs += repaired
        if poly is None:
            skipped += 1
            continue
        rows["g"].append(poly)
        rows["naam"].append(text(name_col, i, ""))
        rows["kind"].append(
            (kind if kind is not None else text(kind_col, i, DEFAULT_KIND)).strip().lower()
        )
        rows["id"].append(text(id_col, i, str(fids[i])))
        rows["plan"].append(text(plan_col, i, ""))
        for c in extra:
            attrs[c].append(_plain(data[c][i]))
    if not rows["g"]:
        raise SourceError(
            f"{path.name}: laag {layer!r} heeft geen vlakken (verwacht vlakken met een bestemming)"
        )
    return ZoningLayer(
        np.array(rows["g"], dtype=object),
        np.array(rows["kind"], dtype=object),
        np.array(rows["naam"], dtype=object),
        np.array(rows["id"], dtype=object),
        np.array(rows["plan"], dtype=object),
        source=path.name,
        repairs=repairs,
        skipped=skipped,
        attributes={c: np.array(v, dtype=object) for c, v in attrs.items()},
    )


def _plain(value: Any) -> Any:
    """A column value as a plain Python value (None for empty and NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value if isinstance(value, int | float | str | bool) else str(value)
