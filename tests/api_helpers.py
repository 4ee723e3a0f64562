"""Shared by the API tests (loaded as a plugin by conftest.py): a real server started with
``spreidingstoets serve`` on a free port, on a copy of the sample register, with one API key
per scope; and an httpx client for it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest


@dataclass
class Api:
    """A running API: its base URL (…/v1), register file and keys by scope."""

    url: str
    register: str
    keys: dict[str, str]
    server: Any

    def headers(self, scope: str | None = "admin", **extra: str) -> dict[str, str]:
        given = {"X-Api-Key": self.keys[scope]} if scope else {}
        return {**given, **extra}


def sample_register_copy(folder: Path) -> str:
    """A copy of the sample registers as a SQLite register of its own."""
    from spreidingstoets.service.sample import sample_register_database
    from spreidingstoets.settings import load_settings

    target = folder / "register.db"
    shutil.copy(sample_register_database(load_settings()), target)
    return str(target)


def sample_woningen() -> list[str]:
    """The verblijfsobject ids of every woning of the sample (Tiel, Aalsmeer, Westland)."""
    from spreidingstoets.service.workspace import Workspace
    from spreidingstoets.settings import load_settings

    ds = Workspace(load_settings()).dataset
    return [ds.unit_identificatie(u) for u in range(ds.n_units) if ds.woning[u]]


def make_keys(register: str) -> dict[str, str]:
    from spreidingstoets.register.db import Register
    from spreidingstoets.register.keys import create_key

    keys = {}
    with Register.open(register, create=False) as reg:
        for scope in ("read", "check", "decide", "admin"):
            keys[scope] = create_key(reg, name=f"test-{scope}", scopes=scope, actor="test")[1]
        keys["check,decide"] = create_key(
            reg, name="zaaksysteem", scopes="check,decide,read", actor="test"
        )[1]
    return keys


@pytest.fixture(scope="session")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One server (one worker) on a copy of the sample register, for the whole session."""
    pytest.importorskip(
        "spreidingstoets_api", reason="the API is not installed (pip install -e api)"
    )
    from spreidingstoets_api.testing import running

    folder = tmp_path_factory.mktemp("api")
    register = sample_register_copy(folder)
    keys = make_keys(register)
    with running(register=register, log=folder / "server.log") as server:
        yield Api(server.api, register, keys, server)


@pytest.fixture(scope="session")
def http(api: Api) -> Iterator[Any]:
    httpx = pytest.importorskip("httpx")
    with httpx.Client(base_url=api.url, timeout=30) as client:
        yield client


CHECK = {
    "address": "Kwartelstraat 7 Tiel",
    "kind": "arbeidsmigranten",
    "persons": 4,
    "date": "2026-11-15",
}


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """An error response as ADR asks: problem+json with status, title and detail."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    assert response.headers["api-version"] == "1.0.0"
    return body
