"""Read a Kadaster LVBAG XML extract ("BAG 2.0 Extract") through GDAL's LVBAG driver.

The extract is delivered as a zip of zips of XML files. GDAL reaches the nested zips through
chained ``/vsizip/`` paths, so nothing is unpacked to disk. Each object carries its whole
lifecycle (voorkomens); we keep, per identificatie, the voorkomen valid on the reference date.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import shapely
from lxml import etree

from spreidingstoets.dataset.tables import (
    NUMMERAANDUIDING_COLUMNS,
    OPENBARE_RUIMTE_COLUMNS,
    PAND_COLUMNS,
    PLAATS_COLUMNS,
    VERBLIJFSOBJECT_COLUMNS,
    WOONPLAATS_COLUMNS,
    BagTables,
    empty,
)
from spreidingstoets.errors import SourceError
from spreidingstoets.spatial import repair_polygons, require_rd

# GDAL layer name -> our object type. The LVBAG driver names one layer per XML file.
LAYER_TYPES = {
    "Verblijfsobject": "VBO",
    "Nummeraanduiding": "NUM",
    "Pand": "PND",
    "Openbareruimte": "OPR",
    "OpenbareRuimte": "OPR",
    "Woonplaats": "WPL",
    "Ligplaats": "LIG",
    "Standplaats": "STA",
}
# File-name codes of object files; Inactief (IA), InOnderzoek (IO) and NietBag (NB) parts
# are bookkeeping of the LV, not objects to count, so they are skipped.
OBJECT_FILE = re.compile(r"^(?:\d{4}|9999)(VBO|NUM|PND|OPR|WPL|LIG|STA)\d{8}", re.IGNORECASE)
SKIPPED_PART = re.compile(r"^(?:\d{4}|9999)(IA|IO|NB|Inactief|InOnderzoek|NietBag)", re.IGNORECASE)
LEVERINGSDOCUMENT = "Leveringsdocument-BAG-Extract.xml"


@dataclass(frozen=True)
class XmlPart:
    """One XML file of the extract, reachable by GDAL."""

    gdal_path: str  # /vsizip/... path or plain file path
    name: str  # file name, for messages
    code: str  # VBO, NUM, ...


def _vsizip(outer: str, member: str) -> str:
    return f"/vsizip/{outer}/{member}"


def _walk_zip(zf: zipfile.ZipFile, gdal_prefix: str, depth: int = 0) -> Iterator[XmlPart]:
    for info in sorted(zf.infolist(), key=lambda i: i.filename):
        name = Path(info.filename).name
        if info.is_dir() or SKIPPED_PART.match(name):
            continue
        if name.lower().endswith(".zip"):
            if depth > 4:
                continue
            try:
                inner = zipfile.ZipFile(io.BytesIO(zf.read(info.filename)))
            except zipfile.BadZipFile as exc:
                raise SourceError(f"{name}: damaged zip inside the extract ({exc})") from exc
            yield from _walk_zip(inner, _vsizip(gdal_prefix, info.filename), depth + 1)
        elif name.lower().endswith(".xml"):
            m = OBJECT_FILE.match(name)
            if m:
                yield XmlPart(_vsizip(gdal_prefix, info.filename), name, m.group(1).upper())


def find_parts(source: Path) -> list[XmlPart]:
    """List the object XML files of an extract: a zip (of zips), a folder or one XML file."""
    if source.is_dir():
        parts: list[XmlPart] = []
        for path in sorted(source.iterdir()):
            if path.suffix.lower() == ".zip" or OBJECT_FILE.match(path.name):
                parts.extend(find_parts(path))
        return parts
    name = source.name
    if name.lower().endswith(".zip"):
        try:
            with zipfile.ZipFile(source) as zf:
                return list(_walk_zip(zf, str(source.resolve())))
        except zipfile.BadZipFile as exc:
            raise SourceError(f"{source}: geen leesbaar zipbestand ({exc})") from exc
    if name.lower().endswith(".xml"):
        m = OBJECT_FILE.match(name)
        if m:
            return [XmlPart(str(source.resolve()), name, m.group(1).upper())]
        return [XmlPart(str(source.resolve()), name, "")]  # code found from GDAL's layer name
    return []


def read_stand_date(source: Path) -> tuple[dt.date | None, list[str]]:
    """StandTechnischeDatum and gemeentecodes from the Leveringsdocument, where present."""
    data: bytes | None = None
    if source.is_dir():
        doc = source / LEVERINGSDOCUMENT
        data = doc.read_bytes() if doc.exists() else None
    elif source.name.lower().endswith(".zip"):
        try:
            with zipfile.ZipFile(source) as zf:
                names = [n for n in zf.namelist() if n.endswith(LEVERINGSDOCUMENT)]
                data = zf.read(names[0]) if names else None
        except zipfile.BadZipFile:
            return None, []
    if data is None:
        return None, []
    try:
        root = etree.fromstring(data)
    except etree.XMLSyntaxError as exc:
        raise SourceError(f"{LEVERINGSDOCUMENT}: geen geldige XML ({exc})") from exc
    stand = root.xpath("//*[local-name()='StandTechnischeDatum']/text()")
    codes = root.xpath("//*[local-name()='GemeenteIdentificatie']/text()")
    date = dt.date.fromisoformat(str(stand[0]).strip()) if stand else None
    return date, sorted({str(c).strip() for c in codes})


def _read_part(part: XmlPart) -> tuple[str, pd.DataFrame]:
    try:
        info = pyogrio.read_info(part.gdal_path)
    except Exception as exc:  # GDAL raises several types for unreadable input
        raise SourceError(
            f"{part.name}: geen LVBAG-objectbestand (GDAL kan het niet als BAG-XML lezen); "
            "verwacht XML uit een BAG 2.0-extract van het Kadaster, zoals 0457VBO15102021-000001.xml"
        ) from exc
    layer = str(info.get("layer_name") or "")
    if info.get("driver") != "LVBAG" or layer not in LAYER_TYPES:
        raise SourceError(
            f"{part.name}: geen LVBAG-objectbestand (GDAL ziet driver "
            f"{info.get('driver')!r}, laag {layer!r}); verwacht een van "
            f"{', '.join(sorted(set(LAYER_TYPES)))}"
        )
    crs = info.get("crs")
    if crs and info.get("geometry_type") not in (None, "Unknown", ""):
        require_rd(part.name, crs)
    try:
        df = pyogrio.read_dataframe(part.gdal_path, use_arrow=True, LEGACY_ID="YES")
    except Exception as exc:
        raise SourceError(f"{part.name}: could not read ({exc})") from exc
    return LAYER_TYPES[layer], df


def _to_date(col: pd.Series) -> np.ndarray:
    return pd.to_datetime(col, errors="coerce").to_numpy(dtype="datetime64[D]")


def select_voorkomens(df: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    """Keep, per identificatie, the voorkomen valid on ``day`` (latest correction wins).

    Valid means beginGeldigheid <= day < eindGeldigheid (open end allowed) and not made
    inactive (tijdstipInactief empty): inactive voorkomens were withdrawn as mistakes.
    """
    if df.empty:
        return df
    d = np.datetime64(day, "D")
    begin = _to_date(df["beginGeldigheid"])
    end = _to_date(df["eindGeldigheid"]) if "eindGeldigheid" in df else np.full(len(df), "NaT")
    inactive = (
        df["tijdstipInactief"].notna().to_numpy()
        if "tijdstipInactief" in df
        else np.zeros(len(df), bool)
    )
    ok = (begin <= d) & (np.isnat(end) | (end > d)) & ~inactive
    valid = df.loc[ok]
    if "voorkomenIdentificatie" in valid:
        valid = valid.sort_values(["identificatie", "voorkomenIdentificatie"], kind="stable")
    return valid.drop_duplicates("identificatie", keep="last").reset_index(drop=True)


def _as_list(value: object) -> list[str]:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value]  # type: ignore[attr-defined]


def _opt_str(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    text = str(value).strip()
    return text or None


def _frame(code: str, df: pd.DataFrame) -> pd.DataFrame:
    """Map GDAL's LVBAG columns to the BagTables columns of one object type."""
    ident = df["identificatie"].astype(str).to_numpy()
    status = df["status"].astype(str).to_numpy()
    if code == "VBO":
        return pd.DataFrame(
            {
                "identificatie": ident,
                "status": status,
                "gebruiksdoel": [_as_list(v) for v in df["gebruiksdoel"]],
                "oppervlakte": pd.to_numeric(df["oppervlakte"], errors="coerce")
                .fillna(0)
                .astype(int)
                .to_numpy(),
                "hoofdadres": df["hoofdadresNummeraanduidingRef"].map(_opt_str).to_numpy(),
                "nevenadressen": [_as_list(v) for v in df["nevenadresNummeraanduidingRef"]],
                "panden": [_as_list(v) for v in df["pandRef"]],
                "geometry": shapely.force_2d(df.geometry.to_numpy()),
            },
            columns=VERBLIJFSOBJECT_COLUMNS,
        )
    if code in ("LIG", "STA"):
        return pd.DataFrame(
            {
                "identificatie": ident,
                "status": status,
                "hoofdadres": df["hoofdadresNummeraanduidingRef"].map(_opt_str).to_numpy(),
                "nevenadressen": [_as_list(v) for v in df["nevenadresNummeraanduidingRef"]],
                "geometry": repair_polygons(df.geometry.to_numpy()),
            },
            columns=PLAATS_COLUMNS,
        )
    if code == "NUM":
        return pd.DataFrame(
            {
                "identificatie": ident,
                "huisnummer": pd.to_numeric(df["huisnummer"], errors="coerce")
                .fillna(0)
                .astype(int)
                .to_numpy(),
                "huisletter": df["huisletter"].map(_opt_str).to_numpy(),
                "toevoeging": df["huisnummerToevoeging"].map(_opt_str).to_numpy(),
                "postcode": df["postcode"].map(_opt_str).to_numpy(),
                "openbare_ruimte": df["openbareruimteRef"].map(_opt_str).to_numpy(),
                "woonplaats": df["woonplaatsRef"].map(_opt_str).to_numpy(),
                "status": status,
            },
            columns=NUMMERAANDUIDING_COLUMNS,
        )
    if code == "OPR":
        return pd.DataFrame(
            {
                "identificatie": ident,
                "naam": df["naam"].astype(str).to_numpy(),
                "type": df["type"].map(_opt_str).to_numpy(),
                "woonplaats": df["woonplaatsRef"].map(_opt_str).to_numpy(),
                "status": status,
            },
            columns=OPENBARE_RUIMTE_COLUMNS,
        )
    if code == "WPL":
        return pd.DataFrame(
            {"identificatie": ident, "naam": df["naam"].astype(str).to_numpy(), "status": status},
            columns=WOONPLAATS_COLUMNS,
        )
    bouwjaar = pd.to_numeric(df.get("oorspronkelijkBouwjaar"), errors="coerce")
    return pd.DataFrame(
        {
            "identificatie": ident,
            "status": status,
            "bouwjaar": bouwjaar.fillna(0).astype(int).to_numpy(),
            "geometry": repair_polygons(df.geometry.to_numpy()),
        },
        columns=PAND_COLUMNS,
    )


