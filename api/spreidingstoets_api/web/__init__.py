"""The officer's web page at ``/``: the project's own static HTML, CSS and JavaScript (no CDN, no
remote fonts), which calls the API under /v1 and holds no rules of its own.

Besides the files this router answers what the page needs and the API does not offer: address
suggestions while typing (``POST /web/suggesties``), the Dutch words the report uses
(``/web/woorden.json``) and the report itself (``POST /web/rapport`` for a check,
``GET /web/besluiten/{id}/rapport`` for a stored decision), as HTML or PDF.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from spreidingstoets.domain.model import verdict_from_json
from spreidingstoets.domain.vocabulary import STATUS_NL
from spreidingstoets.register.keys import ApiKey
from spreidingstoets.report.features import verdict_features
from spreidingstoets.report.html import map_css, render_report, reproduce_command
from spreidingstoets.report.labels import labels
from spreidingstoets.service import checks
from spreidingstoets.service.replay import decision_record
from spreidingstoets_api.deps import WorkspaceDep
from spreidingstoets_api.models import CheckRequest
from spreidingstoets_api.problems import ApiProblem
from spreidingstoets_api.responses import dumps, json_response
from spreidingstoets_api.security import require

STATIC = Path(__file__).parent / "static"
FILES = {
    "app.css": "text/css; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "kaart.js": "text/javascript; charset=utf-8",
}
# The page loads only itself: scripts, styles and calls from this origin, nothing inline.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'",
    "Cache-Control": "no-cache",
}
# A report is a document of its own (inline styles, no scripts).
REPORT_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "img-src data:; frame-ancestors 'none'",
    "Cache-Control": "no-store",
}
SUGGESTIONS = 10

router = APIRouter(include_in_schema=False)
Check = Annotated[ApiKey | None, Depends(require("check"))]
Read = Annotated[ApiKey | None, Depends(require("read"))]
Format = Annotated[Literal["html", "pdf"], Query(description="html (standaard) of pdf")]


def _static(name: str) -> Response:
    return Response((STATIC / name).read_bytes(), media_type=FILES.get(name), headers=PAGE_HEADERS)


@router.get("/")
def page() -> Response:
    return Response(
        (STATIC / "index.html").read_bytes(),
        media_type="text/html; charset=utf-8",
        headers=PAGE_HEADERS,
    )


@router.get("/web/woorden.json")
def words() -> Response:
    return json_response(dumps(labels()), headers={"Cache-Control": "no-cache"})


@router.get("/web/kaart.css")
def map_styles() -> Response:
    """The map's styles, the same the report uses."""
    return Response(map_css().encode(), media_type="text/css; charset=utf-8", headers=PAGE_HEADERS)


@router.get("/web/{name}")
def static_file(name: Annotated[str, PathParam(pattern=r"^[a-z]+\.(css|js)$")]) -> Response:
    if name not in FILES:
        raise ApiProblem(404, f"{name}: geen bestand van de pagina (wel: {', '.join(FILES)})")
    return _static(name)


class SuggestQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    zoekterm: str = Field(min_length=1, max_length=200)


@router.post("/web/suggesties")
def suggest(body: SuggestQuery, ws: WorkspaceDep, key: Check) -> Response:
    """Addresses the typed text may be the beginning of (postcode, street, BAG id)."""
    ds = ws.dataset
    found = ws.address_index.suggest(body.zoekterm, SUGGESTIONS)
    items = [
        {
            "label": m.label,
            "adresseerbaar_object": ds.unit_identificatie(m.unit),
            "postcode": ds.addr_postcode[m.address] or None,
            "verbeterd": "; ".join(m.corrected) or None,
        }
        for m in found
    ]
    return json_response(dumps({"suggesties": items}))


def _report(html: str, day: dt.date, formaat: str, name: str) -> Response:
    if formaat == "pdf":
        from spreidingstoets.report.pdf import html_to_pdf

        return Response(
            html_to_pdf(html, day),
            media_type="application/pdf",
            headers={**REPORT_HEADERS, "Content-Disposition": f'attachment; filename="{name}.pdf"'},
        )
    return Response(
        html.encode(),
        media_type="text/html; charset=utf-8",
        headers={**REPORT_HEADERS, "Content-Disposition": f'attachment; filename="{name}.html"'},
    )


@router.post("/web/rapport")
def report(body: CheckRequest, ws: WorkspaceDep, key: Check, formaat: Format = "html") -> Response:
    """The report of a check (the body of POST /v1/toetsingen), as HTML or PDF."""
    app = checks.resolve(ws, body.application(), dt.date.today())
    ruleset = ws.ruleset_for(app.unit, sets=body.overrides, name=body.ruleset)
    verdict = checks.check(ws, app, ruleset)
    options = [arg for item in body.overrides or [] for arg in ("--set", item)]
    html = render_report(
        verdict,
        verdict_features(verdict, ws.dataset),
        command=reproduce_command(verdict, options),
    )
    name = f"spreidingstoets-{verdict.application.verblijfsobject}-{verdict.application.date}"
    return _report(html, verdict.application.date, formaat, name)


@router.get("/web/besluiten/{besluitId}/rapport")
def decision_report(
    besluitId: Annotated[int, PathParam(ge=1, le=2**31 - 1)],
    ws: WorkspaceDep,
    key: Read,
    formaat: Format = "html",
) -> Response:
    """The report of a stored decision: its verdict as recorded, with the decision."""
    record = decision_record(ws, besluitId)
    verdict = verdict_from_json(record.payload)
    decision = {
        "besluit": STATUS_NL.get(str(record.outcome), str(record.outcome)),
        "besluit-id": str(record.id),
        "registratie": str(record.entry_id),
        "vastgelegd op": record.at.isoformat(timespec="seconds"),
        "door": record.actor,
        "registerrevisie": str(record.revision),
    }
    html = render_report(verdict, verdict_features(verdict, ws.dataset), decision=decision)
    return _report(html, verdict.application.date, formaat, f"spreidingstoets-besluit-{record.id}")
