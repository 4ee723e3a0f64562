"""``spreidingstoets register ...``: import, list, export, revoke, end, audit and migrate the
permit register.

A thin typer layer over :mod:`.db` and :mod:`.csvio`; errors print one line per problem to
stderr and exit with code 2 (``audit --verify`` also exits 2 when the log is not intact).
Statuses are shown in Dutch and accepted in Dutch or English; ``--json`` carries the English
codes.
"""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from ..errors import SpreidingstoetsError

if TYPE_CHECKING:
    from .db import Register

app = typer.Typer(
    help="Het vergunningenregister: vergunningen en bekende gevallen importeren, tonen, "
    "exporteren, intrekken, beëindigen, de audit bekijken en controleren.",
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
ActorOption = Annotated[
    str | None,
    typer.Option("--actor", help="Wie het doet (standaard: de gebruiker van het systeem)."),
]


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


def _open(register: str, **options: Any) -> Register:
    """The register, waiting at most the configured lock timeout for a write."""
    from spreidingstoets.settings import load_settings

    from .db import Register

    timeout = load_settings().register_lock_timeout
    return Register.open(register, lock_timeout=timeout, **options)


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
        bool,
        typer.Option(
            "--replace",
            help="Eerst alle bestaande registraties verwijderen (geweigerd als het auditlog "
            "naar een ervan verwijst).",
        ),
    ] = False,
    actor: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Importeer registraties uit CSV; een bestand met een foute regel importeert niets, en
    registraties die er al zijn (zelfde verblijfsobject, soort, kenmerk en ingangsdatum) worden
    overgeslagen."""
    from .csvio import import_csv

    with _errors(), _open(register) as reg:
        result = import_csv(reg, csv_file, actor=_actor(actor), replace=replace)
        for note in result.notes:
            typer.echo(f"let op: {note}", err=True)
        if as_json:
            data = {"rows": result.rows, "skipped_lines": list(result.skipped)}
            typer.echo(json.dumps({**data, "revision": result.revision}))
        else:
            typer.echo(f"{result.summary}; registerrevisie {result.revision}")


# Table heading -> field of an entry.
ENTRY_COLUMNS = {
    "id": "id",
    "verblijfsobject": "verblijfsobject_id",
    "soort": "kind",
    "status": "status",
    "personen": "persons",
    "bedden": "beds",
    "geldig vanaf": "valid_from",
    "geldig tot en met": "valid_until",
    "kenmerk": "reference",
    "ontvangen": "received",
    "bron": "source",
}
AUDIT_COLUMNS = {
    "id": "id",
    "tijdstip": "at",
    "door": "actor",
    "handeling": "action",
    "verblijfsobject": "verblijfsobject_id",
    "registratie": "entry_id",
    "status": "outcome",
    "revisie": "revision",
    "inhoud": "payload",
}


@app.command("list")
def list_command(
    register: RegisterOption,
    vbo: Annotated[str | None, typer.Option("--vbo", help="Alleen dit verblijfsobject.")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="Alleen deze soort.")] = None,
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            help="Alleen deze status: verleend, gedoogd, in behandeling, illegaal, geweigerd, "
            "ingetrokken, beëindigd, verlopen.",
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
        from ..domain.inputs import parse_day

        day = parse_day(valid_on, "--valid-on") if valid_on else None
        with _open(register, create=False) as reg:
            entries = reg.entries(verblijfsobject_id=vbo, kind=kind, status=status, valid_on=day)
    from ..domain.vocabulary import STATUS_NL
    from .db import entry_as_dict

    rows = [entry_as_dict(e) for e in entries]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        row["status"] = STATUS_NL[row["status"]]
    _print_table(ENTRY_COLUMNS, rows, title=f"{len(rows)} registraties")


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

    with _errors():
        # The file name must say what is in it: no CSV text in a file called x.xlsx.
        suffixes = [f".{f}" for f in ([fmt] if fmt else ExportFormat)]
        what = f"--format {fmt.value} met --out" if fmt else "--out"
        check_output_path(out, what=what, suffixes=suffixes)
        chosen = fmt or ExportFormat(out.suffix.lower().lstrip("."))
        if chosen is ExportFormat.gpkg and data is None:
            from spreidingstoets.service.sample import sample_dataset_path

            data = sample_dataset_path(load_settings())  # like check: the sample by default
        with _open(register, create=False) as reg:
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
    verify: Annotated[
        bool,
        typer.Option(
            "--verify",
            help="Controleer de hashketen van het hele log en dat de registraties eruit volgen "
            "(exit 0 in orde, 2 niet in orde).",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Toon het auditlog, nieuwste eerst; of controleer het met --verify."""
    from ..domain.inputs import parse_int
    from ..domain.vocabulary import AUDIT_ACTION_NL, STATUS_NL

    with _errors():
        # Parsed here, not by typer: the message is Dutch and the bounds keep the numbers
        # inside what a database takes (a 20-digit number overflowed SQLite).
        rows_wanted = parse_int(limit, "--limit", 1, MAX_AUDIT_ROWS)
        skipped = parse_int(offset, "--offset", 0, MAX_AUDIT_OFFSET)
    with _errors(), _open(register, create=False) as reg:
        if verify:
            _verify(reg, as_json)
            return
        records = reg.audit(limit=rows_wanted, offset=skipped)
    rows = [r.as_dict() for r in records]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        payload = json.dumps(row["payload"], ensure_ascii=False)
        row["payload"] = payload if len(payload) <= 60 else payload[:57] + "..."
        row["action"] = AUDIT_ACTION_NL.get(row["action"], row["action"])
        row["outcome"] = STATUS_NL.get(row["outcome"], row["outcome"])
    _print_table(AUDIT_COLUMNS, rows, title="auditlog")


