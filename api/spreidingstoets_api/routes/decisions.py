"""Applications and decisions: recorded in the register (decide scope), stored with the verdict
computed inside the register's write lock, replayed on request (read scope)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query
from fastapi.responses import Response

from spreidingstoets.domain.inputs import ApplicationInput
from spreidingstoets.errors import ConflictError, InputError
from spreidingstoets.register.db import AuditRecord, DecisionResult, entry_as_dict
from spreidingstoets.register.history import decisions_of
from spreidingstoets.register.keys import ApiKey
from spreidingstoets.service import checks
from spreidingstoets.service.decisions import decide
from spreidingstoets.service.replay import decision_record, replay
from spreidingstoets.service.workspace import Workspace
from spreidingstoets_api.deps import WorkspaceDep, actor
from spreidingstoets_api.models import (
    ApplicationRequest,
    DecisionRequest,
    DirectDecisionRequest,
    ReplayResult,
    StoredDecision,
)
from spreidingstoets_api.models import (
    DecisionResult as DecisionResultModel,
)
from spreidingstoets_api.responses import dumps, json_response, problem_responses, with_raw
from spreidingstoets_api.security import require

router = APIRouter(tags=["besluiten"])
Decide = Annotated[ApiKey | None, Depends(require("decide"))]
Read = Annotated[ApiKey | None, Depends(require("read"))]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="dezelfde sleutel legt een besluit maar een keer vast (een herhaling geeft "
        "het eerste antwoord)",
    ),
]
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
CREATED_HEADERS = {"Location": {"description": "de aangemaakte bron", "schema": {"type": "string"}}}
WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "al vastgelegd (herhaling: dezelfde Idempotency-Key of hetzelfde besluit)"
    },
    201: {"description": "vastgelegd", "headers": CREATED_HEADERS},
    **problem_responses(400, 401, 403, 404, 409, 413, 415, 500, 503),
}


def _decision_body(result: DecisionResult, who: str | None) -> str:
    data = {
        "id": result.audit_id,
        "decision": result.outcome,
        "entry": entry_as_dict(result.entry),
        "previous": result.previous,
        "register_revision": result.revision,
        "replayed": result.replayed,
        "actor": who,
    }
    return with_raw(data, verdict=result.verdict_json)


def _answer(result: DecisionResult, who: str, location: str) -> Response:
    status = 200 if result.replayed else 201
    return json_response(_decision_body(result, who), status, headers={"Location": location})


def _record(
    ws: Workspace,
    given: ApplicationInput,
    ruleset: str | None,
    decision: str,
    reference: str,
    key: ApiKey | None,
    idempotency_key: str | None,
) -> tuple[DecisionResult, str]:
    """``service.decisions.decide`` for an application as given: (result, actor)."""
    if idempotency_key is not None and given.date is None:
        raise InputError(
            "met Idempotency-Key hoort een vaste date: een herhaling op een andere dag is "
            "anders niet hetzelfde verzoek"
        )
    app = checks.resolve(ws, given, dt.date.today())
    who = actor(key)
    _, result = decide(
        ws,
        app,
        ws.ruleset_for(app.unit, name=ruleset),
        decision,
        reference=reference,
        actor=who,
        idempotency_key=_scoped(key, idempotency_key),
    )
    return result, who


@router.post(
    "/aanvragen",
    summary="Leg een aanvraag vast (in behandeling)",
    operation_id="maakAanvraag",
    status_code=201,
    response_model=DecisionResultModel,
    responses=WRITE_RESPONSES,
)
def create_application(
    body: ApplicationRequest,
    ws: WorkspaceDep,
    key: Decide,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Toetst de aanvraag op het register zoals het is binnen zijn schrijfslot en legt haar
    vast als registratie in behandeling, met dat oordeel in het auditlog. Een tweede actieve
    registratie van dezelfde soort op de woning: 409."""
    result, who = _record(
        ws, body.application(), body.ruleset, "pending", body.reference, key, idempotency_key
    )
    return _answer(result, who, f"/v1/aanvragen/{result.entry.id}")


def _scoped(key: ApiKey | None, idempotency_key: str | None) -> str | None:
    """Idempotency keys are per API key: one client cannot replay another's decision."""
    if idempotency_key is None:
        return None
    owner = key.id if key is not None else 0
    return f"api{owner}:" + hashlib.sha256(idempotency_key.encode()).hexdigest()[:48]


@router.get(
    "/aanvragen/{aanvraagId}",
    summary="Een aanvraag (registratie) met haar besluiten",
    operation_id="aanvraag",
    responses=problem_responses(400, 401, 403, 404, 500),
)
def application(aanvraagId: Id, ws: WorkspaceDep, key: Read) -> Response:
    register = ws.register
    entry = register.get(aanvraagId)
    decided = [
        {"id": r.id, "at": r.at.isoformat(), "decision": r.outcome, "href": f"/v1/besluiten/{r.id}"}
        for r in decisions_of(register, entry.id)
    ]
    return json_response(dumps({**entry_as_dict(entry), "decisions": decided}))


