"""Zoning and area polygon layers: IMRO2012 plans, GeoPackage and GeoJSON polygons.

The rules ``zoning`` (the location must lie in a zone with an allowed designation),
``closed_area`` (no permits inside listed areas) and ``area_share`` (a share per wijk polygon)
all ask the same question of a named polygon layer: which zones cover this point or footprint,
and how much of it?  :class:`ZoningLayer` answers that with an STRtree; :func:`read_zoning`
builds one from a file.

Designations are matched on a normalised key (:func:`normalise_designation`), never on the
text as written, because plans spell the same designation in several ways.

IMRO2012 GML is read with lxml (``iterparse``), not with GDAL's GML driver.  GDAL does read the
test plans correctly, but its result depends on state outside the file: it writes a ``.gfs``
sidecar next to the input, silently reuses an existing (possibly stale) one, and may download
the IMRO application schema when online.  It also strokes arcs with a process-wide setting in
degrees and drops the per-geometry ``srsName`` and plan references.  The lxml reader is
deterministic, side-effect free, checks ``srsName`` on every geometry and densifies arcs to a
tolerance in metres (:data:`ARC_TOLERANCE`).
"""

from __future__ import annotations

import functools
import json
import math
import re
import unicodedata
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from lxml import etree
from shapely.geometry.base import BaseGeometry

from spreidingstoets.errors import CRSError, InputError, SourceError

__all__ = [
    "ARC_TOLERANCE",
    "DEFAULT_KIND",
    "IMRO_KINDS",
    "NAME_FIELDS",
    "ZoneHit",
    "ZoningLayer",
    "normalise_designation",
    "read_zoning",
]

RD_NEW = "EPSG:28992"
RD_EPSG_CODES = frozenset({28992, 7415})  # 7415 = RD New + NAP height; its plane is RD New
DEFAULT_KIND = "gebied"
NAME_FIELDS = ("naam", "bestemming", "functie", "designation", "name")
KIND_FIELDS = ("kind", "type")
ID_FIELDS = ("identificatie", "id")
PLAN_FIELDS = ("plan_id", "planidn", "plan")

# IMRO feature types read as zones, in the order they are reported.  Bestemmingsplangebied
# is included (kind "bestemmingsplangebied") so a rule can tell "outside the plan, the plan
# says nothing" apart from "inside the plan, in the wrong zone".
IMRO_ZONE_TYPES = (
    "Enkelbestemming",
    "Dubbelbestemming",
    "Functieaanduiding",
    "Gebiedsaanduiding",
    "Bouwaanduiding",
    "Bouwvlak",
)
IMRO_PLAN_TYPE = "Bestemmingsplangebied"
IMRO_KINDS = (*(t.lower() for t in IMRO_ZONE_TYPES), IMRO_PLAN_TYPE.lower())
IMRO2012_NAMESPACES = frozenset(
    {"http://www.geonovum.nl/imro/2012/1.1", "http://www.geonovum.nl/imro/2012/1.0"}
)
GML32 = "http://www.opengis.net/gml/3.2"
XLINK = "http://www.w3.org/1999/xlink"

ARC_TOLERANCE = 0.01
"""Maximum distance in metres between a GML arc and the line segments that replace it."""

_PARQUET_KEY = b"spreidingstoets:zoning"
_PARQUET_VERSION = 1


# --------------------------------------------------------------------------- normalisation

_SEPARATORS = re.compile(r"[\s\-_\u2010-\u2015\u2212\ufe58\ufe63\uff0d]+")


@functools.lru_cache(maxsize=4096)
def normalise_designation(text: str) -> str:
    """Return the matching key of a designation (bestemming, functieaanduiding, area name).

    The rule, applied in this order:

    1. Unicode NFKC normalisation (non-breaking and other compatibility spaces become plain
       spaces, full-width letters become ASCII) and removal of invisible format characters
       such as zero-width spaces (category ``Cf``).
    2. ``str.casefold`` (lower case, also for non-ASCII letters).
    3. Every run of separators - whitespace, hyphen-minus, underscore, the Unicode hyphens and
       dashes U+2010 to U+2015 (hyphen, figure dash, en dash, em dash, ...) and the minus
       sign U+2212 - becomes one space.
    4. Leading and trailing spaces are removed.

    All other characters (letters, digits, ``.``, ``/``, brackets) are kept, so
    "bedrijf tot en met categorie 3.1" keeps its number.

    Examples
    --------
    >>> normalise_designation("Agrarisch - Glastuinbouw")
    'agrarisch glastuinbouw'
    >>> normalise_designation("AGRARISCH \u2013  glastuinbouw") == normalise_designation(
    ...     "agrarisch-glastuinbouw"
    ... )
    True
    """
    text = unicodedata.normalize("NFKC", str(text))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return _SEPARATORS.sub(" ", text.casefold()).strip()


def _name_keys(names: Iterable[str] | None) -> frozenset[str] | None:
    if names is None:
        return None
    if isinstance(names, str):  # a bare string would otherwise be split into letters
        names = (names,)
    return frozenset(normalise_designation(n) for n in names)


