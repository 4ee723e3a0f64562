"""Verdicts before and after a change: are they byte-identical (apart from the engine version)?

    python benchmarks/verdict_identity.py --out DIR [--data WEESP --register DB --apps CSV]
    python benchmarks/verdict_identity.py --out DIR --compare BEFORE_DIR

Writes ``golden.jsonl`` (every golden case on the bundled sample: its verdict or its error) and,
given a dataset, register and applications CSV, ``<dataset>-<ruleset>.jsonl`` with one verdict
per application for the Tiel ruleset and ``benchmarks/bench_rules.yaml``. With ``--compare``
it compares each file with the one of the same name in BEFORE_DIR, line by line, after dropping
``provenance.engine_version``, and exits 1 on any difference.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from paths import REPO
from spreidingstoets.domain.model import verdict_json
from spreidingstoets.errors import SpreidingstoetsError
from spreidingstoets.golden import case_verdict, golden_cases
from spreidingstoets.service import checks
from spreidingstoets.service.workspace import Workspace
from spreidingstoets.settings import load_settings

RULESETS = {"tiel": "tiel", "bench": str(REPO / "benchmarks" / "bench_rules.yaml")}


def golden_lines(ws: Workspace) -> list[str]:
    lines = []
    for file, ruleset_id, case in golden_cases(None, ws.settings.rules_dir):
        verdict, error = None, None
        try:
            verdict = verdict_json(case_verdict(ws, case, ruleset_id))
        except SpreidingstoetsError as exc:
            error = str(exc)
        record = {"file": file, "case": case.name, "verdict": verdict, "error": error}
        lines.append(json.dumps(record, ensure_ascii=False))
    return lines


def batch_lines(ws: Workspace, apps_csv: Path, ruleset: str) -> list[str]:
    rs = ws.ruleset(ruleset)
    apps = checks.read_applications(ws, apps_csv, rs, dt.date.today()).rows
    return checks.run_batch(ws, list(apps), rs).lines


def _without_engine_version(line: str) -> object:
    data = json.loads(line)
    verdict = data.get("verdict", data) if isinstance(data, dict) else data
    if isinstance(verdict, str):
        verdict = json.loads(verdict)
        data["verdict"] = verdict
    if isinstance(verdict, dict):
        verdict.get("provenance", {}).pop("engine_version", None)
    return data


def compare(before: Path, after: Path) -> int:
    differing = 0
    for new in sorted(after.glob("*.jsonl")):
        old = before / new.name
        if not old.is_file():
            print(f"{new.name}: no file in {before}, not compared")
            continue
        a, b = old.read_text().splitlines(), new.read_text().splitlines()
        same = sum(
            _without_engine_version(x) == _without_engine_version(y)
            for x, y in zip(a, b, strict=False)
        )
        diff = max(len(a), len(b)) - same
        differing += diff
        print(f"{new.name}: {same} identical, {diff} different (before {len(a)}, after {len(b)})")
    return 1 if differing else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--data", type=Path)
    parser.add_argument("--register")
    parser.add_argument("--apps", type=Path)
    parser.add_argument("--compare", type=Path)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    settings = load_settings()
    (args.out / "golden.jsonl").write_text("\n".join(golden_lines(Workspace(settings))) + "\n")
    if args.data and args.register and args.apps:
        ws = Workspace(settings, data=args.data, register=args.register)
        for name, ruleset in RULESETS.items():
            lines = batch_lines(ws, args.apps, ruleset)
            (args.out / f"weesp-{name}.jsonl").write_text("\n".join(lines) + "\n")
    return compare(args.compare, args.out) if args.compare else 0


if __name__ == "__main__":
    sys.exit(main())
