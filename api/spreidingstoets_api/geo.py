"""The geo module (ADR GEO): CRS negotiation and GeoJSON in the requested CRS.

Every distance is computed in RD (EPSG:28992, metres) by the library; this module only
transforms geometry for output, with pyproj. The CRS of a response is chosen by the ``crs``
query parameter or else the ``Accept-Crs`` header (as the BAG and ZGW APIs do), default CRS84
(longitude, latitude, as GeoJSON requires), and named in the ``Content-Crs`` response header.
GeoJSON coordinates are x, y in every CRS: longitude, latitude for CRS84 and EPSG:4326,
x, y metres for EPSG:28992.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer

from spreidingstoets_api.problems import ApiProblem


@dataclass(frozen=True)
class Crs:
    name: str  # what Content-Crs says
    epsg: int | None  # None: stays RD
    decimals: int


RD = Crs("EPSG:28992", None, 3)
CRS84 = Crs("OGC:CRS84", 4326, 7)
WGS84 = Crs("EPSG:4326", 4326, 7)
_NAMES = {
    "ogc:crs84": CRS84,
    "crs84": CRS84,
    "http://www.opengis.net/def/crs/ogc/1.3/crs84": CRS84,
    "epsg:28992": RD,
    "http://www.opengis.net/def/crs/epsg/0/28992": RD,
    "epsg:4326": WGS84,
    "http://www.opengis.net/def/crs/epsg/0/4326": WGS84,
}
SUPPORTED = ("OGC:CRS84", "EPSG:28992", "EPSG:4326")


def parse_crs(value: str) -> Crs | None:
    return _NAMES.get(value.strip().lower())


def negotiate(query: str | None, accept: str | None) -> Crs:
    """The CRS of a response: the ``crs`` parameter (400 when unknown), else the first known
    CRS of ``Accept-Crs`` (406 when it names none we have), else CRS84."""
    if query is not None:
        crs = parse_crs(query)
        if crs is None:
            raise ApiProblem(
                400,
                f"crs {query!r} wordt niet ondersteund (geldig: {', '.join(SUPPORTED)})",
                code="ongeldige-invoer",
                invalidParams=[{"name": "crs", "code": "crs", "reason": "onbekend CRS"}],
            )
        return crs
    if accept:
        for part in accept.split(","):
            crs = parse_crs(part.split(";")[0])
            if crs is not None:
                return crs
        raise ApiProblem(
            406, f"Accept-Crs {accept!r}: geen ondersteund CRS (geldig: {', '.join(SUPPORTED)})"
        )
    return CRS84


@cache
def _transformer(epsg: int) -> Transformer:
    return Transformer.from_crs(28992, epsg, always_xy=True)


def projector(crs: Crs) -> Callable[[Any], Any]:
    """A function from RD geometry (shapely) to the geometry in ``crs``, rounded for output."""
    if crs.epsg is None:
        return lambda geom: shapely.set_precision(geom, 10**-crs.decimals)
    transformer = _transformer(crs.epsg)

    def project(geom: Any) -> Any:
        def xy(coords: np.ndarray) -> np.ndarray:
            x, y = transformer.transform(coords[:, 0], coords[:, 1])
            return np.round(np.column_stack([x, y]), crs.decimals)

        return shapely.transform(geom, xy)

    return project


def geojson(geom: Any) -> dict[str, Any]:
    """A shapely geometry as a GeoJSON geometry object."""
    mapping: dict[str, Any] = shapely.geometry.mapping(geom)
    return _lists(mapping)


def _lists(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_lists(v) for v in value]
    return value


def feature(geom: Any, properties: dict[str, Any], ident: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "Feature", "geometry": geojson(geom), "properties": properties}
    if ident is not None:
        out["id"] = ident
    return out


def collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def verdict_geometry(verdict: Any, dataset: Any, crs: Crs) -> dict[str, Any]:
    """The geometry of a verdict (``report.features``: the applicant's pand and point, the
    evidence and its context) as a FeatureCollection in ``crs``."""
    from spreidingstoets.report.features import transform_collection, verdict_features

    collection = verdict_features(verdict, dataset)
    if crs.epsg is None:
        return collection
    return transform_collection(collection, "OGC:CRS84" if crs is CRS84 else crs.name)
