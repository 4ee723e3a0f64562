"""Planner simulations as jobs: create (202 and the job's location), status with progress and
the summary, and the result files (GeoPackage, GeoJSON, CSV). The work is the CLI's
``simulate`` (``service/simulations.py`` and ``simulate/``); its output folder is the job's."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import FileResponse, Response

from spreidingstoets.domain.model import Application
from spreidingstoets.domain.ruleset import Ruleset
from spreidingstoets.errors import SpreidingstoetsError
from spreidingstoets.register.keys import ApiKey
from spreidingstoets.service.simulations import (
    Selection,
    area_zones,
    counted_dwellings,
    run_simulation,
    select_candidates,
    street_rows,
    template_of,
)
from spreidingstoets.service.workspace import Workspace
from spreidingstoets.simulate.reports import write_simulation
from spreidingstoets_api.deps import WorkspaceDep
from spreidingstoets_api.jobs import DONE, FAILED, JOB_ID, OWNER, Jobs, Report
from spreidingstoets_api.models import SimulationJob, SimulationRequest
from spreidingstoets_api.problems import ApiProblem
from spreidingstoets_api.responses import dumps, json_response, problem_responses
from spreidingstoets_api.security import require

router = APIRouter(tags=["simulaties"])
JobId = Annotated[str, Path(pattern=JOB_ID, description="de id van de simulatie (32 hex)")]
FORMATS: dict[str, tuple[str, str, str | None]] = {  # formaat: file, media type, Content-Crs
    "gpkg": ("simulatie.gpkg", "application/geopackage+sqlite3", "EPSG:28992"),
    "geojson": ("simulatie.geojson", "application/geo+json", "OGC:CRS84"),
    "csv": ("{tabel}.csv", "text/csv; charset=utf-8", None),
}
TABLES = ("woningen", "straten", "regels", "gebieden")
SIMULATING = 0.8  # the share of the progress for the simulation; the rest is writing
STEPS = {"tabellen": 0.82, "GeoPackage en GeoJSON": 0.87, "kaart": 0.93}


def _jobs(request: Request) -> Jobs:
    jobs: Jobs = request.app.state.jobs
    return jobs


Create = Annotated[ApiKey | None, Depends(require("check"))]
Read = Annotated[ApiKey | None, Depends(require("read", "check"))]
JobsDep = Annotated[Jobs, Depends(_jobs)]


def _links(job_id: str, status: str, files: list[str]) -> dict[str, Any]:
    """Links to the files the job wrote (no GeoJSON beyond a million dwellings)."""
    base = f"/v1/simulaties/{job_id}"
    links: dict[str, Any] = {"self": {"href": base}}
    if status == DONE:
        for formaat, (name, _media, _crs) in FORMATS.items():
            if formaat != "csv" and name in files:
                links[formaat] = {"href": f"{base}/resultaat?formaat={formaat}"}
        for table in (t for t in TABLES if f"{t}.csv" in files):
            key = "csv" if table == "woningen" else f"csv-{table}"
            suffix = "" if table == "woningen" else f"&tabel={table}"
            links[key] = {"href": f"{base}/resultaat?formaat=csv{suffix}"}
    return links


def _public(state: dict[str, Any]) -> dict[str, Any]:
    """A job as a client sees it: no owner, no server folder, links to the results."""
    shown = {k: v for k, v in state.items() if k != OWNER}
    summary = shown.get("summary")
    files: list[str] = []
    if summary:
        shown["summary"] = {k: v for k, v in summary.items() if k != "folder"}
        files = summary.get("files", [])
    shown["_links"] = _links(state["id"], state["status"], files)
    return shown


class Plan:
    """A checked request: everything the job needs, every problem of the body found at once."""

    def __init__(self, ws: Workspace, body: SimulationRequest) -> None:
        self.problems: list[dict[str, str]] = []
        self.ruleset: Ruleset | None = None
        self.template: Application | None = None
        sel = body.selection
        self.selection = Selection(
            streets=tuple(sel.streets or ()),
            area=sel.area,
            bbox=tuple(sel.bbox) if sel.bbox else None,  # type: ignore[arg-type]
            gemeente=sel.gemeente,
        )
        self.areas = body.areas or (sel.area.partition("=")[0].strip() if sel.area else None)
        self._try("overrides", lambda: self._set_ruleset(ws, body))
        self._try("body", lambda: self._set_template(body))
        ds = ws.dataset
        for i, street in enumerate(sel.streets or ()):
            self._try(f"selection.streets.{i}", lambda s=street: street_rows(ds, s))
        if sel.area:
            self._try("selection.area", lambda: area_zones(ds, sel.area or ""))
        if body.areas and body.areas not in ds.layers:
            known = ", ".join(sorted(ds.layers)) or "geen"
            self._problem("areas", f"areas {body.areas!r}: geen laag van deze dataset ({known})")
        if not self.problems and self.ruleset and self.template:
            ruleset, template = self.ruleset, self.template
            self._try(
                "selection",
                lambda: select_candidates(ds, ws.overlay(), template, self.selection, ruleset),
            )

    def _set_ruleset(self, ws: Workspace, body: SimulationRequest) -> None:
        self.ruleset = ws.ruleset(body.ruleset, sets=body.overrides)

    def _set_template(self, body: SimulationRequest) -> None:
        self.template = template_of(
            body.kind, body.persons, body.date, dt.date.today(), beds=body.beds
        )

    def _problem(self, name: str, reason: str, code: str = "invoer") -> None:
        self.problems.append({"name": name, "code": code, "reason": reason})

    def _try(self, name: str, step: Any) -> None:
        try:
            step()
        except SpreidingstoetsError as exc:
            if exc.http_status >= 500:
                raise
            self._problem(name, str(exc), exc.code)

    def refuse_if_invalid(self) -> None:
        if self.problems:
            raise ApiProblem(
                400,
                "; ".join(f"{p['name']}: {p['reason']}" for p in self.problems),
                code="ongeldige-invoer",
                invalidParams=self.problems,
            )

    def work(self, ws: Workspace) -> Any:
        """The job: simulate, then write the folder as ``simulate`` does."""
        ruleset, template = self.ruleset, self.template
        assert ruleset is not None and template is not None

        def run(folder: Any, report: Report) -> dict[str, Any]:
            overlay = ws.overlay()
            found = select_candidates(ws.dataset, overlay, template, self.selection, ruleset)
            total = max(1, len(ruleset.version_on(template.date).rules) * len(found.units))
            done = [0]

            def advance(n: int) -> None:
                done[0] += n
                report(SIMULATING * done[0] / total, "simuleren")

            report(0.0, "simuleren")
            result, found = run_simulation(
                ws, ruleset, template, self.selection, overlay=overlay, advance=advance
            )
            notes = list(found.notes)
            if ws.register_note:
                notes.insert(0, ws.register_note)
            summary: dict[str, Any] = write_simulation(
                result,
                ws.dataset,
                folder,
                replace=False,
                counted=counted_dwellings(ws.dataset, overlay, template),
                areas=self.areas,
                notes=notes,
                step=lambda m: report(STEPS.get(m, SIMULATING), f"uitvoer: {m}"),
            )
            return summary

        return run


JOB_RESPONSES = problem_responses(400, 401, 403, 404, 500)


@router.post(
    "/simulaties",
    summary="Start een simulatie (een taak)",
    operation_id="startSimulatie",
    status_code=202,
    response_model=SimulationJob,
    responses={
        202: {
            "description": "aangenomen; de taak staat op `Location`",
            "headers": {
                "Location": {"description": "de taak", "schema": {"type": "string"}},
            },
        },
        **problem_responses(400, 401, 403, 404, 413, 415, 500, 503),
    },
)
def create_simulation(
    body: SimulationRequest, ws: WorkspaceDep, jobs: JobsDep, key: Create
) -> Response:
    """Een hypothetische aanvraag (soort, personen, datum) op elke woning van de selectie, onder
    een regelset met eventueel gewijzigde parameters: als `spreidingstoets simulate`. De invoer
    wordt meteen gecontroleerd (400 met alle fouten); de simulatie zelf draait als taak op de
    server, een tegelijk per werkproces (de rest wacht; een volle wachtrij geeft 503). Volg de
    taak op `Location`; als ze klaar is staan de samenvatting en de bestanden erbij.

    De toestand van een taak staat als klein JSON-bestand naast haar resultaatmap in de
    cachemap van de server, dus elk werkproces (`--workers`) kan erover antwoorden; een taak
    wordt uitgevoerd door het werkproces dat haar aannam. Stopt dat proces, dan is de taak
    mislukt. Taken en resultaten worden na `SPREIDINGSTOETS_API_SIMULATION_KEEP_HOURS` uur
    (standaard 24) opgeruimd."""
    plan = Plan(ws, body)
    plan.refuse_if_invalid()
    state = jobs.submit(body.model_dump(mode="json", exclude_none=True), plan.work(ws))
    shown = _public(state)
    return json_response(dumps(shown), 202, headers={"Location": shown["_links"]["self"]["href"]})


@router.get(
    "/simulaties/{simulatieId}",
    summary="De toestand van een simulatie",
    operation_id="simulatie",
    response_model=SimulationJob,
    responses=JOB_RESPONSES,
)
async def simulation(simulatieId: JobId, jobs: JobsDep, key: Read) -> Response:
    """Status (`wachtend`, `bezig`, `klaar`, `mislukt`), voortgang als fractie en de tijden;
    als ze klaar is de samenvatting (als `simulate --json`) en in `_links` de bestanden;
    mislukt: de fout in `error`."""
    return json_response(dumps(_public(jobs.get(simulatieId))))


@router.get(
    "/simulaties/{simulatieId}/resultaat",
    summary="Een resultaatbestand van een simulatie",
    operation_id="simulatieResultaat",
    response_class=FileResponse,
    responses={
        200: {
            "description": "het bestand",
            "content": {
                "application/geopackage+sqlite3": {
                    "schema": {
                        "type": "string",
                        "contentMediaType": "application/geopackage+sqlite3",
                    }
                },
                "application/geo+json": {"schema": {"type": "object"}},
                "text/csv": {"schema": {"type": "string"}},
            },
        },
        **problem_responses(400, 401, 403, 404, 409, 500),
    },
)
async def simulation_result(
    simulatieId: JobId,
    jobs: JobsDep,
    key: Read,
    formaat: Annotated[
        Literal["gpkg", "geojson", "csv"],
        Query(description="`gpkg` (GeoPackage, RD), `geojson` (CRS84) of `csv`"),
    ] = "geojson",
    tabel: Annotated[
        Literal["woningen", "straten", "regels", "gebieden"],
        Query(description="bij `csv`: welke tabel"),
    ] = "woningen",
) -> Response:
    """Het bestand van een klare simulatie: de woningen met hun uitkomst (GeoPackage met ook de
    straten, GeoJSON) of een tabel als CSV. Nog niet klaar: 404 (met `Retry-After`);
    mislukt: 409 met de fout."""
    state = jobs.get(simulatieId)
    if state["status"] == FAILED:
        raise ApiProblem(
            409, f"de simulatie is mislukt: {state.get('error')}", code="simulatie-mislukt"
        )
    if state["status"] != DONE:
        raise ApiProblem(
            404,
            f"de simulatie is nog niet klaar (status {state['status']}, voortgang "
            f"{state['progress']:.0%}); probeer het straks opnieuw",
            code="nog-niet-klaar",
            headers={"Retry-After": "2"},
        )
    name, media, crs = FORMATS[formaat]
    name = name.format(tabel=tabel)
    path = jobs.folder(simulatieId) / name
    if not path.is_file():
        why = {
            "simulatie.geojson": "boven een miljoen woningen alleen de GeoPackage (formaat=gpkg)",
            "gebieden.csv": "geef areas voor een tabel per gebied",
        }
        raise ApiProblem(
            404,
            f"deze simulatie heeft geen {name}" + (f": {why[name]}" if name in why else ""),
            code="niet-gevonden",
        )
    headers = {"Content-Crs": crs} if crs else {}
    return FileResponse(
        path,
        media_type=media,
        filename=f"simulatie-{simulatieId[:8]}-{name}",
        headers=headers,
    )
