"""The examples in the OpenAPI document (``spreidingstoets_api/examples.json``): every operation
has a success answer with an example (and a request-body example where it takes a body), every
example validates against its schema (JSON Schema 2020-12, as OpenAPI 3.1 says, ``$ref``s
resolved against the document's components), the examples add nothing else to the document,
and they are what the API answers now (regenerated and compared). The document is built in
process, as ``scripts/lint-openapi`` and the schemathesis test build it."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("spreidingstoets_api", reason="the API is not installed (pip install -e api)")
from jsonschema import Draft202012Validator

from spreidingstoets_api.app import create_app
from spreidingstoets_api.examples import EXAMPLES_FILE, load_examples

DOC: dict[str, Any] = create_app().openapi()
EXAMPLES = load_examples()
METHODS = ("get", "put", "post", "patch", "delete")
OPERATIONS = [
    (path, method, op)
    for path, item in DOC["paths"].items()
    for method, op in item.items()
    if method in METHODS
]
# (operation id, status, media type, the example's value, the schema) of every success example
CASES = [
    (op["operationId"], status, media, spec["examples"]["voorbeeld"]["value"], spec["schema"])
    for _, _, op in OPERATIONS
    for status, response in op["responses"].items()
    if status.startswith("2")
    for media, spec in response.get("content", {}).items()
    if "examples" in spec
]
IDS = [f"{op}-{status}-{media}" for op, status, media, _, _ in CASES]


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = DOC["components"]["schemas"][name]
    return schema


def _object(schema: dict[str, Any]) -> dict[str, Any]:
    """The object schema of ``schema``, or of its items when it is an array."""
    resolved = _resolve(schema)
    return _resolve(resolved["items"]) if resolved.get("type") == "array" else resolved


# the cases whose schema requires a member (the others' schemas are a bare object or string)
STRICT = [case for case in CASES if _object(case[4]).get("required")]


def _validator(schema: dict[str, Any]) -> Draft202012Validator:
    """A validator of ``schema`` whose ``#/components/...`` refs resolve in the document."""
    rooted = {**schema, "components": DOC["components"]}
    return Draft202012Validator(rooted, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _errors(value: Any, schema: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in _validator(schema).iter_errors(value)
    ]


def test_every_operation_has_a_success_example_and_a_request_example() -> None:
    assert len(OPERATIONS) >= 18 and len(STRICT) >= 15
    missing = []
    for path, method, op in OPERATIONS:
        success = {s: r for s, r in op["responses"].items() if s.startswith("2")}
        examples = [
            spec["examples"]["voorbeeld"]
            for r in success.values()
            for spec in r.get("content", {}).values()
            if "examples" in spec
        ]
        if not examples or not all(e["summary"] and e["value"] for e in examples):
            missing.append(f"{method.upper()} {path}: no success example")
        if "requestBody" in op:
            body = op["requestBody"]["content"]["application/json"]
            if not (body.get("examples") or _resolve(body["schema"]).get("examples")):
                missing.append(f"{method.upper()} {path}: no request-body example")
    assert not missing, missing


def test_every_path_parameter_has_an_example_that_fits_its_schema() -> None:
    problems = []
    for path, method, op in OPERATIONS:
        for param in op.get("parameters", []):
            named = f"{method.upper()} {path} {param['name']}"
            if "examples" not in param:
                if param["in"] == "path":
                    problems.append(f"{named}: no example")
                continue
            value = param["examples"]["voorbeeld"]["value"]
            problems += [f"{named}: {e}" for e in _errors(value, param["schema"])]
    assert not problems, problems


def test_every_example_of_the_file_lands_in_the_document() -> None:
    by_id = {op["operationId"]: op for _, _, op in OPERATIONS}
    assert set(EXAMPLES) == set(by_id)
    for name, example in EXAMPLES.items():
        op = by_id[name]
        content = op["responses"][example["status"]]["content"]
        for media, value in example["content"].items():
            assert content[media]["examples"]["voorbeeld"]["value"] == value, (name, media)
        params = {p["name"]: p for p in op.get("parameters", [])}
        for param, value in example["request"]["parameters"].items():
            assert params[param]["examples"]["voorbeeld"]["value"] == value, (name, param)


@pytest.mark.parametrize(("operation", "status", "media", "value", "schema"), CASES, ids=IDS)
def test_example_validates_against_its_response_schema(
    operation: str, status: str, media: str, value: Any, schema: dict[str, Any]
) -> None:
    errors = _errors(value, schema)
    assert not errors, errors


@pytest.mark.parametrize(
    ("operation", "status", "media", "value", "schema"),
    STRICT,
    ids=[f"{op}-{status}-{media}" for op, status, media, _, _ in STRICT],
)
def test_a_broken_example_does_not_validate(
    operation: str, status: str, media: str, value: Any, schema: dict[str, Any]
) -> None:
    """The check above is not vacuous: without a member its schema requires (of the first item,
    for a list) the example fails it."""
    required = _object(schema)["required"]
    items = isinstance(value, list)
    first = value[0] if items else value
    broken = {k: v for k, v in first.items() if k != required[0]}
    assert _errors([broken, *value[1:]] if items else broken, schema)


def test_request_body_examples_validate_against_their_schemas() -> None:
    problems = []
    for path, method, op in OPERATIONS:
        if "requestBody" not in op:
            continue
        schema = op["requestBody"]["content"]["application/json"]["schema"]
        for example in _resolve(schema)["examples"]:
            problems += [f"{method.upper()} {path}: {e}" for e in _errors(example, schema)]
    assert not problems, problems


def _without_examples(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` without what ``openapi.add_examples`` adds."""
    doc = copy.deepcopy(doc)
    for item in doc["paths"].values():
        for op in item.values():
            for param in op.get("parameters", []):
                param.pop("examples", None)
            for response in op["responses"].values():
                for spec in response.get("content", {}).values():
                    spec.pop("examples", None)
    return doc


def test_the_examples_change_nothing_else_of_the_document() -> None:
    from spreidingstoets_api.openapi import build_openapi
    from spreidingstoets_api.routes import checks, decisions, register, rulesets, simulations

    app = create_app()
    routers = [m.router for m in (checks, rulesets, decisions, register, simulations)]
    plain = build_openapi(app, routers, examples={})
    assert _without_examples(DOC) == plain
    assert plain != DOC  # the examples are there


def test_the_file_ships_with_the_package() -> None:
    pyproject = Path(__file__).resolve().parents[1] / "api" / "pyproject.toml"
    assert '"examples.json"' in pyproject.read_text()
    assert json.loads(EXAMPLES_FILE.read_text())["operations"] == EXAMPLES


TIME = re.compile(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)?$")


def _steady(value: Any, job: str) -> Any:
    """``value`` with what differs between runs masked: moments of now, the audit chain's hashes
    (they cover the moments) and the simulation job's id."""
    if isinstance(value, dict):
        return {k: "<hash>" if k == "hash" else _steady(v, job) for k, v in value.items()}
    if isinstance(value, list):
        return [_steady(v, job) for v in value]
    if isinstance(value, str):
        return "<tijd>" if TIME.match(value) else value.replace(job, "<taak>")
    return value


@pytest.mark.slow
def test_the_examples_are_what_the_api_answers_now(tmp_path: Path) -> None:
    """Regenerated on the sample, the examples are the committed ones except for what differs
    between runs; if not, regenerate them: python -m spreidingstoets_api.examples."""
    from spreidingstoets_api.examples import generate

    fresh = generate(tmp_path)
    committed = copy.deepcopy(EXAMPLES)
    assert list(fresh) == list(committed)
    for example in (fresh, committed):  # accepted while waiting, or already running
        for key in ("status", "progress", "step", "started"):
            example["startSimulatie"]["content"]["application/json"].pop(key)
    old_job = committed["simulatie"]["request"]["parameters"]["simulatieId"]
    new_job = fresh["simulatie"]["request"]["parameters"]["simulatieId"]
    for name in fresh:
        assert _steady(fresh[name], new_job) == _steady(committed[name], old_job), (
            f"{name}: the example is not what the API answers now; regenerate the examples "
            "with python -m spreidingstoets_api.examples"
        )