def _kind_keys(kinds: Iterable[str] | None) -> frozenset[str] | None:
    if kinds is None:
        return None
    if isinstance(kinds, str):
        kinds = (kinds,)
    return frozenset(str(k).strip().lower() for k in kinds)


# --------------------------------------------------------------------------- the layer


@dataclass(frozen=True)
class ZoneHit:
    """One zone found at a location.

    ``fraction`` is the share of the location's area inside the zone (0.0 to 1.0); for a
    point it is 1.0 (a point on the zone boundary counts as inside).  A polygon that only
    touches the zone along its boundary is reported with fraction 0.0.
    """

    index: int
    kind: str
    naam: str
    identificatie: str
    plan_id: str
    fraction: float


def _frozen_array(values: Iterable[Any]) -> np.ndarray:
    """A read-only 1-d object array (element-wise, so sequences are never unpacked)."""
    items = list(values)
    arr = np.empty(len(items), dtype=object)
    arr[:] = items
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True, eq=False)
class ZoningLayer:
    """Named zone polygons in EPSG:28992 with a spatial index.

    All arrays are parallel and read-only; row ``i`` is one zone.  Build one with
    :meth:`from_records`, :func:`read_zoning` or :meth:`from_parquet`.

    Attributes
    ----------
    geometry : numpy.ndarray of shapely Polygon / MultiPolygon
        Valid, non-empty polygons in EPSG:28992 (RD New, metres).
    kind : numpy.ndarray of str
        Lower-case kind: the IMRO feature type ("enkelbestemming", "functieaanduiding",
        "bestemmingsplangebied", ...) or a configured value for plain polygon files
        (default "gebied").
    naam : numpy.ndarray of str
        The designation as written.
    naam_norm : numpy.ndarray of str
        ``normalise_designation(naam)``; derived, not passed in.
    identificatie, plan_id : numpy.ndarray of str
        Object id (IMRO: NEN3610 IDN, e.g. "NL.IMRO.0664.EP3255434989-00") and plan id
        ("" when unknown).
    source : str
        File name the layer was read from.
    repairs : int
        Number of invalid polygons repaired with ``shapely.make_valid`` while reading.
    skipped : int
        Number of features skipped while reading (no geometry, or not polygonal).
    """

    geometry: np.ndarray
    kind: np.ndarray
    naam: np.ndarray
    identificatie: np.ndarray
    plan_id: np.ndarray
    source: str = ""
    repairs: int = 0
    skipped: int = 0
    naam_norm: np.ndarray = field(init=False, repr=False)
    tree: shapely.STRtree = field(init=False, repr=False)

    def __post_init__(self) -> None:
        n = len(self.geometry)
        for name in ("kind", "naam", "identificatie", "plan_id"):
            if len(getattr(self, name)) != n:
                raise ValueError(
                    f"ZoningLayer: {name} has {len(getattr(self, name))} rows, not {n}"
                )
        geometry = _frozen_array(self.geometry)
        types = shapely.get_type_id(geometry)
        if n and not np.isin(types, (3, 6)).all():  # 3 = Polygon, 6 = MultiPolygon
            raise ValueError("ZoningLayer: every geometry must be a Polygon or MultiPolygon")
        # object.__setattr__ because the dataclass is frozen; these are derived once here.
        set_ = functools.partial(object.__setattr__, self)
        set_("geometry", geometry)
        set_("kind", _frozen_array(str(k) for k in self.kind))
        set_("naam", _frozen_array(str(v) for v in self.naam))
        set_("identificatie", _frozen_array(str(v) for v in self.identificatie))
        set_("plan_id", _frozen_array(str(v) for v in self.plan_id))
        set_("naam_norm", _frozen_array(normalise_designation(v) for v in self.naam))
        set_("tree", shapely.STRtree(geometry))
        # Prepared geometries make repeated covers/intersects tests cheap.
        shapely.prepare(geometry)

    @classmethod
    def from_records(
        cls,
        geometry: Iterable[BaseGeometry],
        naam: Iterable[str],
        *,
        kind: Iterable[str] | str = DEFAULT_KIND,
        identificatie: Iterable[str] | None = None,
        plan_id: Iterable[str] | str = "",
        source: str = "",
    ) -> ZoningLayer:
        """Build a layer from sequences; scalar ``kind``/``plan_id`` apply to every row."""
        geoms = list(geometry)
        n = len(geoms)
        kinds = [kind] * n if isinstance(kind, str) else list(kind)
        plans = [plan_id] * n if isinstance(plan_id, str) else list(plan_id)
        ids = [str(i) for i in range(n)] if identificatie is None else list(identificatie)
        return cls(
            np.array(geoms, dtype=object),
            np.array([k.lower() for k in kinds], dtype=object),
            np.array(list(naam), dtype=object),
            np.array(ids, dtype=object),
            np.array(plans, dtype=object),
            source=source,
        )

    # -- basic protocol ----------------------------------------------------------------

    @classmethod
    def concat(cls, layers: list[ZoningLayer]) -> ZoningLayer:
        """One layer from several (plans of neighbouring municipalities)."""
        if len(layers) == 1:
            return layers[0]
        return cls(
            np.concatenate([la.geometry for la in layers]),
            np.concatenate([la.kind for la in layers]),
            np.concatenate([la.naam for la in layers]),
            np.concatenate([la.identificatie for la in layers]),
            np.concatenate([la.plan_id for la in layers]),
            source=", ".join(la.source for la in layers),
            repairs=sum(la.repairs for la in layers),
            skipped=sum(la.skipped for la in layers),
        )

    def __len__(self) -> int:
        return len(self.geometry)

    def __repr__(self) -> str:
        return f"ZoningLayer({len(self)} zones, source={self.source!r})"

    def names(self, normalised: bool = False) -> list[str]:
        """Sorted unique designations, as written (or their normalised keys)."""
        values = self.naam_norm if normalised else self.naam
        return sorted(set(values.tolist()))

    def kinds(self) -> list[str]:
        """Sorted unique kinds."""
        return sorted(set(self.kind.tolist()))

    def mask(
        self, names: Iterable[str] | None = None, kinds: Iterable[str] | None = None
    ) -> np.ndarray:
        """Boolean row mask for zones matching ``names`` (normalised) and ``kinds``."""
        keep = np.ones(len(self), dtype=bool)
        name_keys = _name_keys(names)
        if name_keys is not None:
            keep &= np.isin(self.naam_norm, list(name_keys))
        kind_keys = _kind_keys(kinds)
        if kind_keys is not None:
            keep &= np.isin(self.kind, list(kind_keys))
        return keep

    def filter(
        self, names: Iterable[str] | None = None, kinds: Iterable[str] | None = None
    ) -> ZoningLayer:
        """A new layer with only the zones matching ``names`` and ``kinds`` (order kept)."""
        keep = self.mask(names, kinds)
        return ZoningLayer(
            self.geometry[keep],
            self.kind[keep],
            self.naam[keep],
            self.identificatie[keep],
            self.plan_id[keep],
            source=self.source,
            repairs=self.repairs,
            skipped=self.skipped,
        )

    # -- queries -------------------------------------------------------------------------

    def _candidates(
        self,
        geom: BaseGeometry,
        names: Iterable[str] | None,
        kinds: Iterable[str] | None,
    ) -> tuple[bool, list[int]]:
        """(is_point, indices of matching zones that cover the point / intersect the area)."""
        if not isinstance(geom, BaseGeometry) or geom.is_empty:
            raise InputError("zoning query needs a non-empty point or polygon geometry")
        type_id = shapely.get_type_id(geom)
        if type_id == 0:  # Point: "covered_by" so a point on the boundary counts as inside
            idx = self.tree.query(geom, predicate="covered_by")
            is_point = True
        elif type_id in (3, 6) and geom.area > 0:
            idx = self.tree.query(geom, predicate="intersects")
            is_point = False
        else:
            raise InputError(
                f"zoning query needs a point or a polygon with an area, got {geom.geom_type}"
            )
        name_keys = _name_keys(names)
        kind_keys = _kind_keys(kinds)
        hits = [
            int(i)
            for i in idx
            if (name_keys is None or self.naam_norm[i] in name_keys)
            and (kind_keys is None or self.kind[i] in kind_keys)
        ]
        return is_point, hits

    def zones_at(
        self,
        geom: BaseGeometry,
        names: Iterable[str] | None = None,
        kinds: Iterable[str] | None = None,
    ) -> list[ZoneHit]:
        """Zones at a point or polygon, optionally only those with given names and kinds.

        Parameters
        ----------
        geom
            A Point (zones that cover it, boundary included) or a Polygon/MultiPolygon with
            an area (zones that intersect it) in EPSG:28992.
        names
            Designations to keep, compared after :func:`normalise_designation`.
        kinds
            Kinds to keep (case-insensitive), e.g. ``["enkelbestemming"]``.

        Returns
        -------
        list of ZoneHit
            Sorted by fraction (largest first), then kind, normalised name, identificatie
            and row index, so the order is deterministic.
        """
        is_point, hits = self._candidates(geom, names, kinds)
        if is_point:
            fractions = [1.0] * len(hits)
        else:
            inter = shapely.intersection(self.geometry[hits], geom) if hits else []
            area = geom.area
            fractions = [min(1.0, float(a) / area) for a in shapely.area(inter)]
        out = [
            ZoneHit(
                index=i,
                kind=self.kind[i],
                naam=self.naam[i],
                identificatie=self.identificatie[i],
                plan_id=self.plan_id[i],
                fraction=f,
            )
            for i, f in zip(hits, fractions, strict=True)
        ]
        out.sort(
            key=lambda h: (-h.fraction, h.kind, self.naam_norm[h.index], h.identificatie, h.index)
        )
        return out

    def coverage(
        self,
        geom: BaseGeometry,
        names: Iterable[str] | None,
        kinds: Iterable[str] | None = None,
    ) -> float:
        """Fraction of ``geom`` inside the union of the matching zones.

        For a point this is 1.0 or 0.0 (a point on a zone boundary is inside).  For a
        polygon it is the area share in [0, 1]: 1.0 means inside, 0.0 outside, anything in
        between partly inside (a case for review).  ``names=None`` matches every name.
        """
        is_point, hits = self._candidates(geom, names, kinds)
        if is_point:
            return 1.0 if hits else 0.0
        if not hits:
            return 0.0
        zones = self.geometry[hits]
        # Cheap exact answer for the common case of a footprint wholly inside one zone.
        if shapely.covers(zones, geom).any():
            return 1.0
        inside = shapely.union_all(shapely.intersection(zones, geom))
        return max(0.0, min(1.0, inside.area / geom.area))

    # -- storage -------------------------------------------------------------------------

    def to_parquet(self, path: Path | str) -> None:
        """Write the layer as GeoParquet 1.0 (WKB geometry, CRS EPSG:28992 as PROJJSON).

        ``source``, ``repairs`` and ``skipped`` go into the file's key-value metadata.  The
        file is readable by ``geopandas.read_parquet`` and round-trips exactly through
        :meth:`from_parquet`.
        """
        import pyarrow as pa
        import pyarrow.parquet as pq
        from pyproj import CRS

        types = sorted({g.geom_type for g in self.geometry})
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
            "source": self.source,
            "repairs": self.repairs,
            "skipped": self.skipped,
        }
        table = pa.table(
            {
                "kind": pa.array(self.kind.tolist(), pa.string()),
                "naam": pa.array(self.naam.tolist(), pa.string()),
                "identificatie": pa.array(self.identificatie.tolist(), pa.string()),
                "plan_id": pa.array(self.plan_id.tolist(), pa.string()),
                "geometry": pa.array(shapely.to_wkb(self.geometry).tolist(), pa.binary()),
            }
        ).replace_schema_metadata(
            {b"geo": json.dumps(geo).encode(), _PARQUET_KEY: json.dumps(ours).encode()}
        )
        pq.write_table(table, str(path))

    @classmethod
    def from_parquet(cls, path: Path | str) -> ZoningLayer:
        """Read a layer written by :meth:`to_parquet` (or any GeoParquet in EPSG:28992)."""
        import pyarrow.parquet as pq

        path = Path(path)
        try:
            if not path.is_file():
                raise SourceError(f"{path}: zoning parquet file not found")
            table = pq.read_table(str(path))
        except (OSError, ValueError) as exc:  # ArrowInvalid is a ValueError
            raise SourceError(f"{path.name}: not a readable Parquet file ({exc})") from exc
        meta = table.schema.metadata or {}
        try:
            geo = json.loads(meta[b"geo"])
            column = geo["primary_column"]
            crs = geo["columns"][column].get("crs", "OGC:CRS84")  # GeoParquet default
        except (KeyError, ValueError, TypeError) as exc:
            raise SourceError(
                f"{path.name}: not a GeoParquet file (no valid 'geo' metadata)"
            ) from exc
        _check_crs(path, crs)
        ours = json.loads(meta.get(_PARQUET_KEY, b"{}"))
        missing = [
            c for c in ("kind", "naam", "identificatie", "plan_id") if c not in table.column_names
        ]
        if missing:
            raise SourceError(
                f"{path.name}: not a zoning layer (missing column(s) {', '.join(missing)})"
            )
        geometry = shapely.from_wkb(np.asarray(table.column(column).to_pylist(), dtype=object))
        return cls(
            geometry,
            np.asarray(table.column("kind").to_pylist(), dtype=object),
            np.asarray(table.column("naam").to_pylist(), dtype=object),
            np.asarray(table.column("identificatie").to_pylist(), dtype=object),
            np.asarray(table.column("plan_id").to_pylist(), dtype=object),
            source=str(ours.get("source", path.name)),
            repairs=int(ours.get("repairs", 0)),
            skipped=int(ours.get("skipped", 0)),
        )


