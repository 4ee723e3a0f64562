"""The sample-data generator: format (GDAL LVBAG driver), determinism, and the edge cases."""

from __future__ import annotations

import csv
import io
import itertools
import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from spreidingstoets.dataset.tables import (
    NUMMERAANDUIDING_COLUMNS,
    OPENBARE_RUIMTE_COLUMNS,
    PAND_COLUMNS,
    VERBLIJFSOBJECT_COLUMNS,
    WOONPLAATS_COLUMNS,
)
from spreidingstoets.sample import (
    REGISTER_HEADER,
    build_towns,
    extract_path,
    generate_national,
    layer_paths,
    sample_files,
    write_sample,
)

REPO = Path(__file__).resolve().parents[1]
COMMITTED = REPO / "data" / "bag_sample"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
WEESP = SHARED / "bag" / "gob-bagextract-weesp-0457" / "BAGGEM0457L-15102021.zip"
CODES = ["0281", "0358", "1783"]
LAYERS = ["VBO", "NUM", "PND", "OPR", "WPL", "LIG", "STA"]
IN_USE = ("Verblijfsobject in gebruik", "Verblijfsobject in gebruik (niet ingemeten)")

# Columns every consumer relies on, per layer (GDAL LVBAG driver names).
REQUIRED = {
    "VBO": {
        "gebruiksdoel",
        "oppervlakte",
        "hoofdadresNummeraanduidingRef",
        "nevenadresNummeraanduidingRef",
        "pandRef",
        "identificatie",
        "status",
        "beginGeldigheid",
        "eindGeldigheid",
    },
    "NUM": {
        "huisnummer",
        "huisletter",
        "huisnummerToevoeging",
        "postcode",
        "openbareruimteRef",
        "woonplaatsRef",
        "identificatie",
        "status",
    },
    "PND": {"oorspronkelijkBouwjaar", "identificatie", "status"},
    "OPR": {"naam", "type", "woonplaatsRef", "identificatie", "status"},
    "WPL": {"naam", "identificatie", "status"},
    "LIG": {"hoofdadresNummeraanduidingRef", "identificatie", "status"},
    "STA": {"hoofdadresNummeraanduidingRef", "identificatie", "status"},
}


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("bag_sample")
    write_sample(d)
    return d


@pytest.fixture(scope="module")
def towns():  # type: ignore[no-untyped-def]
    return {t.code: t for t in build_towns()}


