"""Race and crash: parallel conflicting grants against ``serve --workers 2`` on SQLite and
PostgreSQL never give more grants than the rules allow and never a 500; a server killed with
SIGKILL during decisions leaves no half decision, and every acknowledged decision survives."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api_helpers import make_keys, sample_register_copy, sample_woningen
from register_helpers import empty_pg, pg_database_fixture  # noqa: F401 (fixture)

httpx = pytest.importorskip("httpx")
pytest.importorskip("spreidingstoets_api")

pytestmark = pytest.mark.slow
ROUNDS = 20
PARALLEL = 50
DAY = "2026-11-15"


def _clustered(ws: Any, gemeente: str, ruleset: str, n: int) -> list[str]:
    """``n`` woningen of a municipality, each grantable on its own, packed closely together
    around one of them: their grants conflict (adjacent panden, the distance rule, a street
    quota), so parallel grants race."""
    import numpy as np

    from spreidingstoets.domain.inputs import ApplicationInput
    from spreidingstoets.service import checks

    ds = ws.dataset
    rules = ws.ruleset(ruleset)
    units = [
        u
        for u in range(ds.n_units)
        if ds.woning[u] and ds.unit_identificatie(u).startswith(gemeente)
    ]
    ok = []
    for u in units:
        given = ApplicationInput.parse(
            {
                "verblijfsobject_id": ds.unit_identificatie(u),
                "kind": "arbeidsmigranten",
                "persons": 4,
                "date": DAY,
            }
        )
        if checks.check(ws, checks.resolve(ws, given, dt.date.today()), rules).outcome != "refused":
            ok.append(u)
    assert len(ok) >= n, f"{gemeente}: only {len(ok)} grantable woningen"
    xy = ds.unit_xy[ok]
    centre = xy[np.argmin(((xy - xy.mean(axis=0)) ** 2).sum(axis=1))]
    order = np.argsort(((xy - centre) ** 2).sum(axis=1))
    return [ds.unit_identificatie(ok[i]) for i in order[:n]]


def _overgranted(ws: Any, granted: list[Any]) -> list[str]:
    """Grants that the rules refuse on the register as it ended up (without the grant
    itself): with serialised decisions there are none (every conflict the rules know is
    symmetric or was seen by the later decision)."""
    from spreidingstoets.domain.inputs import ApplicationInput
    from spreidingstoets.engine import evaluate
    from spreidingstoets.service import checks

    overlay = ws.overlay()
    wrong = []
    for entry in granted:
        given = ApplicationInput.parse(
            {
                "verblijfsobject_id": entry.verblijfsobject_id,
                "kind": entry.kind,
                "persons": entry.persons,
                "date": entry.valid_from,
                "reference": entry.reference,
            }
        )
        app = checks.resolve(ws, given, dt.date.today())
        others = overlay.with_changes((), overlay.snapshot.revision, removed=(entry.id,))
        ruleset = ws.ruleset_for(app.unit)
        verdict = evaluate(app, ws.dataset, others, ruleset.version_on(app.date))
        if verdict.outcome == "refused":
            wrong.append(f"{entry.verblijfsobject_id} {entry.reference}: {verdict.message}")
    return wrong


async def _round(url: str, key: str, addresses: list[str], tag: str) -> list[int]:
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:

        async def grant(i: int, vbo: str) -> int:
            body = {
                "verblijfsobject_id": vbo,
                "kind": "arbeidsmigranten",
                "persons": 4,
                "date": DAY,
                "reference": f"RACE-{tag}-{i}",
                "besluit": "verleend",
            }
            r = await client.post("/besluiten", json=body, headers={"X-Api-Key": key})
            if r.status_code >= 400:
                assert r.headers["content-type"].startswith("application/problem+json"), r.text
            if r.status_code == 503:
                assert r.headers["retry-after"]
            return r.status_code

        return list(await asyncio.gather(*(grant(i, a) for i, a in enumerate(addresses))))


def _race(register: str, tmp: Path) -> None:
    from spreidingstoets.register.db import Register
    from spreidingstoets.service.workspace import Workspace
    from spreidingstoets.settings import load_settings
    from spreidingstoets_api.testing import running

    keys = make_keys(register)
    statuses: list[int] = []
    with (
        Workspace(load_settings(), register=register) as ws,
        running(register=register, log=tmp / "server.log", workers=2) as server,
    ):
        addresses = _clustered(ws, "0281", "tiel", PARALLEL // 2)
        addresses += _clustered(ws, "0358", "aalsmeer", PARALLEL - len(addresses))
        for n in range(ROUNDS):
            random.Random(n).shuffle(addresses)
            answers = asyncio.run(_round(server.api, keys["decide"], addresses, str(n)))
            statuses += answers
            mine = [
                e
                for e in ws.register.entries(status="granted")
                if e.reference.startswith(f"RACE-{n}-")
            ]
            assert len(mine) == answers.count(201)
            assert 0 < len(mine) < PARALLEL  # some grants, and the rules refused others
            assert _overgranted(ws, mine) == []
            for e in mine:  # the next round starts from the same register
                ws.register.end(e.id, reason="test: volgende ronde", actor="test")
    assert set(statuses) <= {201, 409, 503}, sorted(set(statuses))
    assert statuses.count(409) > 0
    with Register.open(register, create=False) as reg:
        assert reg.verify().ok


def test_parallel_conflicting_grants_on_sqlite(tmp_path: Path) -> None:
    _race(sample_register_copy(tmp_path), tmp_path)


@pytest.mark.postgres
def test_parallel_conflicting_grants_on_postgresql(tmp_path: Path, pg_database: str) -> None:
    _race(_pg_sample_register(empty_pg(pg_database)), tmp_path)


def _pg_sample_register(url: str) -> str:
    from spreidingstoets.register.csvio import import_csv
    from spreidingstoets.register.db import Register
    from spreidingstoets.settings import load_settings

    with Register.open(url, create=True) as reg:
        for csv in sorted(load_settings().sample_dir.glob("*/register.csv")):
            import_csv(reg, csv, actor="test")
    return url


@pytest.fixture
def crash_register(tmp_path: Path) -> Iterator[str]:
    yield sample_register_copy(tmp_path)


def test_sigkill_during_decisions_leaves_no_half_decision(
    tmp_path: Path, crash_register: str
) -> None:
    import sqlalchemy as sa

    from spreidingstoets.register.db import Register
    from spreidingstoets.register.schema import audit_log, register_entry
    from spreidingstoets_api.testing import start_server

    keys = make_keys(crash_register)
    woningen = sample_woningen()
    acknowledged: list[tuple[str, str]] = []  # (reference, decision) the server answered 201
    cut: list[str] = []  # requests the kill interrupted
    rng = random.Random(7)
    for attempt in range(10):
        server = start_server(register=crash_register, log=tmp_path / f"server{attempt}.log")

        async def burst(server: Any, attempt: int) -> None:
            async with httpx.AsyncClient(base_url=server.api, timeout=30) as client:

                async def one(i: int) -> None:
                    ref = f"CRASH-{attempt}-{i}"
                    body = {
                        "verblijfsobject_id": rng.choice(woningen),
                        "kind": "kamerverhuur",
                        "persons": 2,
                        "date": DAY,
                        "reference": ref,
                        "besluit": rng.choice(["in-behandeling", "geweigerd", "verleend"]),
                    }
                    try:
                        r = await client.post(
                            "/besluiten", json=body, headers={"X-Api-Key": keys["decide"]}
                        )
                    except httpx.HTTPError:
                        cut.append(ref)  # the server died under this request: not acknowledged
                        return
                    if r.status_code == 201:
                        acknowledged.append((ref, r.json()["decision"]))
                    else:
                        assert r.status_code in (409, 503), r.text

                async def killer() -> None:
                    # mid-burst: once the first decisions are acknowledged, a little later
                    start = len(acknowledged)
                    for _ in range(300):
                        if len(acknowledged) > start:
                            break
                        await asyncio.sleep(0.01)
                    await asyncio.sleep(rng.uniform(0.0, 0.15))
                    server.kill()

                await asyncio.gather(killer(), *(one(i) for i in range(40)))

        try:
            asyncio.run(burst(server, attempt))
        finally:
            server.stop()

    with Register.open(crash_register, create=False) as reg:
        check = reg.verify()  # chain intact and the log replays to the entries
        assert check.ok, check.problem
        with reg.engine.connect() as conn:
            audited = set(
                conn.execute(
                    sa.select(audit_log.c.entry_id).where(audit_log.c.action == "decision")
                ).scalars()
            )
            decided = {
                row.id: row.reference
                for row in conn.execute(
                    sa.select(register_entry.c.id, register_entry.c.reference).where(
                        register_entry.c.reference.like("CRASH-%")
                    )
                )
            }
        assert set(decided) <= audited  # no entry without its decision record
        by_ref = {ref: entry for entry, ref in decided.items()}
        codes = {"pending": "pending", "refused": "refused", "granted": "granted"}
        for ref, decision in acknowledged:  # every acknowledged decision is there
            assert ref in by_ref, ref
            assert reg.get(by_ref[ref]).status == codes[decision]
    assert acknowledged and cut  # decisions got through, and the kills hit in mid-burst
