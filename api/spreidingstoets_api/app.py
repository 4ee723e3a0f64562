"""The app factory: one FastAPI app over one workspace (dataset, rulesets, register).

``create_app`` is for tests and embedding; ``app_from_env`` is the factory uvicorn starts in
each worker (``spreidingstoets serve`` passes --data and --register through the environment).
Every resource is under /v1; the page at / belongs to the web module (``include_web``).
"""

from __future__ import annotations

import gc
import importlib.util
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import Response

from spreidingstoets.service.workspace import Workspace
from spreidingstoets.settings import Settings, load_settings
from spreidingstoets_api import API_VERSION, models, problems
from spreidingstoets_api.middleware import ApiHeaders
from spreidingstoets_api.openapi import PREFIX, build_openapi
from spreidingstoets_api.responses import dumps, json_response
from spreidingstoets_api.routes import checks, decisions, register, rulesets
from spreidingstoets_api.security import KeyCache
from spreidingstoets_api.settings import ApiSettings

log = logging.getLogger("spreidingstoets_api")
EXPOSED = ["API-Version", "Content-Crs", "Link", "Location", "Retry-After", "X-Total-Count"]


def create_app(
    settings: Settings | None = None,
    *,
    workspace: Workspace | None = None,
    api_settings: ApiSettings | None = None,
) -> FastAPI:
    settings = settings or (workspace.settings if workspace else load_settings())
    ws = workspace or Workspace(settings)
    api = api_settings or ApiSettings.model_validate({})
    models.configure(settings.rules_dir)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Load everything before the first request, then keep the collector off the
        # dataset's millions of long-lived objects (as the CLI does).
        _ = ws.dataset, ws.address_index
        ws.overlay()
        gc.collect()
        gc.freeze()
        yield
        ws.close()

    app = FastAPI(
        title="spreidingstoets API",
        version=API_VERSION,
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.workspace = ws
    app.state.api_settings = api
    app.state.key_cache = KeyCache(api.key_cache_seconds)
    problems.install(app)
    routers = [m.router for m in (checks, rulesets, decisions, register)]
    for router in routers:
        app.include_router(router, prefix=PREFIX)

    document: dict[str, Any] = {}

    @app.get(PREFIX + "/openapi.json", include_in_schema=False)
    def openapi() -> Response:
        if not document:
            document.update(build_openapi(app, routers))
        return json_response(dumps(document), media_type="application/json")

    app.openapi = lambda: document or document.update(build_openapi(app, routers)) or document  # type: ignore[method-assign]
    include_web(app)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=api.cors_origins,
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=[
            "Accept",
            "Accept-Crs",
            "Authorization",
            "Content-Type",
            "Idempotency-Key",
            "X-Api-Key",
        ],
        expose_headers=EXPOSED,
        max_age=600,
    )
    app.add_middleware(ApiHeaders, max_body=api.max_body_bytes, prefix=PREFIX)
    return app


def include_web(app: FastAPI) -> None:
    """The officer's web page at / (``spreidingstoets_api.web``: a ``router`` with its static
    files), when that module is installed. The one place a non-API router is included."""
    if importlib.util.find_spec("spreidingstoets_api.web") is None:
        return
    web = importlib.import_module("spreidingstoets_api.web")
    app.include_router(web.router)


def app_from_env() -> FastAPI:
    """The factory uvicorn calls in every worker: settings from the environment."""
    return create_app(load_settings())
