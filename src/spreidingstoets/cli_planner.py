"""The planner's commands: ``simulate``, ``compare`` and ``capacity`` (a thin typer layer over
``service/simulations.py`` and ``simulate/``). Exit codes: 0 done, 2 bad input, 3 configuration.

Registered on the main app by ``cli.py``; heavy libraries load inside the commands.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer

from spreidingstoets.errors import InputError

RulesOpt = Annotated[
    str | None, typer.Option(help="Regelset (tiel, aalsmeer, westland) of pad naar YAML")
]
SetOpt = Annotated[
    list[str] | None, typer.Option("--set", help="Parameter wijzigen: tiel.straat.max_share=0.15")
]
VariantOpt = Annotated[Path | None, typer.Option(help="Variantbestand (YAML)")]
KindOpt = Annotated[
    str, typer.Option(help="kamerverhuur | arbeidsmigranten | studenten | omzetting")
]
PersonsOpt = Annotated[str | None, typer.Option(help="Aantal personen per woning (verplicht)")]
BedsOpt = Annotated[str | None, typer.Option(help="Aantal bedden (locaties)")]
DateOpt = Annotated[str | None, typer.Option(help="Peildatum JJJJ-MM-DD (standaard: vandaag)")]
DataOpt = Annotated[
    Path | None, typer.Option(help="Gecompileerde dataset (standaard: het meegeleverde voorbeeld)")
]
RegisterOpt = Annotated[str | None, typer.Option(help="Register: SQLite-bestand of database-URL")]
StreetOpt = Annotated[
    list[str] | None,
    typer.Option("--street", help="Alleen deze straat (naam of openbare-ruimte-id); herhaalbaar"),
]
AreaOpt = Annotated[
    str | None,
    typer.Option("--area", help="Alleen woningen in LAAG of LAAG=NAAM (een geladen laag)"),
]
BboxOpt = Annotated[
    str | None, typer.Option("--bbox", help="Alleen woningen in xmin,ymin,xmax,ymax (RD, meter)")
]
GemeenteOpt = Annotated[
    str | None,
    typer.Option(
        help="Gemeentecode (standaard: die van de regelset, als de dataset er woningen heeft)"
    ),
]
AreasOpt = Annotated[
    str | None, typer.Option("--areas", help="Tel ook per gebied van deze laag (wijk, buurt)")
]
OutOpt = Annotated[
    Path, typer.Option("--out", help="Map voor de uitvoer (wordt in een keer geschreven)")
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Een bestaande uitvoermap vervangen")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Samenvatting als JSON op stdout")]
EngineOpt = Annotated[
    str,
    typer.Option(
        help="proces (in dit proces) of dask (een dask.distributed-cluster, in delen per "
        "gemeente of tegel)"
    ),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        help="Adres van de Dask-scheduler (tcp://host:8786); standaard een lokaal cluster"
    ),
]
WorkersOpt = Annotated[int, typer.Option(help="Workers van het lokale Dask-cluster")]
PartitionOpt = Annotated[
    str, typer.Option(help="Delen voor dask: gemeente, of tegel (vierkanten van --tegel-m)")
]
TileOpt = Annotated[float, typer.Option("--tegel-m", help="Zijde van een tegel in meter")]


def _rules_or_error(rules: str | None) -> str:
    if rules:
        return rules
    from spreidingstoets.ruleset import available_rulesets
    from spreidingstoets.settings import load_settings

    names = ", ".join(available_rulesets(load_settings().rules_dir))
    raise InputError(f"geef de regelset met --rules (beschikbaar: {names})")


def _template(kind: str, persons: str | None, date: str | None, beds: str | None) -> Any:
    from spreidingstoets.service.simulations import template_of

    if persons is None:
        raise InputError("geef het aantal personen per woning met --persons")
    return template_of(kind, persons, date, dt.date.today(), beds=beds)


def _selection(
    street: list[str] | None,
    area: str | None,
    bbox: str | None,
    gemeente: str | None,
    include_counted: bool = False,
) -> Any:
    from spreidingstoets.service.simulations import Selection, parse_bbox

    return Selection(
        streets=tuple(street or ()),
        area=area,
        bbox=parse_bbox(bbox) if bbox else None,
        gemeente=gemeente,
        include_counted=include_counted,
    )


def _check_out(out: Path, force: bool) -> None:
    from spreidingstoets.fsio import check_output_path

    check_output_path(out, what="--out", folder=True)
    if out.exists() and not force:
        raise InputError(f"--out {out} bestaat al; kies een nieuwe map of geef --force")


def _check_areas(ws: Any, areas: str | None) -> None:
    if areas and areas not in ws.dataset.layers:
        known = ", ".join(sorted(ws.dataset.layers)) or "geen"
        raise InputError(f"--areas {areas!r}: geen laag van deze dataset (lagen: {known})")


def _simulate_with_bar(ws: Any, ruleset: Any, template: Any, selection: Any, label: str) -> Any:
    from spreidingstoets.cli import progress_bar
    from spreidingstoets.service.simulations import run_simulation, select_candidates

    overlay = ws.overlay()
    found = select_candidates(ws.dataset, overlay, template, selection, ruleset)
    n_rules = len(ruleset.version_on(template.date).rules)
    with progress_bar() as bar:
        task = bar.add_task(label, total=n_rules * len(found.units))
        result, found = run_simulation(
            ws,
            ruleset,
            template,
            selection,
            overlay=overlay,
            advance=lambda n: bar.advance(task, n),
        )
    return result, found, overlay


def _counted_units(ws: Any, overlay: Any, template: Any) -> Any:
    from spreidingstoets.service.simulations import counted_dwellings

    return counted_dwellings(ws.dataset, overlay, template)


def _write(
    writer: Any, what: Any, ws: Any, found: Any, out: Path, force: bool, counted: Any, **extra: Any
) -> dict[str, Any]:
    """Write a command's folder with a progress line; the notes of the selection and the
    register go into it."""
    from spreidingstoets.cli import progress_bar

    notes = list(found.notes)
    if ws.register_note:
        notes.insert(0, ws.register_note)
    with progress_bar() as bar:
        task = bar.add_task("uitvoer schrijven", total=None)
        summary: dict[str, Any] = writer(
            what,
            ws.dataset,
            out,
            replace=force,
            counted=counted,
            notes=notes,
            step=lambda m: bar.update(task, description=f"uitvoer: {m}"),
            **extra,
        )
    return summary


def _print_summary(summary: dict[str, Any], as_json: bool, lines: list[str]) -> None:
    from spreidingstoets.cli import console, print_json, warn

    if as_json:
        print_json(summary)
    else:
        out = console()
        for line in lines:
            out.print(line, markup=False, highlight=False)
    for note in summary.get("notes", []):
        warn(note)


def simulate_command(
    rules: RulesOpt = None,
    set_: SetOpt = None,
    variant: VariantOpt = None,
    kind: KindOpt = "arbeidsmigranten",
    persons: PersonsOpt = None,
    beds: BedsOpt = None,
    date: DateOpt = None,
    data: DataOpt = None,
    register: RegisterOpt = None,
    street: StreetOpt = None,
    area: AreaOpt = None,
    bbox: BboxOpt = None,
    gemeente: GemeenteOpt = None,
    areas: AreasOpt = None,
    out: OutOpt = Path("simulatie"),
    force: ForceOpt = False,
    as_json: JsonOpt = False,
    engine: EngineOpt = "proces",
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = 2,
    partition: PartitionOpt = "gemeente",
    tile_m: TileOpt = 10_000.0,
) -> None:
    """Toets een hypothetische aanvraag op elke woning (of die in een straat, gebied of bbox):
    uitkomst per woning, per straat en per gebied, als GeoPackage, GeoJSON, CSV, kaart en HTML."""
    from spreidingstoets.cli import open_workspace
    from spreidingstoets.simulate.reports import write_simulation

    cluster = _cluster_options(engine, scheduler, workers, partition, tile_m)

    name = _rules_or_error(rules)
    template = _template(kind, persons, date, beds)
    selection = _selection(street, area, bbox, gemeente)
    _check_out(out, force)
    ws = open_workspace(data, register)
    _check_areas(ws, areas)
    ruleset = ws.ruleset(name, sets=set_, variant=variant)
    if cluster is None:
        result, found, overlay = _simulate_with_bar(ws, ruleset, template, selection, "simuleren")
    else:
        from spreidingstoets.cli import progress_bar
        from spreidingstoets.service.distributed import run_distributed

        with progress_bar() as bar:
            task = bar.add_task("simuleren (dask)", total=None)
            result, found, overlay = run_distributed(
                ws,
                ruleset,
                template,
                selection,
                cluster,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    layer = areas or (area.partition("=")[0].strip() if area else None)
    counted = _counted_units(ws, overlay, template)
    ws.release_caches()
    summary = _write(write_simulation, result, ws, found, out, force, counted, areas=layer)
    counts = summary["outcomes"]
    _print_summary(
        summary,
        as_json,
        [
            f"{len(result)} woningen getoetst ({result.provenance['ruleset']} "
            f"{result.provenance['ruleset_version']}): {counts['allowed']} toegestaan, "
            f"{counts['review']} nader beoordelen, {counts['refused']} weigeren.",
            f"Uitvoer in {out}: " + ", ".join(summary["files"]),
        ],
    )


def _cluster_options(
    engine: str, scheduler: str | None, workers: int, partition: str, tile_m: float
) -> dict[str, Any] | None:
    """The --engine dask options, checked before any work (None for --engine proces)."""
    from spreidingstoets.errors import choice_error

    if engine not in ("proces", "dask"):
        raise InputError(choice_error("--engine", engine, ["proces", "dask"]))
    if partition not in ("gemeente", "tegel"):
        raise InputError(choice_error("--partition", partition, ["gemeente", "tegel"]))
    if engine == "proces":
        if scheduler:
            raise InputError("--scheduler hoort bij --engine dask")
        return None
    if workers < 1:
        raise InputError(f"--workers {workers}: geef 1 of meer")
    try:
        import dask.distributed  # noqa: F401
    except ImportError:
        from spreidingstoets.errors import ConfigurationError

        raise ConfigurationError(
            "--engine dask: dask.distributed is niet geïnstalleerd; "
            "installeer het met pip install 'spreidingstoets[dask]'"
        ) from None
    if not tile_m > 0:
        raise InputError(f"--tegel-m {tile_m:g}: geef een zijde groter dan 0 meter")
    by = "tile" if partition == "tegel" else "gemeente"
    return {"scheduler": scheduler, "workers": workers, "by": by, "tile_m": tile_m}


def _label(rules: str, sets: list[str] | None, variant: Path | None) -> str:
    text = rules
    if sets:
        text += " " + " ".join(f"--set {s}" for s in sets)
    if variant:
        text += f" --variant {variant}"
    return text


def compare_command(
    rules: RulesOpt = None,
    set_: SetOpt = None,
    variant: VariantOpt = None,
    rules_b: Annotated[
        str | None, typer.Option("--rules-b", help="Regelset van variant b (standaard: --rules)")
    ] = None,
    set_b: Annotated[
        list[str] | None,
        typer.Option("--set-b", help="Parameter van variant b: tiel.straat.max_share=0.15"),
    ] = None,
    variant_b: Annotated[
        Path | None, typer.Option("--variant-b", help="Variantbestand van b")
    ] = None,
    kind: KindOpt = "arbeidsmigranten",
    persons: PersonsOpt = None,
    beds: BedsOpt = None,
    date: DateOpt = None,
    data: DataOpt = None,
    register: RegisterOpt = None,
    street: StreetOpt = None,
    area: AreaOpt = None,
    bbox: BboxOpt = None,
    gemeente: GemeenteOpt = None,
    areas: AreasOpt = None,
    out: OutOpt = Path("vergelijking"),
    force: ForceOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Vergelijk twee varianten (of regelsets) op dezelfde woningen: welke woningen omslaan en
    in welke richting, per straat en gebied, als tabel, kaart en HTML."""
    from spreidingstoets.cli import open_workspace, progress_bar
    from spreidingstoets.simulate.compare import Comparison
    from spreidingstoets.simulate.reports import write_comparison

    name_a = _rules_or_error(rules)
    name_b = rules_b or name_a
    if not (set_b or variant_b or rules_b):
        raise InputError(
            "variant b is gelijk aan a; geef --set-b, --variant-b of --rules-b "
            "(bijv. --set-b tiel.straat.max_share=0.15)"
        )
    template = _template(kind, persons, date, beds)
    selection = _selection(street, area, bbox, gemeente)
    _check_out(out, force)
    ws = open_workspace(data, register)
    _check_areas(ws, areas)
    ruleset_a = ws.ruleset(name_a, sets=set_, variant=variant)
    ruleset_b = ws.ruleset(name_b, sets=set_b, variant=variant_b)
    a, found, overlay = _simulate_with_bar(ws, ruleset_a, template, selection, "variant a")
    from spreidingstoets.simulate import simulate

    with progress_bar() as bar:
        task = bar.add_task(
            "variant b", total=len(ruleset_b.version_on(template.date).rules) * len(a)
        )
        b = simulate(
            ws.dataset,
            overlay,
            ruleset_b,
            template,
            a.units,
            advance=lambda n: bar.advance(task, n),
        )
    comparison = Comparison(a, b, _label(name_a, set_, variant), _label(name_b, set_b, variant_b))
    layer = areas or (area.partition("=")[0].strip() if area else None)
    summary = _write(
        write_comparison,
        comparison,
        ws,
        found,
        out,
        force,
        _counted_units(ws, overlay, template),
        areas=layer,
    )
    flips = summary["flips"]
    _print_summary(
        summary,
        as_json,
        [
            f"{len(a)} woningen; a = {comparison.label_a}, b = {comparison.label_b}: "
            f"{flips['looser']} ruimer onder b, {flips['stricter']} strenger, {flips['same']} gelijk.",
            f"Uitvoer in {out}: " + ", ".join(summary["files"]),
        ],
    )


