"""What the catalogue rulesets need in the Tiel sample: percelen, a school, a flat with shared
entrances, and area layers (wijken with an average WOZ value, gebieden for zones).

Built after Tiel's generic neighbourhood, about 300 m east of it (so no rule of the older
cases reaches it), on streets of its own; serial numbers come after the older objects, so
their identificaties stay as they were. Geometry (offsets from the block origin, metres):

* Hoveniersweg 1-11 (odd): six detached houses, pand 8 x 10 m, 20 m apart (12 m between
  panden); each stands on a perceel 18 x 25 m (5 m either side, 5 m in front, 10 m behind),
  except 11, which has none (the fallback to the pand). Between the perceel of house i and
  the pand of house i + k lie 20k - 13 m (47 m for k = 3), between the panden 20k - 8 m (52 m).
* Leerpad 1: a school (onderwijsfunctie), pand 30 x 27 m behind Hoveniersweg 1-3: 53 m from
  their panden, 43 m from their percelen.
* Torenvalkflat 10 and 12: one pand of ten flats, two entrances: 10-1 to 10-4 and 10-H,
  12-1 to 12-4 and 12-H (H: ground floor with its own front door). 10-1 and 10-2 are 45 m²,
  the other flats 65 m², the H-dwellings 80 m².
"""

from __future__ import annotations

import json
from typing import Any

import shapely
from shapely.geometry import mapping

from ._model import Town, rect

BLOCK_OFFSET = (450.0, -50.0)  # from the town origin
HOUSE_XS = [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
HOUSE_NRS = [1, 3, 5, 7, 9, 11]
NO_PERCEEL = 11


def build_block(t: Town, origin: tuple[float, float], wpl: str, pc: str) -> dict[str, Any]:
    """Add the block to ``t``; returns what the layers are drawn from."""
    bx, by = origin[0] + BLOCK_OFFSET[0], origin[1] + BLOCK_OFFSET[1]
    weg = t.street("Hoveniersweg", wpl, pc)
    pad = t.street("Leerpad", wpl, pc)
    flat_street = t.street("Torenvalkflat", wpl, pc)
    percelen: list[tuple[str, shapely.Geometry]] = []
    for nr, dx in zip(HOUSE_NRS, HOUSE_XS, strict=True):
        x0 = bx + dx
        v, _ = t.house(weg, nr, rect(x0, by, x0 + 8.0, by + 10.0), bouwjaar=1972, oppervlakte=120)
        if nr != NO_PERCEEL:
            ident = f"TIEL-K-{nr:04d}"
            percelen.append((ident, rect(x0 - 5.0, by - 5.0, x0 + 13.0, by + 20.0)))
            t.feature("perceel_house", v, perceel=ident)
        else:
            t.feature("perceel_house", v, note="no perceel in layer percelen: pand fallback")
    school_geom = rect(bx, by + 63.0, bx + 30.0, by + 90.0)
    school_p = t.pand(school_geom, 1980)
    school_num = t.address(pad, 1)
    c = school_geom.centroid
    school = t.vbo(
        (c.x, c.y), school_num, [school_p], gebruiksdoel=("onderwijsfunctie",), oppervlakte=1600
    )
    t.feature(
        "school",
        school,
        note="onderwijsfunctie; 53 m from the panden of Hoveniersweg 1-3, 43 m from their percelen",
    )
    percelen.append(("TIEL-K-0100", rect(bx - 5.0, by + 58.0, bx + 35.0, by + 95.0)))

    fx, fy = bx + 250.0, by
    flat_geom = rect(fx, fy, fx + 30.0, fy + 12.0)
    flat_p = t.pand(flat_geom, 1968)
    units: list[str] = []
    for k, nr in enumerate((10, 12)):
        for j, extra in enumerate(("1", "2", "3", "4", "H")):
            num = t.address(flat_street, nr, toevoeging=extra)
            area = 80 if extra == "H" else (45 if nr == 10 and extra in ("1", "2") else 65)
            pt = (fx + 4.0 + 15.0 * k + 1.5 * j, fy + 6.0)
            v = t.vbo(pt, num, [flat_p], oppervlakte=area)
            units.append(v)
            t.feature("shared_entrance_flat", v, entrance=f"Torenvalkflat {nr}", oppervlakte=area)
    percelen.append(("TIEL-K-0200", rect(fx - 5.0, fy - 5.0, fx + 35.0, fy + 20.0)))
    t.notes += [
        "Hoveniersweg 1-11: detached houses on percelen (11 without one); Leerpad 1 a school "
        "(onderwijsfunctie) 53 m from the panden of Hoveniersweg 1 and 3, 43 m from their "
        "percelen. Layer percelen: 0281-tiel/layers/percelen.geojson.",
        "Torenvalkflat 10 and 12: one pand, two entrances of four flats each plus a "
        "ground-floor dwelling with its own front door (10-H, 12-H).",
    ]
    return {"percelen": percelen, "block": (bx, by), "flat": flat_geom}


def _rounded(geom: shapely.Geometry) -> dict[str, object]:
    return dict(mapping(shapely.set_precision(geom, 0.01)))


def _collection(name: str, features: list[dict[str, Any]]) -> bytes:
    doc = {
        "type": "FeatureCollection",
        "name": name,
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}},
        "features": features,
    }
    return (json.dumps(doc, indent=1, sort_keys=True) + "\n").encode()


