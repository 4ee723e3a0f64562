"""``spreidingstoets register ...``: import, list, export and audit the permit register.

A thin typer layer over :mod:`.db` and :mod:`.csvio`; errors print one line per problem to
stderr and exit with code 2.
"""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from ..errors import SpreidingstoetsError

app = typer.Typer(
    help="Het vergunningenregister: vergunningen en bekende gevallen importeren, tonen, exporteren en de audit bekijken.",
    no_args_is_help=True,
)

T = TypeVar("T")
MAX_AUDIT_ROWS = 100_000  # audit rows shown at once
MAX_AUDIT_OFFSET = 2**62  # inside every database's 64-bit integers

RegisterOption = Annotated[
    str,
    typer.Option(
        "--register",
        "-r",
        help="Registerdatabase: een SQLite-bestand of een postgresql+psycopg://-URL.",
        envvar="SPREIDINGSTOETS_REGISTER",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="JSON voor scripts.")]


class ExportFormat(StrEnum):
    csv = "csv"
    gpkg = "gpkg"


def _fail(message: str) -> typer.Exit:
    typer.echo(f"fout: {message}", err=True)
    return typer.Exit(code=2)


@contextmanager
def _errors() -> Iterator[None]:
    """Turn the library's user-facing errors into a message on stderr and exit code 2."""
    try:
        yield
    except SpreidingstoetsError as exc:
        raise _fail(str(exc)) from None


def _run(func: Callable[[], T]) -> T:
    with _errors():
        return func()


def _actor(value: str | None) -> str:
    if value:
        return value
    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment (containers)
        return "unknown"


def points_for(data_dir: Path) -> Mapping[str, tuple[float, float]]:
    """Verblijfsobject points (EPSG:28992) from the compiled dataset in ``data_dir``."""
    from spreidingstoets.dataset.store import load_dataset

    points: Mapping[str, tuple[float, float]] = load_dataset(data_dir).unit_points()
    return points


