"""Golden cases: YAML files in ``rules/tests/`` with applications and the expected outcome per rule.

::

    ruleset: tiel
    cases:
      - name: straat met minder dan 10 woningen
        edge_case: a street with fewer than 10 dwellings
        address: Kortestraat 3 Tiel           # or verblijfsobject_id
        kind: arbeidsmigranten
        persons: 4
        date: 2026-03-01
        set: [tiel.straat.rounding=ceil]      # optional parameter overrides
        register_add:                          # optional extra register entries
          - {address: Kortestraat 5 Tiel, kind: kamerverhuur, status: granted}
        expect:
          outcome: refused
          rules: {straat: fail, personen: pass}
          measured: {straat: {dwellings: 6, existing: 0}}
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from spreidingstoets.dataset.address import find_address
from spreidingstoets.dataset.model import Dataset
from spreidingstoets.domain.register import RegisterSnapshot
from spreidingstoets.domain.vocabulary import Kind, Outcome, Overall, Status
from spreidingstoets.errors import InputError, SpreidingstoetsError
from spreidingstoets.register.db import validate_entry
from spreidingstoets.ruleset import RULES_DIR, load_ruleset, load_yaml
from spreidingstoets.service import check, make_application, open_snapshot


class ExtraEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    address: str | None = None
    verblijfsobject_id: str | None = None
    kind: Kind
    status: Status = "granted"
    persons: int | None = None
    beds: int | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    reference: str = "golden"


class Expect(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: Overall | None = None
    rules: dict[str, Outcome] = Field(default_factory=dict)
    measured: dict[str, dict[str, Any]] = Field(default_factory=dict)
    evidence: dict[str, list[str]] = Field(
        default_factory=dict, description="rule -> verblijfsobject ids that must be in its evidence"
    )
    error: str | None = Field(None, description="expect an input error containing this text")


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    edge_case: str | None = None
    address: str | None = None
    verblijfsobject_id: str | None = None
    kind: str = "arbeidsmigranten"
    persons: int | str = 1
    beds: int | None = None
    date: dt.date = dt.date(2026, 3, 1)
    valid_until: dt.date | None = None
    reason: str | None = None
    set: list[str] = Field(default_factory=list)
    register_add: list[ExtraEntry] = Field(default_factory=list)
    expect: Expect


class GoldenFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ruleset: str
    description: str | None = None
    cases: list[Case] = Field(min_length=1)


@dataclass
class CaseResult:
    file: str
    name: str
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class GoldenReport:
    cases: list[CaseResult]

    @property
    def passed(self) -> int:
        return sum(c.ok for c in self.cases)

    @property
    def failed(self) -> int:
        return len(self.cases) - self.passed

    def as_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "failed": self.failed,
            "cases": [
                {"file": c.file, "name": c.name, "ok": c.ok, "problems": c.problems}
                for c in self.cases
            ],
        }


def _with_entries(
    ds: Dataset, base: RegisterSnapshot, extra: list[ExtraEntry], tag: str
) -> RegisterSnapshot:
    if not extra:
        return base
    entries = list(base.entries)
    for e in extra:
        vbo = e.verblijfsobject_id or ds.unit_identificatie(find_address(ds, e.address or "").unit)
        fields = validate_entry(
            **e.model_dump(exclude={"address", "verblijfsobject_id"}), verblijfsobject_id=vbo
        )
        entries.append(fields.as_entry(len(entries) + 1, "golden case"))
    return RegisterSnapshot(tuple(entries), f"{base.revision}+{tag}")


def run_case(
    case: Case, ruleset_id: str, ds: Dataset, base: RegisterSnapshot, file: str
) -> CaseResult:
    result = CaseResult(file, case.name)
    try:
        ruleset = load_ruleset(ruleset_id, sets=case.set)
        snapshot = _with_entries(ds, base, case.register_add, case.name)
        app = make_application(
            ds,
            address=case.address,
            verblijfsobject_id=case.verblijfsobject_id,
            kind=case.kind,
            persons=case.persons,
            date=case.date,
            beds=case.beds,
            valid_until=case.valid_until,
            exception_reason=case.reason,
        )
        verdict = check(app, ds, snapshot, ruleset)
    except SpreidingstoetsError as exc:
        if case.expect.error and case.expect.error.lower() in str(exc).lower():
            return result
        result.problems.append(f"error: {exc}")
        return result
    if case.expect.error:
        result.problems.append(
            f"expected an error containing {case.expect.error!r}, got {verdict.outcome}"
        )
    if case.expect.outcome and verdict.outcome != case.expect.outcome:
        result.problems.append(
            f"overall: expected {case.expect.outcome}, got {verdict.outcome} ({verdict.message})"
        )
    by_id = {r.rule: r for r in verdict.rules}
    for rule, want in case.expect.rules.items():
        got = by_id.get(rule)
        if got is None:
            result.problems.append(f"rule {rule!r} not in the verdict (rules: {', '.join(by_id)})")
        elif got.outcome != want:
            result.problems.append(f"{rule}: expected {want}, got {got.outcome}: {got.message}")
    for rule, values in case.expect.measured.items():
        got_rule = by_id.get(rule)
        measured = got_rule.measured if got_rule else {}
        for key, want_value in values.items():
            if measured.get(key) != want_value:
                result.problems.append(
                    f"{rule}.measured.{key}: expected {want_value!r}, got {measured.get(key)!r}"
                )
    for rule, ids in case.expect.evidence.items():
        got_rule = by_id.get(rule)
        have = {e.verblijfsobject for e in got_rule.evidence} if got_rule else set()
        missing = [i for i in ids if i not in have]
        if missing:
            result.problems.append(f"{rule}: evidence lacks {', '.join(missing)}")
    return result


def golden_files(names: list[str] | None, rules_dir: Path = RULES_DIR) -> list[Path]:
    folder = rules_dir / "tests"
    files = sorted(folder.glob("*.yaml"))
    if names:
        files = [f for f in files if f.stem in names]
        missing = set(names) - {f.stem for f in files}
        if missing:
            raise InputError(f"no golden cases for {', '.join(sorted(missing))} in {folder}")
    return files


def run_golden(
    names: list[str] | None = None, data: Path | None = None, register: str | None = None
) -> GoldenReport:
    from spreidingstoets.dataset.store import load_dataset
    from spreidingstoets.samples import sample_dataset_path

    ds = load_dataset(data or sample_dataset_path())
    base = open_snapshot(register)
    results = []
    for path in golden_files(names):
        raw = load_yaml(path)
        try:
            golden = GoldenFile.model_validate(raw)
        except ValidationError as exc:
            raise InputError(f"{path}: {exc}") from None
        for case in golden.cases:
            results.append(run_case(case, golden.ruleset, ds, base, path.name))
    return GoldenReport(results)
