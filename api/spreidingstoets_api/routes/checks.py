"""Checks without side effects, and the address search."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from spreidingstoets.domain.model import Verdict, verdict_json
from spreidingstoets.register.keys import ApiKey
from spreidingstoets.service import checks
from spreidingstoets_api.deps import CrsDep, WorkspaceDep
from spreidingstoets_api.geo import geojson, projector, verdict_geometry
from spreidingstoets_api.models import AddressQuery, AddressResult, CheckRequest
from spreidingstoets_api.responses import dumps, json_response, problem_responses
from spreidingstoets_api.security import require

router = APIRouter(tags=["toetsen"])
Expand = Annotated[
    Literal["geometrie"] | None,
    Query(
        description="`geometrie`: de geometrie van aanvraag en bewijs als GeoJSON in `_embedded`"
    ),
]


@router.post(
    "/toetsingen",
    summary="Toets een aanvraag (geen bijwerkingen)",
    operation_id="toetsAanvraag",
    response_model=Verdict,
    responses=problem_responses(400, 401, 403, 404, 406, 413, 415, 500),
)
async def check(
    body: CheckRequest,
    ws: WorkspaceDep,
    crs: CrsDep,
    key: Annotated[ApiKey | None, Depends(require("check"))],
    expand: Expand = None,
) -> Response:
    """Het oordeel per regel en in totaal (schema `Verdict`, als `check --json`), op het register
    zoals het nu is; niets wordt vastgelegd. Met `expand=geometrie` ook de geometrie."""
    app = checks.resolve(ws, body.application(), dt.date.today())
    ruleset = ws.ruleset_for(app.unit, sets=body.overrides, name=body.ruleset)
    verdict = checks.check(ws, app, ruleset)
    text = verdict_json(verdict)
    headers = {}
    if expand == "geometrie":
        fc = verdict_geometry(verdict, ws.dataset, crs)
        text = text[:-1] + ',"_embedded":' + dumps({"geometrie": fc}) + "}"
        headers["Content-Crs"] = crs.name
    return json_response(text, headers=headers)


@router.post(
    "/adressen/_zoek",
    summary="Zoek een adres",
    operation_id="zoekAdres",
    response_model=AddressResult,
    responses=problem_responses(400, 401, 403, 404, 406, 413, 415, 500),
)
async def search(
    body: AddressQuery,
    ws: WorkspaceDep,
    crs: CrsDep,
    key: Annotated[ApiKey | None, Depends(require("check"))],
) -> Response:
    """Zoek een adres zoals een medewerker het typt (postcode en huisnummer, straat en
    huisnummer, een BAG-identificatie); een typefout in de straatnaam wordt verbeterd en
    gemeld. Geen adres in de URL (ADR: geen gevoelige gegevens in URI's). Niet gevonden of
    meerdere: 400 met de dichtstbijzijnde `kandidaten`."""
    match = ws.address_index.find(body.zoekterm)
    info = match.as_dict(ws.dataset)
    info["geometrie"] = geojson(projector(crs)(ws.dataset.unit_point(match.unit)))
    return json_response(dumps({"adres": info}), headers={"Content-Crs": crs.name})
