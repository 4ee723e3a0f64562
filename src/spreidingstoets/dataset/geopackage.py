"""Read the PDOK BAG GeoPackage ("bag-light"): current objects, addresses flattened onto them.

The layers ``pand``, ``verblijfsobject``, ``ligplaats``, ``standplaats`` and ``woonplaats``
hold one row per current object; the hoofdadres (straat, huisnummer, postcode, woonplaats) is
flattened onto each addressable object. Column names have varied between PDOK releases, so each
field is looked up under its known aliases.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import shapely

from spreidingstoets.dataset.lvbag import _as_list, _opt_str
from spreidingstoets.dataset.tables import (
    NUMMERAANDUIDING_COLUMNS,
    OPENBARE_RUIMTE_COLUMNS,
    PAND_COLUMNS,
    PLAATS_COLUMNS,
    VERBLIJFSOBJECT_COLUMNS,
    WOONPLAATS_COLUMNS,
    BagTables,
)
from spreidingstoets.errors import CRSError, SourceError
from spreidingstoets.spatial import repair_polygons, require_rd

REQUIRED_LAYERS = ("pand", "verblijfsobject")
ALIASES: dict[str, tuple[str, ...]] = {
    "identificatie": ("identificatie",),
    "status": ("status",),
    "gebruiksdoel": ("gebruiksdoel",),
    "oppervlakte": ("oppervlakte",),
    "bouwjaar": ("bouwjaar", "oorspronkelijkbouwjaar", "oorspronkelijk_bouwjaar"),
    "pand": ("pand_identificatie", "pandidentificatie", "pandref"),
    "nummeraanduiding": (
        "nummeraanduiding_hoofdadres_identificatie",
        "hoofdadres_identificatie",
        "nummeraanduiding_identificatie",
    ),
    "openbare_ruimte_id": ("openbare_ruimte_identificatie", "openbareruimte_identificatie"),
    "straat": ("openbare_ruimte_naam", "openbare_ruimte", "straatnaam"),
    "huisnummer": ("huisnummer",),
    "huisletter": ("huisletter",),
    "toevoeging": ("toevoeging", "huisnummertoevoeging", "huisnummer_toevoeging"),
    "postcode": ("postcode",),
    "woonplaats_naam": ("woonplaats_naam", "woonplaats", "woonplaatsnaam"),
    "woonplaats_id": ("woonplaats_identificatie",),
    "naam": ("naam", "woonplaats"),
}


def _col(df: pd.DataFrame, field: str, layer: str, required: bool = True) -> pd.Series | None:
    lower = {c.lower(): c for c in df.columns}
    for alias in ALIASES[field]:
        if alias in lower:
            return df[lower[alias]]
    if required:
        raise SourceError(
            f"laag {layer!r} heeft geen kolom {field} (gezocht: {', '.join(ALIASES[field])}; "
            f"gevonden: {', '.join(map(str, df.columns))})"
        )
    return None


def _synthetic_id(prefix: str, text: str) -> str:
    """A stable 16-digit key where the GeoPackage lacks a BAG identificatie (never reused)."""
    return prefix + str(int(hashlib.sha256(text.encode()).hexdigest(), 16))[: 16 - len(prefix)]


def _read_layer(path: Path, layer: str) -> pd.DataFrame:
    try:
        info = pyogrio.read_info(path, layer=layer)
        if info.get("geometry_type"):
            require_rd(f"{path.name}: laag {layer!r}", info.get("crs"))
        return pyogrio.read_dataframe(path, layer=layer, use_arrow=True)
    except (CRSError, SourceError):
        raise
    except Exception as exc:
        raise SourceError(f"{path.name}: kan laag {layer!r} niet lezen ({exc})") from exc


def read_geopackage(path: Path) -> BagTables:
    """Read a PDOK BAG GeoPackage into :class:`BagTables` (current objects only)."""
    try:
        layers = {str(name).lower(): str(name) for name, _ in pyogrio.list_layers(path)}
    except Exception as exc:
        raise SourceError(f"{path.name}: geen leesbare GeoPackage ({exc})") from exc
    missing = [name for name in REQUIRED_LAYERS if name not in layers]
    if missing:
        raise SourceError(
            f"{path.name}: geen BAG-GeoPackage: laag of lagen {', '.join(missing)} ontbreken "
            f"(gevonden: {', '.join(sorted(layers)) or 'geen'}; verwacht pand, verblijfsobject "
            "en eventueel ligplaats, standplaats, woonplaats)"
        )
    pand = _read_layer(path, layers["pand"])
    panden = pd.DataFrame(
        {
            "identificatie": _col(pand, "identificatie", "pand").astype(str).to_numpy(),  # type: ignore[union-attr]
            "status": _col(pand, "status", "pand").astype(str).to_numpy(),  # type: ignore[union-attr]
            "bouwjaar": pd.to_numeric(_col(pand, "bouwjaar", "pand", False), errors="coerce")
            .fillna(0)
            .astype(int)
            .to_numpy()
            if _col(pand, "bouwjaar", "pand", False) is not None
            else np.zeros(len(pand), int),
            "geometry": repair_polygons(pand.geometry.to_numpy()),
        },
        columns=PAND_COLUMNS,
    )
    tables = BagTables(panden=panden, source_kind="bag-geopackage")
    # Woonplaatsen and openbare ruimten are keyed by identificatie where the GeoPackage has it;
    # only without it do names stand in (then two towns with one name would merge: say so).
    woonplaatsen: dict[str, str] = {}  # woonplaats identificatie -> naam
    by_name: dict[str, list[str]] = {}  # naam -> woonplaats identificaties
    if "woonplaats" in layers:
        wpl = _read_layer(path, layers["woonplaats"])
        ids = _col(wpl, "identificatie", "woonplaats").astype(str)  # type: ignore[union-attr]
        names = _col(wpl, "naam", "woonplaats").astype(str)  # type: ignore[union-attr]
        for wid, naam in zip(ids, names, strict=True):
            woonplaatsen[wid] = naam
            by_name.setdefault(naam, []).append(wid)
    streets: dict[str, tuple[str, str]] = {}  # openbare ruimte id -> (naam, woonplaats id)
    nums: list[dict[str, object]] = []
    by_name_used = False
    for layer, table in (
        ("verblijfsobject", "verblijfsobjecten"),
        ("ligplaats", "ligplaatsen"),
        ("standplaats", "standplaatsen"),
    ):
        if layer not in layers:
            continue
        df = _read_layer(path, layers[layer])
        ids = _col(df, "identificatie", layer).astype(str).to_numpy()  # type: ignore[union-attr]
        num_ids = _col(df, "nummeraanduiding", layer, False)
        opr_ids = _col(df, "openbare_ruimte_id", layer, False)
        wpl_ids = _col(df, "woonplaats_id", layer, False)
        straat = _col(df, "straat", layer)
        wpl = _col(df, "woonplaats_naam", layer)
        huisnummer = pd.to_numeric(_col(df, "huisnummer", layer), errors="coerce")
        letters = _col(df, "huisletter", layer, False)
        toev = _col(df, "toevoeging", layer, False)
        postcode = _col(df, "postcode", layer, False)
        hoofdadres: list[str | None] = []
        for i, ident in enumerate(ids):
            if pd.isna(huisnummer.iloc[i]):
                hoofdadres.append(None)
                continue
            wpl_name = str(wpl.iloc[i]) if wpl is not None else ""
            naam = str(straat.iloc[i]) if straat is not None else ""
            wpl_id = _opt_str(wpl_ids.iloc[i]) if wpl_ids is not None else None
            if wpl_id is None:
                known = by_name.get(wpl_name, [])
                wpl_id = known[0] if len(known) == 1 else _synthetic_id("9", "wpl:" + wpl_name)[:4]
                by_name_used = by_name_used or len(known) != 1
            woonplaatsen.setdefault(wpl_id, wpl_name)
            sid = _opt_str(opr_ids.iloc[i]) if opr_ids is not None else None
            if sid is None:
                sid = _synthetic_id("99", f"opr:{wpl_id}:{naam}")
                by_name_used = True
            streets.setdefault(sid, (naam, wpl_id))
            nid = (_opt_str(num_ids.iloc[i]) if num_ids is not None else None) or _synthetic_id(
                "98", "num:" + ident
            )
            hoofdadres.append(nid)
            nums.append(
                {
                    "identificatie": nid,
                    "huisnummer": int(huisnummer.iloc[i]),
                    "huisletter": _opt_str(letters.iloc[i]) if letters is not None else None,
                    "toevoeging": _opt_str(toev.iloc[i]) if toev is not None else None,
                    "postcode": _opt_str(postcode.iloc[i]) if postcode is not None else None,
                    "openbare_ruimte": sid,
                    "woonplaats": None,
                    "status": "Naamgeving uitgegeven",
                }
            )
        status = _col(df, "status", layer).astype(str).to_numpy()  # type: ignore[union-attr]
        if layer == "verblijfsobject":
            doel = _col(df, "gebruiksdoel", layer)
            pand_ref = _col(df, "pand", layer, False)
            frame = pd.DataFrame(
                {
                    "identificatie": ids,
                    "status": status,
                    "gebruiksdoel": [_split_list(v) for v in doel],  # type: ignore[union-attr]
                    "oppervlakte": pd.to_numeric(_col(df, "oppervlakte", layer), errors="coerce")
                    .fillna(0)
                    .astype(int)
                    .to_numpy(),
                    "hoofdadres": hoofdadres,
                    "nevenadressen": [[] for _ in ids],
                    "panden": [_split_list(v) for v in pand_ref]
                    if pand_ref is not None
                    else [[] for _ in ids],
                    "geometry": shapely.force_2d(df.geometry.to_numpy()),
                },
                columns=VERBLIJFSOBJECT_COLUMNS,
            )
        else:
            frame = pd.DataFrame(
                {
                    "identificatie": ids,
                    "status": status,
                    "hoofdadres": hoofdadres,
                    "nevenadressen": [[] for _ in ids],
                    "geometry": repair_polygons(df.geometry.to_numpy()),
                },
                columns=PLAATS_COLUMNS,
            )
        setattr(tables, table, frame)
    tables.nummeraanduidingen = pd.DataFrame(nums, columns=NUMMERAANDUIDING_COLUMNS)
    tables.openbare_ruimten = pd.DataFrame(
        [
            {"identificatie": sid, "naam": naam, "type": "Weg", "woonplaats": wid, "status": ""}
            for sid, (naam, wid) in sorted(streets.items())
        ],
        columns=OPENBARE_RUIMTE_COLUMNS,
    )
    tables.woonplaatsen = pd.DataFrame(
        [
            {"identificatie": wid, "naam": n, "status": ""}
            for wid, n in sorted(woonplaatsen.items())
        ],
        columns=WOONPLAATS_COLUMNS,
    )
    if by_name_used:
        tables.notes.append(
            "GeoPackage without openbare_ruimte/woonplaats identificaties: streets were keyed by "
            "woonplaats and name, so two streets of one name in one woonplaats count as one"
        )
    return tables


def _split_list(value: object) -> list[str]:
    """PDOK writes multi-valued fields as comma-separated text; GDAL may give a list."""
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return _as_list(value)
