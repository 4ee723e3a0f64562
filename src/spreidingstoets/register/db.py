"""The register database: permits and known cases with their lifecycle, a revision counter and
a hash-chained, append-only audit log.

A SQLite file by default, PostgreSQL by URL (``postgresql+psycopg://...``).

**Lifecycle.** An application is one entry with a history: a decision ``pending`` creates it,
a later ``granted`` or ``refused`` with the same (verblijfsobject, kind, kenmerk) updates it;
``revoke`` and ``end`` close an entry on a date (status and ``valid_until``); an entry past its
``valid_until`` is simply not valid on later dates. Refused, revoked, ended and expired entries
never count (``COUNTED_STATUSES``). A dwelling has at most one active entry (granted,
tolerated, pending, illegal) of a kind for any period: a decision that would add a second one
is a :class:`ActiveEntryConflict`.

**Writes.** Every write runs in one transaction that holds the register's single write lock
(SQLite: ``BEGIN IMMEDIATE`` with a busy timeout; PostgreSQL: ``pg_advisory_xact_lock`` on a
fixed key after ``SET LOCAL lock_timeout``, at READ COMMITTED), takes its timestamp, bumps the
revision, changes the entries (each marked with that revision) and appends an audit row that
records the entries before and after; on any error nothing is written. A lock that is not
free within the timeout is a :class:`RegisterBusy` (one Dutch line, exit 2). A decision runs
the caller's check *inside* that lock on the register as it is at that moment, and stores
that verdict: the audit record is what the register looked like when it was decided.

**Reads** take no write lock (SQLite WAL; PostgreSQL REPEATABLE READ, so a server default of
SERIALIZABLE changes nothing). :meth:`Register.changes_since` gives only the entries changed
after a revision, so a reader keeps its overlay current without reading every row.

**Audit log.** Each row carries the hash of the row before it (``audit.py``); triggers refuse
UPDATE and DELETE and any INSERT that does not continue the chain, which closes SQLite's
``REPLACE`` paths. :meth:`Register.verify` recomputes the chain and replays the log to the
register's entries. Limit: whoever owns the database can drop the triggers or rewrite the
whole chain (on PostgreSQL: the owner of the tables; on SQLite: anyone who can write the file);
the chain then still shows the edit unless every later hash is recomputed too, so note the head
hash that ``register audit --verify`` prints somewhere else to anchor the log.

**Schema.** Alembic migrations in ``migrations/``. Opening a register reads its schema version
(one read, no lock); a new register is created with ``create=True``; an older one is upgraded
only on request (``upgrade=True``, ``spreidingstoets register migrate``), once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from ..domain.model import Verdict, verdict_from_json, verdict_json
from ..domain.register import RegisterEntry
from ..domain.vocabulary import COUNTED_STATUSES, KINDS, STATUS_NL, parse_status
from ..errors import (
    ConflictError,
    InputError,
    NotFoundError,
    SourceError,
    choice_error,
)
from . import audit as chain
from .schema import VERSION_TABLE, audit_log, register_entry, register_revision
from .validate import EntryFields

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
SCHEMA_HEAD = "0004"  # the newest migration (tests/test_register.py keeps this in step)
KNOWN_SCHEMAS = ("0001", "0002", "0003", "0004")
# Arbitrary fixed key of the PostgreSQL advisory lock that serialises all register writes.
PG_LOCK_KEY = 0x5370_7265_6964  # "Spreid"
DEFAULT_LOCK_TIMEOUT_S = 5.0
LOCAL_TIME = ZoneInfo("Europe/Amsterdam")  # "today" for an end date is the municipality's day

DECISION_OUTCOMES = ("granted", "pending", "refused")
CLOSING = ("revoked", "ended")
_TABLES = ("register_entry", "register_revision", "audit_log")

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SchemaError(SourceError):
    """The database holds a register schema this version cannot use (newer, older, unknown)."""


class RegisterBusy(ConflictError):
    """Another writer held the register's lock for longer than the lock timeout."""

    code = "register-bezet"
    http_status = 503


class DecisionConflict(ConflictError):
    """Checked inside the write lock, the application may not be granted (now)."""

    def __init__(self, message: str, *, verdict: Verdict, revision: str) -> None:
        super().__init__(message)
        self.verdict = verdict
        self.revision = revision


class ActiveEntryConflict(ConflictError):
    """The dwelling already has an active entry of this kind (with another kenmerk)."""

    def __init__(self, message: str, *, existing: RegisterEntry) -> None:
        super().__init__(message)
        self.existing = existing


class IdempotencyConflict(ConflictError):
    """An idempotency key was reused for a different decision."""


