"""Every golden case in rules/tests/ as its own pytest item, named after the case.

Files with ``dataset:`` run on that BAG source (the real extracts in ../shared/data), compiled
once into the cache folder; they skip, with the reason, when the source is not there.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import RULES
from spreidingstoets.golden import (
    all_golden_cases,
    missing_source,
    run_case,
    run_golden,
    source_workspace,
)
from spreidingstoets.service.workspace import Workspace
from spreidingstoets.settings import load_settings

CASES = all_golden_cases(None, RULES)
_SOURCES: dict[Path, Workspace] = {}


def workspace_for(sample_ws: Workspace, source: Path | None) -> Workspace:
    if source is None:
        return sample_ws
    reason = missing_source(source)
    if reason:
        pytest.skip(reason)
    if source not in _SOURCES:
        _SOURCES[source] = source_workspace(sample_ws, source)
    return _SOURCES[source]


@pytest.mark.parametrize(
    "golden",
    CASES,
    ids=[f"{g.file.removesuffix('.yaml')}: {g.case.name}" for g in CASES],
)
def test_golden_case(sample_ws, golden) -> None:  # type: ignore[no-untyped-def]
    result = run_case(
        workspace_for(sample_ws, golden.source), golden.case, golden.ruleset, golden.file
    )
    assert result.problems == []


def test_golden_runner_reports_a_wrong_expectation(sample_ws) -> None:  # type: ignore[no-untyped-def]
    g = CASES[0]
    flipped = "allowed" if g.case.expect.outcome != "allowed" else "refused"
    wrong = g.case.model_copy(
        update={"expect": g.case.expect.model_copy(update={"outcome": flipped})}
    )
    assert any("overall" in p for p in run_case(sample_ws, wrong, g.ruleset, g.file).problems)


def test_golden_file_on_a_missing_source_is_skipped_not_failed(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    (rules / "tests").mkdir(parents=True)
    for path in RULES.glob("*.yaml"):
        (rules / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (rules / "tests" / "elders.yaml").write_text(
        "ruleset: tiel\ndataset: ../../nergens/BAGGEM9999L.zip\ncases:\n"
        "  - name: een geval\n    address: Dorpsstraat 1 Nergens\n    expect: {outcome: allowed}\n",
        encoding="utf-8",
    )
    report = run_golden(Workspace(load_settings(rules=rules)))
    assert (report.passed, report.failed, report.skipped) == (0, 0, 1)
    assert "nergens" in (report.cases[0].skipped or "")
    result = subprocess.run(
        [sys.executable, "-m", "spreidingstoets.cli", "rules", "test"],
        capture_output=True,
        text=True,
        env={**os.environ, "SPREIDINGSTOETS_RULES": str(rules)},
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "overgeslagen" in result.stdout and "1 skipped" in result.stdout
