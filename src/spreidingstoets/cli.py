"""Command line: a thin typer layer over the library. Exit codes: 0 ok / allowed,
1 refused or review, 2 bad input."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from spreidingstoets import __version__, tabular
from spreidingstoets.errors import InputError, SpreidingstoetsError
from spreidingstoets.inputs import parse_day
from spreidingstoets.model import Application, verdict_json

app = typer.Typer(
    help="spreidingstoets: toets vergunningaanvragen voor kamerverhuur en huisvesting van "
    "arbeidsmigranten aan de spreidingsregels van een gemeente, op BAG-gegevens.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
dataset_app = typer.Typer(help="Bekijk een gecompileerde BAG-dataset.", no_args_is_help=True)
app.add_typer(dataset_app, name="dataset")

out = Console()
err = Console(stderr=True)

from spreidingstoets.samples import SAMPLE_DIR  # noqa: E402


def fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[bold red]fout:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def parse_date(value: str | None, what: str = "--date") -> dt.date | None:
    return None if value is None else parse_day(value, what)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def progress_bar(transient: bool = True) -> Progress:
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
        float, typer.Option(help="Afstand waarbinnen panden aangrenzend zijn, in meter")
    ] = 0.5,
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
    from spreidingstoets.zoning import read_zoning

    layers = {}
    for item in layer or []:
        name, sep, file = item.partition("=")
        if not sep or not name or not file:
            raise InputError(f"--layer {item!r}: use NAME=FILE, e.g. bestemmingsplan=plan.gml")
        layers[name.strip()] = read_zoning(Path(file.strip()))
    from spreidingstoets.dataset.compile import write_dataset
    from spreidingstoets.dataset.sources import read_source
    from spreidingstoets.dataset.tables import merge_tables

    day = parse_date(date)
    with progress_bar() as bar:
        task = bar.add_task("BAG lezen", total=None)

        def step(done: int, total: int, name: str) -> None:
            bar.update(task, completed=done, total=total, description=f"BAG lezen: {name}")

        tables = merge_tables([read_source(s, day, progress=step) for s in sources])
        bar.update(task, description="dataset schrijven", total=None)
        manifest = write_dataset(
            tables,
            sources[0] if len(sources) == 1 else common_folder(sources),
            out_dir,
            tolerance=tolerance,
            force=force,
            layers=layers,
            progress=lambda m: bar.update(task, description=m),
        )
    if as_json:
        print_json(manifest)
    else:
        show_manifest(manifest, out_dir)


def common_folder(paths: list[Path]) -> Path:
    import os

    return Path(os.path.commonpath([str(p.resolve().parent) for p in paths]))


def show_manifest(manifest: dict[str, Any], path: Path) -> None:
    table = Table(title=f"dataset {manifest['dataset_id']}", show_header=False)
    table.add_row("folder", str(path))
    for key in ("source_kind", "extract_date", "reference_date", "gemeentecodes", "sha256"):
        table.add_row(key, str(manifest.get(key)))
    for key, value in manifest["counts"].items():
        table.add_row(key, f"{value:,}".replace(",", "."))
    for name, layer in (manifest.get("layers") or {}).items():
        table.add_row(f"laag {name}", f"{layer['features']} vlakken uit {layer['source']}")
    for note in manifest.get("notes") or []:
        table.add_row("let op", note)
    out.print(table)


@dataset_app.command("info")
def dataset_info(
    path: Annotated[Path, typer.Argument(help="Map van de gecompileerde dataset")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Toon het manifest van een dataset: bronnen, datums, aantallen."""
    manifest_path = path / "manifest.json"
    if not manifest_path.is_file():
        raise InputError(f"{path}: not a compiled dataset (no manifest.json)")
    manifest = json.loads(manifest_path.read_text())
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
    from spreidingstoets.dataset.address import AddressNotFound, find_address

    ds = open_dataset(data)
    try:
        match = find_address(ds, query)
    except AddressNotFound as exc:
        if as_json:
            print_json({"found": False, "message": str(exc), "candidates": exc.candidates})
            raise typer.Exit(2) from None
        raise
    info = match.as_dict(ds)
    if as_json:
        print_json({"found": True, **info})
        return
    table = Table(title=match.label, show_header=False)
    for key, value in info.items():
        table.add_row(key, "" if value is None else str(value))
    out.print(table)


def open_dataset(data: Path | None) -> Any:
    """Load the given dataset, or the bundled sample's (compiled on first use)."""
    from spreidingstoets.dataset.core import load_dataset

    if data is not None:
        return load_dataset(data)
    from spreidingstoets.samples import sample_dataset_path

    return load_dataset(sample_dataset_path())


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

