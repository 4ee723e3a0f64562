"""The date of receipt (ontvangstdatum) of each register entry.

- ``register_entry.received``: the day the application was received, nullable. Existing rows
  keep NULL, which readers take as "unknown": the entry's start date then stands for it, as
  it did before this column existed. Audit rows written before it hold no ``received`` in
  their changes; the replay reads a missing field as NULL, so their hashes stay valid.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("register_entry") as batch:
        batch.add_column(sa.Column("received", sa.Date, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("register_entry") as batch:
        batch.drop_column("received")
