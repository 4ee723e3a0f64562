"""The BAG objects as plain tables: what every reader produces and the compiler consumes.

Readers (LVBAG XML extract, PDOK GeoPackage) and the synthetic generator all produce a
:class:`BagTables` holding, per object type, the one voorkomen valid on the reference date.
Identifiers are the 16-digit BAG identificaties as strings (woonplaats: 4 digits).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

# Columns per table. Geometry columns hold shapely geometries in EPSG:28992.
VERBLIJFSOBJECT_COLUMNS = [
    "identificatie",  # str
    "status",  # str, e.g. "Verblijfsobject in gebruik"
    "gebruiksdoel",  # list[str]
    "oppervlakte",  # int (m2)
    "hoofdadres",  # str: nummeraanduiding identificatie
    "nevenadressen",  # list[str]
    "panden",  # list[str]: pand identificaties
    "geometry",  # Point
]
PLAATS_COLUMNS = ["identificatie", "status", "hoofdadres", "nevenadressen", "geometry"]  # Polygon
NUMMERAANDUIDING_COLUMNS = [
    "identificatie",
    "huisnummer",  # int
    "huisletter",  # str or None
    "toevoeging",  # str or None (huisnummertoevoeging)
    "postcode",  # str like "1381AB" or None
    "openbare_ruimte",  # str: openbare ruimte identificatie
    "woonplaats",  # str or None: overrides the openbare ruimte's woonplaats
    "status",
]
OPENBARE_RUIMTE_COLUMNS = ["identificatie", "naam", "type", "woonplaats", "status"]
WOONPLAATS_COLUMNS = ["identificatie", "naam", "status"]
PAND_COLUMNS = ["identificatie", "status", "bouwjaar", "geometry"]  # Polygon / MultiPolygon


def empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


@dataclass
class BagTables:
    """The BAG objects valid on ``reference_date``, one row per object."""

    verblijfsobjecten: pd.DataFrame = field(default_factory=lambda: empty(VERBLIJFSOBJECT_COLUMNS))
    ligplaatsen: pd.DataFrame = field(default_factory=lambda: empty(PLAATS_COLUMNS))
    standplaatsen: pd.DataFrame = field(default_factory=lambda: empty(PLAATS_COLUMNS))
    nummeraanduidingen: pd.DataFrame = field(
        default_factory=lambda: empty(NUMMERAANDUIDING_COLUMNS)
    )
    openbare_ruimten: pd.DataFrame = field(default_factory=lambda: empty(OPENBARE_RUIMTE_COLUMNS))
    woonplaatsen: pd.DataFrame = field(default_factory=lambda: empty(WOONPLAATS_COLUMNS))
    panden: pd.DataFrame = field(default_factory=lambda: empty(PAND_COLUMNS))
    # Extract metadata
    extract_date: dt.date | None = None  # StandTechnischeDatum of the delivery
    reference_date: dt.date | None = None  # the date the voorkomens were chosen for
    gemeentecodes: list[str] = field(default_factory=list)
    source_kind: str = ""  # "lvbag-xml", "bag-geopackage", "synthetic"
    notes: list[str] = field(default_factory=list)  # caveats about the source, for the manifest


def merge_tables(parts: list[BagTables]) -> BagTables:
    """Combine extracts of neighbouring municipalities; shared objects are kept once."""
    if len(parts) == 1:
        return parts[0]
    merged = BagTables(
        extract_date=min((p.extract_date for p in parts if p.extract_date), default=None),
        reference_date=min((p.reference_date for p in parts if p.reference_date), default=None),
        gemeentecodes=sorted({c for p in parts for c in p.gemeentecodes}),
        source_kind="+".join(sorted({p.source_kind for p in parts})),
        notes=[n for p in parts for n in p.notes],
    )
    for name in (
        "verblijfsobjecten",
        "ligplaatsen",
        "standplaatsen",
        "nummeraanduidingen",
        "openbare_ruimten",
        "woonplaatsen",
        "panden",
    ):
        frame = pd.concat([getattr(p, name) for p in parts], ignore_index=True)
        setattr(merged, name, frame.drop_duplicates("identificatie").reset_index(drop=True))
    return merged
