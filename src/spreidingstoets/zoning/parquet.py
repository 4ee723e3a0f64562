"""A zoning layer as a GeoParquet 1.0 file, the form it takes inside a compiled dataset."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

from spreidingstoets.errors import SourceError
from spreidingstoets.spatial import require_rd
from spreidingstoets.zoning.layer import ZoningLayer

__all__ = ["read_layer", "write_layer"]

_PARQUET_KEY = b"spreidingstoets:zoning"
_PARQUET_VERSION = 1
_COLUMNS = ("kind", "naam", "identificatie", "plan_id")
_ATTRIBUTES = "attributes"  # optional: the other columns of a polygon file, as JSON per row


def write_layer(layer: ZoningLayer, path: Path | str) -> None:
    """Write ``layer`` as GeoParquet 1.0 (WKB geometry, CRS EPSG:28992 as PROJJSON).

    ``source``, ``repairs`` and ``skipped`` go into the file's key-value metadata.  The file
    is readable by ``geopandas.read_parquet`` and round-trips exactly through
    :func:`read_layer`.
    """
    from pyproj import CRS

    types = sorted({g.geom_type for g in layer.geometry})
    geo = {
        "version": "1.0.0",
        "primary_column": "geometry",
        "columns": {
            "geometry": {
                "encoding": "WKB",
                "geometry_types": types,
                "crs": CRS.from_epsg(28992).to_json_dict(),
            }
        },
    }
    ours = {
        "version": _PARQUET_VERSION,
        "source": layer.source,
        "repairs": layer.repairs,
        "skipped": layer.skipped,
    }
    columns = {c: pa.array(getattr(layer, c).tolist(), pa.string()) for c in _COLUMNS}
    if layer.attributes:  # one JSON object per zone: any mix of numbers and text survives
        rows = [
            json.dumps({k: v[i] for k, v in layer.attributes.items()}, sort_keys=True)
            for i in range(len(layer))
        ]
        columns[_ATTRIBUTES] = pa.array(rows, pa.string())
    table = pa.table(
        {
            **columns,
            "geometry": pa.array(shapely.to_wkb(layer.geometry).tolist(), pa.binary()),
        }
    ).replace_schema_metadata(
        {b"geo": json.dumps(geo).encode(), _PARQUET_KEY: json.dumps(ours).encode()}
    )
    pq.write_table(table, str(path))


def read_layer(path: Path | str) -> ZoningLayer:
    """Read a layer written by :func:`write_layer` (or any GeoParquet in EPSG:28992)."""
    path = Path(path)
    try:
        if not path.is_file():
            raise SourceError(f"{path}: Parquet-bestand van de zonelaag niet gevonden")
        table = pq.read_table(str(path))
    except (OSError, ValueError) as exc:  # ArrowInvalid is a ValueError
        raise SourceError(f"{path.name}: geen leesbaar Parquet-bestand ({exc})") from exc
    meta = table.schema.metadata or {}
    try:
        geo = json.loads(meta[b"geo"])
        column = geo["primary_column"]
        crs = geo["columns"][column].get("crs", "OGC:CRS84")  # GeoParquet default
    except (KeyError, ValueError, TypeError) as exc:
        raise SourceError(
            f"{path.name}: geen GeoParquet-bestand (geen geldige 'geo'-metadata)"
        ) from exc
    require_rd(path.name, crs)
    ours = json.loads(meta.get(_PARQUET_KEY, b"{}"))
    missing = [c for c in _COLUMNS if c not in table.column_names]
    if missing:
        raise SourceError(
            f"{path.name}: geen zonelaag (ontbrekende kolommen: {', '.join(missing)}; "
            f"nodig zijn {', '.join(_COLUMNS)})"
        )

    def values(name: str) -> np.ndarray:
        return np.asarray(table.column(name).to_pylist(), dtype=object)

    attributes: dict[str, np.ndarray] = {}
    if _ATTRIBUTES in table.column_names:
        rows = [json.loads(r or "{}") for r in table.column(_ATTRIBUTES).to_pylist()]
        names = sorted({k for r in rows for k in r})
        attributes = {k: np.array([r.get(k) for r in rows], dtype=object) for k in names}
    return ZoningLayer(
        shapely.from_wkb(values(column)),
        values("kind"),
        values("naam"),
        values("identificatie"),
        values("plan_id"),
        source=str(ours.get("source", path.name)),
        repairs=int(ours.get("repairs", 0)),
        skipped=int(ours.get("skipped", 0)),
        attributes=attributes,
    )