@app.command("import")
def import_command(
    csv_file: Annotated[Path, typer.Argument(metavar="CSV", help="CSV-bestand om te importeren.")],
    register: RegisterOption,
    replace: Annotated[
        bool, typer.Option("--replace", help="Eerst alle bestaande registraties verwijderen.")
    ] = False,
    actor: Annotated[
        str | None,
        typer.Option("--actor", help="Wie importeert (standaard: de gebruiker van het systeem)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Importeer registraties uit CSV; een bestand met een foute regel importeert niets."""
    from .csvio import import_csv
    from .db import Register

    with _errors(), Register.open(register) as reg:
        result = import_csv(reg, csv_file, actor=_actor(actor), replace=replace)
        for note in result.notes:
            typer.echo(f"let op: {note}", err=True)
        if as_json:
            typer.echo(json.dumps({"rows": result.rows, "revision": result.revision}))
        else:
            typer.echo(f"{result.rows} registraties ingelezen; registerrevisie {result.revision}")


@app.command("list")
def list_command(
    register: RegisterOption,
    vbo: Annotated[str | None, typer.Option("--vbo", help="Alleen dit verblijfsobject.")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="Alleen deze soort.")] = None,
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            help="Alleen deze status (granted of verleend, pending of in-behandeling, ...).",
        ),
    ] = None,
    valid_on: Annotated[
        str | None,
        typer.Option("--valid-on", help="Alleen registraties geldig op deze datum (JJJJ-MM-DD)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Toon registraties."""
    with _errors():
        from ..domain.inputs import parse_day, parse_status

        day = parse_day(valid_on, "--valid-on") if valid_on else None
        code = parse_status(status) if status is not None else None
        from .db import Register

        with Register.open(register, create=False) as reg:
            entries = reg.entries(verblijfsobject_id=vbo, kind=kind, status=code, valid_on=day)
    from .db import entry_as_dict

    rows = [entry_as_dict(e) for e in entries]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    columns = ["id", "verblijfsobject_id", "kind", "status", "persons", "beds"]
    columns += ["valid_from", "valid_until", "reference", "source"]
    _print_table(columns, rows, title=f"{len(rows)} registraties")


@app.command("export")
def export_command(
    register: RegisterOption,
    out: Annotated[Path, typer.Option("--out", "-o", help="Bestand om te schrijven.")],
    fmt: Annotated[
        ExportFormat | None,
        typer.Option("--format", help="csv of gpkg (standaard: naar de extensie van --out)."),
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data",
            help="Gecompileerde dataset (gpkg: punten van de verblijfsobjecten); standaard het voorbeeld.",
        ),
    ] = None,
) -> None:
    """Exporteer het register als CSV, of als GeoPackage-puntenlaag in EPSG:28992."""
    from spreidingstoets.settings import load_settings

    from ..fsio import check_output_path
    from .csvio import export_csv, export_geopackage
    from .db import Register

    with _errors():
        # The file name must say what is in it: no CSV text in a file called x.xlsx.
        suffixes = [f".{f}" for f in ([fmt] if fmt else ExportFormat)]
        what = f"--format {fmt.value} met --out" if fmt else "--out"
        check_output_path(out, what=what, suffixes=suffixes)
        chosen = fmt or ExportFormat(out.suffix.lower().lstrip("."))
        if chosen is ExportFormat.gpkg and data is None:
            from spreidingstoets.service.sample import sample_dataset_path

            data = sample_dataset_path(load_settings())  # like check: the sample by default
        with Register.open(register, create=False) as reg:
            if chosen is ExportFormat.gpkg:
                assert data is not None
                result = export_geopackage(reg, out, points_for(data))
            else:
                result = export_csv(reg, out)
    message = f"{result.rows} registraties geschreven naar {out}"
    if result.without_geometry:
        message += f" ({result.without_geometry} zonder punt: niet in de dataset)"
    typer.echo(message)


@app.command("audit")
def audit_command(
    register: RegisterOption,
    limit: Annotated[str, typer.Option("--limit", help="Aantal regels.")] = "50",
    offset: Annotated[str, typer.Option("--offset", help="Over te slaan regels.")] = "0",
    as_json: JsonOption = False,
) -> None:
    """Toon het auditlog, nieuwste eerst."""
    from ..domain.inputs import parse_int
    from .db import Register

    with _errors():
        # Parsed here, not by typer: the message is Dutch and the bounds keep the numbers
        # inside what a database takes (a 20-digit number overflowed SQLite).
        rows_wanted = parse_int(limit, "--limit", 1, MAX_AUDIT_ROWS)
        skipped = parse_int(offset, "--offset", 0, MAX_AUDIT_OFFSET)
        with Register.open(register, create=False) as reg:
            records = reg.audit(limit=rows_wanted, offset=skipped)
    rows = [r.as_dict() for r in records]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        payload = json.dumps(row["payload"], ensure_ascii=False)
        row["payload"] = payload if len(payload) <= 60 else payload[:57] + "..."
    columns = ["id", "at", "actor", "action", "verblijfsobject_id", "outcome", "revision"]
    _print_table([*columns, "payload"], rows, title="auditlog")


def _print_table(columns: list[str], rows: list[dict[str, Any]], *, title: str) -> None:
    def cell(value: Any) -> str:
        return "" if value is None else str(value)

    if not sys.stdout.isatty():
        # Piped: tab-separated lines a script can cut, instead of a drawn table.
        typer.echo("\t".join(columns))
        for row in rows:
            typer.echo("\t".join(cell(row[c]) for c in columns))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        # Ids and dates must stay whole and copyable; free text may wrap.
        keep = column in {"id", "verblijfsobject_id", "valid_from", "valid_until", "at"}
        table.add_column(column, no_wrap=keep, min_width=len(column) if keep else None)
    for row in rows:
        table.add_row(*(cell(row[c]) for c in columns))
    Console().print(table)