def capacity_command(
    rules: RulesOpt = None,
    set_: SetOpt = None,
    variant: VariantOpt = None,
    kind: KindOpt = "arbeidsmigranten",
    persons: PersonsOpt = None,
    beds: BedsOpt = None,
    date: DateOpt = None,
    data: DataOpt = None,
    register: RegisterOpt = None,
    street: StreetOpt = None,
    area: AreaOpt = None,
    bbox: BboxOpt = None,
    gemeente: GemeenteOpt = None,
    orders: Annotated[
        str, typer.Option(help="Aantal willekeurige volgordes (naast de spreidende volgorde)")
    ] = "5",
    seed: Annotated[str, typer.Option(help="Seed van de eerste willekeurige volgorde")] = "1",
    review_fits: Annotated[
        bool,
        typer.Option(
            "--review-telt-mee", help="Ook 'nader beoordelen' als passend tellen (standaard niet)"
        ),
    ] = False,
    out: OutOpt = Path("capaciteit"),
    force: ForceOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Hoeveel vergunningen passen er nog bij, en waar: verleningen een voor een toegevoegd tot
    er geen meer past, in willekeurige volgordes en een spreidende; min, mediaan, max en een
    bewezen bovengrens, met de aannames."""
    from spreidingstoets.cli import open_workspace, progress_bar
    from spreidingstoets.domain.inputs import parse_int
    from spreidingstoets.service.simulations import select_candidates
    from spreidingstoets.simulate.capacity import capacity
    from spreidingstoets.simulate.reports import write_capacity

    n_orders = parse_int(orders, "--orders", 0, 100)
    first_seed = parse_int(seed, "--seed", 0, 2**31 - 1)
    name = _rules_or_error(rules)
    template = _template(kind, persons, date, beds)
    selection = _selection(street, area, bbox, gemeente)
    _check_out(out, force)
    ws = open_workspace(data, register)
    ruleset = ws.ruleset(name, sets=set_, variant=variant)
    overlay = ws.overlay()
    found = select_candidates(ws.dataset, overlay, template, selection, ruleset)
    with progress_bar() as bar:
        task = bar.add_task("volgordes", total=n_orders + 1)
        result = capacity(
            ws.dataset,
            overlay,
            ruleset.version_on(template.date),
            template,
            found.units,
            orders=n_orders,
            seed=first_seed,
            review_fits=review_fits,
            advance=lambda n: bar.advance(task, n),
        )
    summary = _write(
        write_capacity, result, ws, found, out, force, _counted_units(ws, overlay, template)
    )
    _print_summary(
        summary,
        as_json,
        [
            f"{len(found.units)} kandidaten, {result.fitting_now} passen nu elk afzonderlijk.",
            f"Verleningen: min {summary['min']:g}, mediaan {summary['median']:g}, max "
            f"{summary['max']:g}; bewezen bovengrens {result.upper_bound}.",
            *[f"  {r.order}: {len(r.granted)}" for r in result.runs],
            "Aannames: " + " ".join(result.assumptions),
            f"Uitvoer in {out}: " + ", ".join(summary["files"]),
        ],
    )


def register(app: typer.Typer) -> None:
    """Add the planner's commands to the main app."""
    app.command("simulate")(simulate_command)
    app.command("compare")(compare_command)
    app.command("capacity")(capacity_command)
