"""The register, paginated and filtered, as JSON or GeoJSON (read scope); the audit log (admin
scope; no endpoint changes or deletes audit rows)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import Response

from spreidingstoets.dataset.address import normalise
from spreidingstoets.domain.register import RegisterEntry
from spreidingstoets.domain.vocabulary import KINDS, STATUS_NL, STATUSES, parse_status
from spreidingstoets.register.db import entry_as_dict
from spreidingstoets.register.history import audit_count
from spreidingstoets.register.keys import ApiKey
from spreidingstoets.service.workspace import Workspace
from spreidingstoets_api.deps import CrsDep, WorkspaceDep
from spreidingstoets_api.geo import collection, feature, projector
from spreidingstoets_api.models import AuditPage, EntryPage
from spreidingstoets_api.problems import bad_parameter
from spreidingstoets_api.responses import (
    GEOJSON,
    dumps,
    json_response,
    link_header,
    page_links,
    page_params,
    problem_responses,
)
from spreidingstoets_api.security import require

router = APIRouter(tags=["register"])
Page = Annotated[int, Query(ge=1, le=1_000_000, description="paginanummer, vanaf 1")]
PAGED_HEADERS = {
    "Link": {"description": "first, prev, next, last (RFC 8288)", "schema": {"type": "string"}},
    "X-Total-Count": {"description": "aantal resultaten", "schema": {"type": "integer"}},
}


def _size(request: Request, size: int | None) -> int:
    limit: int = request.app.state.api_settings.max_page_size
    if size is None:
        return min(20, limit)
    if size > limit:
        raise bad_parameter(
            "pageSize", f"pageSize mag hoogstens {limit} zijn, niet {size}", f"hoogstens {limit}"
        )
    return size


def _filtered(
    ws: Workspace, straat: str | None, status: str | None, soort: str | None
) -> list[RegisterEntry]:
    ds = ws.dataset
    entries = list(ws.overlay().snapshot.entries)
    if status is not None:
        code = parse_status(status)
        entries = [e for e in entries if e.status == code]
    if soort is not None:
        entries = [e for e in entries if e.kind == soort]
    if straat is not None:
        wanted = normalise(straat)

        def on_street(e: RegisterEntry) -> bool:
            u = ds.unit_index(e.verblijfsobject_id)
            s = int(ds.unit_street[u]) if u >= 0 else -1
            return s >= 0 and normalise(str(ds.street_naam[s])) == wanted

        entries = [e for e in entries if on_street(e)]
    return sorted(entries, key=lambda e: e.id)


@router.get(
    "/registraties",
    summary="Het register, per pagina, als JSON of GeoJSON",
    operation_id="registraties",
    response_model=EntryPage,
    responses={
        200: {
            "description": "registraties; met `Accept: application/geo+json` een "
            "FeatureCollection van de verblijfsobjecten",
            "headers": PAGED_HEADERS,
            "content": {GEOJSON: {"schema": {"type": "object"}}},
        },
        **problem_responses(400, 401, 403, 406, 500),
    },
)
def entries(
    request: Request,
    ws: WorkspaceDep,
    crs: CrsDep,
    key: Annotated[ApiKey | None, Depends(require("read"))],
    straat: Annotated[str | None, Query(max_length=200, description="straatnaam")] = None,
    status: Annotated[
        str | None,
        Query(
            description=f"status, Nederlands of Engels ({', '.join(STATUSES)})",
            max_length=32,
        ),
    ] = None,
    soort: Annotated[
        str | None, Query(description="soort gebruik", json_schema_extra={"enum": list(KINDS)})
    ] = None,
    page: Page = 1,
    pageSize: Annotated[int | None, Query(ge=1, le=1000)] = None,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    """Registraties van het register zoals de toetsing het nu ziet, gefilterd op straat,
    status en soort, per pagina (`page`, `pageSize`; `Link`-header)."""
    if soort is not None and soort not in KINDS:
        from spreidingstoets.errors import InputError, choice_error

        raise InputError(choice_error("soort gebruik", soort, KINDS))
    size = _size(request, pageSize)
    found = _filtered(ws, straat, status, soort)
    offset, limit = page_params(request, page, size, len(found))
    shown = found[offset : offset + limit]
    links = page_links(request, page, size, len(found))
    headers = {"Link": link_header(links), "X-Total-Count": str(len(found))}
    if accept and GEOJSON in accept:
        ds = ws.dataset
        project = projector(crs)
        features = []
        for e in shown:
            u = ds.unit_index(e.verblijfsobject_id)
            if u >= 0:
                props = {**entry_as_dict(e), "status_nl": STATUS_NL[e.status]}
                props["address"] = ds.unit_label(u)
                features.append(feature(project(ds.unit_point(u)), props, str(e.id)))
        body: dict[str, Any] = {**collection(features), "totaal": len(found), "_links": links}
        headers["Content-Crs"] = crs.name
        return json_response(dumps(body), media_type=GEOJSON, headers=headers)
    body = {
        "resultaten": [entry_as_dict(e) for e in shown],
        "pagina": page,
        "paginaGrootte": size,
        "totaal": len(found),
        "_links": links,
    }
    return json_response(dumps(body), headers=headers)


@router.get(
    "/auditregels",
    summary="Het auditlog, nieuwste eerst (admin)",
    operation_id="auditregels",
    response_model=AuditPage,
    responses={
        200: {"description": "auditregels", "headers": PAGED_HEADERS},
        **problem_responses(400, 401, 403, 500),
    },
)
def audit(
    request: Request,
    ws: WorkspaceDep,
    key: Annotated[ApiKey | None, Depends(require("admin"))],
    page: Page = 1,
    pageSize: Annotated[int | None, Query(ge=1, le=1000)] = None,
) -> Response:
    """Elke wijziging van het register met wie haar deed (ook welke API-sleutel), het
    oordeel bij elk besluit en de hashketen. Alleen lezen: geen endpoint wijzigt of wist het."""
    register = ws.register
    size = _size(request, pageSize)
    total = audit_count(register)
    offset, limit = page_params(request, page, size, total)
    rows = register.audit(limit=limit, offset=offset) if total else []
    links = page_links(request, page, size, total)
    body = {
        "resultaten": [r.as_dict() for r in rows],
        "pagina": page,
        "paginaGrootte": size,
        "totaal": total,
        "_links": links,
    }
    headers = {"Link": link_header(links), "X-Total-Count": str(total)}
    return json_response(dumps(body), headers=headers)