@pytest.fixture(scope="module")
def features(out: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((out / "features.json").read_text("utf-8"))["municipalities"]


def _bare(s: object) -> str:
    """GDAL prefixes ids with their domein (NL.IMBAG.Pand.0281...); keep the 16 digits."""
    return str(s).rsplit(".", 1)[-1]


def read(out: Path, code: str, kind: str, current: bool = True) -> pd.DataFrame:
    df = pyogrio.read_dataframe(layer_paths(out, code)[kind])
    if current:
        df = df[df["eindGeldigheid"].isna()]
    return df.assign(id=df["identificatie"].map(_bare)).set_index("id", drop=False)


# -- format -------------------------------------------------------------------------------


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("kind", LAYERS)
def test_every_layer_reads_through_gdal_lvbag(out: Path, towns, code: str, kind: str) -> None:  # type: ignore[no-untyped-def]
    info = pyogrio.read_info(layer_paths(out, code)[kind])
    assert info["driver"] == "LVBAG"
    df = pyogrio.read_dataframe(layer_paths(out, code)[kind])
    expected = [r for r in towns[code].records if r.kind == kind]
    assert len(df) == len(expected) > 0
    assert REQUIRED[kind] <= set(df.columns)
    prefix = {"WPL": "NL.IMBAG.Woonplaats.9"}.get(kind, "NL.IMBAG.")
    assert df["identificatie"].str.startswith(prefix).all()
    if kind in ("VBO", "PND", "WPL", "LIG", "STA"):
        assert info["crs"] == "EPSG:28992"
        assert df.geometry.is_valid.all()
    if kind == "VBO":
        assert df["identificatie"].iloc[0] == f"NL.IMBAG.Verblijfsobject.{code}010000000001"
        assert isinstance(df["gebruiksdoel"].iloc[0], (list, np.ndarray))


@pytest.mark.skipif(not WEESP.exists(), reason=f"real LVBAG extract not available at {WEESP}")
@pytest.mark.parametrize("kind", LAYERS)
def test_columns_equal_the_real_weesp_extract(out: Path, kind: str) -> None:
    real = pyogrio.read_info(
        f"/vsizip//vsizip//vsizip/{WEESP.as_posix()}/0457GEM15102021.zip/"
        f"0457{kind}15102021.zip/0457{kind}15102021-000001.xml"
    )
    for code in CODES:
        ours = pyogrio.read_info(layer_paths(out, code)[kind])
        assert list(ours["fields"]) == list(real["fields"])
        assert list(ours["dtypes"]) == list(real["dtypes"])
        assert ours["geometry_type"] == real["geometry_type"]


def test_extract_layout(out: Path) -> None:
    for code in CODES:
        outer = zipfile.ZipFile(extract_path(out, code))
        assert outer.namelist() == ["Leveringsdocument-BAG-Extract.xml", f"{code}GEM01112026.zip"]
        lev = outer.read("Leveringsdocument-BAG-Extract.xml").decode()
        assert "<selecties-extract:StandTechnischeDatum>2026-11-01<" in lev
        assert f"<selecties-extract:GemeenteIdentificatie>{code}<" in lev
        gem = zipfile.ZipFile(io.BytesIO(outer.read(f"{code}GEM01112026.zip")))
        assert gem.namelist() == [f"{code}{k}01112026.zip" for k in LAYERS]
        for info in outer.infolist() + gem.infolist():
            assert info.date_time == (2026, 11, 1, 0, 0, 0)


# -- determinism and the committed copy ---------------------------------------------------


def _contents(path: Path) -> dict[str, bytes]:
    """Flatten a file (recursing into zips) to name -> bytes; zip containers themselves
    are not compared because their bytes depend on the zlib version."""

    def walk(name: str, data: bytes) -> dict[str, bytes]:
        if not name.endswith(".zip"):
            return {name: data}
        out: dict[str, bytes] = {}
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            out[name + "!"] = "\n".join(zf.namelist()).encode()
            for n in zf.namelist():
                out.update(walk(f"{name}/{n}", zf.read(n)))
        return out

    return walk(path.name, path.read_bytes())


def test_generation_is_deterministic() -> None:
    a, b = sample_files(), sample_files()
    assert a.keys() == b.keys()
    for k in a:
        assert a[k] == b[k], k


@pytest.mark.skipif(not COMMITTED.exists(), reason="data/bag_sample not present")
def test_committed_sample_equals_generator_output(out: Path) -> None:
    fresh = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    committed = sorted(
        p.relative_to(COMMITTED)
        for p in COMMITTED.rglob("*")
        if p.is_file() and p.suffix != ".gfs"  # GDAL's GML schema cache, not ours
    )
    assert committed == fresh, "regenerate: spreidingstoets sample --out data/bag_sample"
    for rel in fresh:
        assert _contents(COMMITTED / rel) == _contents(out / rel), (
            f"{rel} differs; regenerate with: spreidingstoets sample --out data/bag_sample"
        )


# -- edge cases ---------------------------------------------------------------------------


def _panden(out: Path, code: str) -> pd.DataFrame:
    return read(out, code, "PND")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("distance_100_0", 100.0),
        ("distance_99_95", 99.95),
        ("distance_100_04", 100.04),
        ("distance_99_5", 99.5),
        ("distance_150", 150.0),
    ],
)
def test_aalsmeer_distance_pairs(out: Path, features, name: str, expected: float) -> None:  # type: ignore[no-untyped-def]
    pnd = _panden(out, "0358")
    pair = features["0358"]["features"][name]
    assert [e["role"] for e in pair] == ["candidate", "counted"]
    a, b = (pnd.loc[e["pand_ids"][0], "geometry"] for e in pair)
    d = shapely.distance(a, b)
    if expected == 100.0:
        assert d == 100.0
    else:
        assert d == pytest.approx(expected, abs=1e-6)
    # No other counted labour-migrant dwelling closer than 150 m to the candidate.
    reg = pd.read_csv(out / "0358-aalsmeer" / "register.csv", dtype=str)
    counted = set(
        reg.loc[
            reg["status"].isin(["granted", "tolerated", "pending", "illegal"]), "verblijfsobject_id"
        ]
    ) - {pair[1]["verblijfsobject_id"]}
    vbo = read(out, "0358", "VBO")
    for v in counted:
        for p in vbo.loc[v, "pandRef"]:
            assert shapely.distance(a, pnd.loc[_bare(p), "geometry"]) > 150.0


