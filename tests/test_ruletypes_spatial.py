"""Spatial rule types: min_distance, not_adjacent, not_enclosed, area_share.

Small BAG worlds from :class:`builders.Town`; every test checks the outcome and the numbers or
evidence behind it.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from builders import X0, Y0, Town
from spreidingstoets.dataset.model import Dataset
from spreidingstoets.domain.model import Application, RuleOutcome
from spreidingstoets.domain.register import RegisterEntry, RegisterSnapshot
from spreidingstoets.ruletypes import area_share, min_distance, not_adjacent, not_enclosed
from spreidingstoets.ruletypes.base import Context, Counted, RegisterOverlay, RuleSpec, ZoneRef
from spreidingstoets.zoning import ZoningLayer

DAY = dt.date(2026, 3, 1)


def entry(
    vid: str,
    status: str = "granted",
    *,
    kind: str = "arbeidsmigranten",
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    n: int = 1,
) -> RegisterEntry:
    return RegisterEntry(n, vid, kind, status, valid_from=valid_from, valid_until=valid_until)


def check(
    ds: Dataset,
    module: ModuleType,
    vid: str,
    entries: list[RegisterEntry] | tuple[RegisterEntry, ...] = (),
    layers: dict[str, ZoningLayer] | None = None,
    **params: Any,
) -> RuleOutcome:
    """Evaluate one rule of ``module`` for an application on unit ``vid``."""
    numbered = tuple(
        RegisterEntry(
            i + 1,
            e.verblijfsobject_id,
            e.kind,
            e.status,
            valid_from=e.valid_from,
            valid_until=e.valid_until,
        )
        for i, e in enumerate(entries)
    )
    overlay = RegisterOverlay.build(ds, RegisterSnapshot(numbered, "test"))
    unit = ds.unit_index(vid)
    assert unit >= 0
    app = Application(unit=unit, kind="arbeidsmigranten", persons=4, date=DAY)
    ctx = Context(ds, overlay, app, layers=layers or {})
    p = module.Params(**params)
    spec = RuleSpec(
        id="r", type=module.NAME, params=p, source="test", applies_to=(), parameters={}, defaults=()
    )
    result: RuleOutcome = module.evaluate(spec, p, ctx)
    return result


def ids(result: RuleOutcome, relation: str | None = None) -> list[str | None]:
    return [
        e.verblijfsobject for e in result.evidence if relation is None or e.relation == relation
    ]


def box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


# ----------------------------------------------------------------------------- min_distance

GAPS = (100.0, 99.95, 100.04, 99.5, 98.99, 99.0, 101.0, 101.01, 98.0, 30.0)


class DistanceWorld:
    """An application house A (5 x 10 m at the origin) and targets east of it at exact gaps.

    Target ``gap`` is a 5 x 1 m house whose west wall lies ``gap`` metres from A's east wall
    (their y ranges overlap, so the footprint distance is exactly the gap).
    """

    def __init__(self, tmp: Path) -> None:
        t = Town()
        s = t.street("Dorpsstraat")
        self.app = t.house(s, 1, 0, 0)
        self.target: dict[float, str] = {}
        for i, gap in enumerate(GAPS):
            self.target[gap] = t.house(s, 100 + 2 * i, 5 + gap, i, w=5, d=1)
        toren = t.street("Torenstraat")
        flat = t.pand(-1000, 0, 10, 10)
        self.flat_a = t.unit(toren, 1, [flat], huisletter="A")
        self.flat_b = t.unit(toren, 1, [flat], huisletter="B")
        self.flat_next = t.house(toren, 3, -990, 0)  # shares a wall with the flat
        self.building_site = t.unit(
            toren,
            5,
            [t.pand(-1000, 50, status="Bouwvergunning verleend")],
            status="Verblijfsobject gevormd",
        )
        self.far = t.house(t.street("Verweg"), 1, 3000, 3000)
        self.ds = t.build(tmp)
        self.layers = {
            "gebieden": ZoningLayer.from_records(
                [box(-50, -50, 50, 50), box(-20, -20, 20, 20), box(-1100, -100, -900, 100)],
                ["Woonwijk", "Lint", "Bedrijventerrein"],
            )
        }


@pytest.fixture(scope="module")
def dw(tmp_path_factory: pytest.TempPathFactory) -> DistanceWorld:
    return DistanceWorld(tmp_path_factory.mktemp("distance"))


def test_distance_world_geometry_is_exact(dw: DistanceWorld) -> None:
    ds = dw.ds
    app = ds.unit_geometry(ds.unit_index(dw.app))
    for gap, vid in dw.target.items():
        assert math.isclose(
            shapely.distance(app, ds.unit_geometry(ds.unit_index(vid))), gap, abs_tol=1e-8
        )


@pytest.mark.parametrize(
    ("gap", "band", "inclusive", "expected", "within"),
    [
        (100.0, 1.0, False, "review", 0),
        (100.0, 1.0, True, "review", 1),
        (100.0, 0.0, False, "pass", 0),
        (100.0, 0.0, True, "fail", 1),
        (99.95, 1.0, False, "review", 1),
        (99.95, 0.0, False, "fail", 1),
        (100.04, 1.0, False, "review", 0),
        (100.04, 0.0, False, "pass", 0),
        (100.04, 0.0, True, "pass", 0),
        (99.5, 1.0, False, "review", 1),
        (99.5, 0.0, False, "fail", 1),
        (98.99, 1.0, False, "fail", 1),  # just outside the band
        (99.0, 1.0, False, "review", 1),  # lower band edge belongs to the band
        (101.0, 1.0, False, "review", 0),  # upper band edge belongs to the band
        (101.01, 1.0, False, "pass", 0),
    ],
)
def test_min_distance_edges(
    dw: DistanceWorld, gap: float, band: float, inclusive: bool, expected: str, within: int
) -> None:
    r = check(
        dw.ds,
        min_distance,
        dw.app,
        [entry(dw.target[gap])],
        radius_m=100,
        review_band_m=band,
        inclusive=inclusive,
    )
    assert r.outcome == expected
    assert r.measured["within_radius"] == within
    assert r.limit == {
        "radius_m": 100,
        "inclusive": inclusive,
        "review_band_m": band,
        "zone": "algemeen",
    }
    if gap <= 100 + band:
        assert r.measured["nearest_m"] == gap
        assert r.measured["nearest_footprint_m"] == gap
        assert ids(r, "within_distance") == [dw.target[gap]]
        assert r.evidence[0].distance_m == gap
        assert r.evidence[0].detail["within_radius"] is bool(within)
    else:
        assert r.measured["nearest_m"] is None
        assert r.evidence == []


def test_min_distance_reports_point_distance_and_all_within(dw: DistanceWorld) -> None:
    ds = dw.ds
    entries = [entry(dw.target[30.0]), entry(dw.target[98.0]), entry(dw.target[101.01])]
    r = check(ds, min_distance, dw.app, entries, radius_m=100)
    assert r.outcome == "fail"
    assert ids(r) == [dw.target[30.0], dw.target[98.0]]  # nearest first; 101.01 beyond the band
    assert r.measured["within_radius"] == 2
    pt = np.hypot(*(ds.unit_xy[ds.unit_index(dw.target[30.0])] - ds.unit_xy[ds.unit_index(dw.app)]))
    assert r.evidence[0].point_distance_m == round(float(pt), 2)
    assert r.measured["nearest_point_m"] == round(float(pt), 2)
    assert "Dorpsstraat 118" in r.message and "30,00 m" in r.message


def test_min_distance_point_measure(dw: DistanceWorld) -> None:
    ds = dw.ds
    target = dw.target[98.0]
    pt = float(np.hypot(*(ds.unit_xy[ds.unit_index(target)] - ds.unit_xy[ds.unit_index(dw.app)])))
    assert pt > 101  # the points are further apart than the footprints
    by_fp = check(ds, min_distance, dw.app, [entry(target)], radius_m=100)
    assert by_fp.outcome == "fail" and by_fp.measured["nearest_m"] == 98.0
    by_pt = check(ds, min_distance, dw.app, [entry(target)], radius_m=100, measure="point")
    assert by_pt.outcome == "pass" and by_pt.measured["nearest_m"] is None
    by_pt = check(
        ds, min_distance, dw.app, [entry(target)], radius_m=math.floor(pt), measure="point"
    )
    assert by_pt.outcome == "review"
    assert by_pt.measured["nearest_m"] == round(pt, 2)
    assert by_pt.evidence[0].distance_m == 98.0  # footprint distance still reported


def test_min_distance_same_pand_is_zero(dw: DistanceWorld) -> None:
    r = check(dw.ds, min_distance, dw.flat_a, [entry(dw.flat_b)], radius_m=50)
    assert r.outcome == "fail"
    assert r.measured["nearest_m"] == 0.0
    assert ids(r) == [dw.flat_b]
    assert r.evidence[0].detail["same_pand"] is True
    assert "zelfde pand" in r.message
    # the neighbour sharing a wall is also 0 m, but not in the same pand
    r = check(dw.ds, min_distance, dw.flat_a, [entry(dw.flat_next)], radius_m=50)
    assert r.outcome == "fail" and r.measured["nearest_m"] == 0.0
    assert r.evidence[0].detail["same_pand"] is False


def test_min_distance_counts_unit_in_inactive_pand(dw: DistanceWorld) -> None:
    # A pending permit on a dwelling under construction: its pand is not in the footprint tree.
    r = check(dw.ds, min_distance, dw.flat_a, [entry(dw.building_site, "pending")], radius_m=50)
    assert r.outcome == "fail"
    assert ids(r) == [dw.building_site]
    assert r.measured["nearest_m"] == 40.0


def test_min_distance_zones(dw: DistanceWorld) -> None:
    ds, layers = dw.ds, dw.layers
    counted = [entry(dw.target[30.0]), entry(dw.flat_b)]
    woonwijk = ZoneRef(layer="gebieden", names=("woonwijk",))
    bedrijven = ZoneRef(layer="gebieden", names=("bedrijventerrein",))
    lint = ZoneRef(layer="gebieden", names=("lint",))

    r = check(ds, min_distance, dw.app, counted, layers, radius_m=100, applies_in=woonwijk)
    assert r.outcome == "fail" and r.measured["nearest_m"] == 30.0
    r = check(ds, min_distance, dw.flat_a, counted, layers, radius_m=100, applies_in=woonwijk)
    assert r.outcome == "not_applicable" and r.evidence == []
    assert "woonwijk" in r.message

    r = check(ds, min_distance, dw.flat_a, counted, layers, radius_m=100, exempt_in=bedrijven)
    assert r.outcome == "not_applicable" and "bedrijventerrein" in r.message
    r = check(ds, min_distance, dw.app, counted, layers, radius_m=100, exempt_in=bedrijven)
    assert r.outcome == "fail"

    radii = ({"zone": lint, "radius_m": 25}, {"zone": woonwijk, "radius_m": 60})
    r = check(ds, min_distance, dw.app, counted, layers, radius_m=100, zone_radii=radii)
    assert r.outcome == "pass"  # 30 m > 25 m + 1 m band: the first matching zone wins
    assert r.limit["radius_m"] == 25 and r.limit["zone"] == "lint"
    r = check(ds, min_distance, dw.app, counted, layers, radius_m=100, zone_radii=radii[1:])
    assert r.outcome == "fail" and r.limit["radius_m"] == 60
    r = check(
        ds, min_distance, dw.flat_a, [entry(dw.flat_next)], layers, radius_m=100, zone_radii=radii
    )
    assert r.outcome == "fail" and r.limit["radius_m"] == 100  # no zone here: general radius


@pytest.mark.parametrize(
    ("kw", "counted"),
    [
        ({"status": "expired"}, False),
        ({"status": "revoked"}, False),
        ({"valid_until": DAY - dt.timedelta(days=1)}, False),
        ({"valid_until": DAY}, True),  # last day of validity, inclusive
        # a grant starting later overlaps the open-ended application: it counts
        ({"valid_from": DAY + dt.timedelta(days=1)}, True),
        # a pending application starting later came later: first come, first served
        ({"valid_from": DAY + dt.timedelta(days=1), "status": "pending"}, False),
        ({"valid_from": DAY}, True),
        ({"status": "pending"}, True),
        ({"status": "illegal"}, True),
        ({"status": "tolerated"}, True),
        ({"kind": "studenten"}, True),
    ],
)
def test_min_distance_register_validity(
    dw: DistanceWorld, kw: dict[str, Any], counted: bool
) -> None:
    r = check(dw.ds, min_distance, dw.app, [entry(dw.target[30.0], **kw)], radius_m=100)
    assert r.outcome == ("fail" if counted else "pass")
    assert ids(r) == ([dw.target[30.0]] if counted else [])


def test_min_distance_counted_kinds(dw: DistanceWorld) -> None:
    only_rooms = Counted(kinds=("kamerverhuur",))
    r = check(
        dw.ds, min_distance, dw.app, [entry(dw.target[30.0])], radius_m=100, counted=only_rooms
    )
    assert r.outcome == "pass" and r.measured["within_radius"] == 0


def test_min_distance_own_entry_not_counted(dw: DistanceWorld) -> None:
    r = check(dw.ds, min_distance, dw.app, [entry(dw.app)], radius_m=100)
    assert r.outcome == "pass" and r.evidence == []


def test_min_distance_params_validation() -> None:
    with pytest.raises(ValidationError, match="radius_m"):
        min_distance.Params(radius_m=0)
    with pytest.raises(ValidationError, match="review_band_m"):
        min_distance.Params(radius_m=50, review_band_m=-1)
    with pytest.raises(ValidationError, match="radus_m"):
        min_distance.Params(radius_m=50, radus_m=3)  # type: ignore[call-arg]


SEVERITY = {"pass": 0, "review": 1, "fail": 2}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    radius=st.floats(3, 150),
    band=st.sampled_from([0.0, 0.5, 1.0, 2.0]),
    inclusive=st.booleans(),
    measure=st.sampled_from(["footprint", "point"]),
    chosen=st.sets(st.sampled_from(GAPS), max_size=4),
)
def test_property_far_entry_never_changes_min_distance(
    dw: DistanceWorld, radius: float, band: float, inclusive: bool, measure: str, chosen: set[float]
) -> None:
    entries = [entry(dw.target[g]) for g in sorted(chosen)]
    kw = {"radius_m": radius, "review_band_m": band, "inclusive": inclusive, "measure": measure}
    base = check(dw.ds, min_distance, dw.app, entries, **kw)
    more = check(dw.ds, min_distance, dw.app, [*entries, entry(dw.far)], **kw)
    assert more.outcome == base.outcome
    assert more.measured == base.measured
    assert ids(more) == ids(base)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    radii=st.lists(st.floats(3, 150), min_size=2, max_size=2).map(sorted),
    band=st.sampled_from([0.0, 0.5, 1.0, 2.0]),
    inclusive=st.booleans(),
    measure=st.sampled_from(["footprint", "point"]),
    chosen=st.sets(st.sampled_from(GAPS), min_size=1, max_size=4),
)
def test_property_larger_radius_is_never_more_lenient(
    dw: DistanceWorld,
    radii: list[float],
    band: float,
    inclusive: bool,
    measure: str,
    chosen: set[float],
) -> None:
    entries = [entry(dw.target[g]) for g in sorted(chosen)]
    kw = {"review_band_m": band, "inclusive": inclusive, "measure": measure}
    small = check(dw.ds, min_distance, dw.app, entries, radius_m=radii[0], **kw)
    large = check(dw.ds, min_distance, dw.app, entries, radius_m=radii[1], **kw)
    assert SEVERITY[large.outcome] >= SEVERITY[small.outcome]
    if small.outcome == "fail":
        assert large.outcome == "fail"
    assert large.measured["within_radius"] >= small.measured["within_radius"]


# ----------------------------------------------------------------------------- not_adjacent


def build_adjacency_town(t: Town) -> dict[str, str]:
    """Rijstraat: a terraced row 1-7, then 9 behind a 2 m alley; 2 and 4 across the street.

    Kerkstraat: detached houses 1, 3, 5, 9, 11 (no 7). Molenstraat: detached 1 to 11, no gap.
    Torenstraat 1A/1B: two flats in one pand.
    """
    v: dict[str, str] = {}
    rij = t.street("Rijstraat")
    for n, vid in zip((1, 3, 5, 7), t.row(rij, [1, 3, 5, 7]), strict=True):
        v[f"rij{n}"] = vid
    v["rij9"] = t.house(rij, 9, 22, 0)  # 2 m alley after 7 (which ends at x = 20)
    v["rij2"] = t.house(rij, 2, 5, 25)  # across the street, 15 m away
    v["rij4"] = t.house(rij, 4, 10, 25)
    kerk = t.street("Kerkstraat")
    for i, n in enumerate((1, 3, 5, 9, 11)):
        v[f"kerk{n}"] = t.house(kerk, n, 20 * i, 200)
    molen = t.street("Molenstraat")
    for i, n in enumerate((1, 3, 5, 7, 9, 11)):
        v[f"molen{n}"] = t.house(molen, n, 20 * i, 400)
    toren = t.street("Torenstraat")
    flat = t.pand(500, 0, 10, 10)
    v["torenA"] = t.unit(toren, 1, [flat], huisletter="A")
    v["torenB"] = t.unit(toren, 1, [flat], huisletter="B")
    return v


@pytest.fixture(scope="module")
def adj(tmp_path_factory: pytest.TempPathFactory) -> tuple[Dataset, dict[str, str]]:
    t = Town()
    v = build_adjacency_town(t)
    return t.build(tmp_path_factory.mktemp("adjacent")), v


def test_not_adjacent_terraced_neighbour_fails(adj: tuple[Dataset, dict[str, str]]) -> None:
    ds, v = adj
    r = check(ds, not_adjacent, v["rij5"], [entry(v["rij3"])])
    assert r.outcome == "fail"
    assert ids(r, "adjacent_pand") == [v["rij3"]]
    assert r.measured == {"same_pand": 0, "adjacent_pand": 1, "side_neighbour": 0, "total": 1}
    assert r.evidence[0].distance_m == 0.0
    assert "Rijstraat 3" in r.message
    # one house further along is not adjacent
    r = check(ds, not_adjacent, v["rij7"], [entry(v["rij3"])])
    assert r.outcome == "pass" and r.measured["total"] == 0


def test_not_adjacent_across_the_street_passes(adj: tuple[Dataset, dict[str, str]]) -> None:
    ds, v = adj
    r = check(ds, not_adjacent, v["rij3"], [entry(v["rij2"]), entry(v["rij4"])])
    assert r.outcome == "pass" and r.evidence == []
    # and also with house numbers on: 2 and 4 are on the other side (parity)
    r = check(ds, not_adjacent, v["rij3"], [entry(v["rij2"]), entry(v["rij4"])], house_numbers=2)
    assert r.outcome == "pass" and r.measured["side_neighbour"] == 0


def test_not_adjacent_alley_depends_on_tolerance(adj: tuple[Dataset, dict[str, str]]) -> None:
    ds, v = adj
    r = check(ds, not_adjacent, v["rij9"], [entry(v["rij7"])], tolerance_m=0.5)
    assert r.outcome == "pass"
    r = check(ds, not_adjacent, v["rij9"], [entry(v["rij7"])], tolerance_m=3)
    assert r.outcome == "fail"
    assert ids(r, "adjacent_pand") == [v["rij7"]]
    assert r.evidence[0].distance_m == 2.0
    assert r.limit["tolerance_m"] == 3
    r = check(ds, not_adjacent, v["rij9"], [entry(v["rij7"])], tolerance_m=1.99)
    assert r.outcome == "pass"


def test_not_adjacent_same_pand(adj: tuple[Dataset, dict[str, str]]) -> None:
    ds, v = adj
    r = check(ds, not_adjacent, v["torenA"], [entry(v["torenB"])])
    assert r.outcome == "fail"
    assert ids(r, "same_pand") == [v["torenB"]]
    assert r.measured["same_pand"] == 1 and r.measured["total"] == 1
    assert "hetzelfde pand" in r.message
    r = check(ds, not_adjacent, v["torenA"], [entry(v["torenB"])], same_pand=False)
    assert r.outcome == "pass"


def test_not_adjacent_switches(adj: tuple[Dataset, dict[str, str]]) -> None:
    ds, v = adj
    r = check(ds, not_adjacent, v["rij5"], [entry(v["rij3"])], shared_wall=False)
    assert r.outcome == "pass"
    r = check(ds, not_adjacent, v["rij5"], [entry(v["rij3"])], shared_wall=False, house_numbers=1)
    assert r.outcome == "fail" and ids(r, "side_neighbour") == [v["rij3"]]
    assert r.evidence[0].detail == {"rank_distance": 1}


def test_not_adjacent_house_numbers_skip_a_gap(adj: tuple[Dataset, dict[str, str]]) -> None:
    ds, v = adj
    # Kerkstraat has no 7: 5 and 11 are two ranks apart (9 is the only house in between).
    r = check(ds, not_adjacent, v["kerk5"], [entry(v["kerk11"])], house_numbers=2)
    assert r.outcome == "fail"
    assert ids(r, "side_neighbour") == [v["kerk11"]]
    assert r.evidence[0].detail == {"rank_distance": 2}
    assert r.measured["side_neighbour"] == 1 and r.measured["adjacent_pand"] == 0
    r = check(ds, not_adjacent, v["kerk5"], [entry(v["kerk11"])], house_numbers=1)
    assert r.outcome == "pass"
    # Molenstraat has 7 and 9 between 5 and 11: two houses in between is enough.
    r = check(ds, not_adjacent, v["molen5"], [entry(v["molen11"])], house_numbers=2)
    assert r.outcome == "pass"
    r = check(ds, not_adjacent, v["molen5"], [entry(v["molen9"])], house_numbers=2)
    assert r.outcome == "fail" and ids(r) == [v["molen9"]]


def test_not_adjacent_expired_neighbour_not_counted(adj: tuple[Dataset, dict[str, str]]) -> None:
    ds, v = adj
    r = check(
        ds,
        not_adjacent,
        v["rij5"],
        [
            entry(v["rij3"], "expired"),
            entry(v["rij7"], "pending", valid_from=DAY + dt.timedelta(days=3)),
        ],
    )
    assert r.outcome == "pass" and r.evidence == []
    # a grant on rij7 that starts later overlaps the open-ended application: it counts
    later = check(
        ds, not_adjacent, v["rij5"], [entry(v["rij7"], valid_from=DAY + dt.timedelta(days=3))]
    )
    assert later.outcome == "fail"
    assert later.evidence[0].detail["geldig_vanaf"] == (DAY + dt.timedelta(days=3)).isoformat()


@settings(max_examples=15, deadline=None)
@given(
    x=st.floats(-3000, 3000),
    y=st.floats(1000, 3000),
    same_street=st.booleans(),
    number=st.integers(1, 99),
    counted=st.sets(
        st.sampled_from(["rij3", "rij7", "rij9", "kerk3", "torenB", "rij2"]), max_size=3
    ),
    app=st.sampled_from(["rij5", "torenA", "kerk5", "rij9"]),
    house_numbers=st.integers(0, 2),
)
def test_property_far_uncounted_dwelling_never_changes_not_adjacent(
    tmp_path_factory: pytest.TempPathFactory,
    x: float,
    y: float,
    same_street: bool,
    number: int,
    counted: set[str],
    app: str,
    house_numbers: int,
) -> None:
    base_town = Town()
    v = build_adjacency_town(base_town)
    more_town = Town()
    v2 = build_adjacency_town(more_town)
    assert v2 == v  # same identifiers in both worlds
    street = more_town.streets[0]["identificatie"] if same_street else more_town.street("Elders")
    more_town.house(street, 1000 + number, x, y)  # a far, uncounted dwelling
    tmp = tmp_path_factory.mktemp("prop")
    ds1, ds2 = base_town.build(tmp, "a"), more_town.build(tmp, "b")
    entries = [entry(v[k]) for k in sorted(counted)]
    r1 = check(ds1, not_adjacent, v[app], entries, house_numbers=house_numbers)
    r2 = check(ds2, not_adjacent, v[app], entries, house_numbers=house_numbers)
    assert r1.outcome == r2.outcome
    assert r1.measured == r2.measured
    assert ids(r1) == ids(r2)


# ----------------------------------------------------------------------------- not_enclosed


@pytest.fixture(scope="module")
def enc(tmp_path_factory: pytest.TempPathFactory) -> tuple[Dataset, dict[str, str]]:
    """Weverstraat: terraced row 1-9 (odd). Gasthuisstraat: detached 1, 3, 7, 9, 11 (no 5).

    Smidstraat: detached 1-11 (odd, no gap), 5 is under construction (not a dwelling yet).
    Bakkerstraat: terraced 1, 3, a pand with two flats 5A and 5B, then 7.
    """
    t = Town()
    v: dict[str, str] = {}
    wever = t.street("Weverstraat")
    for n, vid in zip((1, 3, 5, 7, 9), t.row(wever, [1, 3, 5, 7, 9]), strict=True):
        v[f"wever{n}"] = vid
    gast = t.street("Gasthuisstraat")
    for i, n in enumerate((1, 3, 7, 9, 11)):
        v[f"gast{n}"] = t.house(gast, n, 20 * i, 200)
    smid = t.street("Smidstraat")
    for i, n in enumerate((1, 3, 5, 7, 9, 11)):
        status = "Verblijfsobject gevormd" if n == 5 else "Verblijfsobject in gebruik"
        v[f"smid{n}"] = t.house(smid, n, 20 * i, 400, status=status)
    bakker = t.street("Bakkerstraat")
    v["bakker1"], v["bakker3"] = t.row(bakker, [1, 3], 0, 600)
    flat = t.pand(10, 600)
    v["bakker5A"] = t.unit(bakker, 5, [flat], huisletter="A")
    v["bakker5B"] = t.unit(bakker, 5, [flat], huisletter="B")
    v["bakker7"] = t.house(bakker, 7, 15, 600)
    return t.build(tmp_path_factory.mktemp("enclosed")), v


def test_not_enclosed_row_fails(enc: tuple[Dataset, dict[str, str]]) -> None:
    ds, v = enc
    r = check(ds, not_enclosed, v["wever7"], [entry(v["wever3"])])
    assert r.outcome == "fail"
    assert ids(r, "enclosed_neighbour") == [v["wever5"]]
    assert ids(r, "enclosing") == [v["wever3"]]
    assert r.evidence[0].detail == {
        "via": ["house_numbers", "shared_wall"],
        "enclosed_before": False,
        "enclosed_by": [v["wever3"]],
    }
    assert r.measured == {
        "enclosed": 1,
        "already_enclosed": 0,
        "flats": 0,
        "checked": 2,  # 5, 9
        "block_panden": 5,  # Weverstraat 1-9
        "block_complete": True,
    }
    assert "Weverstraat 5" in r.message and "Weverstraat 3" in r.message


@pytest.mark.parametrize("via", ["shared_wall", "house_numbers"])
def test_not_enclosed_each_test_alone(enc: tuple[Dataset, dict[str, str]], via: str) -> None:
    ds, v = enc
    other = "house_numbers" if via == "shared_wall" else "shared_wall"
    r = check(ds, not_enclosed, v["wever7"], [entry(v["wever3"])], **{other: False})
    assert r.outcome == "fail"
    assert r.evidence[0].verblijfsobject == v["wever5"]
    assert r.evidence[0].detail["via"] == [via]
    r = check(
        ds, not_enclosed, v["wever7"], [entry(v["wever3"])], shared_wall=False, house_numbers=False
    )
    assert r.outcome == "pass" and r.measured["checked"] == 0


def test_not_enclosed_end_of_row_passes(enc: tuple[Dataset, dict[str, str]]) -> None:
    ds, v = enc
    r = check(ds, not_enclosed, v["wever9"], [entry(v["wever3"])])
    assert r.outcome == "pass" and r.evidence == []
    assert r.measured["checked"] == 1  # 7
    assert (r.measured["enclosed"], r.measured["block_panden"]) == (0, 5)
    # 1 is at the end of the row: one wall neighbour and no lower house number
    r = check(ds, not_enclosed, v["wever3"], [entry(v["wever5"])])
    assert r.outcome == "pass" and r.measured["checked"] == 1
    # expired neighbour does not enclose
    r = check(ds, not_enclosed, v["wever7"], [entry(v["wever3"], "expired")])
    assert r.outcome == "pass"


def test_not_enclosed_house_number_gap(enc: tuple[Dataset, dict[str, str]]) -> None:
    ds, v = enc
    # Gasthuisstraat has no 5: 7's neighbours are 3 and 9, so granting 9 encloses 7.
    r = check(ds, not_enclosed, v["gast9"], [entry(v["gast3"])])
    assert r.outcome == "fail"
    assert ids(r, "enclosed_neighbour") == [v["gast7"]]
    assert ids(r, "enclosing") == [v["gast3"]]
    assert r.evidence[0].detail["via"] == ["house_numbers"]  # detached: no shared wall
    # Smidstraat 5 exists but is under construction: skipped like a missing number
    r = check(ds, not_enclosed, v["smid9"], [entry(v["smid3"])])
    assert r.outcome == "fail" and ids(r, "enclosed_neighbour") == [v["smid7"]]
    # ...but a counted unit under construction is there: 5 counted, 9 applies -> 7 enclosed
    r = check(ds, not_enclosed, v["smid9"], [entry(v["smid5"], "pending")])
    assert r.outcome == "fail" and ids(r, "enclosing") == [v["smid5"]]
    # with an ordinary dwelling at 5 between them nothing is enclosed
    r = check(ds, not_enclosed, v["gast9"], [entry(v["gast1"])])
    assert r.outcome == "pass"


def test_not_enclosed_flat_already_enclosed_is_review(enc: tuple[Dataset, dict[str, str]]) -> None:
    ds, v = enc
    # 1 counted, flat 5A counted; applying for 5B changes nothing for 3: review, not fail.
    r = check(ds, not_enclosed, v["bakker5B"], [entry(v["bakker1"]), entry(v["bakker5A"])])
    assert r.outcome == "review"
    assert ids(r, "enclosed_neighbour") == [v["bakker3"]]
    assert r.evidence[0].detail["enclosed_before"] is True
    assert sorted(ids(r, "enclosing")) == sorted([v["bakker1"], v["bakker5A"]])
    assert r.measured["enclosed"] == 0 and r.measured["already_enclosed"] == 1
    # without 5A, the application is what encloses 3: fail
    r = check(ds, not_enclosed, v["bakker5B"], [entry(v["bakker1"])])
    assert r.outcome == "fail" and ids(r, "enclosed_neighbour") == [v["bakker3"]]


def test_not_enclosed_flat_as_a_block(enc: tuple[Dataset, dict[str, str]]) -> None:
    ds, v = enc
    # 3 counted, 7 applies: the pand between them has counted units on both sides, so both its
    # dwellings are enclosed by walls; by house numbers 5A and 5B are two positions (a
    # huisletter is a house of its own), each with an ordinary one on one side
    r = check(ds, not_enclosed, v["bakker7"], [entry(v["bakker3"])])
    assert r.outcome == "fail"
    assert ids(r, "enclosed_neighbour") == sorted([v["bakker5A"], v["bakker5B"]])
    assert all(e.detail["via"] == ["shared_wall"] for e in r.evidence[:2])
    assert ids(r, "enclosing") == [v["bakker3"]]
    assert {k: r.measured[k] for k in ("enclosed", "already_enclosed", "flats", "checked")} == {
        "enclosed": 2,
        "already_enclosed": 0,
        "flats": 0,
        "checked": 2,
    }
    # a counted 5A does not enclose its pand-mate 5B by walls (3 is an ordinary side), but by
    # house numbers 5B lies between 5A and 7
    r = check(ds, not_enclosed, v["bakker7"], [entry(v["bakker5A"])])
    assert r.outcome == "fail" and ids(r, "enclosed_neighbour") == [v["bakker5B"]]
    assert r.evidence[0].detail["via"] == ["house_numbers"]


# ---- the search misses nothing: every dwelling of generated rows, brute force ---------------

PAND_KINDS = ("house", "house", "house", "flat", "shop", "shop_home", "shed", "annex")


@st.composite
def terraced_rows(draw: st.DrawFn) -> tuple[Town, dict[str, list[str]]]:
    """One or two rows of panden across a street: houses, flats (2 to 13 dwellings), shops,
    shops with a dwelling, sheds without an object, annexes that belong to the house before
    them, and here and there an alley of 2 m. Odd numbers on one side, even on the other.
    Returns the town with its dwellings and shops."""
    t = Town()
    units: dict[str, list[str]] = {"dwelling": [], "shop": []}
    for side in range(draw(st.integers(1, 2))):
        street = t.street(f"Straat{side}")
        number = 1 + side
        x = 0.0
        last_house: tuple[int, str] | None = None
        for _ in range(draw(st.integers(3, 9))):
            kind = draw(st.sampled_from(PAND_KINDS))
            x += draw(st.sampled_from([0.0, 0.0, 0.0, 2.0]))  # an alley now and then
            pand = t.pand(x, 25.0 * side, 5, 10)
            x += 5
            if kind == "annex" and last_house is not None:
                # the house before extends into this pand: its unit lies in both
                vbo = next(v for v in t.vbos if v["identificatie"] == last_house[1])
                vbo["panden"].append(pand)
                continue
            if kind == "shed" or kind == "annex":
                last_house = None
                continue
            if kind in ("shop", "shop_home"):
                units["shop"].append(
                    t.unit(street, number, [pand], gebruiksdoel=("winkelfunctie",))
                )
            if kind in ("house", "shop_home"):
                letter = "a" if kind == "shop_home" else None
                vid = t.unit(street, number, [pand], huisletter=letter)
                units["dwelling"].append(vid)
                last_house = (number, vid)
            if kind == "flat":
                for k in range(draw(st.integers(2, 13))):
                    units["dwelling"].append(t.unit(street, number, [pand], toevoeging=str(k)))
                last_house = None
            number += 2
    return t, units


def brute_force(ds: Dataset, app: int, counted: set[int], p: not_enclosed.Params) -> dict[int, str]:
    """Every ordinary dwelling of the dataset, enclosed before and after granting, from the
    definitions in not_enclosed's docstring: new / already (the application among those
    enclosing it) / flat."""
    exists = {"Verblijfsobject in gebruik"}
    standing = [s in exists for s in ds.unit_status]
    woning = ds.woning

    def counts(u: int, after: bool) -> bool:
        return after if u == app else u in counted

    def present(u: int, after: bool) -> bool:
        return standing[u] or bool(woning[u]) or counts(u, after)

    def flat(f: int) -> bool:
        there = [u for u in ds.fp_units.members(f).tolist() if woning[u] or standing[u]]
        return len(there) > p.max_pand_units

    def walls(d: int, after: bool) -> tuple[set[int], bool] | None:
        own = set(ds.unit_fps.members(d).tolist())
        near = {int(g) for f in own for g in ds.fp_adjacent.members(f)} - own
        sides = [g for g in near if any(present(int(u), after) for u in ds.fp_units.members(g))]
        by: set[int] = set()
        for g in sides:
            c = {int(u) for u in ds.fp_units.members(g) if counts(int(u), after)}
            if not c:
                return None
            by |= c
        is_flat = any(flat(f) for f in own) or any(flat(g) for g in sides)
        return (by, is_flat) if len(sides) >= 2 else None

    def numbers(d: int, after: bool) -> tuple[set[int], bool] | None:
        members = [
            int(u) for u in np.flatnonzero(ds.side_key == ds.side_key[d]) if present(int(u), after)
        ]
        ranks = sorted({int(ds.side_rank[u]) for u in members})
        at = {r: [u for u in members if ds.side_rank[u] == r] for r in ranks}
        k = ranks.index(int(ds.side_rank[d]))
        if k == 0 or k == len(ranks) - 1:
            return None
        by: set[int] = set()
        is_flat = any(flat(int(f)) for f in ds.unit_fps.members(d))
        for r in (ranks[k - 1], ranks[k + 1]):
            gap = min(
                float(np.hypot(*(ds.unit_xy[a] - ds.unit_xy[b])))
                for a in at[r]
                for b in at[ds.side_rank[d]]
            )
            c = {u for u in at[r] if counts(u, after)}
            if gap > p.max_gap_m or not c:
                return None
            by |= c
            is_flat = is_flat or all(any(flat(int(f)) for f in ds.unit_fps.members(u)) for u in c)
        return by, is_flat

    kinds: dict[int, str] = {}
    for d in np.flatnonzero(woning).tolist():
        if counts(d, True):
            continue
        now = [r for r in (walls(d, True), numbers(d, True)) if r]
        was = [r for r in (walls(d, False), numbers(d, False)) if r]
        certain_now = any(not f for _, f in now)
        if certain_now and not was:
            kinds[d] = "new"
        elif any(app in by for by, _ in now):
            kinds[d] = "already" if any(not f for _, f in was) else "flat"
    return kinds


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_property_block_search_finds_what_brute_force_finds(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    town, units = data.draw(terraced_rows())
    dwellings = units["dwelling"]
    if len(dwellings) < 2:
        return
    app = data.draw(st.sampled_from(dwellings))
    others = [u for u in dwellings if u != app]
    flags = data.draw(st.lists(st.booleans(), min_size=len(others), max_size=len(others)))
    counted = {u for u, on in zip(others, flags, strict=True) if on}  # about half of them
    ds = town.build(tmp_path_factory.mktemp("rows"))
    r = check(ds, not_enclosed, app, [entry(u) for u in sorted(counted)])
    got = {
        ds.unit_index(e.verblijfsobject or ""): (
            "already" if e.detail["enclosed_before"] else "flat" if e.detail.get("flat") else "new"
        )
        for e in r.evidence
        if e.relation == "enclosed_neighbour"
    }
    want = brute_force(
        ds, ds.unit_index(app), {ds.unit_index(u) for u in counted}, not_enclosed.Params()
    )
    assert got == want
    expected = "fail" if "new" in want.values() else "review" if want else "pass"
    assert r.outcome == expected


# ----------------------------------------------------------------------------- one neighbour model


@pytest.fixture(scope="module")
def buurt(tmp_path_factory: pytest.TempPathFactory) -> tuple[Dataset, dict[str, str]]:
    """Streets for what stands between, the side of the street, the gap and flats.

    Lindestraat: terraced 1, 3, a shop at 5, 7, 9. Horststraat: detached 1, 3 (withdrawn), 5.
    Laan: detached 1, 3 and, 200 m on, 5. Hofje: detached 1-6 numbered along one side.
    Kerkpad: 1, a pand with 3 and 5, 7 (terraced). Flatweg: 1, a flat of 12, 3 (terraced).
    Duopad: 1 and 2 only (detached). Garagepad: 1, a garage box 1g behind it, 3.
    """
    t = Town()
    v: dict[str, str] = {}
    linde = t.street("Lindestraat")
    for i, n in enumerate((1, 3, 5, 7, 9)):
        doel = ("winkelfunctie",) if n == 5 else ("woonfunctie",)
        v[f"linde{n}"] = t.house(linde, n, 5 * i, 0, gebruiksdoel=doel)
    horst = t.street("Horststraat")
    for i, n in enumerate((1, 3, 5)):
        status = "Verblijfsobject ingetrokken" if n == 3 else "Verblijfsobject in gebruik"
        v[f"horst{n}"] = t.house(horst, n, 12 * i, 100, status=status)
    laan = t.street("Laan")
    for n, x in ((1, 0), (3, 12), (5, 212)):
        v[f"laan{n}"] = t.house(laan, n, x, 200)
    hof = t.street("Hofje")
    for n in range(1, 7):
        v[f"hof{n}"] = t.house(hof, n, 12 * n, 300)
    kerk = t.street("Kerkpad")
    v["kerk1"] = t.house(kerk, 1, 0, 400)
    both = t.pand(5, 400, 10, 10)
    v["kerk3"], v["kerk5"] = t.unit(kerk, 3, [both]), t.unit(kerk, 5, [both])
    v["kerk7"] = t.house(kerk, 7, 15, 400)
    flat = t.street("Flatweg")
    v["flat1"] = t.house(flat, 1, 0, 500)
    block = t.pand(5, 500, 20, 12)
    for k in range(12):
        v[f"flat2-{k}"] = t.unit(flat, 2, [block], toevoeging=str(k + 1))
    v["flat3"] = t.house(flat, 3, 25, 500)
    duo = t.street("Duopad")
    v["duo1"], v["duo2"] = t.house(duo, 1, 0, 600), t.house(duo, 2, 12, 600)
    garage = t.street("Garagepad")
    v["garage1"], v["garage3"] = t.house(garage, 1, 0, 700), t.house(garage, 3, 12, 700)
    v["garage1g"] = t.house(
        garage, 1, 0, 715, 3, 5, huisletter="g", gebruiksdoel=("overige gebruiksfunctie",)
    )
    return t.build(tmp_path_factory.mktemp("buurt")), v


def test_a_shop_stands_between_in_every_rule(buurt: tuple[Dataset, dict[str, str]]) -> None:
    ds, v = buurt
    # 3 counted, 9 applies: 7 has the shop on one side (walls) and in front (house numbers)
    r = check(ds, not_enclosed, v["linde9"], [entry(v["linde3"])])
    assert r.outcome == "pass" and r.measured["checked"] == 1
    r = check(ds, not_adjacent, v["linde7"], [entry(v["linde3"])], house_numbers=1)
    assert r.outcome == "pass"  # the shop at 5 is the house in between
    # without other uses, the shop is a gap: 7 lies between 3 and 9 by house numbers
    r = check(ds, not_enclosed, v["linde9"], [entry(v["linde3"])], between={"other_uses": False})
    assert r.outcome == "fail" and ids(r, "enclosed_neighbour") == [v["linde7"]]
    assert r.evidence[0].detail["via"] == ["house_numbers"]
    r = check(
        ds,
        not_adjacent,
        v["linde7"],
        [entry(v["linde3"])],
        house_numbers=1,
        shared_wall=False,
        between={"other_uses": False},
    )
    assert r.outcome == "fail" and r.evidence[0].detail["rank_distance"] == 1


def test_a_garage_box_is_no_house_in_between(buurt: tuple[Dataset, dict[str, str]]) -> None:
    ds, v = buurt
    r = check(ds, not_adjacent, v["garage3"], [entry(v["garage1"])], house_numbers=1)
    assert r.outcome == "fail" and r.evidence[0].detail["rank_distance"] == 1
    r = check(
        ds,
        not_adjacent,
        v["garage3"],
        [entry(v["garage1"])],
        house_numbers=1,
        between={"storage": True},
    )
    assert r.outcome == "pass"


def test_a_withdrawn_number_is_no_house_in_between(buurt: tuple[Dataset, dict[str, str]]) -> None:
    ds, v = buurt
    r = check(ds, not_adjacent, v["horst5"], [entry(v["horst1"])], house_numbers=1)
    assert r.outcome == "fail" and ids(r, "side_neighbour") == [v["horst1"]]
    r = check(
        ds,
        not_adjacent,
        v["horst5"],
        [entry(v["horst1"])],
        house_numbers=1,
        between={"withdrawn": True},
    )
    assert r.outcome == "pass"


def test_house_numbers_further_apart_than_the_gap_are_no_neighbours(
    buurt: tuple[Dataset, dict[str, str]],
) -> None:
    ds, v = buurt
    r = check(ds, not_adjacent, v["laan5"], [entry(v["laan3"])], house_numbers=1)
    assert r.outcome == "pass" and r.limit["max_gap_m"] == 50
    r = check(ds, not_adjacent, v["laan5"], [entry(v["laan3"])], house_numbers=1, max_gap_m=300)
    assert r.outcome == "fail"
    # nothing beyond a gap counts: 1 is two positions from 5, but behind the gap
    r = check(ds, not_adjacent, v["laan5"], [entry(v["laan1"])], house_numbers=2)
    assert r.outcome == "pass"
    # 3 between 1 (counted) and 5 (applying) only with a gap of 200 m allowed
    r = check(ds, not_enclosed, v["laan5"], [entry(v["laan1"])])
    assert r.outcome == "pass" and r.measured["checked"] == 0
    r = check(ds, not_enclosed, v["laan5"], [entry(v["laan1"])], max_gap_m=250)
    assert r.outcome == "fail" and ids(r, "enclosed_neighbour") == [v["laan3"]]


def test_a_street_numbered_along_one_side(buurt: tuple[Dataset, dict[str, str]]) -> None:
    ds, v = buurt
    assert len({int(ds.side_key[ds.unit_index(v[f"hof{n}"])]) for n in range(1, 7)}) == 1
    # 3 counted, 5 applies: 4 lies between them (by odd/even alone, 5's neighbour was 3)
    r = check(ds, not_enclosed, v["hof5"], [entry(v["hof3"])])
    assert r.outcome == "fail" and ids(r, "enclosed_neighbour") == [v["hof4"]]
    # two houses in between: 2 and 5 have 3 and 4 between them, 3 and 5 only 4
    r = check(ds, not_adjacent, v["hof5"], [entry(v["hof2"])], house_numbers=2)
    assert r.outcome == "pass"
    r = check(ds, not_adjacent, v["hof5"], [entry(v["hof3"])], house_numbers=2)
    assert r.outcome == "fail" and r.evidence[0].detail["rank_distance"] == 2


def test_side_by_odd_even_is_said(buurt: tuple[Dataset, dict[str, str]]) -> None:
    ds, v = buurt
    # two numbers only: the geometry cannot decide, odd/even puts 1 and 2 across the street
    assert ds.side_by_parity[ds.unit_index(v["duo1"])]
    r = check(ds, not_adjacent, v["duo2"], [entry(v["duo1"])], house_numbers=1)
    assert r.outcome == "pass" and "even/oneven" in r.message
    r = check(ds, not_adjacent, v["hof5"], [entry(v["hof2"])], house_numbers=2)
    assert "even/oneven" not in r.message


def test_enclosure_newness_is_per_dwelling(buurt: tuple[Dataset, dict[str, str]]) -> None:
    ds, v = buurt
    # 3 was enclosed by walls already (1 and 7 counted); 5, in 3's pand, applies: by house
    # numbers 3 now lies between 1 and 5 too, but the application changes nothing for it
    r = check(ds, not_enclosed, v["kerk5"], [entry(v["kerk1"]), entry(v["kerk7"])])
    assert r.outcome == "review" and ids(r, "enclosed_neighbour") == [v["kerk3"]]
    assert r.evidence[0].detail["enclosed_before"] is True
    assert r.evidence[0].detail["via"] == ["house_numbers", "shared_wall"]
    assert r.measured["enclosed"] == 0 and r.measured["already_enclosed"] == 1
    # without 7, walls do not enclose 3 (before or after): the house numbers newly do
    r = check(ds, not_enclosed, v["kerk5"], [entry(v["kerk1"])])
    assert r.outcome == "fail" and r.evidence[0].detail["via"] == ["house_numbers"]


def test_a_flat_between_counted_houses_is_for_review(buurt: tuple[Dataset, dict[str, str]]) -> None:
    ds, v = buurt
    r = check(ds, not_enclosed, v["flat3"], [entry(v["flat1"])])
    assert r.outcome == "review"
    assert {k: r.measured[k] for k in ("enclosed", "already_enclosed", "flats", "checked")} == {
        "enclosed": 0,
        "already_enclosed": 0,
        "flats": 12,
        "checked": 12,
    }
    assert all(e.detail.get("flat") for e in r.evidence if e.relation == "enclosed_neighbour")
    assert "geen verdiepingen" in r.message and "meer dan 10 verblijfsobjecten" in r.message
    # with a higher bound the pand is no flat and the twelve are enclosed
    r = check(ds, not_enclosed, v["flat3"], [entry(v["flat1"])], max_pand_units=12)
    assert r.outcome == "fail" and r.measured["enclosed"] == 12


# ----------------------------------------------------------------------------- area_share


@pytest.fixture(scope="module")
def area(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Dataset, dict[str, str], dict[str, ZoningLayer]]:
    """Wijk Noord: 20 detached houses; wijk Zuid: 5; one house outside both; a flat of 8."""
    t = Town()
    v: dict[str, str] = {}
    s = t.street("Lange Laan")
    for i in range(20):
        v[f"noord{i}"] = t.house(s, 2 * i + 1, 20 * i, 0)
    for i in range(5):
        v[f"zuid{i}"] = t.house(s, 2 * i + 2, 20 * i, -100)
    v["buiten"] = t.house(s, 99, 2000, 0)
    flat = t.pand(0, 500, 20, 12)
    for i in range(8):
        v[f"flat{i}"] = t.unit(t.streets[0]["identificatie"], 200, [flat], toevoeging=str(i + 1))
    v["winkel"] = t.unit(s, 202, [flat], gebruiksdoel=("winkelfunctie",))
    layers = {
        "wijken": ZoningLayer.from_records(
            [box(-10, -10, 400, 20), box(-10, -110, 400, -80)],
            ["Noord", "Zuid"],
            identificatie=["WK001", "WK002"],
            kind="wijk",
        )
    }
    return t.build(tmp_path_factory.mktemp("area")), v, layers


WIJK = {"layer": "wijken"}


def test_area_share_per_wijk(area: tuple[Dataset, dict[str, str], dict[str, ZoningLayer]]) -> None:
    ds, v, layers = area
    zuid = [entry(v["zuid1"]), entry(v["zuid2"])]
    r = check(
        ds,
        area_share,
        v["noord5"],
        [entry(v["noord1"]), *zuid],
        layers,
        group="area",
        zone=WIJK,
        max_share=Decimal("0.10"),
    )
    assert r.outcome == "pass"  # (1 + 1) / 20 = 10%
    assert (
        r.measured["dwellings"] == 20 and r.measured["existing"] == 1 and r.measured["after"] == 2
    )
    assert r.measured["gebied"] == "Noord" and r.measured["gebied_id"] == "WK001"
    assert r.measured["headroom"] == 0
    assert ids(r, "same_area") == [v["noord1"]]
    assert "Noord" in r.message
    r = check(
        ds,
        area_share,
        v["noord5"],
        [entry(v["noord1"]), entry(v["noord2"])],
        layers,
        group="area",
        zone=WIJK,
        max_share=Decimal("0.10"),
    )
    assert r.outcome == "fail" and r.measured["after"] == 3
    assert sorted(ids(r)) == sorted([v["noord1"], v["noord2"]])
    # Zuid: 5 dwellings, 2 counted -> 3/5 > 10%
    r = check(
        ds, area_share, v["zuid0"], zuid, layers, group="area", zone=WIJK, max_share=Decimal("0.10")
    )
    assert r.outcome == "fail" and r.measured["dwellings"] == 5 and r.measured["existing"] == 2
    # min_dwellings: a wijk of 5 is too small for the rule
    r = check(
        ds,
        area_share,
        v["zuid0"],
        zuid,
        layers,
        group="area",
        zone=WIJK,
        max_share=Decimal("0.10"),
        min_dwellings=6,
    )
    assert r.outcome == "not_applicable" and r.measured["dwellings"] == 5


def test_area_share_outside_every_area(
    area: tuple[Dataset, dict[str, str], dict[str, ZoningLayer]],
) -> None:
    ds, v, layers = area
    r = check(
        ds, area_share, v["buiten"], [], layers, group="area", zone=WIJK, max_share=Decimal("0.05")
    )
    assert r.outcome == "not_applicable"
    assert "wijken" in r.message
    # a name filter that excludes the application's wijk
    r = check(
        ds,
        area_share,
        v["noord0"],
        [],
        layers,
        group="area",
        zone={"layer": "wijken", "names": ["zuid"]},
        max_share=Decimal("0.05"),
    )
    assert r.outcome == "not_applicable"


def test_area_share_members_are_cached(
    area: tuple[Dataset, dict[str, str], dict[str, ZoningLayer]],
) -> None:
    ds, v, layers = area
    check(
        ds, area_share, v["noord3"], [], layers, group="area", zone=WIJK, max_share=Decimal("0.10")
    )
    members = ds.derived.get(("area_members", layers["wijken"], 0), lambda: None)
    assert members is not None  # made by the check, kept by the dataset
    assert sorted(ds.unit_identificatie(int(u)) for u in members) == sorted(
        v[f"noord{i}"] for i in range(20)
    )
    again = area_share.area_members(ds, layers["wijken"], 0)
    assert again is members


def test_area_share_per_pand(area: tuple[Dataset, dict[str, str], dict[str, ZoningLayer]]) -> None:
    ds, v, _ = area
    r = check(
        ds, area_share, v["flat0"], [entry(v["flat1"])], group="pand", max_share=Decimal("0.25")
    )
    assert r.outcome == "pass"  # 2 of 8 = 25%; the shop does not count as a dwelling
    assert r.measured["dwellings"] == 8 and r.measured["existing"] == 1
    assert ids(r, "same_pand") == [v["flat1"]]
    pand = ds.footprint_identificatie(int(ds.unit_fps.members(ds.unit_index(v["flat0"]))[0]))
    assert r.measured["pand"] == [pand]
    r = check(
        ds,
        area_share,
        v["flat0"],
        [entry(v["flat1"]), entry(v["flat2"])],
        group="pand",
        max_share=Decimal("0.25"),
    )
    assert r.outcome == "fail" and r.measured["after"] == 3
    # counted entry on the shop is not a dwelling of the group
    r = check(
        ds,
        area_share,
        v["flat0"],
        [entry(v["flat1"]), entry(v["winkel"])],
        group="pand",
        max_share=Decimal("0.25"),
    )
    assert r.outcome == "pass" and r.measured["existing"] == 1
    r = check(
        ds, area_share, v["flat0"], [], group="pand", max_share=Decimal("0.25"), min_dwellings=10
    )
    assert r.outcome == "not_applicable" and r.limit["min_dwellings"] == 10
    # a single house: 1/1 = 100% > 25%
    r = check(ds, area_share, v["noord0"], [], group="pand", max_share=Decimal("0.25"))
    assert r.outcome == "fail" and r.measured["dwellings"] == 1


def test_area_share_validation() -> None:
    with pytest.raises(ValidationError, match="zone"):
        area_share.Params(group="area", max_share=Decimal("0.05"))
    with pytest.raises(ValidationError, match="zone"):
        area_share.Params(group="pand", max_share=Decimal("0.05"), zone={"layer": "wijken"})
    with pytest.raises(ValidationError, match="max_share"):
        area_share.Params(group="pand", max_share=Decimal("1.5"))
    ok = area_share.Params(group="area", zone={"layer": "wijken"}, max_share=Decimal("0.05"))
    assert ok.zone is not None and ok.zone.layer == "wijken"


@settings(max_examples=60, deadline=None)
@given(
    first_from=st.integers(-400, 400),
    first_days=st.one_of(st.none(), st.integers(0, 800)),
    second_from=st.integers(-400, 400),
    second_days=st.one_of(st.none(), st.integers(0, 800)),
)
def test_overlapping_grants_on_conflicting_dwellings_conflict_whatever_the_dates(
    adj: tuple[Dataset, dict[str, str]],
    first_from: int,
    first_days: int | None,
    second_from: int,
    second_days: int | None,
) -> None:
    """A granted permit counts against an application exactly when their periods overlap."""
    ds, v = adj
    start = DAY + dt.timedelta(days=first_from)
    until = None if first_days is None else start + dt.timedelta(days=first_days)
    app_day = DAY + dt.timedelta(days=second_from)
    app_until = None if second_days is None else app_day + dt.timedelta(days=second_days)
    grant = entry(v["rij7"], valid_from=start, valid_until=until)
    overlap = (until is None or until >= app_day) and (app_until is None or start <= app_until)
    app = Application(
        unit=ds.unit_index(v["rij5"]),
        kind="arbeidsmigranten",
        persons=4,
        date=app_day,
        valid_until=app_until,
    )
    overlay = RegisterOverlay.build(ds, RegisterSnapshot((grant,), "prop"))
    p = not_adjacent.Params()
    spec = RuleSpec("naast", not_adjacent.NAME, p, "test", ("arbeidsmigranten",), {}, ())
    result = not_adjacent.evaluate(spec, p, Context(ds, overlay, app, {}))
    assert (result.outcome == "fail") == overlap
