"""Every golden case in rules/tests/ as its own pytest item, named after the case."""

from __future__ import annotations

import pytest

from conftest import RULES
from spreidingstoets.golden import golden_cases, run_case

CASES = golden_cases(None, RULES)


@pytest.mark.parametrize(
    ("file", "ruleset_id", "case"),
    CASES,
    ids=[f"{file.removesuffix('.yaml')}: {case.name}" for file, _, case in CASES],
)
def test_golden_case(sample_ws, file, ruleset_id, case) -> None:  # type: ignore[no-untyped-def]
    result = run_case(sample_ws, case, ruleset_id, file)
    assert result.problems == []


def test_golden_runner_reports_a_wrong_expectation(sample_ws) -> None:  # type: ignore[no-untyped-def]
    file, ruleset_id, case = CASES[0]
    flipped = "allowed" if case.expect.outcome != "allowed" else "refused"
    wrong = case.model_copy(update={"expect": case.expect.model_copy(update={"outcome": flipped})})
    assert any("overall" in p for p in run_case(sample_ws, wrong, ruleset_id, file).problems)