def test_terraced_rows_share_walls_exactly(out: Path, features) -> None:  # type: ignore[no-untyped-def]
    for code in CODES:
        pnd = _panden(out, code)
        row = [
            pnd.loc[e["pand_ids"][0], "geometry"]
            for e in features[code]["features"]["terraced_row"]
        ]
        assert len(row) == 6
        for a, b in itertools.pairwise(row):
            assert a.touches(b)
            assert a.intersection(b).length == pytest.approx(9.0)
            assert a.intersection(b).area == 0.0
    semi = features["0358"]["features"]["semi_detached"]
    pnd = _panden(out, "0358")
    a, b = (pnd.loc[e["pand_ids"][0], "geometry"] for e in semi)
    assert a.touches(b) and a.intersection(b).length == pytest.approx(12.0)


def test_alleys_are_one_to_three_metres(out: Path, features) -> None:  # type: ignore[no-untyped-def]
    for code in CODES:
        pnd = _panden(out, code)
        alley = features[code]["features"]["alley"]
        assert len(alley) == 4
        for a, b in (alley[0:2], alley[2:4]):
            d = shapely.distance(
                pnd.loc[a["pand_ids"][0], "geometry"], pnd.loc[b["pand_ids"][0], "geometry"]
            )
            assert 1.0 <= d <= 3.0
            assert d > 0.5  # not adjacent at the default tolerance


def test_opposite_side_is_not_adjacent(out: Path, features) -> None:  # type: ignore[no-untyped-def]
    for code in CODES:
        pnd = _panden(out, code)
        a, b = features[code]["features"]["opposite_side"]
        d = shapely.distance(
            pnd.loc[a["pand_ids"][0], "geometry"], pnd.loc[b["pand_ids"][0], "geometry"]
        )
        assert 15.0 <= d <= 20.0


def _dwellings_per_street(out: Path, code: str) -> pd.Series:
    vbo = read(out, code, "VBO")
    num = read(out, code, "NUM")
    woon = vbo[vbo["status"].isin(IN_USE) & vbo["gebruiksdoel"].map(lambda g: "woonfunctie" in g)]
    opr = woon["hoofdadresNummeraanduidingRef"].map(_bare).map(num["openbareruimteRef"])
    return opr.map(_bare).value_counts()


def test_street_sizes(out: Path, features) -> None:  # type: ignore[no-untyped-def]
    for code in CODES:
        per_street = _dwellings_per_street(out, code)
        f = features[code]["features"]
        for name, check in [
            ("street_exactly_10_dwellings", lambda n: n == 10),
            ("street_20_dwellings", lambda n: n == 20),
            ("street_fewer_than_10_dwellings", lambda n: n < 10),
        ]:
            streets = {e["openbare_ruimte_id"] for e in f[name]}
            assert len(streets) == 1
            assert check(per_street[streets.pop()]), name
            assert check(len(f[name])), name


def test_corner_houses_and_flat_and_shared_pand(out: Path, features) -> None:  # type: ignore[no-untyped-def]
    for code in CODES:
        vbo = read(out, code, "VBO")
        num = read(out, code, "NUM")
        f = features[code]["features"]
        for e in f["corner_house"]:
            row = vbo.loc[e["verblijfsobject_id"]]
            neven = [_bare(x) for x in row["nevenadresNummeraanduidingRef"]]
            assert neven == [e["nevenadres_id"]]
            assert (
                num.loc[neven[0], "openbareruimteRef"]
                != num.loc[_bare(row["hoofdadresNummeraanduidingRef"]), "openbareruimteRef"]
            )
        flat = {p for e in f["flat_40_dwellings"] for p in e["pand_ids"]}
        assert len(f["flat_40_dwellings"]) == 40 and len(flat) == 1
        assert (vbo["pandRef"].map(lambda r: _bare(r[0])) == flat.pop()).sum() == 40
        duo = f["two_dwellings_one_pand"]
        assert len(duo) == 2 and duo[0]["pand_ids"] == duo[1]["pand_ids"]
        for e in f["shop_with_dwelling_above"]:
            shop = vbo.loc[e["shop_id"]]
            assert list(shop["gebruiksdoel"]) == ["winkelfunctie"]
            assert [_bare(p) for p in shop["pandRef"]] == e["pand_ids"]
            assert e["huisletter"] or e["toevoeging"]
        for e in f["multiple_gebruiksdoel"]:
            assert len(vbo.loc[e["verblijfsobject_id"], "gebruiksdoel"]) == 2


