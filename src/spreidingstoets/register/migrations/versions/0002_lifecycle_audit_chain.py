"""Lifecycle statuses, per-entry change revisions, and a hash-chained audit log.

- ``register_entry.status`` may also be ``refused`` and ``ended``; existing values keep their
  meaning.
- ``register_entry.changed_revision``: the revision of the entry's last change (existing rows:
  the register's current revision), so readers fetch only what changed.
- ``register_revision.reset_revision``: the last revision that removed entries.
- ``audit_log.change`` (entries before/after), ``prev_hash`` and ``hash``: existing rows are
  chained as they are, and one ``migrate`` row records every entry as it is now, so the log
  replays to the register from here on.
- Triggers: the log stays append-only, and a new row must continue the chain (SQLite's REPLACE
  and INSERT OR REPLACE would otherwise rewrite rows without firing the delete trigger).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from alembic import op

from spreidingstoets.register.audit import GENESIS, HASHED, change_text, row_hash, text_value
from spreidingstoets.register.schema import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Frozen copies of the allowed values at this revision; a later change needs a new migration.
STATUSES_0001 = ("granted", "tolerated", "pending", "illegal", "revoked", "expired")
STATUSES = ("granted", "tolerated", "pending", "illegal", "refused", "revoked", "ended", "expired")
# The entry columns at this revision (later migrations add more; the replay reads them as NULL).
ENTRY_FIELDS = (
    "verblijfsobject_id",
    "kind",
    "status",
    "persons",
    "beds",
    "valid_from",
    "valid_until",
    "source",
    "reference",
)
APPEND_ONLY = "audit_log is append-only"
CHAIN = "audit_log: a new row must continue the hash chain (id, prev_hash, idempotency_key)"


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _drop_append_only_triggers(dialect: str) -> None:
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
        op.execute("DROP TRIGGER IF EXISTS audit_log_chain")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_chain ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_chain()")


def _create_triggers(dialect: str) -> None:
    if dialect == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )
        # REPLACE deletes a conflicting row without firing the delete trigger (recursive
        # triggers are off), so refuse every insert that could conflict or break the chain.
        op.execute(
            f"""
            CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log
            WHEN NEW.id IS NOT (SELECT COALESCE(MAX(id), 0) + 1 FROM audit_log)
              OR NEW.prev_hash IS NOT COALESCE(
                   (SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1), '{GENESIS}')
              OR (NEW.idempotency_key IS NOT NULL AND EXISTS
                   (SELECT 1 FROM audit_log WHERE idempotency_key = NEW.idempotency_key))
            BEGIN SELECT RAISE(ABORT, '{CHAIN}'); END
            """
        )
    else:
        op.execute(
            "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
        op.execute(
            f"""
            CREATE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                last_id integer;
                last_hash text;
            BEGIN
                SELECT id, hash INTO last_id, last_hash FROM audit_log ORDER BY id DESC LIMIT 1;
                IF NEW.id IS DISTINCT FROM COALESCE(last_id, 0) + 1
                   OR NEW.prev_hash IS DISTINCT FROM COALESCE(last_hash, '{GENESIS}') THEN
                    RAISE EXCEPTION '{CHAIN}';
                END IF;
                RETURN NEW;
            END
            $$
            """
        )
        op.execute(
            "CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_chain()"
        )


def _chain_existing_rows() -> None:
    """Hash the rows as they are, then record every entry in one ``migrate`` row."""
    conn = op.get_bind()
    # Typed columns, so values (timestamps above all) hash as the library reads them.
    typed: dict[str, Any] = {"at": UTCDateTime(), "valid_from": sa.Date(), "valid_until": sa.Date()}
    log = sa.table(
        "audit_log", *(sa.column(c, typed.get(c)) for c in (*HASHED, "prev_hash", "hash"))
    )
    register = sa.table(
        "register_entry", sa.column("id"), *(sa.column(c, typed.get(c)) for c in ENTRY_FIELDS)
    )
    rows = conn.execute(sa.select(log).order_by(log.c.id)).mappings().all()
    prev = GENESIS
    for row in rows:
        values = {**row, "change": None}
        digest = row_hash(prev, values)
        conn.execute(
            sa.text("UPDATE audit_log SET prev_hash = :prev, hash = :hash WHERE id = :id"),
            {"prev": prev, "hash": digest, "id": row["id"]},
        )
        prev = digest
    entries = conn.execute(sa.select(register).order_by(register.c.id)).all()
    if not rows and not entries:
        return  # a new register: nothing to carry over
    current = conn.execute(sa.text("SELECT revision FROM register_revision WHERE id = 1")).scalar()
    at = dt.datetime.now(dt.UTC)
    baseline = {
        "id": (rows[-1]["id"] if rows else 0) + 1,
        "at": at,
        "actor": "spreidingstoets",
        "action": "migrate",
        "verblijfsobject_id": None,
        "idempotency_key": None,
        "payload": json.dumps({"schema": revision, "entries": len(entries)}),
        "revision": int(current or 0),
        "entry_id": None,
        "outcome": None,
        "request_sha256": None,
        "change": change_text(
            (e.id, None, {name: text_value(getattr(e, name)) for name in ENTRY_FIELDS})
            for e in entries
        ),
    }
    digest = row_hash(prev, baseline)
    conn.execute(log.insert().values(**baseline, prev_hash=prev, hash=digest))


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("register_entry") as batch:
        batch.drop_constraint("ck_register_entry_status", type_="check")
        batch.create_check_constraint("ck_register_entry_status", _in("status", STATUSES))
        batch.add_column(sa.Column("changed_revision", sa.BigInteger, nullable=True))
    op.execute(
        "UPDATE register_entry SET changed_revision = "
        "(SELECT revision FROM register_revision WHERE id = 1)"
    )
    with op.batch_alter_table("register_entry") as batch:
        batch.alter_column("changed_revision", existing_type=sa.BigInteger, nullable=False)
        batch.create_index("ix_register_entry_changed_revision", ["changed_revision"])

    with op.batch_alter_table("register_revision") as batch:
        batch.add_column(
            sa.Column("reset_revision", sa.BigInteger, nullable=False, server_default="0")
        )

    _drop_append_only_triggers(dialect)
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("change", sa.Text, nullable=True))
        batch.add_column(sa.Column("prev_hash", sa.CHAR(64), nullable=True))
        batch.add_column(sa.Column("hash", sa.CHAR(64), nullable=True))
    _chain_existing_rows()
    with op.batch_alter_table("audit_log") as batch:
        batch.alter_column("prev_hash", existing_type=sa.CHAR(64), nullable=False)
        batch.alter_column("hash", existing_type=sa.CHAR(64), nullable=False)
        batch.create_index("ix_audit_log_entry_id", ["entry_id"])
    _create_triggers(dialect)


def downgrade() -> None:
    """Back to 0001; refused and ended entries must be gone first (0001 does not allow them)."""
    dialect = op.get_bind().dialect.name
    _drop_append_only_triggers(dialect)
    op.execute("DELETE FROM audit_log WHERE action = 'migrate'")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_index("ix_audit_log_entry_id")
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
        batch.drop_column("change")
    with op.batch_alter_table("register_revision") as batch:
        batch.drop_column("reset_revision")
    with op.batch_alter_table("register_entry") as batch:
        batch.drop_index("ix_register_entry_changed_revision")
        batch.drop_column("changed_revision")
        batch.drop_constraint("ck_register_entry_status", type_="check")
        batch.create_check_constraint("ck_register_entry_status", _in("status", STATUSES_0001))
    if dialect == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )
    else:
        op.execute(
            "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
