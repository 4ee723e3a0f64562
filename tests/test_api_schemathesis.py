"""Property-based bad input over the OpenAPI document (schemathesis, bounded): whatever it
sends, valid or not, the server never answers 500, every 4xx is problem+json with status,
title and detail (never 422), and every answer carries the API-Version header. Against a real
server of its own, so its decisions never touch the other tests' register."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")
pytest.importorskip("spreidingstoets_api")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from schemathesis.generation import GenerationMode  # noqa: E402

from api_helpers import make_keys, sample_register_copy  # noqa: E402

pytestmark = pytest.mark.slow
EXAMPLES = 25  # per operation and mode: bounded so CI stays fast


def _schema() -> Any:
    from spreidingstoets_api.app import create_app

    return schemathesis.openapi.from_dict(create_app().openapi())


SCHEMA = _schema()
OPERATIONS = [r.ok() for r in SCHEMA.get_all_operations()]


@pytest.fixture(scope="module")
def fuzzed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    from spreidingstoets_api.testing import running

    folder: Path = tmp_path_factory.mktemp("fuzz")
    register = sample_register_copy(folder)
    keys = make_keys(register)
    with running(register=register, log=folder / "server.log") as server:
        yield server.api, keys["admin"]


def _assert_answer(response: Any) -> None:
    headers = {k.lower(): v[0] for k, v in response.headers.items()}
    assert response.status_code < 500 or response.status_code == 503, response.text
    assert response.status_code != 422, response.text
    assert headers.get("api-version") == "1.0.0"
    if response.status_code >= 400:
        assert headers["content-type"].startswith("application/problem+json"), response.text
        body = response.json()
        assert body["status"] == response.status_code
        assert body["title"] and body["detail"]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_no_500_and_every_error_is_a_problem(
    operation: Any, mode: Any, fuzzed_server: tuple[str, str]
) -> None:
    url, key = fuzzed_server
    answered: list[int] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        response = case.call(base_url=url, headers={"X-Api-Key": key}, timeout=30)
        answered.append(response.status_code)
        _assert_answer(response)

    run()
    assert answered  # the operation was exercised