TABLE_OF = {
    "VBO": "verblijfsobjecten",
    "NUM": "nummeraanduidingen",
    "PND": "panden",
    "OPR": "openbare_ruimten",
    "WPL": "woonplaatsen",
    "LIG": "ligplaatsen",
    "STA": "standplaatsen",
}
COLUMNS_OF = {
    "VBO": VERBLIJFSOBJECT_COLUMNS,
    "NUM": NUMMERAANDUIDING_COLUMNS,
    "PND": PAND_COLUMNS,
    "OPR": OPENBARE_RUIMTE_COLUMNS,
    "WPL": WOONPLAATS_COLUMNS,
    "LIG": PLAATS_COLUMNS,
    "STA": PLAATS_COLUMNS,
}


def read_lvbag(
    source: Path, reference_date: dt.date | None = None, progress: object | None = None
) -> BagTables:
    """Read an LVBAG XML extract (zip of zips, folder of XML, or one XML file).

    Parameters
    ----------
    source
        The extract as delivered by Kadaster, or a folder / file holding its XML parts.
    reference_date
        The date whose voorkomens to keep; default the extract's StandTechnischeDatum, or
        today's date when the extract does not state it.
    progress
        Optional callable ``progress(done, total, name)`` for a progress bar.
    """
    parts = find_parts(source)
    if not parts:
        raise SourceError(
            f"{source}: geen LVBAG-objectbestanden gevonden (verwacht XML-bestanden zoals "
            "0457VBO15102021-000001.xml, in een zip, in zips in een zip of in een map)"
        )
    stand, gemeenten = read_stand_date(source)
    day = reference_date or stand or dt.date.today()
    frames: dict[str, list[pd.DataFrame]] = {code: [] for code in TABLE_OF}
    for i, part in enumerate(parts):
        code, raw = _read_part(part)
        frames[code].append(raw)
        if callable(progress):
            progress(i + 1, len(parts), part.name)
    tables = BagTables(
        extract_date=stand, reference_date=day, gemeentecodes=gemeenten, source_kind="lvbag-xml"
    )
    for code, dfs in frames.items():
        raw = pd.concat(dfs, ignore_index=True) if dfs else pd.DataFrame()
        table = empty(COLUMNS_OF[code]) if raw.empty else _frame(code, select_voorkomens(raw, day))
        setattr(tables, TABLE_OF[code], table)
    return tables
