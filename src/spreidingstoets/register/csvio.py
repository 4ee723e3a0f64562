"""CSV import and CSV / GeoPackage export of the register.

Import is all or nothing: every row is validated first and the errors of all rows are reported
as ``line N, column X: message`` (line numbers as an editor shows them, header = line 1).
Exports are atomic (:func:`~spreidingstoets.fsio.atomic_file`): written to a temporary file next
to the target and renamed over it when complete.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..domain.register import RegisterEntry
from ..errors import InputError, SourceError, did_you_mean
from ..fsio import atomic_file, check_output_path
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
OPTIONAL_COLUMNS = ("beds", "source", "id")
EXPORT_COLUMNS = (*REQUIRED_COLUMNS, "beds", "source", "id")
MAX_REPORTED_ERRORS = 20
GPKG_LAYER = "register"


class CsvImportError(InputError):
    """A CSV file with bad rows; ``errors`` lists every problem, nothing was imported."""

    def __init__(self, message: str, errors: list[str]) -> None:
        super().__init__(message)
        self.errors = errors


@dataclass(frozen=True, slots=True)
class ImportResult:
    rows: int
    revision: int


@dataclass(frozen=True, slots=True)
class ExportResult:
    rows: int
    without_geometry: int = 0  # GeoPackage: entries whose verblijfsobject had no point


# -- import ------------------------------------------------------------------------------


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")  # utf-8-sig: tolerate Excel's BOM
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None


def _delimiter(first_line: str) -> str:
    # Dutch spreadsheet programs save CSV with ';'; accept that when the header says so.
    names = [c.strip() for c in first_line.split(";")]
    return ";" if "," not in first_line and "verblijfsobject_id" in names else ","


def _check_header(path: Path, header: list[str]) -> list[str]:
    names = [h.strip() for h in header]
    valid = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
    problems = []
    unknown = [n for n in names if n not in valid]
    for name in unknown:
        problems.append(f"unknown column {name!r}{did_you_mean(name, valid)}")
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        problems.append(f"duplicate column(s) {', '.join(duplicates)}")
    missing = [n for n in REQUIRED_COLUMNS if n not in names]
    if missing:
        problems.append(f"missing column(s) {', '.join(missing)}")
    if problems:
        raise InputError(
            f"{path}, line 1 (header): {'; '.join(problems)} — required columns: "
            f"{','.join(REQUIRED_COLUMNS)}; optional: {', '.join(OPTIONAL_COLUMNS)}"
        )
    return names


def parse_csv(path: str | Path, *, known_ids: set[str] | None = None) -> list[EntryFields]:
    """Read and validate a register CSV; raise :class:`CsvImportError` listing all bad rows.

    Parameters
    ----------
    path
        CSV file with header ``verblijfsobject_id,kind,persons,status,valid_from,valid_until,
        reference`` and optionally ``beds``, ``source`` (and ``id``, ignored).
    known_ids
        When given, verblijfsobject ids not in this set are errors (not in the dataset).
    """
    path = Path(path)
    text = _read_text(path)
    if not text.strip():
        raise InputError(f"{path}: the file is empty; expected a header line")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text.splitlines()[0]))
    try:
        columns = _check_header(path, next(reader))
    except csv.Error as exc:
        raise InputError(f"{path}, line 1: {exc}") from None

    rows: list[EntryFields] = []
    errors: list[str] = []
    end_of_previous = reader.line_num
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(f"line {end_of_previous + 1}: {exc}")
            break
        line = end_of_previous + 1  # where the record starts, even if a quoted field spans lines
        end_of_previous = reader.line_num
        if not record or all(not cell.strip() for cell in record):
            continue
        if len(record) != len(columns):
            errors.append(
                f"line {line}: expected {len(columns)} fields ({','.join(columns)}), "
                f"found {len(record)}"
            )
            continue
        values: dict[str, Any] = {c: v for c, v in zip(columns, record, strict=True) if c != "id"}
        try:
            fields = EntryFields(**values)
        except ValidationError as exc:
            for err in exc.errors():
                column = str(err["loc"][0]) if err["loc"] else "valid_until"
                errors.append(f"line {line}, column {column}: {err['msg']}")
            continue
        if known_ids is not None and fields.verblijfsobject_id not in known_ids:
            errors.append(
                f"line {line}, column verblijfsobject_id: verblijfsobject "
                f"{fields.verblijfsobject_id} is not in the dataset"
            )
            continue
        if "source" not in columns:  # without a source column, record where rows came from
            fields = fields.model_copy(update={"source": f"import {path.name}"})
        rows.append(fields)

    if errors:
        shown = errors[:MAX_REPORTED_ERRORS]
        more = len(errors) - len(shown)
        listing = "\n".join(f"  {e}" for e in shown)
        tail = f"\n  ... and {more} more" if more else ""
        raise CsvImportError(
            f"{path}: {len(errors)} error(s), nothing imported:\n{listing}{tail}", errors
        )
    return rows


def import_csv(
    register: Register,
    path: str | Path,
    *,
    actor: str,
    at: dt.datetime | None = None,
    replace: bool = False,
    known_ids: set[str] | None = None,
) -> ImportResult:
    """Validate a CSV completely, then import all rows in one transaction (or none).

    One audit row (``import``, with the file name and row count) and one revision bump.
    """
    path = Path(path)
    rows = parse_csv(path, known_ids=known_ids)
    revision = register.import_entries(
        rows, actor=actor, at=at, file_name=path.name, replace=replace
    )
    return ImportResult(rows=len(rows), revision=revision)


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
        }
    )
    layer = gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:28992")
    with atomic_file(path) as tmp:
        tmp.unlink()  # GDAL creates the GeoPackage itself
        try:
            layer.to_file(tmp, driver="GPKG", layer=GPKG_LAYER, engine="pyogrio")
        except Exception as exc:  # GDAL errors come in many types; report them as one
            raise SourceError(f"cannot write GeoPackage {path}: {exc}") from exc
    return ExportResult(rows=len(entries), without_geometry=missing)
