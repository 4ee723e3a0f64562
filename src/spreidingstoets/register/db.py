"""The register database: permits and known cases, a revision counter and an append-only audit log.

A SQLite file by default, PostgreSQL by URL (``postgresql+psycopg://...``). The schema is
created and upgraded by the alembic migrations in ``migrations/`` whenever a register is opened.

Every write runs in one transaction that holds the register's single write lock (SQLite:
``BEGIN IMMEDIATE``; PostgreSQL: ``pg_advisory_xact_lock`` on a fixed key), changes the data,
appends an audit row and bumps the revision counter; on any error nothing is written. Because
a decision re-reads the register and re-runs the caller's check while holding that lock, two
officers deciding at once cannot both grant conflicting permits: the second one sees the first
one's entry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from ..domain.register import RegisterEntry, RegisterSnapshot
from ..domain.vocabulary import KINDS, STATUSES
from ..errors import InputError, SourceError, SpreidingstoetsError, choice_error
from .schema import VERSION_TABLE, audit_log, register_entry, register_revision
from .validate import EntryFields

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Arbitrary fixed key of the PostgreSQL advisory lock that serialises all register writes.
PG_LOCK_KEY = 0x5370_7265_6964  # "Spreid"
SQLITE_BUSY_TIMEOUT_S = 30.0

DECISION_OUTCOMES = ("granted", "pending", "refused")
CHECK_OUTCOMES = ("allowed", "refused", "review")
_TABLES = ("register_entry", "register_revision", "audit_log")

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SchemaError(SourceError):
    """The database holds a register schema this version cannot use (newer, unknown, damaged)."""


class RegisterConflict(SpreidingstoetsError):
    """A write was refused because of the register's current state (HTTP 409)."""


class DecisionConflict(RegisterConflict):
    """The register changed since the check: the decision would now grant a refused permit."""

    def __init__(self, message: str, *, recomputed: str, revision: str) -> None:
        super().__init__(message)
        self.recomputed = recomputed
        self.revision = revision


class IdempotencyConflict(RegisterConflict):
    """An idempotency key was reused for a different decision."""


