"""BAG readers, compiled dataset, indexes and address search, on real and synthetic data."""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from lxml import etree

from builders import Town
from conftest import DOESBURG, WEESP, need, run_cli
from spreidingstoets.dataset.address import find_address
from spreidingstoets.dataset.compile import write_dataset
from spreidingstoets.dataset.lvbag import select_voorkomens
from spreidingstoets.dataset.sources import read_source
from spreidingstoets.dataset.store import load_dataset
from spreidingstoets.errors import CRSError, InputError, SourceError

# ---- Weesp: counts agree with PROVENANCE.md -------------------------------------------------


def test_weesp_manifest_counts_match_provenance(weesp_dir: Path) -> None:
    manifest = json.loads((weesp_dir / "manifest.json").read_text())
    counts = manifest["counts"]
    # PROVENANCE.md: current objects and 9,457 dwellings in use with an address on 231 streets
    assert counts["verblijfsobjecten"] == 12509
    assert counts["woningen"] == 9457
    assert counts["panden"] == 12899
    assert counts["nummeraanduidingen"] == 12694
    assert counts["openbare_ruimten"] == 321
    assert counts["woonplaatsen"] == 2
    assert counts["ligplaatsen"] == 167
    assert counts["standplaatsen"] == 13
    assert manifest["extract_date"] == "2021-10-15"
    assert manifest["reference_date"] == "2021-10-15"
    assert manifest["gemeentecodes"] == ["0457"]
    assert (
        manifest["sources"][0]["sha256"]
        == "2e13ea08648fa23fbf1cc4a8d5f9f4e2a094479a7bffafd31e3ad4bbcfb77e04"
    )


def test_weesp_dwellings_lie_on_231_streets(weesp) -> None:  # type: ignore[no-untyped-def]
    streets = weesp.unit_street[weesp.woning]
    assert (streets >= 0).all()
    assert len(np.unique(streets)) == 231
    largest = pd.Series(weesp.street_naam[streets]).value_counts().head(3)
    assert largest.to_dict() == {
        "Sinnigvelderstraat": 330,
        "Heemraadweg": 291,
        "Keulsevaartstraat": 228,
    }


def test_weesp_voorkomen_choice_depends_on_date(tmp_path: Path) -> None:
    source = need(WEESP)
    old = read_source(source, dt.date(2012, 1, 1))
    new = read_source(source)
    assert old.reference_date == dt.date(2012, 1, 1)
    assert len(old.verblijfsobjecten) < len(new.verblijfsobjecten)
    # an object present in both may have another voorkomen (status) then
    both = old.verblijfsobjecten.merge(
        new.verblijfsobjecten, on="identificatie", suffixes=("_old", "_new")
    )
    assert (both["status_old"] != both["status_new"]).any()


def test_select_voorkomens_keeps_the_one_valid_on_the_date() -> None:
    df = pd.DataFrame(
        {
            "identificatie": ["a", "a", "a", "b", "c"],
            "voorkomenIdentificatie": [1, 2, 3, 1, 1],
            "beginGeldigheid": [
                "2010-01-01",
                "2015-01-01",
                "2020-01-01",
                "2010-01-01",
                "2010-01-01",
            ],
            "eindGeldigheid": ["2015-01-01", "2020-01-01", None, None, "2012-01-01"],
            "tijdstipInactief": [None, None, None, None, None],
            "status": ["x1", "x2", "x3", "y", "z"],
        }
    )
    on = select_voorkomens(df, dt.date(2016, 6, 1))
    assert dict(zip(on.identificatie, on.status, strict=True)) == {"a": "x2", "b": "y"}
    # the end date is exclusive: on the day a new voorkomen starts, the new one holds
    assert select_voorkomens(df, dt.date(2020, 1, 1)).set_index("identificatie").status["a"] == "x3"
    # an object whose last voorkomen ends on the day is gone that day
    assert "c" in set(select_voorkomens(df, dt.date(2011, 12, 31)).identificatie)
    assert "c" not in set(select_voorkomens(df, dt.date(2012, 1, 1)).identificatie)
    inactive = df.assign(tijdstipInactief=[None, "2016-01-01", None, None, None])
    assert "a" not in set(select_voorkomens(inactive, dt.date(2016, 6, 1)).identificatie)


# ---- Doesburg pand file and the small NLExtract sample -----------------------------------------


