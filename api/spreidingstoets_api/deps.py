"""What handlers share: the workspace, the requested CRS, the caller's actor name."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from spreidingstoets.register.keys import ApiKey
from spreidingstoets.service.workspace import Workspace
from spreidingstoets_api.geo import Crs, negotiate

# Dependencies are ``async def``: cheap, and FastAPI runs a plain ``def`` dependency in its
# thread pool, one thread hop per dependency per request.


async def workspace(request: Request) -> Workspace:
    ws: Workspace = request.app.state.workspace
    return ws


CRS_PARAMETERS = (
    {
        "name": "crs",
        "in": "query",
        "required": False,
        "schema": {"type": "string"},
        "description": "CRS van de geometrie: OGC:CRS84 (standaard), EPSG:28992, EPSG:4326",
    },
    {
        "name": "Accept-Crs",
        "in": "header",
        "required": False,
        "schema": {"type": "string"},
        "description": "gewenst CRS (als de BAG- en ZGW-API's)",
    },
)


async def crs(request: Request) -> Crs:
    """The CRS asked for, read from the request itself: FastAPI validates each declared
    parameter on every request, which every check paid for two it rarely has. The OpenAPI
    document names them from ``openapi_parameters`` (``openapi.build_openapi``)."""
    return negotiate(request.query_params.get("crs"), request.headers.get("accept-crs"))


crs.openapi_parameters = CRS_PARAMETERS  # type: ignore[attr-defined]


def actor(key: ApiKey | None) -> str:
    return key.actor if key is not None else "publiek"


WorkspaceDep = Annotated[Workspace, Depends(workspace)]
CrsDep = Annotated[Crs, Depends(crs)]
