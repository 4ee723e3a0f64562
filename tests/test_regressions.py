"""Regressions found in review: each test failed before its fix."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pydantic import ValidationError

from builders import X0, Y0, Town
from conftest import run_cli
from spreidingstoets import fsio
from spreidingstoets.dataset.address import AddressNotFound, find_address
from spreidingstoets.dataset.compile import write_dataset
from spreidingstoets.dataset.sources import read_source
from spreidingstoets.dataset.store import load_dataset
from spreidingstoets.domain.model import Application
from spreidingstoets.domain.register import RegisterEntry, RegisterSnapshot
from spreidingstoets.golden import ExtraEntry
from spreidingstoets.ruletypes import area_share, min_distance, not_enclosed
from spreidingstoets.ruletypes.base import Context, RegisterOverlay, RuleSpec, ZoneRef
from spreidingstoets.zoning import ZoningLayer

DAY = dt.date(2026, 3, 1)


def _ctx(ds, app_vbo: str, counted: list[str], layers=None) -> Context:  # type: ignore[no-untyped-def]
    snap = RegisterSnapshot(
        tuple(
            RegisterEntry(id=i + 1, verblijfsobject_id=v, kind="arbeidsmigranten", status="granted")
            for i, v in enumerate(counted)
        ),
        f"r{len(counted)}",
    )
    app = Application(unit=ds.unit_index(app_vbo), kind="arbeidsmigranten", persons=4, date=DAY)
    return Context(ds, RegisterOverlay.build(ds, snap), app, layers or {})


def _spec(module, params) -> RuleSpec:  # type: ignore[no-untyped-def]
    return RuleSpec("r", module.NAME, params, "test", (), {}, ())


def test_distance_exactly_at_the_edge_reaches_the_rule(tmp_path: Path) -> None:
    """Nearest corners (0.002, 0.002) and (60.602, 80.802): 101.000 m, computed with noise."""
    town = Town()
    s = town.street("Hoekweg")
    a = town.unit(s, 1, [town.pand(-9.998, -9.998, 10, 10)])
    b = town.unit(s, 3, [town.pand(60.602, 80.802, 10, 10)])
    ds = town.build(tmp_path)
    ctx = _ctx(ds, a, [b])
    band = min_distance.evaluate(
        _spec(min_distance, min_distance.Params(radius_m=100)),
        min_distance.Params(radius_m=100),
        ctx,
    )
    assert band.outcome == "review" and band.measured["nearest_m"] == 101.0
    p = min_distance.Params(radius_m=101, review_band_m=0, inclusive=True)
    assert min_distance.evaluate(_spec(min_distance, p), p, ctx).outcome == "fail"
    # the point search keeps a unit exactly at the radius too
    ua, ub = ds.unit_index(a), ds.unit_index(b)
    exact = float(np.hypot(*(ds.unit_xy[ub] - ds.unit_xy[ua])))
    assert ub in ds.units_near_point(ds.unit_xy[ua], exact)


def test_geopackage_keeps_streets_of_same_name_in_same_named_woonplaatsen_apart(
    tmp_path: Path,
) -> None:
    x, y = 150000.0, 430000.0
    panden = gpd.GeoDataFrame(
        {
            "identificatie": ["0001100000000001", "0002100000000001"],
            "status": ["Pand in gebruik"] * 2,
        },
        geometry=[shapely.box(x, y, x + 5, y + 5), shapely.box(x + 900, y, x + 905, y + 5)],
        crs="EPSG:28992",
    )
    vbo = gpd.GeoDataFrame(
        {
            "identificatie": ["0001010000000001", "0002010000000001"],
            "oppervlakte": [90, 90],
            "status": ["Verblijfsobject in gebruik"] * 2,
            "gebruiksdoel": ["woonfunctie"] * 2,
            "openbare_ruimte_naam": ["Dorpsstraat"] * 2,
            "openbare_ruimte_identificatie": ["0001300000000001", "0002300000000001"],
            "woonplaats_identificatie": ["1001", "1002"],
            "huisnummer": [1, 1],
            "postcode": ["7255AA", "7255AB"],
            "woonplaats_naam": ["Hengelo", "Hengelo"],
            "pand_identificatie": ["0001100000000001", "0002100000000001"],
        },
        geometry=[shapely.Point(x + 2, y + 2), shapely.Point(x + 902, y + 2)],
        crs="EPSG:28992",
    )
    gpkg = tmp_path / "bag.gpkg"
    panden.to_file(gpkg, layer="pand", driver="GPKG")
    vbo.to_file(gpkg, layer="verblijfsobject", driver="GPKG")
    manifest = write_dataset(read_source(gpkg), gpkg, tmp_path / "ds")
    assert manifest["counts"]["openbare_ruimten"] == 2 and manifest["counts"]["woonplaatsen"] == 2
    assert manifest["notes"] == []
    ds = load_dataset(tmp_path / "ds")
    assert sorted(ds.street_id) == ["0001300000000001", "0002300000000001"]
    assert all(len(ds.street_units.members(s)) == 1 for s in range(2))


def test_enclosure_of_a_dwelling_with_an_annex(tmp_path: Path) -> None:
    """1 | 3 | 5 | 7 where 5 is one verblijfsobject in a front pand plus an annex behind it."""
    town = Town()
    s = town.street("Achterom")
    one, three = town.house(s, 1, 0, 0), town.house(s, 3, 5, 0)
    five = town.unit(s, 5, [town.pand(10, 0), town.pand(11, 10, 3, 4)])
    seven = town.house(s, 7, 15, 0)
    ds = town.build(tmp_path)
    ctx = _ctx(ds, three, [seven])
    p = not_enclosed.Params(house_numbers=False)
    result = not_enclosed.evaluate(_spec(not_enclosed, p), p, ctx)
    assert result.outcome == "fail"
    assert {e.verblijfsobject for e in result.evidence if e.relation == "enclosed_neighbour"} == {
        five
    }
    assert one not in {e.verblijfsobject for e in result.evidence}


def test_area_members_include_units_on_the_bounding_box_corners(tmp_path: Path) -> None:
    town = Town()
    s = town.street("Wijkweg")
    units = [
        town.house(s, n, x, y, 2, 2) for n, (x, y) in enumerate([(0, 0), (40, 30), (20, 10)], 1)
    ]
    ds = town.build(tmp_path)
    xy = ds.unit_xy[[ds.unit_index(u) for u in units[:2]]]
    wijk = shapely.box(*xy.min(axis=0), *xy.max(axis=0))
    assert len(ds.units_in_polygon(wijk)) == 3
    layer = ZoningLayer.from_records([wijk], ["Wijk 1"])
    p = area_share.Params(group="area", zone=ZoneRef(layer="wijken"), max_share=0.5)
    for u in units[:2]:
        result = area_share.evaluate(_spec(area_share, p), p, _ctx(ds, u, [], {"wijken": layer}))
        assert result.measured["dwellings"] == 3


def test_verblijfsobject_with_a_vlak_geometry_gets_a_point(tmp_path: Path) -> None:
    town = Town()
    s = town.street("Vlakweg")
    town.house(s, 1, 0, 0)
    tables = town.tables()
    tables.verblijfsobjecten.loc[0, "geometry"] = shapely.box(X0, Y0, X0 + 5, Y0 + 10)
    write_dataset(tables, tmp_path, tmp_path / "ds")
    ds = load_dataset(tmp_path / "ds")
    assert np.isfinite(ds.unit_xy).all()
    assert shapely.box(X0, Y0, X0 + 5, Y0 + 10).contains(shapely.Point(ds.unit_xy[0]))


def test_batch_json_lines_must_be_objects_with_known_keys(tmp_path: Path) -> None:
    for body, text in [
        ("[1, 2]\n", "verwacht een JSON-object"),
        (
            '{"address": "Kwartelstraat 7 Tiel", "kind": "arbeidsmigranten", "persons": 4, "bedden": 5}\n',
            "kolom bedden: onbekende sleutel; bedoelt u 'beds'?",
        ),
    ]:
        batch = tmp_path / "apps.jsonl"
        batch.write_text(body)
        result = run_cli("check", "--batch", str(batch), "--rules", "tiel")
        assert result.returncode == 2 and text in result.stderr, result.stderr
        assert "Traceback" not in result.stderr


def test_golden_register_entries_are_validated() -> None:
    with pytest.raises(ValidationError, match="status"):
        ExtraEntry(address="Kwartelstraat 9 Tiel", kind="kamerverhuur", status="Granted")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="kind"):
        ExtraEntry(address="Kwartelstraat 9 Tiel", kind="kamer")  # type: ignore[arg-type]


def test_failed_replace_keeps_the_old_dataset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    town = Town()
    town.row(town.street("Kwartelstraat"), [1, 3])
    first = write_dataset(town.tables(), tmp_path, tmp_path / "ds")
    real_rename = os.rename
    monkeypatch.setattr(fsio, "exchange", lambda a, b: False)  # the two-rename fallback

    def flaky(src: Path, dst: Path) -> None:
        if Path(dst) == tmp_path / "ds" and ".tmp-" in Path(src).name:  # the new one into place
            raise OSError("rename failed")
        real_rename(src, dst)

    monkeypatch.setattr(os, "rename", flaky)
    with pytest.raises(OSError, match="rename failed"):
        write_dataset(town.tables(), tmp_path, tmp_path / "ds", force=True)
    monkeypatch.undo()
    assert json.loads((tmp_path / "ds" / "manifest.json").read_text())["sha256"] == first["sha256"]
    assert [p.name for p in tmp_path.iterdir()] == ["ds"]


def test_street_names_with_numbers_and_ambiguity_across_streets(tmp_path: Path) -> None:
    town = Town(woonplaats="Amsterdam")
    dwars = town.street("2e Dwarsstraat")
    laan = town.street("Laan 1940-1945")
    kerk = town.street("Kerkstraat")
    plein = town.street("Kerkplein")
    a = town.house(dwars, 12, 0, 0)
    b = town.house(laan, 7, 20, 0)
    town.house(kerk, 12, 40, 0, postcode="1111AA")
    town.house(plein, 12, 60, 0, postcode="1111AA", status="Verblijfsobject gevormd")
    ds = town.build(tmp_path)
    assert ds.unit_identificatie(find_address(ds, "2e Dwarsstraat 12").unit) == a
    assert ds.unit_identificatie(find_address(ds, "Laan 1940-1945 7 Amsterdam").unit) == b
    for query in ("Kerk 12", "1111AA 12"):
        with pytest.raises(AddressNotFound, match="2 objecten passen"):
            find_address(ds, query)


def test_parameters_that_make_a_rule_meaningless_are_refused() -> None:
    from spreidingstoets.ruletypes import max_persons

    with pytest.raises(ValidationError, match="moet kleiner zijn dan elke straal"):
        min_distance.Params(radius_m=1.0, review_band_m=1.0)
    with pytest.raises(ValidationError, match="moet kleiner zijn dan elke straal"):
        min_distance.Params(
            radius_m=100, review_band_m=5, zone_radii=[{"zone": {"layer": "x"}, "radius_m": 4}]
        )
    with pytest.raises(
        ValidationError, match=r"exception.limit \(4\) moet groter zijn dan limit \(6\)"
    ):
        max_persons.Params(limit=6, exception={"min_area_m2": 150, "limit": 4})


# ---- second review ------------------------------------------------------------------------


def test_postcode_with_a_space_separated_toevoeging(sample_ds) -> None:  # type: ignore[no-untyped-def]
    assert find_address(sample_ds, "4001AL 3 1").label == "Lindeplein 3-1, Tiel"
    assert find_address(sample_ds, "4001AL 3-1").label == "Lindeplein 3-1, Tiel"


def test_unit_in_a_pand_with_empty_geometry_is_measured_from_its_point(tmp_path: Path) -> None:
    from spreidingstoets.ruletypes import not_adjacent

    town = Town()
    s = town.street("Leegweg")
    a = town.house(s, 1, 0, 0)
    b = town.house(s, 3, 5, 0)
    tables = town.tables()
    tables.panden.loc[0, "geometry"] = shapely.Polygon()  # a ring that collapsed on repair
    write_dataset(tables, tmp_path, tmp_path / "ds")
    ds = load_dataset(tmp_path / "ds")
    ctx = _ctx(ds, a, [b])
    assert ctx.geometry.geom_type == "Point"
    p = not_adjacent.Params(tolerance_m=1.0)
    assert not_adjacent.evaluate(_spec(not_adjacent, p), p, ctx).outcome in ("pass", "fail")
    p2 = min_distance.Params(radius_m=50)
    result = min_distance.evaluate(_spec(min_distance, p2), p2, ctx)
    assert result.outcome == "fail" and result.measured["within_radius"] == 1


def test_oversize_footprints_are_found_by_the_index(tmp_path: Path) -> None:
    town = Town()
    s = town.street("Kasweg")
    town.house(s, 1, 0, 0, w=8000, d=20)  # a glasshouse complex 8 km long
    near = town.house(s, 3, 7990, 30)
    ds = town.build(tmp_path)
    hits = ds.footprints_within(ds.unit_geometry(ds.unit_index(near)), 15)
    assert len(hits) == 2


def test_decide_replays_a_key_after_the_register_changed(tmp_path: Path) -> None:
    from conftest import REPO

    db = str(tmp_path / "r.db")
    assert (
        run_cli(
            "register",
            "import",
            str(REPO / "data/bag_sample/0281-tiel/register.csv"),
            "--register",
            db,
        ).returncode
        == 0
    )
    args = [
        "decide",
        "Kwartelstraat 19 Tiel",
        "--register",
        db,
        "--besluit",
        "verleend",
        "--kenmerk",
        "Z",
        "--persons",
        "4",
        "--key",
        "K1",
        "--json",
    ]
    first = run_cli(*args, "--date", "2026-11-15")
    assert first.returncode == 0, first.stderr
    extra = tmp_path / "extra.csv"
    extra.write_text(
        "verblijfsobject_id,kind,persons,status,valid_from,valid_until,reference\n0281010000000012,kamerverhuur,4,tolerated,2017-01-01,,x\n"
    )
    assert run_cli("register", "import", str(extra), "--register", db).returncode == 0
    again = run_cli(*args, "--date", "2026-11-15")
    assert again.returncode == 0, again.stderr
    data, before = json.loads(again.stdout), json.loads(first.stdout)
    assert data["replayed"] and data["audit_id"] == before["audit_id"]
    assert data["verdict"] == before["verdict"]  # the verdict decided on, not a new one
    no_date = run_cli(*args)
    assert no_date.returncode == 2 and "--date" in no_date.stderr
