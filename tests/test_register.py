"""The permit register: migrations, CSV import/export, audit log, decisions, concurrency.

Most tests run on SQLite and on PostgreSQL. PostgreSQL tests use a fresh database per test run
on the server named by SPREIDINGSTOETS_TEST_PG (default postgres@127.0.0.1:5432/test) and skip
with the reason when it is unreachable.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from spreidingstoets.domain.register import RegisterSnapshot
from spreidingstoets.errors import InputError
from spreidingstoets.register import cli as register_cli
from spreidingstoets.register.csvio import (
    export_csv,
    export_geopackage,
    import_csv,
)
from spreidingstoets.register.db import (
    DecisionConflict,
    DecisionResult,
    IdempotencyConflict,
    Register,
    SchemaError,
)
from spreidingstoets.register.schema import VERSION_TABLE, metadata
from spreidingstoets.tabular import Problem, TableError

AT = dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.UTC)
HEADER = "verblijfsobject_id,kind,persons,status,valid_from,valid_until,reference"
VBO_A = "0363010000000001"
VBO_B = "0363010000000002"
# A street of four dwellings on which at most one granted kamerverhuur permit is allowed.
STREET = tuple(f"03630100000001{i:02d}" for i in range(1, 5))

PG_ADMIN = os.environ.get("SPREIDINGSTOETS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


# -- fixtures ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, dropped afterwards."""
    psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed")
    admin_url = sa.make_url(PG_ADMIN).set(drivername="postgresql")
    conninfo = admin_url.render_as_string(hide_password=False)
    try:
        admin = psycopg.connect(conninfo, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        reason = " ".join(str(exc).split())[:120]
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN} ({reason})")
    name = f"spreidingstoets_test_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.set(drivername="postgresql+psycopg", database=name).render_as_string(
            hide_password=False
        )
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty register location on each backend."""
    if request.param == "sqlite":
        return str(tmp_path / "register.db")
    database: str = request.getfixturevalue("pg_database")
    engine = sa.create_engine(database)
    with engine.begin() as conn:  # every test starts from an empty database
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()
    return database


@pytest.fixture
def register(url: str) -> Iterator[Register]:
    reg = Register.open(url)
    yield reg
    reg.close()


def write_csv(path: Path, *lines: str, header: str = HEADER) -> Path:
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def one_per_street(snapshot: RegisterSnapshot) -> str:
    granted = [
        e for e in snapshot.entries if e.verblijfsobject_id in STREET and e.status == "granted"
    ]
    return "refused" if granted else "allowed"


def verdict(outcome: str = "allowed", **extra: object) -> str:
    return json.dumps({"outcome": outcome, "rules": [], **extra})


def decide(reg: Register, vbo: str, check: Callable[[RegisterSnapshot], str], **kw: object):
    args: dict[str, object] = {
        "verblijfsobject_id": vbo,
        "kind": "kamerverhuur",
        "persons": 4,
        "valid_from": dt.date(2025, 3, 1),
        "reference": "Z-2025-1",
        "verdict_json": verdict(),
        "outcome": "granted",
        "actor": "officer",
        "at": AT,
        "check": check,
    }
    args.update(kw)
    return reg.record_decision(**args)  # type: ignore[arg-type]


def audit_count(reg: Register) -> int:
    with reg.engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM audit_log").scalar_one())


# -- schema and migrations ---------------------------------------------------------------


def test_migrations_create_schema(url: str) -> None:
    with Register.open(url) as reg:
        inspector = sa.inspect(reg.engine)
        tables = set(inspector.get_table_names())
        assert {"register_entry", "register_revision", "audit_log", VERSION_TABLE} <= tables
        assert reg.revision == 0
        assert reg.snapshot() == RegisterSnapshot(entries=(), revision=f"{reg.dialect}@0")
        with reg.engine.connect() as conn:
            assert conn.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}").all() == [
                ("0001",)
            ]
        # CHECK constraints hold even for writers that bypass the library.
        for bad in ("'woonboot', 'granted', 1", "'kamerverhuur', 'granted', -1"):
            with pytest.raises(sa.exc.IntegrityError), reg.engine.begin() as conn:
                conn.exec_driver_sql(
                    "INSERT INTO register_entry (verblijfsobject_id, kind, status, persons, "
                    f"created_at, updated_at) VALUES ('{VBO_A}', {bad}, "
                    "'2025-01-01 00:00:00', '2025-01-01 00:00:00')"
                )
    with Register.open(url, create=False) as again:  # reopening migrates nothing
        assert again.revision == 0


def test_schema_matches_migrations(register: Register) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with register.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        assert compare_metadata(context, metadata) == []


def test_refuses_newer_schema(url: str) -> None:
    Register.open(url).close()
    engine = sa.create_engine(url if "://" in url else f"sqlite:///{url}")
    with engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE {VERSION_TABLE} SET version_num = '9999'")
    engine.dispose()
    with pytest.raises(SchemaError, match=r"schema revision 9999.*upgrade spreidingstoets"):
        Register.open(url)


def test_refuses_foreign_tables_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE register_entry (x INTEGER)")
    engine.dispose()
    with pytest.raises(SchemaError, match="not made by spreidingstoets"):
        Register.open(path)
    with pytest.raises(InputError, match="does not exist"):
        Register.open(tmp_path / "missing.db", create=False)
    assert not (tmp_path / "missing.db").exists()
    with pytest.raises(InputError, match="unsupported register database"):
        Register.open("mysql://localhost/x")


# -- CSV import --------------------------------------------------------------------------


def test_csv_import_good_rows(register: Register, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "permits.csv",
        f"{VBO_A},kamerverhuur,4,granted,2024-01-01,,Z-2024-7",
        f"{VBO_B},arbeidsmigranten,,tolerated,,2030-12-31,handhaving 12,120,BRP",
        header=HEADER + ",beds,source",
    )
    # A row may not be shorter than the header; give the first row empty beds/source.
    text = path.read_text().splitlines()
    text[1] += ",,"
    path.write_text("\n".join(text) + "\n")

    result = import_csv(register, path, actor="beheerder", at=AT)
    assert (result.rows, result.revision) == (2, 1)
    a, b = register.entries()
    assert (a.verblijfsobject_id, a.kind, a.persons, a.valid_from) == (
        VBO_A,
        "kamerverhuur",
        4,
        dt.date(2024, 1, 1),
    )
    assert a.source == ""
    assert (b.status, b.persons, b.beds, b.valid_until, b.source) == (
        "tolerated",
        None,
        120,
        dt.date(2030, 12, 31),
        "BRP",
    )
    (log,) = register.audit()
    assert (log.action, log.actor, log.revision, log.at) == ("import", "beheerder", 1, AT)
    payload = json.loads(log.payload)
    # Without a source column the rows record the file they came from.
    import_csv(
        register,
        write_csv(tmp_path / "b.csv", f"{VBO_A},studenten,2,granted,,,Z"),
        actor="t",
        at=AT,
    )
    assert register.entries(kind="studenten")[0].source == "import b.csv"
    assert (payload["file"], payload["rows"]) == ("permits.csv", 2)


def test_csv_with_one_bad_row_imports_nothing(register: Register, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "permits.csv",
        f"{VBO_A},kamerverhuur,4,granted,2024-01-01,,Z-1",
        f"{VBO_B},kamerverhuur,4,granted,2024-01-01,,Z-2",
        f"{VBO_B},kamerverhuur,-3,granted,2024-01-01,,Z-3",
    )
    with pytest.raises(TableError) as caught:
        import_csv(register, path, actor="beheerder", at=AT)
    message = str(caught.value)
    assert message.startswith(f"{path}, regel 4, kolom persons: ")
    assert "verwacht een geheel getal van 0 of meer, niet '-3'" in message
    assert register.entries() == []
    assert register.revision == 0
    assert register.audit() == []


def test_csv_reports_every_bad_row_with_suggestions(register: Register, tmp_path: Path) -> None:
    lines = [f"{VBO_A},kamerverhuu,4,grnted,01-02-2024,,Z"]  # line 2: three errors
    lines.append(f"{VBO_A},kamerverhuur,4,granted,2024-05-01,2024-04-30,Z")  # line 3
    lines.append('036301,kamerverhuur,4,granted,2024-01-01,,"two\nlines"')  # line 4-5
    lines.append(f"{VBO_A},kamerverhuur,4,granted")  # line 6: too few fields
    lines += [f"{VBO_A},x,4,granted,,,Z"] * 20  # lines 7-26
    path = write_csv(tmp_path / "bad.csv", *lines)
    with pytest.raises(TableError) as caught:
        import_csv(register, path, actor="t", at=AT)
    problems = caught.value.problems
    assert problems[:6] == [
        Problem(
            2,
            "kind",
            "kind 'kamerverhuu' bestaat niet; bedoelt u 'kamerverhuur'? "
            "(geldig: kamerverhuur, arbeidsmigranten, studenten, omzetting)",
        ),
        Problem(
            2,
            "status",
            "status 'grnted' bestaat niet; bedoelt u 'granted'? "
            "(geldig: granted, tolerated, pending, illegal, revoked, expired)",
        ),
        Problem(2, "valid_from", "verwacht een datum JJJJ-MM-DD, niet '01-02-2024'"),
        Problem(3, "valid_until", "valid_until 2024-04-30 ligt voor valid_from 2024-05-01"),
        Problem(
            4,
            "verblijfsobject_id",
            "verwacht een BAG-identificatie van een verblijfsobject van precies 16 cijfers, "
            "niet '036301'",
        ),
        Problem(6, None, "4 cellen, de kopregel heeft er 7"),
    ]
    assert problems[-1][:2] == (26, "kind")
    assert len(problems) == 26
    message = str(caught.value)
    assert message.startswith(f"{path}: 26 fouten, niets ingelezen:\n  regel 2, kolom kind: ")
    assert message.endswith("\n  ... en nog 6")
    assert register.entries() == []


def test_csv_header_and_known_ids(register: Register, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "h.csv", header=HEADER + ",bedden")
    with pytest.raises(
        InputError, match=r"regel 1, kolom bedden: onbekende kolom; bedoelt u 'beds'?"
    ) as c:
        import_csv(register, path, actor="t", at=AT)
    assert "(geldig: verblijfsobject_id, kind, persons" in str(c.value)
    with pytest.raises(InputError, match="regel 1, kolom reference: verplichte kolom ontbreekt"):
        import_csv(
            register,
            write_csv(tmp_path / "m.csv", header=HEADER[: -len(",reference")]),
            actor="t",
            at=AT,
        )

    path = write_csv(tmp_path / "k.csv", f"{VBO_A},kamerverhuur,4,granted,,,Z")
    with pytest.raises(
        InputError, match=f"regel 2, kolom verblijfsobject_id: .*{VBO_A} staat niet in de dataset"
    ):
        import_csv(register, path, actor="t", at=AT, known_ids={VBO_B})
    assert import_csv(register, path, actor="t", at=AT, known_ids={VBO_A}).rows == 1

    # Dutch spreadsheet CSV: semicolons and a byte order mark.
    semi = tmp_path / "excel.csv"
    semi.write_text(
        "\ufeff" + HEADER.replace(",", ";") + f"\n{VBO_B};studenten;2;pending;;;Z\n",
        encoding="utf-8",
    )
    assert import_csv(register, semi, actor="t", at=AT).rows == 1
    with pytest.raises(InputError, match=r"nope\.csv: bestand niet gevonden"):
        import_csv(register, tmp_path / "nope.csv", actor="t", at=AT)


def test_import_replace(register: Register, tmp_path: Path) -> None:
    register.add(VBO_A, "kamerverhuur", persons=3, actor="t", at=AT)
    path = write_csv(tmp_path / "new.csv", f"{VBO_B},kamerverhuur,4,granted,,,Z")
    import_csv(register, path, actor="t", at=AT, replace=True)
    assert [e.verblijfsobject_id for e in register.entries()] == [VBO_B]
    assert json.loads(register.audit(limit=1)[0].payload)["removed"] == 1


# -- revisions, queries, audit -----------------------------------------------------------


def test_snapshot_revision_changes_after_each_change(register: Register, tmp_path: Path) -> None:
    seen = [register.snapshot().revision]
    entry = register.add(VBO_A, "kamerverhuur", persons=4, actor="t", at=AT)
    seen.append(register.snapshot().revision)
    register.set_status(entry.id, "revoked", actor="t", at=AT)
    seen.append(register.snapshot().revision)
    import_csv(
        register,
        write_csv(tmp_path / "a.csv", f"{VBO_B},studenten,2,granted,,,Z"),
        actor="t",
        at=AT,
    )
    seen.append(register.snapshot().revision)
    decide(register, STREET[0], one_per_street)
    snapshot = register.snapshot()
    seen.append(snapshot.revision)
    d = register.dialect
    assert seen == [f"{d}@0", f"{d}@1", f"{d}@2", f"{d}@3", f"{d}@4"]
    assert [(e.verblijfsobject_id, e.status) for e in snapshot.entries] == [
        (VBO_A, "revoked"),
        (VBO_B, "granted"),
        (STREET[0], "granted"),
    ]
    assert [a.revision for a in register.audit()] == [4, 3, 2, 1]
    assert [a.action for a in register.audit(limit=2, offset=1)] == ["import", "set_status"]


def test_entries_filters_and_validation(register: Register) -> None:
    register.add(
        VBO_A,
        "kamerverhuur",
        actor="t",
        at=AT,
        valid_from=dt.date(2024, 1, 1),
        valid_until=dt.date(2024, 12, 31),
    )
    register.add(VBO_B, "studenten", status="pending", actor="t", at=AT)
    assert len(register.entries(valid_on=dt.date(2024, 6, 1))) == 2
    assert [e.verblijfsobject_id for e in register.entries(valid_on=dt.date(2025, 1, 1))] == [VBO_B]
    assert [e.kind for e in register.entries(status="pending")] == ["studenten"]
    assert [e.kind for e in register.entries(verblijfsobject_id=VBO_A)] == ["kamerverhuur"]
    with pytest.raises(InputError, match="bedoelt u 'pending'"):
        register.entries(status="pendng")
    with pytest.raises(InputError, match="persons: verwacht een geheel getal"):
        register.add(VBO_A, "kamerverhuur", persons=-1, actor="t", at=AT)
    with pytest.raises(InputError, match="no register entry with id 999"):
        register.set_status(999, "revoked", actor="t", at=AT)
    assert register.revision == 2


def test_audit_log_rejects_update_and_delete(register: Register) -> None:
    register.add(VBO_A, "kamerverhuur", actor="t", at=AT)
    for statement in ("UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), register.engine.begin() as c:
            c.exec_driver_sql(statement)
    if register.dialect == "postgresql":
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), register.engine.begin() as c:
            c.exec_driver_sql("TRUNCATE audit_log")
    (row,) = register.audit()
    assert row.actor == "t"
    assert not hasattr(register, "delete_audit")


# -- decisions ---------------------------------------------------------------------------


def test_idempotent_decision(register: Register) -> None:
    calls: list[str] = []

    def check(snapshot: RegisterSnapshot) -> str:
        calls.append(snapshot.revision)
        return one_per_street(snapshot)

    first = decide(register, STREET[0], check, idempotency_key="zaak-1/besluit")
    again = decide(
        register,
        STREET[0],
        check,
        idempotency_key="zaak-1/besluit",
        verdict_json=verdict(register_revision="other"),
    )
    assert isinstance(first, DecisionResult)
    assert not first.replayed and again.replayed
    assert first.entry is not None and again.entry == first.entry
    assert (again.audit_id, again.revision) == (first.audit_id, first.revision)
    assert len(calls) == 1  # the replay ran no check and wrote nothing
    assert len(register.entries()) == 1
    assert audit_count(register) == 1
    (log,) = register.audit()
    assert (log.action, log.outcome, log.idempotency_key) == (
        "decision",
        "granted",
        "zaak-1/besluit",
    )
    assert log.payload == verdict()  # the verdict JSON exactly as given

    with pytest.raises(IdempotencyConflict, match="already used for a different decision"):
        decide(register, STREET[1], check, idempotency_key="zaak-1/besluit")
    assert audit_count(register) == 1
    assert register.revision == 1


def test_refusal_writes_only_the_audit_row(register: Register) -> None:
    result = decide(
        register, VBO_A, lambda s: "refused", outcome="refused", verdict_json=verdict("refused")
    )
    assert result.entry is None and result.recomputed == "refused"
    assert register.entries() == []
    (log,) = register.audit()
    assert (log.outcome, log.entry_id, log.revision) == ("refused", None, 1)


def test_grant_after_register_changed_conflicts_and_writes_nothing(register: Register) -> None:
    decide(register, STREET[0], one_per_street)
    before = (register.revision, audit_count(register))
    with pytest.raises(DecisionConflict, match="register changed since the check") as caught:
        decide(register, STREET[1], one_per_street)
    assert caught.value.recomputed == "refused"
    assert (register.revision, audit_count(register)) == before
    assert len(register.entries()) == 1
    # A verdict that said "allowed" and now needs review is also a conflict.
    with pytest.raises(DecisionConflict):
        decide(register, VBO_A, lambda s: "review")
    # After a review the officer may grant a "review" verdict.
    assert decide(register, VBO_A, lambda s: "review", verdict_json=verdict("review")).entry


def test_failing_check_leaves_nothing_half_written(register: Register) -> None:
    def broken(snapshot: RegisterSnapshot) -> str:
        raise RuntimeError("rule engine crashed")

    with pytest.raises(RuntimeError):
        decide(register, VBO_A, broken, idempotency_key="k")
    with pytest.raises(ValueError, match="check returned 'maybe'"):
        decide(register, VBO_A, lambda s: "maybe")
    with pytest.raises(InputError, match="not valid JSON"):
        decide(register, VBO_A, one_per_street, verdict_json="{oops")
    assert (register.revision, audit_count(register), register.entries()) == (0, 0, [])
    assert decide(register, VBO_A, one_per_street, idempotency_key="k").replayed is False


@pytest.mark.parametrize("deciders", [2, 4])
def test_concurrent_conflicting_grants_exactly_one_succeeds(url: str, deciders: int) -> None:
    Register.open(url).close()
    registers = [Register.open(url) for _ in range(deciders)]  # one connection pool each
    barrier = threading.Barrier(deciders)
    results: list[object] = [None] * deciders
    seen: list[list[str]] = [[] for _ in range(deciders)]

    def slow_check(i: int) -> Callable[[RegisterSnapshot], str]:
        def check(snapshot: RegisterSnapshot) -> str:
            seen[i] = [e.verblijfsobject_id for e in snapshot.entries]
            time.sleep(0.2)  # widen the window between check and insert
            return one_per_street(snapshot)

        return check

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = decide(registers[i], STREET[i], slow_check(i), actor=f"officer{i}")
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(deciders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for reg in registers:
        reg.close()

    granted = [r for r in results if isinstance(r, DecisionResult)]
    conflicts = [r for r in results if isinstance(r, DecisionConflict)]
    assert len(granted) == 1, results
    assert len(conflicts) == deciders - 1, results
    winner = granted[0].entry
    assert winner is not None
    # Every loser's check ran after the winner committed and saw its entry.
    for i, r in enumerate(results):
        if isinstance(r, DecisionConflict):
            assert seen[i] == [winner.verblijfsobject_id]
    with Register.open(url) as reg:
        assert [e.id for e in reg.entries()] == [winner.id]
        assert audit_count(reg) == 1
        assert reg.revision == 1


# -- export ------------------------------------------------------------------------------


def fill(register: Register) -> None:
    register.add(
        VBO_A,
        "kamerverhuur",
        persons=4,
        valid_from=dt.date(2024, 1, 1),
        reference='Z-1, "hoek"',
        source="vergunning",
        actor="t",
        at=AT,
    )
    register.add(
        VBO_B,
        "arbeidsmigranten",
        status="tolerated",
        beds=120,
        valid_until=dt.date(2030, 1, 1),
        actor="t",
        at=AT,
    )
    register.add(STREET[0], "studenten", status="illegal", persons=7, actor="t", at=AT)


def test_export_csv_round_trip(register: Register, tmp_path: Path) -> None:
    fill(register)
    out = tmp_path / "export.csv"
    assert export_csv(register, out).rows == 3
    assert out.read_text().splitlines()[0] == HEADER + ",beds,source,id"
    with Register.open(tmp_path / "copy.db") as copy:
        assert import_csv(copy, out, actor="t", at=AT).rows == 3
        assert copy.entries() == register.entries()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_export_geopackage(register: Register, tmp_path: Path) -> None:
    pyogrio = pytest.importorskip("pyogrio")
    fill(register)
    out = tmp_path / "register.gpkg"
    points = {VBO_A: (155000.0, 463000.0), VBO_B: (155010.5, 463020.25)}
    result = export_geopackage(register, out, points)
    assert (result.rows, result.without_geometry) == (3, 1)
    info = pyogrio.read_info(out)
    assert info["crs"] == "EPSG:28992"
    assert info["features"] == 3
    frame = pyogrio.read_dataframe(out)
    assert list(frame["verblijfsobject_id"]) == [VBO_A, VBO_B, STREET[0]]
    assert (frame.geometry[1].x, frame.geometry[1].y) == (155010.5, 463020.25)
    assert frame.geometry[2] is None or frame.geometry[2].is_empty
    assert list(frame["beds"].fillna(-1)) == [-1, 120, -1]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_failed_export_keeps_the_old_file(
    register: Register, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import geopandas as gpd

    fill(register)
    out = tmp_path / "register.gpkg"
    out.write_text("old")

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", boom)
    with pytest.raises(Exception, match="disk full"):
        export_geopackage(register, out, {})
    assert out.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp file


# -- CLI ---------------------------------------------------------------------------------


def test_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    app = register_cli.app
    db = str(tmp_path / "cli.db")
    good = write_csv(tmp_path / "good.csv", f"{VBO_A},kamerverhuur,4,granted,2024-01-01,,Z-1")
    bad = write_csv(tmp_path / "bad.csv", f"{VBO_A},kamerverhuur,vier,granted,,,Z")

    r = runner.invoke(app, ["list", "--register", db])
    assert r.exit_code == 2 and "does not exist" in r.stderr

    r = runner.invoke(app, ["import", str(good), "--register", db, "--actor", "anna"])
    assert r.exit_code == 0, r.output
    assert "1 registraties ingelezen" in r.stdout

    r = runner.invoke(app, ["import", str(bad), "--register", db])
    assert r.exit_code == 2
    assert "regel 2, kolom persons" in r.stderr

    r = runner.invoke(app, ["list", "--register", db, "--json", "--valid-on", "2024-06-01"])
    assert r.exit_code == 0, r.output
    assert [e["verblijfsobject_id"] for e in json.loads(r.stdout)] == [VBO_A]
    r = runner.invoke(app, ["list", "--register", db])
    assert r.exit_code == 0 and VBO_A in r.stdout
    r = runner.invoke(app, ["list", "--register", db, "--status", "grantd"])
    assert r.exit_code == 2 and "bedoelt u 'granted'" in r.stderr
    r = runner.invoke(app, ["list", "--register", db, "--valid-on", "1-1-2024"])
    assert r.exit_code == 2 and "--valid-on" in r.stderr

    r = runner.invoke(app, ["audit", "--register", db, "--json"])
    assert r.exit_code == 0
    (log,) = json.loads(r.stdout)
    assert (log["action"], log["actor"], log["payload"]["rows"]) == ("import", "anna", 1)
    assert runner.invoke(app, ["audit", "--register", db]).exit_code == 0

    out = tmp_path / "out.csv"
    r = runner.invoke(app, ["export", "--register", db, "--out", str(out)])
    assert r.exit_code == 0 and out.read_text().startswith(HEADER)

    gpkg = tmp_path / "out.gpkg"
    r = runner.invoke(app, ["export", "--register", db, "--out", str(gpkg), "--data", "x"])
    assert r.exit_code == 2 and "geen gecompileerde dataset" in r.stderr
    monkeypatch.setattr(register_cli, "points_for", lambda d: {VBO_A: (1.0, 2.0)})
    r = runner.invoke(app, ["export", "--register", db, "--out", str(gpkg), "--data", "x"])
    assert r.exit_code == 0, r.output
    assert gpkg.is_file()