def percelen_geojson(block: dict[str, Any]) -> bytes:
    """Kadastrale percelen (fictional identificaties) of the block."""
    return _collection(
        "percelen",
        [
            {
                "type": "Feature",
                "properties": {"naam": "perceel", "identificatie": ident, "kind": "perceel"},
                "geometry": _rounded(geom),
            }
            for ident, geom in block["percelen"]
        ],
    )


def tiel_areas(
    origin: tuple[float, float],
) -> dict[str, list[tuple[str, shapely.Geometry, dict[str, Any]]]]:
    """Rectangles (offsets from the town origin) of the wijken and gebieden layers."""
    ox, oy = origin
    bx, by = ox + BLOCK_OFFSET[0], oy + BLOCK_OFFSET[1]

    def r(x0: float, y0: float, x1: float, y1: float) -> shapely.Geometry:
        return rect(ox + x0, oy + y0, ox + x1, oy + y1)

    return {
        "wijken": [
            # the old neighbourhood (Kwartelstraat, Goudvinkstraat ... Populierenhof)
            ("Tiel-West", r(-350.0, -200.0, 250.0, 200.0), {"woz_gemiddeld": 285000}),
            # the block of Hoveniersweg and Torenvalkflat
            ("Tiel-Oost", r(250.0, -200.0, 800.0, 200.0), {"woz_gemiddeld": 345000}),
            # Wadenoijen: no WOZ figure known
            ("Wadenoijen", r(-1700.0, 1300.0, -1300.0, 1700.0), {"woz_gemiddeld": None}),
        ],
        "buurten": [
            ("Kwartelbuurt", r(-50.0, -90.0, 95.0, 90.0), {}),
            ("Hoveniersbuurt", rect(bx - 20.0, by - 20.0, bx + 130.0, by + 110.0), {}),
            ("Torenvalkbuurt", rect(bx + 230.0, by - 20.0, bx + 300.0, by + 40.0), {}),
        ],
        "gebieden": [
            ("bedrijvig lint", rect(bx + 75.0, by - 10.0, bx + 115.0, by + 25.0), {}),
            ("vrijstellingsgebied", r(90.0, 10.0, 170.0, 45.0), {}),
            ("centrum", r(-5.0, 95.0, 45.0, 150.0), {}),
        ],
    }


def areas_geojson(name: str, origin: tuple[float, float]) -> bytes:
    features = [
        {
            "type": "Feature",
            "properties": {
                "naam": naam,
                "kind": {"wijken": "wijk", "buurten": "buurt"}.get(name, "gebied"),
                "identificatie": f"{name}-{i + 1}",
                **attrs,
            },
            "geometry": _rounded(geom),
        }
        for i, (naam, geom, attrs) in enumerate(tiel_areas(origin)[name])
    ]
    return _collection(name, features)
