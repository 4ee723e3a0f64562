"""What handlers share: the workspace, the requested CRS, the caller's actor name."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Query, Request

from spreidingstoets.register.keys import ApiKey
from spreidingstoets.service.workspace import Workspace
from spreidingstoets_api.geo import Crs, negotiate

# Dependencies are ``async def``: cheap, and FastAPI runs a plain ``def`` dependency in its
# thread pool, one thread hop per dependency per request.


async def workspace(request: Request) -> Workspace:
    ws: Workspace = request.app.state.workspace
    return ws


async def crs(
    crs: Annotated[
        str | None,
        Query(description="CRS van de geometrie: OGC:CRS84 (standaard), EPSG:28992, EPSG:4326"),
    ] = None,
    accept_crs: Annotated[
        str | None, Header(alias="Accept-Crs", description="gewenst CRS (als de BAG- en ZGW-API's)")
    ] = None,
) -> Crs:
    return negotiate(crs, accept_crs)


def actor(key: ApiKey | None) -> str:
    return key.actor if key is not None else "publiek"


WorkspaceDep = Annotated[Workspace, Depends(workspace)]
CrsDep = Annotated[Crs, Depends(crs)]
