"""The output folders of ``simulate``, ``compare`` and ``capacity``: files, map, HTML, summary.

Each writer fills a temporary folder that replaces the target only when every file is written
(``fsio.atomic_folder``), and returns the summary that ``--json`` prints.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from spreidingstoets.dataset.model import Dataset
from spreidingstoets.domain.model import Application
from spreidingstoets.fsio import atomic_folder
from spreidingstoets.report.labels import number
from spreidingstoets.simulate.capacity import CapacityResult, fits
from spreidingstoets.simulate.compare import Comparison
from spreidingstoets.simulate.core import SimulationResult
from spreidingstoets.simulate.outputs import (
    CLASS_COLOURS,
    CLASS_ORDER,
    MapLayer,
    MapSpec,
    Section,
    area_table,
    class_labels,
    location_columns,
    map_extent,
    outcome_layers,
    outside_note,
    release_memory,
    render_html,
    render_map,
    rule_table,
    short_class_labels,
    street_geometries,
    street_table,
    unit_place_codes,
    write_csv,
    write_dwellings,
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


def _tiles(result: SimulationResult) -> list[dict[str, Any]]:
    classes = result.classes()
    labels = class_labels(result.non_deciding())
    return [
        {"label": labels[c], "value": int((classes == c).sum()), "colour": CLASS_COLOURS[c]}
        for c in CLASS_ORDER
        if c != "open" or result.non_deciding()
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
        release_memory()  # what the simulation freed
        streets = street_table(result, ds)
        rules = rule_table(result)
        files = [write_csv(tmp, "straten", streets), write_csv(tmp, "regels", rules)]
        area = area_table(result, ds, areas) if areas else None
        if area is not None:
            files.append(write_csv(tmp, "gebieden", area))
        say("GeoPackage en GeoJSON")
        dwellings, *geodata = write_dwellings(
            tmp,
            "simulatie",
            result,
            ds,
            streets,
            lambda: street_geometries(ds, streets, result.units),
            notes,
        )
        files = [dwellings, *files, *geodata]
        say("kaart")
        spec = MapSpec(
            title=f"Simulatie {describe_rules(result)}",
            subtitle=f"Hypothetische aanvraag: {describe_template(result.template)}; "
            f"{number(len(result))} woningen getoetst",
            layers=outcome_layers(
                ds, result.units, result.classes(), counted, result.non_deciding()
            ),
        )
        spec.extent, outside = map_extent(
            ds.unit_xy[result.units], *unit_place_codes(ds, result.units)
        )
        spec.notes += outside_note(outside)
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
                "Kandidaten per openbare ruimte en hun uitkomst"
                + (
                    "; 'nog toegestaan' is wat de straatregel nog toelaat bij de huidige "
                    "meetellende woningen."
                    if any(r.type == "street_share" for r in result.rules)
                    else "."
                ),
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
            tiles=_tiles(result),
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


DIRECTION_NL = {"looser": "ruimer", "stricter": "strenger", "same": "gelijk"}
DIRECTION_COLOURS = {"looser": "#1a9850", "stricter": "#d73027", "same": "#9fb3c8"}


def write_comparison(
    comparison: Comparison,
    ds: Dataset,
    target: Path,
    *,
    replace: bool,
    counted: np.ndarray,
    areas: str | None = None,
    notes: list[str] | None = None,
    step: Step | None = None,
) -> dict[str, Any]:
    """The comparison's folder: vergelijking.csv (per woning), straten.csv (gebieden.csv),
    vergelijking.gpkg and .geojson, kaart.png (the flips), samenvatting.html and .json."""
    say = step or (lambda _m: None)
    a, b = comparison.a, comparison.b
    notes = [*(notes or []), *fallback_notes(a), *fallback_notes(b)]
    direction = comparison.direction()
    labels = short_class_labels(sorted({*a.non_deciding(), *b.non_deciding()}))
    counts = comparison.counts()
    with atomic_folder(target, replace=replace) as tmp:
        say("tabellen")
        base = pd.DataFrame(location_columns(ds, a.units))
        table = base.assign(
            **{
                "uitkomst_a": [labels[c] for c in a.classes().tolist()],
                "uitkomst_b": [labels[c] for c in b.classes().tolist()],
                "verandering": [DIRECTION_NL[d] for d in direction.tolist()],
                "beslissend_a": a.deciding(),
                "beslissend_b": b.deciding(),
            }
        )
        streets = flips_by(ds.unit_street[a.units], direction, ds, "street")
        files = [write_csv(tmp, "vergelijking", table), write_csv(tmp, "straten", streets)]
        area = None
        if areas:
            area = flips_by(area_of(ds, areas, a.units), direction, ds, areas)
            files.append(write_csv(tmp, "gebieden", area))
        moves = pd.DataFrame(
            [
                {"onder a": labels[x], "onder b": labels[y], "woningen": n}
                for (x, y), n in comparison.transitions().items()
            ]
        )
        files.append(write_csv(tmp, "overgangen", moves))
        say("GeoPackage en GeoJSON")
        files += write_geodata(
            tmp, "vergelijking", table, streets, lambda: street_geometries(ds, streets, a.units)
        )
        say("kaart")
        layers = [
            MapLayer(
                f"{DIRECTION_NL[d]} onder b" if d != "same" else "gelijk",
                ds.unit_xy[a.units[direction == d]],
                DIRECTION_COLOURS[d],
                size=6 if d == "same" else 34,
                zorder=2 if d == "same" else 3,
            )
            for d in ("same", "looser", "stricter")
        ]
        layers.append(
            MapLayer(
                "telt al mee (register)",
                ds.unit_xy[counted],
                "none",
                size=30,
                edge="#111111",
                zorder=4,
            )
        )
        spec = MapSpec(
            title=f"Vergelijking: a = {comparison.label_a}; b = {comparison.label_b}",
            subtitle=f"Hypothetische aanvraag: {describe_template(a.template)}; "
            f"{len(a)} woningen; {counts['looser']} ruimer, {counts['stricter']} strenger onder b",
            layers=layers,
        )
        spec.extent, outside = map_extent(ds.unit_xy[a.units], *unit_place_codes(ds, a.units))
        spec.notes += outside_note(outside)
        image = render_map(ds, spec)
        (tmp / "kaart.png").write_bytes(image)
        files += ["kaart.png", "samenvatting.html", "samenvatting.json"]
        summary = {
            "command": "compare",
            "candidates": len(a),
            "a": {"label": comparison.label_a, "outcomes": a.counts(), "provenance": a.provenance},
            "b": {"label": comparison.label_b, "outcomes": b.counts(), "provenance": b.provenance},
            "flips": counts,
            "transitions": [
                {"a": x, "b": y, "dwellings": n} for (x, y), n in comparison.transitions().items()
            ],
            "notes": notes,
            "folder": str(target),
            "files": files,
        }
        changed = streets[streets["ruimer"] + streets["strenger"] > 0]
        sections = [
            Section(
                "Overgangen",
                moves,
                "Hoeveel woningen van welke uitkomst onder a naar welke onder b gaan.",
            ),
            Section(
                "Per straat (alleen straten waar iets verandert)",
                changed,
                limit=40,
            ),
        ]
        if area is not None:
            sections.append(Section(f"Per gebied ({areas})", area))
        page = render_html(
            title="Vergelijking van twee varianten",
            subtitle=f"a = {comparison.label_a}; b = {comparison.label_b}. Dezelfde "
            f"hypothetische aanvraag ({describe_template(a.template)}) op dezelfde woningen.",
            facts=[
                ("a", describe_rules(a)),
                ("b", describe_rules(b)),
                ("Woningen", str(len(a))),
                *provenance_facts(a)[2:],
            ],
            sections=sections,
            image=image,
            files=files,
            notes=notes,
            tiles=[
                {
                    "label": "ruimer onder b",
                    "value": counts["looser"],
                    "colour": DIRECTION_COLOURS["looser"],
                },
                {
                    "label": "strenger onder b",
                    "value": counts["stricter"],
                    "colour": DIRECTION_COLOURS["stricter"],
                },
                {"label": "gelijk", "value": counts["same"], "colour": "#888888"},
            ],
        )
        (tmp / "samenvatting.html").write_text(page, "utf-8")
        write_json(tmp, "samenvatting", summary)
    return summary


def area_of(ds: Dataset, layer_name: str, units: np.ndarray) -> np.ndarray:
    """Per unit: the first zone of the layer that holds its point, -1 for none."""
    import shapely

    layer = ds.layers[layer_name]
    where, zone = layer.tree.query(shapely.points(ds.unit_xy[units]), predicate="covered_by")
    first = np.full(len(units), -1, np.int64)
    order = np.lexsort((zone, where))
    where, zone = where[order], zone[order]
    if len(where):
        lead = np.r_[True, where[1:] != where[:-1]]
        first[where[lead]] = zone[lead]
    return first


def flips_by(keys: np.ndarray, direction: np.ndarray, ds: Dataset, what: str) -> pd.DataFrame:
    """Per street (``what == "street"``) or area of layer ``what``: flips in each direction."""
    frame = pd.DataFrame({"key": keys, "d": direction})
    table = frame.groupby(["key", "d"]).size().unstack(fill_value=0)
    for d in ("looser", "stricter", "same"):
        if d not in table.columns:
            table[d] = 0
    table = table[["looser", "stricter", "same"]].rename(columns=DIRECTION_NL)
    table.insert(0, "woningen", table.sum(axis=1))
    rows = table.index.to_numpy()
    has = rows >= 0
    r = np.where(has, rows, 0)
    if what == "street":
        table.insert(0, "straat", np.where(has, ds.street_naam[r].astype(str), "(geen straat)"))
        table.insert(0, "openbare_ruimte", np.where(has, ds.street_id[r].astype(str), ""))
    else:
        layer = ds.layers[what]
        table.insert(0, "gebied", np.where(has, layer.naam[r].astype(str), "(buiten de laag)"))
        table.insert(0, "gebied_id", np.where(has, layer.identificatie[r].astype(str), ""))
    return table.reset_index(drop=True).sort_values(
        ["ruimer", "strenger", "woningen"], ascending=False, kind="stable"
    )


def write_capacity(
    result: CapacityResult,
    ds: Dataset,
    target: Path,
    *,
    replace: bool,
    counted: np.ndarray,
    notes: list[str] | None = None,
    step: Step | None = None,
) -> dict[str, Any]:
    """The capacity folder: runs.csv, toewijzing.csv (the grants of the largest run, in
    order), toewijzing.gpkg and .geojson, kaart.png, samenvatting.html and .json."""
    say = step or (lambda _m: None)
    best = result.best()
    stats = result.stats()
    notes = list(notes or [])
    with atomic_folder(target, replace=replace) as tmp:
        say("tabellen")
        runs = pd.DataFrame(
            [
                {
                    "volgorde": r.order,
                    "verleningen": len(r.granted),
                    "rondes": r.passes,
                    "opnieuw getoetst": r.checks,
                }
                for r in result.runs
            ]
        )
        units = best.granted
        grants = pd.DataFrame(
            {"volgnummer": np.arange(1, len(units) + 1), **location_columns(ds, units)}
        )
        per_street = (
            grants.groupby(["openbare_ruimte", "straat"]).size().rename("verleningen").reset_index()
        ).sort_values("verleningen", ascending=False, kind="stable")
        files = [
            write_csv(tmp, "runs", runs),
            write_csv(tmp, "toewijzing", grants),
            write_csv(tmp, "straten", per_street),
        ]
        say("GeoPackage en GeoJSON")
        files += write_geodata(tmp, "toewijzing", grants, None, None)
        say("kaart")
        fit_now = result.initial.units[fits(result.initial.overall, result.review_fits)]
        not_now = np.setdiff1d(result.candidates, fit_now)
        waiting = np.setdiff1d(fit_now, units)
        layers = [
            MapLayer("past nu niet", ds.unit_xy[not_now], "#a8a8a8", size=5, zorder=2),
            MapLayer(
                "paste vooraf, niet verleend", ds.unit_xy[waiting], "#9ecae1", size=10, zorder=2
            ),
            MapLayer(f"verleend in {best.order}", ds.unit_xy[units], "#2166ac", size=18, zorder=3),
            MapLayer(
                "telt al mee (register)",
                ds.unit_xy[counted],
                "none",
                size=30,
                edge="#111111",
                zorder=4,
            ),
        ]
        p = result.provenance
        spec = MapSpec(
            title=f"Capaciteit: regelset {p['ruleset']} versie {p['ruleset_version']}"
            + (f", variant {p['variant']}" if p.get("variant") else ""),
            subtitle=f"{len(units)} verleningen in volgorde '{best.order}' (min {stats['min']:g}, "
            f"mediaan {stats['median']:g}, max {stats['max']:g}; bovengrens {result.upper_bound})",
            layers=layers,
        )
        spec.extent, outside = map_extent(
            ds.unit_xy[result.candidates], *unit_place_codes(ds, result.candidates)
        )
        spec.notes += outside_note(outside)
        image = render_map(ds, spec)
        (tmp / "kaart.png").write_bytes(image)
        files += ["kaart.png", "samenvatting.html", "samenvatting.json"]
        summary = {
            "command": "capacity",
            "candidates": len(result.candidates),
            "fitting_now": result.fitting_now,
            "runs": [
                {"order": r.order, "seed": r.seed, "granted": len(r.granted), "passes": r.passes}
                for r in result.runs
            ],
            "min": stats["min"],
            "median": stats["median"],
            "max": stats["max"],
            "upper_bound": result.upper_bound,
            "upper_bound_reason": result.bound_reason,
            "assumptions": result.assumptions,
            "rules": result.rules,
            "left_out": result.left_out,
            "mapped_order": best.order,
            "provenance": result.provenance,
            "notes": notes,
            "folder": str(target),
            "files": files,
        }
        page = render_html(
            title="Capaciteit: hoeveel vergunningen passen er nog bij?",
            subtitle="Verleningen een voor een toegevoegd, elk op het register met de verleningen "
            "ervoor, tot er geen woning meer past; in willekeurige volgordes (met seed) en in een "
            "spreidende volgorde.",
            facts=[
                (
                    "Regelset",
                    f"{p['ruleset']} versie {p['ruleset_version']}"
                    + (f", variant {p['variant']}" if p.get("variant") else ""),
                ),
                ("Kandidaten", str(len(result.candidates))),
                ("Passen nu (elk afzonderlijk)", str(result.fitting_now)),
                (
                    "Verleningen",
                    f"min {stats['min']:g}, mediaan {stats['median']:g}, max {stats['max']:g}",
                ),
                ("Bewezen bovengrens", str(result.upper_bound)),
            ],
            sections=[
                Section("Per volgorde", runs),
                Section("Bovengrens", pd.DataFrame({"waarom": [result.bound_reason]})),
                Section("Aannames", pd.DataFrame({"aanname": result.assumptions})),
                Section(f"Verleningen per straat ({best.order})", per_street, limit=40),
            ],
            image=image,
            files=files,
            notes=notes,
            tiles=[
                {"label": "min", "value": f"{stats['min']:g}", "colour": "#6baed6"},
                {"label": "mediaan", "value": f"{stats['median']:g}", "colour": "#3182bd"},
                {"label": "max", "value": f"{stats['max']:g}", "colour": "#08519c"},
                {"label": "bovengrens", "value": result.upper_bound, "colour": "#555555"},
            ],
        )
        (tmp / "samenvatting.html").write_text(page, "utf-8")
        write_json(tmp, "samenvatting", summary)
    return summary