def test_same_street_name_in_two_woonplaatsen(out: Path, features) -> None:  # type: ignore[no-untyped-def]
    for code in CODES:
        opr = read(out, code, "OPR")
        a, b = features[code]["features"]["same_street_name_two_woonplaatsen"]
        assert a["straat"] == b["straat"] and a["woonplaats"] != b["woonplaats"]
        assert a["openbare_ruimte_id"] != b["openbare_ruimte_id"]
        assert (
            opr.loc[a["openbare_ruimte_id"], "woonplaatsRef"]
            != opr.loc[b["openbare_ruimte_id"], "woonplaatsRef"]
        )


def test_lifecycle_objects(out: Path, features) -> None:  # type: ignore[no-untyped-def]
    for code in CODES:
        f = features[code]["features"]
        vbo_all = read(out, code, "VBO", current=False)
        vbo = read(out, code, "VBO")
        pnd = _panden(out, code)
        two = vbo_all.loc[[f["two_voorkomens"][0]["verblijfsobject_id"]]]
        assert len(two) == 2 and two["eindGeldigheid"].notna().sum() == 1
        dem = f["demolished"][0]
        assert vbo.loc[dem["verblijfsobject_id"], "status"] == "Verblijfsobject ingetrokken"
        assert pnd.loc[dem["pand_ids"][0], "status"] == "Pand gesloopt"
        assert vbo.loc[f["under_construction"][0]["verblijfsobject_id"], "status"] == (
            "Verblijfsobject gevormd"
        )
        assert vbo.loc[f["not_realised"][0]["verblijfsobject_id"], "status"] == (
            "Niet gerealiseerd verblijfsobject"
        )
        ren = f["renumbered"][0]
        num_all = read(out, code, "NUM", current=False).loc[[ren["nummeraanduiding_id"]]]
        assert sorted(num_all["huisnummer"]) == sorted([ren["huisnummer"], 99])
        old = num_all[num_all["eindGeldigheid"].notna()]
        assert list(old["huisnummer"]) == [99]
        assert len(read(out, code, "LIG")) >= 1 and len(read(out, code, "STA")) >= 1


def test_enclosure_layouts(features) -> None:  # type: ignore[no-untyped-def]
    for code in CODES:
        f = features[code]["features"]
        assert [e["huisnummer"] for e in f["enclosure"]] == [3, 5, 7]
        assert [e["huisnummer"] for e in f["enclosure_number_gap"]] == [12, 16, 18]
        pand = [e["pand_ids"][0] for e in f["enclosure_number_gap"]]
        assert len(set(pand)) == 3


