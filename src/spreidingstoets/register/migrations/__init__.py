"""Alembic migrations of the register database, run programmatically by ``Register.open``."""
