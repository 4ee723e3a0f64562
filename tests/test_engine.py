"""The engine end to end: rulesets, verdicts, reproducibility, invariants, and real data."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import Town
from conftest import RULES, run_cli
from spreidingstoets.domain.inputs import ApplicationInput
from spreidingstoets.domain.model import Application, verdict_json, verdict_schema
from spreidingstoets.domain.register import RegisterEntry, RegisterSnapshot
from spreidingstoets.engine import evaluate
from spreidingstoets.errors import InputError
from spreidingstoets.ruleset import RulesetError, load_ruleset, ruleset_schema
from spreidingstoets.service.checks import resolve

DAY = dt.date(2026, 11, 15)
BENCH_RULES = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_rules.yaml"


# ---- rulesets: strict validation with errors that name file, rule and key ---------------------


def _write(tmp_path: Path, text: str, name: str = "test.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


BASE = """\
id: test
name: Test
gemeentecode: "0281"
versions:
  - version: "1"
    valid_from: 2020-01-01
    source: test
    kinds: [kamerverhuur]
    rules:
      - id: straat
        type: {type}
        source: art. 1
        params: {params}
"""


@pytest.mark.parametrize(
    ("rtype", "params", "message"),
    [
        ("street_shar", "{max_share: 0.1}", "bedoelt u 'street_share'"),
        (
            "street_share",
            "{max_share: 0.1, maxshare: 2}",
            "regel 'straat' (street_share): params.maxshare: onbekende sleutel",
        ),
        (
            "street_share",
            "{max_share: 1.5}",
            "params.max_share: mag hoogstens 1 zijn",
        ),
        ("street_share", "{max_share: 0.1, rounding: up}", "params.rounding"),
        ("min_distance", "{radius_m: -5}", "params.radius_m: moet groter zijn dan 0"),
        ("min_distance", "{radius_m: 100 m}", "params.radius_m"),
    ],
)
def test_ruleset_errors_name_file_rule_and_key(
    tmp_path: Path, rtype: str, params: str, message: str
) -> None:
    path = _write(tmp_path, BASE.format(type=rtype, params=params))
    with pytest.raises(RulesetError) as exc:
        load_ruleset(path, RULES)
    assert str(path) in str(exc.value)
    assert message in str(exc.value)


def test_ruleset_duplicate_keys_and_bad_dates(tmp_path: Path) -> None:
    dup = _write(
        tmp_path, BASE.format(type="street_share", params="{max_share: 0.1, max_share: 0.2}")
    )
    with pytest.raises(RulesetError, match=r"sleutel 'max_share' staat er twee keer in: regel \d+"):
        load_ruleset(dup, RULES)
    bad_date = _write(
        tmp_path,
        BASE.replace("2020-01-01", "2020-13-01").format(
            type="street_share", params="{max_share: 0.1}"
        ),
    )
    with pytest.raises(RulesetError, match="versie '1': valid_from"):
        load_ruleset(bad_date, RULES)
    unknown_top = _write(
        tmp_path, BASE.format(type="street_share", params="{max_share: 0.1}") + "extra: 1\n"
    )
    with pytest.raises(RulesetError, match="extra: onbekende sleutel"):
        load_ruleset(unknown_top, RULES)


def test_overlapping_versions_are_refused(tmp_path: Path) -> None:
    text = BASE.format(type="street_share", params="{max_share: 0.1}")
    version = text[text.index("  - version:") :]
    second = version.replace('version: "1"', 'version: "2"').replace("2020-01-01", "2021-01-01")
    path = _write(tmp_path, text + second)
    with pytest.raises(RulesetError, match="versies '1' en '2' overlappen"):
        load_ruleset(path, RULES)
    closed = text.replace(
        "    source: test\n", "    valid_until: 2020-12-31\n    source: test\n", 1
    )
    assert len(load_ruleset(_write(tmp_path, closed + second, "ok.yaml"), RULES).versions) == 2


def test_set_and_variant_change_parameters_and_hash(tmp_path: Path) -> None:
    base = load_ruleset("tiel", RULES).version_on(DAY)
    changed = load_ruleset("tiel", RULES, sets=["tiel.straat.max_share=0.15"]).version_on(DAY)
    assert {r.id: r.parameters for r in changed.rules}["straat"]["max_share"] == "0.15"
    assert changed.sha256 != base.sha256 and changed.variant == "tiel.straat.max_share=0.15"
    variant = _write(
        tmp_path,
        "variant: groningen\nbase: tiel\nset: {straat.max_share: 0.15}\nremove: [leefbaarheid]\n",
    )
    v = load_ruleset("tiel", RULES, variant=variant).version_on(DAY)
    assert [r.id for r in v.rules] == [r.id for r in base.rules if r.id != "leefbaarheid"]
    with pytest.raises(RulesetError, match=r"geen regel 'strat'.*bedoelt u 'straat'"):
        load_ruleset("tiel", RULES, sets=["tiel.strat.max_share=0.15"])
    with pytest.raises(InputError, match=r"onbekende regelset 'teil'.*bedoelt u 'tiel'"):
        load_ruleset("teil", RULES)


def test_schemas_describe_rule_types() -> None:
    schema = ruleset_schema()
    assert set(schema["$defs"]["RuleDef"]["properties"]["type"]["enum"]) >= {
        "street_share",
        "min_distance",
    }
    assert "max_share" in schema["$defs"]["params_street_share"]["properties"]
    assert verdict_schema()["properties"]["outcome"]["enum"] == ["allowed", "refused", "review"]


# ---- verdicts on the sample --------------------------------------------------------------------


def test_verdict_has_provenance_and_validates_against_schema(sample_ws, sample_ds) -> None:  # type: ignore[no-untyped-def]
    from jsonschema import validate

    snapshot = sample_ws.overlay()
    ruleset = load_ruleset("tiel", RULES)
    given = ApplicationInput(address="Kwartelstraat 7 Tiel", kind="arbeidsmigranten", persons=4)
    app = resolve(sample_ws, given, DAY)
    verdict = evaluate(app, sample_ds, snapshot, ruleset.version_on(DAY))
    data = json.loads(verdict_json(verdict))
    validate(data, verdict_schema())
    prov = data["provenance"]
    assert prov["ruleset"] == "tiel" and prov["ruleset_version"] == "2023"
    assert prov["dataset_sha256"] == sample_ds.sha256 and prov["register_revision"].startswith(
        "sample@"
    )
    assert data["application"]["verblijfsobject"] == "0281010000000004"
    assert all(r["source"] for r in data["rules"])
    # recomputing gives the same bytes
    again = evaluate(app, sample_ds, snapshot, ruleset.version_on(DAY))
    assert verdict_json(again) == verdict_json(verdict)


def test_check_cli_json_exit_codes_and_bad_input() -> None:
    refused = run_cli(
        "check",
        "Kwartelstraat 7 Tiel",
        "--rules",
        "tiel",
        "--persons",
        "4",
        "--date",
        "2026-11-15",
        "--json",
    )
    assert refused.returncode == 1
    assert json.loads(refused.stdout)["outcome"] == "refused"
    allowed = run_cli(
        "check",
        "Reigersbekweg 25 Aalsmeer",
        "--rules",
        "aalsmeer",
        "--persons",
        "6",
        "--date",
        "2026-03-01",
        "--json",
    )
    assert allowed.returncode == 0, allowed.stderr
    for args, text in [
        (["Nergensstraat 1 Tiel", "--persons", "4"], "geen straat 'nergensstraat' gevonden"),
        (["Kwartelstraat 7 Tiel", "--persons", "4", "--rules", "teil"], "bedoelt u 'tiel'"),
        (["Kwartelstraat 7 Tiel"], "geef het aantal personen met --persons"),
        (["Kwartelstraat 7 Tiel", "--persons", "0"], "minstens 1"),
        (["Kwartelstraat 7 Tiel", "--persons", "-3"], "minstens 1"),
        (["Kwartelstraat 7 Tiel", "--persons", "four"], "geheel getal"),
        (
            ["Kwartelstraat 7 Tiel", "--persons", "4", "--date", "2017-01-01"],
            "heeft geen versie die geldt",
        ),
        (
            ["Kwartelstraat 7 Tiel", "--persons", "4", "--kind", "arbeidsmigrant"],
            "bedoelt u 'arbeidsmigranten'",
        ),
    ]:
        result = run_cli("check", *args)
        assert result.returncode == 2, (args, result.stderr)
        assert text in result.stderr and "Traceback" not in result.stderr


def test_batch_writes_one_verdict_per_line_or_nothing(tmp_path: Path) -> None:
    good = tmp_path / "apps.csv"
    good.write_text(
        "address,kind,persons,date\nKwartelstraat 7 Tiel,arbeidsmigranten,4,2026-11-15\nKwartelstraat 19 Tiel,kamerverhuur,3,2026-11-15\n"
    )
    out = tmp_path / "verdicts.jsonl"
    result = run_cli("check", "--batch", str(good), "--rules", "tiel", "--out", str(out))
    assert result.returncode == 1, result.stderr  # one refused
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [v["outcome"] for v in lines] == ["refused", "review"]
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"address": "Kwartelstraat 7 Tiel", "kind": "arbeidsmigranten", "persons": 4}\n{"address": "Kwartelstraat 9 Tiel", "kind": "x", "persons": 4}\n'
    )
    out2 = tmp_path / "none.jsonl"
    result = run_cli("check", "--batch", str(bad), "--rules", "tiel", "--out", str(out2))
    assert result.returncode == 2 and "regel 2: soort gebruik 'x' bestaat niet" in result.stderr
    assert not out2.exists()


# ---- invariants (hypothesis) on a synthetic street ----------------------------------------------


@pytest.fixture(scope="module")
def street_world(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    town = Town()
    s = town.street("Kwartelstraat")
    odd = town.row(s, list(range(1, 41, 2)))
    even = town.row(s, list(range(2, 42, 2)), y=26)
    far = town.street("Verreweg")
    far_units = town.row(far, list(range(1, 21, 2)), x=2000, y=2000)
    ds = town.build(tmp_path_factory.mktemp("world"))
    return ds, odd + even, far_units


def _snapshot(ds, ids: list[str], tag: str) -> RegisterSnapshot:  # type: ignore[no-untyped-def]
    return RegisterSnapshot(
        tuple(
            RegisterEntry(id=i + 1, verblijfsobject_id=v, kind="kamerverhuur", status="granted")
            for i, v in enumerate(ids)
        ),
        tag,
    )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_adding_an_uncounted_entry_never_changes_outcomes(street_world, data) -> None:  # type: ignore[no-untyped-def]
    ds, units, far_units = street_world
    version = load_ruleset(BENCH_RULES, RULES).version_on(DAY)
    counted = data.draw(st.lists(st.sampled_from(units), max_size=6, unique=True))
    target = data.draw(st.sampled_from(units))
    app = Application(unit=ds.unit_index(target), kind="kamerverhuur", persons=4, date=DAY)
    before = evaluate(app, ds, _snapshot(ds, counted, "a"), version)
    # an entry that does not count: revoked, or of a kind the rules do not count, or expired
    extra = data.draw(st.sampled_from(units + far_units))
    status = data.draw(st.sampled_from(["revoked", "expired"]))
    snap = _snapshot(ds, counted, "b")
    snap = RegisterSnapshot(
        (
            *snap.entries,
            RegisterEntry(id=999, verblijfsobject_id=extra, kind="kamerverhuur", status=status),
        ),
        "b",
    )
    after = evaluate(app, ds, snap, version)
    decisive = {"straat", "naast", "ingesloten", "afstand"}
    assert {r.rule: r.outcome for r in before.rules if r.rule in decisive} == {
        r.rule: r.outcome for r in after.rules if r.rule in decisive
    }


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.data(),
    share=st.decimals("0.01", "0.5", places=2),
    bump=st.decimals("0.01", "0.5", places=2),
)
def test_raising_the_share_never_turns_pass_into_fail(street_world, data, share, bump) -> None:  # type: ignore[no-untyped-def]
    ds, units, _ = street_world
    counted = data.draw(st.lists(st.sampled_from(units), max_size=10, unique=True))
    target = data.draw(st.sampled_from(units))
    app = Application(unit=ds.unit_index(target), kind="kamerverhuur", persons=4, date=DAY)
    snap = _snapshot(ds, counted, "c")
    low = load_ruleset(BENCH_RULES, RULES, sets=[f"bench.straat.max_share={share}"]).version_on(DAY)
    high = load_ruleset(
        BENCH_RULES, RULES, sets=[f"bench.straat.max_share={min(share + bump, 1)}"]
    ).version_on(DAY)
    lo = {r.rule: r for r in evaluate(app, ds, snap, low).rules}["straat"]
    hi = {r.rule: r for r in evaluate(app, ds, snap, high).rules}["straat"]
    assert not (lo.outcome == "pass" and hi.outcome == "fail")
    # the reported share equals count / total
    m = lo.measured
    assert m["share_after"] == pytest.approx(m["after"] / m["dwellings"])
    street_units = [
        u
        for u in counted
        if u != target and ds.unit_street[ds.unit_index(u)] == ds.unit_street[app.unit]
    ]
    assert m["existing"] == len(street_units)


# ---- real data: Weesp with a register of a few hundred entries ---------------------------------


def test_weesp_counts_adjacency_and_distances_agree_with_geopandas(weesp) -> None:  # type: ignore[no-untyped-def]
    ds = weesp
    rng = random.Random(11)
    woningen = [int(u) for u in np.flatnonzero(ds.woning)]
    counted = sorted(rng.sample(woningen, 300))
    snap = RegisterSnapshot(
        tuple(
            RegisterEntry(
                id=i + 1,
                verblijfsobject_id=ds.unit_identificatie(u),
                kind="arbeidsmigranten",
                status="granted",
            )
            for i, u in enumerate(counted)
        ),
        "weesp@1",
    )
    version = load_ruleset(BENCH_RULES, RULES).version_on(DAY)
    # independent picture: geopandas frames of counted footprints and of all dwellings
    fp_rows = [(u, int(f)) for u in counted for f in ds.unit_fps.members(u)]
    counted_fp = gpd.GeoDataFrame(
        {"unit": [u for u, _ in fp_rows]},
        geometry=[ds.footprints.geom(f) for _, f in fp_rows],
        crs="EPSG:28992",
    )
    streets = ds.unit_street
    checked = 0
    for u in rng.sample([w for w in woningen if w not in set(counted)], 150):
        verdict = evaluate(
            Application(unit=u, kind="arbeidsmigranten", persons=4, date=DAY), ds, snap, version
        )
        rules = {r.type: r for r in verdict.rules}
        # street share: counted dwellings on the same openbare ruimte
        same_street = [c for c in counted if streets[c] == streets[u]]
        assert rules["street_share"].measured["existing"] == len(same_street)
        assert rules["street_share"].measured["dwellings"] == int(
            (ds.woning & (streets == streets[u])).sum()
        )
        own = shapely.union_all(ds.footprints.geoms(ds.unit_fps.members(u)))
        dist = counted_fp.distance(own).groupby(counted_fp["unit"]).min()
        adjacent = {ds.unit_identificatie(int(c)) for c, d in dist.items() if d <= 0.5}
        assert {e.verblijfsobject for e in rules["not_adjacent"].evidence} == adjacent
        near = {ds.unit_identificatie(int(c)): d for c, d in dist.items() if d < 101.0}
        got = {e.verblijfsobject: e.distance_m for e in rules["min_distance"].evidence}
        assert set(got) == set(near)
        for vbo, d in near.items():
            assert got[vbo] == pytest.approx(d, abs=0.006)
        checked += 1
    assert checked == 150


SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"


def test_published_schemas_are_current_and_rulesets_conform() -> None:
    import yaml
    from jsonschema import Draft202012Validator

    assert json.loads((SCHEMAS / "verdict.schema.json").read_text()) == verdict_schema()
    schema = json.loads((SCHEMAS / "ruleset.schema.json").read_text())
    assert schema == ruleset_schema(), (
        "run: spreidingstoets rules schema ruleset > schemas/ruleset.schema.json"
    )
    validator = Draft202012Validator(schema)
    for path in sorted((SCHEMAS.parent / "rules").glob("*.yaml")):
        data = json.loads(json.dumps(yaml.safe_load(path.read_text()), default=str))
        errors = sorted(validator.iter_errors(data), key=str)
        assert not errors, f"{path.name}: {errors[0].message}"
    bad = {
        "id": "x",
        "name": "x",
        "gemeentecode": "0281",
        "versions": [
            {
                "version": "1",
                "valid_from": "2020-01-01",
                "source": "s",
                "kinds": ["kamerverhuur"],
                "rules": [
                    {
                        "id": "r",
                        "type": "street_share",
                        "source": "s",
                        "params": {"max_share": 0.1, "maxshare": 1},
                    }
                ],
            }
        ],
    }
    assert any("maxshare" in e.message for e in validator.iter_errors(bad))


def test_rules_from_another_municipality_warn(weesp_dir: Path) -> None:
    result = run_cli(
        "check",
        "1382EJ 42",
        "--rules",
        "tiel",
        "--persons",
        "4",
        "--date",
        "2026-11-15",
        "--data",
        str(weesp_dir),
    )
    assert result.returncode in (0, 1), result.stderr
    assert (
        "regelset 'tiel' is van gemeente 0281, de aanvraag ligt in gemeente 0457"
        in result.stderr.replace("\n", " ")
    )


@pytest.mark.parametrize(
    ("share", "total", "expected"),
    [
        ("0.15", 10, {"exact": 1.5, "floor": 1, "ceil": 2, "half_up": 2}),
        ("0.15", 9, {"exact": 1.35, "floor": 1, "ceil": 2, "half_up": 1}),
        ("0.10", 5, {"exact": 0.5, "floor": 0, "ceil": 1, "half_up": 1}),
    ],
)
def test_allowed_count_per_rounding_mode(
    share: str, total: int, expected: dict[str, float]
) -> None:
    from decimal import Decimal

    from spreidingstoets.ruletypes.share import allowed_count

    for mode, value in expected.items():
        assert allowed_count(Decimal(share), total, mode) == pytest.approx(value), mode
