"""The evidence of a verdict as a GeoJSON FeatureCollection, in RD (EPSG:28992), for maps.

``verdict_features(verdict, dataset)`` draws what the officer should see: the applicant's pand
footprint(s) and address point, and for every rule its evidence rows (one feature per row,
linked by ``rule`` and ``evidence`` = the row's index in ``rule.evidence``) plus the context
that explains them: the other dwellings of the street (counted ones marked), the radius around
the application with the dwellings inside it, and the zones that decide a zoning rule.

Every feature's ``properties`` carry:

- ``id``: stable text id (``"<rule>/<evidence index>"`` for evidence rows, ``"aanvraag/..."``
  and ``"<rule>/<role>/..."`` for context);
- ``role``: what it is on the map (see ``ROLES``);
- ``rule`` and ``evidence``: the rule id and evidence row index (``None`` for context that is
  no evidence row, ``rule`` ``None`` for the application itself);
- ``relation``, ``verblijfsobject``, ``pand``, ``address``, ``distance_m``: copied from the
  evidence row (or describing the context feature);
- ``counted``: for dwellings, whether they count against the application;
- ``outcome``: the rule's outcome.

The collection is in RD metres, like every distance the engine computed; ``to_crs84`` makes a
copy in longitude/latitude for web maps. Distances are never computed on transformed
coordinates: they are in the verdict, from the engine.

Pure: reads the dataset and the verdict, no files, clock or network. Same inputs give the same
collection (sorted, coordinates rounded to the millimetre).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping

from spreidingstoets.dataset.model import Dataset
from spreidingstoets.domain.model import Evidence, RuleOutcome, Verdict

RD = "EPSG:28992"
CRS84 = "OGC:CRS84"
RD_URN = "urn:ogc:def:crs:EPSG::28992"
DECIMALS_RD = 3  # millimetres
DECIMALS_DEGREES = 8  # about a millimetre too

# role -> what it is (Dutch, for legends)
ROLES: dict[str, str] = {
    "application_pand": "pand van de aanvraag",
    "application_point": "adres van de aanvraag",
    "evidence": "bewijs van een regel",
    "street_dwelling": "woning in dezelfde straat",
    "radius": "straal rond de aanvraag",
    "radius_dwelling": "woning binnen de straal",
    "zone": "zone",
    "adjacent_pand": "aangrenzend pand",
    "pand": "pand in de omgeving",
}
# Evidence about buildings is drawn as the pand footprint; other evidence as the address point.
FOOTPRINT_RELATIONS = frozenset(
    {"adjacent_pand", "side_neighbour", "enclosed_neighbour", "enclosing"}
)
# Evidence rows that are dwellings of the regulated kind counting against the application
# (an enclosed_neighbour is an ordinary dwelling; register entries are listed, not counted).
COUNTED_RELATIONS = frozenset(
    {
        "same_street",
        "same_pand",
        "adjacent_pand",
        "side_neighbour",
        "within_distance",
        "enclosing",
        "same_area",
    }
)
MEASURED_RELATIONS = frozenset({"within_distance", "radius_dwelling"})
RADIUS_TYPES = ("min_distance", "livability_review")
ADJACENCY_TYPES = ("not_adjacent", "not_enclosed")
PANDEN_AROUND_M = 40.0  # panden drawn for orientation: this far, or the largest radius
PANDEN_AROUND_MAX = 1500
CONTEXT_DWELLINGS_MAX = 2000  # a street or circle with more is drawn with its evidence only
CIRCLE_SEGMENTS = 32  # per quarter circle


def verdict_features(verdict: Verdict, dataset: Dataset) -> dict[str, Any]:
    """The evidence of ``verdict`` (computed on ``dataset``) as a FeatureCollection in RD."""
    ds = dataset
    unit = ds.unit_index(verdict.application.verblijfsobject)
    if unit < 0:
        raise ValueError(
            f"verblijfsobject {verdict.application.verblijfsobject} is not in dataset "
            f"{ds.dataset_id}"
        )
    features: list[dict[str, Any]] = list(_panden_around(ds, unit, verdict))
    features.extend(_application(ds, unit, verdict))
    for rule in verdict.rules:
        features.extend(_context(ds, unit, rule))
        for i, ev in enumerate(rule.evidence):
            features.append(_evidence_feature(ds, unit, rule, i, ev))
    return {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": RD_URN}},
        "bbox": _bbox(features),
        "features": features,
    }


def evidence_keys(collection: dict[str, Any]) -> list[tuple[str, int]]:
    """(rule, evidence index) of every evidence feature, in order."""
    return [
        (f["properties"]["rule"], f["properties"]["evidence"])
        for f in collection["features"]
        if f["properties"]["evidence"] is not None
    ]


def to_crs84(collection: dict[str, Any]) -> dict[str, Any]:
    """A copy of an RD collection in longitude/latitude (RFC 7946 GeoJSON; no ``crs`` member).

    Only coordinates change; properties (with the engine's distances) are kept as they are.
    """
    return transform_collection(collection, CRS84)


def transform_collection(collection: dict[str, Any], target: str) -> dict[str, Any]:
    """A copy of an RD collection with every coordinate transformed to ``target``."""
    transform = _transformer(target)
    decimals = DECIMALS_DEGREES if target in (CRS84, "EPSG:4326") else DECIMALS_RD
    out = copy.deepcopy(collection)
    out.pop("crs", None)
    if target not in (CRS84, "EPSG:4326"):
        out["crs"] = {"type": "name", "properties": {"name": target}}
    for feature in out["features"]:
        geometry = feature.get("geometry")
        if geometry is not None:
            feature["geometry"] = _map_coords(geometry, transform, decimals)
    out["bbox"] = _bbox(out["features"])
    return out


# ---------------------------------------------------------------------------- internals


def _transformer(target: str) -> Callable[[float, float], tuple[float, float]]:
    from pyproj import Transformer

    # always_xy: x = easting / longitude, y = northing / latitude, whatever the CRS's axis order
    t = Transformer.from_crs(RD, target, always_xy=True)
    return lambda x, y: t.transform(x, y)


def _map_coords(
    geometry: dict[str, Any], fn: Callable[[float, float], tuple[float, float]], decimals: int
) -> dict[str, Any]:
    def walk(c: Any) -> Any:
        if c and isinstance(c[0], int | float):
            x, y = fn(float(c[0]), float(c[1]))
            return [round(x, decimals), round(y, decimals)]
        return [walk(part) for part in c]

    if geometry["type"] == "GeometryCollection":
        return {
            "type": "GeometryCollection",
            "geometries": [_map_coords(g, fn, decimals) for g in geometry["geometries"]],
        }
    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def _geojson(geom: shapely.Geometry) -> dict[str, Any]:
    rounded = shapely.set_precision(geom, 10**-DECIMALS_RD) if geom.geom_type != "Point" else geom
    data = mapping(rounded)

    def walk(c: Any) -> Any:
        if c and isinstance(c[0], int | float):
            return [round(float(v), DECIMALS_RD) for v in c[:2]]
        return [walk(part) for part in c]

    return {"type": data["type"], "coordinates": walk(data["coordinates"])}


def _feature(geom: shapely.Geometry, **properties: Any) -> dict[str, Any]:
    props = {
        "id": properties.pop("id"),
        "role": properties.pop("role"),
        "rule": properties.pop("rule", None),
        "evidence": properties.pop("evidence", None),
        "relation": properties.pop("relation", None),
        "verblijfsobject": properties.pop("verblijfsobject", None),
        "pand": properties.pop("pand", None),
        "address": properties.pop("address", None),
        "distance_m": properties.pop("distance_m", None),
        "counted": properties.pop("counted", None),
        "outcome": properties.pop("outcome", None),
        **properties,
    }
    return {"type": "Feature", "id": props["id"], "geometry": _geojson(geom), "properties": props}


def _panden(ds: Dataset, rows: Iterable[int]) -> Iterator[tuple[str, shapely.Geometry]]:
    """(identificatie, footprint) of footprint rows, leaving out empty ones."""
    for f in rows:
        geom = ds.footprints.geom(int(f))
        if geom is not None and not geom.is_empty:
            yield ds.footprint_identificatie(int(f)), geom


def _application(ds: Dataset, unit: int, verdict: Verdict) -> Iterator[dict[str, Any]]:
    a = verdict.application
    for pand, geom in _panden(ds, ds.unit_fps.members(unit).tolist()):
        yield _feature(
            geom,
            id=f"aanvraag/pand/{pand}",
            role="application_pand",
            verblijfsobject=a.verblijfsobject,
            pand=pand,
            address=a.address,
            outcome=verdict.outcome,
        )
    yield _feature(
        ds.unit_point(unit),
        id=f"aanvraag/adres/{a.verblijfsobject}",
        role="application_point",
        relation="application",
        verblijfsobject=a.verblijfsobject,
        address=a.address,
        outcome=verdict.outcome,
    )


def _unit_geometry(ds: Dataset, u: int, relation: str, rule: RuleOutcome) -> shapely.Geometry:
    """A pand footprint for evidence about buildings and for distances measured between
    footprints (so a dwelling within the radius is drawn inside it), else the address point."""
    by_footprint = relation in FOOTPRINT_RELATIONS or (
        relation in MEASURED_RELATIONS
        and rule.parameters.get("measure", "footprint") == "footprint"
    )
    return ds.unit_geometry(u) if by_footprint else ds.unit_point(u)


def _evidence_feature(
    ds: Dataset, unit: int, rule: RuleOutcome, i: int, ev: Evidence
) -> dict[str, Any]:
    common = {
        "id": f"{rule.rule}/{i}",
        "role": "evidence",
        "rule": rule.rule,
        "rule_type": rule.type,
        "evidence": i,
        "relation": ev.relation,
        "verblijfsobject": ev.verblijfsobject,
        "pand": ev.pand,
        "address": ev.address,
        "distance_m": ev.distance_m,
        "outcome": rule.outcome,
    }
    if ev.relation == "zone":
        geom = _zone_geometry(ds, rule, ev)
        return _feature(
            geom if geom is not None else ds.unit_point(unit),
            **common,
            zone=ev.detail.get("naam"),
            zone_kind=ev.detail.get("kind"),
            zone_role=ev.detail.get("role"),
            identificatie=ev.detail.get("identificatie"),
            located=geom is not None,
        )
    u = ds.unit_index(ev.verblijfsobject) if ev.verblijfsobject else -1
    if u < 0:
        # No unit to draw: at the application, so the row still has its place on the map.
        return _feature(ds.unit_point(unit), **common, located=False)
    counted = (
        True
        if ev.relation in COUNTED_RELATIONS
        else False
        if ev.relation == "enclosed_neighbour"
        else None
    )
    return _feature(
        _unit_geometry(ds, u, ev.relation, rule), **common, counted=counted, located=True
    )


def _rule_layers(rule: RuleOutcome) -> list[str]:
    """Layer names a rule's parameters refer to, in order of appearance."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            layer = value.get("layer")
            if isinstance(layer, str) and layer not in found:
                found.append(layer)
            for v in value.values():
                walk(v)
        elif isinstance(value, list | tuple):
            for v in value:
                walk(v)

    walk(rule.parameters)
    walk(rule.limit)
    return found


def _zone_geometry(ds: Dataset, rule: RuleOutcome, ev: Evidence) -> shapely.Geometry | None:
    ident = ev.detail.get("identificatie")
    naam = ev.detail.get("naam")
    for name in _rule_layers(rule):
        layer = ds.layers.get(name)
        if layer is None:
            continue
        rows = [
            i
            for i in range(len(layer))
            if layer.identificatie[i] == ident and (naam is None or layer.naam[i] == naam)
        ]
        if rows:
            geoms = [layer.geometry[i] for i in rows]
            return geoms[0] if len(geoms) == 1 else shapely.union_all(geoms)
    return None


def _context(ds: Dataset, unit: int, rule: RuleOutcome) -> Iterator[dict[str, Any]]:
    if rule.outcome == "not_applicable":
        return
    if rule.type == "street_share":
        yield from _street_dwellings(ds, unit, rule)
    if rule.type in RADIUS_TYPES:
        yield from _radius(ds, unit, rule)
    if rule.type in ADJACENCY_TYPES:
        yield from _adjacent_panden(ds, unit, rule)


def _adjacent_panden(ds: Dataset, unit: int, rule: RuleOutcome) -> Iterator[dict[str, Any]]:
    own = ds.unit_fps.members(unit)
    if not len(own):
        return
    tolerance = rule.parameters.get("tolerance_m", ds.adjacency_tolerance)
    geometry = ds.unit_geometry(unit)
    near = ds.footprints_within(geometry, float(tolerance)).tolist()
    for pand, geom in _panden(ds, sorted(set(near) - set(own.tolist()))):
        yield _feature(
            geom,
            id=f"{rule.rule}/pand/{pand}",
            role="adjacent_pand",
            rule=rule.rule,
            rule_type=rule.type,
            pand=pand,
            distance_m=round(float(shapely.distance(geometry, geom)), 2),
            outcome=rule.outcome,
        )


def _panden_around(ds: Dataset, unit: int, verdict: Verdict) -> Iterator[dict[str, Any]]:
    """The panden near the application, for orientation (no evidence of any rule)."""
    reach = max([PANDEN_AROUND_M] + [r for r in (_radius_m(rule) for rule in verdict.rules) if r])
    own = set(ds.unit_fps.members(unit).tolist())
    near = [f for f in ds.footprints_within(ds.unit_geometry(unit), reach).tolist() if f not in own]
    for pand, geom in _panden(ds, near[:PANDEN_AROUND_MAX]):
        yield _feature(geom, id=f"omgeving/pand/{pand}", role="pand", pand=pand)


def _counted_units(ds: Dataset, rule: RuleOutcome) -> set[int]:
    return {
        ds.unit_index(e.verblijfsobject)
        for e in rule.evidence
        if e.verblijfsobject and e.relation in COUNTED_RELATIONS
    }


def _dwelling_features(
    ds: Dataset, unit: int, rule: RuleOutcome, units: Iterable[int], role: str
) -> Iterator[dict[str, Any]]:
    counted = _counted_units(ds, rule)
    woning = ds.woning
    listed = sorted(int(u) for u in units if int(u) != unit and woning[int(u)])
    if len(listed) > CONTEXT_DWELLINGS_MAX:
        return
    for u in listed:
        vbo, address, pand = ds.unit_facts(u)
        yield _feature(
            _unit_geometry(ds, u, role, rule),
            id=f"{rule.rule}/{role}/{vbo}",
            role=role,
            rule=rule.rule,
            rule_type=rule.type,
            verblijfsobject=vbo,
            pand=pand,
            address=address,
            counted=u in counted,
            outcome=rule.outcome,
        )


def _street_dwellings(ds: Dataset, unit: int, rule: RuleOutcome) -> Iterator[dict[str, Any]]:
    street = int(ds.unit_street[unit])
    if street < 0:
        return
    yield from _dwelling_features(
        ds, unit, rule, ds.street_units.members(street).tolist(), "street_dwelling"
    )


def _radius_m(rule: RuleOutcome) -> float | None:
    for source in (rule.limit, rule.parameters):
        value = source.get("radius_m")
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            return float(value)
    return None


def _radius(ds: Dataset, unit: int, rule: RuleOutcome) -> Iterator[dict[str, Any]]:
    radius = _radius_m(rule)
    if radius is None:
        return
    by_point = rule.parameters.get("measure") == "point"
    centre = ds.unit_point(unit) if by_point else ds.unit_geometry(unit)
    # The area within the radius of the footprint (a circle when measured from the point).
    area = shapely.buffer(centre, radius, quad_segs=CIRCLE_SEGMENTS)
    yield _feature(
        area,
        id=f"{rule.rule}/straal",
        role="radius",
        rule=rule.rule,
        rule_type=rule.type,
        outcome=rule.outcome,
        radius_m=radius,
        measure="point" if by_point else "footprint",
    )
    if rule.type != "min_distance":
        return
    # Dwellings inside: their footprint (or point) within the radius of the application's.
    if by_point:
        near = ds.units_near_point(ds.unit_xy[unit], radius).tolist()
    else:
        fps = ds.footprints_within(centre, radius)
        near = np.unique(ds.fp_units.gather(fps)).tolist() if len(fps) else []
    yield from _dwelling_features(ds, unit, rule, near, "radius_dwelling")


def _bbox(features: list[dict[str, Any]]) -> list[float] | None:
    xs: list[float] = []
    ys: list[float] = []

    def walk(c: Any) -> None:
        if c and isinstance(c[0], int | float):
            xs.append(float(c[0]))
            ys.append(float(c[1]))
        else:
            for part in c:
                walk(part)

    for f in features:
        g = f.get("geometry")
        if g is not None and "coordinates" in g:
            walk(g["coordinates"])
    if not xs:
        return None
    return [min(xs), min(ys), max(xs), max(ys)]


def is_finite_collection(collection: dict[str, Any]) -> bool:
    """Every coordinate a finite number (a transform that failed gives inf)."""
    bbox = collection.get("bbox")
    return bbox is None or all(math.isfinite(v) for v in bbox)
