"""Table definitions of the register database (SQLAlchemy Core).

These describe the schema at migration head and are used for queries. The migration scripts in
``migrations/versions/`` spell out their own DDL, because a migration must keep creating the
schema it was written for even after this module moves on; ``tests/test_register.py`` checks
that the two agree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

from ..domain.vocabulary import KINDS, STATUSES

VERSION_TABLE = "register_schema_version"
"""Alembic's version table; a name of our own so a shared PostgreSQL database can hold others."""


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


KIND_CHECK = _in("kind", KINDS)
STATUS_CHECK = _in("status", STATUSES)


class UTCDateTime(sa.TypeDecorator[dt.datetime]):
    """A timezone-aware UTC timestamp on every backend.

    SQLite has no timezone-aware type, so values are stored as naive UTC there and get their
    timezone back on reading; PostgreSQL stores ``timestamptz``.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime) or value.tzinfo is None:
            raise ValueError(f"timestamps must be timezone-aware datetimes, got {value!r}")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


metadata = sa.MetaData()

register_entry = sa.Table(
    "register_entry",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("verblijfsobject_id", sa.CHAR(16), nullable=False, index=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("persons", sa.Integer, nullable=True),
    sa.Column("beds", sa.Integer, nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("valid_from", sa.Date, nullable=True),
    sa.Column("valid_until", sa.Date, nullable=True),
    sa.Column("source", sa.Text, nullable=False, server_default=""),
    sa.Column("reference", sa.Text, nullable=False, server_default=""),
    # ontvangstdatum: orders pending applications (first come, first served); NULL: unknown
    sa.Column("received", sa.Date, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    # The register revision of the entry's last change: readers fetch only what changed.
    sa.Column("changed_revision", sa.BigInteger, nullable=False, index=True),
    sa.CheckConstraint(KIND_CHECK, name="ck_register_entry_kind"),
    sa.CheckConstraint(STATUS_CHECK, name="ck_register_entry_status"),
    sa.CheckConstraint("persons IS NULL OR persons >= 0", name="ck_register_entry_persons"),
    sa.CheckConstraint("beds IS NULL OR beds >= 0", name="ck_register_entry_beds"),
    sa.CheckConstraint(
        "valid_from IS NULL OR valid_until IS NULL OR valid_until >= valid_from",
        name="ck_register_entry_period",
    ),
)

register_revision = sa.Table(
    "register_revision",
    metadata,
    # One row (id = 1); its counter goes up in the same transaction as every change.
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("revision", sa.BigInteger, nullable=False),
    # The last revision that removed entries (import --replace): a reader whose copy is older
    # reads the register again instead of applying changes.
    sa.Column("reset_revision", sa.BigInteger, nullable=False, server_default="0"),
    sa.CheckConstraint("id = 1", name="ck_register_revision_single_row"),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    # Ids are given by the writer (the previous id + 1); a trigger refuses any other.
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("at", UTCDateTime, nullable=False, index=True),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("verblijfsobject_id", sa.CHAR(16), nullable=True, index=True),
    sa.Column("idempotency_key", sa.String(200), nullable=True),
    # Decisions: the verdict JSON exactly as the caller gave it; other actions: a JSON object.
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("revision", sa.BigInteger, nullable=False),
    # No foreign key: the log outlives entries removed by an import with --replace.
    sa.Column("entry_id", sa.Integer, nullable=True, index=True),
    sa.Column("outcome", sa.String(16), nullable=True),
    # sha256 of the decision request, so a reused idempotency key with other data is caught.
    sa.Column("request_sha256", sa.CHAR(64), nullable=True),
    # The entries the row changed, before and after (JSON, see audit.py): the log replays to
    # the register.
    sa.Column("change", sa.Text, nullable=True),
    # Hash chain: hash = sha256(prev_hash + the row's canonical content), see audit.py.
    sa.Column("prev_hash", sa.CHAR(64), nullable=False),
    sa.Column("hash", sa.CHAR(64), nullable=False),
    sa.UniqueConstraint("idempotency_key", name="uq_audit_log_idempotency_key"),
)

api_key = sa.Table(
    "api_key",
    metadata,
    # Keys of the HTTP API (register/keys.py): only the sha256 of a key is stored.
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("scopes", sa.Text, nullable=False),  # comma-separated, e.g. "check,decide"
    sa.Column("key_sha256", sa.CHAR(64), nullable=False),
    sa.Column(
        "prefix", sa.String(16), nullable=False
    ),  # the key's first characters, to tell keys apart
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("created_by", sa.Text, nullable=False),
    sa.Column("revoked_at", UTCDateTime, nullable=True),
    sa.UniqueConstraint("key_sha256", name="uq_api_key_key_sha256"),
)
