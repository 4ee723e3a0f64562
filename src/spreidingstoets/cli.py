"""Command line: a thin typer layer over the service layer. Exit codes: 0 ok / allowed,
1 refused or review, 2 bad input, 3 configuration (settings, rules and data that do not fit).

Heavy libraries are imported inside the commands that need them, so ``--help`` starts fast.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from spreidingstoets import __version__
from spreidingstoets.errors import InputError, SpreidingstoetsError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress

    from spreidingstoets.service.workspace import Workspace

app = typer.Typer(
    help="spreidingstoets: toets vergunningaanvragen voor kamerverhuur en huisvesting van "
    "arbeidsmigranten aan de spreidingsregels van een gemeente, op BAG-gegevens.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
dataset_app = typer.Typer(help="Bekijk een gecompileerde BAG-dataset.", no_args_is_help=True)
app.add_typer(dataset_app, name="dataset")


def console(stderr: bool = False) -> Console:
    """A rich console, made when a command prints (importing rich costs start-up time)."""
    from rich.console import Console

    return Console(stderr=stderr)


def say_error(message: str) -> None:
    """One error line on stderr, printed literally (no markup, no highlighting)."""
    from rich.markup import escape

    console(stderr=True).print(
        f"[bold red]fout:[/] {escape(message)}", highlight=False, soft_wrap=True
    )


def warn(message: str) -> None:
    from rich.markup import escape

    console(stderr=True).print(f"[yellow]{escape(message)}[/]", highlight=False, soft_wrap=True)


def parse_date(value: str | None, what: str = "--date") -> dt.date | None:
    from spreidingstoets.domain.inputs import parse_day

    return None if value is None else parse_day(value, what)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def progress_bar(transient: bool = True) -> Progress:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    err = console(stderr=True)
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=transient,
        disable=not err.is_terminal,
    )


@app.command("import")
def import_(
    sources: Annotated[
        list[Path],
        typer.Argument(help="LVBAG-extract(en) (.zip, map, .xml) of BAG-GeoPackage (.gpkg)"),
    ],
    out_dir: Annotated[Path, typer.Option("--out", help="Map voor de gecompileerde dataset")],
    date: Annotated[
        str | None, typer.Option(help="Peildatum JJJJ-MM-DD (standaard: de datum van het extract)")
    ] = None,
    tolerance: Annotated[
        str, typer.Option(help="Afstand waarbinnen panden aangrenzend zijn, in meter (0 tot 10)")
    ] = "0.5",
    force: Annotated[bool, typer.Option(help="Een bestaande dataset vervangen")] = False,
    layer: Annotated[
        list[str] | None,
        typer.Option(
            help="Bestemmings- of gebiedslaag NAAM=BESTAND (IMRO-GML, GeoPackage, GeoJSON); herhaalbaar"
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Manifest als JSON")] = False,
) -> None:
    """Lees BAG-gegevens en schrijf een gecompileerde, geïndexeerde dataset (alles of niets)."""
    from spreidingstoets.dataset.compile import (
        adjacency_tolerance,
        check_dataset_target,
        check_layer_name,
        write_dataset,
    )
    from spreidingstoets.dataset.sources import check_source, read_source
    from spreidingstoets.fsio import check_output_path
    from spreidingstoets.zoning.readers import read_zoning

    # Every option is checked before minutes of reading, not after.
    check_output_path(out_dir, what="--out", folder=True)
    check_dataset_target(out_dir, force=force)
    for source in sources:
        check_source(source)
    metres = adjacency_tolerance(tolerance, "--tolerance")
    day = parse_date(date)
    files: dict[str, Path] = {}
    for item in layer or []:
        name, sep, file = (part.strip() for part in item.partition("="))
        if not sep or not name or not file:
            raise InputError(
                f"--layer {item!r}: gebruik NAAM=BESTAND, bijv. bestemmingsplan=plan.gml"
            )
        if name in files:
            raise InputError(
                f"--layer {name!r} staat er twee keer in; geef elke laag een eigen naam"
            )
        files[check_layer_name(name, "--layer")] = Path(file)
    layers = {name: read_zoning(file) for name, file in files.items()}
    from spreidingstoets.dataset.tables import merge_tables

    with progress_bar() as bar:
        task = bar.add_task("BAG lezen", total=None)

        def step(done: int, total: int, name: str) -> None:
            bar.update(task, completed=done, total=total, description=f"BAG lezen: {name}")

        tables = merge_tables([read_source(s, day, progress=step) for s in sources])
        bar.update(task, description="dataset schrijven", total=None)
        manifest = write_dataset(
            tables,
            sources,
            out_dir,
            tolerance=metres,
            force=force,
            layers=layers,
            progress=lambda m: bar.update(task, description=m),
        )
    if as_json:
        print_json(manifest)
    else:
        show_manifest(manifest, out_dir)


def show_manifest(manifest: dict[str, Any], path: Path) -> None:
    from spreidingstoets.report.terminal import render_manifest

    render_manifest(console(), manifest, path)


@dataset_app.command("info")
def dataset_info(
    path: Annotated[Path, typer.Argument(help="Map van de gecompileerde dataset")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Toon het manifest van een dataset: bronnen, datums, aantallen."""
    from spreidingstoets.dataset.store import inspect_dataset

    manifest = inspect_dataset(path)
    if as_json:
        print_json(manifest)
    else:
        show_manifest(manifest, path)


