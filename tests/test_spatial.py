"""Tests for spreidingstoets.spatial: the RD New checks and polygon repair every reader shares."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import CRS

from spreidingstoets.errors import CRSError
from spreidingstoets.spatial import (
    RD_BOUNDS,
    repair_polygon,
    repair_polygons,
    require_rd,
    require_rd_bounds,
)

VALID = "alleen EPSG:28992 (RD New, meters) is geldig"


@pytest.mark.parametrize(
    "crs",
    [
        "EPSG:28992",
        28992,
        CRS.from_epsg(28992).to_wkt(),
        CRS.from_epsg(28992).to_json_dict(),  # GeoParquet stores PROJJSON
        "urn:ogc:def:crs:EPSG::28992",
        "EPSG:7415",  # RD New + NAP height: the plane is RD New
    ],
)
def test_require_rd_accepts_rd_new_in_every_spelling(crs: object) -> None:
    require_rd("x.gpkg", crs)


@pytest.mark.parametrize(
    ("crs", "found"),
    [
        (None, "geen CRS"),
        ("EPSG:4326", "CRS EPSG:4326 (WGS 84, degree)"),
        ("EPSG:32631", "EPSG:32631"),  # metres, but not RD New
        ("geen-crs-maar-tekst", "CRS geen-crs-maar-tekst"),
    ],
)
def test_require_rd_refuses_in_one_dutch_line(crs: object, found: str) -> None:
    with pytest.raises(CRSError) as info:
        require_rd("wijken.gpkg: laag 'wijk'", crs, " (hint)")
    message = str(info.value)
    assert message.startswith("wijken.gpkg: laag 'wijk': geometrie heeft ")
    assert found in message and "(hint)" in message and message.endswith(VALID)
    assert "\n" not in message


def test_require_rd_bounds() -> None:
    lo_x, lo_y, hi_x, hi_y = RD_BOUNDS
    inside = np.array(
        [shapely.Point(lo_x, lo_y), shapely.box(hi_x - 10, hi_y - 10, hi_x, hi_y), None],
        dtype=object,
    )
    require_rd_bounds("panden", inside)
    require_rd_bounds("panden", np.array([None, shapely.Point()], dtype=object))  # nothing to test
    degrees = np.append(inside, shapely.Point(5.04, 52.31))
    with pytest.raises(CRSError) as info:
        require_rd_bounds("verblijfsobjecten", degrees)
    message = str(info.value)
    assert message.startswith("verblijfsobjecten: coördinaten (-7000, 52.31) .. (300000, 629000) ")
    assert "EPSG:28992 (RD New, meters)" in message and "graden" in message


def test_repair_polygon_examples() -> None:
    bowtie = shapely.Polygon([(0, 0), (10, 10), (10, 0), (0, 10), (0, 0)])
    fixed, repaired = repair_polygon(bowtie)
    assert repaired and fixed is not None and fixed.is_valid
    assert fixed.geom_type == "MultiPolygon" and fixed.area == pytest.approx(50.0)
    square = shapely.box(0, 0, 1, 1)
    assert repair_polygon(square) == (square, False)
    assert repair_polygon(None) == (None, False)
    assert repair_polygon(shapely.Polygon()) == (None, False)
    assert repair_polygon(shapely.Point(1, 1)) == (None, False)  # valid, but no area
    # a valid collection keeps only its polygons
    mixed = shapely.GeometryCollection([square, shapely.LineString([(5, 5), (6, 6)])])
    assert repair_polygon(mixed) == (square, False)
    spike = shapely.Polygon([(0, 0), (2, 0), (1, 0), (0, 0)])  # no area at all
    assert repair_polygon(spike) == (None, True)


rings = st.lists(
    st.tuples(st.integers(0, 6), st.integers(0, 6), st.integers(0, 3)), min_size=3, max_size=7
)


@settings(max_examples=300, deadline=None)
@given(st.lists(rings, min_size=1, max_size=6))
def test_bag_and_zoning_repair_agree(coords: list[list[tuple[int, int, int]]]) -> None:
    """The vectorised BAG repair and the per-zone repair give the same polygons."""
    geoms = np.array([shapely.Polygon(c) for c in coords] + [None], dtype=object)
    before = geoms.copy()
    out = repair_polygons(geoms)
    assert out[-1] is None  # missing stays missing, rows stay aligned
    assert not shapely.has_z(out[:-1]).any()
    for original, got in zip(before[:-1], out[:-1], strict=True):
        flat = shapely.force_2d(original)
        one, repaired = repair_polygon(flat)
        assert repaired == (not flat.is_valid)
        if not repaired:
            assert shapely.equals_exact(got, flat, 0) or (got.is_empty and flat.is_empty)
        elif one is None:
            assert got.geom_type == "Polygon" and got.is_empty
        else:
            assert one.is_valid and one.geom_type in ("Polygon", "MultiPolygon")
            assert shapely.equals_exact(got, one, 0)
