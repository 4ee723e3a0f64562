"""Alembic environment for the register database.

``Register.open`` runs this (only to create a register, or to upgrade one on request) with a
connection that is already inside a transaction holding the register's write lock
(``config.attributes["connection"]``), so migrations of concurrent openers cannot interleave
and a failed migration leaves nothing behind. A new revision also bumps ``SCHEMA_HEAD`` and
``KNOWN_SCHEMAS`` in ``register/db.py``. There is no alembic.ini; to
write a new revision, copy the newest script in ``versions/`` and chain ``down_revision``.
"""

from __future__ import annotations

from alembic import context

from spreidingstoets.register.schema import VERSION_TABLE, metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("register migrations run only through Register.open (no connection given)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    # SQLite cannot ALTER most things; batch mode rebuilds tables instead.
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
