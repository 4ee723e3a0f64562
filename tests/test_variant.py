"""Variants as objects: identity (sha256), composition, apply, diff, and errors naming what
the planner typed."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import RULES
from spreidingstoets.ruleset import RulesetError, Variant, load_ruleset
from spreidingstoets.ruleset.loader import read_ruleset_data

DAY_2023 = "2023"


def _variant_file(tmp_path: Path, body: str, name: str = "v.yaml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def test_sha256_follows_the_change_not_the_label() -> None:
    a = Variant.from_sets("tiel", ["tiel.straat.max_share=0.15"])
    b = Variant.from_sets("tiel", ["tiel.straat.max_share=0.15"])
    c = Variant.from_sets("tiel", ["tiel.straat.max_share=0.2"])
    assert a == b and a.sha256 == b.sha256 and hash(a) == hash(b)
    assert a.sha256 != c.sha256
    assert Variant.none("tiel").is_empty and Variant.none("tiel").label is None


def test_file_variant_then_sets_label_and_provenance(tmp_path: Path) -> None:
    path = _variant_file(
        tmp_path,
        "variant: vijftien\nbase: tiel\nset: {straat.max_share: 0.15}\nremove: [leefbaarheid]\n",
    )
    combined = Variant.from_file(path).then(Variant.from_sets("tiel", ["tiel.personen.limit=5"]))
    assert combined.label == "vijftien+tiel.personen.limit=5"
    rs = load_ruleset("tiel", RULES, variant=combined)
    version = rs.version_named(DAY_2023)
    rules = {r.id: r for r in version.rules}
    assert "leefbaarheid" not in rules
    assert str(rules["straat"].parameters["max_share"]) == "0.15"
    assert version.variant == combined.label


def test_apply_leaves_the_base_data_alone() -> None:
    data = read_ruleset_data(RULES / "tiel.yaml")
    before = repr(data)
    changed = Variant.from_sets("tiel", ["tiel.straat.max_share=0.3"]).apply(data)
    assert repr(data) == before
    assert changed != data


def test_diff_names_changed_parameters_and_rules(tmp_path: Path) -> None:
    base = load_ruleset("tiel", RULES)
    fifteen = Variant.from_sets("tiel", ["tiel.straat.max_share=0.15"])
    fewer = Variant.from_file(
        _variant_file(tmp_path, "variant: zonder\nbase: tiel\nremove: [leefbaarheid]\n")
    )
    lines = Variant.none("tiel").diff(fifteen, base)
    assert any("regel straat: max_share" in line and "0.15" in line for line in lines)
    assert all("straat" in line for line in lines)  # nothing else differs
    gone = Variant.none("tiel").diff(fewer, base)
    assert any("regel leefbaarheid: alleen in basis" in line for line in gone)
    assert Variant.none("tiel").diff(Variant.none("tiel"), base) == []


def test_variant_for_another_ruleset_is_refused(tmp_path: Path) -> None:
    path = _variant_file(tmp_path, "variant: x\nbase: aalsmeer\nset: {afstand.radius_m: 50}\n")
    with pytest.raises(RulesetError, match="variant is voor regelset 'aalsmeer'"):
        load_ruleset("tiel", RULES, variant=path)


def test_errors_name_the_option_typed_not_only_the_rule_file() -> None:
    with pytest.raises(RulesetError) as exc:
        load_ruleset("tiel", RULES, sets=["tiel.straat.max_share=abc"])
    assert str(exc.value).startswith(
        "--set 'tiel.straat.max_share=abc': maakt de regelset ongeldig"
    )
    assert "moet een getal zijn" in str(exc.value)


def test_remove_of_an_unknown_rule_names_the_rules(tmp_path: Path) -> None:
    path = _variant_file(tmp_path, "variant: x\nbase: tiel\nremove: [straatt]\n")
    with pytest.raises(RulesetError, match=r"geen regel\(s\) straatt \(regels: .*straat"):
        load_ruleset("tiel", RULES, variant=path)
