"""Tests for the zoning readers (IMRO GML, GeoPackage, GeoJSON) and GeoParquet storage."""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, box

from builders import zoning_layer
from spreidingstoets.errors import CRSError, InputError, SourceError
from spreidingstoets.zoning import ZoneHit, ZoningLayer
from spreidingstoets.zoning.parquet import read_layer, write_layer
from spreidingstoets.zoning.readers import read_zoning
from spreidingstoets.zoning.readers.imro import ARC_TOLERANCE

IMRO_DIR = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "zoning" / "imro-harvester-b3partners"
)
needs_imro = pytest.mark.skipif(
    not IMRO_DIR.is_dir(), reason=f"shared IMRO test plans not found at {IMRO_DIR}"
)

# Object counts per feature type, from PROVENANCE.md (Maatvoering and Figuur are not zones).
EXPECTED = {
    "stationspleinzuidoost.gml": (
        "NL.IMRO.0664.BPBS02-VG99",
        {
            "enkelbestemming": 11,
            "dubbelbestemming": 4,
            "functieaanduiding": 11,
            "bouwvlak": 25,
            "bouwaanduiding": 3,
            "bestemmingsplangebied": 1,
        },
        {"Kantoor": 3, "Verkeer": 2, "Wonen": 2, "Bedrijf": 1, "Groen": 1, "Horeca": 1},
    ),
    "NL.IMRO.0664.BPBS03-ON99.gml": (
        "NL.IMRO.0664.BPBS03-ON99",
        {
            "enkelbestemming": 13,
            "dubbelbestemming": 1,
            "functieaanduiding": 9,
            "bouwvlak": 9,
            "bestemmingsplangebied": 1,
        },
        {"Groen": 5, "Kantoor": 4, "Maatschappelijk": 3, "Verkeer": 1},
    ),
    "NL.IMRO.0798.BPDoornboom-ON01.gml": (
        "NL.IMRO.0798.BPDoornboom-ON01",
        {"enkelbestemming": 4, "bouwaanduiding": 4, "bestemmingsplangebied": 1},
        {"Wonen": 2, "Verkeer - Verblijfsgebied": 2},
    ),
    "2012_10.gml": (
        "NL.IMRO.0999.BP2012000001-0005",
        {
            "enkelbestemming": 84,
            "dubbelbestemming": 2,
            "functieaanduiding": 7,
            "gebiedsaanduiding": 2,
            "bouwvlak": 34,
            "bouwaanduiding": 25,
            "bestemmingsplangebied": 1,
        },
        {"Wonen": 21, "Wonen - uit te werken": 4, "Groen": 24, "Agrarisch": 1},
    ),
}


@pytest.fixture(scope="module")
def plans() -> dict[str, ZoningLayer]:
    if not IMRO_DIR.is_dir():
        pytest.skip(f"shared IMRO test plans not found at {IMRO_DIR}")
    return {name: read_zoning(IMRO_DIR / name) for name in EXPECTED}


# --------------------------------------------------------------------------- helpers

IMRO_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<imro:FeatureCollectionIMRO gml:id="c" xmlns:imro="http://www.geonovum.nl/imro/2012/1.1" '
    'xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:xlink="http://www.w3.org/1999/xlink">\n'
)


def imro_feature(ftype: str, gml_id: str, naam: str, geometry: str) -> str:
    return (
        f'<imro:featureMember><imro:{ftype} gml:id="NL.IMRO.{gml_id}">'
        "<imro:identificatie><imro:NEN3610ID><imro:namespace>NL.IMRO</imro:namespace>"
        f"<imro:lokaalID>{gml_id}</imro:lokaalID></imro:NEN3610ID></imro:identificatie>"
        f"<imro:naam>{naam}</imro:naam><imro:geometrie>{geometry}</imro:geometrie>"
        f"</imro:{ftype}></imro:featureMember>\n"
    )


