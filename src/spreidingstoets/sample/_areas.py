"""Area polygons (gebieden) for the Aalsmeer sample: woonwijk, lint and bedrijventerrein.

Aalsmeer's distance rule applies in woonwijken and linten, not on business parks, and its
person limit is higher in a lint; the rules refer to these areas as layer ``gebieden``.
The polygons are drawn around the sample's own buildings, by the street they stand on.
"""

from __future__ import annotations

import json

import shapely
from shapely.geometry import mapping

from ._model import Town

# street -> area designation; every other street of the town is woonwijk
AALSMEER_AREAS = {"Reigersbekweg": "lint", "Snijbloemweg": "bedrijventerrein"}
MARGIN_M = 20.0


def _rounded(geom: shapely.Geometry) -> dict[str, object]:
    return dict(mapping(shapely.set_precision(geom, 0.01)))


def area_geojson(town: Town, areas: dict[str, str] = AALSMEER_AREAS) -> bytes:
    """GeoJSON (EPSG:28992, named CRS) with one polygon per designation."""
    groups: dict[str, list[shapely.Geometry]] = {}
    for vbo, num in sorted(town.vbo_addr.items()):
        address = town.addresses.get(num)
        if address is None:
            continue
        naam = areas.get(address.straat, "woonwijk")
        groups.setdefault(naam, []).extend(town.pand_geom[p] for p in town.vbo_pand.get(vbo, []))
    hulls = {n: shapely.union_all(g).buffer(MARGIN_M).convex_hull for n, g in groups.items() if g}
    special = shapely.union_all([h for n, h in hulls.items() if n != "woonwijk"])
    if "woonwijk" in hulls:
        hulls["woonwijk"] = hulls["woonwijk"].difference(special)
    features = [
        {
            "type": "Feature",
            "properties": {"naam": n, "kind": "gebied"},
            "geometry": _rounded(hulls[n]),
        }
        for n in sorted(hulls)
    ]
    collection = {
        "type": "FeatureCollection",
        "name": "gebieden",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}},
        "features": features,
    }
    return (json.dumps(collection, indent=1, sort_keys=True) + "\n").encode()
