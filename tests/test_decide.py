"""Recording decisions from the CLI: re-checked on the register, audited, idempotent."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import REPO, run_cli


def _register(tmp_path: Path) -> str:
    db = str(tmp_path / "register.db")
    result = run_cli(
        "register", "import", str(REPO / "data/bag_sample/0281-tiel/register.csv"), "--register", db
    )
    assert result.returncode == 0, result.stderr
    return db


def _decide(db: str, address: str, decision: str, *extra: str):  # type: ignore[no-untyped-def]
    return run_cli(
        "decide",
        address,
        "--register",
        db,
        "--besluit",
        decision,
        "--kenmerk",
        "Z-1",
        "--persons",
        "4",
        "--date",
        "2026-11-15",
        "--json",
        *extra,
    )


def test_grant_is_recorded_once_and_then_counts(tmp_path: Path) -> None:
    db = _register(tmp_path)
    first = _decide(db, "Kwartelstraat 19 Tiel", "verleend", "--key", "abc")
    assert first.returncode == 0, first.stderr
    data = json.loads(first.stdout)
    assert data["decision"] == "granted" and data["entry_id"] == 13 and not data["replayed"]
    assert data["verdict"]["provenance"]["register_revision"] == "sqlite@1"
    again = json.loads(_decide(db, "Kwartelstraat 19 Tiel", "verleend", "--key", "abc").stdout)
    assert again["replayed"] and again["audit_id"] == data["audit_id"]
    # the grant now counts: a third counted dwelling on Kwartelstraat exceeds 10%
    check = run_cli(
        "check",
        "Kwartelstraat 23 Tiel",
        "--register",
        db,
        "--persons",
        "4",
        "--date",
        "2026-11-15",
        "--json",
    )
    straat = {r["rule"]: r for r in json.loads(check.stdout)["rules"]}["straat"]
    assert straat["outcome"] == "fail" and straat["measured"]["existing"] == 2
    refused = _decide(db, "Kwartelstraat 23 Tiel", "verleend")
    assert refused.returncode == 2 and "verlenen kan niet" in refused.stderr
    audit = json.loads(run_cli("register", "audit", "--register", db, "--json").stdout)
    assert [row["action"] for row in audit] == [
        "decision",
        "import",
    ]  # the refused grant wrote nothing


def test_refusal_is_audited_without_an_entry(tmp_path: Path) -> None:
    db = _register(tmp_path)
    result = _decide(db, "Kwartelstraat 7 Tiel", "geweigerd")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["decision"] == "refused" and data["entry_id"] is None
    assert data["verdict"]["outcome"] == "refused"
    bad = _decide(db, "Kwartelstraat 7 Tiel", "verleent")
    assert bad.returncode == 2 and "bedoelt u 'verleend'" in bad.stderr