def gml_polygon(coords: list[tuple[float, float]], srs: str = "urn:ogc:def:crs:EPSG::28992") -> str:
    pos = " ".join(f"{x} {y}" for x, y in coords)
    return (
        f'<gml:Polygon srsName="{srs}"><gml:exterior><gml:LinearRing>'
        f"<gml:posList>{pos}</gml:posList></gml:LinearRing></gml:exterior></gml:Polygon>"
    )


def write_imro(path: Path, *features: str) -> Path:
    path.write_text(IMRO_HEAD + "".join(features) + "</imro:FeatureCollectionIMRO>\n")
    return path


SQUARE = [(0, 0), (100, 0), (100, 100), (0, 100), (0, 0)]


# --------------------------------------------------------------------------- real IMRO plans


@needs_imro
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_imro_counts_names_and_plan(plans: dict[str, ZoningLayer], name: str) -> None:
    plan_id, counts, enkel = EXPECTED[name]
    layer = plans[name]
    assert dict(Counter(layer.kind.tolist())) == counts
    assert set(layer.plan_id.tolist()) == {plan_id}
    assert layer.source == name
    got = Counter(layer.filter(kinds=["enkelbestemming"]).naam.tolist())
    for naam, n in enkel.items():
        assert got[naam] == n, naam
    # identificatie is the NEN3610 IDN, which IMRO also uses as gml:id: unique per plan
    assert len(set(layer.identificatie.tolist())) == len(layer)


@needs_imro
def test_imro_functieaanduidingen(plans: dict[str, ZoningLayer]) -> None:
    fa = plans["2012_10.gml"].filter(kinds=["functieaanduiding"])
    assert "specifieke vorm van maatschappelijk - buurthuis" in fa.names()
    garage = plans["stationspleinzuidoost.gml"].filter(
        names=["Specifieke vorm van bedrijf \u2013 garagebedrijf"]
    )
    assert len(garage) == 1 and garage.kind[0] == "functieaanduiding"
    assert "horeca tot en met categorie 2" in plans["stationspleinzuidoost.gml"].names()


@needs_imro
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_imro_geometry_valid_and_inside_plan_area(plans: dict[str, ZoningLayer], name: str) -> None:
    layer = plans[name]
    assert shapely.is_valid(layer.geometry).all()
    assert np.isin(shapely.get_type_id(layer.geometry), (3, 6)).all()
    assert (shapely.area(layer.geometry) > 0).all()
    plan_area = layer.filter(kinds=["bestemmingsplangebied"]).geometry[0]
    # Plan boundary and zone edges share vertices; allow for densified-arc rounding only.
    outside = shapely.area(shapely.difference(layer.geometry, plan_area))
    assert outside.max() < 0.05, outside.max()
    assert plan_area.buffer(0.05).covers(shapely.union_all(layer.geometry))
    assert layer.repairs == 0 and layer.skipped == 0


@needs_imro
def test_imro_agrees_with_gdal_gml_driver(plans: dict[str, ZoningLayer]) -> None:
    """Independent check: GDAL reads the same objects, names and (up to arc stroking) shapes."""
    pyogrio = pytest.importorskip("pyogrio")
    for name, layer in plans.items():
        for ftype, _ in pyogrio.list_layers(IMRO_DIR / name):
            if ftype.lower() not in layer.kinds():
                continue
            df = pyogrio.read_dataframe(
                IMRO_DIR / name, layer=ftype, WRITE_GFS="NO", DOWNLOAD_SCHEMA="NO"
            )
            sub = layer.filter(kinds=[ftype])
            assert sub.naam.tolist() == df["naam"].tolist()
            if ftype != "Bestemmingsplangebied":
                assert sub.identificatie.tolist() == df["gml_id"].tolist()
            # GDAL strokes arcs every 4 degrees, we stay within 1 cm of the true arc.
            gap = shapely.hausdorff_distance(sub.geometry, df.geometry.values)
            assert gap.max() < 0.25, (name, ftype, gap.max())


