"""The permit register: migrations, CSV import/export, audit log, decisions, concurrency.

Most tests run on SQLite and on PostgreSQL. PostgreSQL tests use a fresh database per test run
on the server named by SPREIDINGSTOETS_TEST_PG (default postgres@127.0.0.1:5432/test) and skip
with the reason when it is unreachable. The lifecycle, the audit chain, locks and decisions on
the sample dataset are in ``test_register_lifecycle.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from register_helpers import fake_verdict, pg_database_fixture, url_fixture  # noqa: F401
from spreidingstoets.domain.model import Verdict
from spreidingstoets.domain.register import RegisterEntry
from spreidingstoets.errors import ConflictError, InputError, NotFoundError
from spreidingstoets.register import cli as register_cli
from spreidingstoets.register.csvio import (
    export_csv,
    export_geopackage,
    import_csv,
)
from spreidingstoets.register.db import (
    SCHEMA_HEAD,
    ActiveEntryConflict,
    DecisionConflict,
    DecisionResult,
    IdempotencyConflict,
    LockedRegister,
    Register,
    RegisterChanges,
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


# -- fixtures ----------------------------------------------------------------------------


@pytest.fixture
def register(url: str) -> Iterator[Register]:
    reg = Register.open(url)
    yield reg
    reg.close()


def write_csv(path: Path, *lines: str, header: str = HEADER) -> Path:
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def entries_now(locked: LockedRegister) -> tuple[RegisterEntry, ...]:
    """Every entry, read through the lock the check runs under."""
    return locked.changes_since(None).entries


def one_per_street(locked: LockedRegister) -> Verdict:
    granted = [
        e for e in entries_now(locked) if e.verblijfsobject_id in STREET and e.status == "granted"
    ]
    return fake_verdict("refused" if granted else "allowed", locked.label)


def always(outcome: str) -> Callable[[LockedRegister], Verdict]:
    return lambda locked: fake_verdict(outcome, locked.label)


def decide(reg: Register, vbo: str, check: Callable[[LockedRegister], Verdict], **kw: object):
    args: dict[str, object] = {
        "verblijfsobject_id": vbo,
        "kind": "kamerverhuur",
        "persons": 4,
        "valid_from": dt.date(2025, 3, 1),
        "reference": f"Z-{vbo[-3:]}",
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


# -- the cheap revision read a server makes before every check ------------------------------


def test_revision_now_follows_writes_of_other_handles_in_every_thread(
    url: str, tmp_path: Path
) -> None:
    """What another worker writes is seen at once by the kept-connection read, from any
    thread; a broken kept connection is replaced, not reported."""
    with Register.open(url) as reader, Register.open(url) as writer:
        assert reader.revision_now() == 0
        import_csv(
            writer, write_csv(tmp_path / "a.csv", f"{VBO_A},studenten,2,granted,,,Z"), actor="t"
        )
        assert reader.revision_now() == writer.revision == 1
        seen: list[int] = []
        thread = threading.Thread(target=lambda: seen.append(reader.revision_now()))
        thread.start()
        thread.join()
        assert seen == [1]
        import_csv(
            writer, write_csv(tmp_path / "b.csv", f"{VBO_B},studenten,2,granted,,,Y"), actor="t"
        )
        reader._probe.conn.close()  # e.g. the database server restarted
        assert reader.revision_now() == 2
        assert reader.revision_now() == 2  # on a new kept connection


# -- schema and migrations ---------------------------------------------------------------


def test_migrations_create_schema(url: str) -> None:
    with Register.open(url) as reg:
        inspector = sa.inspect(reg.engine)
        tables = set(inspector.get_table_names())
        assert {"register_entry", "register_revision", "audit_log", VERSION_TABLE} <= tables
        assert reg.revision == 0
        assert reg.changes_since(None) == RegisterChanges(0, f"{reg.dialect}@0", (), True)
        with reg.engine.connect() as conn:
            assert conn.exec_driver_sql(f"SELECT version_num FROM {VERSION_TABLE}").all() == [
                (SCHEMA_HEAD,)
            ]
        # CHECK constraints hold even for writers that bypass the library.
        for bad in ("'woonboot', 'granted', 1", "'kamerverhuur', 'granted', -1"):
            with pytest.raises(sa.exc.IntegrityError), reg.engine.begin() as conn:
                conn.exec_driver_sql(
                    "INSERT INTO register_entry (verblijfsobject_id, kind, status, persons, "
                    f"created_at, updated_at, changed_revision) VALUES ('{VBO_A}', {bad}, "
                    "'2025-01-01 00:00:00', '2025-01-01 00:00:00', 0)"
                )
    with Register.open(url, create=False) as again:  # reopening migrates nothing
        assert again.revision == 0


def test_schema_matches_migrations(register: Register) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from spreidingstoets.register.db import KNOWN_SCHEMAS, MIGRATIONS_DIR

    with register.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        assert compare_metadata(context, metadata) == []
    # Opening reads the version without alembic: its constants must follow the scripts.
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    assert script.get_current_head() == SCHEMA_HEAD
    assert sorted(s.revision for s in script.walk_revisions()) == list(KNOWN_SCHEMAS)


def test_refuses_newer_schema(url: str) -> None:
    Register.open(url).close()
    engine = sa.create_engine(url if "://" in url else f"sqlite:///{url}")
    with engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE {VERSION_TABLE} SET version_num = '9999'")
    engine.dispose()
    with pytest.raises(SchemaError, match=r"schemaversie 9999.*werk spreidingstoets bij"):
        Register.open(url)


def test_refuses_foreign_tables_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE register_entry (x INTEGER)")
    engine.dispose()
    with pytest.raises(SchemaError, match="niet door spreidingstoets gemaakt"):
        Register.open(path)
    with pytest.raises(InputError, match="bestaat niet"):
        Register.open(tmp_path / "missing.db", create=False)
    assert not (tmp_path / "missing.db").exists()
    with pytest.raises(InputError, match="wordt niet ondersteund"):
        Register.open("mysql://localhost/x")


def test_older_register_is_upgraded_once_on_request(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from alembic import command
    from alembic.config import Config

    from spreidingstoets.register.db import MIGRATIONS_DIR

    engine = sa.create_engine(url if "://" in url else f"sqlite:///{url}")
    with engine.begin() as conn:  # a register as 0.2.0 left it: schema 0001, with data
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
        for vbo, status in ((VBO_A, "granted"), (VBO_B, "revoked")):
            conn.exec_driver_sql(
                "INSERT INTO register_entry (verblijfsobject_id, kind, status, persons, reference, "
                f"created_at, updated_at) VALUES ('{vbo}', 'kamerverhuur', '{status}', 4, 'Z', "
                "'2025-01-01 00:00:00', '2025-01-01 00:00:00')"
            )
        conn.exec_driver_sql("UPDATE register_revision SET revision = 2")
        conn.exec_driver_sql(
            "INSERT INTO audit_log (at, actor, action, payload, revision) "
            "VALUES ('2025-01-01 00:00:00', 'anna', 'import', '{\"rows\": 2}', 1)"
        )
    engine.dispose()

    with pytest.raises(SchemaError, match=r"schemaversie 0001.*'spreidingstoets register migrate"):
        Register.open(url, create=False)
    result = CliRunner().invoke(register_cli.app, ["migrate", "--register", url])
    assert result.exit_code == 0, result.output
    assert f"schemaversie {SCHEMA_HEAD}" in result.stdout

    def no_migrations(*args: object, **kwargs: object) -> None:
        raise AssertionError("opening an up-to-date register ran the migrations")

    monkeypatch.setattr(command, "upgrade", no_migrations)
    with Register.open(url, create=False) as reg:
        assert [(e.verblijfsobject_id, e.status) for e in reg.entries()] == [
            (VBO_A, "granted"),
            (VBO_B, "revoked"),
        ]
        assert [e.received for e in reg.entries()] == [None, None]  # unknown: start stands in
        assert reg.revision == 2
        migrated, old = reg.audit()
        assert (migrated.action, old.action, old.actor) == ("migrate", "import", "anna")
        assert reg.verify().ok  # the old row is chained, the migrate row replays the entries
        assert reg.changes_since(2).entries == ()  # existing entries belong to revision 2
        reg.add(VBO_A, "studenten", status="ended", actor="t", at=AT)  # a 0002 status
        assert reg.verify().ok


# -- CSV import ------------------------------------------------------------------------------------------------------------------------------------------------


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
            "status 'grnted' bestaat niet; bedoelt u 'verleend'? (geldig: verleend, gedoogd, "
            "in behandeling, illegaal, geweigerd, ingetrokken, beëindigd, verlopen)",
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
    import_csv(
        register,
        write_csv(tmp_path / "old.csv", f"{VBO_A},kamerverhuur,3,granted,,,Y"),
        actor="t",
        at=AT,
    )
    path = write_csv(tmp_path / "new.csv", f"{VBO_B},kamerverhuur,4,granted,,,Z")
    import_csv(register, path, actor="t", at=AT, replace=True)
    assert [e.verblijfsobject_id for e in register.entries()] == [VBO_B]
    assert json.loads(register.audit(limit=1)[0].payload)["removed"] == 1
    assert register.verify().ok  # the removed entry is in the log, before and after
    # A reader's copy from before the replace is read again, not patched.
    assert register.changes_since(1).full and not register.changes_since(2).full


def test_import_twice_skips_the_rows_already_there(register: Register, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "permits.csv",
        f"{VBO_A},kamerverhuur,4,verleend,2024-01-01,,Z-1",
        f"{VBO_B},studenten,2,in behandeling,,,Z-2",
        f"{VBO_B},studenten,2,in behandeling,,,Z-2",  # the same row twice in one file
    )
    first = import_csv(register, path, actor="t", at=AT)
    assert (first.rows, first.skipped) == (2, (4,))
    assert [e.status for e in register.entries()] == [
        "granted",
        "pending",
    ]  # Dutch in, codes stored
    again = import_csv(register, path, actor="t", at=AT)
    assert (again.rows, again.skipped, again.revision) == (0, (2, 3, 4), first.revision)
    assert (
        again.summary
        == "0 registraties ingelezen, 3 al aanwezig en overgeslagen (regel(s) 2, 3, 4)"
    )
    assert len(register.entries()) == 2 and len(register.audit()) == 1  # nothing written


def test_import_replace_refuses_to_drop_audited_entries(register: Register, tmp_path: Path) -> None:
    import_csv(
        register,
        write_csv(tmp_path / "a.csv", f"{VBO_A},kamerverhuur,4,granted,,,Z-1"),
        actor="t",
        at=AT,
    )
    decided = decide(register, STREET[0], always("allowed"))
    exported = tmp_path / "export.csv"
    export_csv(register, exported)
    before = (register.revision, register.entries())
    # export -> decide -> import --replace of the old export would drop the new decision
    decide(register, STREET[1], always("allowed"))
    with pytest.raises(
        ConflictError, match=rf"2 registratie\(s\) verwijderen .*{decided.entry.id}"
    ):
        import_csv(register, exported, actor="t", at=AT, replace=True)
    assert register.revision == before[0] + 1
    assert len(register.entries()) == 3


# -- revisions, queries, audit -----------------------------------------------------------


def test_revision_changes_after_each_change(register: Register, tmp_path: Path) -> None:
    def label() -> str:
        return register.changes_since(None).label

    seen = [label()]
    entry = register.add(VBO_A, "kamerverhuur", persons=4, actor="t", at=AT)
    seen.append(label())
    register.revoke(entry.id, reason="handhaving", on=dt.date(2025, 2, 1), actor="t", at=AT)
    seen.append(label())
    import_csv(
        register,
        write_csv(tmp_path / "a.csv", f"{VBO_B},studenten,2,granted,,,Z"),
        actor="t",
        at=AT,
    )
    seen.append(label())
    decide(register, STREET[0], one_per_street)
    snapshot = register.changes_since(None)
    seen.append(snapshot.label)
    d = register.dialect
    assert seen == [f"{d}@0", f"{d}@1", f"{d}@2", f"{d}@3", f"{d}@4"]
    assert [(e.verblijfsobject_id, e.status) for e in snapshot.entries] == [
        (VBO_A, "revoked"),
        (VBO_B, "granted"),
        (STREET[0], "granted"),
    ]
    assert [a.revision for a in register.audit()] == [4, 3, 2, 1]
    assert [a.action for a in register.audit(limit=2, offset=1)] == ["import", "revoke"]
    assert snapshot.entries[0].valid_until == dt.date(2025, 2, 1)
    # Each change marks its entries with its revision: a reader at 2 gets only 3 and 4.
    changes = register.changes_since(2)
    assert (changes.revision, changes.full) == (4, False)
    assert [e.verblijfsobject_id for e in changes.entries] == [VBO_B, STREET[0]]
    assert register.changes_since(4).entries == ()


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
    assert [e.kind for e in register.entries(status="in behandeling")] == ["studenten"]
    with pytest.raises(InputError, match="bedoelt u 'in behandeling'"):
        register.entries(status="pendng")
    with pytest.raises(InputError, match="persons: verwacht een geheel getal"):
        register.add(VBO_A, "kamerverhuur", persons=-1, actor="t", at=AT)
    with pytest.raises(NotFoundError, match="registratie 999 bestaat niet"):
        register.revoke(999, reason="x", actor="t", at=AT)
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

    def check(locked: LockedRegister) -> Verdict:
        calls.append(locked.label)
        return one_per_street(locked)

    first = decide(register, STREET[0], check, idempotency_key="zaak-1/besluit")
    again = decide(register, STREET[0], check, idempotency_key="zaak-1/besluit")
    assert isinstance(first, DecisionResult)
    assert not first.replayed and again.replayed
    assert again.entry == first.entry
    assert (again.audit_id, again.revision, again.verdict_json) == (
        first.audit_id,
        first.revision,
        first.verdict_json,
    )
    assert calls == [f"{register.dialect}@0"]  # the replay ran no check and wrote nothing
    assert len(register.entries()) == 1
    assert audit_count(register) == 1
    (log,) = register.audit()
    assert (log.action, log.outcome, log.idempotency_key) == (
        "decision",
        "granted",
        "zaak-1/besluit",
    )
    assert log.payload == first.verdict_json  # the verdict computed inside the lock
    assert json.loads(log.payload)["provenance"]["register_revision"] == calls[0]

    with pytest.raises(IdempotencyConflict, match="al gebruikt voor een ander besluit"):
        decide(register, STREET[1], check, idempotency_key="zaak-1/besluit")
    assert audit_count(register) == 1
    assert register.revision == 1


def test_same_decision_without_a_key_is_recorded_once(register: Register) -> None:
    first = decide(register, STREET[0], always("allowed"))
    again = decide(register, STREET[0], always("allowed"))
    assert again.replayed and (again.audit_id, again.entry) == (first.audit_id, first.entry)
    assert (len(register.entries()), audit_count(register)) == (1, 1)
    # The same application with other data is not the same decision, and it is already granted.
    with pytest.raises(ConflictError, match=r"al verleend \(registratie 1\)"):
        decide(register, STREET[0], always("allowed"), persons=3)
    for blank in ("", "   "):
        with pytest.raises(InputError, match="kenmerk van een besluit mag niet leeg"):
            decide(register, STREET[1], always("allowed"), reference=blank)
    assert (len(register.entries()), audit_count(register)) == (1, 1)


def test_pending_then_decided_is_one_entry_with_its_history(register: Register) -> None:
    seen: list[RegisterEntry | None] = []

    def check(locked: LockedRegister) -> Verdict:
        seen.append(locked.application)
        return fake_verdict("allowed", locked.label)

    pending = decide(register, VBO_A, check, outcome="pending", reference="Z-100")
    granted = decide(register, VBO_A, check, reference="Z-100", persons=3)
    assert (pending.previous, granted.previous) == (None, "pending")
    assert granted.entry.id == pending.entry.id
    assert (granted.entry.status, granted.entry.persons) == ("granted", 3)
    assert seen == [None, pending.entry]  # the check is told which entry is the application's
    assert [(e.id, e.status) for e in register.entries()] == [(pending.entry.id, "granted")]
    changes = [json.loads(a.change)["entries"][0] for a in reversed(register.audit())]
    assert [(c["before"] and c["before"]["status"], c["after"]["status"]) for c in changes] == [
        (None, "pending"),
        ("pending", "granted"),
    ]
    refused = decide(register, VBO_B, always("refused"), outcome="refused", reference="Z-101")
    assert refused.entry.status == "refused"  # a refused application is an entry, not counted
    with pytest.raises(ConflictError, match="is al geweigerd"):
        decide(register, VBO_B, always("allowed"), reference="Z-101")
    assert register.verify().ok


def test_second_active_permit_on_a_dwelling_is_a_conflict(register: Register) -> None:
    first = decide(register, VBO_A, always("allowed"), reference="A1")
    before = (register.revision, audit_count(register))
    for outcome in ("granted", "pending"):
        with pytest.raises(ActiveEntryConflict, match="kenmerk A1 \\(verleend") as caught:
            decide(register, VBO_A, always("allowed"), reference="A2", outcome=outcome)
        assert "wijzig of beëindig eerst registratie 1" in str(caught.value)
        assert caught.value.existing == first.entry
    assert (register.revision, audit_count(register)) == before
    # Another kind, or a refusal, or a period after the first one ended, is no conflict.
    decide(register, VBO_A, always("allowed"), reference="A3", kind="studenten")
    decide(register, VBO_A, always("refused"), reference="A4", outcome="refused")
    register.end(
        first.entry.id,
        reason="verhuur gestopt",
        on=dt.date(2025, 6, 30),
        actor="t",
        at=AT.replace(month=7),
    )
    later = decide(
        register, VBO_A, always("allowed"), reference="A5", valid_from=dt.date(2025, 7, 1)
    )
    assert later.entry.status == "granted"


def test_revoke_and_end(register: Register) -> None:
    granted = register.add(VBO_A, "kamerverhuur", valid_from=dt.date(2024, 1, 1), actor="t", at=AT)
    with pytest.raises(InputError, match="ligt in de toekomst"):
        register.revoke(granted.id, reason="x", on=dt.date(2025, 3, 2), actor="t", at=AT)
    with pytest.raises(InputError, match="ligt voor de ingangsdatum 2024-01-01"):
        register.revoke(granted.id, reason="x", on=dt.date(2023, 12, 31), actor="t", at=AT)
    with pytest.raises(InputError, match="geef een reden"):
        register.revoke(granted.id, reason=" ", actor="t", at=AT)
    revoked = register.revoke(granted.id, reason="overlast", actor="t", at=AT)
    assert (revoked.status, revoked.valid_until) == ("revoked", AT.date())
    with pytest.raises(ConflictError, match="is al ingetrokken"):
        register.end(granted.id, reason="x", actor="t", at=AT)
    (log, _) = register.audit()
    assert (log.action, log.outcome, json.loads(log.payload)) == (
        "revoke",
        "revoked",
        {"date": "2025-03-01", "reason": "overlast"},
    )
    pending = register.add(VBO_B, "studenten", status="pending", actor="t", at=AT)
    assert (
        register.end(pending.id, reason="aanvraag ingetrokken", actor="t", at=AT).status == "ended"
    )
    assert register.verify().ok


def test_refused_grant_conflicts_and_writes_nothing(register: Register) -> None:
    decide(register, STREET[0], one_per_street)
    before = (register.revision, audit_count(register))
    with pytest.raises(DecisionConflict, match=r"verlenen kan niet \(registerrevisie \w+@1\)") as c:
        decide(register, STREET[1], one_per_street)
    assert c.value.verdict.outcome == "refused"
    assert c.value.revision == f"{register.dialect}@1"
    assert (register.revision, audit_count(register)) == before
    assert len(register.entries()) == 1
    # A verdict asking for review may be granted (the officer weighed it); pending is recorded.
    assert decide(register, VBO_A, always("review")).entry.status == "granted"
    assert decide(register, STREET[1], one_per_street, outcome="pending").entry.status == "pending"


def test_failing_check_leaves_nothing_half_written(register: Register) -> None:
    def broken(locked: LockedRegister) -> Verdict:
        raise RuntimeError("rule engine crashed")

    with pytest.raises(RuntimeError):
        decide(register, VBO_A, broken, idempotency_key="k")
    with pytest.raises(InputError, match="besluit 'maybe' bestaat niet"):
        decide(register, VBO_A, one_per_street, outcome="maybe")
    assert (register.revision, audit_count(register), register.entries()) == (0, 0, [])
    assert decide(register, VBO_A, one_per_street, idempotency_key="k").replayed is False


@pytest.mark.parametrize("deciders", [2, 4])
def test_concurrent_conflicting_grants_exactly_one_succeeds(url: str, deciders: int) -> None:
    Register.open(url).close()
    registers = [Register.open(url) for _ in range(deciders)]  # one connection pool each
    barrier = threading.Barrier(deciders)
    results: list[object] = [None] * deciders
    seen: list[list[str]] = [[] for _ in range(deciders)]

    def slow_check(i: int) -> Callable[[LockedRegister], Verdict]:
        def check(locked: LockedRegister) -> Verdict:
            seen[i] = [e.verblijfsobject_id for e in entries_now(locked)]
            time.sleep(0.2)  # widen the window between check and insert
            return one_per_street(locked)

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
    # Every loser's check ran after the winner committed and saw its entry.
    for i, r in enumerate(results):
        if isinstance(r, DecisionConflict):
            assert seen[i] == [winner.verblijfsobject_id]
    with Register.open(url) as reg:
        assert [e.id for e in reg.entries()] == [winner.id]
        assert audit_count(reg) == 1
        assert reg.revision == 1


def test_concurrent_writers_keep_the_log_in_order(url: str) -> None:
    Register.open(url).close()
    registers = [Register.open(url) for _ in range(4)]
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def write(i: int) -> None:
        barrier.wait()
        try:
            for n in range(5):
                registers[i].add(f"0363010000000{i}{n:02d}", "kamerverhuur", actor=f"w{i}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for reg in registers:
        reg.close()
    assert errors == []
    with Register.open(url) as reg:
        log = list(reversed(reg.audit(limit=100)))
        # Timestamps are taken inside the lock: in id order, and one revision per row.
        assert [a.at for a in log] == sorted(a.at for a in log)
        assert [a.revision for a in log] == list(range(1, 21))
        assert reg.verify().ok


# -- export ------------------------------------------------------------------------------


def fill(register: Register) -> None:
    register.add(
        VBO_A,
        "kamerverhuur",
        persons=4,
        valid_from=dt.date(2024, 1, 1),
        reference='Z-1, "hoek"',
        source="vergunning",
        received=dt.date(2023, 11, 20),
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
    assert out.read_text().splitlines()[0] == HEADER + ",beds,source,received,id"
    with Register.open(tmp_path / "copy.db") as copy:
        assert import_csv(copy, out, actor="t", at=AT).rows == 3
        assert copy.entries() == register.entries()
        assert copy.entries()[0].received == dt.date(2023, 11, 20)
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
    assert r.exit_code == 2 and "bestaat niet" in r.stderr

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
    assert r.exit_code == 2 and "bedoelt u 'verleend'" in r.stderr
    r = runner.invoke(app, ["list", "--register", db, "--status", "verleend"])
    assert r.exit_code == 0 and f"{VBO_A}\tkamerverhuur\tverleend\t" in r.stdout
    r = runner.invoke(app, ["list", "--register", db, "--valid-on", "1-1-2024"])
    assert r.exit_code == 2 and "--valid-on" in r.stderr

    r = runner.invoke(app, ["audit", "--register", db, "--json"])
    assert r.exit_code == 0
    (log,) = json.loads(r.stdout)
    assert (log["action"], log["actor"], log["payload"]["rows"]) == ("import", "anna", 1)
    assert runner.invoke(app, ["audit", "--register", db]).exit_code == 0

    # Revoke and end from the command line, in Dutch; JSON keeps the codes.
    revoke = ["revoke", "1", "--register", db, "--reden", "overlast", "--actor", "bob"]
    r = runner.invoke(app, [*revoke, "--datum", "2024-06-30"])
    assert r.exit_code == 0, r.output
    assert "registratie 1 " in r.stdout and "is ingetrokken met einddatum 2024-06-30" in r.stdout
    r = runner.invoke(app, ["list", "--register", db, "--status", "ingetrokken", "--json"])
    assert [(e["status"], e["valid_until"]) for e in json.loads(r.stdout)] == [
        ("revoked", "2024-06-30")
    ]
    r = runner.invoke(app, ["end", "1", "--register", db, "--reden", "x"])
    assert r.exit_code == 2 and "registratie 1 is al ingetrokken" in r.stderr
    r = runner.invoke(app, ["end", "7", "--register", db, "--reden", "x"])
    assert r.exit_code == 2 and "registratie 7 bestaat niet" in r.stderr
    r = runner.invoke(app, ["audit", "--register", db])
    assert "intrekking\t" in r.stdout and "\tingetrokken\t" in r.stdout
    r = runner.invoke(app, ["audit", "--register", db, "--verify"])
    assert r.exit_code == 0 and r.stdout.startswith("auditlog in orde: 2 regels")

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