@router.post(
    "/aanvragen/{aanvraagId}/besluit",
    summary="Leg het besluit op een aanvraag vast",
    operation_id="besluitOpAanvraag",
    status_code=201,
    response_model=DecisionResultModel,
    responses=WRITE_RESPONSES,
)
def decide_application(
    aanvraagId: Id,
    body: DecisionRequest,
    ws: WorkspaceDep,
    key: Decide,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Verleend, geweigerd of in behandeling: getoetst op het register zoals het binnen zijn
    schrijfslot is. Een verlening die een regel nu niet haalt (een ander besluit ging voor):
    409 met de regels die niet voldoen (`regels`). Dezelfde Idempotency-Key, of hetzelfde
    besluit nog eens: het eerste antwoord, niets gewijzigd."""
    entry = ws.register.get(aanvraagId)
    if entry.persons is None:
        raise ConflictError(
            f"registratie {entry.id} heeft geen aantal personen; een besluit via de API kan "
            "alleen op een aanvraag die via de API (of decide) is vastgelegd"
        )
    given = ApplicationInput(
        verblijfsobject_id=entry.verblijfsobject_id,
        kind=entry.kind,
        persons=entry.persons,
        date=entry.valid_from,
        beds=entry.beds,
        valid_until=entry.valid_until,
        reference=entry.reference or None,
    )
    result, who = _record(
        ws, given, body.ruleset, body.besluit, entry.reference, key, idempotency_key
    )
    return _answer(result, who, f"/v1/besluiten/{result.audit_id}")


@router.post(
    "/besluiten",
    summary="Leg een besluit vast op een aanvraag die in zijn geheel wordt gegeven",
    operation_id="maakBesluit",
    status_code=201,
    response_model=DecisionResultModel,
    responses=WRITE_RESPONSES,
)
def create_decision(
    body: DirectDecisionRequest,
    ws: WorkspaceDep,
    key: Decide,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Als `spreidingstoets decide`: de aanvraag met dit kenmerk wordt aangemaakt of
    bijgewerkt, getoetst op het register zoals het binnen zijn schrijfslot is. Een verlening
    die een regel niet haalt: 409 met de regels (`regels`)."""
    result, who = _record(
        ws, body.application(), body.ruleset, body.besluit, body.reference, key, idempotency_key
    )
    return _answer(result, who, f"/v1/besluiten/{result.audit_id}")


def _stored(record: AuditRecord) -> str:
    data = {
        "id": record.id,
        "at": record.at.isoformat(),
        "actor": record.actor,
        "decision": record.outcome,
        "entry_id": record.entry_id,
        "verblijfsobject_id": record.verblijfsobject_id,
        "idempotency_key": record.idempotency_key,
        "register_revision": record.revision,
    }
    return with_raw(data, verdict=record.payload)


@router.get(
    "/besluiten/{besluitId}",
    summary="Een vastgelegd besluit met zijn oordeel",
    operation_id="besluit",
    response_model=StoredDecision,
    responses=problem_responses(400, 401, 403, 404, 500),
)
def stored_decision(besluitId: Id, ws: WorkspaceDep, key: Read) -> Response:
    return json_response(_stored(decision_record(ws, besluitId)))


@router.get(
    "/besluiten/{besluitId}/herberekening",
    summary="Herbereken het oordeel van een besluit",
    operation_id="herberekenBesluit",
    response_model=ReplayResult,
    responses=problem_responses(400, 401, 403, 404, 500),
)
def replay_decision(
    besluitId: Id,
    ws: WorkspaceDep,
    key: Read,
) -> Response:
    """Rekent het opgeslagen oordeel opnieuw uit met de regelsetversie, de dataset (sha256) en
    de registerrevisie die het noemt (het register zoals het toen was, uit het auditlog), en
    zegt of het byte voor byte gelijk is (`identical`). Legt niets vast."""
    result = replay(ws, decision_record(ws, besluitId))
    data = {
        "besluit": result.audit_id,
        "identical": result.identical,
        "problems": list(result.problems),
        "stored_sha256": hashlib.sha256(result.stored.encode()).hexdigest(),
        "replayed_sha256": hashlib.sha256(result.replayed.encode()).hexdigest()
        if result.replayed is not None
        else None,
    }
    return json_response(with_raw(data, replayed=result.replayed or "null"))


URI = r"^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$"


@router.get(
    "/besluiten/{besluitId}/zgw",
    summary="ZGW-objecten voor de zaak van een besluit",
    operation_id="zgwObjecten",
    responses=problem_responses(400, 401, 403, 404, 500),
)
def zgw(
    besluitId: Id,
    zaak: Annotated[
        str,
        Query(max_length=1000, pattern=URI, description="URL van de zaak in het zaaksysteem"),
    ],
    ws: WorkspaceDep,
    key: Read,
    resultaattype: Annotated[
        str | None,
        Query(max_length=1000, pattern=URI, description="URL van het resultaattype (Catalogi)"),
    ] = None,
    eigenschap: Annotated[
        str | None,
        Query(
            max_length=900,
            pattern=URI,
            description="begin van de URL's van de eigenschappen; de regel-id volgt",
        ),
    ] = None,
) -> Response:
    """Wat het zaaksysteem bij zijn zaak opslaat, als objecten van de Zaken API 1.5.1: een
    ZaakObject voor het adres (met `objectIdentificatie` uit de BAG) en voor elk pand, een
    ZaakEigenschap per regel (uitkomst en cijfers), de toelichting bij het resultaat en de
    zaakgeometrie (EPSG:4326)."""
    from spreidingstoets.domain.model import verdict_from_json
    from spreidingstoets_api.zgw import zgw_objects

    record = decision_record(ws, besluitId)
    body = zgw_objects(
        ws.dataset,
        verdict_from_json(record.payload),
        record.outcome or "",
        zaak=zaak,
        resultaattype=resultaattype
        or "urn:spreidingstoets:resultaattype:" + (record.outcome or ""),
        eigenschap=eigenschap or "urn:spreidingstoets:eigenschap",
    )
    return json_response(dumps(body), headers={"Content-Crs": "EPSG:4326"})