def _independent_current(xml_bytes: bytes, day: str) -> set[str]:
    """Identificaties with a voorkomen valid on ``day``, parsed with lxml (not GDAL)."""
    root = etree.fromstring(xml_bytes)
    ids = set()
    for obj in root.iterfind(".//{*}bagObject/*"):
        ident = obj.findtext("{*}identificatie")
        begin = obj.findtext(".//{*}beginGeldigheid")
        end = obj.findtext(".//{*}eindGeldigheid")
        inactive = obj.findtext(".//{*}tijdstipInactief")
        if begin and begin <= day and (end is None or end > day) and inactive is None:
            ids.add(ident)
    return ids


def test_doesburg_pand_zip_imports(tmp_path: Path) -> None:
    source = need(DOESBURG / "0221PND15092020.zip")
    tables = read_source(source, dt.date(2020, 9, 15))
    expected: set[str] = set()
    with zipfile.ZipFile(source) as zf:
        for name in zf.namelist():
            expected |= _independent_current(zf.read(name), "2020-09-15")
    assert len(tables.panden) == len(expected) == 7797  # PROVENANCE.md: 7,797 current panden
    assert set(tables.panden.identificatie) == expected
    manifest = write_dataset(tables, source, tmp_path / "doesburg")
    assert manifest["counts"]["panden"] == 7797
    ds = load_dataset(tmp_path / "doesburg")
    assert ds.n_units == 0 and len(ds.fp_id) == 7797
    assert len(ds.fp_adjacent.idx) > 1000  # a town of terraced rows


def test_nlextract_small_sample_folder_imports(tmp_path: Path) -> None:
    folder = need(DOESBURG / "BAGNLDL-15092020-small-expand")
    tables = read_source(folder)
    assert tables.extract_date == dt.date(2020, 9, 15)
    for code, table in [
        ("VBO", "verblijfsobjecten"),
        ("NUM", "nummeraanduidingen"),
        ("PND", "panden"),
        ("OPR", "openbare_ruimten"),
        ("LIG", "ligplaatsen"),
        ("STA", "standplaatsen"),
        ("WPL", "woonplaatsen"),
    ]:
        xml = next(folder.glob(f"0221{code}*.xml")).read_bytes()
        assert set(getattr(tables, table).identificatie) == _independent_current(
            xml, "2020-09-15"
        ), code
    manifest = write_dataset(tables, folder, tmp_path / "small")
    assert manifest["counts"]["ligplaatsen"] == 2


# ---- indexes agree with an independent computation -------------------------------------------


def test_weesp_adjacency_matches_geopandas(weesp) -> None:  # type: ignore[no-untyped-def]
    active = np.flatnonzero(weesp.fp_active)
    gdf = gpd.GeoDataFrame(
        {"row": active}, geometry=weesp.footprints.geoms(active), crs="EPSG:28992"
    )
    joined = gpd.sjoin(gdf, gdf, predicate="dwithin", distance=0.5)
    expected = {(a, b) for a, b in zip(joined.row_left, joined.row_right, strict=True) if a < b}
    got = set()
    for f in range(len(weesp.fp_id)):
        for g in weesp.fp_adjacent.members(f):
            if f < g:
                got.add((f, int(g)))
    assert got == expected
    assert len(got) > 5000


def test_weesp_street_and_pand_indexes_match_pandas(weesp) -> None:  # type: ignore[no-untyped-def]
    units = pd.DataFrame({"street": weesp.unit_street})
    for s, group in units[units.street >= 0].groupby("street"):
        assert sorted(weesp.street_units.members(int(s))) == sorted(group.index)
    # pand -> units is the inverse of unit -> panden
    for u in random.Random(1).sample(range(weesp.n_units), 500):
        for f in weesp.unit_fps.members(u):
            assert u in weesp.fp_units.members(int(f))


# ---- the PDOK BAG GeoPackage -----------------------------------------------------------------


