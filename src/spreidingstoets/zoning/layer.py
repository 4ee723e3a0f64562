"""The zoning layer model: named zone polygons, designation matching and layer queries.

Pure: numpy and shapely only, so the engine and the rule types can use it without loading
any file library.  Readers are in :mod:`spreidingstoets.zoning.readers`, GeoParquet storage
in :mod:`spreidingstoets.zoning.parquet`.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from spreidingstoets.errors import InputError
from spreidingstoets.spatial import POLYGONAL

DEFAULT_KIND = "gebied"


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
    :meth:`from_records`, :func:`spreidingstoets.zoning.readers.read_zoning` or
    :func:`spreidingstoets.zoning.parquet.read_layer`.

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
    attributes : dict of str to numpy.ndarray
        Other columns of a plain polygon file (e.g. ``woz_gemiddeld`` of a wijk), one value
        per zone (None when empty); empty for IMRO plans.
    """

    geometry: np.ndarray
    kind: np.ndarray
    naam: np.ndarray
    identificatie: np.ndarray
    plan_id: np.ndarray
    source: str = ""
    repairs: int = 0
    skipped: int = 0
    attributes: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
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
        if n and not np.isin(types, POLYGONAL).all():
            raise ValueError("ZoningLayer: every geometry must be a Polygon or MultiPolygon")
        # object.__setattr__ because the dataclass is frozen; these are derived once here.
        set_ = functools.partial(object.__setattr__, self)
        set_("geometry", geometry)
        set_("kind", _frozen_array(str(k) for k in self.kind))
        set_("naam", _frozen_array(str(v) for v in self.naam))
        set_("identificatie", _frozen_array(str(v) for v in self.identificatie))
        set_("plan_id", _frozen_array(str(v) for v in self.plan_id))
        for name, values in self.attributes.items():
            if len(values) != n:
                raise ValueError(f"ZoningLayer: attribute {name} has {len(values)} rows, not {n}")
        set_("attributes", {k: _frozen_array(v) for k, v in sorted(self.attributes.items())})
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
            attributes={
                name: np.concatenate(
                    [la.attributes.get(name, np.full(len(la), None, object)) for la in layers]
                )
                for name in sorted({k for la in layers for k in la.attributes})
            },
        )

    def attribute(self, name: str, index: int) -> Any:
        """The value of attribute ``name`` of zone ``index``, or None when absent or empty."""
        values = self.attributes.get(name)
        return None if values is None else values[index]

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
            attributes={k: v[keep] for k, v in self.attributes.items()},
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
            raise InputError("zones opzoeken kan alleen bij een niet-leeg punt of vlak")
        type_id = shapely.get_type_id(geom)
        if type_id == 0:  # Point: "covered_by" so a point on the boundary counts as inside
            idx = self.tree.query(geom, predicate="covered_by")
            is_point = True
        elif type_id in POLYGONAL and geom.area > 0:
            idx = self.tree.query(geom, predicate="intersects")
            is_point = False
        else:
            raise InputError(
                "zones opzoeken kan alleen bij een punt of een vlak met oppervlakte, "
                f"niet bij een {geom.geom_type}"
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

    def covers_points(
        self,
        points: np.ndarray,
        names: Iterable[str] | None = None,
        kinds: Iterable[str] | None = None,
    ) -> np.ndarray:
        """Per point of ``points`` (shapely Points): in a matching zone, boundary included.

        The bulk form of ``coverage(point, ...) >= 1``: one query for all points.
        """
        inside = np.zeros(len(points), dtype=bool)
        if len(points) == 0 or len(self) == 0:
            return inside
        where, zone = self.tree.query(points, predicate="covered_by")
        keep = self.mask(names, kinds)[zone]
        inside[where[keep]] = True
        return inside

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