@needs_imro
def test_zones_at_point_in_known_wonen_polygon(plans: dict[str, ZoningLayer]) -> None:
    layer = plans["stationspleinzuidoost.gml"]
    wonen = np.flatnonzero(layer.mask(names=["wonen"], kinds=["enkelbestemming"]))
    assert len(wonen) == 2
    for i in wonen:
        point = layer.geometry[i].representative_point()
        hits = layer.zones_at(point)
        mine = [h for h in hits if h.index == i]
        assert mine == [
            ZoneHit(
                index=int(i),
                kind="enkelbestemming",
                naam="Wonen",
                identificatie=layer.identificatie[i],
                plan_id="NL.IMRO.0664.BPBS02-VG99",
                fraction=1.0,
            )
        ]
        assert any(h.kind == "bestemmingsplangebied" for h in hits)
        assert layer.zones_at(point, names=["WONEN"], kinds=["Enkelbestemming"]) == mine
        assert layer.coverage(point, ["wonen"]) == 1.0
        assert layer.coverage(point, ["Kantoor"]) == 0.0
        assert layer.zones_at(point, kinds=["bouwvlak"], names=["kantoor"]) == []


@needs_imro
def test_coverage_matches_geopandas_overlay(plans: dict[str, ZoningLayer]) -> None:
    layer = plans["2012_10.gml"]
    allowed = ["Wonen", "Groen", "Wonen - uit te werken"]
    zones = gpd.GeoDataFrame({"naam": layer.naam}, geometry=list(layer.geometry), crs="EPSG:28992")
    zones = zones[zones["naam"].isin(allowed)]
    # Probes: circles around some zone centres, and boxes straddling zone boundaries.
    rng = np.random.default_rng(7)
    probes = [layer.geometry[i].representative_point().buffer(35) for i in range(0, 150, 15)]
    xmin, ymin, xmax, ymax = shapely.total_bounds(layer.geometry)
    for _ in range(8):
        x, y = rng.uniform(xmin, xmax), rng.uniform(ymin, ymax)
        probes.append(box(x, y, x + rng.uniform(5, 120), y + rng.uniform(5, 120)))
    for probe in probes:
        query = gpd.GeoDataFrame(geometry=[probe], crs="EPSG:28992")
        inter = gpd.overlay(query, zones[["geometry"]], how="intersection", keep_geom_type=True)
        expected = inter.union_all().area / probe.area if len(inter) else 0.0
        got = layer.coverage(probe, allowed)
        assert got == pytest.approx(expected, abs=1e-9)
        # fractions per zone add up to at least the coverage (zones may overlap)
        total = sum(h.fraction for h in layer.zones_at(probe, names=allowed))
        assert total >= got - 1e-9


# --------------------------------------------------------------------------- GeoPackage / GeoJSON


def zones_gdf(crs: str = "EPSG:28992") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "bestemming": ["Agrarisch - Glastuinbouw", "Wonen", "Wonen"],
            "omschrijving": ["kas", "lint", "kern"],
            "identificatie": ["z1", "z2", "z3"],
        },
        geometry=[
            box(70000, 440000, 70100, 440100),
            MultiPolygon([box(70100, 440000, 70150, 440050), box(70200, 440000, 70250, 440050)]),
            Polygon(
                [(70000, 440100), (70100, 440100), (70100, 440200), (70000, 440200)],
                [[(70040, 440140), (70060, 440140), (70060, 440160), (70040, 440160)]],
            ),
        ],
        crs=crs,
    )