def test_westland_zoning_and_site(out: Path, features, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    src = out / "1783-westland" / "zoning" / "NL.IMRO.1783.SYNTH-VG01.gml"
    gml = tmp_path / src.name  # GDAL may write a .gfs next to the file: read a copy
    gml.write_bytes(src.read_bytes())
    layers = {name for name, _ in pyogrio.list_layers(gml)}
    assert {"Enkelbestemming", "Functieaanduiding"} <= layers
    eb = pyogrio.read_dataframe(gml, layer="Enkelbestemming")
    fa = pyogrio.read_dataframe(gml, layer="Functieaanduiding")
    assert eb.crs.to_epsg() == 28992
    assert set(eb["naam"]) == {"Agrarisch - Glastuinbouw", "Wonen", "Bedrijventerrein"}
    assert list(fa["naam"]) == ["specifieke vorm van wonen - huisvesting arbeidsmigranten"]
    zone = fa.geometry.iloc[0]
    pnd = _panden(out, "1783")
    f = features["1783"]["features"]
    for e in f["labour_migrant_site"]:
        assert zone.contains(pnd.loc[e["pand_ids"][0], "geometry"])
    part = pnd.loc[f["partly_in_zone"][0]["pand_ids"][0], "geometry"]
    assert 0 < part.intersection(zone).area < part.area
    glas = eb.loc[eb["naam"] == "Agrarisch - Glastuinbouw"].geometry.iloc[0]
    for e in f["greenhouse"] + f["company_dwelling"]:
        assert glas.contains(pnd.loc[e["pand_ids"][0], "geometry"])


def test_registers(out: Path) -> None:
    kinds = {"kamerverhuur", "arbeidsmigranten", "studenten", "omzetting"}
    statuses = {"granted", "tolerated", "pending", "illegal", "revoked", "expired"}
    for code in CODES:
        path = next(out.glob(f"{code}-*/register.csv"))
        rows = list(csv.DictReader(path.open(encoding="utf-8")))
        assert path.read_text("utf-8").splitlines()[0] == ",".join(REGISTER_HEADER)
        ids = set(read(out, code, "VBO").index)
        assert rows
        for r in rows:
            assert r["verblijfsobject_id"] in ids
            assert r["kind"] in kinds and r["status"] in statuses
            assert int(r["persons"]) > 0
    tiel = {r["status"] for r in csv.DictReader((out / "0281-tiel" / "register.csv").open())}
    assert {"granted", "revoked", "expired", "pending"} <= tiel


# -- national-scale tables ----------------------------------------------------------------


def test_generate_national_small() -> None:
    t = generate_national(10_000, seed=3)
    vbo, num, pnd = t.verblijfsobjecten, t.nummeraanduidingen, t.panden
    assert list(vbo.columns) == VERBLIJFSOBJECT_COLUMNS
    assert list(num.columns) == NUMMERAANDUIDING_COLUMNS
    assert list(pnd.columns) == PAND_COLUMNS
    assert list(t.openbare_ruimten.columns) == OPENBARE_RUIMTE_COLUMNS
    assert list(t.woonplaatsen.columns) == WOONPLAATS_COLUMNS
    assert len(vbo) == 10_000 == len(num)
    assert 0.3 * len(vbo) < len(pnd) < 1.2 * len(vbo)
    for df in (vbo, num, pnd, t.openbare_ruimten, t.woonplaatsen):
        assert df["identificatie"].is_unique
    assert vbo["identificatie"].str.fullmatch(r"\d{4}01\d{10}").all()
    assert pnd["identificatie"].str.fullmatch(r"\d{4}10\d{10}").all()
    assert t.woonplaatsen["identificatie"].str.fullmatch(r"\d{4}").all()
    assert vbo["hoofdadres"].isin(num["identificatie"]).all()
    assert num["openbare_ruimte"].isin(t.openbare_ruimten["identificatie"]).all()
    assert t.openbare_ruimten["woonplaats"].isin(t.woonplaatsen["identificatie"]).all()
    refs = {p for lst in vbo["panden"] for p in lst}
    assert refs <= set(pnd["identificatie"]) and len(refs) == len(pnd)
    assert all(lst == ["woonfunctie"] or "woonfunctie" in lst for lst in vbo["gebruiksdoel"])
    assert (vbo["status"] == "Verblijfsobject in gebruik").all()
    pts, polys = np.asarray(vbo["geometry"]), np.asarray(pnd["geometry"])
    assert shapely.is_valid(polys).all() and shapely.is_valid(pts).all()
    x0, y0, x1, y1 = shapely.total_bounds(np.concatenate([pts, polys]))
    assert x0 >= -7000 and x1 <= 300000 and y0 >= 289000 and y1 <= 629000
    # Every dwelling point lies inside its own pand.
    own = pnd.set_index("identificatie").loc[[lst[0] for lst in vbo["panden"]], "geometry"]
    assert shapely.contains(np.asarray(own), pts).all()
    # Panden do not overlap (touching walls are fine).
    tree = shapely.STRtree(polys)
    pairs = tree.query(polys, predicate="overlaps")
    assert pairs.shape[1] == 0
    # Street numbering: huisnummers unique per street.
    assert not num.duplicated(["openbare_ruimte", "huisnummer"]).any()
    assert t.source_kind == "synthetic" and t.gemeentecodes


def test_generate_national_is_seeded() -> None:
    a, b, c = generate_national(2_000, 1), generate_national(2_000, 1), generate_national(2_000, 2)
    pd.testing.assert_frame_equal(
        a.nummeraanduidingen.astype(str), b.nummeraanduidingen.astype(str)
    )
    assert shapely.equals(np.asarray(a.panden["geometry"]), np.asarray(b.panden["geometry"])).all()
    assert len(a.panden) != len(c.panden) or not a.panden["bouwjaar"].equals(c.panden["bouwjaar"])
