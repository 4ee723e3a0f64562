"""Errors as ``application/problem+json`` (RFC 9457, ADR error-handling module): every error
response has ``type``, ``title``, ``status`` and ``detail``; invalid input lists every problem
of the request at once in ``invalidParams``."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from spreidingstoets.domain.messages import dutch
from spreidingstoets.errors import SpreidingstoetsError

log = logging.getLogger("spreidingstoets_api")
PROBLEM = "application/problem+json"
TITLES = {
    400: "Ongeldige invoer",
    401: "Niet geauthenticeerd",
    403: "Geen toegang",
    404: "Niet gevonden",
    405: "Methode niet toegestaan",
    406: "Niet aanvaardbaar",
    409: "Conflict",
    413: "Verzoek te groot",
    415: "Mediatype niet ondersteund",
    422: "Onbruikbare bron",
    500: "Interne fout",
    503: "Niet beschikbaar",
}
CODES = {401: "niet-geauthenticeerd", 403: "geen-toegang", 405: "methode", 406: "niet-aanvaardbaar"}


class ApiProblem(Exception):
    """An error the API answers with directly (authentication, content negotiation, paging)."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        code: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.code = code or CODES.get(status, "fout")
        self.headers = headers or {}
        self.extra = extra


def bad_parameter(name: str, detail: str, reason: str) -> ApiProblem:
    """A 400 for one query parameter, as FastAPI's own validation errors are reported."""
    return ApiProblem(
        400,
        detail,
        code="ongeldige-invoer",
        invalidParams=[{"name": name, "code": "range", "reason": reason}],
    )


def problem(
    status: int,
    detail: str,
    *,
    code: str = "fout",
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body = {
        "type": f"urn:spreidingstoets:probleem:{code}",
        "title": TITLES.get(status, "Fout"),
        "status": status,
        "detail": detail,
        "code": code,
        **({"instance": instance} if instance else {}),
        **{k: v for k, v in extra.items() if v is not None},
    }
    return Response(
        json.dumps(body, ensure_ascii=False, default=str).encode(),
        status_code=status,
        media_type=PROBLEM,
        headers=headers,
    )


def invalid_params(errors: Sequence[Any]) -> list[dict[str, str]]:
    """Pydantic / FastAPI errors as ADR ``invalidParams``: name (dotted), code, Dutch reason."""
    items = []
    for error in errors:
        loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "header", "path")]
        reason = error["msg"] if error.get("type") == "invoer" else dutch(error)
        if error.get("type") == "json_invalid":
            reason = "de body is geen geldige JSON"
        if error.get("type") == "missing" and not loc:
            reason = "de body ontbreekt (verwacht een JSON-object)"
        items.append(
            {"name": ".".join(loc) or "body", "code": str(error.get("type")), "reason": reason}
        )
    return items


def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    params = invalid_params(exc.errors())
    detail = "; ".join(f"{p['name']}: {p['reason']}" for p in params)
    return problem(
        400, detail, code="ongeldige-invoer", instance=request.url.path, invalidParams=params
    )


def _library(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SpreidingstoetsError)
    extra: dict[str, Any] = {}
    headers: dict[str, str] = {}
    verdict = getattr(exc, "verdict", None)
    if verdict is not None:  # a grant the register no longer allows: name the failing rules
        extra["regels"] = [
            {"rule": r.rule, "type": r.type, "outcome": r.outcome, "message": r.message}
            for r in verdict.rules
            if r.outcome == "fail"
        ]
        extra["registerRevisie"] = getattr(exc, "revision", None)
    existing = getattr(exc, "existing", None)
    if existing is not None:
        extra["registratie"] = existing.id
    candidates = getattr(exc, "candidates", None)
    if candidates:
        extra["kandidaten"] = list(candidates)
    status = exc.http_status
    if status == 503:
        headers["Retry-After"] = "1"
    if status >= 500:
        log.error("%s: %s", type(exc).__name__, exc)
    return problem(
        status, str(exc), code=exc.code, instance=request.url.path, headers=headers, **extra
    )


def _api(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiProblem)
    return problem(
        exc.status,
        exc.detail,
        code=exc.code,
        instance=request.url.path,
        headers=exc.headers,
        **exc.extra,
    )


def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    detail = {
        404: f"er is geen bron {request.url.path}; zie /v1/openapi.json voor wat er is",
        405: f"{request.method} kan niet op {request.url.path}",
    }.get(exc.status_code, str(exc.detail))
    return problem(
        exc.status_code,
        detail,
        code=CODES.get(exc.status_code, "niet-gevonden" if exc.status_code == 404 else "fout"),
        instance=request.url.path,
        headers=dict(exc.headers or {}),
    )


def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("onverwachte fout bij %s %s", request.method, request.url.path, exc_info=exc)
    return problem(
        500,
        "er ging iets mis in de server; het is vastgelegd in het serverlog, er is niets gewijzigd",
        code="interne-fout",
        instance=request.url.path,
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(SpreidingstoetsError, _library)
    app.add_exception_handler(ApiProblem, _api)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
