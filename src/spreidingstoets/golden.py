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

A file runs on the bundled sample, or with ``dataset: PATH`` (a BAG source, relative to the
file) on that source, compiled once into the settings' cache folder and checked against an
empty register plus each case's ``register_add``. A source that is not there (the real BAG data
in ``../shared/data`` is not part of the repository) skips its cases, with the reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from spreidingstoets.domain.inputs import ApplicationInput
from spreidingstoets.domain.model import Verdict
from spreidingstoets.domain.register import RegisterSnapshot
from spreidingstoets.domain.vocabulary import Kind, Outcome, Overall, Status
from spreidingstoets.errors import InputError, NotFoundError, SpreidingstoetsError
from spreidingstoets.register.db import validate_entry
from spreidingstoets.ruleset import load_yaml
from spreidingstoets.ruletypes.base import RegisterOverlay
from spreidingstoets.service.checks import check, resolve
from spreidingstoets.service.workspace import Workspace


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
    received: dt.date | None = None
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
    received: dt.date | None = None
    reason: str | None = None
    reference: str | None = None
    set: list[str] = Field(default_factory=list)
    register_add: list[ExtraEntry] = Field(default_factory=list)
    expect: Expect


class GoldenFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ruleset: str
    dataset: str | None = Field(
        None, description="a BAG source relative to this file; default: the bundled sample"
    )
    description: str | None = None
    cases: list[Case] = Field(min_length=1)


@dataclass(frozen=True)
class GoldenCase:
    """One case of a golden file, with the BAG source it runs on (None: the bundled sample)."""

    file: str
    ruleset: str
    case: Case
    source: Path | None = None


@dataclass
class CaseResult:
    file: str
    name: str
    problems: list[str] = field(default_factory=list)
    skipped: str | None = None  # why the case did not run

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class GoldenReport:
    cases: list[CaseResult]

    @property
    def passed(self) -> int:
        return sum(c.ok and not c.skipped for c in self.cases)

    @property
    def skipped(self) -> int:
        return sum(bool(c.skipped) for c in self.cases)

    @property
    def failed(self) -> int:
        return len(self.cases) - self.passed - self.skipped

    def as_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "failed": self.failed,
            "skipped": self.skipped,
            "cases": [
                {
                    "file": c.file,
                    "name": c.name,
                    "ok": c.ok,
                    "problems": c.problems,
                    "skipped": c.skipped,
                }
                for c in self.cases
            ],
        }


def _with_entries(ws: Workspace, extra: list[ExtraEntry], tag: str) -> RegisterOverlay:
    overlay = ws.overlay()
    if not extra:
        return overlay
    base = overlay.snapshot
    entries = list(base.entries)
    for e in extra:
        vbo = e.verblijfsobject_id or ws.dataset.unit_identificatie(
            ws.address_index.find(e.address or "").unit
        )
        fields = validate_entry(
            **e.model_dump(exclude={"address", "verblijfsobject_id"}), verblijfsobject_id=vbo
        )
        entries.append(fields.as_entry(len(entries) + 1, "golden case"))
    return RegisterOverlay.build(
        ws.dataset, RegisterSnapshot(tuple(entries), f"{base.revision}+{tag}")
    )


def case_verdict(ws: Workspace, case: Case, ruleset_id: str) -> Verdict:
    """The verdict of one golden case (its overrides and extra register entries applied)."""
    ruleset = ws.ruleset(ruleset_id, sets=case.set)
    overlay = _with_entries(ws, case.register_add, case.name)
    given = ApplicationInput.parse(case.model_dump(include=set(ApplicationInput.model_fields)))
    return check(ws, resolve(ws, given, case.date), ruleset, overlay)


def run_case(ws: Workspace, case: Case, ruleset_id: str, file: str) -> CaseResult:
    result = CaseResult(file, case.name)
    try:
        verdict = case_verdict(ws, case, ruleset_id)
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


def golden_files(names: list[str] | None, rules_dir: Path) -> list[Path]:
    folder = rules_dir / "tests"
    files = sorted(folder.glob("*.yaml"))
    if names:
        files = [f for f in files if f.stem in names]
        missing = set(names) - {f.stem for f in files}
        if missing:
            raise NotFoundError(
                f"geen gouden gevallen voor {', '.join(sorted(missing))} in {folder}"
            )
    return files


def read_golden(path: Path) -> GoldenFile:
    raw = load_yaml(path)
    try:
        return GoldenFile.model_validate(raw)
    except ValidationError as exc:
        raise InputError(f"{path}: {exc}") from None


def all_golden_cases(names: list[str] | None, rules_dir: Path) -> list[GoldenCase]:
    """Every golden case, in file order, with the source its file runs on."""
    found: list[GoldenCase] = []
    for path in golden_files(names, rules_dir):
        golden = read_golden(path)
        source = (path.parent / golden.dataset).resolve() if golden.dataset else None
        found.extend(GoldenCase(path.name, golden.ruleset, case, source) for case in golden.cases)
    return found


def golden_cases(names: list[str] | None, rules_dir: Path) -> list[tuple[str, str, Case]]:
    """The golden cases on the bundled sample as (file name, ruleset id, case), in file order."""
    return [
        (g.file, g.ruleset, g.case) for g in all_golden_cases(names, rules_dir) if g.source is None
    ]


def missing_source(source: Path) -> str | None:
    """Why a golden file's source cannot be used, or None."""
    if source.exists():
        return None
    return f"bron {source} ontbreekt (de echte BAG-gegevens staan in ../shared/data)"


def source_workspace(ws: Workspace, source: Path) -> Workspace:
    """A workspace on ``source``, compiled once into the cache folder, on an empty register
    (whatever register the settings name: a golden case brings its own entries)."""
    from spreidingstoets.dataset.compile import (
        FORMAT_VERSION,
        file_sha256,
        source_files,
        write_dataset,
    )
    from spreidingstoets.dataset.sources import read_source

    digest = hashlib.sha256("".join(file_sha256(p) for p in source_files(source)).encode())
    target = (
        ws.settings.cache_dir / f"golden-{source.stem}-v{FORMAT_VERSION}-{digest.hexdigest()[:16]}"
    )
    if not (target / "manifest.json").is_file():
        write_dataset(read_source(source), source, target, force=target.exists())
    return Workspace(ws.settings, data=target, snapshot=RegisterSnapshot((), "leeg"))


def run_golden(ws: Workspace, names: list[str] | None = None) -> GoldenReport:
    """Every golden case: on the sample with ``ws``, on another source with a workspace of its
    own (made once per source), skipped when that source is not there."""
    results: list[CaseResult] = []
    others: dict[Path, Workspace] = {}
    cases = all_golden_cases(names, ws.settings.rules_dir)
    ws.overlay()  # a register that cannot be read fails the run, not every case one by one
    for g in cases:
        if g.source is None:
            results.append(run_case(ws, g.case, g.ruleset, g.file))
            continue
        reason = missing_source(g.source)
        if reason:
            results.append(CaseResult(g.file, g.case.name, skipped=reason))
            continue
        if g.source not in others:
            others[g.source] = source_workspace(ws, g.source)
        results.append(run_case(others[g.source], g.case, g.ruleset, g.file))
    return GoldenReport(results)