@dataclass(frozen=True, slots=True)
class DecisionResult:
    """What recording a decision did (or, when ``replayed``, what the first call did)."""

    outcome: str  # the decision: granted / pending / refused
    entry: RegisterEntry  # the application's entry, as it is after the decision
    audit_id: int
    revision: int  # register revision after the decision
    verdict: Verdict  # the verdict stored with the decision (computed inside the lock)
    verdict_json: str  # ... as the audit log holds it
    replayed: bool = False  # True: this decision was already recorded; nothing was written
    previous: str | None = None  # the entry's status before (None: a new application)


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    revision: int
    added: int
    skipped: tuple[int, ...]  # positions of the rows that were already in the register


@dataclass(frozen=True, slots=True)
class RegisterChanges:
    """Entries changed after a revision: a reader's overlay applies them to its copy."""

    revision: int  # the register's revision now
    label: str  # the same as a revision label, "sqlite@17"
    entries: tuple[RegisterEntry, ...]  # changed (or, when ``full``, all) entries, by id
    full: bool  # True: the reader's copy cannot be updated; ``entries`` is the whole register


@dataclass(frozen=True)
class LockedRegister:
    """The register inside a decision's write lock, as the decision's check sees it."""

    revision: int
    label: str
    application: RegisterEntry | None  # the application's own entry (pending), if any
    received: dt.date | None  # the application's date of receipt, as it will be stored
    _changes: Callable[[int | None], RegisterChanges]

    def changes_since(self, revision: int | None) -> RegisterChanges:
        return self._changes(revision)


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One row of the append-only audit log."""

    id: int
    at: dt.datetime
    actor: str
    action: str  # add / import / decision / revoke / end / migrate
    verblijfsobject_id: str | None
    idempotency_key: str | None
    payload: str  # JSON text; for decisions the verdict JSON
    revision: int
    entry_id: int | None
    outcome: str | None
    change: str | None  # JSON: the entries before and after (audit.py)
    hash: str

    def as_dict(self) -> dict[str, Any]:
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
            "payload": json.loads(self.payload),
            "change": json.loads(self.change) if self.change else None,
            "hash": self.hash,
        }


def entry_as_dict(entry: RegisterEntry) -> dict[str, Any]:
    """A JSON-ready dict of an entry (dates as ISO text, English codes)."""
    return {"id": entry.id, **chain.entry_values(entry)}


def validate_entry(**fields: Any) -> EntryFields:
    """Validate entry fields; :class:`InputError` names every bad field and why."""
    try:
        return EntryFields(**fields)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'registratie'}: {err['msg']}"
            for err in exc.errors()
        )
        raise InputError(f"ongeldige registratie: {problems}") from None


def _row_to_entry(row: Any) -> RegisterEntry:
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
        received=row.received,
    )


def _row_to_audit(row: Any) -> AuditRecord:
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
        change=row.change,
        hash=row.hash.strip(),
    )


def _json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)


def _period(entry: RegisterEntry) -> str:
    start = entry.valid_from.isoformat() if entry.valid_from else "onbepaald"
    return f"vanaf {start}" + (f" tot en met {entry.valid_until}" if entry.valid_until else "")


def _resolve_url(url_or_path: str | Path, create: bool) -> URL:
    """Turn a path or URL into a SQLAlchemy URL; a bare path is a SQLite file."""
    if isinstance(url_or_path, str) and "://" in url_or_path:
        try:
            url = make_url(url_or_path)
        except ArgumentError as exc:
            raise InputError(f"ongeldige register-URL {url_or_path!r}: {exc}") from None
    else:
        url = URL.create("sqlite", database=str(Path(url_or_path)))
    backend = url.get_backend_name()
    if backend == "postgres" or url.drivername == "postgresql":
        # Only psycopg 3 is a dependency; plain postgresql:// would ask for psycopg2.
        url = url.set(drivername="postgresql+psycopg")
    elif backend == "sqlite":
        database = url.database or ""
        if database in ("", ":memory:") or database.startswith("file:"):
            raise InputError("een SQLite-register in het geheugen kan niet; geef een bestandspad")
        path = Path(database)
        if not path.parent.is_dir():
            raise InputError(f"de map van het register {path} bestaat niet")
        if not create and not path.is_file():
            raise InputError(f"register {path} bestaat niet")
    elif backend != "postgresql":
        raise InputError(
            f"registerdatabase {url.drivername!r} wordt niet ondersteund; "
            "geef een SQLite-bestand of een postgresql+psycopg://-URL"
        )
    return url


def _make_engine(url: URL, lock_timeout: float) -> Engine:
    if url.get_backend_name() == "sqlite":
        # The busy timeout covers readers (WAL: rarely busy, e.g. during recovery); writers
        # wait for the write lock in _begin_immediate instead.
        engine = sa.create_engine(url, connect_args={"timeout": lock_timeout})

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
            if conn.get_execution_options().get("register_write", False):
                _begin_immediate(conn.connection.driver_connection, lock_timeout)
            else:
                conn.exec_driver_sql("BEGIN")

        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def _begin_immediate(raw: Any, timeout: float) -> None:
    """``BEGIN IMMEDIATE``, retried until ``timeout`` after short, growing, random pauses.

    SQLite's own busy handler backs off to 100 ms sleeps, so with many writers the lock sat
    free while every waiter slept. Pauses of 0.5 to 4 ms hand it on quickly (in random order,
    so no writer waits much longer than its turn) without the waiters eating the CPU the
    writer holding the lock needs.
    """
    deadline = time.monotonic() + timeout
    pause = 0.0005
    raw.execute("PRAGMA busy_timeout = 0")
    try:
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if not _locked(str(exc)) or time.monotonic() >= deadline:
                    raise sa.exc.OperationalError("BEGIN IMMEDIATE", None, exc) from None
            time.sleep(random.uniform(pause / 2, pause))
            pause = min(pause * 2, 0.004)
    finally:
        raw.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")


def _locked(text: str) -> bool:
    text = text.lower()
    return "database is locked" in text or "database is busy" in text


def _is_busy(exc: DBAPIError) -> bool:
    orig = exc.orig
    if getattr(orig, "sqlstate", None) == "55P03":  # PostgreSQL lock_not_available
        return True
    return _locked(str(orig))


# What the database says -> what an officer reads (the database's own text stays behind it).
_DB_MESSAGES_NL = {
    "readonly database": "het register is alleen-lezen (geen schrijfrechten op het bestand)",
    "file is not a database": "het bestand is geen registerdatabase",
    "unable to open database file": "het registerbestand kan niet worden geopend",
    "disk i/o error": "lees- of schrijffout op de schijf",
    "database or disk is full": "de schijf is vol",
}


def _db_message(exc: SQLAlchemyError) -> str:
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    dutch = next((nl for key, nl in _DB_MESSAGES_NL.items() if key in first.lower()), None)
    return f"{dutch} ({first})" if dutch else first


_REVISION_SQL = "SELECT revision FROM register_revision WHERE id = 1"


class Register:
    """A permit register in a SQLite file or a PostgreSQL database.

    Open one with :meth:`Register.open`; it is safe to share between threads (each call takes
    its own connection) and between processes (writes serialise on the database's lock).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        label: str,
        clock: Clock = utc_now,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT_S,
    ) -> None:
        self._engine = engine
        self._label = label
        self._clock = clock
        self._lock_timeout = lock_timeout
        self._probe = threading.local()  # per thread: a kept connection for revision_now
        self._probes: list[Any] = []
        self._probes_lock = threading.Lock()

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        url_or_path: str | Path,
        *,
        create: bool = True,
        upgrade: bool = False,
        clock: Clock = utc_now,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT_S,
    ) -> Register:
        """Open a register; with ``create`` make a new one where there is none.

        Parameters
        ----------
        url_or_path
            A SQLite file path, or a database URL (``sqlite:///file.db``,
            ``postgresql+psycopg://user@host/db``).
        create
            Create the file and schema when there is none; with ``False`` a missing register
            is an :class:`InputError`.
        upgrade
            Upgrade a register made by an older version (``register migrate``); without it
            such a register is a :class:`SchemaError` that says how to upgrade.
        clock
            Gives the time of changes when a call passes no ``at``.
        lock_timeout
            Seconds a write waits for the register's lock before :class:`RegisterBusy`.
        """
        if not lock_timeout > 0:
            raise InputError(
                f"de wachttijd op het register moet meer dan 0 s zijn, niet {lock_timeout}"
            )
        url = _resolve_url(url_or_path, create)
        label = url.render_as_string(hide_password=True)
        if url.get_backend_name() == "sqlite":
            label = str(url.database)
        engine = _make_engine(url, lock_timeout)
        register = cls(engine, label=label, clock=clock, lock_timeout=lock_timeout)
        try:
            register._prepare(create, upgrade)
        except BaseException:
            engine.dispose()
            raise
        return register

    def _schema(self, conn: Connection) -> tuple[list[str], list[str]]:
        """(schema versions recorded, register tables present)."""
        inspector = sa.inspect(conn)
        present = sorted(set(inspector.get_table_names()) & set(_TABLES))
        if not inspector.has_table(VERSION_TABLE):
            return [], present
        versions = conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars()
        return list(versions), present

    def _prepare(self, create: bool, upgrade: bool) -> None:
        with self._read() as conn:
            versions, present = self._schema(conn)
        if versions == [SCHEMA_HEAD]:
            return
        unknown = [v for v in versions if v not in KNOWN_SCHEMAS]
        if unknown:
            raise SchemaError(
                f"register {self._label} heeft schemaversie {', '.join(unknown)}, die deze versie "
                f"van spreidingstoets niet kent (zij kent tot en met {SCHEMA_HEAD}); werk "
                "spreidingstoets bij"
            )
        if not versions:
            if present:
                raise SchemaError(
                    f"{self._label} heeft registertabellen ({', '.join(present)}) maar geen "
                    f"schemaversie ({VERSION_TABLE}); het is niet door spreidingstoets gemaakt"
                )
            if not create:
                raise InputError(f"{self._label} bevat geen register (geen schema)")
        elif not upgrade:
            raise SchemaError(
                f"register {self._label} heeft schemaversie {', '.join(versions)}; deze versie "
                f"van spreidingstoets werkt met {SCHEMA_HEAD}: werk het register eenmalig bij met "
                f"'spreidingstoets register migrate --register {self._label}'"
            )
        self._migrate()

    def _migrate(self) -> None:
        from alembic import command
        from alembic.config import Config

        with self._write() as conn:
            # Under the write lock: a second opener waits, then finds nothing left to do.
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS_DIR))
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    def close(self) -> None:
        with self._probes_lock:
            probes, self._probes = self._probes, []
        for conn in probes:
            with contextlib.suppress(Exception):
                conn.close()
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
    def _database_errors(self) -> Iterator[None]:
        """A busy register is :class:`RegisterBusy`, other database failures a
        :class:`SourceError`: one line each, never a traceback."""
        try:
            yield
        except DBAPIError as exc:
            if _is_busy(exc):
                raise RegisterBusy(
                    f"register {self._label} is bezet: een andere schrijver houdt het langer dan "
                    f"{self._lock_timeout:g} s vast; niets vastgelegd, probeer het zo opnieuw"
                ) from None
            raise SourceError(f"register {self._label}: {_db_message(exc)}") from None

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A transaction holding the register's single write lock; rolled back on error."""
        with self._database_errors(), self._engine.connect() as conn:
            conn.execution_options(register_write=True)
            if conn.dialect.name == "postgresql":
                # Serialised by the advisory lock, so READ COMMITTED sees every earlier write
                # and never fails with a serialisation error, whatever the server's default.
                conn.execution_options(isolation_level="READ COMMITTED")
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    ms = int(self._lock_timeout * 1000)
                    conn.exec_driver_sql(f"SET LOCAL lock_timeout = {ms}")
                    conn.execute(sa.select(sa.func.pg_advisory_xact_lock(PG_LOCK_KEY)))
                yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        """A read transaction that sees one consistent state of the register; no write lock."""
        with self._database_errors(), self._engine.connect() as conn:
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
    def _bump(conn: Connection, *, reset: bool = False) -> int:
        values: dict[str, Any] = {"revision": register_revision.c.revision + 1}
        if reset:
            values["reset_revision"] = register_revision.c.revision + 1
        value = conn.execute(
            register_revision.update()
            .where(register_revision.c.id == 1)
            .values(**values)
            .returning(register_revision.c.revision)
        ).scalar_one()
        return int(value)

    @staticmethod
    def _log(conn: Connection, **values: Any) -> int:
        """Append an audit row that continues the hash chain; its id."""
        last = conn.execute(
            sa.select(audit_log.c.id, audit_log.c.hash).order_by(audit_log.c.id.desc()).limit(1)
        ).first()
        audit_id = 1 if last is None else int(last.id) + 1
        row = {**{name: values.get(name) for name in chain.HASHED}, "id": audit_id}
        prev = chain.GENESIS if last is None else last.hash.strip()
        conn.execute(
            audit_log.insert(), {**row, "prev_hash": prev, "hash": chain.row_hash(prev, row)}
        )
        return audit_id

    def _revision_label(self, revision: int) -> str:
        return f"{self.dialect}@{revision}"

    @staticmethod
    def _entry(conn: Connection, entry_id: int) -> RegisterEntry:
        row = conn.execute(sa.select(register_entry).where(register_entry.c.id == entry_id)).first()
        if row is None:
            raise NotFoundError(f"registratie {entry_id} bestaat niet")
        return _row_to_entry(row)

    @staticmethod
    def _insert(
        conn: Connection, fields: EntryFields, at: dt.datetime, revision: int
    ) -> RegisterEntry:
        values = fields.model_dump()
        entry_id = conn.execute(
            register_entry.insert().returning(register_entry.c.id),
            {**values, "created_at": at, "updated_at": at, "changed_revision": revision},
        ).scalar_one()
        return RegisterEntry(id=int(entry_id), **values)

    @staticmethod
    def _update(
        conn: Connection, entry_id: int, values: dict[str, Any], at: dt.datetime, revision: int
    ) -> RegisterEntry:
        conn.execute(
            register_entry.update()
            .where(register_entry.c.id == entry_id)
            .values(**values, updated_at=at, changed_revision=revision)
        )
        return Register._entry(conn, entry_id)

    def _changes(self, conn: Connection, since: int | None) -> RegisterChanges:
        row = conn.execute(
            sa.select(register_revision.c.revision, register_revision.c.reset_revision).where(
                register_revision.c.id == 1
            )
        ).one()
        revision, reset = int(row.revision), int(row.reset_revision)
        label = self._revision_label(revision)
        full = since is None or since < reset or since > revision
        if since == revision and not full:
            return RegisterChanges(revision, label, (), False)
        query = sa.select(register_entry).order_by(register_entry.c.id)
        if not full:
            query = query.where(register_entry.c.changed_revision > since)
        entries = tuple(_row_to_entry(r) for r in conn.execute(query))
        return RegisterChanges(revision, label, entries, full)

    # -- reading -------------------------------------------------------------------------

    @property
    def revision(self) -> int:
        """The revision counter; it goes up with every change."""
        with self._read() as conn:
            return self._current_revision(conn)

    def revision_now(self) -> int:
        """The revision counter, read as cheaply as the database allows: one statement in
        autocommit on a connection this thread keeps (no pool checkout, no transaction), for
        a server that asks before every check whether its overlay is still current. A failing
        kept connection is dropped and the read goes the usual way (with its error mapping)."""
        conn = getattr(self._probe, "conn", None)
        try:
            if conn is None:
                conn = self._engine.raw_connection()
                conn.detach()  # ours until close(), outside the pool
                if self.dialect == "postgresql":
                    driver: Any = conn.dbapi_connection  # (driver_connection is gone after detach)
                    driver.rollback()  # the pool's ping left a transaction open
                    driver.autocommit = True
                with self._probes_lock:
                    self._probes.append(conn)
                self._probe.conn = conn
            cursor = conn.cursor()
            try:
                cursor.execute(_REVISION_SQL)
                row: Any = cursor.fetchone()
                return int(row[0])
            finally:
                cursor.close()
        except Exception:  # any driver's error: drop the connection, read anew
            self._probe.conn = None
            if conn is not None:
                with self._probes_lock:
                    if conn in self._probes:
                        self._probes.remove(conn)
                with contextlib.suppress(Exception):
                    conn.close()
            return self.revision

    def changes_since(self, revision: int | None) -> RegisterChanges:
        """The entries changed after ``revision`` (all entries, ``full``, for None or when
        entries were removed since then)."""
        with self._read() as conn:
            return self._changes(conn, revision)

    def get(self, entry_id: int) -> RegisterEntry:
        with self._read() as conn:
            return self._entry(conn, entry_id)

    def entries(
        self,
        verblijfsobject_id: str | None = None,
        kind: str | None = None,
        status: str | None = None,
        valid_on: dt.date | None = None,
    ) -> list[RegisterEntry]:
        """Entries matching all given filters, in id order (``status`` in Dutch or English)."""
        query = sa.select(register_entry).order_by(register_entry.c.id)
        if verblijfsobject_id is not None:
            query = query.where(register_entry.c.verblijfsobject_id == verblijfsobject_id)
        if kind is not None:
            if kind not in KINDS:
                raise InputError(choice_error("soort gebruik", kind, KINDS))
            query = query.where(register_entry.c.kind == kind)
        if status is not None:
            query = query.where(register_entry.c.status == parse_status(status))
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
            raise InputError("limit moet minstens 1 zijn en offset minstens 0")
        query = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit).offset(offset)
        with self._read() as conn:
            return [_row_to_audit(r) for r in conn.execute(query)]

    def verify(self) -> chain.Verification:
        """Recompute the audit log's hash chain and replay it to the register's entries."""
        with self._read() as conn:
            revision = self._current_revision(conn)
            entries = {
                int(r.id): {**chain.entry_values(r), "changed_revision": int(r.changed_revision)}
                for r in conn.execute(sa.select(register_entry))
            }
            rows = conn.execute(
                sa.select(audit_log).order_by(audit_log.c.id).execution_options(yield_per=500)
            ).mappings()
            return chain.verify((dict(r) for r in rows), entries, revision)

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
        received: dt.date | None = None,
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
            received=received,
        )
        with self._write() as conn:
            moment = self._now(at)
            revision = self._bump(conn)
            entry = self._insert(conn, fields, moment, revision)
            self._log(
                conn,
                at=moment,
                actor=actor,
                action="add",
                verblijfsobject_id=entry.verblijfsobject_id,
                payload=_json(fields.model_dump(mode="json")),
                revision=revision,
                entry_id=entry.id,
                outcome=entry.status,
                change=chain.change_text([(entry.id, None, chain.entry_values(entry))]),
            )
        return entry

    def revoke(
        self,
        entry_id: int,
        *,
        reason: str,
        on: dt.date | None = None,
        actor: str,
        at: dt.datetime | None = None,
    ) -> RegisterEntry:
        """Revoke a permit (intrekking) with its last day ``on`` (default today); audited."""
        return self._close(entry_id, "revoked", reason, on, actor, at)

    def end(
        self,
        entry_id: int,
        *,
        reason: str,
        on: dt.date | None = None,
        actor: str,
        at: dt.datetime | None = None,
    ) -> RegisterEntry:
        """End an entry (beëindiging: letting stopped, application withdrawn, a known case
        resolved) with its last day ``on`` (default today); audited."""
        return self._close(entry_id, "ended", reason, on, actor, at)

    def _close(
        self,
        entry_id: int,
        status: str,
        reason: str,
        on: dt.date | None,
        actor: str,
        at: dt.datetime | None,
    ) -> RegisterEntry:
        word = STATUS_NL[status]
        reason = (reason or "").strip()
        if not reason:
            raise InputError(f"geef een reden (--reden) waarom registratie {entry_id} {word} wordt")
        with self._write() as conn:
            moment = self._now(at)
            today = moment.astimezone(LOCAL_TIME).date()
            day = on or today
            if day > today:
                # The status changes now and a closed entry never counts, so a future date
                # would stop it counting before its end.
                raise InputError(
                    f"einddatum {day} ligt in de toekomst; leg de {('intrekking' if status == 'revoked' else 'beëindiging')} "
                    f"vast op of na die dag (tot dan blijft registratie {entry_id} gelden)"
                )
            old = self._entry(conn, entry_id)
            if old.status not in COUNTED_STATUSES:
                raise ConflictError(
                    f"registratie {entry_id} is al {STATUS_NL[old.status]}; alleen een actieve "
                    f"registratie ({', '.join(STATUS_NL[s] for s in COUNTED_STATUSES)}) kan "
                    f"{word} worden"
                )
            if old.valid_from is not None and day < old.valid_from:
                raise InputError(
                    f"einddatum {day} ligt voor de ingangsdatum {old.valid_from} van registratie "
                    f"{entry_id}"
                )
            until = min(day, old.valid_until) if old.valid_until else day
            revision = self._bump(conn)
            new = self._update(
                conn, entry_id, {"status": status, "valid_until": until}, moment, revision
            )
            self._log(
                conn,
                at=moment,
                actor=actor,
                action="revoke" if status == "revoked" else "end",
                verblijfsobject_id=old.verblijfsobject_id,
                payload=_json({"reason": reason, "date": day.isoformat()}),
                revision=revision,
                entry_id=entry_id,
                outcome=status,
                change=chain.change_text(
                    [(entry_id, chain.entry_values(old), chain.entry_values(new))]
                ),
            )
        return new

    def import_entries(
        self,
        rows: Sequence[EntryFields],
        *,
        actor: str,
        file_name: str,
        replace: bool = False,
        at: dt.datetime | None = None,
    ) -> ImportOutcome:
        """Insert validated rows in one transaction with one audit row.

        A row whose (verblijfsobject, kind, reference, valid_from) is already in the register
        (or earlier in ``rows``) is skipped, so importing a file twice adds it once. With
        ``replace`` all entries are removed first, which is refused when the audit log names
        any of them (a decision, revocation or addition would point at nothing).
        """

        def key(e: Any) -> tuple[str, str, str, dt.date | None]:
            return (e.verblijfsobject_id.strip(), e.kind, e.reference, e.valid_from)

        with self._write() as conn:
            moment = self._now(at)
            removed: list[RegisterEntry] = []
            if replace:
                audited = sorted(
                    conn.execute(
                        sa.select(audit_log.c.entry_id)
                        .distinct()
                        .where(audit_log.c.entry_id.in_(sa.select(register_entry.c.id)))
                    ).scalars()
                )
                if audited:
                    shown = ", ".join(map(str, audited[:10])) + (
                        " ..." if len(audited) > 10 else ""
                    )
                    raise ConflictError(
                        f"import --replace zou {len(audited)} registratie(s) verwijderen waar het "
                        f"auditlog naar verwijst (besluiten, intrekkingen, toevoegingen: {shown}); "
                        "importeer zonder --replace, of trek die registraties in of beëindig ze"
                    )
                removed = [
                    _row_to_entry(r)
                    for r in conn.execute(sa.select(register_entry).order_by(register_entry.c.id))
                ]
                seen: set[tuple[str, str, str, dt.date | None]] = set()
            else:
                columns = [
                    register_entry.c.verblijfsobject_id,
                    register_entry.c.kind,
                    register_entry.c.reference,
                    register_entry.c.valid_from,
                ]
                seen = {key(r) for r in conn.execute(sa.select(*columns))}
            fresh: list[EntryFields] = []
            skipped: list[int] = []
            for i, row in enumerate(rows):
                if key(row) in seen:
                    skipped.append(i)
                else:
                    seen.add(key(row))
                    fresh.append(row)
            if not fresh and not removed:
                return ImportOutcome(self._current_revision(conn), 0, tuple(skipped))
            revision = self._bump(conn, reset=bool(removed))
            if removed:
                conn.execute(register_entry.delete())
            ids: list[int] = []
            if fresh:
                ids = list(
                    conn.execute(
                        register_entry.insert().returning(
                            register_entry.c.id, sort_by_parameter_order=True
                        ),
                        [
                            {
                                **r.model_dump(),
                                "created_at": moment,
                                "updated_at": moment,
                                "changed_revision": revision,
                            }
                            for r in fresh
                        ],
                    ).scalars()
                )
            change: list[tuple[int, dict[str, Any] | None, dict[str, Any] | None]] = [
                (e.id, chain.entry_values(e), None) for e in removed
            ]
            change += [(i, None, chain.entry_values(r)) for i, r in zip(ids, fresh, strict=True)]
            self._log(
                conn,
                at=moment,
                actor=actor,
                action="import",
                payload=_json(
                    {
                        "file": file_name,
                        "rows": len(rows),
                        "added": len(fresh),
                        "skipped": len(skipped),
                        "replace": replace,
                        "removed": len(removed),
                    }
                ),
                revision=revision,
                change=chain.change_text(change),
            )
        return ImportOutcome(revision, len(fresh), tuple(skipped))

    def record_decision(
        self,
        *,
        verblijfsobject_id: str,
        kind: str,
        persons: int | None,
        beds: int | None = None,
        valid_from: dt.date | None = None,
        valid_until: dt.date | None = None,
        received: dt.date | None = None,
        reference: str,
        outcome: str,
        actor: str,
        check: Callable[[LockedRegister], Verdict],
        at: dt.datetime | None = None,
        idempotency_key: str | None = None,
        source: str = "decision",
    ) -> DecisionResult:
        """Record an officer's decision on an application, atomically and at most once.

        In one transaction holding the register's write lock:

        1. a known ``idempotency_key``, or the same decision as the last one recorded for this
           (verblijfsobject, kind, kenmerk), returns the first result and writes nothing (also
           when the entry was revoked or ended since);
        2. the application's entry (same verblijfsobject, kind and kenmerk) may only still be
           pending; a second active entry of the kind on the dwelling is refused
           (:class:`ActiveEntryConflict`);
        3. ``check`` gets the register as it is now (:class:`LockedRegister`) and returns the
           verdict; a grant the verdict refuses is a :class:`DecisionConflict`;
        4. the entry is created or updated to the decided status, the audit row stores that
           verdict with the entry before and after, and the revision goes up.
        """
        if outcome not in DECISION_OUTCOMES:
            raise InputError(choice_error("besluit", outcome, DECISION_OUTCOMES))
        reference = (reference or "").strip()
        if not reference:
            raise InputError(
                "het kenmerk van een besluit mag niet leeg zijn: geef het zaak- of "
                "besluitkenmerk (--kenmerk)"
            )
        if idempotency_key is not None and not idempotency_key.strip():
            raise InputError("de idempotentiesleutel (--key) mag niet leeg zijn")
        fields = validate_entry(
            verblijfsobject_id=verblijfsobject_id,
            kind=kind,
            status=outcome,
            persons=persons,
            beds=beds,
            valid_from=valid_from,
            valid_until=valid_until,
            source=source,
            reference=reference,
            received=received,
        )
        fingerprint = hashlib.sha256(
            _json({**fields.model_dump(mode="json"), "outcome": outcome}).encode()
        ).hexdigest()
        vbo = fields.verblijfsobject_id

        with self._write() as conn:
            moment = self._now(at)
            if idempotency_key is not None:
                earlier = conn.execute(
                    sa.select(audit_log).where(audit_log.c.idempotency_key == idempotency_key)
                ).first()
                if earlier is not None:
                    if earlier.action != "decision" or earlier.request_sha256 != fingerprint:
                        raise IdempotencyConflict(
                            f"idempotentiesleutel {idempotency_key!r} is al gebruikt voor een "
                            f"ander besluit (auditregel {earlier.id}); gebruik een nieuwe sleutel "
                            "voor een nieuw besluit"
                        )
                    return self._replay(conn, earlier)

            own_row = conn.execute(
                sa.select(register_entry)
                .where(
                    register_entry.c.verblijfsobject_id == vbo,
                    register_entry.c.kind == fields.kind,
                    register_entry.c.reference == reference,
                )
                .order_by(register_entry.c.id.desc())
                .limit(1)
            ).first()
            own = _row_to_entry(own_row) if own_row is not None else None
            if own is not None:
                last = conn.execute(
                    sa.select(audit_log)
                    .where(audit_log.c.entry_id == own.id, audit_log.c.action == "decision")
                    .order_by(audit_log.c.id.desc())
                    .limit(1)
                ).first()
                if last is not None and last.request_sha256 == fingerprint:
                    return self._replay(conn, last)  # a retry, even after a revocation
                if own.status != "pending":
                    raise ConflictError(
                        f"de aanvraag {reference} ({fields.kind}) op verblijfsobject {vbo} is al "
                        f"{STATUS_NL[own.status]} (registratie {own.id}); een ander besluit op "
                        "dezelfde aanvraag kan niet: trek de registratie in of beëindig haar "
                        f"('spreidingstoets register revoke|end {own.id}'), of leg een nieuwe "
                        "aanvraag vast met een nieuw kenmerk"
                    )
            if fields.received is None:
                # The application keeps the day it was received: given, recorded with its
                # pending entry, or else its first day.
                day = own.received if own is not None else None
                fields = fields.model_copy(update={"received": day or fields.valid_from})
            if outcome in COUNTED_STATUSES:
                self._refuse_second_active(conn, fields, own)

            revision = self._current_revision(conn)
            label = self._revision_label(revision)
            verdict = check(
                LockedRegister(
                    revision,
                    label,
                    own,
                    fields.received,
                    lambda since: self._changes(conn, since),
                )
            )
            if outcome == "granted" and verdict.outcome == "refused":
                raise DecisionConflict(
                    f"verlenen kan niet (registerrevisie {label}): {verdict.message} Leg een "
                    "weigering vast, of pas de aanvraag aan",
                    verdict=verdict,
                    revision=label,
                )
            stored = verdict_json(verdict)
            new_revision = self._bump(conn)
            if own is None:
                entry = self._insert(conn, fields, moment, new_revision)
            else:
                entry = self._update(conn, own.id, fields.model_dump(), moment, new_revision)
            audit_id = self._log(
                conn,
                at=moment,
                actor=actor,
                action="decision",
                verblijfsobject_id=vbo,
                idempotency_key=idempotency_key,
                payload=stored,
                revision=new_revision,
                entry_id=entry.id,
                outcome=outcome,
                request_sha256=fingerprint,
                change=chain.change_text(
                    [
                        (
                            entry.id,
                            chain.entry_values(own) if own else None,
                            chain.entry_values(entry),
                        )
                    ]
                ),
            )
        return DecisionResult(
            outcome=outcome,
            entry=entry,
            audit_id=audit_id,
            revision=new_revision,
            verdict=verdict,
            verdict_json=stored,
            previous=own.status if own else None,
        )

    @staticmethod
    def _refuse_second_active(
        conn: Connection, fields: EntryFields, own: RegisterEntry | None
    ) -> None:
        """One active entry per dwelling and kind at any time: refuse an application whose
        period overlaps an active entry with another kenmerk."""
        e = register_entry.c
        query = sa.select(register_entry).where(
            e.verblijfsobject_id == fields.verblijfsobject_id,
            e.kind == fields.kind,
            e.status.in_(COUNTED_STATUSES),
            e.reference != fields.reference,
        )
        if own is not None:
            query = query.where(e.id != own.id)
        if fields.valid_from is not None:
            query = query.where(sa.or_(e.valid_until.is_(None), e.valid_until >= fields.valid_from))
        if fields.valid_until is not None:
            query = query.where(sa.or_(e.valid_from.is_(None), e.valid_from <= fields.valid_until))
        row = conn.execute(query.order_by(e.id).limit(1)).first()
        if row is None:
            return
        other = _row_to_entry(row)
        raise ActiveEntryConflict(
            f"verblijfsobject {other.verblijfsobject_id} heeft al een actieve registratie "
            f"{other.kind} met kenmerk {other.reference or '(geen)'} ({STATUS_NL[other.status]}, "
            f"{_period(other)}; registratie {other.id}); per woning en soort geldt één actieve "
            f"vergunning: wijzig of beëindig eerst registratie {other.id} "
            f"('spreidingstoets register end {other.id} --reden ...')",
            existing=other,
        )

    def _replay(self, conn: Connection, earlier: Any) -> DecisionResult:
        return DecisionResult(
            outcome=earlier.outcome,
            entry=self._entry(conn, earlier.entry_id),
            audit_id=int(earlier.id),
            revision=int(earlier.revision),
            verdict=verdict_from_json(earlier.payload),
            verdict_json=earlier.payload,
            replayed=True,
        )
