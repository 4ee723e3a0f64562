"""Finding 9 of issue 7: permits that start on different dates are checked against each other,
sequentially, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from register_helpers import empty_pg, pg_database_fixture  # noqa: F401
from spreidingstoets.domain.model import Application
from spreidingstoets.errors import ConflictError
from spreidingstoets.register.db import Register
from spreidingstoets.service import checks
from spreidingstoets.service.decisions import decide
from spreidingstoets.service.workspace import Workspace
from spreidingstoets.settings import load_settings

# Two Aalsmeer dwellings 13 m apart (the example), far from the sample's other permits.
FIRST, SECOND = "0358010000000008", "0358010000000005"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def ws(request: pytest.FixtureRequest, tmp_path: Path, sample_ds: Any) -> Iterator[Workspace]:
    if request.param == "sqlite":
        url = str(tmp_path / "register.db")
    else:
        url = empty_pg(request.getfixturevalue("pg_database"))
    Register.open(url).close()  # an empty register
    workspace = Workspace(load_settings(), register=url)
    workspace._dataset = sample_ds  # the session's copy
    yield workspace
    workspace.close()


def _app(ws: Workspace, vbo: str, day: dt.date, until: dt.date | None = None) -> Application:
    unit = ws.dataset.unit_index(vbo)
    return Application(unit=unit, kind="arbeidsmigranten", persons=4, date=day, valid_until=until)


def test_a_grant_that_starts_later_blocks_an_earlier_starting_application(ws: Workspace) -> None:
    aalsmeer = ws.ruleset("aalsmeer")
    decide(
        ws, _app(ws, FIRST, dt.date(2026, 12, 1)), aalsmeer, "verleend", reference="A1", actor="a"
    )
    earlier = _app(ws, SECOND, dt.date(2026, 11, 15))
    verdict = checks.check(ws, earlier, aalsmeer)
    distance = {r.rule: r for r in verdict.rules}["afstand"]
    assert distance.outcome == "fail"
    assert [e.detail.get("geldig_vanaf") for e in distance.evidence] == ["2026-12-01"]
    with pytest.raises(ConflictError):
        decide(ws, earlier, aalsmeer, "verleend", reference="A2", actor="b")
    # A temporary application that ends before the first grant starts does not conflict.
    short = _app(ws, SECOND, dt.date(2026, 11, 15), until=dt.date(2026, 11, 30))
    _, result = decide(ws, short, aalsmeer, "verleend", reference="A3", actor="b")
    assert result.outcome == "granted"
