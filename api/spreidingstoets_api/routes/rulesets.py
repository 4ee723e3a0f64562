"""Rulesets, their dated versions and rules with their policy sources (read scope)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.responses import Response

from spreidingstoets.domain.ruleset import Ruleset, RulesetVersion
from spreidingstoets.errors import NotFoundError
from spreidingstoets.register.keys import ApiKey
from spreidingstoets.service.workspace import Workspace
from spreidingstoets_api.deps import WorkspaceDep
from spreidingstoets_api.models import RULESET_ID, RulesetInfo, VersionInfo
from spreidingstoets_api.responses import dumps, json_response, problem_responses
from spreidingstoets_api.security import require

router = APIRouter(tags=["regelsets"])
Read = Annotated[ApiKey | None, Depends(require("read"))]
RulesetId = Annotated[str, Path(pattern=RULESET_ID, description="id van de regelset, bijv. tiel")]


def _summary(v: RulesetVersion) -> dict[str, Any]:
    return {
        "version": v.version,
        "valid_from": v.valid_from,
        "valid_until": v.valid_until,
        "source": v.source,
        "sha256": v.sha256,
    }


def _ruleset(r: Ruleset) -> dict[str, Any]:
    return {
        "id": r.id,
        "name": r.name,
        "gemeentecode": r.gemeentecode,
        "versions": [_summary(v) for v in r.versions],
    }


def _load(ws: Workspace, ruleset_id: str) -> Ruleset:
    from spreidingstoets.ruleset import available_rulesets

    if ruleset_id not in available_rulesets(ws.settings.rules_dir):
        ws.ruleset(ruleset_id)  # raises the library's NotFoundError with the valid ids
        raise NotFoundError(f"onbekende regelset {ruleset_id!r}")
    return ws.ruleset(ruleset_id)


@router.get(
    "/regelsets",
    summary="Alle regelsets",
    operation_id="regelsets",
    response_model=list[RulesetInfo],
    responses=problem_responses(400, 401, 403, 500),
)
def rulesets(ws: WorkspaceDep, key: Read) -> Response:
    from spreidingstoets.ruleset import available_rulesets

    items = [_ruleset(ws.ruleset(name)) for name in available_rulesets(ws.settings.rules_dir)]
    return json_response(dumps(items))


@router.get(
    "/regelsets/{regelsetId}",
    summary="Een regelset met haar versies",
    operation_id="regelset",
    response_model=RulesetInfo,
    responses=problem_responses(400, 401, 403, 404, 500),
)
def ruleset(regelsetId: RulesetId, ws: WorkspaceDep, key: Read) -> Response:
    return json_response(dumps(_ruleset(_load(ws, regelsetId))))


@router.get(
    "/regelsets/{regelsetId}/versies",
    summary="De versies van een regelset",
    operation_id="regelsetVersies",
    response_model=list[VersionInfo],
    responses=problem_responses(400, 401, 403, 404, 500),
)
def versions(regelsetId: RulesetId, ws: WorkspaceDep, key: Read) -> Response:
    return json_response(dumps([_version(v) for v in _load(ws, regelsetId).versions]))


@router.get(
    "/regelsets/{regelsetId}/versies/{versie}",
    summary="Een versie met haar regels en hun bronnen",
    operation_id="regelsetVersie",
    response_model=VersionInfo,
    responses=problem_responses(400, 401, 403, 404, 500),
)
def version(
    regelsetId: RulesetId,
    versie: Annotated[str, Path(max_length=64, description="versienaam, bijv. 2023")],
    ws: WorkspaceDep,
    key: Read,
) -> Response:
    return json_response(dumps(_version(_load(ws, regelsetId).version_named(versie))))


def _version(v: RulesetVersion) -> dict[str, Any]:
    return {
        **_summary(v),
        "kinds": list(v.kinds),
        "rules": [
            {
                "id": r.id,
                "type": r.type,
                "source": r.source,
                "applies_to": list(r.applies_to),
                "parameters": r.parameters,
                "defaults": list(r.defaults),
            }
            for r in v.rules
        ],
    }