OUTCOME_STYLE = {
    "pass": ("voldoet", "green"),
    "fail": ("voldoet niet", "red"),
    "review": ("beoordelen", "yellow"),
    "not_applicable": ("n.v.t.", "dim"),
}
OVERALL_STYLE = {
    "allowed": ("TOEGESTAAN", "bold green"),
    "refused": ("WEIGEREN", "bold red"),
    "review": ("NADER BEOORDELEN", "bold yellow"),
}
EXIT_OF = {"allowed": 0, "refused": 1, "review": 1}
RELATION_NL = {
    "application": "aanvraag",
    "same_street": "zelfde straat",
    "same_pand": "zelfde pand",
    "adjacent_pand": "aangrenzend pand",
    "side_neighbour": "huisnummerbuur",
    "within_distance": "binnen de straal",
    "enclosed_neighbour": "ingesloten woning",
    "enclosing": "sluit in",
    "same_area": "zelfde gebied",
    "zone": "zone",
    "register_entry": "registratie op dit adres",
    "nearby_entry": "registratie in de buurt",
}


def render_verdict(verdict: Any, warning: str | None = None) -> None:
    from rich.panel import Panel

    a = verdict.application
    p = verdict.provenance
    head = (
        f"[bold]{a.address}[/]  (verblijfsobject {a.verblijfsobject})\n"
        f"{a.kind}, {a.persons} personen, datum {a.date}; regelset {p.ruleset} versie "
        f"{p.ruleset_version}{' variant ' + p.variant if p.variant else ''}"
    )
    label, style = OVERALL_STYLE[verdict.outcome]
    out.print(Panel(f"{head}\n\n[{style}]{label}[/]\n{verdict.message}", expand=False))
    table = Table(show_lines=True)
    table.add_column("regel")
    table.add_column("uitkomst")
    table.add_column("toelichting", overflow="fold")
    for r in verdict.rules:
        text, colour = OUTCOME_STYLE[r.outcome]
        detail = r.message
        if r.evidence:
            shown = [
                f"{e.address or e.verblijfsobject or e.pand or e.detail.get('naam', '')} "
                f"({RELATION_NL.get(e.relation, e.relation)}"
                + (f", {e.distance_m:.2f} m".replace(".", ",") if e.distance_m is not None else "")
                + ")"
                for e in r.evidence[:5]
            ]
            more = f" en {len(r.evidence) - 5} meer" if len(r.evidence) > 5 else ""
            detail += "\n[dim]bewijs: " + "; ".join(shown) + more + "[/]"
        table.add_row(f"{r.rule}\n[dim]{r.type}[/]", f"[{colour}]{text}[/]", detail)
    out.print(table)
    out.print(
        f"[dim]dataset {p.dataset} · register {p.register_revision} · regelset sha256 "
        f"{p.ruleset_sha256[:12]} · engine {p.engine_version}[/]"
    )
    if warning:
        err.print(f"[yellow]{warning}[/]")


def _load_rules(rules: str, sets: list[str] | None, variant: Path | None) -> Any:
    from spreidingstoets.ruleset import load_ruleset

    return load_ruleset(rules, sets=sets or [], variant=variant)


# Options that check and decide share.
RulesOption = Annotated[
    str, typer.Option(help="Regelset (tiel, aalsmeer, westland) of pad naar YAML")
]
KindOption = Annotated[
    str, typer.Option(help="kamerverhuur | arbeidsmigranten | studenten | omzetting")
]
PersonsOption = Annotated[str, typer.Option(help="Aantal personen")]
BedsOption = Annotated[str | None, typer.Option(help="Aantal bedden (locaties)")]
ValidUntilOption = Annotated[
    str | None, typer.Option(help="Einddatum van een tijdelijke vergunning")
]
ReasonOption = Annotated[
    str | None, typer.Option(help="Reden voor een uitzondering (grotere woning)")
]
DataOption = Annotated[
    Path | None,
    typer.Option(help="Gecompileerde dataset (standaard: het meegeleverde voorbeeld)"),
]