@app.command()
def address(
    query: Annotated[
        str, typer.Argument(help="'1381AB 12a', 'Kerkstraat 12 Tiel' of een BAG-identificatie")
    ],
    data: DataOption = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Zoek een adres en het verblijfsobject waar het bij hoort."""

    from spreidingstoets.dataset.address import AddressNotFound

    ws = open_workspace(data)
    ds = ws.dataset
    try:
        match = ws.address_index.find(query)
    except AddressNotFound as exc:
        if as_json:
            print_json({"found": False, "message": str(exc), "candidates": exc.candidates})
            raise typer.Exit(2) from None
        raise
    info = match.as_dict(ds)
    if as_json:
        print_json({"found": True, **info})
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=escape(match.label), show_header=False)
    for key, value in info.items():
        table.add_row(key, "" if value is None else escape(str(value)))
    console().print(table)


def open_workspace(
    data: Path | None = None, register: str | None = None, *, load: bool = True
) -> Workspace:
    """The workspace of one command, from the settings; the dataset loaded up front."""
    import gc

    from spreidingstoets.service.workspace import Workspace
    from spreidingstoets.settings import load_settings

    ws = Workspace(load_settings(), data=data, register=register)
    if load:
        _ = ws.dataset
        # The dataset lives as long as the process: keep the collector from rescanning its
        # millions of objects on every collection (that made checks several times slower).
        gc.collect()
        gc.freeze()
    return ws


rules_app = typer.Typer(help="Regelsets controleren, beschrijven en testen.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")


def _register_app() -> typer.Typer:
    from spreidingstoets.register.cli import app as register_cli

    return register_cli


app.add_typer(
    _register_app(),
    name="register",
    help="Vergunningenregister: importeren, tonen, exporteren, audit.",
)
EXIT_OF = {"allowed": 0, "refused": 1, "review": 1}


# Options that check and decide share.
RulesOption = Annotated[
    str | None,
    typer.Option(
        help="Regelset (een id uit rules/, zie 'rules catalogue') of pad naar YAML (standaard: die van de "
        "gemeente van het adres)"
    ),
]
KindOption = Annotated[
    str, typer.Option(help="kamerverhuur | arbeidsmigranten | studenten | omzetting")
]
PersonsOption = Annotated[str | None, typer.Option(help="Aantal personen (verplicht)")]
BedsOption = Annotated[str | None, typer.Option(help="Aantal bedden (locaties)")]
ValidUntilOption = Annotated[
    str | None, typer.Option(help="Einddatum van een tijdelijke vergunning")
]
ReceivedOption = Annotated[
    str | None,
    typer.Option(
        help="Ontvangstdatum JJJJ-MM-DD (standaard: de peildatum); aanvragen in behandeling die "
        "later ontvangen zijn tellen niet mee"
    ),
]
ReasonOption = Annotated[
    str | None, typer.Option(help="Reden voor een uitzondering (grotere woning)")
]
DataOption = Annotated[
    Path | None,
    typer.Option(help="Gecompileerde dataset (standaard: het meegeleverde voorbeeld)"),
]

# Options that check and report share.
CheckDateOption = Annotated[
    str | None, typer.Option("--date", help="Peildatum JJJJ-MM-DD (standaard: vandaag)")
]
RegisterOption = Annotated[
    str | None, typer.Option("--register", help="Register: SQLite-bestand of database-URL")
]
SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", help="Parameter wijzigen: tiel.straat.max_share=0.15"),
]
VariantOption = Annotated[Path | None, typer.Option("--variant", help="Variantbestand (YAML)")]


@app.command()
def check(
    address: Annotated[
        str | None,
        typer.Argument(help="Adres: '1381AB 12a', 'Kerkstraat 12 Tiel' of identificatie"),
    ] = None,
    rules: RulesOption = None,
    kind: KindOption = "arbeidsmigranten",
    persons: PersonsOption = None,
    beds: BedsOption = None,
    date: CheckDateOption = None,
    valid_until: ValidUntilOption = None,
    received: ReceivedOption = None,
    reason: ReasonOption = None,
    data: DataOption = None,
    register: RegisterOption = None,
    set_: SetOption = None,
    variant: VariantOption = None,
    batch: Annotated[
        Path | None,
        typer.Option(help="CSV of JSON lines met aanvragen; schrijft een JSON-oordeel per regel"),
    ] = None,
    batch_out: Annotated[
        Path | None,
        typer.Option("--out", help="Met --batch: schrijf naar dit bestand in plaats van stdout"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Oordeel als JSON")] = False,
) -> None:
    """Toets een aanvraag aan de regels. Exit 0 toegestaan, 1 weigeren of beoordelen, 2 foute invoer."""
    from spreidingstoets.service import checks

    if batch is None and address is None:
        raise InputError("geef een adres, of --batch BESTAND")
    if batch is not None and address is not None:
        raise InputError("geef een adres of --batch, niet allebei")
    today = parse_date(date) or dt.date.today()  # the interface, not the engine, reads the clock
    if batch_out is not None:
        from spreidingstoets.fsio import check_output_path

        if batch is None:
            raise InputError("--out hoort bij --batch; een enkele toets schrijft naar het scherm")
        check_output_path(batch_out, what="--out")
        if batch_out.resolve() == batch.resolve():
            raise InputError(
                f"--out {batch_out} is het bestand van --batch; kies een ander bestand voor de "
                "oordelen, anders gaan de aanvragen verloren"
            )
    if batch is not None and rules is None:
        raise InputError("geef bij --batch de regelset met --rules (tiel, aalsmeer, westland)")
    if batch is not None:
        ws = open_workspace(data, register)
        if ws.register_note:
            warn(ws.register_note)
        ruleset = ws.ruleset(str(rules), sets=set_, variant=variant)
        code, units = run_batch(ws, batch, batch_out, ruleset, today)
        warning = checks.gemeente_warning(ruleset, ws, units)
        if warning:
            warn(warning)
        raise typer.Exit(code)
    given = application_input(address, kind, persons, date, beds, valid_until, reason, received)
    _, verdict, warning = single_check(given, today, rules, data, register, set_, variant)
    if as_json:
        from spreidingstoets.domain.model import verdict_json

        sys.stdout.write(verdict_json(verdict, indent=2) + "\n")
    else:
        from spreidingstoets.report.terminal import render_verdict

        render_verdict(console(), verdict)
    if warning:
        warn(warning)  # on stderr, so also with --json
    raise typer.Exit(EXIT_OF[verdict.outcome])


def single_check(
    given: Any,
    today: dt.date,
    rules: str | None,
    data: Path | None,
    register: str | None,
    sets: list[str] | None,
    variant: Path | None,
) -> tuple[Workspace, Any, str | None]:
    """One application checked as ``check`` and ``report`` do: (workspace, verdict, warning);
    notes about the register and a corrected address go to stderr."""
    from spreidingstoets.service import checks

    ws = open_workspace(data, register)
    if ws.register_note:
        warn(ws.register_note)
    app_ = checks.resolve(ws, given, today)
    if app_.address_corrected:
        warn("let op: adres " + "; ".join(app_.address_corrected))
    ruleset = ws.ruleset_for(app_.unit, sets=sets, variant=variant, name=rules)
    warning = checks.gemeente_warning(ruleset, ws, [app_.unit])
    return ws, checks.check(ws, app_, ruleset), warning


REPORT_SUFFIXES = (".pdf", ".html", ".htm")


@app.command()
def report(
    address: Annotated[
        str, typer.Argument(help="Adres: '1381AB 12a', 'Kerkstraat 12 Tiel' of identificatie")
    ],
    out: Annotated[Path, typer.Option("--out", help="Rapport: BESTAND.pdf of BESTAND.html")],
    rules: RulesOption = None,
    kind: KindOption = "arbeidsmigranten",
    persons: PersonsOption = None,
    beds: BedsOption = None,
    date: CheckDateOption = None,
    valid_until: ValidUntilOption = None,
    reason: ReasonOption = None,
    received: ReceivedOption = None,
    data: DataOption = None,
    register: RegisterOption = None,
    set_: SetOption = None,
    variant: VariantOption = None,
) -> None:
    """Schrijf een rapport voor het dossier (PDF of HTML): uitkomst, elke regel met cijfers,
    bron en bewijs, de kaart, de herkomst en hoe het oordeel te herhalen is."""
    from spreidingstoets.fsio import atomic_file, check_output_path

    check_output_path(out, what="--out", suffixes=REPORT_SUFFIXES)
    pdf = out.suffix.lower() == ".pdf"
    if pdf:
        from spreidingstoets.report.pdf import find_browser

        find_browser()  # before loading anything: say at once when it is missing
    given = application_input(address, kind, persons, date, beds, valid_until, reason, received)
    today = parse_date(date) or dt.date.today()
    ws, verdict, warning = single_check(given, today, rules, data, register, set_, variant)
    from spreidingstoets.report.features import verdict_features
    from spreidingstoets.report.html import render_report, reproduce_command

    # what the verdict does not record, as given, so the line reproduces it exactly
    options = [arg for item in set_ or [] for arg in ("--set", item)]
    for flag, value in (("--variant", variant), ("--data", data), ("--register", register)):
        if value is not None:
            options += [flag, str(value)]
    html = render_report(
        verdict,
        verdict_features(verdict, ws.dataset),
        command=reproduce_command(verdict, options),
    )
    with atomic_file(out) as tmp:
        if pdf:
            from spreidingstoets.report.pdf import html_to_pdf

            tmp.write_bytes(html_to_pdf(html, verdict.application.date))
        else:
            tmp.write_text(html, encoding="utf-8")
    console().print(
        f"Rapport geschreven: {out}. {verdict.message}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    if warning:
        warn(warning)


def application_input(
    address: str | None,
    kind: str,
    persons: str | None,
    date: str | None,
    beds: str | None,
    valid_until: str | None,
    reason: str | None,
    received: str | None = None,
) -> Any:
    """The options of check and decide as one validated application (errors name the option)."""
    from spreidingstoets.domain.inputs import ApplicationInput

    if persons is None:
        raise InputError("geef het aantal personen met --persons")
    given = {"address": address, "kind": kind, "persons": persons, "date": date, "beds": beds}
    return ApplicationInput.parse(
        {**given, "valid_until": valid_until, "reason": reason, "received": received}
    )


@app.command()
def decide(
    address: Annotated[str, typer.Argument(help="Adres of identificatie van het verblijfsobject")],
    register: Annotated[str, typer.Option(help="Register: SQLite-bestand of database-URL")],
    decision: Annotated[
        str,
        typer.Option(
            "--besluit",
            help="verleend | geweigerd | in-behandeling; een later besluit met hetzelfde "
            "kenmerk werkt dezelfde aanvraag bij",
        ),
    ],
    reference: Annotated[str, typer.Option("--kenmerk", help="Zaak- of besluitkenmerk")],
    rules: RulesOption = None,
    kind: KindOption = "arbeidsmigranten",
    persons: PersonsOption = None,
    beds: BedsOption = None,
    date: Annotated[
        str | None, typer.Option(help="Ingangsdatum JJJJ-MM-DD (standaard: vandaag)")
    ] = None,
    valid_until: ValidUntilOption = None,
    received: ReceivedOption = None,
    reason: ReasonOption = None,
    actor: Annotated[
        str | None, typer.Option(help="Wie besluit (standaard: de gebruiker van het systeem)")
    ] = None,
    key: Annotated[
        str | None,
        typer.Option(
            help="Idempotentiesleutel: dezelfde sleutel legt een besluit maar een keer vast"
        ),
    ] = None,
    data: DataOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Resultaat als JSON")] = False,
) -> None:
    """Leg een besluit vast: toets op het register zoals het op dat moment is en schrijf de
    registratie en het auditlog in een keer. Een verlening die niet (meer) kan, of een tweede
    actieve vergunning op dezelfde woning, wordt geweigerd (exit 2). Hetzelfde besluit nog eens
    verandert niets."""
    import getpass

    from spreidingstoets.domain.vocabulary import OVERALL_NL, STATUS_NL
    from spreidingstoets.service import checks
    from spreidingstoets.service.decisions import decide as record

    if key is not None and date is None:
        raise InputError(
            "met --key hoort een vaste --date: een herhaling op een andere dag is anders hetzelfde besluit niet"
        )
    given = application_input(address, kind, persons, date, beds, valid_until, reason, received)
    with open_workspace(data, register) as ws:
        app_ = checks.resolve(ws, given, dt.date.today())
        ruleset = ws.ruleset_for(app_.unit, name=rules)
        verdict, result = record(
            ws,
            app_,
            ruleset,
            decision,
            reference=reference,
            actor=actor or getpass.getuser(),
            idempotency_key=key,
        )
    if as_json:
        print_json(
            {
                "decision": result.outcome,
                "entry_id": result.entry.id,
                "previous": result.previous,
                "audit_id": result.audit_id,
                "register_revision": result.revision,
                "replayed": result.replayed,
                "verdict": json.loads(result.verdict_json),
            }
        )
        return
    word = STATUS_NL[result.outcome]
    if result.replayed:
        what = "was al vastgelegd (herhaling; niets gewijzigd)"
    elif result.previous:
        what = f"vastgelegd ({STATUS_NL[result.previous]} -> {word})"
    else:
        what = "vastgelegd"
    console().print(
        f"Besluit {word} {what}, registratie {result.entry.id}; auditregel {result.audit_id}, "
        f"registerrevisie {result.revision}. Oordeel bij het besluit: "
        f"{OVERALL_NL[verdict.outcome]} (op registerrevisie {verdict.provenance.register_revision}).",
        markup=False,
    )


def read_batch(ws: Workspace, path: Path, ruleset: Any, today: dt.date) -> list[Any]:
    """The applications of a batch file, every row validated first (notes go to stderr)."""
    from spreidingstoets.service.checks import read_applications

    table = read_applications(ws, path, ruleset, today)
    for note in table.notes:
        warn(f"let op: {note}")
    return list(table.rows)


def run_batch(
    ws: Workspace, path: Path, target: Path | None, ruleset: Any, today: dt.date
) -> tuple[int, list[int]]:
    """Check every application; validate all first so bad input writes nothing."""
    from spreidingstoets.service import checks

    apps = read_batch(ws, path, ruleset, today)
    with progress_bar() as bar:
        task = bar.add_task("toetsen", total=len(apps))
        result = checks.run_batch(ws, apps, ruleset, lambda: bar.advance(task))
    payload = "\n".join(result.lines) + "\n"
    if target is None:
        sys.stdout.write(payload)
    else:
        from spreidingstoets.fsio import atomic_file

        with atomic_file(target) as tmp:
            tmp.write_text(payload, encoding="utf-8")
    return max(EXIT_OF[o] for o in result.outcomes), [a.unit for a in apps]


@rules_app.command("validate")
def rules_validate(
    names: Annotated[
        list[str] | None, typer.Argument(help="Regelsets (id of pad); standaard alle in rules/")
    ] = None,
) -> None:
    """Controleer regelsets: sleutels, datums, regeltypen, parameters."""
    from spreidingstoets.ruleset import available_rulesets, load_ruleset
    from spreidingstoets.settings import load_settings

    rules_dir = load_settings().rules_dir
    out = console()
    for name in names or available_rulesets(rules_dir):
        rs = load_ruleset(name, rules_dir)
        out.print(
            f"[green]ok[/] {rs.path}: {len(rs.versions)} versie(s), "
            + ", ".join(f"{v.span()}: {len(v.rules)} regels" for v in rs.versions)
        )


@rules_app.command("schema")
def rules_schema(
    what: Annotated[str, typer.Argument(help="ruleset | verdict")] = "ruleset",
) -> None:
    """Toon het JSON Schema van regelsets (voor editors) of van oordelen."""
    from spreidingstoets.domain.model import verdict_schema
    from spreidingstoets.ruleset import ruleset_schema

    if what not in ("ruleset", "verdict"):
        raise InputError(f"schema {what!r}: kies ruleset of verdict")
    print_json(ruleset_schema() if what == "ruleset" else verdict_schema())


@rules_app.command("types")
def rules_types() -> None:
    """Toon de regeltypen en wat ze toetsen."""

    from rich.table import Table

    from spreidingstoets.ruletypes import REGISTRY

    table = Table("type", "beschrijving")
    for name, rtype in REGISTRY.items():
        table.add_row(name, rtype.description)
    console().print(table)


@rules_app.command("catalogue")
def rules_catalogue(
    as_json: Annotated[bool, typer.Option("--json", help="Als JSON")] = False,
    as_markdown: Annotated[
        bool, typer.Option("--markdown", help="Als Markdown-tabel (voor de documentatie)")
    ] = False,
) -> None:
    """Toon alle regelsets: versies, regels, kerncijfers en bronnen."""
    from rich.table import Table

    from spreidingstoets.ruleset import available_rulesets, load_ruleset
    from spreidingstoets.ruleset.catalogue import catalogue, markdown, rows
    from spreidingstoets.settings import load_settings

    rules_dir = load_settings().rules_dir
    if as_json and as_markdown:
        raise InputError("kies --json of --markdown, niet allebei")
    if as_json:
        print_json(catalogue(rules_dir))
        return
    if as_markdown:
        sys.stdout.write(markdown(rules_dir))
        return
    table = Table("gemeente", "versie", "regel", "type", "kerncijfers", "bron", "\\[default]")
    for name in available_rulesets(rules_dir):
        rs = load_ruleset(name, rules_dir)
        for row in rows([rs]):
            chosen = row["defaults"] + [f"version.{d}" for d in row["version_defaults"]]
            table.add_row(
                f"{rs.id} ({rs.gemeentecode})",
                row["version"],
                row["rule"],
                row["type"],
                row["figures"],
                row["source"],
                ", ".join(chosen),
            )
    console().print(table)


@rules_app.command("explain")
def rules_explain(
    name: Annotated[str, typer.Argument(help="Regelset (id of pad)")],
    version: Annotated[
        str | None, typer.Option("--version", help="Alleen deze versie (standaard: alle)")
    ] = None,
    as_html: Annotated[bool, typer.Option("--html", help="Als HTML-pagina")] = False,
) -> None:
    """Schrijf een regelset uit als gewone tekst: één alinea per regel, met de bron."""
    from spreidingstoets.ruleset import load_ruleset
    from spreidingstoets.ruleset.explain import explain_html, explain_plain
    from spreidingstoets.settings import load_settings

    rs = load_ruleset(name, load_settings().rules_dir)
    sys.stdout.write(explain_html(rs, version) if as_html else explain_plain(rs, version))


@rules_app.command("test")
def rules_test(
    names: Annotated[
        list[str] | None,
        typer.Argument(help="Regelsets; standaard alle met gevallen in rules/tests/"),
    ] = None,
    data: Annotated[Path | None, typer.Option(help="Dataset (standaard: het voorbeeld)")] = None,
    register: Annotated[
        str | None,
        typer.Option(help="Register: SQLite-bestand of database-URL (standaard: het voorbeeld)"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Draai de gouden testgevallen in rules/tests/ en vergelijk de uitkomst per regel."""
    from rich.markup import escape

    from spreidingstoets.golden import run_golden

    report = run_golden(open_workspace(data, register), names or None)
    if as_json:
        print_json(report.as_dict())
    else:
        out = console()
        for case in report.cases:
            mark = "[green]ok[/]" if case.ok else "[red]FOUT[/]"
            if case.skipped:
                mark = "[yellow]overgeslagen[/]"
            out.print(f"{mark} {escape(case.file)}: {escape(case.name)}")
            for problem in case.problems:
                out.print(f"     [red]{escape(problem)}[/]")
            if case.skipped:
                out.print(f"     [yellow]{escape(case.skipped)}[/]")
        skipped = f", {report.skipped} skipped" if report.skipped else ""
        out.print(f"{report.passed} passed, {report.failed} failed{skipped}")
    raise typer.Exit(0 if report.failed == 0 else 1)


@app.command()
def sample(
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Map voor de voorbeeldextracten (standaard: het voorbeeld)"),
    ] = None,
) -> None:
    """Schrijf de synthetische voorbeeldwijken (Tiel, Aalsmeer, Westland) in LVBAG-formaat."""
    from spreidingstoets.sample import write_sample
    from spreidingstoets.settings import load_settings

    for path in write_sample(out_dir or load_settings().sample_dir):
        typer.echo(str(path))


