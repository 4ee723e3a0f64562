"""CSV import and CSV / GeoPackage export of the register.

Import is all or nothing: the file is read by :mod:`spreidingstoets.tabular` (encoding,
separator, header), every row is validated, and the problems of the file and of all rows are
reported together as one :class:`~spreidingstoets.tabular.TableError`. Rows already in the
register (same verblijfsobject, kind, reference and valid_from) are skipped and named, so a file
imported twice is in the register once. Statuses may be Dutch (``verleend``) or English.
Exports are atomic: they are written to a temporary file next to the target and renamed.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from ..domain.register import RegisterEntry
from ..errors import SourceError
from ..fsio import atomic_file, check_output_path
from ..tabular import Columns, Row, RowError, Table, read_table
from .db import Register
from .validate import EntryFields

REQUIRED_COLUMNS = (
    "verblijfsobject_id",
    "kind",
    "persons",
    "status",
    "valid_from",
    "valid_until",
    "reference",
)
# "id" is accepted so an export can be imported again; ids are always assigned by the register.
OPTIONAL_COLUMNS = ("beds", "source", "received", "id")
EXPORT_COLUMNS = (*REQUIRED_COLUMNS, "beds", "source", "received", "id")
COLUMNS = Columns(required=REQUIRED_COLUMNS, optional=OPTIONAL_COLUMNS, what="registraties")
GPKG_LAYER = "register"


@dataclass(frozen=True, slots=True)
class ImportResult:
    rows: int  # rows added
    revision: int
    notes: tuple[str, ...] = ()  # about reading the file, e.g. read as Windows-1252
    skipped: tuple[int, ...] = ()  # lines of rows that were already in the register

    @property
    def summary(self) -> str:
        """``"12 registraties ingelezen, 3 al aanwezig en overgeslagen (regels 2, 5, 9)"``."""
        text = f"{self.rows} registraties ingelezen"
        if self.skipped:
            lines = ", ".join(map(str, self.skipped[:20])) + (
                " ..." if len(self.skipped) > 20 else ""
            )
            text += f", {len(self.skipped)} al aanwezig en overgeslagen (regel(s) {lines})"
        return text


@dataclass(frozen=True, slots=True)
class ImportRow:
    line: int  # where the row starts in the file
    fields: EntryFields


@dataclass(frozen=True, slots=True)
class ExportResult:
    rows: int
    without_geometry: int = 0  # GeoPackage: entries whose verblijfsobject had no point


# -- import ------------------------------------------------------------------------------


def read_entries(path: str | Path, *, known_ids: set[str] | None = None) -> Table[ImportRow]:
    """Read and validate a register file; raise :class:`TableError` listing every problem.

    Parameters
    ----------
    path
        CSV (or JSON lines) with the columns ``verblijfsobject_id,kind,persons,status,
        valid_from,valid_until,reference`` and optionally ``beds``, ``source``, ``received``
        (ontvangstdatum; and ``id``, ignored).
    known_ids
        When given, verblijfsobject ids not in this set are errors (not in the dataset).
    """
    path = Path(path)

    def parse(row: Row) -> ImportRow:
        values = {c: v for c, v in row.values.items() if c != "id"}
        try:
            fields = EntryFields.model_validate(values)
        except ValidationError as exc:
            raise RowError(
                [
                    (str(err["loc"][0]) if err["loc"] else "valid_until", err["msg"])
                    for err in exc.errors()
                ]
            ) from None
        if known_ids is not None and fields.verblijfsobject_id not in known_ids:
            raise RowError(
                [
                    (
                        "verblijfsobject_id",
                        f"verblijfsobject {fields.verblijfsobject_id} staat niet in de dataset",
                    )
                ]
            )
        if "source" not in row.values:  # without a source, record where the row came from
            fields = fields.model_copy(update={"source": f"import {path.name}"})
        return ImportRow(row.line, fields)

    return read_table(path, columns=COLUMNS, parse=parse)


def parse_csv(path: str | Path, *, known_ids: set[str] | None = None) -> list[EntryFields]:
    """The validated rows of a register file (see :func:`read_entries`)."""
    return [row.fields for row in read_entries(path, known_ids=known_ids).rows]


def import_csv(
    register: Register,
    path: str | Path,
    *,
    actor: str,
    at: dt.datetime | None = None,
    replace: bool = False,
    known_ids: set[str] | None = None,
) -> ImportResult:
    """Validate a CSV completely, then import its new rows in one transaction (or none).

    One audit row (``import``, with the file name, counts and every entry added) and one
    revision bump; nothing when every row was already there.
    """
    path = Path(path)
    table = read_entries(path, known_ids=known_ids)
    outcome = register.import_entries(
        [r.fields for r in table.rows], actor=actor, at=at, file_name=path.name, replace=replace
    )
    return ImportResult(
        rows=outcome.added,
        revision=outcome.revision,
        notes=table.notes,
        skipped=tuple(table.rows[i].line for i in outcome.skipped),
    )


# -- export ------------------------------------------------------------------------------


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _export_row(entry: RegisterEntry) -> list[str]:
    return [_cell(getattr(entry, c)) for c in EXPORT_COLUMNS]


def export_csv(register: Register, path: str | Path) -> ExportResult:
    """Write all entries as CSV (the import header plus ``beds,source,id``), atomically."""
    path = Path(path)
    check_output_path(path, what="export")
    entries = register.entries()
    with atomic_file(path) as tmp, tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(EXPORT_COLUMNS)
        writer.writerows(_export_row(e) for e in entries)
    return ExportResult(rows=len(entries))


def export_geopackage(
    register: Register, path: str | Path, points: Mapping[str, tuple[float, float]]
) -> ExportResult:
    """Write all entries as a point layer in EPSG:28992, atomically.

    ``points`` maps verblijfsobject ids to (x, y) in EPSG:28992; entries without a point get an
    empty geometry and are counted in ``without_geometry``.
    """
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import Point

    path = Path(path)
    check_output_path(path, what="export")
    entries = register.entries()
    geometry: list[Point | None] = []
    missing = 0
    for entry in entries:
        xy = points.get(entry.verblijfsobject_id)
        if xy is None:
            missing += 1
            geometry.append(None)
        else:
            geometry.append(Point(float(xy[0]), float(xy[1])))
    frame = pd.DataFrame(
        {
            "id": pd.array([e.id for e in entries], dtype="int64"),
            "verblijfsobject_id": pd.array([e.verblijfsobject_id for e in entries], dtype=object),
            "kind": pd.array([e.kind for e in entries], dtype=object),
            "status": pd.array([e.status for e in entries], dtype=object),
            "persons": pd.array([e.persons for e in entries], dtype="Int64"),
            "beds": pd.array([e.beds for e in entries], dtype="Int64"),
            "valid_from": pd.array([_cell(e.valid_from) or None for e in entries], dtype=object),
            "valid_until": pd.array([_cell(e.valid_until) or None for e in entries], dtype=object),
            "source": pd.array([e.source for e in entries], dtype=object),
            "reference": pd.array([e.reference for e in entries], dtype=object),
            "received": pd.array([_cell(e.received) or None for e in entries], dtype=object),
        }
    )
    layer = gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:28992")
    with atomic_file(path) as tmp:
        tmp.unlink()  # GDAL creates the GeoPackage itself
        try:
            layer.to_file(tmp, driver="GPKG", layer=GPKG_LAYER, engine="pyogrio")
        except Exception as exc:  # GDAL errors come in many types; report them as one
            raise SourceError(f"kan GeoPackage {path} niet schrijven ({exc})") from exc
    return ExportResult(rows=len(entries), without_geometry=missing)
