"""Differential check: the same applications and register through two versions, compared.

    # 1. inputs, once, from a compiled dataset (deterministic for a seed)
    python benchmarks/differential.py generate --data DIR --out INPUT_DIR [--seed 8]
    #    -> INPUT_DIR/register.csv (register import) and INPUT_DIR/applications.csv (check --batch)
    # 2. each version: its own import, register import and check --batch (see the README)
    # 3. the table
    python benchmarks/differential.py compare BEFORE.jsonl AFTER.jsonl [--examples 3] [--json]

``compare`` pairs the verdicts line by line (by verblijfsobject; both files come from the same
applications file) and prints how many change overall outcome, and per rule (by rule id) how
many change outcome in each direction, with examples: address, before -> after and both
messages. Only the verdict JSON is read, so it works across versions whose code differs.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

# Written out, not imported from register.csvio: the files must suit older versions too, so these
# are the columns every version requires (no optional ones such as ``received``).
REGISTER_COLUMNS = (
    "verblijfsobject_id",
    "kind",
    "persons",
    "status",
    "valid_from",
    "valid_until",
    "reference",
)
APPLICATION_COLUMNS = ("verblijfsobject_id", "kind", "persons", "date")


# -- inputs --------------------------------------------------------------------------------------


def generate(
    data: Path,
    out: Path,
    *,
    seed: int = 8,
    entries: int = 300,
    pending: int = 15,
    applications: int = 2000,
    date: dt.date = dt.date(2024, 1, 1),
) -> tuple[Path, Path]:
    """Write a register CSV and an applications CSV for the dwellings of a compiled dataset.

    Register: ``entries`` random dwellings, arbeidsmigranten or kamerverhuur, granted from
    2020-01-01, ``pending`` of them pending from a random day of the year before ``date`` (no
    ``received`` column, so every version reads it). Applications: ``applications`` random
    dwellings (not in the register), arbeidsmigranten, 4 persons, on ``date``. The columns are
    those every version's ``register import`` and ``check --batch`` accept.
    """
    import numpy as np

    from spreidingstoets.dataset.store import load_dataset

    ds = load_dataset(data)
    woningen = sorted(ds.unit_identificatie(int(u)) for u in np.flatnonzero(ds.woning))
    rng = random.Random(seed)
    counted = rng.sample(woningen, entries)
    pending_ids = set(rng.sample(counted, pending))
    rest = sorted(set(woningen) - set(counted))
    applied = rng.sample(rest, applications)
    out.mkdir(parents=True, exist_ok=True)
    register, apps = out / "register.csv", out / "applications.csv"
    with register.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(REGISTER_COLUMNS)
        for i, vbo in enumerate(sorted(counted), 1):
            if vbo in pending_ids:
                start = date - dt.timedelta(days=rng.randint(1, 365))
                status = "pending"
            else:
                start, status = dt.date(2020, 1, 1), "granted"
            kind = rng.choice(["arbeidsmigranten", "kamerverhuur"])
            w.writerow([vbo, kind, 4, status, start.isoformat(), "", f"DIFF-{seed}-{i:04d}"])
    with apps.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(APPLICATION_COLUMNS)
        for vbo in applied:
            w.writerow([vbo, "arbeidsmigranten", 4, date.isoformat()])
    return register, apps


# -- comparison ----------------------------------------------------------------------------------


def read_verdicts(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _rules(verdict: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["rule"]: r for r in verdict["rules"]}


def _named(rule: dict[str, Any]) -> set[tuple[str, str | None]]:
    """The dwellings a rule names in its evidence, with how they relate."""
    return {(e["relation"], e.get("verblijfsobject")) for e in rule.get("evidence", [])}


def compare(
    before: list[dict[str, Any]], after: list[dict[str, Any]], examples: int = 3
) -> dict[str, Any]:
    """Overall and per-rule outcome changes between two verdict lists of the same applications."""
    if len(before) != len(after):
        raise SystemExit(f"{len(before)} verdicts before, {len(after)} after: not the same batch")
    overall: Counter[tuple[str, str]] = Counter()
    per_rule: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
    shown: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    other_evidence: Counter[str] = Counter()  # same outcome, other dwellings named
    for b, a in zip(before, after, strict=True):
        vb, va = b["application"]["verblijfsobject"], a["application"]["verblijfsobject"]
        if vb != va:
            raise SystemExit(f"line pairs differ: {vb} before, {va} after")
        overall[(b["outcome"], a["outcome"])] += 1
        rb, ra = _rules(b), _rules(a)
        for rule in sorted(set(rb) | set(ra)):
            ob = rb[rule]["outcome"] if rule in rb else "absent"
            oa = ra[rule]["outcome"] if rule in ra else "absent"
            per_rule[rule][(ob, oa)] += 1
            if ob == oa != "absent" and _named(rb[rule]) != _named(ra[rule]):
                other_evidence[rule] += 1
            key = (rule, ob, oa)
            if ob != oa and len(shown[key]) < examples:
                shown[key].append(
                    {
                        "address": a["application"]["address"],
                        "verblijfsobject": va,
                        "overall": f"{b['outcome']} -> {a['outcome']}",
                        "before": rb[rule]["message"] if rule in rb else "",
                        "after": ra[rule]["message"] if rule in ra else "",
                        "measured": [
                            rb[rule].get("measured", {}) if rule in rb else {},
                            ra[rule].get("measured", {}) if rule in ra else {},
                        ],
                    }
                )
    return {
        "applications": len(before),
        "overall_changed": sum(n for (x, y), n in overall.items() if x != y),
        "overall": {f"{x} -> {y}": n for (x, y), n in sorted(overall.items())},
        "rules": {
            rule: {f"{x} -> {y}": n for (x, y), n in sorted(c.items())}
            for rule, c in sorted(per_rule.items())
        },
        "same_outcome_other_evidence": dict(sorted(other_evidence.items())),
        "examples": {f"{r}: {x} -> {y}": v for (r, x, y), v in sorted(shown.items())},
    }


def render(result: dict[str, Any]) -> str:
    lines = [
        f"{result['applications']} applications; overall outcome changed for "
        f"{result['overall_changed']}",
        "",
        "| overall | n |",
        "|---|---|",
        *(f"| {k} | {n} |" for k, n in result["overall"].items()),
        "",
        "| rule | unchanged | same outcome, other evidence | changed (before -> after: n) |",
        "|---|---|---|---|",
    ]
    other = result["same_outcome_other_evidence"]
    for rule, moves in result["rules"].items():
        same = sum(n for k, n in moves.items() if k.split(" -> ")[0] == k.split(" -> ")[1])
        changed = ", ".join(
            f"{k}: {n}" for k, n in moves.items() if k.split(" -> ")[0] != k.split(" -> ")[1]
        )
        lines.append(f"| {rule} | {same} | {other.get(rule, 0)} | {changed or '-'} |")
    for key, items in result["examples"].items():
        lines += ["", f"## {key}"]
        for e in items:
            lines += [
                f"- {e['address']} ({e['verblijfsobject']}; overall {e['overall']})",
                f"    before: {e['before']}",
                f"    after:  {e['after']}",
                f"    measured: {e['measured'][0]} -> {e['measured'][1]}",
            ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="write register.csv and applications.csv")
    gen.add_argument("--data", type=Path, required=True, help="compiled dataset")
    gen.add_argument("--out", type=Path, required=True, help="folder for the two CSV files")
    gen.add_argument("--seed", type=int, default=8)
    gen.add_argument("--entries", type=int, default=300)
    gen.add_argument("--pending", type=int, default=15)
    gen.add_argument("--apps", type=int, default=2000)
    gen.add_argument("--date", type=dt.date.fromisoformat, default=dt.date(2024, 1, 1))
    cmp_ = sub.add_parser("compare", help="compare two verdict JSONL files")
    cmp_.add_argument("before", type=Path)
    cmp_.add_argument("after", type=Path)
    cmp_.add_argument("--examples", type=int, default=3)
    cmp_.add_argument("--json", action="store_true", help="the figures as JSON")
    args = parser.parse_args()
    if args.command == "generate":
        for path in generate(
            args.data,
            args.out,
            seed=args.seed,
            entries=args.entries,
            pending=args.pending,
            applications=args.apps,
            date=args.date,
        ):
            print(path)
        return
    result = compare(read_verdicts(args.before), read_verdicts(args.after), args.examples)
    sys.stdout.write(
        (json.dumps(result, ensure_ascii=False, indent=2) if args.json else render(result)) + "\n"
    )


if __name__ == "__main__":
    main()