def _verify(reg: Register, as_json: bool) -> None:
    result = reg.verify()
    if as_json:
        data = {"ok": result.ok, "rows": result.rows, "head": result.head}
        typer.echo(json.dumps({**data, "problem": result.problem, "row": result.row}))
    elif result.ok:
        typer.echo(
            f"auditlog in orde: {result.rows} regels, de hashketen klopt en de registraties volgen "
            f"eruit; laatste hash {result.head} (noteer die elders om het log te verankeren)"
        )
    else:
        typer.echo(f"auditlog niet in orde: {result.problem}", err=True)
    if not result.ok:
        raise typer.Exit(code=2)


def _close_entry(
    what: str, entry_id: int, register: str, reason: str, day: str | None, actor: str | None
) -> None:
    from ..domain.inputs import parse_day
    from ..domain.vocabulary import STATUS_NL

    with _errors():
        on = parse_day(day, "--datum") if day else None
        with _open(register, create=False) as reg:
            close = reg.revoke if what == "revoke" else reg.end
            entry = close(entry_id, reason=reason, on=on, actor=_actor(actor))
            revision = reg.revision
    typer.echo(
        f"registratie {entry.id} ({entry.verblijfsobject_id}, {entry.kind}, kenmerk "
        f"{entry.reference or '(geen)'}) is {STATUS_NL[entry.status]} met einddatum "
        f"{entry.valid_until}; registerrevisie {revision}"
    )


EntryArgument = Annotated[
    int, typer.Argument(metavar="ID", help="Id van de registratie (zie list).")
]
ReasonOption = Annotated[str, typer.Option("--reden", help="Waarom (komt in het auditlog).")]
DayOption = Annotated[
    str | None,
    typer.Option(
        "--datum", help="Laatste geldige dag, JJJJ-MM-DD (standaard vandaag; niet later)."
    ),
]


@app.command("revoke")
def revoke_command(
    entry_id: EntryArgument,
    register: RegisterOption,
    reason: ReasonOption,
    day: DayOption = None,
    actor: ActorOption = None,
) -> None:
    """Trek een vergunning in: status ingetrokken, einddatum --datum; telt daarna niet meer."""
    _close_entry("revoke", entry_id, register, reason, day, actor)


@app.command("end")
def end_command(
    entry_id: EntryArgument,
    register: RegisterOption,
    reason: ReasonOption,
    day: DayOption = None,
    actor: ActorOption = None,
) -> None:
    """Beëindig een registratie (verhuur gestopt, aanvraag ingetrokken, geval opgelost): status
    beëindigd, einddatum --datum; telt daarna niet meer."""
    _close_entry("end", entry_id, register, reason, day, actor)


@app.command("migrate")
def migrate_command(register: RegisterOption) -> None:
    """Werk een register van een oudere versie eenmalig bij naar het huidige schema."""
    from .db import SCHEMA_HEAD

    with _errors(), _open(register, create=False, upgrade=True):
        pass
    typer.echo(f"register {register} heeft schemaversie {SCHEMA_HEAD}")


def _print_table(columns: dict[str, str], rows: list[dict[str, Any]], *, title: str) -> None:
    """``columns``: heading -> key of the rows."""

    def cell(value: Any) -> str:
        return "" if value is None else str(value)

    if not sys.stdout.isatty():
        # Piped: tab-separated lines a script can cut, instead of a drawn table.
        typer.echo("\t".join(columns))
        for row in rows:
            typer.echo("\t".join(cell(row[c]) for c in columns.values()))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for heading, key in columns.items():
        # Ids and dates must stay whole and copyable; free text may wrap.
        keep = key in {"id", "verblijfsobject_id", "valid_from", "valid_until", "at"}
        table.add_column(heading, no_wrap=keep, min_width=len(heading) if keep else None)
    for row in rows:
        table.add_row(*(cell(row[c]) for c in columns.values()))
    Console().print(table)