@dataclass(frozen=True, slots=True)
class DecisionResult:
    """What recording a decision did (or, when ``replayed``, what the first call did)."""

    outcome: str  # the decision: granted / pending / refused
    entry: RegisterEntry | None  # the new entry; None for a refusal
    audit_id: int
    revision: int  # register revision after the decision
    replayed: bool = False  # True: the idempotency key was seen before, nothing was written
    recomputed: str | None = None  # the check outcome at decision time (None when replayed)


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One row of the append-only audit log."""

    id: int
    at: dt.datetime
    actor: str
    action: str  # add / set_status / import / decision
    verblijfsobject_id: str | None
    idempotency_key: str | None
    payload: str  # JSON text; for decisions the verdict JSON as given
    revision: int
    entry_id: int | None
    outcome: str | None

    def as_dict(self) -> dict[str, Any]:
        try:
            payload: Any = json.loads(self.payload)
        except ValueError:
            payload = self.payload
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action,
            "verblijfsobject_id": self.verblijfsobject_id,
            "idempotency_key": self.idempotency_key,
            "revision": self.revision,
            "entry_id": self.entry_id,
            "outcome": self.outcome,
            "payload": payload,
        }


def entry_as_dict(entry: RegisterEntry) -> dict[str, Any]:
    """A JSON-ready dict of an entry (dates as ISO text)."""
    return {
        "id": entry.id,
        "verblijfsobject_id": entry.verblijfsobject_id,
        "kind": entry.kind,
        "status": entry.status,
        "persons": entry.persons,
        "beds": entry.beds,
        "valid_from": entry.valid_from.isoformat() if entry.valid_from else None,
        "valid_until": entry.valid_until.isoformat() if entry.valid_until else None,
        "source": entry.source,
        "reference": entry.reference,
    }


def validate_entry(**fields: Any) -> EntryFields:
    """Validate entry fields; :class:`InputError` names every bad field and why."""
    try:
        return EntryFields(**fields)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'entry'}: {err['msg']}"
            for err in exc.errors()
        )
        raise InputError(f"invalid register entry: {problems}") from None


def _row_to_entry(row: sa.Row[Any]) -> RegisterEntry:
    return RegisterEntry(
        id=row.id,
        verblijfsobject_id=row.verblijfsobject_id.strip(),
        kind=row.kind,
        status=row.status,
        persons=row.persons,
        beds=row.beds,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        source=row.source,
        reference=row.reference,
    )


def _row_to_audit(row: sa.Row[Any]) -> AuditRecord:
    return AuditRecord(
        id=row.id,
        at=row.at,
        actor=row.actor,
        action=row.action,
        verblijfsobject_id=row.verblijfsobject_id.strip() if row.verblijfsobject_id else None,
        idempotency_key=row.idempotency_key,
        payload=row.payload,
        revision=int(row.revision),
        entry_id=row.entry_id,
        outcome=row.outcome,
    )


def _json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)


def _resolve_url(url_or_path: str | Path, create: bool) -> URL:
    """Turn a path or URL into a SQLAlchemy URL; a bare path is a SQLite file."""
    if isinstance(url_or_path, str) and "://" in url_or_path:
        try:
            url = make_url(url_or_path)
        except ArgumentError as exc:
            raise InputError(f"invalid register URL {url_or_path!r}: {exc}") from None
    else:
        url = URL.create("sqlite", database=str(Path(url_or_path)))
    backend = url.get_backend_name()
    if backend == "postgres" or url.drivername == "postgresql":
        # Only psycopg 3 is a dependency; plain postgresql:// would ask for psycopg2.
        url = url.set(drivername="postgresql+psycopg")
    elif backend == "sqlite":
        database = url.database or ""
        if database in ("", ":memory:") or database.startswith("file:"):
            raise InputError("an in-memory SQLite register is not supported; give a file path")
        path = Path(database)
        if not path.parent.is_dir():
            raise InputError(f"folder of the register {path} does not exist")
        if not create and not path.is_file():
            raise InputError(f"register {path} does not exist")
    elif backend != "postgresql":
        raise InputError(
            f"unsupported register database {url.drivername!r}; "
            "use a SQLite file path or a postgresql+psycopg:// URL"
        )
    return url


def _make_engine(url: URL) -> Engine:
    if url.get_backend_name() == "sqlite":
        engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite would defer it).
            dbapi_conn.isolation_level = None
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            # Writers take the write lock up front, so a check-then-insert cannot interleave
            # with another writer (and never fails half-way on a lock upgrade).
            write = conn.get_execution_options().get("register_write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine
    return sa.create_engine(url, pool_pre_ping=True)


class Register:
    """A permit register in a SQLite file or a PostgreSQL database.

    Open one with :meth:`Register.open`; it is safe to share between threads (each call takes
    its own connection) and between processes (writes serialise on the database's lock).
    """

    def __init__(self, engine: Engine, *, label: str, clock: Clock = utc_now) -> None:
        self._engine = engine
        self._label = label
        self._clock = clock

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def open(
        cls, url_or_path: str | Path, *, create: bool = True, clock: Clock = utc_now
    ) -> Register:
        """Open (and with ``create`` create) a register and migrate its schema to head.

        Parameters
        ----------
        url_or_path
            A SQLite file path, or a database URL (``sqlite:///file.db``,
            ``postgresql+psycopg://user@host/db``).
        create
            Create the file or schema when there is none; with ``False`` a missing register is
            an :class:`InputError`.
        clock
            Gives the time of changes when a call passes no ``at``.
        """
        url = _resolve_url(url_or_path, create)
        label = url.render_as_string(hide_password=True)
        if url.get_backend_name() == "sqlite":
            label = str(url.database)
        engine = _make_engine(url)
        register = cls(engine, label=label, clock=clock)
        try:
            register._migrate(create)
        except SQLAlchemyError as exc:
            engine.dispose()
            raise SourceError(f"cannot open register {label}: {_db_message(exc)}") from None
        except BaseException:
            engine.dispose()
            raise
        return register

    def _migrate(self, create: bool) -> None:
        from alembic import command
        from alembic.config import Config
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        script = ScriptDirectory(str(MIGRATIONS_DIR))
        known = {s.revision for s in script.walk_revisions()}
        with self._write() as conn:
            context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
            current = context.get_current_heads()
            unknown = [rev for rev in current if rev not in known]
            if unknown:
                raise SchemaError(
                    f"register {self._label} has schema revision {', '.join(unknown)}, which "
                    f"this version of spreidingstoets does not know (it knows up to "
                    f"{script.get_current_head()}); upgrade spreidingstoets"
                )
            if not current:
                present = sorted(set(sa.inspect(conn).get_table_names()) & set(_TABLES))
                if present:
                    raise SchemaError(
                        f"{self._label} has register tables ({', '.join(present)}) but no "
                        f"schema version ({VERSION_TABLE}); it was not made by spreidingstoets"
                    )
                if not create:
                    raise InputError(f"{self._label} holds no register (no schema)")
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS_DIR))
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Register:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Register({self._label!r})"

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    @property
    def label(self) -> str:
        return self._label

    # -- transactions --------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A transaction holding the register's single write lock; rolled back on error."""
        with self._engine.connect() as conn:
            conn.execution_options(register_write=True)
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(PG_LOCK_KEY)))
                yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        """A read transaction that sees one consistent state of the register."""
        with self._engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn

    def _now(self, at: dt.datetime | None) -> dt.datetime:
        moment = self._clock() if at is None else at
        if moment.tzinfo is None:
            raise ValueError("`at` must be a timezone-aware datetime")
        return moment

    @staticmethod
    def _current_revision(conn: Connection) -> int:
        value = conn.execute(
            sa.select(register_revision.c.revision).where(register_revision.c.id == 1)
        ).scalar_one()
        return int(value)

    @staticmethod
    def _bump(conn: Connection) -> int:
        value = conn.execute(
            register_revision.update()
            .where(register_revision.c.id == 1)
            .values(revision=register_revision.c.revision + 1)
            .returning(register_revision.c.revision)
        ).scalar_one()
        return int(value)

    @staticmethod
    def _log(conn: Connection, **values: Any) -> int:
        result = conn.execute(audit_log.insert().returning(audit_log.c.id), values)
        return int(result.scalar_one())

    def _revision_label(self, revision: int) -> str:
        return f"{self.dialect}@{revision}"

    def _snapshot(self, conn: Connection) -> RegisterSnapshot:
        revision = self._current_revision(conn)
        rows = conn.execute(sa.select(register_entry).order_by(register_entry.c.id)).all()
        return RegisterSnapshot(
            entries=tuple(_row_to_entry(r) for r in rows),
            revision=self._revision_label(revision),
        )

    @staticmethod
    def _insert(conn: Connection, fields: EntryFields, at: dt.datetime) -> RegisterEntry:
        values = fields.model_dump()
        entry_id = conn.execute(
            register_entry.insert().returning(register_entry.c.id),
            {**values, "created_at": at, "updated_at": at},
        ).scalar_one()
        return RegisterEntry(id=int(entry_id), **values)

    # -- reading -------------------------------------------------------------------------

    @property
    def revision(self) -> int:
        """The revision counter; it goes up with every change."""
        with self._read() as conn:
            return self._current_revision(conn)

    def snapshot(self) -> RegisterSnapshot:
        """All entries at the current revision (revision label ``"<dialect>@<n>"``)."""
        with self._read() as conn:
            return self._snapshot(conn)

    def get(self, entry_id: int) -> RegisterEntry:
        with self._read() as conn:
            row = conn.execute(
                sa.select(register_entry).where(register_entry.c.id == entry_id)
            ).first()
        if row is None:
            raise InputError(f"no register entry with id {entry_id}")
        return _row_to_entry(row)

    def entries(
        self,
        verblijfsobject_id: str | None = None,
        kind: str | None = None,
        status: str | None = None,
        valid_on: dt.date | None = None,
    ) -> list[RegisterEntry]:
        """Entries matching all given filters, in id order."""
        query = sa.select(register_entry).order_by(register_entry.c.id)
        if verblijfsobject_id is not None:
            query = query.where(register_entry.c.verblijfsobject_id == verblijfsobject_id)
        if kind is not None:
            if kind not in KINDS:
                raise InputError(choice_error("soort gebruik", kind, KINDS))
            query = query.where(register_entry.c.kind == kind)
        if status is not None:
            if status not in STATUSES:
                raise InputError(choice_error("status", status, STATUSES))
            query = query.where(register_entry.c.status == status)
        if valid_on is not None:
            start, until = register_entry.c.valid_from, register_entry.c.valid_until
            query = query.where(
                sa.or_(start.is_(None), start <= valid_on),
                sa.or_(until.is_(None), until >= valid_on),
            )
        with self._read() as conn:
            return [_row_to_entry(r) for r in conn.execute(query)]

    def audit(self, limit: int = 100, offset: int = 0) -> list[AuditRecord]:
        """Audit rows, newest first."""
        if limit < 1 or offset < 0:
            raise InputError("limit must be >= 1 and offset >= 0")
        query = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit).offset(offset)
        with self._read() as conn:
            return [_row_to_audit(r) for r in conn.execute(query)]

    def decision_verdict(self, idempotency_key: str) -> str | None:
        """The verdict JSON kept with the decision recorded under ``idempotency_key``, if any."""
        query = sa.select(audit_log.c.payload).where(
            audit_log.c.idempotency_key == idempotency_key, audit_log.c.action == "decision"
        )
        with self._read() as conn:
            row = conn.execute(query).first()
        return None if row is None else str(row.payload)

    # -- writing -------------------------------------------------------------------------

    def add(
        self,
        verblijfsobject_id: str,
        kind: str,
        *,
        status: str = "granted",
        persons: int | None = None,
        beds: int | None = None,
        valid_from: dt.date | None = None,
        valid_until: dt.date | None = None,
        source: str = "",
        reference: str = "",
        actor: str,
        at: dt.datetime | None = None,
    ) -> RegisterEntry:
        """Add one entry (a permit or known case) without a check; audited."""
        fields = validate_entry(
            verblijfsobject_id=verblijfsobject_id,
            kind=kind,
            status=status,
            persons=persons,
            beds=beds,
            valid_from=valid_from,
            valid_until=valid_until,
            source=source,
            reference=reference,
        )
        moment = self._now(at)
        with self._write() as conn:
            entry = self._insert(conn, fields, moment)
            revision = self._bump(conn)
            self._log(
                conn,
                at=moment,
                actor=actor,
                action="add",
                verblijfsobject_id=entry.verblijfsobject_id,
                payload=_json(fields.model_dump(mode="json")),
                revision=revision,
                entry_id=entry.id,
            )
        return entry

    def set_status(
        self, entry_id: int, status: str, *, actor: str, at: dt.datetime | None = None
    ) -> RegisterEntry:
        """Change the status of an entry (e.g. revoke or expire a permit); audited."""
        if status not in STATUSES:
            raise InputError(choice_error("status", status, STATUSES))
        moment = self._now(at)
        with self._write() as conn:
            row = conn.execute(
                sa.select(register_entry).where(register_entry.c.id == entry_id)
            ).first()
            if row is None:
                raise InputError(f"no register entry with id {entry_id}")
            conn.execute(
                register_entry.update()
                .where(register_entry.c.id == entry_id)
                .values(status=status, updated_at=moment)
            )
            revision = self._bump(conn)
            self._log(
                conn,
                at=moment,
                actor=actor,
                action="set_status",
                verblijfsobject_id=row.verblijfsobject_id,
                payload=_json({"from": row.status, "to": status}),
                revision=revision,
                entry_id=entry_id,
            )
            updated = conn.execute(
                sa.select(register_entry).where(register_entry.c.id == entry_id)
            ).one()
        return _row_to_entry(updated)

    def import_entries(
        self,
        rows: Sequence[EntryFields],
        *,
        actor: str,
        file_name: str,
        replace: bool = False,
        at: dt.datetime | None = None,
    ) -> int:
        """Insert validated rows in one transaction with one audit row; returns the revision.

        With ``replace`` all existing entries are removed first (the audit log keeps them).
        """
        moment = self._now(at)
        with self._write() as conn:
            removed = 0
            if replace:
                removed = conn.execute(register_entry.delete()).rowcount
            if rows:
                conn.execute(
                    register_entry.insert(),
                    [{**r.model_dump(), "created_at": moment, "updated_at": moment} for r in rows],
                )
            revision = self._bump(conn)
            self._log(
                conn,
                at=moment,
                actor=actor,
                action="import",
                payload=_json(
                    {"file": file_name, "rows": len(rows), "replace": replace, "removed": removed}
                ),
                revision=revision,
            )
        return revision

    def record_decision(
        self,
        *,
        verblijfsobject_id: str,
        kind: str,
        persons: int | None,
        beds: int | None = None,
        valid_from: dt.date | None = None,
        valid_until: dt.date | None = None,
        reference: str = "",
        verdict_json: str,
        outcome: str,
        actor: str,
        at: dt.datetime | None = None,
        idempotency_key: str | None = None,
        check: Callable[[RegisterSnapshot], str],
        source: str = "decision",
    ) -> DecisionResult:
        """Record an officer's decision on an application, atomically and at most once.

        In one transaction holding the register's write lock: (a) a known
        ``idempotency_key`` returns the first result and writes nothing; (b) ``check`` is
        run on the register as it is now; granting fails with :class:`DecisionConflict` when
        it returns ``"refused"``, or ``"review"`` while the verdict decided on said
        ``"allowed"``; (c) ``granted`` / ``pending`` insert an entry with that status,
        ``refused`` inserts none; (d) an audit row keeps ``verdict_json`` as given; (e) the
        revision goes up.

        The idempotency fingerprint covers the decision fields and ``outcome`` but not the
        verdict JSON, whose provenance (register revision) legitimately differs on a retry.
        """
        if outcome not in DECISION_OUTCOMES:
            raise InputError(choice_error("besluit", outcome, DECISION_OUTCOMES))
        fields = validate_entry(
            verblijfsobject_id=verblijfsobject_id,
            kind=kind,
            status="pending" if outcome == "pending" else "granted",
            persons=persons,
            beds=beds,
            valid_from=valid_from,
            valid_until=valid_until,
            source=source,
            reference=reference,
        )
        try:
            verdict = json.loads(verdict_json)
        except (TypeError, ValueError) as exc:
            raise InputError(f"verdict_json is not valid JSON: {exc}") from None
        if idempotency_key is not None and not idempotency_key.strip():
            raise InputError("idempotency_key must not be empty")
        fingerprint = hashlib.sha256(
            _json({**fields.model_dump(mode="json"), "outcome": outcome}).encode()
        ).hexdigest()
        moment = self._now(at)

        with self._write() as conn:
            if idempotency_key is not None:
                earlier = conn.execute(
                    sa.select(audit_log).where(audit_log.c.idempotency_key == idempotency_key)
                ).first()
                if earlier is not None:
                    return self._replay(conn, earlier, fingerprint, idempotency_key)

            snapshot = self._snapshot(conn)
            recomputed = check(snapshot)
            if recomputed not in CHECK_OUTCOMES:
                raise ValueError(f"check returned {recomputed!r}; expected one of {CHECK_OUTCOMES}")
            decided_on = verdict.get("outcome") if isinstance(verdict, dict) else None
            if outcome == "granted" and (
                recomputed == "refused" or (recomputed == "review" and decided_on == "allowed")
            ):
                raise DecisionConflict(
                    f"the register changed since the check: granting {kind} on verblijfsobject "
                    f"{fields.verblijfsobject_id} now gives {recomputed!r} at register revision "
                    f"{snapshot.revision}; run the check again",
                    recomputed=recomputed,
                    revision=snapshot.revision,
                )

            entry = None if outcome == "refused" else self._insert(conn, fields, moment)
            revision = self._bump(conn)
            audit_id = self._log(
                conn,
                at=moment,
                actor=actor,
                action="decision",
                verblijfsobject_id=fields.verblijfsobject_id,
                idempotency_key=idempotency_key,
                payload=verdict_json,
                revision=revision,
                entry_id=entry.id if entry else None,
                outcome=outcome,
                request_sha256=fingerprint,
            )
        return DecisionResult(
            outcome=outcome,
            entry=entry,
            audit_id=audit_id,
            revision=revision,
            recomputed=recomputed,
        )

    @staticmethod
    def _replay(
        conn: Connection, earlier: sa.Row[Any], fingerprint: str, key: str
    ) -> DecisionResult:
        if earlier.action != "decision" or earlier.request_sha256 != fingerprint:
            raise IdempotencyConflict(
                f"idempotency key {key!r} was already used for a different decision "
                f"(audit row {earlier.id}); use a new key for a new decision"
            )
        entry = None
        if earlier.entry_id is not None:
            row = conn.execute(
                sa.select(register_entry).where(register_entry.c.id == earlier.entry_id)
            ).first()
            entry = _row_to_entry(row) if row is not None else None
        return DecisionResult(
            outcome=earlier.outcome,
            entry=entry,
            audit_id=earlier.id,
            revision=int(earlier.revision),
            replayed=True,
        )


def _db_message(exc: SQLAlchemyError) -> str:
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
