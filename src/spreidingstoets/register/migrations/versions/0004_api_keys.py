"""API keys of the HTTP API, stored hashed.

- ``api_key``: name, scopes, the sha256 of the key (never the key itself), a short prefix to
  tell keys apart, who created it and when, and when it was revoked. Creating and revoking a
  key is also an audit row (action ``api-key``), so the log shows who could write when.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from spreidingstoets.register.schema import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_key",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("scopes", sa.Text, nullable=False),
        sa.Column("key_sha256", sa.CHAR(64), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("revoked_at", UTCDateTime, nullable=True),
        sa.UniqueConstraint("key_sha256", name="uq_api_key_key_sha256"),
    )


def downgrade() -> None:
    op.drop_table("api_key")