@app.command()
def check(
    address: Annotated[
        str | None,
        typer.Argument(help="Adres: '1381AB 12a', 'Kerkstraat 12 Tiel' of identificatie"),
    ] = None,
    rules: RulesOption = "tiel",
    kind: KindOption = "arbeidsmigranten",
    persons: PersonsOption = "1",
    beds: BedsOption = None,
    date: Annotated[
        str | None, typer.Option(help="Peildatum JJJJ-MM-DD (standaard: vandaag)")
    ] = None,
    valid_until: ValidUntilOption = None,
    reason: ReasonOption = None,
    data: DataOption = None,
    register: Annotated[
        str | None, typer.Option(help="Register: SQLite-bestand of database-URL")
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Parameter wijzigen: tiel.straat.max_share=0.15"),
    ] = None,
    variant: Annotated[Path | None, typer.Option(help="Variantbestand (YAML)")] = None,
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
    from spreidingstoets import service

    if batch is None and address is None:
        raise InputError("geef een adres, of --batch BESTAND")
    if batch is not None and address is not None:
        raise InputError("geef een adres of --batch, niet allebei")
    ruleset = _load_rules(rules, set_, variant)
    today = parse_date(date) or dt.date.today()  # the interface, not the engine, reads the clock
    ds = open_dataset(data)
    snapshot = service.open_snapshot(register)
    warning = service.gemeente_warning(ruleset, ds)
    if batch is not None:
        code = run_batch(batch, batch_out, ds, snapshot, ruleset, today)
        if warning:
            err.print(f"[yellow]{warning}[/]")
        raise typer.Exit(code)
    app_ = service.make_application(
        ds,
        address=address,
        kind=kind,
        persons=persons,
        date=today,
        beds=beds,
        valid_until=valid_until,
        exception_reason=reason,
    )
    verdict = service.check(app_, ds, snapshot, ruleset)
    if as_json:
        sys.stdout.write(verdict_json(verdict, indent=2) + "\n")
    else:
        render_verdict(verdict, warning)
    raise typer.Exit(EXIT_OF[verdict.outcome])


@app.command()
def decide(
    address: Annotated[str, typer.Argument(help="Adres of identificatie van het verblijfsobject")],
    register: Annotated[str, typer.Option(help="Register: SQLite-bestand of database-URL")],
    decision: Annotated[
        str, typer.Option("--besluit", help="verleend | geweigerd | in-behandeling")
    ],
    reference: Annotated[str, typer.Option("--kenmerk", help="Zaak- of besluitkenmerk")],
    rules: RulesOption = "tiel",
    kind: KindOption = "arbeidsmigranten",
    persons: PersonsOption = "1",
    beds: BedsOption = None,
    date: Annotated[
        str | None, typer.Option(help="Ingangsdatum JJJJ-MM-DD (standaard: vandaag)")
    ] = None,
    valid_until: ValidUntilOption = None,
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
    """Leg een besluit vast: toets opnieuw op het register zoals het nu is en schrijf de registratie
    en het auditlog in een keer. Een verlening die intussen niet meer kan, wordt geweigerd (exit 2)."""
    import getpass

    from spreidingstoets import service
    from spreidingstoets.register.db import Register

    if key is not None and date is None:
        raise InputError(
            "met --key hoort een vaste --date: een herhaling op een andere dag is anders hetzelfde besluit niet"
        )
    ruleset = _load_rules(rules, None, None)
    ds = open_dataset(data)
    app_ = service.make_application(
        ds,
        address=address,
        kind=kind,
        persons=persons,
        date=parse_date(date) or dt.date.today(),
        beds=beds,
        valid_until=valid_until,
        exception_reason=reason,
    )
    with Register.open(register, create=False) as reg:
        verdict, result = service.decide(
            reg,
            app_,
            ds,
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
                "entry_id": result.entry.id if result.entry else None,
                "audit_id": result.audit_id,
                "register_revision": result.revision,
                "replayed": result.replayed,
                "verdict": json.loads(verdict_json(verdict)),
            }
        )
        return
    what = "opnieuw gemeld (al vastgelegd met deze sleutel)" if result.replayed else "vastgelegd"
    entry = f", registratie {result.entry.id}" if result.entry else ""
    out.print(
        f"Besluit {decision} {what}{entry}; auditregel {result.audit_id}, registerrevisie "
        f"{result.revision}. Oordeel bij het besluit: {OVERALL_STYLE[verdict.outcome][0].lower()}."
    )


BATCH_COLUMNS = tabular.Columns(
    required=("kind", "persons"),
    one_of=(("address", "verblijfsobject_id"),),
    optional=("date", "beds", "valid_until", "reason"),
    what="aanvragen",
)


def read_batch(path: Path, ds: Any, ruleset: Any, today: dt.date) -> tabular.Table[Application]:
    """The applications of a batch file, each validated (address found, ruleset version valid)."""
    from spreidingstoets import service

    def parse(row: tabular.Row) -> Application:
        cell = row.values.get
        app_ = service.make_application(
            ds,
            address=cell("address"),
            verblijfsobject_id=cell("verblijfsobject_id"),
            kind=cell("kind") or "",
            persons=cell("persons") or "",
            date=cell("date") or today,
            beds=cell("beds"),
            valid_until=cell("valid_until"),
            exception_reason=cell("reason"),
        )
        ruleset.version_on(app_.date)
        return app_

    return tabular.read_table(path, columns=BATCH_COLUMNS, parse=parse)


def run_batch(
    path: Path, target: Path | None, ds: Any, snapshot: Any, ruleset: Any, today: dt.date
) -> int:
    """Check every application; validate all first so bad input writes nothing."""
    from spreidingstoets import service

    table = read_batch(path, ds, ruleset, today)
    for note in table.notes:
        err.print(f"[yellow]let op: {escape(note)}[/]", highlight=False)
    apps = table.rows
    lines = []
    worst = 0
    with progress_bar() as bar:
        task = bar.add_task("toetsen", total=len(apps))
        for a in apps:
            verdict = service.check(a, ds, snapshot, ruleset)
            lines.append(verdict_json(verdict))
            worst = max(worst, EXIT_OF[verdict.outcome])
            bar.advance(task)
    payload = "\n".join(lines) + ("\n" if lines else "")
    if target is None:
        sys.stdout.write(payload)
    else:
        import os
        import tempfile

        fd, tmp = tempfile.mkstemp(dir=target.resolve().parent, prefix=f".{target.name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(payload)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return worst


@rules_app.command("validate")
def rules_validate(
    names: Annotated[
        list[str] | None, typer.Argument(help="Regelsets (id of pad); standaard alle in rules/")
    ] = None,
) -> None:
    """Controleer regelsets: sleutels, datums, regeltypen, parameters."""
    from spreidingstoets.ruleset import available_rulesets, load_ruleset

    for name in names or available_rulesets():
        rs = load_ruleset(name)
        out.print(
            f"[green]ok[/] {rs.path}: {len(rs.versions)} versie(s), "
            + ", ".join(f"{v.span()}: {len(v.rules)} regels" for v in rs.versions)
        )


@rules_app.command("schema")
def rules_schema(
    what: Annotated[str, typer.Argument(help="ruleset | verdict")] = "ruleset",
) -> None:
    """Toon het JSON Schema van regelsets (voor editors) of van oordelen."""
    from spreidingstoets.model import verdict_schema
    from spreidingstoets.ruleset import ruleset_schema

    if what not in ("ruleset", "verdict"):
        raise InputError(f"schema {what!r}: choose ruleset or verdict")
    print_json(ruleset_schema() if what == "ruleset" else verdict_schema())


@rules_app.command("types")
def rules_types() -> None:
    """Toon de regeltypen en wat ze toetsen."""
    from spreidingstoets.ruletypes import REGISTRY

    table = Table("type", "beschrijving")
    for name, rtype in REGISTRY.items():
        table.add_row(name, rtype.description)
    out.print(table)


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
    from spreidingstoets.golden import run_golden

    report = run_golden(names or None, data, register)
    if as_json:
        print_json(report.as_dict())
    else:
        for case in report.cases:
            mark = "[green]ok[/]" if case.ok else "[red]FOUT[/]"
            out.print(f"{mark} {case.file}: {case.name}")
            for problem in case.problems:
                out.print(f"     [red]{problem}[/]")
        out.print(f"{report.passed} passed, {report.failed} failed")
    raise typer.Exit(0 if report.failed == 0 else 1)


@app.command()
def sample(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Map voor de voorbeeldextracten")
    ] = SAMPLE_DIR,
) -> None:
    """Schrijf de synthetische voorbeeldwijken (Tiel, Aalsmeer, Westland) in LVBAG-formaat."""
    from spreidingstoets.sample import write_sample

    paths = write_sample(out_dir)
    for path in paths:
        out.print(str(path))


@app.command()
def version() -> None:
    """Toon de versie."""
    out.print(f"spreidingstoets {__version__}")


def main() -> None:
    try:
        app()
    except SpreidingstoetsError as exc:
        # Escaped: messages quote user input, which may look like rich markup ("[/x]").
        err.print(f"[bold red]fout:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("afgebroken")
        sys.exit(130)


if __name__ == "__main__":
    main()