def _planner_commands() -> None:
    from spreidingstoets.cli_planner import register as register_planner

    register_planner(app)


_planner_commands()  # simulate, compare, capacity (cli_planner.py)
api_key_app = typer.Typer(
    help="API-sleutels van de HTTP-API (opgeslagen als hash in het register).",
    no_args_is_help=True,
)
app.add_typer(api_key_app, name="api-key")
ApiRegisterOption = Annotated[
    str | None,
    typer.Option(
        "--register",
        help="Register: SQLite-bestand of database-URL (standaard: dat van serve op het voorbeeld)",
    ),
]


def served_register(register: str | None, data: Path | None = None) -> str | None:
    """The register a server uses: the one given, else SPREIDINGSTOETS_REGISTER, else (on the
    bundled sample) a SQLite copy of the sample registers in the cache, so decisions work."""
    from spreidingstoets.settings import load_settings

    settings = load_settings()
    if register or settings.register_url:
        return register or settings.register_url
    if data or settings.data:
        return None  # another dataset: an empty, read-only register (never the sample's)
    from spreidingstoets.service.sample import sample_register_database

    return str(sample_register_database(settings))


def _key_register(register: str | None) -> Any:
    from spreidingstoets.register.db import Register
    from spreidingstoets.settings import load_settings

    url = served_register(register)
    if url is None:
        raise InputError("geef het register van de server met --register")
    return Register.open(url, create=False, lock_timeout=load_settings().register_lock_timeout)


