"""Zone polygons from an IMRO2012 GML plan (bestemmingsplan), read with lxml.

IMRO2012 GML is read with lxml (``iterparse``), not with GDAL's GML driver.  GDAL does read the
test plans correctly, but its result depends on state outside the file: it writes a ``.gfs``
sidecar next to the input, silently reuses an existing (possibly stale) one, and may download
the IMRO application schema when online.  It also strokes arcs with a process-wide setting in
degrees and drops the per-geometry ``srsName`` and plan references.  The lxml reader is
deterministic, side-effect free, checks ``srsName`` on every geometry and densifies arcs to a
tolerance in metres (:data:`ARC_TOLERANCE`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from lxml import etree
from shapely.geometry.base import BaseGeometry

from spreidingstoets.errors import InputError, SourceError
from spreidingstoets.spatial import repair_polygon, require_rd
from spreidingstoets.zoning.layer import ZoningLayer
from spreidingstoets.zoning.readers import first_line

__all__ = ["ARC_TOLERANCE", "read_imro"]

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
IMRO2012_NAMESPACES = frozenset(
    {"http://www.geonovum.nl/imro/2012/1.1", "http://www.geonovum.nl/imro/2012/1.0"}
)
GML32 = "http://www.opengis.net/gml/3.2"
XLINK = "http://www.w3.org/1999/xlink"
# srsName codes read as RD New without asking pyproj; 7415 = RD New + NAP height.
RD_EPSG_CODES = frozenset({28992, 7415})

ARC_TOLERANCE = 0.01
"""Maximum distance in metres between a GML arc and the line segments that replace it."""


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
                raise _ImroError(f"gml:{_local(el.tag)} zonder coördinaten")
            tuples = (coordinates.text or "").split()
            dim = len(tuples[0].split(",")) if tuples else dim
            values = [v for t in tuples for v in t.split(",")]
    try:
        arr = np.asarray(values, dtype=float)
    except ValueError as exc:
        raise _ImroError(f"niet-numerieke coördinaten in gml:{_local(el.tag)}") from exc
    if not np.isfinite(arr).all():
        raise _ImroError(f"oneindige of ontbrekende coördinaten in gml:{_local(el.tag)}")
    if dim < 2 or arr.size % dim:
        raise _ImroError(f"{arr.size} coördinaatwaarden passen niet bij dimensie {dim}")
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
        raise _ImroError(f"niet ondersteund ringdeel gml:{name}")
    segments = curve.find(f"{{{GML32}}}segments")
    if segments is None:
        raise _ImroError("gml:Curve zonder gml:segments")
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
                raise _ImroError(f"gml:{kind} heeft een oneven aantal punten (minstens 3) nodig")
            if kind == "Circle":
                part = _arc_points(pts[0], pts[1], pts[2], full=True)
            else:
                pieces = [
                    _arc_points(pts[k], pts[k + 1], pts[k + 2]) for k in range(0, len(pts) - 2, 2)
                ]
                part = np.vstack([pieces[0], *(p[1:] for p in pieces[1:])])
        else:
            raise _ImroError(f"niet ondersteund curvesegment gml:{kind}")
        if parts and np.array_equal(parts[-1][-1], part[0]):
            part = part[1:]  # segments share their end points
        parts.append(part)
    if not parts:
        raise _ImroError("gml:Curve zonder segmenten")
    return np.vstack(parts)


def _ring(boundary: etree._Element, dim: int) -> np.ndarray:
    """Coordinates of a gml:exterior / gml:interior."""
    ring = next((c for c in boundary if _local(c.tag)), None)
    if ring is None:
        raise _ImroError(f"lege gml:{_local(boundary.tag)}")
    if _local(ring.tag) == "Ring":
        coords = []
        for member in ring.iterfind(f"{{{GML32}}}curveMember"):
            curve = next((c for c in member if _local(c.tag)), None)
            if curve is None:  # xlink:href to a curve elsewhere; IMRO files inline them
                raise _ImroError(
                    "gml:curveMember zonder ingesloten curve (xlink wordt niet ondersteund)"
                )
            coords.append(_curve_coords(curve, dim))
        if not coords:
            raise _ImroError("gml:Ring zonder gml:curveMember")
        out = coords[0]
        for part in coords[1:]:
            out = np.vstack([out, part[1:] if np.array_equal(out[-1], part[0]) else part])
    else:
        out = _curve_coords(ring, dim)
    if len(out) and not np.array_equal(out[0], out[-1]):
        out = np.vstack([out, out[:1]])
    if len(out) < 4:
        raise _ImroError("ring met minder dan 4 punten")
    return out


def _polygon(el: etree._Element, dim: int) -> BaseGeometry:
    """gml:Polygon or gml:PolygonPatch."""
    exterior = el.find(f"{{{GML32}}}exterior")
    if exterior is None:
        raise _ImroError(f"gml:{_local(el.tag)} zonder gml:exterior")
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
            raise _ImroError("gml:Surface zonder gml:PolygonPatch")
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
            raise _ImroError(f"gml:{name} zonder vlakdelen")
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
                        "een IMRO2008-plan; alleen IMRO2012 wordt ondersteund"
                        if "geonovum.nl/imro/2008" in (ns or "")
                        else f"rootelement {_local(el.tag)!r} in namespace {ns or 'geen'}"
                    )
                    raise SourceError(
                        f"{path.name}: geen IMRO2012-GML-plan ({what}); verwacht "
                        "imro:FeatureCollectionIMRO in http://www.geonovum.nl/imro/2012/1.1 of 1.0"
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


def read_imro(path: Path, layer: str | None) -> ZoningLayer:
    """Read the zones of an IMRO2012 plan; ``layer`` keeps one feature type only."""
    wanted = {t.lower(): t for t in (*IMRO_ZONE_TYPES, IMRO_PLAN_TYPE)}
    if layer is not None and layer.lower() not in wanted:
        raise InputError(
            f"{path.name}: geen IMRO-objecttype {layer!r} (kies uit {', '.join(wanted.values())})"
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
                    f"{path.name}: geometrie van {ftype} {idn!r} niet te lezen ({exc})"
                ) from exc
            # IMRO2012 prescribes RD New; a missing srsName is taken to mean that.  The
            # EPSG code settles the usual spellings; pyproj judges any other srsName.
            if srs and _srs_code(srs) not in RD_EPSG_CODES:
                require_rd(f"{path.name}: {ftype} {idn!r}", srs, f" (srsName {srs!r})")
            poly, repaired = repair_polygon(geom)
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
        raise SourceError(f"{path.name}: geen welgevormde XML ({first_line(exc)})") from exc
    except OSError as exc:
        raise SourceError(f"{path.name}: niet te lezen ({exc})") from exc
    if not rows:
        raise SourceError(
            f"{path.name}: IMRO-plan zonder zonevlakken (verwacht "
            f"{', '.join(IMRO_ZONE_TYPES)} of {IMRO_PLAN_TYPE} met een vlakgeometrie)"
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