def _write_bag_gpkg(
    path: Path,
    crs: str = "EPSG:28992",
    layers: tuple[str, ...] = ("pand", "verblijfsobject", "woonplaats"),
) -> None:
    x, y = 150000.0, 430000.0
    panden = gpd.GeoDataFrame(
        {
            "identificatie": ["0001100000000001", "0001100000000002"],
            "bouwjaar": [1930, 1931],
            "status": ["Pand in gebruik"] * 2,
        },
        geometry=[shapely.box(x, y, x + 5, y + 10), shapely.box(x + 5, y, x + 10, y + 10)],
        crs="EPSG:28992",
    )
    vbo = gpd.GeoDataFrame(
        {
            "identificatie": ["0001010000000001", "0001010000000002"],
            "oppervlakte": [90, 110],
            "status": ["Verblijfsobject in gebruik"] * 2,
            "gebruiksdoel": ["woonfunctie", "woonfunctie,kantoorfunctie"],
            "openbare_ruimte_naam": ["Kerkstraat"] * 2,
            "huisnummer": [1, 3],
            "huisletter": [None, "a"],
            "toevoeging": [None, None],
            "postcode": ["4001AB"] * 2,
            "woonplaats_naam": ["Tiel"] * 2,
            "pand_identificatie": ["0001100000000001", "0001100000000002"],
        },
        geometry=[shapely.Point(x + 2, y + 5), shapely.Point(x + 7, y + 5)],
        crs="EPSG:28992",
    )
    wpl = gpd.GeoDataFrame(
        {"identificatie": ["1234"], "woonplaats": ["Tiel"]},
        geometry=[shapely.box(x - 100, y - 100, x + 100, y + 100)],
        crs="EPSG:28992",
    )
    frames = {"pand": panden, "verblijfsobject": vbo, "woonplaats": wpl}
    for name in layers:
        frames[name].to_crs(crs).to_file(path, layer=name, driver="GPKG")


def test_geopackage_reader(tmp_path: Path) -> None:
    gpkg = tmp_path / "bag-light.gpkg"
    _write_bag_gpkg(gpkg)
    tables = read_source(gpkg)
    assert tables.source_kind == "bag-geopackage"
    manifest = write_dataset(tables, gpkg, tmp_path / "ds")
    assert manifest["counts"]["woningen"] == 2
    assert manifest["counts"]["adjacent_pairs"] == 1
    ds = load_dataset(tmp_path / "ds")
    match = find_address(ds, "Kerkstraat 3a Tiel")
    assert ds.unit_identificatie(match.unit) == "0001010000000002"
    assert ds.unit_gebruiksdoelen(match.unit) == ["kantoorfunctie", "woonfunctie"]
    assert ds.woonplaats_id[ds.addr_woonplaats[match.address]] == "1234"


def test_geopackage_without_layers_is_refused(tmp_path: Path) -> None:
    gpkg = tmp_path / "other.gpkg"
    _write_bag_gpkg(gpkg, layers=("woonplaats",))
    with pytest.raises(SourceError, match=r"lagen pand.*ontbreken"):
        read_source(gpkg)


def test_geopackage_in_degrees_is_refused(tmp_path: Path) -> None:
    gpkg = tmp_path / "wgs84.gpkg"
    _write_bag_gpkg(gpkg, crs="EPSG:4326")
    with pytest.raises(CRSError, match="EPSG:28992"):
        read_source(gpkg)


# ---- bad input through the CLI: one clear line, exit 2, nothing written -------------------------


def _truncated_zip(tmp_path: Path) -> Path:
    data = need(WEESP).read_bytes()
    bad = tmp_path / "truncated.zip"
    bad.write_bytes(data[: len(data) // 2])
    return bad


def _wrong_xml(tmp_path: Path) -> Path:
    bad = tmp_path / "0457VBO15102021-000001.xml"
    bad.write_text("<?xml version='1.0'?><root><x>not BAG</x></root>")
    return bad


def _degrees_extract(tmp_path: Path) -> Path:
    """A real Weesp VBO file with every coordinate turned into longitude/latitude-like values."""
    with zipfile.ZipFile(need(WEESP)) as outer:
        gem = zipfile.ZipFile(io.BytesIO(outer.read("0457GEM15102021.zip")))
        vbo = zipfile.ZipFile(io.BytesIO(gem.read("0457VBO15102021.zip")))
        text = vbo.read("0457VBO15102021-000001.xml").decode()
    import re

    text = re.sub(r"<gml:pos>[\d.]+ [\d.]+", "<gml:pos>5.04 52.31", text)
    path = tmp_path / "0457VBO15102021-000001.xml"
    path.write_text(text)
    return path


def _empty_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "empty"
    folder.mkdir()
    return folder


def _gpkg_without_layers(tmp_path: Path) -> Path:
    gpkg = tmp_path / "nolayers.gpkg"
    _write_bag_gpkg(gpkg, layers=("woonplaats",))
    return gpkg


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (_truncated_zip, "geen leesbaar zipbestand"),
        (_wrong_xml, "geen LVBAG-objectbestand"),
        (_gpkg_without_layers, "ontbreken"),
        (_degrees_extract, "EPSG:28992"),
        (_empty_folder, "empty"),
    ],
)
def test_bad_sources_fail_cleanly(tmp_path: Path, make, expected: str) -> None:  # type: ignore[no-untyped-def]
    source = make(tmp_path)
    out = tmp_path / "out" / "dataset"
    out.parent.mkdir()
    result = run_cli("import", str(source), "--out", str(out))
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "fout:" in lines[0] and expected in lines[0], result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()
    assert not any(p.name.startswith(".dataset.tmp") for p in out.parent.glob(".*"))