@pytest.mark.parametrize(("suffix", "driver"), [(".gpkg", "GPKG"), (".geojson", "GeoJSON")])
def test_ogr_round_trip(tmp_path: Path, suffix: str, driver: str) -> None:
    gdf = zones_gdf()
    path = tmp_path / f"zones{suffix}"
    gdf.to_file(path, driver=driver)
    layer = read_zoning(path)
    assert layer.source == path.name
    assert layer.naam.tolist() == gdf["bestemming"].tolist()  # "bestemming" found by default
    assert layer.kind.tolist() == ["gebied"] * 3
    assert layer.identificatie.tolist() == ["z1", "z2", "z3"]
    assert layer.plan_id.tolist() == [""] * 3
    for got, want in zip(layer.geometry, gdf.geometry, strict=True):
        assert got.equals(want) and got.area == pytest.approx(want.area, rel=1e-12)
    assert layer.coverage(Point(70050, 440050), ["agrarisch-glastuinbouw"]) == 1.0
    assert layer.coverage(Point(70050, 440150), ["wonen"]) == 0.0  # in the hole

    by_field = read_zoning(path, name_field="omschrijving", kind="Wijk")
    assert by_field.naam.tolist() == ["kas", "lint", "kern"]
    assert by_field.kind.tolist() == ["wijk"] * 3
    with pytest.raises(InputError, match=r"geen kolom 'bestaatniet'.*bestemming"):
        read_zoning(path, name_field="bestaatniet")


def test_kind_column_and_missing_name_column(tmp_path: Path) -> None:
    gdf = zones_gdf().rename(columns={"bestemming": "Naam"})
    gdf["type"] = ["Gebiedsaanduiding", "wijk", "wijk"]
    path = tmp_path / "with_type.gpkg"
    gdf.to_file(path)
    layer = read_zoning(path)
    assert layer.naam[0] == "Agrarisch - Glastuinbouw"  # case-insensitive "naam"
    assert layer.kind.tolist() == ["gebiedsaanduiding", "wijk", "wijk"]

    nameless = zones_gdf().drop(columns=["bestemming"]).rename(columns={"omschrijving": "label"})
    path2 = tmp_path / "nameless.gpkg"
    nameless.to_file(path2)
    with pytest.raises(InputError, match=r"nameless\.gpkg: geen kolom met de bestemming") as info:
        read_zoning(path2)
    message = str(info.value)
    # what the file has, what would be recognised, and how to fix the file; no API option
    assert "gevonden kolommen: label, identificatie" in message
    assert "naam, bestemming, functie, designation, name" in message
    assert "hernoem in het bestand" in message and "name_field" not in message


def test_invalid_polygon_is_repaired(tmp_path: Path) -> None:
    bowtie = Polygon([(0, 0), (10, 10), (10, 0), (0, 10), (0, 0)])
    gdf = gpd.GeoDataFrame({"naam": ["x", "y"]}, geometry=[bowtie, box(20, 0, 30, 10)], crs=28992)
    path = tmp_path / "bowtie.gpkg"
    gdf.to_file(path)
    layer = read_zoning(path)
    assert layer.repairs == 1 and len(layer) == 2
    assert shapely.is_valid(layer.geometry).all()
    assert layer.geometry[0].area == pytest.approx(50.0)


def test_non_polygons_skipped_or_refused(tmp_path: Path) -> None:
    mixed = gpd.GeoDataFrame(
        {"naam": ["a", "b"]}, geometry=[Point(1, 1), box(0, 0, 1, 1)], crs=28992
    )
    path = tmp_path / "mixed.geojson"
    mixed.to_file(path, driver="GeoJSON")
    layer = read_zoning(path)
    assert len(layer) == 1 and layer.skipped == 1

    points = gpd.GeoDataFrame({"naam": ["a"]}, geometry=[Point(1, 1)], crs=28992)
    path2 = tmp_path / "points.geojson"
    points.to_file(path2, driver="GeoJSON")
    with pytest.raises(SourceError, match=r"points\.geojson: .*geen vlakken"):
        read_zoning(path2)


