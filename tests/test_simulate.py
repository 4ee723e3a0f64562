"""Simulations: the vectorised paths agree with the per-application check, dwelling by dwelling
(on the real Weesp extract and on generated registers); partitions concatenate; compare and
capacity; the planner's commands write their folders."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import Town
from conftest import REPO, WEESP, need, run_cli
from spreidingstoets.domain.model import Application
from spreidingstoets.domain.register import RegisterEntry, RegisterSnapshot
from spreidingstoets.engine import evaluate
from spreidingstoets.ruleset import load_ruleset
from spreidingstoets.ruletypes.base import RegisterOverlay
from spreidingstoets.simulate import SimulationResult, simulate
from spreidingstoets.simulate.capacity import capacity
from spreidingstoets.simulate.compare import Comparison

BENCH_RULES = REPO / "benchmarks" / "bench_rules.yaml"
KINDS = ("arbeidsmigranten", "kamerverhuur")
STATUSES = ("granted", "pending", "tolerated", "revoked", "illegal")


def disagreements(ds, overlay, version, template, result: SimulationResult) -> list[str]:  # type: ignore[no-untyped-def]
    """Every dwelling's overall outcome, rule outcomes and figures from ``result`` against the
    per-application engine."""
    found = []
    for i, unit in enumerate(result.units.tolist()):
        verdict = evaluate(dataclasses.replace(template, unit=unit), ds, overlay, version)
        if verdict.outcome != result.overall[i]:
            found.append(f"{unit}: overall {verdict.outcome} != {result.overall[i]}")
        for ro in verdict.rules:
            rr = result.rule(ro.rule)
            if rr.outcome[i] != ro.outcome:
                found.append(f"{unit} {ro.rule}: {ro.outcome} != {rr.outcome[i]}")
            for key, values in rr.figures.items():
                want = ro.measured.get(key, ro.limit.get(key))
                got = values[i]
                if isinstance(got, float) and math.isnan(got):
                    got = None
                if want != got:
                    found.append(f"{unit} {ro.rule}.{key}: {want!r} != {got!r}")
    return found


def random_register(ds, seed: int, n: int) -> RegisterOverlay:  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    dwellings = np.flatnonzero(ds.woning).tolist()
    entries = tuple(
        RegisterEntry(
            id=i + 1,
            verblijfsobject_id=ds.unit_identificatie(u),
            kind=rng.choice(KINDS),
            status=rng.choice(STATUSES),
            persons=4,
            valid_from=dt.date(2020, 1, 1),
        )
        for i, u in enumerate(rng.sample(dwellings, min(n, len(dwellings))))
    )
    return RegisterOverlay.build(ds, RegisterSnapshot(entries, f"random-{seed}"))


@pytest.fixture(scope="module")
def weesp_ws(sample_ws):  # type: ignore[no-untyped-def]
    from spreidingstoets.golden import source_workspace

    need(WEESP)
    return source_workspace(sample_ws, WEESP)


@pytest.mark.slow
@pytest.mark.parametrize("rules", ["tiel", "bench"])
def test_simulate_agrees_with_check_on_every_weesp_dwelling(weesp_ws, rules: str) -> None:  # type: ignore[no-untyped-def]
    # Tiel's rules on every dwelling; the benchmark set (Tiel's plus a 100 m distance rule) on
    # every third (CI time); 300 register entries of mixed kinds and statuses; every rule and
    # every figure.
    ds = weesp_ws.dataset
    overlay = random_register(ds, 11, 300)
    ruleset = weesp_ws.ruleset("tiel" if rules == "tiel" else str(BENCH_RULES))
    template = Application(unit=0, kind="arbeidsmigranten", persons=4, date=dt.date(2024, 1, 1))
    version = ruleset.version_on(template.date)
    dwellings = np.flatnonzero(ds.woning)[:: 1 if rules == "tiel" else 3]
    result = simulate(ds, overlay, version, template, dwellings)
    assert len(result) > 3000
    assert all(r.path in ("vectorised", "vectorised+exact") for r in result.rules)
    assert set(result.overall.tolist()) >= {"refused", "review"}
    assert disagreements(ds, overlay, version, template, result) == []


# ---- generated registers on generated streets -------------------------------------------------


def _town(rows: list[int], gaps: list[int]) -> Town:
    town = Town()
    a, b = town.street("Kwartelstraat"), town.street("Merelstraat")
    x = 0.0
    number = 1
    for length, gap in zip(rows, gaps, strict=True):
        for _ in range(length):
            town.house(a, number, x, 0.0)
            number += 2 if gap % 2 else 1
            x += 5.0
        x += float(gap)
    town.row(b, list(range(1, 9)), x=0.0, y=30.0)
    flats = town.pand(60.0, 30.0, 20.0, 12.0)
    for k in range(12):
        town.unit(b, 20, [flats], toevoeging=str(k + 1))
    return town


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=st.lists(st.integers(1, 6), min_size=1, max_size=4),
    gaps=st.lists(st.integers(0, 12), min_size=4, max_size=4),
    seed=st.integers(0, 10_000),
    share=st.sampled_from(["0.10", "0.25", "0.5"]),
    radius=st.sampled_from([8, 20, 60]),
)
def test_vectorised_paths_agree_on_generated_registers(
    tmp_path_factory, rows, gaps, seed, share, radius
) -> None:  # type: ignore[no-untyped-def]
    town = _town(rows, gaps[: len(rows)])
    ds = town.build(tmp_path_factory.mktemp("town"))
    rng = random.Random(seed)
    overlay = random_register(ds, seed, rng.randint(0, int(ds.woning.sum())))
    folder = tmp_path_factory.mktemp("rules")
    text = BENCH_RULES.read_text().replace("max_share: 0.10", f"max_share: {share}")
    text = text.replace("radius_m: 100", f"radius_m: {radius}").replace('"0457"', '"9999"')
    (folder / "bench.yaml").write_text(text)
    version = load_ruleset("bench", folder).version_on(dt.date(2026, 3, 1))
    template = Application(unit=0, kind="kamerverhuur", persons=3, date=dt.date(2026, 3, 1))
    everything = np.arange(ds.n_units)  # dwellings, counted ones and all, as a planner may ask
    result = simulate(ds, overlay, version, template, everything)
    assert disagreements(ds, overlay, version, template, result) == []
    reference = simulate(ds, overlay, version, template, everything, vectorised=False)
    assert np.array_equal(reference.overall, result.overall)


def test_partitions_concatenate_to_the_whole(sample_ws) -> None:  # type: ignore[no-untyped-def]
    ds, overlay = sample_ws.dataset, sample_ws.overlay()
    version = sample_ws.ruleset("tiel").version_on(dt.date(2026, 3, 1))
    template = Application(unit=0, kind="kamerverhuur", persons=4, date=dt.date(2026, 3, 1))
    units = np.flatnonzero(ds.woning)
    whole = simulate(ds, overlay, version, template, units)
    parts = [simulate(ds, overlay, version, template, p) for p in np.array_split(units, 3)]
    joined = SimulationResult.concat(parts)
    assert np.array_equal(joined.units, whole.units)
    assert np.array_equal(joined.overall, whole.overall)
    for a, b in zip(joined.rules, whole.rules, strict=True):
        assert np.array_equal(a.outcome, b.outcome)
        for key in b.figures:
            assert np.array_equal(
                np.asarray(a.figures[key], dtype=object), np.asarray(b.figures[key], dtype=object)
            ) or np.allclose(a.figures[key], b.figures[key], equal_nan=True)


def test_a_rule_without_vectorised_path_is_looped_and_says_so(sample_ws) -> None:  # type: ignore[no-untyped-def]
    # Zoning by the address point has no vectorised path: looped per application, same answers
    # (by footprint it is evaluated once per pand).
    ds, overlay = sample_ws.dataset, sample_ws.overlay()
    ruleset = sample_ws.ruleset("westland", sets=["westland.bestemming.measure=point"])
    version = ruleset.version_on(dt.date(2026, 3, 1))
    template = Application(
        unit=0, kind="arbeidsmigranten", persons=4, beds=120, date=dt.date(2026, 3, 1)
    )
    units = np.flatnonzero(np.char.startswith(ds.unit_id, b"1783") & ds.woning)
    result = simulate(ds, overlay, version, template, units)
    assert result.rule("bestemming").path == "per_application"
    assert result.rule("bestemming").exact == len(units)
    assert disagreements(ds, overlay, version, template, result) == []


# ---- compare and capacity ------------------------------------------------------------------------


def test_a_larger_street_share_only_loosens(sample_ws) -> None:  # type: ignore[no-untyped-def]
    ds, overlay = sample_ws.dataset, sample_ws.overlay()
    template = Application(unit=0, kind="kamerverhuur", persons=4, date=dt.date(2026, 3, 1))
    units = np.flatnonzero(np.char.startswith(ds.unit_id, b"0281") & ds.woning)
    ten = sample_ws.ruleset("tiel")
    twenty = sample_ws.ruleset("tiel", sets=["tiel.straat.max_share=0.20"])
    comparison = Comparison(
        simulate(ds, overlay, ten, template, units),
        simulate(ds, overlay, twenty, template, units),
        "10%",
        "20%",
    )
    counts = comparison.counts()
    assert counts["stricter"] == 0 and counts["looser"] > 0
    flipped = comparison.direction() == "looser"
    # every dwelling that flips was refused by the street rule and by it alone
    street = comparison.a.rule("straat").outcome[flipped]
    assert set(street.tolist()) == {"fail"}


def assert_valid_and_maximal(ds, overlay, version, template, units, runs) -> None:  # type: ignore[no-untyped-def]
    """Each grant fitted on the register with the grants before it; afterwards none fits."""
    tested = dataclasses.replace(
        version, rules=tuple(r for r in version.rules if r.type != "livability_review")
    )
    for run in runs:
        state = overlay
        for n, unit in enumerate(run.granted.tolist(), 1):  # each grant fitted when it was made
            app = dataclasses.replace(template, unit=unit)
            assert evaluate(app, ds, state, tested).outcome == "allowed"
            entry = RegisterEntry(
                -n, ds.unit_identificatie(unit), template.kind, "granted", 4, None, template.date
            )
            state = state.with_changes([entry], f"replay+{n}")
        rest = np.setdiff1d(units, run.granted)
        after = simulate(ds, state, tested, template, rest)
        assert "allowed" not in after.overall.tolist()  # nothing fits any more


def test_capacity_allocations_are_valid_and_maximal(sample_ws) -> None:  # type: ignore[no-untyped-def]
    ds, overlay = sample_ws.dataset, sample_ws.overlay()
    version = sample_ws.ruleset("tiel").version_on(dt.date(2026, 3, 1))
    template = Application(unit=0, kind="kamerverhuur", persons=4, date=dt.date(2026, 3, 1))
    from spreidingstoets.ruletypes.base import Counted
    from spreidingstoets.ruletypes.bulk import period_of

    counted = overlay.counted_mask(period_of(template), Counted())
    units = np.flatnonzero(np.char.startswith(ds.unit_id, b"0281") & ds.woning & ~counted)
    result = capacity(ds, overlay, version, template, units, orders=3, seed=5)
    assert len(result.runs) == 4 and result.runs[-1].order == "spreiding"
    assert "leefbaarheid" in " ".join(result.left_out)
    assert 0 < result.stats()["min"] <= result.stats()["max"] <= result.upper_bound
    assert_valid_and_maximal(ds, overlay, version, template, units, result.runs)
    # the same seed gives the same allocation
    again = capacity(ds, overlay, version, template, units, orders=1, seed=5, spread=False)
    assert np.array_equal(again.runs[0].granted, result.runs[0].granted)


# ---- the commands ---------------------------------------------------------------------------------


def test_simulate_command_writes_its_folder(tmp_path: Path) -> None:
    out = tmp_path / "sim"
    done = run_cli(
        "simulate", "--rules", "aalsmeer", "--persons", "6", "--date", "2026-03-01",
        "--areas", "gebieden", "--out", str(out), "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["candidates"] == sum(summary["outcomes"].values()) > 0
    names = {p.name for p in out.iterdir()}
    assert {"woningen.csv", "straten.csv", "gebieden.csv", "simulatie.gpkg", "simulatie.geojson",
            "kaart.png", "samenvatting.html", "samenvatting.json"} <= names  # fmt: skip
    assert (out / "kaart.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = (out / "samenvatting.html").read_text()
    assert "data:image/png;base64," in page and "Per gebied" in page
    import pyogrio

    layers = {name for name, _ in pyogrio.list_layers(out / "simulatie.gpkg")}
    assert layers == {"woningen", "straten"}
    frame = pyogrio.read_dataframe(out / "simulatie.gpkg", layer="woningen")
    assert len(frame) == summary["candidates"] and frame.crs.to_epsg() == 28992
    # a second run into the same folder is refused without --force, and writes nothing
    before = (out / "woningen.csv").read_bytes()
    again = run_cli("simulate", "--rules", "aalsmeer", "--persons", "6", "--out", str(out))
    assert again.returncode == 2 and "--force" in again.stderr
    assert (out / "woningen.csv").read_bytes() == before


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--rules", "tiel", "--out", "x"], "--persons"),
        (["--persons", "4", "--out", "x"], "--rules"),
        (["--rules", "tiel", "--persons", "4", "--street", "Nergensstraat"], "Nergensstraat"),
        (["--rules", "tiel", "--persons", "4", "--bbox", "1,2,3"], "--bbox"),
        (["--rules", "tiel", "--persons", "4", "--areas", "stadsdelen"], "stadsdelen"),
    ],
)
def test_simulate_bad_input_is_one_dutch_line(tmp_path: Path, args: list[str], words: str) -> None:
    done = run_cli("simulate", *args, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert words in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "x").exists() and not (tmp_path / "simulatie").exists()


def test_compare_and_capacity_commands(tmp_path: Path) -> None:
    done = run_cli(
        "compare", "--rules", "tiel", "--set-b", "tiel.straat.max_share=0.20", "--kind",
        "kamerverhuur", "--persons", "4", "--date", "2026-03-01", "--out", str(tmp_path / "c"),
        "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["flips"]["looser"] > 0 and summary["flips"]["stricter"] == 0
    assert (tmp_path / "c" / "vergelijking.gpkg").is_file()
    compared = pd.read_csv(tmp_path / "c" / "vergelijking.csv", dtype=str)
    assert "Kwartelstraat" in set(compared["straat"])  # the street's name, not an outcome
    same = run_cli("compare", "--rules", "tiel", "--persons", "4", "--out", str(tmp_path / "d"))
    assert same.returncode == 2 and "--set-b" in same.stderr
    done = run_cli(
        "capacity", "--rules", "tiel", "--kind", "kamerverhuur", "--persons", "4", "--date",
        "2026-03-01", "--orders", "2", "--out", str(tmp_path / "k"), "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["min"] <= summary["median"] <= summary["max"] <= summary["upper_bound"]
    assert len(summary["runs"]) == 3 and summary["assumptions"]
    assert "Straatregel" in summary["upper_bound_reason"]
    assert (tmp_path / "k" / "toewijzing.csv").is_file()


def test_rule_columns_never_hide_the_location(tmp_path: Path) -> None:
    """Tiel's street rule is called ``straat``, as the street column is: each rule's outcome
    is ``<rule>.uitkomst``, and ``straat`` holds the street's name."""
    out = tmp_path / "t"
    done = run_cli(
        "simulate", "--rules", "tiel", "--persons", "4", "--date", "2026-03-01",
        "--street", "Kwartelstraat", "--out", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(out / "woningen.csv", dtype=str)
    assert set(table["straat"]) == {"Kwartelstraat"}
    assert set(table["straat.uitkomst"]) <= {"voldoet", "voldoet niet", "beoordelen", "n.v.t."}
    assert table.columns.is_unique
    import pyogrio

    frame = pyogrio.read_dataframe(out / "simulatie.gpkg", layer="woningen")
    assert set(frame["straat"]) == {"Kwartelstraat"} and "straat.uitkomst" in frame.columns


EVERY_TYPE = """
id: alles
name: Elk regeltype met parameters buiten de standaard
gemeentecode: "0358"
versions:
  - version: "1"
    valid_from: 2000-01-01
    source: test
    kinds: [kamerverhuur, arbeidsmigranten, studenten, omzetting]
    rules:
      - {id: woning, type: dwelling_status, source: t}
      - id: personen
        type: max_persons
        source: t
        params:
          limit: 4
          zone_limits: [{zone: {layer: gebieden, names: [lint]}, limit: 6}]
          exception: {min_area_m2: 120, limit: 7}
      - {id: per_persoon, type: floor_area_per_person, source: t, params: {min_m2: 18}}
      - {id: oppervlakte, type: min_dwelling_area, source: t, params: {min_m2: 80, review_if_unknown: false}}
      - {id: straat, type: street_share, source: t, params: {max_share: 0.2, rounding: half_up}}
      - {id: wijk, type: area_share, source: t, params: {group: area, zone: {layer: gebieden}, max_share: 0.05, min_dwellings: 5}}
      - {id: pand, type: area_share, source: t, params: {group: pand, max_share: 0.25, rounding: ceil}}
      - {id: naast, type: not_adjacent, source: t, params: {house_numbers: 2}}
      - {id: ingesloten, type: not_enclosed, source: t, params: {max_pand_units: 4}}
      - id: afstand
        type: min_distance
        source: t
        params:
          radius_m: 60
          exempt_in: {layer: gebieden, names: [bedrijventerrein]}
          zone_radii: [{zone: {layer: gebieden, names: [lint]}, radius_m: 25}]
      - {id: afstand_punt, type: min_distance, source: t, params: {radius_m: 40, measure: point, review_band_m: 0, inclusive: true}}
      - {id: gesloten, type: closed_area, source: t, params: {zone: {layer: gebieden, names: [lint]}}}
      - {id: bedden, type: beds_per_location, source: t, params: {min_beds: 5, max_beds: 12}}
      - {id: leefbaarheid, type: livability_review, source: t, params: {radius_m: 50}}
      - id: bestemming
        type: zoning
        source: t
        params:
          layer: bestemmingsplan
          allowed: [Wonen]
          temporary: {designations: [Agrarisch - Glastuinbouw], max_years: 10}
"""


def test_every_rule_type_vectorised_agrees_on_the_sample(sample_ws, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "alles.yaml").write_text(EVERY_TYPE)
    ruleset = sample_ws.bind(load_ruleset("alles", tmp_path))
    ds, overlay = sample_ws.dataset, sample_ws.overlay()
    template = Application(
        unit=0, kind="arbeidsmigranten", persons=5, beds=6, date=dt.date(2026, 3, 1)
    )
    version = ruleset.version_on(template.date)
    result = simulate(ds, overlay, version, template, np.arange(ds.n_units))
    assert {r.rule: r.path for r in result.rules if r.path == "per_application"} == {}
    assert result.rule("bestemming").path == "per_location"
    assert result.rule("bestemming").exact < len(result)  # flats share their pand's answer
    for rule in ("wijk", "pand", "afstand", "gesloten", "bedden", "bestemming"):
        assert len(set(result.rule(rule).outcome.tolist())) > 1, rule
    assert disagreements(ds, overlay, version, template, result) == []


def test_selections_narrow_the_candidates(sample_ws) -> None:  # type: ignore[no-untyped-def]
    from spreidingstoets.errors import InputError, NotFoundError
    from spreidingstoets.service.simulations import Selection, parse_bbox, select_candidates

    ds, overlay = sample_ws.dataset, sample_ws.overlay()
    aalsmeer = sample_ws.ruleset("aalsmeer")
    template = Application(unit=0, kind="arbeidsmigranten", persons=4, date=dt.date(2026, 3, 1))

    def pick(**kw: object) -> np.ndarray:
        return select_candidates(ds, overlay, template, Selection(**kw), aalsmeer).units  # type: ignore[arg-type]

    everyone = pick()
    assert all(ds.unit_identificatie(u).startswith("0358") for u in everyone.tolist())
    assert ds.woning[everyone].all()
    lint = pick(area="gebieden=lint")
    assert 0 < len(lint) < len(everyone) and set(lint.tolist()) <= set(everyone.tolist())
    street = pick(streets=("Reigersbekweg",))
    assert {str(ds.street_naam[ds.unit_street[u]]) for u in street.tolist()} == {"Reigersbekweg"}
    x, y = ds.unit_xy[everyone[0]]
    box = pick(bbox=(x - 30, y - 30, x + 30, y + 30))
    assert everyone[0] in box and len(box) < len(everyone)
    with_counted = pick(include_counted=True)
    assert len(with_counted) > len(everyone)  # the sample's register counts some
    with pytest.raises(NotFoundError, match="bedoelt u"):
        pick(streets=("Reigersbekwg",))
    with pytest.raises(NotFoundError, match="lintt"):
        pick(area="gebieden=lintt")
    with pytest.raises(InputError, match="xmin"):
        parse_bbox("5,5,1,1")


@pytest.mark.slow
def test_capacity_on_weesp_is_valid_and_maximal(weesp_ws) -> None:  # type: ignore[no-untyped-def]
    # Real streets, flats and a register: the grants that capacity skips re-checking (no grant
    # since could change them) must still have fitted, and the allocation must be maximal.
    ds = weesp_ws.dataset
    overlay = random_register(ds, 3, 300)
    version = weesp_ws.ruleset("tiel").version_on(dt.date(2024, 1, 1))
    template = Application(unit=0, kind="arbeidsmigranten", persons=4, date=dt.date(2024, 1, 1))
    from spreidingstoets.ruletypes.base import Counted
    from spreidingstoets.ruletypes.bulk import period_of

    units = np.flatnonzero(ds.woning & ~overlay.counted_mask(period_of(template), Counted()))
    result = capacity(ds, overlay, version, template, units, orders=1, seed=2)
    assert result.stats()["max"] > 100
    assert_valid_and_maximal(ds, overlay, version, template, units, result.runs)


def test_every_ruleset_of_the_catalogue_agrees_on_the_sample(sample_ws) -> None:  # type: ignore[no-untyped-def]
    # Every municipality's rules, with their own parameters and rule types (those without a
    # vectorised path looped): the simulation gives each sample dwelling what check gives it.
    from spreidingstoets.ruleset import available_rulesets

    ds, overlay = sample_ws.dataset, sample_ws.overlay()
    units = np.flatnonzero(ds.woning)[::2]
    day = dt.date(2026, 3, 1)
    tried = []
    for name in available_rulesets(sample_ws.settings.rules_dir):
        ruleset = sample_ws.ruleset(name)
        version = next((v for v in ruleset.versions if v.applies_on(day)), None)
        if version is None:
            continue
        kind = version.kinds[0]
        template = Application(unit=0, kind=kind, persons=4, beds=40, date=day)
        result = simulate(ds, overlay, version, template, units)
        assert disagreements(ds, overlay, version, template, result) == [], name
        tried.append(name)
    assert len(tried) >= 10
