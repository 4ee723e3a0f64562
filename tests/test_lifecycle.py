"""Decisions on the sample dataset through the service layer: an application's lifecycle, one
active permit per dwelling however it is spelled, the verdict computed inside the lock, an
audit log that proves itself, registers that are busy, and the overlay kept per revision.

PostgreSQL cases use SPREIDINGSTOETS_TEST_PG (see test_register.py) and skip without a server.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing as mp
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from conftest import REPO
from register_helpers import empty_pg, pg_database_fixture  # noqa: F401
from spreidingstoets.domain.inputs import ApplicationInput
from spreidingstoets.domain.model import Application
from spreidingstoets.domain.register import RegisterEntry, RegisterSnapshot
from spreidingstoets.domain.vocabulary import COUNTED_STATUSES, KINDS
from spreidingstoets.errors import ConflictError
from spreidingstoets.register.csvio import import_csv
from spreidingstoets.register.db import (
    PG_LOCK_KEY,
    ActiveEntryConflict,
    Register,
    RegisterBusy,
)
from spreidingstoets.ruletypes.base import Counted, Period, RegisterOverlay
from spreidingstoets.service import checks
from spreidingstoets.service.decisions import decide
from spreidingstoets.service.workspace import Workspace
from spreidingstoets.settings import load_settings

DAY = dt.date(2026, 11, 15)
TIEL_REGISTER = REPO / "data" / "bag_sample" / "0281-tiel" / "register.csv"
KW19 = "0281010000000010"  # Kwartelstraat 19, 4001AB Tiel


def workspace(db: str, ds: Any) -> Workspace:
    ws = Workspace(load_settings(), register=db)
    ws._dataset = ds  # the session's copy: loading it again would only cost time
    return ws


def application(ws: Workspace, address: str, kind: str = "arbeidsmigranten") -> Application:
    given = {"address": address, "kind": kind, "persons": 4, "date": DAY.isoformat()}
    return checks.resolve(ws, ApplicationInput.parse(given), DAY)


def street(ws: Workspace, address: str) -> dict[str, Any]:
    verdict = checks.check(ws, application(ws, address), ws.ruleset("tiel"))
    rule = {r.rule: r for r in verdict.rules}["straat"]
    return {"outcome": rule.outcome, **rule.measured}


@pytest.fixture
def tiel_db(tmp_path: Path) -> str:
    db = tmp_path / "register.db"
    with Register.open(db) as reg:
        import_csv(reg, TIEL_REGISTER, actor="test")
    return str(db)


@pytest.fixture
def ws(tiel_db: str, sample_ds: Any) -> Iterator[Workspace]:
    with workspace(tiel_db, sample_ds) as ws:
        yield ws


# -- lifecycle ---------------------------------------------------------------------------


def test_a_refused_application_stops_blocking_its_neighbours(ws: Workspace) -> None:
    tiel = ws.ruleset("tiel")
    assert street(ws, "Kwartelstraat 23 Tiel")["existing"] == 1
    _, pending = decide(
        ws,
        application(ws, "Kwartelstraat 19 Tiel"),
        tiel,
        "in behandeling",
        reference="Z-100",
        actor="a",
    )
    blocked = street(ws, "Kwartelstraat 23 Tiel")
    assert (blocked["outcome"], blocked["existing"]) == ("fail", 2)  # the pending one counts
    _, refused = decide(
        ws, application(ws, "4001AB 19"), tiel, "geweigerd", reference="Z-100", actor="b"
    )
    assert (refused.entry.id, refused.previous) == (pending.entry.id, "pending")
    assert [(e.reference, e.status) for e in ws.register.entries(verblijfsobject_id=KW19)] == [
        ("Z-100", "refused")
    ]
    freed = street(ws, "Kwartelstraat 23 Tiel")
    assert (freed["outcome"], freed["existing"]) == ("pass", 1)


def test_pending_then_granted_is_one_entry_checked_without_itself(ws: Workspace) -> None:
    tiel = ws.ruleset("tiel")
    app = application(ws, "Kwartelstraat 19 Tiel")
    decide(ws, app, tiel, "in-behandeling", reference="Z-7", actor="a")
    verdict, granted = decide(ws, app, tiel, "verleend", reference="Z-7", actor="a")
    assert (granted.outcome, granted.previous) == ("granted", "pending")
    assert [e.status for e in ws.register.entries(verblijfsobject_id=KW19)] == ["granted"]
    # Its own pending entry was not counted against it: only Kwartelstraat 3 was on the street.
    straat = {r.rule: r for r in verdict.rules}["straat"]
    assert (straat.outcome, straat.measured["existing"]) == ("pass", 1)
    again, replay = decide(ws, app, tiel, "verleend", reference="Z-7", actor="a")
    assert replay.replayed and replay.audit_id == granted.audit_id and again == verdict
    assert ws.register.verify().ok


def test_one_dwelling_cannot_be_granted_twice_under_two_spellings(ws: Workspace) -> None:
    tiel = ws.ruleset("tiel")
    decide(
        ws, application(ws, "Kwartelstraat 19 Tiel"), tiel, "verleend", reference="A1", actor="a"
    )
    before = ws.register.revision
    with pytest.raises(ActiveEntryConflict) as caught:
        decide(ws, application(ws, "4001AB 19"), tiel, "verleend", reference="A2", actor="b")
    message = str(caught.value)
    assert "kenmerk A1 (verleend" in message and "wijzig of beëindig eerst registratie" in message
    assert ws.register.revision == before
    # A later check of the dwelling names the grant (the livability rule lists it).
    verdict = checks.check(ws, application(ws, "Kwartelstraat 19 Tiel"), tiel)
    assert "verleend (A1)" in {r.rule: r for r in verdict.rules}["leefbaarheid"].message


def test_the_stored_verdict_is_computed_on_the_register_at_the_decision(
    tiel_db: str, sample_ds: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    with workspace(tiel_db, sample_ds) as ws1, workspace(tiel_db, sample_ds) as ws2:
        tiel = ws2.ruleset("tiel")
        app = application(ws2, "Kwartelstraat 23 Tiel")
        assert ws2.overlay().snapshot.revision == "sqlite@1"  # officer 2 looked at revision 1
        record = ws2.register.record_decision

        def other_officer_first(**kwargs: Any) -> Any:
            # Officer 1's grant on the same street lands between officer 2's look and decision.
            decide(
                ws1,
                application(ws1, "Kwartelstraat 19 Tiel"),
                ws1.ruleset("tiel"),
                "verleend",
                reference="Z-1",
                actor="one",
            )
            return record(**kwargs)

        monkeypatch.setattr(ws2.register, "record_decision", other_officer_first)
        verdict, result = decide(ws2, app, tiel, "in-behandeling", reference="Z-2", actor="two")
        stored = json.loads(result.verdict_json)
        (log,) = ws2.register.audit(limit=1)
    assert log.payload == result.verdict_json
    assert stored["provenance"]["register_revision"] == "sqlite@2"  # officer 1's grant
    straat = {r["rule"]: r for r in stored["rules"]}["straat"]
    assert straat["measured"]["existing"] == 2 and straat["outcome"] == "fail"
    assert verdict.provenance.register_revision == "sqlite@2"


# -- two processes, one dwelling ---------------------------------------------------------


def _grant_rounds(
    ds: Any, app: Application, reference: str, tasks: Any, results: Any, barrier: Any
) -> None:
    """Worker: for each register URL, grant ``app`` at the same moment as the other worker."""
    while (url := tasks.get()) is not None:
        with workspace(url, ds) as ws:
            tiel = ws.ruleset("tiel")
            ws.overlay()
            barrier.wait()
            try:
                _, result = decide(ws, app, tiel, "verleend", reference=reference, actor=reference)
                results.put(("granted", reference, result.entry.id))
            except ConflictError as exc:
                results.put(("conflict", type(exc).__name__, str(exc)))
            except Exception as exc:  # anything else fails the test, with its text
                results.put(("error", type(exc).__name__, str(exc)))


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_two_processes_granting_one_dwelling_under_two_spellings(
    backend: str, tmp_path: Path, sample_ws: Workspace, request: pytest.FixtureRequest
) -> None:
    ds = sample_ws.dataset
    spelled = [application(sample_ws, "Kwartelstraat 19 Tiel"), application(sample_ws, "4001AB 19")]
    assert spelled[0].unit == spelled[1].unit
    context = mp.get_context("fork")  # the workers share the loaded dataset
    barrier, results = context.Barrier(2), context.Queue()
    tasks = [context.Queue(), context.Queue()]
    workers = [
        context.Process(target=_grant_rounds, args=(ds, app, f"K-{i}", tasks[i], results, barrier))
        for i, app in enumerate(spelled)
    ]
    for w in workers:
        w.start()
    try:
        for round_ in range(20):
            if backend == "sqlite":
                url = str(tmp_path / f"round-{round_}.db")
            else:
                url = empty_pg(request.getfixturevalue("pg_database"))
            Register.open(url).close()
            for queue in tasks:
                queue.put(url)
            outcome = sorted((results.get(timeout=60) for _ in workers), key=lambda r: r[0])
            assert [r[0] for r in outcome] == ["conflict", "granted"], (round_, outcome)
            assert outcome[0][1] == "ActiveEntryConflict", outcome
            assert f"kenmerk {outcome[1][1]} (verleend" in outcome[0][2]
            with Register.open(url, create=False) as reg:
                assert [(e.verblijfsobject_id, e.status) for e in reg.entries()] == [
                    (KW19, "granted")
                ]
    finally:
        for queue in tasks:
            queue.put(None)
        for w in workers:
            w.join(timeout=30)


# -- the audit log proves itself ---------------------------------------------------------


def _chain(tmp_path: Path) -> Path:
    db = tmp_path / "chain.db"
    at = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
    with Register.open(db) as reg:
        import_csv(reg, TIEL_REGISTER, actor="anna", at=at)
        entry = reg.add(KW19, "kamerverhuur", persons=4, reference="Z-1", actor="bob", at=at)
        reg.revoke(entry.id, reason="overlast", actor="bob", at=at)
        reg.add(KW19, "studenten", persons=2, reference="Z-2", actor="bob", at=at)
        assert reg.verify().ok
    return db


def _tampered(db: Path, name: str, *statements: str) -> Register:
    copy = db.with_name(f"{name}.db")
    shutil.copyfile(db, copy)
    raw = sqlite3.connect(copy, isolation_level=None)
    for statement in statements:
        raw.execute(statement)
    raw.close()
    return Register.open(copy, create=False)


NO_TRIGGERS = ("DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete")


@pytest.mark.parametrize(
    ("name", "statements", "problem"),
    [
        (
            "edited",
            (*NO_TRIGGERS, "UPDATE audit_log SET actor = 'mallory' WHERE id = 2"),
            "auditregel 2: de inhoud past niet bij haar hash",
        ),
        (
            "deleted",
            (*NO_TRIGGERS, "DELETE FROM audit_log WHERE id = 2"),
            "auditregel 2 ontbreekt (gevonden: 3)",
        ),
        (
            "reordered",
            (
                *NO_TRIGGERS,
                "UPDATE audit_log SET id = -2 WHERE id = 2",
                "UPDATE audit_log SET id = 2 WHERE id = 3",
                "UPDATE audit_log SET id = 3 WHERE id = -2",
            ),
            "auditregel 2: verwijst niet naar de hash van de regel ervoor",
        ),
        (
            "entry edited",
            ("UPDATE register_entry SET status = 'granted' WHERE id = 13",),
            "registratie 13 wijkt af van wat het auditlog vastlegde",
        ),
        (
            "entry added",
            (
                "INSERT INTO register_entry (verblijfsobject_id, kind, status, created_at, "
                f"updated_at, changed_revision) VALUES ('{KW19}', 'omzetting', 'granted', "
                "'2025-01-01', '2025-01-01', 4)",
            ),
            "registratie 15 staat in het register maar niet in het auditlog",
        ),
    ],
)
def test_verify_finds_the_first_bad_row(
    tmp_path: Path, name: str, statements: tuple[str, ...], problem: str
) -> None:
    with _tampered(_chain(tmp_path), name.replace(" ", "-"), *statements) as reg:
        result = reg.verify()
    assert not result.ok and result.problem is not None
    assert result.problem.startswith(problem), result.problem


def test_replace_into_the_audit_log_is_refused_or_found(tmp_path: Path) -> None:
    db = _chain(tmp_path)
    raw = sqlite3.connect(db, isolation_level=None)
    (prev,) = raw.execute("SELECT hash FROM audit_log WHERE id = 4").fetchone()
    columns = "id, at, actor, action, payload, revision, prev_hash, hash"
    for verb in ("REPLACE INTO", "INSERT OR REPLACE INTO"):
        with pytest.raises(sqlite3.IntegrityError, match="continue the hash chain"):
            raw.execute(  # rewrite row 2 in place
                f"{verb} audit_log ({columns}) VALUES (2, '2025-03-01', 'mallory', 'add', '{{}}', "
                f"2, '{'0' * 64}', '{'1' * 64}')"
            )
    # A row that continues the chain's ids but not its hashes gets in, and is found.
    raw.execute(
        f"REPLACE INTO audit_log ({columns}) VALUES (5, '2025-03-01', 'mallory', 'add', '{{}}', "
        f"4, '{prev}', '{'1' * 64}')"
    )
    raw.close()
    with Register.open(db, create=False) as reg:
        assert (
            reg.verify().problem
            == "auditregel 5: de inhoud past niet bij haar hash (gewijzigd na het vastleggen)"
        )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "spreidingstoets.cli",
            "register",
            "audit",
            "--verify",
            "--register",
            str(db),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "auditlog niet in orde: auditregel 5: de inhoud past niet bij haar hash "
        "(gewijzigd na het vastleggen)"
    )


@pytest.mark.postgres
def test_postgres_audit_log_refuses_rewrites(request: pytest.FixtureRequest) -> None:
    url = empty_pg(request.getfixturevalue("pg_database"))
    with Register.open(url) as reg:
        reg.add(KW19, "kamerverhuur", actor="t")
        reg.add(KW19, "studenten", actor="t")
        engine = reg.engine
        for statement in (
            "UPDATE audit_log SET actor = 'mallory'",
            "DELETE FROM audit_log WHERE id = 1",
            "INSERT INTO audit_log (id, at, actor, action, payload, revision, prev_hash, hash) "
            f"VALUES (3, now(), 'mallory', 'add', '{{}}', 3, '{'0' * 64}', '{'1' * 64}')",
            "INSERT INTO audit_log (id, at, actor, action, payload, revision, prev_hash, hash) "
            "VALUES (1, now(), 'mallory', 'add', '{}', 1, 'x', 'y') ON CONFLICT (id) DO UPDATE "
            "SET actor = 'mallory'",
        ):
            refused = pytest.raises(sa.exc.DBAPIError, match=r"append-only|continue the hash chain")
            with refused, engine.begin() as conn:
                conn.exec_driver_sql(statement)
        assert reg.verify().ok


# -- locks -------------------------------------------------------------------------------


def test_a_busy_sqlite_register_answers_in_one_dutch_line(tiel_db: str, sample_ds: Any) -> None:
    holder = sqlite3.connect(tiel_db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    try:
        env = {**os.environ, "SPREIDINGSTOETS_REGISTER_LOCK_TIMEOUT": "0.5"}
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "spreidingstoets.cli", "register", "revoke", "1",
             "--register", tiel_db, "--reden", "test"],
            capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip
        assert result.returncode == 2
        assert result.stderr.startswith(f"fout: register {tiel_db} is bezet: ")
        assert "langer dan 0.5 s" in result.stderr and "niets vastgelegd" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
        # Reads take no write lock: listing and checking still work while it is held.
        reader = workspace(tiel_db, sample_ds)
        assert len(reader.register.entries()) == 12
        assert street(reader, "Kwartelstraat 23 Tiel")["existing"] == 1
        with Register.open(tiel_db, create=False, lock_timeout=0.3) as reg:
            reader.register_view.source.register = reg  # decide through a short lock timeout
            with pytest.raises(RegisterBusy, match="is bezet"):
                decide(
                    reader,
                    application(reader, "Kwartelstraat 19 Tiel"),
                    reader.ruleset("tiel"),
                    "verleend",
                    reference="Z",
                    actor="t",
                )
        assert time.monotonic() - started < 60
    finally:
        holder.rollback()
        holder.close()
    with Register.open(tiel_db, create=False) as reg:
        assert reg.revision == 1 and len(reg.audit()) == 1  # nothing written
        assert reg.get(1).status == "granted"


@pytest.mark.postgres
def test_postgres_lock_timeout_isolation_and_reads(request: pytest.FixtureRequest) -> None:
    import psycopg

    url = empty_pg(request.getfixturevalue("pg_database"))
    name = sa.make_url(url).database
    Register.open(url).close()
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:  # a server whose default would break unpinned decisions
        conn.exec_driver_sql(
            f'ALTER DATABASE "{name}" SET default_transaction_isolation = serializable'
        )
    admin.dispose()
    conninfo = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        with Register.open(url, lock_timeout=0.3) as reg:
            with psycopg.connect(conninfo, autocommit=True) as holder:
                holder.execute("SELECT pg_advisory_lock(%s)", (PG_LOCK_KEY,))
                started = time.monotonic()
                with pytest.raises(RegisterBusy, match=r"is bezet: .* langer dan 0\.3 s"):
                    reg.add(KW19, "kamerverhuur", actor="t")
                assert time.monotonic() - started < 5
                assert reg.entries() == [] and reg.verify().ok  # reads take no write lock
            # Writers under the advisory lock at READ COMMITTED: no serialisation failures.
            registers = [Register.open(url) for _ in range(4)]
            errors: list[BaseException] = []
            barrier = threading.Barrier(4)

            def write(i: int) -> None:
                barrier.wait()
                try:
                    for n in range(5):
                        registers[i].add(f"02810100000000{i}{n}", "kamerverhuur", actor=f"w{i}")
                        registers[i].changes_since(0)
                except BaseException as exc:
                    errors.append(exc)

            threads = [threading.Thread(target=write, args=(i,)) for i in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=60)
            for r in registers:
                r.close()
            assert errors == []
            assert (len(reg.entries()), reg.revision) == (20, 20) and reg.verify().ok
    finally:
        admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'ALTER DATABASE "{name}" RESET default_transaction_isolation')
        admin.dispose()


# -- the overlay per revision ------------------------------------------------------------


def _entry(i: int, vbo: str, kind: str, status: str) -> RegisterEntry:
    return RegisterEntry(id=i, verblijfsobject_id=vbo, kind=kind, status=status, persons=4)


ENTRIES = st.builds(
    _entry,
    st.integers(1, 40),
    st.sampled_from([f"02810100000000{n:02d}" for n in range(1, 25)] + ["0000000000000000"]),
    st.sampled_from(KINDS),
    st.sampled_from(["granted", "pending", "refused", "revoked", "ended"]),
)


class Units:
    """What an overlay reads from a dataset: 30 units, ``...0001`` to ``...0030``."""

    n_units = 30

    @staticmethod
    def unit_index(vbo: str) -> int:
        return int(vbo[-2:]) - 1 if vbo.startswith("0281") else -1


@settings(max_examples=60, deadline=None)
@given(
    base=st.lists(ENTRIES, unique_by=lambda e: e.id),
    changes=st.lists(ENTRIES, unique_by=lambda e: e.id),
    removed=st.sets(st.integers(1, 40)),
)
def test_overlay_with_changes_equals_a_rebuild(
    base: list[RegisterEntry], changes: list[RegisterEntry], removed: set[int]
) -> None:
    units: Any = Units()
    base.sort(key=lambda e: e.id)
    removed -= {c.id for c in changes}
    old = RegisterOverlay.build(units, RegisterSnapshot(tuple(base), "r1"))
    kept = (old.entries, old.ids.copy(), old.unit.copy(), old.status.copy())
    new = old.with_changes(changes, "r2", removed=removed)
    by_id = {c.id: c for c in changes}
    known = {e.id for e in base}
    expected = [by_id.get(e.id, e) for e in base if e.id not in removed]
    expected += [c for c in changes if c.id not in known]
    rebuilt = RegisterOverlay.build(units, RegisterSnapshot(tuple(expected), "r2"))
    assert new.snapshot == rebuilt.snapshot and new.unknown == rebuilt.unknown
    for name in ("ids", "unit", "kind", "status", "valid_from", "valid_until", "received"):
        assert np.array_equal(getattr(new, name), getattr(rebuilt, name)), name
    counted = Counted()
    period = Period(DAY, None, DAY)
    assert np.array_equal(new.counted_mask(period, counted), rebuilt.counted_mask(period, counted))
    for unit in {int(u) for u in rebuilt.unit}:
        assert new.entry_rows(unit) == rebuilt.entry_rows(unit)
    # Copy-on-write: the overlay a reader may still hold is as it was.
    assert old.entries == kept[0] and old.snapshot.revision == "r1"
    for before, now in zip(kept[1:], (old.ids, old.unit, old.status), strict=True):
        assert np.array_equal(before, now)


@settings(max_examples=60, deadline=None)
@given(
    entries=st.lists(ENTRIES, unique_by=lambda e: e.id),
    asked=st.lists(st.integers(0, 29), max_size=12),
)
def test_rows_of_many_units_are_their_entry_rows_in_order(
    entries: list[RegisterEntry], asked: list[int]
) -> None:
    """``rows_of`` (livability's many units at once) gives each unit's ``entry_rows`` in the
    order asked, repeated and unknown units included, with the position of each row's unit."""
    overlay = RegisterOverlay.build(Units(), RegisterSnapshot(tuple(entries), "r"))  # type: ignore[arg-type]
    rows, pos = overlay.rows_of(np.array(asked, np.int64))
    expected = [(r, k) for k, u in enumerate(asked) for r in overlay.entry_rows(u)]
    assert list(zip(rows.tolist(), pos.tolist(), strict=True)) == expected


def test_the_view_applies_changes_instead_of_rebuilding(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = ws.overlay()
    build = RegisterOverlay.build.__func__  # type: ignore[attr-defined]
    sizes: list[int] = []

    def counting(
        cls: type[RegisterOverlay], ds: Any, snapshot: RegisterSnapshot
    ) -> RegisterOverlay:
        sizes.append(len(snapshot.entries))
        return build(cls, ds, snapshot)  # type: ignore[no-any-return]

    monkeypatch.setattr(RegisterOverlay, "build", classmethod(counting))
    tiel = ws.ruleset("tiel")
    app = application(ws, "Kwartelstraat 19 Tiel")
    decide(ws, app, tiel, "in-behandeling", reference="Z-9", actor="a")
    decide(ws, app, tiel, "geweigerd", reference="Z-9", actor="a")
    second = ws.overlay()
    assert sizes and max(sizes) <= 1  # only changed entries were read into arrays
    assert second.entries == tuple(ws.register.entries())
    assert second.snapshot.revision == "sqlite@3" and ws.overlay() is second
    assert (len(first.entries), first.snapshot.revision) == (12, "sqlite@1")
    fresh = build(RegisterOverlay, ws.dataset, second.snapshot)
    assert np.array_equal(second.unit, fresh.unit) and np.array_equal(second.status, fresh.status)


# -- the lifecycle as a state machine ----------------------------------------------------

STREET_IDS = [f"02810100000000{n:02d}" for n in range(1, 13)]  # Kwartelstraat 1-23
DATES = st.dates(dt.date(2024, 1, 1), dt.date(2026, 6, 30))
CHECK_DAYS = (dt.date(2024, 6, 1), dt.date(2025, 3, 1), dt.date(2026, 1, 1), dt.date(2026, 11, 30))


class Lifecycle(RuleBasedStateMachine):
    """Random applications, decisions, retries, revocations and ends on one register."""

    dataset: Any = None
    applications = Bundle("applications")

    @initialize()
    def open(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="lifecycle-"))
        db = str(self.folder / "register.db")
        Register.open(db).close()
        self.ws = workspace(db, self.dataset)
        self.tiel = self.ws.ruleset("tiel")
        self.count = 0
        self.last: dict[str, str] = {}  # kenmerk -> the last decision recorded on it

    def teardown(self) -> None:
        self.ws.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _decide(self, app: Application, reference: str, word: str) -> None:
        try:
            decide(self.ws, app, self.tiel, word, reference=reference, actor="officer")
        except ConflictError:  # refused by the rules, a second active entry, a closed one
            return
        self.last[reference] = word

    @rule(
        target=applications,
        vbo=st.sampled_from(STREET_IDS),
        kind=st.sampled_from(("kamerverhuur", "studenten")),
        start=DATES,
        days=st.none() | st.integers(0, 500),
        word=st.sampled_from(("in-behandeling", "verleend")),
    )
    def apply(
        self, vbo: str, kind: str, start: dt.date, days: int | None, word: str
    ) -> tuple[Application, str]:
        self.count += 1
        until = None if days is None else start + dt.timedelta(days=days)  # expires by date
        app = Application(self.dataset.unit_index(vbo), kind, 4, start, valid_until=until)
        reference = f"Z-{self.count}"
        self._decide(app, reference, word)
        return app, reference

    @rule(application=applications, word=st.sampled_from(("verleend", "geweigerd")))
    def decide_on(self, application: tuple[Application, str], word: str) -> None:
        self._decide(*application, word)

    @rule(application=applications)
    def retry(self, application: tuple[Application, str]) -> None:
        app, reference = application
        assume(reference in self.last)
        _, result = decide(
            self.ws, app, self.tiel, self.last[reference], reference=reference, actor="x"
        )
        assert result.replayed

    @rule(
        application=applications, how=st.sampled_from(("revoke", "end")), days=st.integers(0, 400)
    )
    def close(self, application: tuple[Application, str], how: str, days: int) -> None:
        reference = application[1]
        found = [e for e in self.ws.register.entries() if e.reference == reference]
        assume(found and found[0].status in COUNTED_STATUSES)
        entry = found[0]
        start = entry.valid_from or dt.date(2024, 1, 1)
        day = min(start + dt.timedelta(days=days), dt.date.today())
        close = self.ws.register.revoke if how == "revoke" else self.ws.register.end
        closed = close(entry.id, reason="toets", on=day, actor="officer")
        assert closed.status == ("revoked" if how == "revoke" else "ended")
        assert closed.valid_until is not None and closed.valid_until <= day

    @invariant()
    def one_entry_per_application_and_one_active_per_dwelling(self) -> None:
        entries = self.ws.register.entries()
        keys = [(e.verblijfsobject_id, e.kind, e.reference) for e in entries]
        assert len(keys) == len(set(keys))
        active = [e for e in entries if e.status in COUNTED_STATUSES]
        for i, a in enumerate(active):
            for b in active[i + 1 :]:
                if (a.verblijfsobject_id, a.kind) == (b.verblijfsobject_id, b.kind):
                    overlap = (
                        a.valid_until is None
                        or b.valid_from is None
                        or b.valid_from <= a.valid_until
                    ) and (
                        b.valid_until is None
                        or a.valid_from is None
                        or a.valid_from <= b.valid_until
                    )
                    assert not overlap, (a, b)

    @invariant()
    def closed_and_ended_entries_never_count(self) -> None:
        overlay = self.ws.overlay()  # kept per revision by applying changes
        entries = self.ws.register.entries()
        assert overlay.entries == tuple(entries)
        for day in CHECK_DAYS:
            counted = overlay.counted_mask(Period(day, day, day), Counted())
            for vbo in STREET_IDS:
                alive = [
                    e
                    for e in entries
                    if e.verblijfsobject_id == vbo
                    and e.status in COUNTED_STATUSES
                    and (e.valid_until is None or e.valid_until >= day)
                ]
                if not alive:  # refused, revoked, ended, or expired by that day
                    assert not counted[self.dataset.unit_index(vbo)], (vbo, day, entries)

    @invariant()
    def the_log_replays_to_the_register(self) -> None:
        result = self.ws.register.verify()
        assert result.ok, result.problem


def test_lifecycle_state_machine(sample_ds: Any) -> None:
    Lifecycle.dataset = sample_ds
    run_state_machine_as_test(
        Lifecycle,
        settings=settings(
            max_examples=8,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