def test_gpkg_with_several_polygon_layers_needs_layer(tmp_path: Path) -> None:
    path = tmp_path / "two.gpkg"
    zones_gdf().to_file(path, layer="wijken")
    zones_gdf().iloc[:1].to_file(path, layer="gebieden")
    with pytest.raises(InputError, match="wijken"):
        read_zoning(path)
    assert len(read_zoning(path, layer="gebieden")) == 1
    with pytest.raises(InputError, match="geen laag 'buurten'"):
        read_zoning(path, layer="buurten")


# --------------------------------------------------------------------------- CRS refusal


@pytest.mark.parametrize(("suffix", "driver"), [(".gpkg", "GPKG"), (".geojson", "GeoJSON")])
def test_refuses_wgs84(tmp_path: Path, suffix: str, driver: str) -> None:
    path = tmp_path / f"wgs84{suffix}"
    zones_gdf().to_crs(4326).to_file(path, driver=driver)
    with pytest.raises(CRSError) as info:
        read_zoning(path)
    message = str(info.value)
    assert path.name in message and "4326" in message
    assert "alleen EPSG:28992 (RD New, meters) is geldig" in message
    assert "\n" not in message


def test_refuses_geojson_without_crs(tmp_path: Path) -> None:
    path = tmp_path / "no_crs.geojson"
    feature = {
        "type": "Feature",
        "properties": {"naam": "Wonen"},
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[5, 52], [5.1, 52], [5.1, 52.1], [5, 52]]],
        },
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    with pytest.raises(CRSError, match=r"no_crs\.geojson: .*RFC 7946.*EPSG:28992"):
        read_zoning(path)


def test_refuses_gpkg_in_other_metric_crs(tmp_path: Path) -> None:
    path = tmp_path / "utm.gpkg"
    zones_gdf().to_crs(32631).to_file(path)
    with pytest.raises(CRSError, match="32631"):
        read_zoning(path)


def test_refuses_imro_in_other_srs(tmp_path: Path) -> None:
    path = write_imro(
        tmp_path / "etrs.gml",
        imro_feature(
            "Enkelbestemming", "1", "Wonen", gml_polygon(SQUARE, "urn:ogc:def:crs:EPSG::4258")
        ),
    )
    with pytest.raises(CRSError, match=r"etrs\.gml: .*EPSG::4258.*EPSG:28992"):
        read_zoning(path)


# --------------------------------------------------------------------------- synthetic IMRO