def test_failed_write_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import spreidingstoets.dataset.compile as compile_mod

    town = Town()
    town.row(town.street("Kwartelstraat"), [1, 3, 5])
    calls = {"n": 0}
    real = compile_mod.pq.write_table

    def flaky(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(compile_mod.pq, "write_table", flaky)
    with pytest.raises(OSError, match="disk full"):
        write_dataset(town.tables(), tmp_path, tmp_path / "ds")
    assert list(tmp_path.iterdir()) == []


def test_existing_dataset_needs_force_and_import_is_reproducible(tmp_path: Path) -> None:
    town = Town()
    town.row(town.street("Kwartelstraat"), [1, 3, 5])
    first = write_dataset(town.tables(), tmp_path, tmp_path / "ds")
    with pytest.raises(InputError, match="--force"):
        write_dataset(town.tables(), tmp_path, tmp_path / "ds")
    second = write_dataset(town.tables(), tmp_path, tmp_path / "ds", force=True)
    assert first["sha256"] == second["sha256"]
    assert [p.name for p in tmp_path.iterdir()] == ["ds"]


def test_cli_import_and_info_and_address(tmp_path: Path) -> None:
    source = need(WEESP)
    out = tmp_path / "weesp"
    result = run_cli("import", str(source), "--out", str(out), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["counts"]["woningen"] == 9457
    info = run_cli("dataset", "info", str(out), "--json")
    assert json.loads(info.stdout)["counts"]["openbare_ruimten"] == 321
    found = run_cli("address", "1382EJ 42", "--data", str(out), "--json")
    assert found.returncode == 0
    assert json.loads(found.stdout)["straat"] == "Waarschapsstraat"
    missing = run_cli("address", "Nergensstraat 1", "--data", str(out))
    assert missing.returncode == 2 and "geen straat 'nergensstraat' gevonden" in missing.stderr


def test_footprint_index_search_equals_brute_force(weesp) -> None:  # type: ignore[no-untyped-def]
    fp = weesp.footprints
    active = np.flatnonzero(weesp.fp_active)
    every = fp.geoms(active)
    rng = random.Random(5)
    for _ in range(60):
        centre = fp.geom(int(rng.choice(active)))
        distance = rng.choice([0.0, 0.5, 3.0, 49.99, 100.0, 260.0])
        expected = active[shapely.dwithin(every, centre, distance)]
        assert np.array_equal(weesp.footprints_within(centre, distance), expected)
    # candidates are exactly the active rows whose bounding box meets the search box
    b = fp.bounds
    for _ in range(40):
        x, y = fp.bounds[int(rng.choice(active)), :2]
        box = (x - 30, y - 20, x + 45, y + 60)
        meets = (
            (b[:, 0] <= box[2]) & (b[:, 2] >= box[0]) & (b[:, 1] <= box[3]) & (b[:, 3] >= box[1])
        )
        assert np.array_equal(fp.candidates(*box), np.flatnonzero(meets & weesp.fp_active))
    # a search box far outside the data finds nothing
    assert len(fp.candidates(0, 300000, 10, 300010)) == 0
    # many boxes in one call: the same rows per box
    boxes = np.array(
        [[*fp.bounds[int(f), :2] - 25, *fp.bounds[int(f), 2:] + 25] for f in active[::97]]
    )
    boxes = np.vstack([boxes, [0, 300000, 10, 300010]])
    rows, counts = fp.candidates_many(boxes)
    assert len(counts) == len(boxes) and counts[-1] == 0
    ends = np.cumsum(counts)
    for box, lo, hi in zip(boxes, ends - counts, ends, strict=True):
        assert np.array_equal(np.sort(rows[lo:hi]), fp.candidates(*box))
    # every row's WKB round-trips to its stored bounds
    for f in rng.sample(range(len(fp)), 200):
        assert np.allclose(fp.geom(f).bounds, fp.bounds[f])