@api_key_app.command("create")
def api_key_create(
    name: Annotated[str, typer.Option(help="Wie de sleutel gebruikt, bijv. zaaksysteem")],
    scope: Annotated[
        str, typer.Option(help="Scopes, komma-gescheiden: read, check, decide, admin")
    ] = "check",
    register: ApiRegisterOption = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Maak een API-sleutel; de sleutel wordt een keer getoond (het register bewaart alleen de hash)."""
    import getpass

    from spreidingstoets.register.keys import create_key

    with _key_register(register) as reg:
        key, token = create_key(reg, name=name, scopes=scope, actor=getpass.getuser())
    if as_json:
        print_json({**key.as_dict(), "key": token})
        return
    typer.echo(token)
    warn(
        f"api-sleutel {key.id} ({key.name}, scope {','.join(key.scopes)}) gemaakt; bewaar de "
        "sleutel hierboven nu: hij wordt niet nog eens getoond"
    )


@api_key_app.command("list")
def api_key_list(
    register: ApiRegisterOption = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Toon de API-sleutels (zonder de sleutels zelf)."""
    from spreidingstoets.register.keys import list_keys

    with _key_register(register) as reg:
        keys = list_keys(reg)
    if as_json:
        print_json([k.as_dict() for k in keys])
        return
    for k in keys:
        state = f"ingetrokken {k.revoked_at:%Y-%m-%d}" if k.revoked_at else "actief"
        typer.echo(f"{k.id}\t{k.prefix}...\t{k.name}\t{','.join(k.scopes)}\t{state}")


@api_key_app.command("revoke")
def api_key_revoke(
    key_id: Annotated[int, typer.Argument(metavar="ID", help="Nummer van de sleutel")],
    register: ApiRegisterOption = None,
) -> None:
    """Trek een API-sleutel in: de server weigert hem daarna (401)."""
    import getpass

    from spreidingstoets.register.keys import revoke_key

    with _key_register(register) as reg:
        key = revoke_key(reg, key_id, actor=getpass.getuser())
    typer.echo(f"api-sleutel {key.id} ({key.name}) ingetrokken")


@app.command()
def serve(
    data: DataOption = None,
    register: Annotated[
        str | None,
        typer.Option(
            help="Register: SQLite-bestand of database-URL (standaard: een kopie van het "
            "voorbeeldregister in de cache)"
        ),
    ] = None,
    host: Annotated[str, typer.Option(help="Adres om op te luisteren")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Poort")] = 8000,
    workers: Annotated[int, typer.Option(help="Aantal werkprocessen", min=1, max=64)] = 1,
    public_checks: Annotated[
        bool, typer.Option(help="Toetsen en adres zoeken zonder API-sleutel toestaan")
    ] = False,
) -> None:
    """Start de HTTP-API (/v1, OpenAPI op /v1/openapi.json) met uvicorn; zonder --data en
    --register op het meegeleverde voorbeeld."""
    import importlib.util
    import os

    if importlib.util.find_spec("spreidingstoets_api") is None:
        raise InputError(
            "de HTTP-API is niet geïnstalleerd; installeer hem met 'pip install -e api' "
            "(map api/ van de broncode)"
        )
    from spreidingstoets import serving

    url = served_register(register, data)
    # Every worker builds its workspace from the environment (the factory reads the settings).
    if data is not None:
        os.environ["SPREIDINGSTOETS_DATA"] = str(data.resolve())
    if url is not None:
        os.environ["SPREIDINGSTOETS_REGISTER"] = url
        if "://" not in url:
            from spreidingstoets.register.db import Register

            Register.open(url, create=False).close()  # a bad register fails here, not per worker
    if public_checks:
        os.environ["SPREIDINGSTOETS_API_PUBLIC_CHECKS"] = "true"
    warn(f"spreidingstoets-API op http://{host}:{port}/v1 (register: {url or 'leeg'})")
    serving.run(
        "spreidingstoets_api.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=5,
        http="spreidingstoets_api.protocol:HttpProtocol",  # a response in one TCP segment
    )


@app.command()
def version() -> None:
    """Toon de versie."""
    typer.echo(f"spreidingstoets {__version__}")


def main() -> None:
    try:
        app()
    except SpreidingstoetsError as exc:
        say_error(str(exc))
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        say_error("afgebroken")
        sys.exit(130)


if __name__ == "__main__":
    main()