def test_imro_synthetic_polygon_multisurface_and_arcs(tmp_path: Path) -> None:
    r = 50.0
    circle = (
        '<gml:Surface srsName="urn:ogc:def:crs:EPSG::28992"><gml:patches><gml:PolygonPatch>'
        "<gml:exterior><gml:Ring><gml:curveMember><gml:Curve><gml:segments>"
        f"<gml:Circle><gml:posList>{1000 + r} 1000 1000 {1000 + r} {1000 - r} 1000</gml:posList>"
        "</gml:Circle></gml:segments></gml:Curve></gml:curveMember></gml:Ring></gml:exterior>"
        "</gml:PolygonPatch></gml:patches></gml:Surface>"
    )
    # half disc: straight diameter, then an arc back (clockwise) through the bottom
    half = (
        '<gml:Surface srsName="urn:ogc:def:crs:EPSG::28992"><gml:patches><gml:PolygonPatch>'
        "<gml:exterior><gml:Ring><gml:curveMember><gml:Curve><gml:segments>"
        f"<gml:LineStringSegment><gml:posList>{2000 - r} 1000 {2000 + r} 1000</gml:posList>"
        "</gml:LineStringSegment>"
        f"<gml:Arc><gml:posList>{2000 + r} 1000 2000 {1000 - r} {2000 - r} 1000</gml:posList>"
        "</gml:Arc></gml:segments></gml:Curve></gml:curveMember></gml:Ring></gml:exterior>"
        "</gml:PolygonPatch></gml:patches></gml:Surface>"
    )
    multi = (
        '<gml:MultiSurface srsName="EPSG:28992">'
        f"<gml:surfaceMember>{gml_polygon([(0, 0), (10, 0), (10, 10), (0, 10), (0, 0)])}"
        "</gml:surfaceMember>"
        f"<gml:surfaceMember>{gml_polygon([(20, 0), (30, 0), (30, 10), (20, 10), (20, 0)])}"
        "</gml:surfaceMember></gml:MultiSurface>"
    )
    line = (
        '<gml:LineString srsName="urn:ogc:def:crs:EPSG::28992">'
        "<gml:posList>0 0 1 1</gml:posList></gml:LineString>"
    )
    path = write_imro(
        tmp_path / "plan.gml",
        imro_feature(
            "Bestemmingsplangebied",
            "0000.BPTEST-ON01",
            "Testplan",
            gml_polygon([(-100, -100), (3000, -100), (3000, 3000), (-100, 3000), (-100, -100)]),
        ),
        imro_feature("Enkelbestemming", "E1", "Agrarisch - Glastuinbouw", circle),
        imro_feature(
            "Functieaanduiding",
            "F1",
            "specifieke vorm van wonen - huisvesting arbeidsmigranten",
            half,
        ),
        imro_feature("Gebiedsaanduiding", "G1", "wro-zone - wijzigingsgebied", multi),
        imro_feature("Maatvoering", "M1", "maximum bouwhoogte", gml_polygon(SQUARE)),
        imro_feature("Figuur", "X1", "relatie", line),
        imro_feature("Bouwvlak", "B1", "bouwvlak", line),  # not polygonal: skipped
    )
    layer = read_zoning(path)
    assert layer.kind.tolist() == [
        "bestemmingsplangebied",
        "enkelbestemming",
        "functieaanduiding",
        "gebiedsaanduiding",
    ]
    assert layer.skipped == 1
    assert set(layer.plan_id.tolist()) == {"NL.IMRO.0000.BPTEST-ON01"}
    disc, half_disc, two = layer.geometry[1:]
    # densified within ARC_TOLERANCE, so the area is within perimeter * tolerance
    assert disc.area == pytest.approx(math.pi * r * r, abs=2 * math.pi * r * ARC_TOLERANCE)
    assert half_disc.area == pytest.approx(math.pi * r * r / 2, abs=math.pi * r * ARC_TOLERANCE)
    assert half_disc.bounds[1] == pytest.approx(1000 - r, abs=ARC_TOLERANCE)  # arc goes down
    boundary = shapely.get_coordinates(disc.exterior)
    radii = np.hypot(boundary[:, 0] - 1000, boundary[:, 1] - 1000)
    assert np.allclose(radii, r, atol=1e-9)
    assert two.geom_type == "MultiPolygon" and two.area == pytest.approx(200)

    only = read_zoning(path, layer="functieaanduiding")
    assert only.kind.tolist() == ["functieaanduiding"]
    assert (
        only.coverage(
            Point(2000, 990), ["Specifieke vorm van wonen – huisvesting arbeidsmigranten"]
        )
        == 1.0
    )
    with pytest.raises(InputError, match="Maatvoering"):
        read_zoning(path, layer="Maatvoering")
    with pytest.raises(InputError, match="name_field"):
        read_zoning(path, name_field="bestemming")


# --------------------------------------------------------------------------- bad input


