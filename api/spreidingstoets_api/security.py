"""API keys: ``X-Api-Key: sst_...`` (or ``Authorization: Bearer sst_...``), checked against
the hashed keys in the register database (``spreidingstoets.register.keys``), one scope per
operation. 401 without a valid key, 403 when the key lacks the scope; checks may be public by
setting (``SPREIDINGSTOETS_API_PUBLIC_CHECKS``), decisions never."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from fastapi.security import APIKeyHeader

from spreidingstoets.errors import ConfigurationError
from spreidingstoets.register.keys import ApiKey, authenticate
from spreidingstoets_api.problems import ApiProblem

API_KEY = APIKeyHeader(
    name="X-Api-Key",
    auto_error=False,
    description="API-sleutel (`spreidingstoets api-key create --name NAAM --scope check,decide`)",
)
CHALLENGE = {"WWW-Authenticate": 'ApiKey header="X-Api-Key"'}


def token_of(request: Request) -> str | None:
    token = request.headers.get("x-api-key")
    if token:
        return token.strip()
    auth = request.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def require(scope: str) -> Callable[[Request], ApiKey | None]:
    """A dependency: the caller's key, which must have ``scope`` (None: a public check)."""

    def dependency(request: Request) -> ApiKey | None:
        token = token_of(request)
        public = scope == "check" and request.app.state.api_settings.public_checks
        if token is None:
            if public:
                return None
            raise ApiProblem(
                401,
                f"geef een API-sleutel met scope {scope!r} in de header X-Api-Key",
                headers=CHALLENGE,
            )
        try:
            register = request.app.state.workspace.register
        except ConfigurationError:
            raise ApiProblem(
                401,
                "deze server heeft geen registerdatabase en dus geen API-sleutels",
                headers=CHALLENGE,
            ) from None
        key = authenticate(register, token)
        if key is None:
            raise ApiProblem(401, "de API-sleutel is onbekend of ingetrokken", headers=CHALLENGE)
        if not key.allows(scope):
            raise ApiProblem(
                403,
                f"API-sleutel {key.id} ({key.name}) heeft scope {', '.join(key.scopes)}; deze "
                f"handeling vraagt scope {scope!r}",
            )
        request.state.api_key = key
        return key

    dependency.scope = scope  # type: ignore[attr-defined]  # read by openapi.py
    return dependency
