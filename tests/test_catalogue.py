"""The catalogue of rulesets: sources and [default] markers, rules catalogue / explain, the
rule-type features the catalogue needs (zone-layer attributes), and borrowing a ruleset."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
import yaml
from typer.testing import CliRunner

from conftest import RULES, run_cli
from spreidingstoets import cli
from spreidingstoets.errors import InputError
from spreidingstoets.golden import all_golden_cases, case_verdict
from spreidingstoets.ruleset import available_rulesets, load_ruleset
from spreidingstoets.ruleset.catalogue import catalogue, markdown, rows
from spreidingstoets.ruleset.explain import explain, explain_html, explain_plain
from spreidingstoets.ruleset.variant import RulesetError
from spreidingstoets.zoning import ZoningLayer
from spreidingstoets.zoning.parquet import read_layer, write_layer

NAMES = available_rulesets(RULES)
CATALOGUE = ["tilburg", "rotterdam", "eindhoven", "groningen", "denhaag", "heusden", "gennep"]
CATALOGUE += ["utrecht", "amsterdam"]


def test_twelve_rulesets_each_with_golden_cases() -> None:
    assert set(CATALOGUE) | {"tiel", "aalsmeer", "westland"} <= set(NAMES)
    covered = {g.ruleset for g in all_golden_cases(None, RULES)}
    assert set(NAMES) <= covered


@pytest.mark.parametrize("name", NAMES)
def test_every_rule_and_version_has_a_source(name: str) -> None:
    rs = load_ruleset(name, RULES)
    for v in rs.versions:
        assert v.source.strip(), f"{name} {v.version}: no source"
        for r in v.rules:
            assert len(r.source.strip()) >= 10, f"{name} {v.version} {r.id}: no real source"


def _default_markers(path: Path) -> list[tuple[int, str, tuple[Any, ...]]]:
    """(line, key, path in the document) of every key marked ``[default]`` in a ruleset file.

    A marker on a key's line belongs to that key (in a rule, to the parameter on that line:
    ``params: {radius_m: 30}  # [default]`` marks radius_m); a marker on a comment line of its
    own belongs to the key on the next line that holds one.
    """
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    keys: dict[int, tuple[str, tuple[Any, ...]]] = {}

    def is_param(path: tuple[Any, ...]) -> bool:
        return len(path) >= 6 and path[2] == "rules" and path[4] == "params"

    def walk(node: yaml.Node, at: tuple[Any, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                line, here = k.start_mark.line, (*at, k.value)
                if line not in keys or (is_param(here) and not is_param(keys[line][1])):
                    keys[line] = (k.value, here)
                walk(v, here)
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                walk(v, (*at, i))

    walk(yaml.compose(text), ())
    found = []
    for n, line in enumerate(lines):
        if "[default]" not in line:
            continue
        target = n
        if line.strip().startswith("#"):
            target = next((m for m in range(n + 1, len(lines)) if m in keys), -1)
            if target < 0 or n < 9:  # a marker in the header comment explains the convention
                continue
        if target in keys:
            found.append((n + 1, *keys[target]))
    return found


@pytest.mark.parametrize("name", NAMES)
def test_every_default_marker_is_listed_in_the_verdicts_it_affects(name: str, sample_ws) -> None:  # type: ignore[no-untyped-def]
    path = RULES / f"{name}.yaml"
    rs = load_ruleset(name, RULES)
    markers = _default_markers(path)
    for line, _key, where in markers:
        assert where[0] == "versions", f"{path.name}:{line}: [default] outside a version"
        version = rs.versions[0] if len(rs.versions) == 1 else None
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        vdef = raw["versions"][where[1]]
        version = rs.version_named(str(vdef["version"]))
        if where[2] in ("valid_from", "valid_until"):
            assert where[2] in version.assumed, f"{path.name}:{line}: {where[2]} not listed"
            expected = f"version.{where[2]}"
            affected = list(version.rules)
        else:
            assert where[2] == "rules" and where[4] == "params", f"{path.name}:{line}: {where}"
            rule = next(r for r in version.rules if r.id == vdef["rules"][where[3]]["id"])
            expected = str(where[5])
            affected = [rule]
        for r in affected:
            assert expected in r.assumed and expected in r.defaults, (
                f"{path.name}:{line}: {expected} not listed for rule {r.id}"
            )
    # ... and the verdict of a golden case of this ruleset states them, rule by rule
    case = next(g.case for g in all_golden_cases(None, RULES) if g.ruleset == name and not g.source)
    if case.expect.error:
        pytest.skip("first case expects an error")  # pragma: no cover - no such first case
    verdict = case_verdict(sample_ws, case, name)
    version = rs.version_on(case.date)
    for spec, outcome in zip(version.rules, verdict.rules, strict=True):
        assert set(spec.assumed) <= set(outcome.defaults), f"{name} {spec.id}"
    if name in CATALOGUE:  # every new ruleset marks at least one figure it had to choose
        assert markers


def test_defaults_naming_no_parameter_is_an_error(tmp_path: Path) -> None:
    data = yaml.safe_load((RULES / "groningen.yaml").read_text(encoding="utf-8"))
    data["versions"][0]["rules"][1]["defaults"] = ["max_sahre"]
    path = tmp_path / "groningen.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(RulesetError, match="max_sahre is geen parameter van street_share"):
        load_ruleset(path, tmp_path)


def test_catalogue_lists_every_rule_with_figures_and_source() -> None:
    doc = catalogue(RULES)
    assert [r["id"] for r in doc] == NAMES
    all_rows = rows([load_ruleset(n, RULES) for n in NAMES])
    assert len(all_rows) == sum(len(v["rules"]) for r in doc for v in r["versions"])
    by_rule = {(r["ruleset"], r["version"], r["rule"]): r for r in all_rows}
    tilburg = by_rule[("tilburg", "2022", "afstand")]
    assert "50 m" in tilburg["figures"] and "25 m in bedrijvig lint" in tilburg["figures"]
    assert "perceel" in tilburg["figures"] and tilburg["source"].startswith("gmb-2022-363833")
    assert by_rule[("rotterdam", "voorstel", "wijkquotum")]["figures"] == (
        "5% per gebied (wijken), woningen > 60 m²"
    )
    assert by_rule[("groningen", "2015", "straat")]["figures"] == "15% per straat"
    assert by_rule[("tiel", "2023", "personen")]["defaults"] == ["exception"]
    table = markdown(RULES)
    assert table.count("\n") == len(all_rows) + 2
    assert "| Gemeente Amsterdam - omzetting per trappenhuis (0363) |" in table


def test_explain_writes_one_paragraph_per_rule_with_its_source() -> None:
    for name in NAMES:
        rs = load_ruleset(name, RULES)
        texts = explain(rs)
        assert [t.version for t in texts] == [v.version for v in rs.versions]
        for t, v in zip(texts, rs.versions, strict=True):
            assert [r.id for r in t.rules] == [r.id for r in v.rules]
            for r, spec in zip(t.rules, v.rules, strict=True):
                assert r.source == spec.source and len(r.text) > 40
                assert "Regel van type" not in r.text  # every type has its own prose
        plain = explain_plain(rs)
        for v in rs.versions:
            for spec in v.rules:
                assert f"bron: {spec.source})" in plain
    tiel = explain_plain(load_ruleset("tiel", RULES), "2023")
    assert "Ten hoogste 10% van de woningen in een straat" in tiel
    assert "ten hoogste 4 personen" in tiel and "minstens 150 m²" in tiel
    assert "Versie 2018" not in tiel
    tilburg = explain_plain(load_ruleset("tilburg", RULES))
    assert "Binnen een straal van 50 meter, gemeten vanaf de kadastrale perceelgrens" in tilburg
    assert "In 'bedrijvig lint' (kaartlaag 'gebieden') is de straal 25 meter" in tilburg
    assert "[default]: de begindatum" in tilburg
    amsterdam = explain_plain(load_ruleset("amsterdam", RULES))
    assert "Ten hoogste 25% van de woningen aan hetzelfde trappenhuis" in amsterdam
    rotterdam = explain_plain(load_ruleset("rotterdam", RULES))
    assert "Op precies 50 meter voldoet de aanvraag niet" in rotterdam


def test_explain_html_escapes_and_anchors_each_rule() -> None:
    rs = load_ruleset("denhaag", RULES)
    page = explain_html(rs, "2021")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="nl">' in page
    assert page.count("<li ") == len(rs.version_named("2021").rules)
    assert 'id="2021-woz"' in page and "&#x27;woz_gemiddeld&#x27;" in page


def test_cli_catalogue_and_explain() -> None:
    runner = CliRunner()
    out = runner.invoke(cli.app, ["rules", "catalogue", "--json"])
    assert out.exit_code == 0, out.output
    assert {r["id"] for r in json.loads(out.stdout)} == set(NAMES)
    md = runner.invoke(cli.app, ["rules", "catalogue", "--markdown"])
    assert md.exit_code == 0 and md.stdout.startswith("| gemeente (code) |")
    table = runner.invoke(cli.app, ["rules", "catalogue"])
    assert table.exit_code == 0 and "tilburg" in table.stdout and "[default]" in table.stdout
    both = runner.invoke(cli.app, ["rules", "catalogue", "--json", "--markdown"])
    assert isinstance(both.exception, InputError) and "kies --json of --markdown" in str(
        both.exception
    )
    text = runner.invoke(cli.app, ["rules", "explain", "amsterdam"])
    assert text.exit_code == 0 and "trappenhuis" in text.stdout
    page = runner.invoke(cli.app, ["rules", "explain", "tiel", "--version", "2018", "--html"])
    assert page.exit_code == 0 and "<h2>Versie 2018</h2>" in page.stdout
    missing = run_cli("rules", "explain", "tiel", "--version", "2030")  # as a user sees it
    assert missing.returncode == 2 and "geen versie '2030'" in missing.stderr


def test_borrowing_a_ruleset_warns_about_the_gemeentecode() -> None:
    out = run_cli(
        "check", "Kwartelstraat 19 Tiel", "--rules", "groningen", "--kind", "kamerverhuur",
        "--persons", "4", "--date", "2026-11-15", "--json",
    )  # fmt: skip
    assert out.returncode == 1, out.stderr  # the omgevingstoets asks for review
    assert "regelset 'groningen' is van gemeente 0014" in out.stderr
    assert "ligt in gemeente 0281" in out.stderr
    verdict = json.loads(out.stdout)
    assert verdict["provenance"]["ruleset"] == "groningen"
    assert {r["rule"]: r["outcome"] for r in verdict["rules"]}["straat"] == "pass"


def test_zone_layer_attributes_survive_parquet_and_concat(tmp_path: Path) -> None:
    a = ZoningLayer(
        np.array([shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10)], dtype=object),
        np.array(["wijk", "wijk"], dtype=object),
        np.array(["Noord", "Zuid"], dtype=object),
        np.array(["w1", "w2"], dtype=object),
        np.array(["", ""], dtype=object),
        attributes={"woz_gemiddeld": np.array([310001, None], dtype=object)},
    )
    write_layer(a, tmp_path / "w.parquet")
    b = read_layer(tmp_path / "w.parquet")
    assert b.attribute("woz_gemiddeld", 0) == 310001 and b.attribute("woz_gemiddeld", 1) is None
    assert b.attribute("bewoners", 0) is None
    plain = ZoningLayer.from_records([shapely.box(30, 0, 40, 10)], ["Oost"])
    both = ZoningLayer.concat([b, plain])
    assert both.attributes["woz_gemiddeld"].tolist() == [310001, None, None]
    assert both.filter(names=["Noord"]).attribute("woz_gemiddeld", 0) == 310001


def test_sample_wijken_layer_carries_woz(sample_ds) -> None:  # type: ignore[no-untyped-def]
    wijken = sample_ds.layers["wijken"]
    values = dict(
        zip(wijken.naam.tolist(), wijken.attributes["woz_gemiddeld"].tolist(), strict=True)
    )
    assert values == {"Tiel-West": 285000, "Tiel-Oost": 345000, "Wadenoijen": None}
    assert dt.date(2026, 11, 15)  # the golden cases' check date lies in every current version
