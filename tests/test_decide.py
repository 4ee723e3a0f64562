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


def test_refusal_and_pending_in_dutch_words_are_entries_that_follow_the_decision(
    tmp_path: Path,
) -> None:
    db = _register(tmp_path)
    pending = _decide(db, "Kwartelstraat 7 Tiel", "in behandeling")  # with a space
    assert pending.returncode == 0, pending.stderr
    data = json.loads(pending.stdout)
    assert (data["decision"], data["entry_id"], data["previous"]) == ("pending", 13, None)
    result = _decide(db, "4001AB 7", "geweigerd")  # the same application, another spelling
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["decision"], data["entry_id"], data["previous"]) == ("refused", 13, "pending")
    listed = run_cli("register", "list", "--register", db, "--status", "geweigerd", "--json")
    assert [(e["id"], e["status"]) for e in json.loads(listed.stdout)] == [(13, "refused")]
    bad = _decide(db, "Kwartelstraat 7 Tiel", "verleent")
    assert bad.returncode == 2 and "bedoelt u 'verleend'" in bad.stderr
    blank = run_cli(
        "decide", "Kwartelstraat 9 Tiel", "--register", db, "--besluit", "pending",
        "--kenmerk", " ", "--persons", "4",
    )  # fmt: skip
    assert blank.returncode == 2 and "kenmerk (--kenmerk) mag niet leeg zijn" in blank.stderr
    assert "Traceback" not in bad.stderr + blank.stderr
