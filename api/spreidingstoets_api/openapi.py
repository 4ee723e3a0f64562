"""The OpenAPI document at /v1/openapi.json, shaped to the NL API Design Rules: the server URL
carries the major version (``/v1``) and paths are relative to it, every 2xx/3xx response
declares the ``API-Version`` header, every error is problem+json, every operation can answer
400 (never FastAPI's 422), and each operation names the API-key scope it needs. Each
operation's success answer carries a real example (``examples.py``, ``examples.json``), and
its parameters the values of that example's request. ``scripts/lint-openapi`` runs the ADR's
Spectral ruleset on it."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from spreidingstoets_api import API_VERSION
from spreidingstoets_api.examples import load_examples
from spreidingstoets_api.models import Problem
from spreidingstoets_api.responses import problem_responses

PREFIX = "/v1"
CONTACT = {
    "name": "spreidingstoets",
    "email": "spreidingstoets@example.org",
    "url": "https://spreidingstoets.example.org",
}
DESCRIPTION = """\
Toets vergunningaanvragen voor kamerverhuur en huisvesting van arbeidsmigranten aan de
spreidingsregels van een gemeente, leg besluiten vast in het register en herbereken ze later.

Authenticatie: een API-sleutel in de header `X-Api-Key` (of `Authorization: Bearer ...`), gemaakt
met `spreidingstoets api-key create --name NAAM --scope check,decide`. Scopes: `read`, `check`,
`decide`, `admin`. Fouten zijn `application/problem+json`; ongeldige invoer geeft 400 met alle
fouten tegelijk in `invalidParams`. Geometrie in CRS84 (standaard), EPSG:28992 of EPSG:4326 via
de parameter `crs` of de header `Accept-Crs`; `Content-Crs` noemt het CRS van het antwoord.
"""
VERSION_HEADER = {
    "description": "de volledige versie van de API (semver)",
    "schema": {"type": "string", "example": API_VERSION},
}
SCOPE_NL = {
    "read": "lezen",
    "check": "toetsen",
    "decide": "besluiten",
    "admin": "beheer",
}


def _declared_parameters(dependant: Dependant) -> list[dict[str, Any]]:
    """The OpenAPI parameters of dependencies that read the request themselves (their
    ``openapi_parameters``), in the order the operation's dependencies come."""
    found: list[dict[str, Any]] = []
    for dep in dependant.dependencies:
        found += [dict(p) for p in getattr(dep.call, "openapi_parameters", ())]
        found += _declared_parameters(dep)
    return found


def _scope(route: APIRoute) -> tuple[str, ...] | None:
    for dep in route.dependant.dependencies:
        scopes = getattr(dep.call, "scopes", None)
        if scopes:
            return tuple(scopes)
    return None


def build_openapi(
    app: FastAPI, routers: list[APIRouter], examples: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The document of ``routers`` (included in ``app`` under /v1), with ``examples`` by
    operation id (default: those of ``examples.json``)."""
    routes = [r for router in routers for r in router.routes if isinstance(r, APIRoute)]
    doc = get_openapi(
        title="spreidingstoets API",
        version=API_VERSION,
        openapi_version="3.1.0",
        description=DESCRIPTION,
        routes=app.routes,
        contact=CONTACT,
        license_info={"name": "EUPL-1.2", "identifier": "EUPL-1.2"},
        servers=[{"url": PREFIX, "description": "deze server"}],
        tags=[
            {"name": "toetsen", "description": "toetsen zonder bijwerkingen, adres zoeken"},
            {"name": "besluiten", "description": "aanvragen, besluiten, herberekening, ZGW"},
            {"name": "regelsets", "description": "regelsets, versies en regels met hun bron"},
            {"name": "register", "description": "het register en het auditlog"},
            {"name": "simulaties", "description": "simulaties voor beleidsmakers, als taak"},
        ],
    )
    scopes = {(PREFIX + r.path, m.lower()): _scope(r) for r in routes for m in r.methods or ()}
    declared = {
        (PREFIX + r.path, m.lower()): _declared_parameters(r.dependant)
        for r in routes
        for m in r.methods or ()
    }
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Problem"] = Problem.model_json_schema()
    if "Verdict" in schemas:
        result = copy.deepcopy(schemas["Verdict"])
        result["title"] = "CheckResult"
        result["description"] = (
            "Het oordeel (schema Verdict); met `expand=geometrie` ook `_embedded.geometrie`, "
            "een GeoJSON FeatureCollection"
        )
        result.setdefault("properties", {})["_embedded"] = {
            "type": "object",
            "properties": {"geometrie": {"type": "object", "description": "GeoJSON"}},
        }
        schemas["CheckResult"] = result
    doc["components"]["securitySchemes"] = {
        "apiKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key"}
    }
    paths: dict[str, Any] = {}
    for path, item in doc["paths"].items():
        if not path.startswith(PREFIX + "/"):
            continue  # the web page and its files are no part of the API
        short = path[len(PREFIX) :] or "/"
        for method, op in item.items():
            _shape(op, scopes.get((path, method)))
            named = {p["name"] for p in op.get("parameters", [])}
            extra = [p for p in declared.get((path, method), []) if p["name"] not in named]
            if extra:
                op["parameters"] = [*op.get("parameters", []), *extra]
            if path == PREFIX + "/toetsingen" and method == "post":
                content = op["responses"]["200"]["content"]["application/json"]
                content["schema"] = {"$ref": "#/components/schemas/CheckResult"}
        paths[short] = item
    doc["paths"] = paths
    add_examples(doc, load_examples() if examples is None else examples)
    return doc


def add_examples(doc: dict[str, Any], examples: Mapping[str, Any]) -> None:
    """Each operation's example answer on its success response's media types, as OpenAPI 3.1
    ``examples``, and the values of the example's request on the parameters that have no
    example yet. An example of an operation, status or media type the document does not have is
    left out (tests/test_api_examples.py checks that none is)."""
    for item in doc["paths"].values():
        for op in item.values():
            example = examples.get(op.get("operationId", ""))
            if not example:
                continue
            response = op.get("responses", {}).get(example["status"], {})
            for media, value in example["content"].items():
                target = response.get("content", {}).get(media)
                if target is not None and "example" not in target and "examples" not in target:
                    target["examples"] = {
                        "voorbeeld": {"summary": example["summary"], "value": copy.deepcopy(value)}
                    }
            given = example["request"]["parameters"]
            for param in op.get("parameters", []):
                if param["name"] in given and "example" not in param and "examples" not in param:
                    param["examples"] = {"voorbeeld": {"value": given[param["name"]]}}


def _shape(op: dict[str, Any], scopes: tuple[str, ...] | None) -> None:
    responses = op.setdefault("responses", {})
    responses.pop("422", None)
    for status, spec in problem_responses(400, 500).items():
        responses.setdefault(str(status), spec)
    for status, response in responses.items():
        if status[0] in "23":
            response.setdefault("headers", {})["API-Version"] = VERSION_HEADER
        elif "content" in response and "application/problem+json" not in response["content"]:
            response["content"] = problem_responses(int(status))[int(status)]["content"]
    if scopes is not None:
        op["security"] = [{"apiKey": []}]
        named = ", ".join(f"`{s}` ({SCOPE_NL.get(s, s)})" for s in scopes)
        op["description"] = (
            op.get("description", "") + f"\n\nAPI-sleutel met scope {named} of `admin`."
        ).strip()