# --------------------------------------------------------------------------- CRS


def _describe_crs(crs: Any) -> str:
    from pyproj import CRS

    try:
        c = CRS.from_user_input(crs)
    except Exception:  # pyproj raises CRSError or others for garbage; only for a message
        return str(crs)
    code = c.to_authority()
    label = f"{code[0]}:{code[1]}" if code else c.name
    unit = c.axis_info[0].unit_name if c.axis_info else "unknown unit"
    return f"{label} ({c.name}, {unit})"


def _is_rd_new(crs: Any) -> bool:
    from pyproj import CRS

    try:
        c = CRS.from_user_input(crs)
    except Exception:
        return False
    if c.is_compound and c.sub_crs_list:
        c = c.sub_crs_list[0]
    return c.to_epsg(min_confidence=90) == 28992


def _check_crs(path: Path, crs: Any, hint: str = "") -> None:
    if crs is not None and _is_rd_new(crs):
        return
    found = "no CRS" if crs is None else f"CRS {_describe_crs(crs)}"
    raise CRSError(
        f"{path.name}: geometry has {found}{hint}; zoning geometry must be in "
        f"{RD_NEW} (RD New, metres)"
    )


# --------------------------------------------------------------------------- readers


def read_zoning(
    path: Path | str,
    *,
    name_field: str | None = None,
    kind: str | None = None,
    layer: str | None = None,
) -> ZoningLayer:
    """Read zone polygons from an IMRO2012 GML plan, a GeoPackage or a GeoJSON file.

    The format is chosen by content, not by extension.

    Parameters
    ----------
    path
        The file.
    name_field
        GeoPackage/GeoJSON: the designation column.  Default: the first present of
        ``naam``, ``bestemming``, ``functie``, ``designation``, ``name`` (case-insensitive).
        IMRO always uses ``imro:naam``; any other value is refused.
    kind
        GeoPackage/GeoJSON: the kind of every zone.  Default: the value of a ``kind`` or
        ``type`` column if present, else "gebied".  IMRO uses the feature type.
    layer
        GeoPackage: the layer (required when it has several polygon layers).  IMRO: keep
        one feature type only, e.g. "Enkelbestemming".

    Raises
    ------
    SourceError
        Missing or unreadable file, unknown format, no polygon features.
    CRSError
        Geometry not in EPSG:28992.
    InputError
        An option that does not fit the file (unknown column or layer).
    """
    path = Path(path)
    if not path.exists():
        raise SourceError(f"{path}: zoning file not found")
    if not path.is_file():
        raise SourceError(f"{path}: not a file (expected an IMRO GML, GeoPackage or GeoJSON file)")
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise SourceError(f"{path.name}: cannot read ({exc.strerror})") from exc
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"SQLite format 3\x00"):
        return _read_ogr(path, "GeoPackage", name_field, kind, layer)
    if text.startswith(b"<"):
        if name_field not in (None, "naam"):
            raise InputError(f"{path.name}: IMRO plans always use imro:naam; drop name_field")
        if kind is not None:
            raise InputError(
                f"{path.name}: IMRO plans take the kind from the feature type; drop kind"
            )
        return _read_imro(path, layer)
    if text.startswith((b"{", b"[")):
        return _read_ogr(path, "GeoJSON", name_field, kind, layer)
    raise SourceError(
        f"{path.name}: not a zoning file (expected IMRO2012 GML, GeoPackage or GeoJSON)"
    )


