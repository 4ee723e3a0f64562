"""Simulations for planners through the workspace: which dwellings, which register, which rules.

The work itself is ``simulate/`` (pure); this layer picks the candidates (a street, an area of a
loaded layer, a bounding box, the ruleset's municipality), hands over the register overlay and
the ruleset, and names what it assumed, so every front-end says the same.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import shapely

from spreidingstoets.dataset.model import Dataset
from spreidingstoets.domain.inputs import ApplicationInput
from spreidingstoets.domain.model import Application
from spreidingstoets.domain.ruleset import Ruleset
from spreidingstoets.errors import InputError, NotFoundError, did_you_mean
from spreidingstoets.ruletypes.base import Counted, RegisterOverlay
from spreidingstoets.ruletypes.bulk import period_of
from spreidingstoets.service.workspace import Workspace
from spreidingstoets.simulate import SimulationResult, simulate
from spreidingstoets.zoning import normalise_designation


@dataclass(frozen=True)
class Selection:
    """Which dwellings a simulation places the application at (all filters together)."""

    streets: tuple[str, ...] = ()  # openbare ruimte identificaties or street names
    area: str | None = None  # "LAAG" (every area of a loaded layer) or "LAAG=NAAM"
    bbox: tuple[float, float, float, float] | None = None  # xmin, ymin, xmax, ymax (RD)
    gemeente: str | None = None  # gemeentecode; default the ruleset's (when it has dwellings)
    include_counted: bool = False  # also dwellings that already count


@dataclass
class Candidates:
    units: np.ndarray
    notes: list[str] = field(default_factory=list)


def template_of(
    kind: str, persons: str | int, date: str | dt.date | None, today: dt.date, **extra: object
) -> Application:
    """The hypothetical application, validated as any application is (unit filled in later)."""
    given = ApplicationInput.parse(
        {"verblijfsobject_id": "0" * 16, "kind": kind, "persons": persons, "date": date, **extra}
    )
    return given.to_application(0, today)


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """``xmin,ymin,xmax,ymax`` in metres (EPSG:28992)."""
    parts = [p.strip() for p in text.split(",")]
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != 4 or not all(np.isfinite(values)):
        raise InputError(
            f"--bbox {text!r}: geef xmin,ymin,xmax,ymax in meter (RD, EPSG:28992), "
            "bijv. 130000,440000,131000,441000"
        )
    xmin, ymin, xmax, ymax = values
    if xmin >= xmax or ymin >= ymax:
        raise InputError(f"--bbox {text!r}: xmin moet kleiner zijn dan xmax en ymin dan ymax")
    return xmin, ymin, xmax, ymax


def street_rows(ds: Dataset, wanted: str) -> np.ndarray:
    """Openbare ruimte rows by identificatie or by name (every woonplaats with that name)."""
    text = wanted.strip()
    ids = ds.street_id.astype(str)
    rows = np.flatnonzero(ids == text)
    if len(rows):
        return rows
    names = np.char.lower(ds.street_naam.astype(str))
    rows = np.flatnonzero(names == text.lower())
    if len(rows):
        return rows
    hint = did_you_mean(text.lower(), sorted(set(names.tolist())))
    raise NotFoundError(f"straat {text!r} staat niet in de dataset{hint}")


def area_zones(ds: Dataset, spec: str) -> tuple[str, np.ndarray]:
    """The layer and the zone rows of ``LAAG`` or ``LAAG=NAAM``."""
    name, _, zone = (p.strip() for p in spec.partition("="))
    if name not in ds.layers:
        known = ", ".join(sorted(ds.layers)) or "geen"
        raise InputError(
            f"--area {spec!r}: laag {name!r} hoort niet bij deze dataset (lagen: {known})"
        )
    layer = ds.layers[name]
    if not zone:
        return name, np.arange(len(layer))
    rows = np.flatnonzero(
        (layer.naam_norm == normalise_designation(zone)) | (layer.identificatie == zone)
    )
    if len(rows) == 0:
        hint = did_you_mean(zone, sorted(set(layer.naam.tolist())))
        raise NotFoundError(f"--area {spec!r}: gebied {zone!r} staat niet in laag {name!r}{hint}")
    return name, rows


def select_candidates(
    ds: Dataset,
    overlay: RegisterOverlay,
    template: Application,
    selection: Selection,
    ruleset: Ruleset | None = None,
) -> Candidates:
    """The dwellings (woningen) a simulation tests, after every filter; notes say what was
    assumed (the municipality, dwellings already counted left out)."""
    notes: list[str] = []
    keep = ds.woning.copy()
    if not selection.include_counted:
        counted = overlay.counted_mask(period_of(template), Counted())
        keep &= ~counted
        if counted.any():
            notes.append(
                f"{int((ds.woning & counted).sum())} woningen die al meetellen (register) "
                "zijn overgeslagen"
            )
    code = selection.gemeente or (ruleset.gemeentecode if ruleset else None)
    if code:
        in_gemeente = np.char.startswith(ds.unit_id, code.encode())
        if (in_gemeente & keep).any():
            keep &= in_gemeente
            if not selection.gemeente:
                notes.append(f"alleen woningen in gemeente {code} (die van de regelset)")
        elif selection.gemeente:
            raise NotFoundError(f"gemeente {code}: geen woningen in deze dataset")
        else:
            notes.append(
                f"let op: de dataset heeft geen woningen in gemeente {code} van regelset "
                f"{ruleset.id if ruleset else ''!r}; de regels worden op alle woningen toegepast"
            )
    if selection.streets:
        rows = np.concatenate([street_rows(ds, s) for s in selection.streets])
        keep &= np.isin(ds.unit_street, rows)
    if selection.area:
        name, zones = area_zones(ds, selection.area)
        layer = ds.layers[name]
        inside = np.zeros(ds.n_units, bool)
        pts = shapely.points(ds.unit_xy)
        where, zone = layer.tree.query(pts, predicate="covered_by")
        inside[where[np.isin(zone, zones)]] = True
        keep &= inside
    if selection.bbox:
        xmin, ymin, xmax, ymax = selection.bbox
        x, y = ds.unit_xy[:, 0], ds.unit_xy[:, 1]
        keep &= (x >= xmin) & (x <= xmax) & (y >= ymin) & (y <= ymax)
    units = np.flatnonzero(keep)
    if len(units) == 0:
        raise NotFoundError(
            "geen woningen om te simuleren met deze selectie (straat, gebied, bbox)"
        )
    return Candidates(units, notes)


def run_simulation(
    ws: Workspace,
    ruleset: Ruleset,
    template: Application,
    selection: Selection,
    *,
    overlay: RegisterOverlay | None = None,
    advance: Callable[[int], None] | None = None,
) -> tuple[SimulationResult, Candidates]:
    """The simulation of ``template`` at the selected dwellings, on the register as it is."""
    ds = ws.dataset
    overlay = overlay or ws.overlay()
    found = select_candidates(ds, overlay, template, selection, ruleset)
    result = simulate(ds, overlay, ruleset, template, found.units, advance=advance)
    return result, found


def counted_dwellings(ds: Dataset, overlay: RegisterOverlay, template: Application) -> np.ndarray:
    """The dwellings that already count in the period of ``template`` (the maps ring them)."""
    mask = overlay.counted_mask(period_of(template), Counted())
    return np.flatnonzero(mask & ds.woning)
