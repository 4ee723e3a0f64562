"""API keys from the command line: shown once, stored only as a hash, revoked for good,
every change an audit row."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli


def test_create_list_revoke(tmp_path: Path) -> None:
    from spreidingstoets.register.db import Register
    from spreidingstoets.register.keys import authenticate, key_hash

    db = str(tmp_path / "register.db")
    Register.open(db, create=True).close()
    made = run_cli(
        "api-key",
        "create",
        "--name",
        "zaaksysteem",
        "--scope",
        "check,decide",
        "--register",
        db,
        "--json",
    )
    assert made.returncode == 0, made.stderr
    key = json.loads(made.stdout)
    token = key["key"]
    assert token.startswith("sst_") and key["scopes"] == ["check", "decide"]
    with Register.open(db, create=False) as reg:
        assert authenticate(reg, token) is not None
        raw = Path(db).read_bytes()
        assert token.encode() not in raw and key_hash(token).encode() in raw  # only the hash
    listed = json.loads(run_cli("api-key", "list", "--register", db, "--json").stdout)
    assert [k["name"] for k in listed] == ["zaaksysteem"] and "key" not in listed[0]
    bad = run_cli("api-key", "create", "--name", "x", "--scope", "alles", "--register", db)
    assert bad.returncode == 2 and "scope 'alles' bestaat niet" in bad.stderr
    assert run_cli("api-key", "revoke", str(key["id"]), "--register", db).returncode == 0
    again = run_cli("api-key", "revoke", str(key["id"]), "--register", db)
    assert again.returncode == 2 and "al ingetrokken" in again.stderr
    with Register.open(db, create=False) as reg:
        assert authenticate(reg, token) is None
        assert [r.action for r in reg.audit()] == ["api-key", "api-key"]
        assert reg.verify().ok
