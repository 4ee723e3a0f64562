"""Pure ASGI middleware (cheap per request): the ``API-Version`` and security headers on every
response, and the limits on request bodies (size, JSON content type) before a handler runs."""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from spreidingstoets_api import API_VERSION
from spreidingstoets_api.problems import problem

COMMON = [
    (b"api-version", API_VERSION.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"strict-transport-security", b"max-age=31536000"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
# The API serves data, never pages: nothing may run, load or frame it; answers are not cached.
API_ONLY = [
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
    (b"cache-control", b"no-store"),
]
WITH_BODY = {"POST", "PUT", "PATCH"}


class ApiHeaders:
    """Headers on every response; bodies bounded in size and JSON for the API's writes."""

    def __init__(self, app: ASGIApp, *, max_body: int, prefix: str = "/v1") -> None:
        self.app = app
        self.max_body = max_body
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        is_api = path == self.prefix or path.startswith(self.prefix + "/")
        extra = COMMON + API_ONLY if is_api else COMMON
        state = {"too_large": False, "replaced": False}

        async def send_with_headers(message: Message) -> None:
            if state["replaced"]:
                return  # the app's answer to a cut-off body is replaced by the 413
            if message["type"] == "http.response.start" and state["too_large"]:
                state["replaced"] = True
                await self._refuse(scope, receive, send_with_headers_raw, 413)
                return
            await send_with_headers_raw(message)

        async def send_with_headers_raw(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in extra if k not in names]
                message = {**message, "headers": headers}
            await send(message)

        if scope["method"] in WITH_BODY and is_api:
            headers = dict(scope.get("headers", []))
            length = headers.get(b"content-length")
            if length is not None and (not length.isdigit() or int(length) > self.max_body):
                await self._refuse(scope, receive, send_with_headers_raw, 413)
                return
            ctype = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
            has_body = length not in (None, b"0") or b"transfer-encoding" in headers
            if has_body and not (ctype == b"application/json" or ctype.endswith(b"+json")):
                await self._refuse(
                    scope, receive, send_with_headers_raw, 415, ctype.decode("latin-1")
                )
                return
            receive = self._bounded(receive, state)
        await self.app(scope, receive, send_with_headers)

    def _bounded(self, receive: Receive, state: dict[str, bool]) -> Receive:
        """Count a body without Content-Length as it arrives; past the limit, end it there
        (the app then fails to parse it, and that answer becomes a 413)."""
        seen = 0
        limit = self.max_body

        async def bounded() -> Message:
            nonlocal seen
            if state["too_large"]:
                return {"type": "http.request", "body": b"", "more_body": False}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    state["too_large"] = True
                    return {"type": "http.request", "body": b"", "more_body": False}
            return message

        return bounded

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, status: int, ctype: str = ""
    ) -> None:
        detail: Any = {
            413: f"de body is groter dan {self.max_body} bytes; stuur minder",
            415: f"mediatype {ctype or '(geen)'} kan niet; stuur JSON (Content-Type: application/json)",
        }[status]
        code = {413: "te-groot", 415: "mediatype"}[status]
        response = problem(status, detail, code=code, instance=scope["path"])
        await response(scope, receive, send)
