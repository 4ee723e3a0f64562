"""Shared by the register tests: a throwaway PostgreSQL database, an empty register on each
backend (fixtures: import them into a test module), and a minimal verdict."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from spreidingstoets.domain.model import Provenance, ResolvedApplication, Verdict

PG_ADMIN = os.environ.get("SPREIDINGSTOETS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def pg_database_url() -> Iterator[str]:
    """A fresh PostgreSQL database (URL), dropped afterwards; skips when there is no server."""
    psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed")
    admin_url = sa.make_url(PG_ADMIN).set(drivername="postgresql")
    conninfo = admin_url.render_as_string(hide_password=False)
    try:
        admin = psycopg.connect(conninfo, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        reason = " ".join(str(exc).split())[:120]
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN} ({reason})")
    name = f"spreidingstoets_test_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.set(drivername="postgresql+psycopg", database=name).render_as_string(
            hide_password=False
        )
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(scope="session", name="pg_database")
def pg_database_fixture() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, dropped afterwards."""
    yield from pg_database_url()


def empty_pg(database: str) -> str:
    """``database`` with an empty public schema (every test starts from nothing)."""
    engine = sa.create_engine(database)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()
    return database


@pytest.fixture(
    name="url", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def url_fixture(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty register location on each backend."""
    if request.param == "sqlite":
        return str(tmp_path / "register.db")
    return empty_pg(request.getfixturevalue("pg_database"))


def fake_verdict(outcome: str, revision: str) -> Verdict:
    """A verdict with ``outcome`` on register ``revision``, for tests of the register alone."""
    return Verdict(
        outcome=outcome,  # type: ignore[arg-type]
        message=f"test: {outcome}",
        application=ResolvedApplication(
            verblijfsobject="0363010000000001",
            objecttype="verblijfsobject",
            address="Teststraat 1",
            nummeraanduiding=None,
            openbare_ruimte=None,
            panden=[],
            kind="kamerverhuur",
            persons=4,
            beds=None,
            date=dt.date(2025, 3, 1),
            gebruiksdoel=["woonfunctie"],
            oppervlakte=100,
            status="Verblijfsobject in gebruik",
        ),
        rules=[],
        provenance=Provenance(
            ruleset="test",
            ruleset_version="1",
            ruleset_sha256="0" * 64,
            dataset="test",
            dataset_sha256="0" * 64,
            register_revision=revision,
            engine_version="test",
        ),
    )