def test_bad_files(tmp_path: Path) -> None:
    cases: dict[str, tuple[Path, str]] = {}
    cases["missing"] = (tmp_path / "nope.gml", "niet gevonden")
    cases["directory"] = (tmp_path, "geen bestand")
    txt = tmp_path / "notes.txt"
    txt.write_text("bestemming: wonen\n")
    cases["text"] = (txt, "geen bestemmings- of gebiedsbestand")
    broken = tmp_path / "broken.gml"
    broken.write_text(
        IMRO_HEAD + imro_feature("Enkelbestemming", "1", "Wonen", gml_polygon(SQUARE))[:-40]
    )
    cases["truncated xml"] = (broken, "geen welgevormde XML")
    other = tmp_path / "other.gml"
    other.write_text('<wfs:FeatureCollection xmlns:wfs="http://www.opengis.net/wfs/2.0"/>')
    cases["other xml"] = (other, "geen IMRO2012-GML-plan")
    imro2008 = tmp_path / "old.gml"
    imro2008.write_text(
        '<imro:FeatureCollectionIMRO xmlns:imro="http://www.geonovum.nl/imro/2008/1"/>'
    )
    cases["imro2008"] = (imro2008, "IMRO2008")
    empty = write_imro(
        tmp_path / "empty.gml", imro_feature("Maatvoering", "M1", "hoogte", gml_polygon(SQUARE))
    )
    cases["no zones"] = (empty, "zonder zonevlakken")
    badgeom = write_imro(
        tmp_path / "badgeom.gml",
        imro_feature("Enkelbestemming", "E9", "Wonen", gml_polygon([(0, 0), (1, "x")])),  # type: ignore[list-item]
    )
    cases["bad coordinates"] = (badgeom, "geometrie van Enkelbestemming 'NL.IMRO.E9'")
    badjson = tmp_path / "bad.geojson"
    badjson.write_text("{not json")
    cases["bad json"] = (badjson, "geen leesbaar GeoJSON-bestand")
    badgpkg = tmp_path / "bad.gpkg"
    badgpkg.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    cases["bad gpkg"] = (badgpkg, "bad.gpkg")
    for what, (path, expected) in cases.items():
        with pytest.raises(SourceError) as info:
            read_zoning(path)
        message = str(info.value)
        assert expected in message, (what, message)
        assert path.name in message, (what, message)
        assert "\n" not in message, (what, message)


# --------------------------------------------------------------------------- parquet


def _assert_same(a: ZoningLayer, b: ZoningLayer) -> None:
    assert len(a) == len(b)
    assert shapely.to_wkb(a.geometry).tolist() == shapely.to_wkb(b.geometry).tolist()
    for name in ("kind", "naam", "naam_norm", "identificatie", "plan_id"):
        assert getattr(a, name).tolist() == getattr(b, name).tolist(), name
    assert (a.source, a.repairs, a.skipped) == (b.source, b.repairs, b.skipped)


def test_parquet_round_trip_synthetic(tmp_path: Path) -> None:
    layer = zoning_layer()
    path = tmp_path / "zones.parquet"
    write_layer(layer, path)
    back = read_layer(path)
    _assert_same(layer, back)
    gdf = gpd.read_parquet(path)  # a standard GeoParquet file
    assert gdf.crs.to_epsg() == 28992 and list(gdf["naam"]) == list(layer.naam)


@needs_imro
def test_parquet_round_trip_imro(plans: dict[str, ZoningLayer], tmp_path: Path) -> None:
    layer = plans["2012_10.gml"]
    path = tmp_path / "plan.parquet"
    write_layer(layer, path)
    back = read_layer(path)
    _assert_same(layer, back)
    p = layer.geometry[3].representative_point()
    assert back.zones_at(p) == layer.zones_at(p)


def test_parquet_refuses_other_crs_and_garbage(tmp_path: Path) -> None:
    path = tmp_path / "wgs.parquet"
    zones_gdf().to_crs(4326).to_parquet(path)
    with pytest.raises(CRSError, match=r"wgs\.parquet"):
        read_layer(path)
    plain = tmp_path / "plain.parquet"
    zones_gdf().to_parquet(plain)  # GeoParquet in RD New, but not a zoning layer
    with pytest.raises(SourceError, match=r"plain\.parquet: .*ontbrekende kolommen: kind, naam"):
        read_layer(plain)
    junk = tmp_path / "junk.parquet"
    junk.write_bytes(b"PAR1 nonsense")
    with pytest.raises(SourceError, match=r"junk\.parquet"):
        read_layer(junk)
