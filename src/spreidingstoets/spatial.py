"""What every reader of geometry shares: the RD New CRS checks and polygon repair.

BAG readers, zoning readers and the dataset compiler all refuse geometry that is not in
EPSG:28992 and all repair invalid polygons, so the rule and its Dutch message live here once.
Pure: numpy and shapely; pyproj is imported only when a CRS has to be interpreted.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from spreidingstoets.errors import CRSError

__all__ = [
    "POLYGONAL",
    "RD_BOUNDS",
    "RD_NEW",
    "describe_crs",
    "is_rd_new",
    "polygonal_part",
    "repair_polygon",
    "repair_polygons",
    "require_rd",
    "require_rd_bounds",
]

RD_NEW = "EPSG:28992"
RD_LABEL = f"{RD_NEW} (RD New, meters)"

RD_BOUNDS = (-7000.0, 289000.0, 300000.0, 629000.0)
"""Where EPSG:28992 coordinates can lie (the Netherlands and its waters, with margin)."""

POLYGONAL = (3, 6)
"""Shapely type ids of Polygon and MultiPolygon."""


# --------------------------------------------------------------------------- CRS


def describe_crs(crs: Any) -> str:
    """A CRS for a message: "EPSG:4326 (WGS 84, degree)", or the input as text if unknown."""
    from pyproj import CRS

    try:
        c = CRS.from_user_input(crs)
    except Exception:  # pyproj raises CRSError or others for garbage; only for a message
        return str(crs)
    code = c.to_authority()
    label = f"{code[0]}:{code[1]}" if code else c.name
    unit = c.axis_info[0].unit_name if c.axis_info else "onbekende eenheid"
    return f"{label} ({c.name}, {unit})"


def is_rd_new(crs: Any) -> bool:
    """Whether ``crs`` (code, WKT, PROJJSON, ...) is RD New; RD New + NAP height counts too."""
    from pyproj import CRS

    try:
        c = CRS.from_user_input(crs)
    except Exception:
        return False
    if c.is_compound and c.sub_crs_list:
        c = c.sub_crs_list[0]
    return c.to_epsg(min_confidence=90) == 28992


def require_rd(what: str, crs: Any, hint: str = "") -> None:
    """Raise :class:`CRSError` unless ``crs`` is RD New.

    ``what`` names the file (and layer or feature) for the message; ``hint`` is added after
    the CRS found, e.g. why a GeoJSON file without a CRS is in degrees.
    """
    if crs is not None and is_rd_new(crs):
        return
    found = "geen CRS" if crs is None else f"CRS {describe_crs(crs)}"
    raise CRSError(f"{what}: geometrie heeft {found}{hint}; alleen {RD_LABEL} is geldig")


def require_rd_bounds(what: str, geoms: np.ndarray) -> None:
    """Refuse coordinates outside :data:`RD_BOUNDS`, such as longitude/latitude in degrees.

    This catches geometry whose CRS is RD New on paper only; missing and empty geometries
    are ignored.
    """
    geoms = geoms[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)]
    if len(geoms) == 0:
        return
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    lo_x, lo_y, hi_x, hi_y = RD_BOUNDS
    if xmin < lo_x or ymin < lo_y or xmax > hi_x or ymax > hi_y:
        raise CRSError(
            f"{what}: coördinaten ({xmin:.6g}, {ymin:.6g}) .. ({xmax:.6g}, {ymax:.6g}) liggen "
            f"niet in {RD_LABEL}; met geometrie in graden of een ander CRS zijn afstanden niet "
            "te meten"
        )


# --------------------------------------------------------------------------- polygon repair


def polygonal_part(geom: BaseGeometry) -> BaseGeometry | None:
    """``geom`` if it is a (Multi)Polygon, else the union of its polygonal parts, else None.

    ``make_valid`` can turn a self-touching ring into polygons plus lines or points; only the
    polygons describe an area.
    """
    if shapely.get_type_id(geom) in POLYGONAL:
        return geom
    parts = [p for p in shapely.get_parts(geom) if shapely.get_type_id(p) in POLYGONAL]
    if not parts:
        return None
    union = shapely.union_all(parts)
    if shapely.get_type_id(union) not in POLYGONAL or union.is_empty:
        return None
    return union


def repair_polygon(geom: BaseGeometry | None) -> tuple[BaseGeometry | None, bool]:
    """(valid polygonal part of ``geom`` or None, whether ``make_valid`` was needed).

    None means the geometry is missing, empty or has no area: a zone cannot be made of it.
    """
    if geom is None or geom.is_empty:
        return None, False
    repaired = False
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
        repaired = True
    return polygonal_part(geom), repaired


def repair_polygons(geoms: np.ndarray) -> np.ndarray:
    """Flatten to 2D and repair invalid geometries to their polygonal part.

    Valid and missing geometries are kept as they are; an invalid one without a polygonal
    part becomes an empty Polygon, so rows stay aligned with their attributes.
    """
    geoms = shapely.force_2d(geoms)
    bad = ~shapely.is_valid(geoms) & ~shapely.is_missing(geoms)
    if bad.any():
        fixed = shapely.make_valid(geoms[bad])
        parts = [polygonal_part(g) for g in fixed]
        geoms[bad] = [shapely.Polygon() if p is None else p for p in parts]
    return geoms