def _pick(columns: list[str], wanted: Iterable[str]) -> str | None:
    """First of ``wanted`` among ``columns``: exact match first, then case-insensitive."""
    lower = {c.lower(): c for c in reversed(columns)}
    for w in wanted:
        if w in columns:
            return w
        if w.lower() in lower:
            return lower[w.lower()]
    return None


def _polygonal(geom: BaseGeometry | None) -> tuple[BaseGeometry | None, bool]:
    """(valid polygonal part or None, whether a repair was needed)."""
    if geom is None or geom.is_empty:
        return None, False
    repaired = False
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
        repaired = True
    if shapely.get_type_id(geom) not in (3, 6):
        # Keep the polygonal parts of a collection (make_valid can produce lines as well).
        parts = [p for p in shapely.get_parts(geom) if shapely.get_type_id(p) in (3, 6)]
        if not parts:
            return None, repaired
        geom = shapely.union_all(parts)
        if shapely.get_type_id(geom) not in (3, 6) or geom.is_empty:
            return None, repaired
    return geom, repaired


def _read_ogr(
    path: Path, fmt: str, name_field: str | None, kind: str | None, layer: str | None
) -> ZoningLayer:
    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError
    from pyogrio.raw import read as ogr_read

    try:
        with warnings.catch_warnings():
            # GDAL warnings (e.g. "bad application_id") would reach the user as noise.
            warnings.simplefilter("ignore", RuntimeWarning)
            layers = pyogrio.list_layers(path)
    except (DataSourceError, DataLayerError) as exc:
        raise SourceError(f"{path.name}: not a readable {fmt} file ({_first_line(exc)})") from exc
    names = [str(n) for n, _ in layers]
    if layer is None:
        polygon_layers = [str(n) for n, t in layers if t and "polygon" in str(t).lower()]
        if fmt == "GeoPackage" and len(polygon_layers) > 1:
            raise InputError(
                f"{path.name}: several polygon layers ({', '.join(polygon_layers)}); choose one"
            )
        layer = polygon_layers[0] if polygon_layers else (names[0] if names else None)
        if layer is None:
            raise SourceError(f"{path.name}: no layers (expected polygons with designations)")
    elif layer not in names:
        raise InputError(f"{path.name}: no layer {layer!r} (layers: {', '.join(names)})")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            meta, fids, wkb, values = ogr_read(path, layer=layer, return_fids=True)
    except (DataSourceError, DataLayerError) as exc:
        raise SourceError(f"{path.name}: cannot read layer {layer!r} ({_first_line(exc)})") from exc

    hint = ""
    crs = meta.get("crs")
    if fmt == "GeoJSON" and (crs is None or "4326" in str(crs) or "CRS84" in str(crs)):
        hint = " (a GeoJSON file without a 'crs' member is in CRS84 per RFC 7946)"
    _check_crs(path, crs, hint)

    columns = [str(c) for c in meta["fields"]]
    data = dict(zip(columns, values, strict=True))
    if name_field is not None:
        if name_field not in columns:
            raise InputError(
                f"{path.name}: no column {name_field!r} for the designation "
                f"(columns: {', '.join(columns) or 'none'})"
            )
        name_col = name_field
    else:
        found = _pick(columns, NAME_FIELDS)
        if found is None:
            raise InputError(
                f"{path.name}: no designation column (looked for {', '.join(NAME_FIELDS)}; "
                f"columns: {', '.join(columns) or 'none'}); pass name_field"
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
    rows: dict[str, list[Any]] = {k: [] for k in ("g", "kind", "naam", "id", "plan")}
    repairs = skipped = 0
    for i, g in enumerate(geoms):
        poly, repaired = _polygonal(g)
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
    if not rows["g"]:
        raise SourceError(
            f"{path.name}: layer {layer!r} has no polygon features "
            f"(expected polygons with designations)"
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
    )


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


# --------------------------------------------------------------------------- IMRO GML


def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _ns(tag: Any) -> str:
    return (etree.QName(tag).namespace or "") if isinstance(tag, str) else ""


class _ImroError(Exception):
    """Internal: a problem in one feature; becomes a SourceError naming file and feature."""


def _srs_code(srs: str) -> int | None:
    """EPSG code from an srsName such as urn:ogc:def:crs:EPSG::28992 or EPSG:28992."""
    if "epsg" not in srs.lower():
        return None
    m = re.search(r"(\d+)\s*$", srs)
    return int(m.group(1)) if m else None


def _coords(el: etree._Element, dim: int) -> np.ndarray:
    """Coordinates of a posList / pos* / coordinates parent as an (n, 2) array."""
    pos_list = el.find(f"{{{GML32}}}posList")
    if pos_list is not None:
        dim = int(pos_list.get("srsDimension") or dim)
        values = (pos_list.text or "").split()
    else:
        pos = el.findall(f"{{{GML32}}}pos")
        if pos:
            values = []
            for p in pos:
                parts = (p.text or "").split()
                dim = len(parts) or dim
                values.extend(parts)
        else:
            coordinates = el.find(f"{{{GML32}}}coordinates")
            if coordinates is None:
                raise _ImroError(f"{_local(el.tag)} without coordinates")
            tuples = (coordinates.text or "").split()
            dim = len(tuples[0].split(",")) if tuples else dim
            values = [v for t in tuples for v in t.split(",")]
    try:
        arr = np.asarray(values, dtype=float)
    except ValueError as exc:
        raise _ImroError(f"non-numeric coordinates in {_local(el.tag)}") from exc
    if not np.isfinite(arr).all():
        raise _ImroError(f"non-finite coordinates in {_local(el.tag)}")
    if dim < 2 or arr.size % dim:
        raise _ImroError(f"{arr.size} coordinate values do not fit dimension {dim}")
    return arr.reshape(-1, dim)[:, :2]


def _arc_points(p0: np.ndarray, p1: np.ndarray, p2: np.ndarray, full: bool = False) -> np.ndarray:
    """Densify the circular arc p0 -> p1 -> p2 (or the full circle through them).

    Segment count keeps the chord-to-arc distance within :data:`ARC_TOLERANCE`.  The result
    includes both end points; three collinear points give the straight line p0 -> p2.
    """
    (ax, ay), (bx, by), (cx, cy) = p0, p1, p2
    d = 2.0 * (ax * (by - cy) + bx * (cy - ay) + cx * (ay - by))
    scale = max(abs(bx - ax), abs(by - ay), abs(cx - bx), abs(cy - by), 1e-12)
    if abs(d) < 1e-12 * scale * scale:  # collinear: a straight segment
        return np.array([p0, p2])
    # Centre from coordinates relative to p0, to keep precision with RD values ~1e5.
    bx_, by_, cx_, cy_ = bx - ax, by - ay, cx - ax, cy - ay
    d = 2.0 * (bx_ * cy_ - by_ * cx_)
    ux = (cy_ * (bx_**2 + by_**2) - by_ * (cx_**2 + cy_**2)) / d
    uy = (bx_ * (cx_**2 + cy_**2) - cx_ * (bx_**2 + by_**2)) / d
    r = math.hypot(ux, uy)
    ox, oy = ax + ux, ay + uy
    a0 = math.atan2(ay - oy, ax - ox)
    a2 = math.atan2(cy - oy, cx - ox)
    ccw = d > 0  # orientation of p0 -> p1 -> p2
    tau = 2.0 * math.pi
    if full:
        sweep = tau if ccw else -tau
    elif ccw:
        sweep = (a2 - a0) % tau
    else:
        sweep = -((a0 - a2) % tau)
    step = 2.0 * math.acos(max(-1.0, 1.0 - ARC_TOLERANCE / r)) if r > ARC_TOLERANCE else math.pi
    n = max(2, math.ceil(abs(sweep) / min(step, math.pi / 8)))
    angles = a0 + sweep * np.linspace(0.0, 1.0, n + 1)
    pts = np.column_stack([ox + r * np.cos(angles), oy + r * np.sin(angles)])
    # The exact given points at the ends, so consecutive segments join without gaps.
    pts[0] = p0
    pts[-1] = p0 if full else p2
    return pts


def _curve_coords(curve: etree._Element, dim: int) -> np.ndarray:
    """Coordinates of a gml:Curve / LineString / LinearRing, arcs densified."""
    name = _local(curve.tag)
    if name in ("LineString", "LinearRing"):
        return _coords(curve, dim)
    if name != "Curve":
        raise _ImroError(f"unsupported ring member gml:{name}")
    segments = curve.find(f"{{{GML32}}}segments")
    if segments is None:
        raise _ImroError("gml:Curve without gml:segments")
    parts: list[np.ndarray] = []
    for seg in segments:
        kind = _local(seg.tag)
        if not kind:
            continue  # comment or processing instruction
        pts = _coords(seg, dim)
        if kind in ("LineStringSegment", "LineString", "GeodesicString"):
            part = pts
        elif kind in ("Arc", "ArcString", "Circle"):
            if len(pts) < 3 or len(pts) % 2 == 0:
                raise _ImroError(f"gml:{kind} needs an odd number (>= 3) of points")
            if kind == "Circle":
                part = _arc_points(pts[0], pts[1], pts[2], full=True)
            else:
                pieces = [
                    _arc_points(pts[k], pts[k + 1], pts[k + 2]) for k in range(0, len(pts) - 2, 2)
                ]
                part = np.vstack([pieces[0], *(p[1:] for p in pieces[1:])])
        else:
            raise _ImroError(f"unsupported curve segment gml:{kind}")
        if parts and np.array_equal(parts[-1][-1], part[0]):
            part = part[1:]  # segments share their end points
        parts.append(part)
    if not parts:
        raise _ImroError("gml:Curve without segments")
    return np.vstack(parts)


def _ring(boundary: etree._Element, dim: int) -> np.ndarray:
    """Coordinates of a gml:exterior / gml:interior."""
    ring = next((c for c in boundary if _local(c.tag)), None)
    if ring is None:
        raise _ImroError(f"empty gml:{_local(boundary.tag)}")
    if _local(ring.tag) == "Ring":
        coords = []
        for member in ring.iterfind(f"{{{GML32}}}curveMember"):
            curve = next((c for c in member if _local(c.tag)), None)
            if curve is None:  # xlink:href to a curve elsewhere; IMRO files inline them
                raise _ImroError("gml:curveMember without an inline curve (xlink not supported)")
            coords.append(_curve_coords(curve, dim))
        if not coords:
            raise _ImroError("gml:Ring without curve members")
        out = coords[0]
        for part in coords[1:]:
            out = np.vstack([out, part[1:] if np.array_equal(out[-1], part[0]) else part])
    else:
        out = _curve_coords(ring, dim)
    if len(out) and not np.array_equal(out[0], out[-1]):
        out = np.vstack([out, out[:1]])
    if len(out) < 4:
        raise _ImroError("ring with fewer than 4 points")
    return out


def _polygon(el: etree._Element, dim: int) -> BaseGeometry:
    """gml:Polygon or gml:PolygonPatch."""
    exterior = el.find(f"{{{GML32}}}exterior")
    if exterior is None:
        raise _ImroError(f"gml:{_local(el.tag)} without gml:exterior")
    holes = [_ring(i, dim) for i in el.iterfind(f"{{{GML32}}}interior")]
    return shapely.Polygon(_ring(exterior, dim), holes)


def _surface(
    el: etree._Element, dim: int, srs: str | None
) -> tuple[BaseGeometry | None, str | None]:
    """(geometry or None when not polygonal, srsName in effect) of a geometry element."""
    name = _local(el.tag)
    srs = el.get("srsName") or srs
    dim = int(el.get("srsDimension") or dim)
    if name == "Polygon":
        return _polygon(el, dim), srs
    if name == "Surface":
        patches = el.find(f"{{{GML32}}}patches")
        polys = [
            _polygon(p, dim)
            for p in (patches if patches is not None else [])
            if _local(p.tag) == "PolygonPatch"
        ]
        if not polys:
            raise _ImroError("gml:Surface without gml:PolygonPatch")
        return (polys[0] if len(polys) == 1 else shapely.union_all(polys)), srs
    if name in ("MultiSurface", "CompositeSurface", "MultiPolygon"):
        polys = []
        for member in el:
            if _local(member.tag) not in ("surfaceMember", "surfaceMembers", "polygonMember"):
                continue
            for child in member:
                if _local(child.tag):
                    geom, _ = _surface(child, dim, srs)
                    if geom is not None:
                        polys.append(geom)
        if not polys:
            raise _ImroError(f"gml:{name} without surface members")
        return shapely.union_all(polys), srs
    return None, srs  # point, curve: not a zone


def _text(el: etree._Element, path: str) -> str:
    found = el.find(path)
    return (found.text or "").strip() if found is not None else ""


def _idn(feature: etree._Element, ns: str, with_version: bool) -> str:
    """NEN3610 IDN "namespace.lokaalID[-versie]", falling back to gml:id."""
    nen = feature.find(f"{{{ns}}}identificatie/{{{ns}}}NEN3610ID")
    gml_id = feature.get(f"{{{GML32}}}id") or ""
    if nen is None:
        return gml_id
    local_id = _text(nen, f"{{{ns}}}lokaalID")
    if not local_id:
        return gml_id
    namespace = _text(nen, f"{{{ns}}}namespace")
    versie = _text(nen, f"{{{ns}}}versie") if with_version else ""
    idn = f"{namespace}.{local_id}" if namespace else local_id
    return f"{idn}-{versie}" if versie else idn


def _iter_features(path: Path) -> Iterator[tuple[str, etree._Element, str | None]]:
    """Yield (IMRO namespace, feature element, inherited srsName) per imro:featureMember.

    Elements are cleared after use, so memory stays flat for large plans.
    """
    context = etree.iterparse(
        str(path),
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        huge_tree=True,  # long posLists; entities are not resolved, so this is safe
        remove_comments=True,
    )
    ns: str | None = None
    root_srs: str | None = None
    depth = 0
    for event, el in context:
        if event == "start":
            depth += 1
            if depth == 1:
                ns = _ns(el.tag)
                if ns not in IMRO2012_NAMESPACES:
                    what = (
                        "an IMRO2008 plan (only IMRO2012 is supported)"
                        if "geonovum.nl/imro/2008" in (ns or "")
                        else f"root element {_local(el.tag)!r} in namespace {ns or 'none'}"
                    )
                    raise SourceError(
                        f"{path.name}: not an IMRO2012 GML plan ({what}); expected "
                        "imro:FeatureCollectionIMRO in http://www.geonovum.nl/imro/2012/1.1 or 1.0"
                    )
                root_srs = el.get("srsName")
            continue
        depth -= 1
        if depth == 1 and _local(el.tag) in ("featureMember", "featureMembers"):
            assert ns is not None
            for feature in el:
                if _local(feature.tag):
                    yield ns, feature, root_srs
            el.clear()
            parent = el.getparent()
            while parent is not None and el.getprevious() is not None:
                del parent[0]  # drop processed siblings


def _read_imro(path: Path, layer: str | None) -> ZoningLayer:
    wanted = {t.lower(): t for t in (*IMRO_ZONE_TYPES, IMRO_PLAN_TYPE)}
    if layer is not None and layer.lower() not in wanted:
        raise InputError(
            f"{path.name}: no IMRO feature type {layer!r} "
            f"(choose from {', '.join(wanted.values())})"
        )
    rows: list[tuple[BaseGeometry, str, str, str, str]] = []  # geom, kind, naam, id, plan ref
    plan_ids: list[str] = []
    repairs = skipped = 0
    try:
        for ns, feature, root_srs in _iter_features(path):
            ftype = _local(feature.tag)
            if ftype not in wanted.values():
                continue  # Maatvoering, Figuur, metadata, ...
            is_plan = ftype == IMRO_PLAN_TYPE
            if is_plan:
                # The plan id is its gml:id, because features refer to the plan by
                # imro:plangebied/@xlink:href="#<gml:id>"; in 2012_10.gml the NEN3610 versie
                # (9005) even disagrees with the gml:id (-0005).
                idn = feature.get(f"{{{GML32}}}id") or _idn(feature, ns, with_version=True)
                plan_ids.append(idn)
            else:
                idn = _idn(feature, ns, with_version=False)
            if layer is not None and ftype.lower() != layer.lower():
                continue
            geometrie = feature.find(f"{{{ns}}}geometrie")
            geom_el = (
                next((c for c in geometrie if _local(c.tag)), None)
                if geometrie is not None
                else None
            )
            if geom_el is None:
                skipped += 1
                continue
            try:
                geom, srs = _surface(geom_el, 2, root_srs)
            except (_ImroError, ValueError, shapely.errors.GEOSException) as exc:
                # ValueError: a bad srsDimension; GEOSException: coordinates GEOS refuses.
                raise SourceError(
                    f"{path.name}: cannot read the geometry of {ftype} {idn!r} ({exc})"
                ) from exc
            # IMRO2012 prescribes RD New; a missing srsName is taken to mean that.
            code = _srs_code(srs) if srs else 28992
            if code not in RD_EPSG_CODES:
                raise CRSError(
                    f"{path.name}: {ftype} {idn!r} has srsName {srs!r}; zoning geometry must "
                    f"be in {RD_NEW} (RD New, metres)"
                )
            poly, repaired = _polygonal(geom)
            repairs += repaired
            if poly is None:
                skipped += 1
                continue
            href = ""
            ref = feature.find(f"{{{ns}}}plangebied")
            if ref is not None:
                href = (ref.get(f"{{{XLINK}}}href") or "").lstrip("#")
            naam = _text(feature, f"{{{ns}}}naam")
            rows.append((poly, ftype.lower(), naam, idn, idn if is_plan else href))
    except etree.XMLSyntaxError as exc:
        raise SourceError(f"{path.name}: not well-formed XML ({_first_line(exc)})") from exc
    except OSError as exc:
        raise SourceError(f"{path.name}: cannot read ({exc})") from exc
    if not rows:
        raise SourceError(
            f"{path.name}: IMRO plan without zone polygons (expected "
            f"{', '.join(IMRO_ZONE_TYPES)} or {IMRO_PLAN_TYPE} with a surface geometry)"
        )
    # A feature without its own plangebied reference belongs to the plan in the file.
    file_plan = plan_ids[0] if len(plan_ids) == 1 else ""
    return ZoningLayer(
        np.array([r[0] for r in rows], dtype=object),
        np.array([r[1] for r in rows], dtype=object),
        np.array([r[2] for r in rows], dtype=object),
        np.array([r[3] for r in rows], dtype=object),
        np.array([r[4] or file_plan for r in rows], dtype=object),
        source=path.name,
        repairs=repairs,
        skipped=skipped,
    )
