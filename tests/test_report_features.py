"""The evidence of a verdict as GeoJSON: one feature per evidence row and no more, in RD, and
a pure transform to longitude/latitude that keeps the engine's figures."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Transformer
from shapely.geometry import shape

from spreidingstoets.domain.inputs import ApplicationInput
from spreidingstoets.domain.model import Verdict, verdict_from_json, verdict_json
from spreidingstoets.report.features import (
    RD_URN,
    ROLES,
    evidence_keys,
    to_crs84,
    verdict_features,
)
from spreidingstoets.service import checks

DAY = dt.date(2026, 11, 15)
CASES = [
    # Tiel: refused by enclosure; street share and livability evidence too
    ("Kwartelstraat 7 Tiel", 4, None),
    # Aalsmeer: a counted dwelling 99,95 m away (distance rule)
    ("Reigersbekweg 7 Aalsmeer", 6, None),
    # Westland: zoning decides (Wonen: refused; partly in the designation: review)
    ("Paprikastraat 1 Naaldwijk", 120, 120),
    ("Glasakkerweg 48 Naaldwijk", 150, 150),
]


def verdict_for(ws: Any, address: str, persons: int, beds: int | None) -> Verdict:
    given_ = ApplicationInput.parse(
        {"address": address, "kind": "arbeidsmigranten", "persons": persons, "beds": beds}
    )
    app = checks.resolve(ws, given_, DAY)
    return checks.check(ws, app, ws.ruleset_for(app.unit))


def rows_of(verdict: dict[str, Any]) -> list[tuple[str, int]]:
    return [(r["rule"], i) for r in verdict["rules"] for i in range(len(r["evidence"]))]


@pytest.mark.parametrize(("address", "persons", "beds"), CASES)
def test_every_evidence_row_has_one_feature_and_every_feature_a_row(
    sample_ws: Any, address: str, persons: int, beds: int | None
) -> None:
    verdict = verdict_for(sample_ws, address, persons, beds)
    data = json.loads(verdict_json(verdict))  # the verdict JSON as the API and CLI give it
    fc = verdict_features(verdict, sample_ws.dataset)
    assert rows_of(data) and sorted(evidence_keys(fc)) == sorted(rows_of(data))
    by_rule = {r["rule"]: r for r in data["rules"]}
    for f in fc["features"]:
        p = f["properties"]
        assert p["role"] in ROLES
        if p["evidence"] is None:
            continue
        row = by_rule[p["rule"]]["evidence"][p["evidence"]]
        assert p["id"] == f"{p['rule']}/{p['evidence']}"
        assert p["relation"] == row["relation"]
        assert p["verblijfsobject"] == row["verblijfsobject"]
        assert p["address"] == row["address"]
        assert p["pand"] == row["pand"]
        assert p["distance_m"] == row["distance_m"]
        assert p["outcome"] == by_rule[p["rule"]]["outcome"]
        assert p["located"] is True  # every row of these cases is drawn where it is
    ids = [f["id"] for f in fc["features"]]
    assert len(ids) == len(set(ids))


def test_the_map_shows_what_each_rule_decided_on(sample_ws: Any) -> None:
    ds = sample_ws.dataset
    tiel = verdict_features(verdict_for(sample_ws, *CASES[0]), ds)
    feats = tiel["features"]
    assert tiel["crs"]["properties"]["name"] == RD_URN
    app = sample_ws.dataset.unit_index("0281010000000004")
    pand = [f for f in feats if f["properties"]["role"] == "application_pand"]
    assert [f["properties"]["pand"] for f in pand] == [
        ds.footprint_identificatie(int(x)) for x in ds.unit_fps.members(app)
    ]
    point = next(f for f in feats if f["properties"]["role"] == "application_point")
    assert point["geometry"]["coordinates"] == [round(float(v), 3) for v in ds.unit_xy[app]]
    # the street: every other woning of Kwartelstraat, the counted ones are the evidence rows
    street = [f for f in feats if f["properties"]["role"] == "street_dwelling"]
    counted = {f["properties"]["verblijfsobject"] for f in street if f["properties"]["counted"]}
    same_street = {
        f["properties"]["verblijfsobject"]
        for f in feats
        if f["properties"]["relation"] == "same_street"
    }
    assert counted == same_street and len(street) == 19  # 20 woningen, the applicant not drawn
    # the enclosed dwelling is drawn as its pand, and contains its own address point
    enclosed = next(f for f in feats if f["properties"]["relation"] == "enclosed_neighbour")
    vbo = ds.unit_index(enclosed["properties"]["verblijfsobject"])
    assert shape(enclosed["geometry"]).covers(shapely.Point(ds.unit_xy[vbo]))
    assert enclosed["properties"]["counted"] is False
    # the adjacent panden are the ones sharing a wall
    adjacent = [f for f in feats if f["properties"]["role"] == "adjacent_pand"]
    own = shape(pand[0]["geometry"])
    assert adjacent and all(own.distance(shape(f["geometry"])) <= 0.5 for f in adjacent)

    aalsmeer = verdict_features(verdict_for(sample_ws, *CASES[1]), ds)["features"]
    circle = next(f for f in aalsmeer if f["properties"]["role"] == "radius")
    assert circle["properties"]["radius_m"] == 100
    near = next(f for f in aalsmeer if f["properties"]["relation"] == "within_distance")
    assert near["properties"]["distance_m"] == 99.95
    # drawn as its pand, which reaches into the area within the radius of the footprint, at
    # the distance the engine measured (on RD coordinates)
    own = next(f for f in aalsmeer if f["properties"]["role"] == "application_pand")
    assert shape(circle["geometry"]).intersects(shape(near["geometry"]))
    gap = shape(own["geometry"]).distance(shape(near["geometry"]))
    assert gap == pytest.approx(99.95, abs=0.005)
    assert any(
        f["properties"]["role"] == "radius_dwelling" and f["properties"]["counted"]
        for f in aalsmeer
    )

    westland = verdict_features(verdict_for(sample_ws, *CASES[2]), ds)["features"]
    zones = [f for f in westland if f["properties"]["relation"] == "zone"]
    site = shapely.Point(
        next(f for f in westland if f["properties"]["role"] == "application_point")["geometry"][
            "coordinates"
        ]
    )
    assert zones and all(shape(z["geometry"]).buffer(0.01).covers(site) for z in zones)
    assert "Wonen" in {z["properties"]["zone"] for z in zones}


def test_same_verdict_same_collection_also_from_its_json(sample_ws: Any) -> None:
    verdict = verdict_for(sample_ws, *CASES[0])
    again = verdict_from_json(verdict_json(verdict))  # as stored in the audit log
    one = json.dumps(verdict_features(verdict, sample_ws.dataset), sort_keys=True)
    two = json.dumps(verdict_features(again, sample_ws.dataset), sort_keys=True)
    assert one == two


def test_crs84_keeps_properties_and_returns_to_the_same_rd_points(sample_ws: Any) -> None:
    fc = verdict_features(verdict_for(sample_ws, *CASES[1]), sample_ws.dataset)
    wgs = to_crs84(fc)
    assert "crs" not in wgs and "crs" in fc  # the input is not changed
    assert [f["properties"] for f in wgs["features"]] == [f["properties"] for f in fc["features"]]
    lon0, lat0, lon1, lat1 = wgs["bbox"]
    assert 3.2 < lon0 < lon1 < 7.3 and 50.7 < lat0 < lat1 < 53.6  # the Netherlands
    back = Transformer.from_crs("OGC:CRS84", "EPSG:28992", always_xy=True)
    for rd, ll in zip(fc["features"], wgs["features"], strict=True):
        if rd["geometry"]["type"] != "Point":
            continue
        x, y = back.transform(*ll["geometry"]["coordinates"])
        assert abs(x - rd["geometry"]["coordinates"][0]) < 0.005
        assert abs(y - rd["geometry"]["coordinates"][1]) < 0.005


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_any_dwelling_any_persons_rows_and_features_agree(sample_ws: Any, data: Any) -> None:
    ds = sample_ws.dataset
    woningen = [int(u) for u in range(ds.n_units) if ds.woning[u]]
    unit = data.draw(st.sampled_from(woningen))
    persons = data.draw(st.integers(1, 12))
    kind = data.draw(st.sampled_from(["kamerverhuur", "arbeidsmigranten"]))
    given_ = ApplicationInput.parse(
        {"verblijfsobject_id": ds.unit_identificatie(unit), "kind": kind, "persons": persons}
    )
    app = checks.resolve(sample_ws, given_, DAY)
    verdict = checks.check(sample_ws, app, sample_ws.ruleset_for(unit))
    fc = verdict_features(verdict, ds)
    assert sorted(evidence_keys(fc)) == sorted(rows_of(json.loads(verdict_json(verdict))))
    assert all(f["geometry"]["coordinates"] for f in fc["features"])
