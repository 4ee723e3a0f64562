"""API keys: ``X-Api-Key: sst_...`` (or ``Authorization: Bearer sst_...``), checked against
the hashed keys in the register database (``spreidingstoets.register.keys``), one scope per
operation. 401 without a valid key, 403 when the key lacks the scope; checks may be public by
setting (``SPREIDINGSTOETS_API_PUBLIC_CHECKS``), decisions never."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.security import APIKeyHeader

from spreidingstoets.errors import ConfigurationError
from spreidingstoets.register.keys import ApiKey, authenticate, key_hash
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


class KeyCache:
    """Keys a worker checked recently (by the sha256 of the token), so a busy client costs one
    register read per key per ``seconds``, not one per request."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._known: dict[str, tuple[float, ApiKey]] = {}

    def get(self, register: Any, token: str) -> ApiKey | None:
        if self.seconds <= 0:
            return authenticate(register, token)
        digest = key_hash(token)
        now = time.monotonic()
        hit = self._known.get(digest)
        if hit is not None and hit[0] > now:
            return hit[1]
        key = authenticate(register, token)
        if key is None:
            self._known.pop(digest, None)
            return None
        if len(self._known) > 1000:
            self._known.clear()
        self._known[digest] = (now + self.seconds, key)
        return key


def require(scope: str) -> Callable[[Request], Awaitable[ApiKey | None]]:
    """A dependency: the caller's key, which must have ``scope`` (None: a public check).
    ``async``: the key lookup is one indexed read, cheaper than a hop to the thread pool."""

    async def dependency(request: Request) -> ApiKey | None:
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
        key = request.app.state.key_cache.get(register, token)
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
