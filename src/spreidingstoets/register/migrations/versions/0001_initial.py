"""Initial register schema: entries, revision counter, append-only audit log.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Frozen copies of the allowed values at this revision; a later change needs a new migration.
KINDS = ("kamerverhuur", "arbeidsmigranten", "studenten", "omzetting")
STATUSES = ("granted", "tolerated", "pending", "illegal", "revoked", "expired")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "register_entry",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("verblijfsobject_id", sa.CHAR(16), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("persons", sa.Integer, nullable=True),
        sa.Column("beds", sa.Integer, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=True),
        sa.Column("valid_until", sa.Date, nullable=True),
        sa.Column("source", sa.Text, nullable=False, server_default=""),
        sa.Column("reference", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_in("kind", KINDS), name="ck_register_entry_kind"),
        sa.CheckConstraint(_in("status", STATUSES), name="ck_register_entry_status"),
        sa.CheckConstraint("persons IS NULL OR persons >= 0", name="ck_register_entry_persons"),
        sa.CheckConstraint("beds IS NULL OR beds >= 0", name="ck_register_entry_beds"),
        sa.CheckConstraint(
            "valid_from IS NULL OR valid_until IS NULL OR valid_until >= valid_from",
            name="ck_register_entry_period",
        ),
    )
    op.create_index(
        "ix_register_entry_verblijfsobject_id", "register_entry", ["verblijfsobject_id"]
    )

    op.create_table(
        "register_revision",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("revision", sa.BigInteger, nullable=False),
        sa.CheckConstraint("id = 1", name="ck_register_revision_single_row"),
    )
    op.execute("INSERT INTO register_revision (id, revision) VALUES (1, 0)")

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("verblijfsobject_id", sa.CHAR(16), nullable=True),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("revision", sa.BigInteger, nullable=False),
        sa.Column("entry_id", sa.Integer, nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("request_sha256", sa.CHAR(64), nullable=True),
        sa.UniqueConstraint("idempotency_key", name="uq_audit_log_idempotency_key"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_verblijfsobject_id", "audit_log", ["verblijfsobject_id"])

    # The audit log is append-only, enforced by the database itself and not only by the API.
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            """
            CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'audit_log is append-only (% rejected)', TG_OP;
            END
            $$
            """
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    op.drop_table("audit_log")
    op.drop_table("register_revision")
    op.drop_index("ix_register_entry_verblijfsobject_id", "register_entry")
    op.drop_table("register_entry")
