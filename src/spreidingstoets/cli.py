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
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from spreidingstoets import __version__
from spreidingstoets.errors import InputError, SpreidingstoetsError

app = typer.Typer(
    help="spreidingstoets: toets vergunningaanvragen voor kamerverhuur en huisvesting van "
    "arbeidsmigranten aan de spreidingsregels van een gemeente, op BAG-gegevens.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
dataset_app = typer.Typer(help="Inspect a compiled BAG dataset.", no_args_is_help=True)
app.add_typer(dataset_app, name="dataset")

out = Console()
err = Console(stderr=True)

from spreidingstoets.samples import SAMPLE_DIR  # noqa: E402


def fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[bold red]fout:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def parse_date(value: str | None, what: str = "--date") -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(
            f"{what}: {value!r} is not a date; use YYYY-MM-DD, e.g. 2026-03-01"
        ) from None


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
        typer.Argument(help="LVBAG extract(s) (.zip, folder, .xml) or BAG GeoPackage (.gpkg)"),
    ],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the compiled dataset to")],
    date: Annotated[
        str | None, typer.Option(help="Reference date YYYY-MM-DD (default: the extract's date)")
    ] = None,
    tolerance: Annotated[
        float, typer.Option(help="Adjacency tolerance between footprints, metres")
    ] = 0.5,
    force: Annotated[bool, typer.Option(help="Replace an existing dataset")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the manifest as JSON")] = False,
) -> None:
    """Read a BAG source and write a compiled, indexed dataset (all or nothing)."""
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
    out.print(table)


@dataset_app.command("info")
def dataset_info(
    path: Annotated[Path, typer.Argument(help="Compiled dataset folder")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show the manifest of a compiled dataset: sources, dates, counts."""
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
        str, typer.Argument(help="'1381AB 12a', 'Kerkstraat 12 Tiel' or a BAG identificatie")
    ],
    data: Annotated[
        Path | None, typer.Option(help="Compiled dataset folder (default: the bundled sample)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Find an address and the verblijfsobject it belongs to."""
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


@app.command()
def sample(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for the sample extracts")
    ] = SAMPLE_DIR,
) -> None:
    """Write the synthetic sample neighbourhoods (Tiel, Aalsmeer, Westland) in LVBAG format."""
    from spreidingstoets.sample import write_sample

    paths = write_sample(out_dir)
    for path in paths:
        out.print(str(path))


@app.command()
def version() -> None:
    """Print the version."""
    out.print(f"spreidingstoets {__version__}")


def main() -> None:
    try:
        app()
    except SpreidingstoetsError as exc:
        err.print(f"[bold red]fout:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err.print("afgebroken")
        sys.exit(130)


if __name__ == "__main__":
    main()
