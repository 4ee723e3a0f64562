"""The output folders of ``simulate``, ``compare`` and ``capacity``: files, map, HTML, summary.

Each writer fills a temporary folder that replaces the target only when every file is written
(``fsio.atomic_folder``), and returns the summary that ``--json`` prints.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from spreidingstoets.dataset.model import Dataset
from spreidingstoets.domain.model import Application
from spreidingstoets.domain.vocabulary import OVERALL_NL
from spreidingstoets.fsio import atomic_folder
from spreidingstoets.simulate.core import SimulationResult
from spreidingstoets.simulate.outputs import (
    OVERALL_COLOURS,
    OVERALL_ORDER,
    MapLayer,
    MapSpec,
    Section,
    area_table,
    dwelling_table,
    map_extent,
    outcome_layers,
    render_html,
    render_map,
    rule_table,
    street_geometries,
    street_table,
    write_csv,
    write_geodata,
    write_json,
)

Step = Callable[[str], None]


def describe_template(t: Application) -> str:
    text = f"{t.kind}, {t.persons} personen"
    if t.beds is not None:
        text += f", {t.beds} bedden"
    text += f", per {t.date.strftime('%d-%m-%Y')}"
    if t.valid_until:
        text += f" tot en met {t.valid_until.strftime('%d-%m-%Y')}"
    return text


def describe_rules(result: SimulationResult) -> str:
    p = result.provenance
    text = f"regelset {p['ruleset']} versie {p['ruleset_version']}"
    if p.get("variant"):
        text += f", variant {p['variant']}"
    return text


def provenance_facts(result: SimulationResult) -> list[tuple[str, str]]:
    p = result.provenance
    return [
        ("Regelset", describe_rules(result)),
        ("Hypothetische aanvraag", describe_template(result.template)),
        ("Dataset", f"{p['dataset']} (sha256 {str(p['dataset_sha256'])[:12]}…)"),
        ("Register", f"revisie {p['register_revision']}"),
    ]


def _tiles(counts: dict[str, int]) -> list[dict[str, Any]]:
    return [
        {"label": OVERALL_NL[o], "value": counts[o], "colour": OVERALL_COLOURS[o]}
        for o in OVERALL_ORDER
    ]


def rule_paths(result: SimulationResult) -> list[dict[str, Any]]:
    return [
        {
            "rule": r.rule,
            "type": r.type,
            "path": r.path,
            "per_application": r.exact,
            "outcomes": {o: int((r.outcome == o).sum()) for o in np.unique(r.outcome).tolist()},
        }
        for r in result.rules
    ]


def fallback_notes(result: SimulationResult) -> list[str]:
    loops = [f"{r.rule} ({r.type})" for r in result.rules if r.path == "per_application"]
    if not loops:
        return []
    return [
        "Per aanvraag berekend (het gevectoriseerde pad dekt deze parameters niet): "
        + ", ".join(loops)
        + "."
    ]


def write_simulation(
    result: SimulationResult,
    ds: Dataset,
    target: Path,
    *,
    replace: bool,
    counted: np.ndarray,
    areas: str | None = None,
    notes: list[str] | None = None,
    step: Step | None = None,
) -> dict[str, Any]:
    """The simulation's folder: woningen.csv, straten.csv (gebieden.csv), regels.csv,
    simulatie.gpkg and .geojson, kaart.png, samenvatting.html and samenvatting.json."""
    say = step or (lambda _m: None)
    notes = [*(notes or []), *fallback_notes(result)]
    counts = result.counts()
    with atomic_folder(target, replace=replace) as tmp:
        say("tabellen")
        dwellings = dwelling_table(result, ds)
        streets = street_table(result, ds)
        rules = rule_table(result)
        files = [
            write_csv(tmp, "woningen", dwellings),
            write_csv(tmp, "straten", streets),
            write_csv(tmp, "regels", rules),
        ]
        area = area_table(result, ds, areas) if areas else None
        if area is not None:
            files.append(write_csv(tmp, "gebieden", area))
        say("GeoPackage en GeoJSON")
        files += write_geodata(
            tmp, "simulatie", dwellings, streets, street_geometries(ds, streets, result.units)
        )
        say("kaart")
        spec = MapSpec(
            title=f"Simulatie {describe_rules(result)}",
            subtitle=f"Hypothetische aanvraag: {describe_template(result.template)}; "
            f"{len(result)} woningen getoetst",
            layers=outcome_layers(
                ds, result.units, result.classes(), counted, result.non_deciding()
            ),
        )
        spec.extent, outside = map_extent(ds.unit_xy[result.units])
        if outside:
            spec.notes.append(f"{outside} woning(en) liggen buiten de kaart (zie de tabellen).")
        image = render_map(ds, spec)
        (tmp / "kaart.png").write_bytes(image)
        files.append("kaart.png")
        summary = {
            "command": "simulate",
            "candidates": len(result),
            "outcomes": counts,
            "rules": rule_paths(result),
            "template": _template_json(result.template),
            "provenance": result.provenance,
            "notes": notes,
            "folder": str(target),
        }
        files += ["samenvatting.html", "samenvatting.json"]
        summary["files"] = files
        sections = [
            Section("Per regel", rules),
            Section(
                "Per straat",
                streets,
                "Kandidaten per openbare ruimte en hun uitkomst; 'nog toegestaan' is wat de "
                "straatregel nog toelaat bij de huidige meetellende woningen.",
                limit=40,
            ),
        ]
        if area is not None:
            sections.append(Section(f"Per gebied ({areas})", area))
        page = render_html(
            title=f"Simulatie: {describe_rules(result)}",
            subtitle=f"Hypothetische aanvraag {describe_template(result.template)} op elke "
            "woning van de selectie.",
            facts=[*provenance_facts(result), ("Getoetste woningen", str(len(result)))],
            sections=sections,
            image=image,
            files=files,
            notes=notes,
            tiles=_tiles(counts),
        )
        (tmp / "samenvatting.html").write_text(page, "utf-8")
        write_json(tmp, "samenvatting", summary)
    return summary


def _template_json(t: Application) -> dict[str, Any]:
    return {
        "kind": t.kind,
        "persons": t.persons,
        "beds": t.beds,
        "date": t.date.isoformat(),
        "valid_until": t.valid_until.isoformat() if t.valid_until else None,
    }


__all__ = [
    "MapLayer",
    "MapSpec",
    "Section",
    "describe_template",
    "write_simulation",
]
