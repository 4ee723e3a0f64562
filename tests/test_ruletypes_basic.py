"""Rule types floor_area_per_person, min_dwelling_area, zoning, closed_area, beds_per_location
and livability_review, evaluated directly on small in-memory BAG worlds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from builders import X0, Y0, Town
from spreidingstoets.dataset.model import Dataset
from spreidingstoets.domain.model import Application, RuleOutcome
from spreidingstoets.domain.register import RegisterEntry, RegisterSnapshot
from spreidingstoets.ruletypes import (
    beds_per_location,
    closed_area,
    floor_area_per_person,
    livability_review,
    min_dwelling_area,
    zoning,
)
from spreidingstoets.ruletypes.base import Context, LayerMissing, RegisterOverlay, RuleSpec, ZoneRef
from spreidingstoets.zoning import ZoningLayer

DAY = dt.date(2026, 3, 1)
ALLOWED = "Specifieke vorm van wonen - huisvesting arbeidsmigranten"
GLAS = "Agrarisch - Glastuinbouw"


def zbox(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


class World:
    """One town for all tests in this module.

    Houses (5 x 10 m panden at y 0..10) along one street, with x positions:
    in 0, part 30, mixed 47.5, glas 60, glaspart 78, out 100, none 200; a big pand at x 300
    with four units (beds), another at x 400 with two; and units with oppervlakte 0, 37, 250.
    """

    def __init__(self, tmp: Path) -> None:
        t = Town()
        s = t.street("Kwartelstraat")
        self.ids = {
            "in": t.house(s, 1, 0, 0),
            "part": t.house(s, 3, 30, 0),
            "mixed": t.house(s, 5, 47.5, 0),
            "glas": t.house(s, 7, 60, 0),
            "glaspart": t.house(s, 9, 78, 0),
            "out": t.house(s, 11, 100, 0),
            "none": t.house(s, 13, 200, 0),
            "zero": t.house(s, 15, 200, 50, oppervlakte=0),
            "small": t.house(s, 17, 210, 50, oppervlakte=37),
            "big": t.house(s, 19, 220, 50, oppervlakte=250),
        }
        big = t.pand(300, 0, 20, 20)
        for n, key in enumerate(("b1", "b2", "b3", "b4"), start=1):
            self.ids[key] = t.unit(s, 100, [big], toevoeging=str(n))
        other = t.pand(400, 0, 20, 20)
        self.ids["c1"] = t.unit(s, 102, [other], toevoeging="1")
        self.ids["c2"] = t.unit(s, 102, [other], toevoeging="2")
        self.ds: Dataset = t.build(tmp)
        self.bp = ZoningLayer.from_records(
            [
                zbox(-5, -5, 32.5, 20),  # covers "in", half of "part"
                zbox(45, -5, 50, 20),  # half of "mixed"
                zbox(50, -5, 80, 20),  # glas: other half of "mixed", "glas", 40% of "glaspart"
                zbox(90, -5, 120, 20),  # "out"
                zbox(-10, -10, 130, 30),  # the plan area
            ],
            [
                ALLOWED,
                "SPECIFIEKE VORM VAN WONEN – huisvesting_arbeidsmigranten",
                GLAS,
                "Wonen",
                "Glastuinbouwgebied Westland",
            ],
            kind=[
                "functieaanduiding",
                "functieaanduiding",
                "enkelbestemming",
                "enkelbestemming",
                "bestemmingsplangebied",
            ],
            identificatie=["fa.1", "fa.2", "eb.1", "eb.2", "pg.1"],
            plan_id="NL.IMRO.1783.TEST-VG01",
        )
        self.closed = ZoningLayer.from_records(
            [zbox(-5, -5, 32.5, 20), zbox(55, -5, 70, 20)],
            ["Oude Westen", "Centrum"],
            identificatie=["w1", "w2"],
        )

    def unit(self, key: str) -> int:
        return self.ds.unit_index(self.ids[key])

    def ctx(self, key: str, entries: tuple[RegisterEntry, ...] = (), **app: Any) -> Context:
        overlay = RegisterOverlay.build(self.ds, RegisterSnapshot(entries=entries, revision="test"))
        fields: dict[str, Any] = {"kind": "arbeidsmigranten", "persons": 4, "date": DAY} | app
        return Context(
            self.ds,
            overlay,
            Application(unit=self.unit(key), **fields),
            layers={"bestemmingsplan": self.bp, "gesloten": self.closed},
        )

    def entry(self, id: int, key: str, status: str = "granted", **kw: Any) -> RegisterEntry:
        kw.setdefault("kind", "arbeidsmigranten")
        return RegisterEntry(
            id=id, verblijfsobject_id=self.ids[key], status=status, reference=f"Z-{id}", **kw
        )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return World(tmp_path_factory.mktemp("world"))


def run(module: Any, ctx: Context, **params: Any) -> RuleOutcome:
    p = module.Params(**params)
    rule = RuleSpec(
        id="r", type=module.NAME, params=p, source="test", applies_to=(), parameters={}, defaults=()
    )
    return module.evaluate(rule, p, ctx)


def field_error(model: Any, field: str, **params: Any) -> str:
    with pytest.raises(ValidationError) as exc:
        model(**params)
    text = str(exc.value)
    assert field in text
    return text


# --------------------------------------------------------------------------- floor area per person


def test_floor_area_pass_and_measured(world: World) -> None:
    r = run(floor_area_per_person, world.ctx("in", persons=4), min_m2=Decimal("12"))
    assert r.outcome == "pass"
    assert r.measured["oppervlakte_m2"] == 100
    assert r.measured["persons"] == 4
    assert r.measured["m2_per_person"] == 25.0
    assert r.measured["max_persons_at_norm"] == 8
    assert r.limit == {"min_m2_per_person": 12.0}
    assert "25 m² per persoon" in r.message
    [ev] = r.evidence
    assert ev.relation == "application" and ev.verblijfsobject == world.ids["in"]
    assert ev.detail["oppervlakte_m2"] == 100


def test_floor_area_boundary_is_exact(world: World) -> None:
    # 100 m² / 8 persons = 12.5 exactly: passes 12.5, fails 12.51.
    assert (
        run(floor_area_per_person, world.ctx("in", persons=8), min_m2=Decimal("12.5")).outcome
        == "pass"
    )
    r = run(floor_area_per_person, world.ctx("in", persons=8), min_m2=Decimal("12.51"))
    assert r.outcome == "fail"
    assert r.measured["m2_per_person"] == 12.5


def test_floor_area_fail_rounds_to_two_decimals(world: World) -> None:
    r = run(floor_area_per_person, world.ctx("in", persons=6), min_m2=Decimal(18))  # Den Haag
    assert r.outcome == "fail"
    assert r.measured["m2_per_person"] == 16.67
    assert "16,67 m² per persoon" in r.message and "18 m²" in r.message
    assert r.measured["max_persons_at_norm"] == 5


def test_floor_area_unknown_is_review(world: World) -> None:
    r = run(floor_area_per_person, world.ctx("zero"), min_m2=Decimal(10))
    assert r.outcome == "review"
    assert "oppervlakte is onbekend in de BAG" in r.message
    assert r.measured["oppervlakte_m2"] == 0 and r.measured["m2_per_person"] is None


def test_floor_area_params() -> None:
    field_error(floor_area_per_person.Params, "min_m2", min_m2=0)
    field_error(floor_area_per_person.Params, "min_m2", min_m2=-5)
    field_error(floor_area_per_person.Params, "min_m2")
    field_error(floor_area_per_person.Params, "persons_max", min_m2=10, persons_max=3)


# --------------------------------------------------------------------------- min dwelling area


def test_min_dwelling_area(world: World) -> None:
    r = run(min_dwelling_area, world.ctx("in"), min_m2=90)
    assert (
        r.outcome == "pass"
        and r.measured == {"oppervlakte_m2": 100}
        and r.limit == {"min_m2": 90.0}
    )
    assert r.evidence[0].detail["oppervlakte_m2"] == 100
    assert run(min_dwelling_area, world.ctx("in"), min_m2=100).outcome == "pass"
    r = run(min_dwelling_area, world.ctx("small"), min_m2=90)
    assert r.outcome == "fail"
    assert r.measured["oppervlakte_m2"] == 37
    assert "53 m² te weinig" in r.message


def test_min_dwelling_area_unknown(world: World) -> None:
    r = run(min_dwelling_area, world.ctx("zero"), min_m2=90)
    assert r.outcome == "review" and "onbekend in de BAG" in r.message
    r = run(min_dwelling_area, world.ctx("zero"), min_m2=90, review_if_unknown=False)
    assert r.outcome == "fail" and "niet aangetoond" in r.message


def test_min_dwelling_area_params() -> None:
    field_error(min_dwelling_area.Params, "min_m2", min_m2=-1)
    field_error(min_dwelling_area.Params, "review_if_unknwon", min_m2=90, review_if_unknwon=True)


# --------------------------------------------------------------------------- zoning

TEMP = {"designations": (GLAS,), "max_years": 10}


def zrun(world: World, key: str, **kw: Any) -> RuleOutcome:
    params: dict[str, Any] = {"layer": "bestemmingsplan", "allowed": (ALLOWED,), "temporary": TEMP}
    app = {k: kw.pop(k) for k in ("valid_until", "date") if k in kw}
    return run(zoning, world.ctx(key, **app), **(params | kw))


def test_zoning_fully_inside(world: World) -> None:
    r = zrun(world, "in")
    assert r.outcome == "pass"
    assert r.measured["coverage_allowed"] == 1.0 and r.measured["measure"] == "footprint"
    assert ALLOWED in r.message
    zones = {e.detail["identificatie"]: e.detail for e in r.evidence}
    assert set(zones) == {"fa.1", "pg.1"}
    assert all(e.relation == "zone" for e in r.evidence)
    assert zones["fa.1"] == {
        "naam": ALLOWED,
        "kind": "functieaanduiding",
        "identificatie": "fa.1",
        "plan_id": "NL.IMRO.1783.TEST-VG01",
        "fraction": 1.0,
        "role": "allowed",
    }
    assert zones["pg.1"]["role"] is None


def test_zoning_partly_inside_is_review(world: World) -> None:
    r = zrun(world, "part")
    assert r.outcome == "review"
    assert r.measured["coverage_allowed"] == 0.5
    assert "maar voor 50,0%" in r.message and '"Glastuinbouwgebied Westland"' in r.message
    assert {e.detail["identificatie"]: e.detail["fraction"] for e in r.evidence} == {
        "fa.1": 0.5,
        "pg.1": 1.0,
    }


def test_zoning_point_measure(world: World) -> None:
    # The address point of "part" is the pand's centre, x 32.5: on the zone boundary, which
    # counts as inside; a point is never "partly" inside.
    r = zrun(world, "part", measure="point")
    assert r.outcome == "pass"
    assert r.measured["measure"] == "point" and r.measured["coverage_allowed"] == 1.0
    assert [e.detail["fraction"] for e in r.evidence] == [1.0, 1.0]
    assert zrun(world, "out", measure="point").outcome == "fail"


def test_zoning_glastuinbouw_ten_years_passes(world: World) -> None:
    r = zrun(world, "glas", valid_until=dt.date(2036, 3, 1))
    assert r.outcome == "pass"
    assert r.measured["term"] == "ok" and r.measured["max_end"] == "2036-03-01"
    assert "tijdelijke afwijking" in r.message and "01-03-2036" in r.message and GLAS in r.message
    assert r.limit["max_years"] == 10
    [glas] = [e for e in r.evidence if e.detail["kind"] == "enkelbestemming"]
    assert glas.detail["naam"] == GLAS and glas.detail["role"] == "temporary"


def test_zoning_glastuinbouw_one_day_too_long_fails(world: World) -> None:
    r = zrun(world, "glas", valid_until=dt.date(2036, 3, 2))
    assert r.outcome == "fail"
    assert r.measured["term"] == "too_long"
    assert "02-03-2036" in r.message and "na die termijn" in r.message


def test_zoning_glastuinbouw_without_term_is_review(world: World) -> None:
    r = zrun(world, "glas")
    assert r.outcome == "review"
    assert r.measured["term"] == "unknown" and r.measured["valid_until"] is None
    assert "geen einddatum" in r.message


def test_zoning_end_before_date_is_review(world: World) -> None:
    r = zrun(world, "glas", valid_until=dt.date(2026, 2, 1))
    assert r.outcome == "review" and r.measured["term"] == "before"


def test_zoning_leap_day_term(world: World) -> None:
    # From 29 February 2028, ten years end on 28 February 2038 (there is no 29 February).
    day = dt.date(2028, 2, 29)
    assert zrun(world, "glas", date=day, valid_until=dt.date(2038, 2, 28)).outcome == "pass"
    r = zrun(world, "glas", date=day, valid_until=dt.date(2038, 3, 1))
    assert r.outcome == "fail" and r.measured["max_end"] == "2038-02-28"
    assert zoning.add_years(dt.date(2024, 2, 29), 4) == dt.date(2028, 2, 29)


def test_zoning_emergency_three_years(world: World) -> None:
    temp = {"designations": (GLAS,), "max_years": 3}
    assert zrun(world, "glas", temporary=temp, valid_until=dt.date(2029, 3, 1)).outcome == "pass"
    assert zrun(world, "glas", temporary=temp, valid_until=dt.date(2029, 3, 2)).outcome == "fail"


def test_zoning_outside_fails_naming_found_zones(world: World) -> None:
    r = zrun(world, "out")
    assert r.outcome == "fail"
    assert '"Wonen" (enkelbestemming)' in r.message and ALLOWED in r.message
    assert {e.detail["naam"] for e in r.evidence} == {"Wonen", "Glastuinbouwgebied Westland"}
    assert r.measured["coverage_allowed"] == 0.0 and "term" not in r.measured


def test_zoning_outside_every_zone(world: World) -> None:
    r = zrun(world, "none")
    assert r.outcome == "fail" and r.evidence == []
    assert "geen enkele zone" in r.message


def test_zoning_glastuinbouw_without_temporary_param_fails(world: World) -> None:
    r = zrun(world, "glas", temporary=None, valid_until=dt.date(2030, 1, 1))
    assert r.outcome == "fail" and GLAS in r.message


def test_zoning_mixed_allowed_and_temporary(world: World) -> None:
    # Half in the allowed zone (designation spelled differently: normalised match), half glas.
    r = zrun(world, "mixed", valid_until=dt.date(2030, 1, 1))
    assert r.outcome == "pass"
    assert r.measured["coverage_allowed"] == 0.5 and r.measured["coverage_temporary"] == 0.5
    assert 'voor 50,0% in "Agrarisch - Glastuinbouw"' in r.message
    assert zrun(world, "mixed").outcome == "review"
    r = zrun(world, "mixed", valid_until=dt.date(2040, 1, 1))
    assert r.outcome == "review" and "langer dan 10 jaar" in r.message


def test_zoning_partly_in_temporary_zone(world: World) -> None:
    # 40% in Glastuinbouw, the rest in no zone that allows anything.
    assert zrun(world, "glaspart", valid_until=dt.date(2030, 1, 1)).outcome == "review"
    assert zrun(world, "glaspart").outcome == "review"
    r = zrun(world, "glaspart", valid_until=dt.date(2040, 1, 1))
    assert r.outcome == "fail" and r.measured["coverage_temporary"] == 0.4


def test_zoning_kinds_filter(world: World) -> None:
    # Only enkelbestemmingen: the allowed functieaanduiding is not seen.
    r = zrun(world, "in", kinds=("enkelbestemming",))
    assert r.outcome == "fail" and r.evidence == []


def test_zoning_unknown_layer(world: World) -> None:
    with pytest.raises(LayerMissing, match="nope"):
        zrun(world, "in", layer="nope")


def test_zoning_params() -> None:
    field_error(
        zoning.Params,
        "max_years",
        layer="x",
        allowed=("a",),
        temporary={"designations": ("b",), "max_years": 0},
    )
    field_error(zoning.Params, "allowed", layer="x", allowed=())
    field_error(zoning.Params, "measure", layer="x", allowed=("a",), measure="centroid")
    field_error(zoning.Params, "alowed", layer="x", allowed=("a",), alowed=("b",))
    field_error(
        zoning.Params,
        "designations",
        layer="x",
        allowed=("a",),
        temporary={"designations": (), "max_years": 3},
    )


# --------------------------------------------------------------------------- closed area


def crun(world: World, key: str, **zone: Any) -> RuleOutcome:
    return run(closed_area, world.ctx(key), zone=ZoneRef(layer="gesloten", **zone))


def test_closed_area_inside_fails(world: World) -> None:
    r = crun(world, "in")
    assert r.outcome == "fail"
    assert "Oude Westen" in r.message and "nulquotum" in r.message
    assert r.measured["coverage"] == 1.0 and r.measured["areas"] == ["Oude Westen"]
    [ev] = r.evidence
    assert ev.relation == "zone" and ev.detail["identificatie"] == "w1"


def test_closed_area_partly_is_review(world: World) -> None:
    r = crun(world, "part")
    assert r.outcome == "review"
    assert r.measured["coverage"] == 0.5 and "50,0%" in r.message


def test_closed_area_outside_passes(world: World) -> None:
    r = crun(world, "out")
    assert r.outcome == "pass" and r.evidence == [] and r.measured["coverage"] == 0.0


def test_closed_area_names_filter(world: World) -> None:
    assert crun(world, "glas").outcome == "fail"  # "Centrum" when the whole layer is closed
    r = crun(world, "glas", names=("oude westen",))
    assert r.outcome == "pass" and '"oude westen"' in r.message


def test_closed_area_params() -> None:
    field_error(closed_area.Params, "zone")
    field_error(closed_area.Params, "names", zone={"layer": "x", "names": []})
    field_error(closed_area.Params, "naam", zone={"layer": "x", "naam": ["a"]})


# --------------------------------------------------------------------------- beds per location


def beds_world(world: World) -> tuple[RegisterEntry, ...]:
    return (
        world.entry(1, "b2", beds=100, persons=90),
        world.entry(2, "b3", persons=50),  # no beds: persons count
        world.entry(3, "b3", status="pending", beds=40),  # renewal of b3: the unit counts once
        world.entry(4, "b4", status="revoked", beds=500),  # not counted
        world.entry(
            5, "b4", kind="studenten", beds=30, valid_until=dt.date(2025, 12, 31)
        ),  # expired
        world.entry(6, "c2", beds=None, persons=None),  # unknown
        world.entry(7, "in", beds=300),  # another pand
    )


def test_beds_within_range_with_existing(world: World) -> None:
    ctx = world.ctx("b1", beds_world(world), beds=150)
    r = run(beds_per_location, ctx, min_beds=100, max_beds=350)
    assert r.outcome == "pass"
    m = r.measured
    assert (m["beds_application"], m["beds_source"], m["beds_existing"], m["beds_total"]) == (
        150,
        "beds",
        150,
        300,
    )
    assert m["existing_entries"] == 3 and m["existing_units"] == 2 and m["existing_unknown"] == 0
    assert len(m["panden"]) == 1
    assert {e.detail["register_id"]: e.detail["counted"] for e in r.evidence} == {
        1: True,
        2: True,
        3: False,
    }
    assert all(e.relation == "same_pand" for e in r.evidence)
    assert "van 100 tot en met 350 bedden" in r.message


def test_beds_over_max_fails(world: World) -> None:
    ctx = world.ctx("b1", beds_world(world), beds=101)
    r = run(beds_per_location, ctx, max_beds=250)  # Aalsmeer
    assert r.outcome == "fail" and r.measured["beds_total"] == 251
    assert "1 bed te veel" in r.message
    assert (
        run(beds_per_location, world.ctx("b1", beds_world(world), beds=100), max_beds=250).outcome
        == "pass"
    )


def test_beds_under_min_fails(world: World) -> None:
    r = run(beds_per_location, world.ctx("in", beds=60), min_beds=100, max_beds=350)
    assert r.outcome == "fail" and r.measured["beds_total"] == 60 and r.evidence == []
    assert "40 bedden te weinig" in r.message


def test_beds_without_existing(world: World) -> None:
    ctx = world.ctx("b1", beds_world(world), beds=300)
    r = run(beds_per_location, ctx, max_beds=350, include_existing=False)
    assert (
        r.outcome == "pass"
        and r.measured["beds_total"] == 300
        and r.measured["beds_existing"] is None
    )
    assert r.evidence == []


def test_beds_from_persons(world: World) -> None:
    r = run(beds_per_location, world.ctx("in", persons=120), min_beds=100)
    assert r.outcome == "pass"
    assert r.measured["beds_source"] == "persons" and r.measured["beds_application"] == 120
    assert "aantal personen is gebruikt" in r.message


def test_beds_unknown_existing_is_review(world: World) -> None:
    ctx = world.ctx("c1", beds_world(world), beds=200)
    r = run(beds_per_location, ctx, max_beds=350)
    assert r.outcome == "review" and r.measured["existing_unknown"] == 1
    # Already over the maximum without the unknown entry: fail; a minimum already met: pass.
    assert (
        run(beds_per_location, world.ctx("c1", beds_world(world), beds=400), max_beds=350).outcome
        == "fail"
    )
    assert run(beds_per_location, ctx, min_beds=100).outcome == "pass"
    assert (
        run(beds_per_location, world.ctx("c1", beds_world(world), beds=50), min_beds=100).outcome
        == "review"
    )


def test_beds_counted_statuses(world: World) -> None:
    # Counting revoked entries too adds b4's 500 beds.
    ctx = world.ctx("b1", beds_world(world), beds=10)
    r = run(
        beds_per_location,
        ctx,
        max_beds=350,
        counted={"statuses": ("granted", "pending", "revoked")},
    )
    assert r.outcome == "fail" and r.measured["beds_existing"] == 650


def test_beds_params() -> None:
    text = field_error(beds_per_location.Params, "min_beds", min_beds=400, max_beds=350)
    assert "max_beds" in text
    field_error(beds_per_location.Params, "max_beds")
    field_error(beds_per_location.Params, "max_beds", max_beds=-1)
    field_error(beds_per_location.Params, "min_beds", min_beds=0)
    field_error(beds_per_location.Params, "bedden", max_beds=10, bedden=3)
    field_error(
        beds_per_location.Params, "statuses", max_beds=10, counted={"statuses": ("vergund",)}
    )
    assert beds_per_location.Params(min_beds=350, max_beds=350).min_beds == 350


# --------------------------------------------------------------------------- livability review


def livability_entries(world: World) -> tuple[RegisterEntry, ...]:
    return (
        world.entry(1, "in", status="revoked", persons=6),  # the application's own history
        world.entry(2, "part", persons=4),  # 25 m
        world.entry(3, "glas", status="revoked", kind="kamerverhuur"),  # 55 m
        world.entry(4, "out", status="expired", valid_until=dt.date(2024, 1, 1)),  # 95 m
        world.entry(5, "none"),  # 195 m: outside
        RegisterEntry(
            id=6, verblijfsobject_id="9999010000099999", kind="kamerverhuur", status="granted"
        ),
    )


def test_livability_always_review_with_facts(world: World) -> None:
    r = run(livability_review, world.ctx("in", livability_entries(world)))
    assert r.outcome == "review"
    m = r.measured
    assert m["nearby_entries"] == 3 and m["nearby_units"] == 3
    assert m["nearby_by_status"] == {"granted": 1, "revoked": 1, "expired": 1}
    assert m["nearby_by_kind"] == {"arbeidsmigranten": 2, "kamerverhuur": 1}
    assert m["own_history"] == 1 and m["own_history_by_status"] == {"revoked": 1}
    assert "klachtenregistratie" in m["not_available"] and m["available"]
    assert m["radius_m"] == 100.0
    own = [e for e in r.evidence if e.relation == "register_entry"]
    assert (
        len(own) == 1
        and own[0].verblijfsobject == world.ids["in"]
        and own[0].detail["status"] == "revoked"
    )
    near = [e for e in r.evidence if e.relation == "nearby_entry"]
    assert [e.distance_m for e in near] == [25.0, 55.0, 95.0]
    assert near[0].detail["persons"] == 4 and near[0].detail["reference"] == "Z-2"
    assert near[2].detail["active_on_check_date"] is False  # expired
    assert near[1].detail["active_on_check_date"] is False  # revoked
    assert near[0].detail["active_on_check_date"] is True
    assert "klachtenregistratie is niet gekoppeld" in r.message
    assert "ingetrokken" in r.message and "Parkeerdruk" in r.message


def test_livability_nothing_known(world: World) -> None:
    r = run(livability_review, world.ctx("none"), radius_m=50)
    assert r.outcome == "review" and r.evidence == []
    assert r.measured["nearby_entries"] == 0 and r.measured["own_history"] == 0
    assert "geen registraties" in r.message and "nog niets in het register" in r.message


def test_livability_counted_and_checklist(world: World) -> None:
    ctx = world.ctx("in", livability_entries(world))
    r = run(
        livability_review,
        ctx,
        radius_m=60,
        counted={"statuses": ("granted",)},
        checklist=("Speeltuin",),
    )
    assert r.measured["nearby_entries"] == 1 and r.measured["own_history"] == 0
    assert "1) Speeltuin." in r.message and "Parkeerdruk" not in r.message


def test_livability_params() -> None:
    field_error(livability_review.Params, "radius_m", radius_m=-1)
    field_error(livability_review.Params, "checklist", checklist=())
    field_error(livability_review.Params, "straal", straal=10)
    assert "revoked" in livability_review.Params().counted.statuses


# --------------------------------------------------------------------------- raising a limit never hurts

RANK = {"pass": 0, "review": 1, "fail": 2}


@settings(max_examples=60, deadline=None)
@given(
    key=st.sampled_from(["in", "zero", "small", "big"]),
    persons=st.integers(1, 40),
    strict=st.decimals(Decimal("0.5"), Decimal("40"), places=2),
    relax=st.decimals(Decimal("0"), Decimal("20"), places=2),
)
def test_lower_min_m2_never_turns_pass_into_fail(
    world: World, key: str, persons: int, strict: Decimal, relax: Decimal
) -> None:
    lower = max(Decimal("0.01"), strict - relax)
    for module in (floor_area_per_person, min_dwelling_area):
        hi = run(module, world.ctx(key, persons=persons), min_m2=strict)
        lo = run(module, world.ctx(key, persons=persons), min_m2=lower)
        assert RANK[lo.outcome] <= RANK[hi.outcome]


@settings(max_examples=60, deadline=None)
@given(
    key=st.sampled_from(["b1", "c1", "in"]),
    beds=st.integers(1, 600),
    max_beds=st.integers(1, 600),
    extra=st.integers(0, 300),
    min_beds=st.none() | st.integers(1, 600),
)
def test_higher_max_beds_never_turns_pass_into_fail(
    world: World, key: str, beds: int, max_beds: int, extra: int, min_beds: int | None
) -> None:
    if min_beds is not None and min_beds > max_beds:
        min_beds = max_beds
    ctx = world.ctx(key, beds_world(world), beds=beds)
    lo = run(beds_per_location, ctx, min_beds=min_beds, max_beds=max_beds)
    hi = run(beds_per_location, ctx, min_beds=min_beds, max_beds=max_beds + extra)
    assert RANK[hi.outcome] <= RANK[lo.outcome]
    if min_beds is not None and min_beds > 1:  # a lower minimum never hurts either
        lower = run(beds_per_location, ctx, min_beds=min_beds - 1, max_beds=max_beds)
        assert RANK[lower.outcome] <= RANK[lo.outcome]
