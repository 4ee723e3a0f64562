"""Reading the tables users give us: CSV or JSON lines, as Excel or a script writes them.

``check --batch`` (applications) and ``register import`` (register rows) both read files that
permit officers make in a spreadsheet: UTF-8 or Windows-1252 (Excel on Windows) or UTF-16 (Excel's
"Unicode text"), separated by ``,`` or ``;`` or tabs. :func:`read_table` turns such a file into
rows of cell values, or raises one :class:`TableError` listing every problem of the file with its
line and column (line numbers as an editor shows them, the header is line 1).

Only the standard library is imported here: the command line imports this on every batch.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, NamedTuple, TypeVar, overload

from spreidingstoets.errors import InputError, did_you_mean

T = TypeVar("T")

MAX_SHOWN = 20
CSV_SUFFIXES = (".csv", ".txt")
JSON_SUFFIXES = (".jsonl", ".ndjson", ".json")
SEPARATORS = (",", ";", "\t")


@dataclass(frozen=True, slots=True)
class Columns:
    """The columns a table may have, and what its rows are called in messages.

    ``required`` must all be in the header (in JSON: be keys of every object); cells may be
    empty. Of each ``one_of`` group the header has at least one column and every row fills
    exactly one. ``optional`` columns may be left out.
    """

    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    one_of: tuple[tuple[str, ...], ...] = ()
    what: str = "rijen"  # "aanvragen", "registraties": "geen aanvragen in het bestand"

    @property
    def known(self) -> tuple[str, ...]:
        return (*self.required, *(c for group in self.one_of for c in group), *self.optional)


class Problem(NamedTuple):
    """One thing wrong with a file; ``line`` and ``column`` are None when they do not apply."""

    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = ([f"regel {self.line}"] if self.line else []) + (
            [f"kolom {self.column}"] if self.column else []
        )
        return f"{', '.join(where)}: {self.message}" if where else self.message


class TableError(InputError):
    """A file that cannot be used as it is; ``problems`` lists all that is wrong with it."""

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        self.path = path
        self.problems = problems
        if len(problems) == 1:
            (only,) = problems
            message = f"{path}{', ' if only.line or only.column else ': '}{only}"
        else:
            shown = "\n".join(f"  {p}" for p in problems[:MAX_SHOWN])
            more = len(problems) - MAX_SHOWN
            tail = f"\n  ... en nog {more}" if more > 0 else ""
            message = f"{path}: {len(problems)} fouten, niets ingelezen:\n{shown}{tail}"
        super().__init__(message)


class RowError(InputError):
    """Raised by a row parser: what is wrong with the row's cells, as (column, message) pairs."""

    def __init__(self, problems: list[tuple[str | None, str]]) -> None:
        super().__init__("; ".join(message for _, message in problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Row:
    """A data row: the line it starts on and its cells by column (stripped; empty is None).

    The values hold the columns of the header (CSV) or the keys of the object (JSON); numbers
    and booleans in JSON become their JSON text, so a parser sees text as from a CSV file.
    """

    line: int
    values: dict[str, str | None]


@dataclass(frozen=True, slots=True)
class Table(Generic[T]):
    path: Path
    rows: list[T]
    notes: tuple[str, ...] = ()  # worth telling the user, e.g. the file was read as Windows-1252


@overload
def read_table(path: str | Path, *, columns: Columns) -> Table[Row]: ...
@overload
def read_table(path: str | Path, *, columns: Columns, parse: Callable[[Row], T]) -> Table[T]: ...
def read_table(
    path: str | Path, *, columns: Columns, parse: Callable[[Row], Any] | None = None
) -> Table[Any]:
    """Read a ``.csv``/``.txt`` (CSV) or ``.jsonl``/``.ndjson``/``.json`` (JSON lines) file.

    ``parse`` turns each row into what the caller wants; an :class:`InputError` it raises
    becomes a problem of that row (a :class:`RowError` names the columns), so the problems of
    the file and of its rows are reported together. A bad header stops there: rows cannot be
    read against it. Raises :class:`TableError` when there is any problem.
    """
    path = Path(path)
    data = _read_bytes(path)
    suffix = path.suffix.lower()
    if suffix not in (*CSV_SUFFIXES, *JSON_SUFFIXES):
        raise _fatal(
            path,
            f"onbekend bestandstype {suffix or '(geen extensie)'!r}; gebruik CSV "
            f"({', '.join(CSV_SUFFIXES)}) of JSON lines ({', '.join(JSON_SUFFIXES)})"
            + ("; sla een spreadsheet op als CSV" if suffix in (".xlsx", ".xls", ".ods") else ""),
        )
    text, notes = _decode(path, data)
    if not text.strip():
        raise _fatal(path, f"geen {columns.what} in het bestand (het is leeg)")

    problems: list[Problem] = []
    if suffix in CSV_SUFFIXES:
        records = _csv_records(text, columns, problems)
        nothing = f"geen {columns.what} in het bestand (alleen een kopregel)"
    else:
        records = _json_records(text, suffix, columns, problems)
        nothing = f"geen {columns.what} in het bestand"
    rows: list[Any] = []
    seen = 0
    for line, values in records:
        seen += 1
        if values is None:  # its problems are recorded
            continue
        row = Row(line, values)
        group_problems = list(_one_of_problems(row, columns))
        if group_problems:
            problems += group_problems
        elif parse is None:
            rows.append(row)
        else:
            try:
                rows.append(parse(row))
            except RowError as exc:
                problems += [Problem(line, column, message) for column, message in exc.problems]
            except InputError as exc:
                problems.append(Problem(line, None, str(exc)))
    if not seen and not problems:
        problems.append(Problem(None, None, nothing))
    if problems:
        raise TableError(path, problems)
    return Table(path, rows, notes)


# -- bytes to text -----------------------------------------------------------------------


def _fatal(path: Path, message: str) -> TableError:
    return TableError(path, [Problem(None, None, message)])


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        message = "bestand niet gevonden"
    except IsADirectoryError:
        message = "dit is een map, geen bestand"
    except PermissionError:
        message = "geen toestemming om dit bestand te lezen"
    except OSError as exc:
        message = f"kan het bestand niet lezen ({exc.strerror})"
    raise _fatal(path, message)


def _not_text(path: Path, data: bytes, position: int) -> TableError:
    return _fatal(
        path,
        f"geen tekstbestand in UTF-8 of Windows-1252 (byte 0x{data[position]:02x} op positie "
        f"{position})",
    )


def _decode(path: Path, data: bytes) -> tuple[str, tuple[str, ...]]:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Excel's "Unicode text"
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise _not_text(path, data, exc.start) from None
        nul = text.find("\x00")
        if nul >= 0:
            raise _not_text(path, data, 2 + len(text[:nul].encode("utf-16-le")))
        return text, ()
    # Text never holds NUL; binary files (a spreadsheet, a zip) nearly always do.
    nul = data.find(b"\x00")
    if nul >= 0:
        raise _not_text(path, data, nul)
    try:
        return data.decode("utf-8-sig"), ()  # -sig: Excel's "CSV UTF-8" starts with a BOM
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")  # also Latin-1 for all printable text
    except UnicodeDecodeError as exc:  # 0x81, 0x8d, 0x8f, 0x90, 0x9d are not cp1252
        raise _not_text(path, data, exc.start) from None
    return text, (
        f"{path} is geen UTF-8 en is gelezen als Windows-1252 (zoals Excel op Windows opslaat)",
    )


# -- CSV ---------------------------------------------------------------------------------


def _separator(header_line: str, known: tuple[str, ...]) -> str:
    """The separator under which the header names the most known columns (then: most cells)."""

    def score(separator: str) -> tuple[int, int]:
        try:
            cells = next(csv.reader([header_line], delimiter=separator), [])
        except csv.Error:  # the reader proper reports it
            return 0, 0
        return sum(cell.strip() in known for cell in cells), len(cells)

    return max(SEPARATORS, key=score)  # a tie keeps the first: ','


def _header_problems(names: list[str], columns: Columns) -> Iterator[Problem]:
    known = columns.known
    for name in names:
        if name and name not in known:
            hint = did_you_mean(name, known)
            yield Problem(1, name, f"onbekende kolom{hint} (geldig: {', '.join(known)})")
    for name, count in Counter(n for n in names if n).items():
        if count > 1:
            yield Problem(1, name, f"kolom staat {count} keer in de kopregel")
    for name in columns.required:
        if name not in names:
            yield Problem(1, name, "verplichte kolom ontbreekt")
    for group in columns.one_of:
        if not any(name in names for name in group):
            yield Problem(1, None, f"kolom {' of '.join(group)} ontbreekt; een ervan is verplicht")


def _csv_records(
    text: str, columns: Columns, problems: list[Problem]
) -> Iterator[tuple[int, dict[str, str | None] | None]]:
    header_line = io.StringIO(text, newline="").readline().rstrip("\r\n")  # as csv splits lines
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=_separator(header_line, columns.known)
    )
    try:
        names = [cell.strip() for cell in next(reader)]
    except csv.Error as exc:
        problems.append(Problem(1, None, f"geen geldige CSV ({exc})"))
        return
    header = list(_header_problems(names, columns))
    if header:
        problems += header
        return
    end_of_previous = reader.line_num
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # e.g. a quote that is never closed
            problems.append(Problem(end_of_previous + 1, None, f"geen geldige CSV ({exc})"))
            return
        line = end_of_previous + 1  # where the row starts, even if a quoted cell spans lines
        end_of_previous = reader.line_num
        stripped = [cell.strip() for cell in cells]
        if not any(stripped):  # spreadsheets leave rows of only separators
            continue
        # Empty cells past the header (trailing separators) are harmless.
        if len(stripped) < len(names) or any(stripped[len(names) :]):
            # A quote that is never closed swallows the rest of the file into one cell.
            spans = (
                f"; de rij loopt door tot regel {end_of_previous}: staat er een aanhalingsteken "
                '(") dat niet gesloten wordt?'
                if end_of_previous > line
                else ""
            )
            problems.append(
                Problem(
                    line,
                    None,
                    f"{len(cells)} {'cel' if len(cells) == 1 else 'cellen'}, de kopregel heeft er "
                    f"{len(names)}{spans}",
                )
            )
            yield line, None
            continue
        unnamed = [i + 1 for i, name in enumerate(names) if not name and stripped[i]]
        if unnamed:
            problems.append(
                Problem(
                    line, None, f"waarde in kolom {unnamed[0]}, die geen naam heeft in de kopregel"
                )
            )
            yield line, None
            continue
        yield (
            line,
            {
                name: cell or None
                for name, cell in zip(names, stripped[: len(names)], strict=True)
                if name
            },
        )


# -- JSON lines --------------------------------------------------------------------------


class _Duplicated(dict[str, Any]):
    """A JSON object that had keys more than once (json keeps the last value)."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        self.duplicates = [key for key, n in Counter(key for key, _ in pairs).items() if n > 1]


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    return obj if len(obj) == len(pairs) else _Duplicated(pairs)


_DECODER = json.JSONDecoder(object_pairs_hook=_object)
_JSON_TYPE = {
    list: "een lijst",
    dict: "een object",
    _Duplicated: "een object",
    str: "tekst",
    int: "een getal",
    float: "een getal",
    bool: "true of false",
    type(None): "null",
}
_INVALID = object()  # a line that is not JSON (its problem is recorded)
_BETWEEN_ITEMS = re.compile(r"[\s,]*")  # in a valid array only whitespace and commas


def _json_type(value: Any) -> str:
    return _JSON_TYPE[type(value)]


def _load(text: str, line: int, problems: list[Problem]) -> Any:
    """The JSON value in ``text`` (starting on ``line``), or _INVALID with the problem recorded."""
    try:
        return _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        problems.append(Problem(line + exc.lineno - 1, None, f"geen geldige JSON ({exc.msg})"))
    except RecursionError:
        problems.append(Problem(line, None, "geen geldige JSON (te diep genest)"))
    return _INVALID


def _json_lines(text: str, problems: list[Problem]) -> Iterator[tuple[int, Any]]:
    # Split on "\n" only: str.splitlines also splits on U+2028, which JSON strings may hold.
    for line, content in enumerate(text.split("\n"), 1):
        if content.strip():
            yield line, _load(content, line, problems)


def _json_array(text: str, problems: list[Problem]) -> Iterator[tuple[int, Any]]:
    """The items of a file holding one JSON array, with the line each item starts on."""
    if _load(text, 1, problems) is _INVALID:
        return
    # Valid, so walk it again item by item to learn where each starts.
    position = text.index("[") + 1
    line = 1 + text.count("\n", 0, position)
    while True:
        start = _BETWEEN_ITEMS.match(text, position).end()  # type: ignore[union-attr]
        if text[start] == "]":
            return
        line += text.count("\n", position, start)
        item, end = _DECODER.raw_decode(text, start)
        yield line, item
        line += text.count("\n", start, end)
        position = end


def _cell(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    return None if value is None else json.dumps(value)


def _object_problems(obj: Any, columns: Columns) -> Iterable[tuple[str | None, str]]:
    if not isinstance(obj, dict):
        keys = ", ".join(columns.known)
        yield None, f"verwacht een JSON-object met sleutels uit {keys}; dit is {_json_type(obj)}"
        return
    known = columns.known
    for key in obj:
        if key not in known:
            yield key, f"onbekende sleutel{did_you_mean(key, known)} (geldig: {', '.join(known)})"
        elif isinstance(obj[key], list | dict):
            yield key, f"verwacht tekst of een getal; dit is {_json_type(obj[key])}"
    for key in obj.duplicates if isinstance(obj, _Duplicated) else ():
        yield key, "sleutel staat meer dan één keer in het object"
    for key in columns.required:
        if key not in obj:
            yield key, "verplichte sleutel ontbreekt"


def _json_records(
    text: str, suffix: str, columns: Columns, problems: list[Problem]
) -> Iterator[tuple[int, dict[str, str | None] | None]]:
    array = suffix == ".json" and text.lstrip().startswith("[")
    for line, obj in (_json_array if array else _json_lines)(text, problems):
        if obj is _INVALID:
            yield line, None
            continue
        found = [
            Problem(line, column, message) for column, message in _object_problems(obj, columns)
        ]
        if found:
            problems += found
            yield line, None
        else:
            yield line, {key: _cell(value) for key, value in obj.items()}


def _one_of_problems(row: Row, columns: Columns) -> Iterator[Problem]:
    for group in columns.one_of:
        filled = [name for name in group if row.values.get(name) is not None]
        if len(filled) != 1:
            said = "zowel " + " als ".join(filled) if filled else "geen " + " of ".join(group)
            yield Problem(row.line, None, f"{said} ingevuld; vul er precies één in")
