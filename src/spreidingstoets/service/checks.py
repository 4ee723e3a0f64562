"""Checks: an application as typed -> resolved -> verdict, one at a time or as a batch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spreidingstoets.domain.inputs import ApplicationInput
from spreidingstoets.domain.model import Application, Verdict, verdict_json
from spreidingstoets.domain.ruleset import Ruleset
from spreidingstoets.engine import evaluate
from spreidingstoets.errors import NotFoundError
from spreidingstoets.ruletypes.base import RegisterOverlay
from spreidingstoets.service.workspace import Workspace
from spreidingstoets.tabular import Columns, Table, read_table


def resolve(ws: Workspace, given: ApplicationInput, today: dt.date) -> Application:
    """Find the dwelling of an application and fill in its date (``today`` when not given)."""
    ds = ws.dataset
    corrected: tuple[str, ...] = ()
    if given.verblijfsobject_id:
        unit = ds.unit_index(given.verblijfsobject_id)
        if unit < 0:
            raise NotFoundError(
                f"verblijfsobject {given.verblijfsobject_id} staat niet in de dataset "
                f"{ds.dataset_id}"
            )
    else:
        match = ws.address_index.find(given.address or "")
        unit, corrected = match.unit, match.corrected
    return given.to_application(
        unit, today, address_query=given.query(), address_corrected=corrected
    )


def check(
    ws: Workspace, app: Application, ruleset: Ruleset, overlay: RegisterOverlay | None = None
) -> Verdict:
    """The verdict on one resolved application, on the register as it is now."""
    return evaluate(app, ws.dataset, overlay or ws.overlay(), ruleset.version_on(app.date))


def gemeente_warning(ruleset: Ruleset, ws: Workspace, units: Iterable[int]) -> str | None:
    """A warning when applications lie in another municipality than the ruleset's."""
    ds = ws.dataset
    other = sorted({ds.unit_identificatie(u)[:4] for u in units} - {ruleset.gemeentecode})
    if not other:
        return None
    return (
        f"let op: regelset {ruleset.id!r} is van gemeente {ruleset.gemeentecode}, de aanvraag "
        f"ligt in gemeente {', '.join(other)}; de regels worden toegepast op een andere gemeente"
    )


@dataclass(frozen=True)
class BatchResult:
    lines: list[str]  # one verdict JSON per application, in input order
    outcomes: list[str]


APPLICATION_COLUMNS = Columns(
    required=("kind", "persons"),
    one_of=(("address", "verblijfsobject_id"),),
    optional=("date", "beds", "valid_until", "received", "reason"),
    what="aanvragen",
)


def parse_application(
    ws: Workspace, cells: Mapping[str, Any], ruleset: Ruleset, today: dt.date
) -> Application:
    """One batch row: validated, its dwelling found, a ruleset version valid on its date."""
    app = resolve(ws, ApplicationInput.parse(cells), today)
    ruleset.version_on(app.date)
    return app


def read_applications(
    ws: Workspace, path: Path, ruleset: Ruleset, today: dt.date
) -> Table[Application]:
    """The applications of a batch file (CSV or JSON lines, any usual encoding or separator);
    one error lists every problem of the file and its rows, with line and column."""
    return read_table(
        path,
        columns=APPLICATION_COLUMNS,
        parse=lambda row: parse_application(ws, row.values, ruleset, today),
    )


def run_batch(
    ws: Workspace,
    apps: list[Application],
    ruleset: Ruleset,
    advance: Callable[[], None] | None = None,
) -> BatchResult:
    """Check every application on one register revision (the batch sees one register)."""
    overlay = ws.overlay()
    lines: list[str] = []
    outcomes: list[str] = []
    for app in apps:
        verdict = check(ws, app, ruleset, overlay)
        lines.append(verdict_json(verdict))
        outcomes.append(verdict.outcome)
        if advance:
            advance()
    return BatchResult(lines, outcomes)
