"""Reading user tables (spreidingstoets.tabular) and the two commands that read them:
``check --batch`` (applications) and ``register import`` (register rows)."""

from __future__ import annotations

import codecs
import csv
import io
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from conftest import run_cli
from spreidingstoets import cli
from spreidingstoets.errors import InputError, did_you_mean
from spreidingstoets.register import cli as register_cli
from spreidingstoets.tabular import (
    SEPARATORS,
    Columns,
    Problem,
    Row,
    RowError,
    TableError,
    read_table,
)

APPS = Columns(
    required=("kind", "persons"),
    one_of=(("address", "verblijfsobject_id"),),
    optional=("date", "beds", "valid_until", "reason"),
    what="aanvragen",
)
HEADER = "address,kind,persons,reason"
VBO = "0281010000000004"  # Kwartelstraat 7, Tiel in the bundled sample


def write(path: Path, content: str | bytes, encoding: str = "utf-8") -> Path:
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def values(path: Path, columns: Columns = APPS) -> list[tuple[int, dict[str, str | None]]]:
    return [(row.line, row.values) for row in read_table(path, columns=columns).rows]


def problems(path: Path, columns: Columns = APPS) -> list[Problem]:
    with pytest.raises(TableError) as caught:
        read_table(path, columns=columns)
    return caught.value.problems


# -- encodings ---------------------------------------------------------------------------

TEXT = f"{HEADER}\nKerkstraat 1,kamerverhuur, 4 ,café ë €\n"
EXPECTED = [
    (2, {"address": "Kerkstraat 1", "kind": "kamerverhuur", "persons": "4", "reason": "café ë €"})
]


def test_utf8_with_and_without_bom(tmp_path: Path) -> None:
    for name, encoding in [("plain.csv", "utf-8"), ("bom.csv", "utf-8-sig")]:
        table = read_table(write(tmp_path / name, TEXT, encoding), columns=APPS)
        assert [(r.line, r.values) for r in table.rows] == EXPECTED
        assert table.notes == ()  # UTF-8 is what we expect: nothing to say


def test_cp1252_from_excel_is_read_correctly_with_a_note(tmp_path: Path) -> None:
    path = write(tmp_path / "excel.csv", TEXT.replace("\n", "\r\n"), "cp1252")
    assert b"caf\xe9 \xeb \x80" in path.read_bytes()  # really cp1252, not UTF-8
    table = read_table(path, columns=APPS)
    assert [(r.line, r.values) for r in table.rows] == EXPECTED
    assert table.notes == (
        f"{path} is geen UTF-8 en is gelezen als Windows-1252 (zoals Excel op Windows opslaat)",
    )
    # Latin-1 (no euro sign) is the same bytes for printable text.
    latin = write(tmp_path / "latin.csv", TEXT.replace(" €", ""), "latin-1")
    assert values(latin)[0][1]["reason"] == "café ë"


@pytest.mark.parametrize("bom", [codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE])
def test_utf16_unicode_text_from_excel(tmp_path: Path, bom: bytes) -> None:
    codec = "utf-16-le" if bom == codecs.BOM_UTF16_LE else "utf-16-be"
    tab_separated = TEXT.replace(",", "\t")
    path = write(tmp_path / "unicode.txt", bom + tab_separated.encode(codec))
    assert values(path) == EXPECTED


def test_binary_and_undecodable_files_are_refused(tmp_path: Path) -> None:
    png = write(tmp_path / "photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(TableError) as caught:
        read_table(png, columns=APPS)
    assert str(caught.value) == (
        f"{png}: geen tekstbestand in UTF-8 of Windows-1252 (byte 0x00 op positie 8)"
    )
    # Not UTF-8 (0xe9 starts a sequence) and 0x81 has no meaning in Windows-1252.
    junk = write(tmp_path / "junk.csv", HEADER.encode() + b"\n\xe9\x81,x,1,\n")
    with pytest.raises(TableError, match=r"\(byte 0x81 op positie 29\)$"):
        read_table(junk, columns=APPS)
    odd = write(tmp_path / "odd.csv", codecs.BOM_UTF16_LE + "ab".encode("utf-16-le") + b"c")
    with pytest.raises(TableError, match=r"\(byte 0x63 op positie 6\)$"):
        read_table(odd, columns=APPS)


# -- separators and header ---------------------------------------------------------------


@pytest.mark.parametrize("separator", SEPARATORS)
def test_separator_is_taken_from_the_header(tmp_path: Path, separator: str) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    writer.writerow(HEADER.split(","))
    writer.writerow(["Kerkstraat 1, Tiel", "kamerverhuur", "4", "a;b\tc"])  # other separators
    path = write(tmp_path / "apps.csv", buffer.getvalue())
    assert values(path) == [
        (
            2,
            {
                "address": "Kerkstraat 1, Tiel",
                "kind": "kamerverhuur",
                "persons": "4",
                "reason": "a;b\tc",
            },
        )
    ]


def test_header_problems_are_reported_together(tmp_path: Path) -> None:
    path = write(tmp_path / "h.csv", "adress;kind;address;address;bedden\nx;y;z;z;1\n")
    assert problems(path) == [
        Problem(
            1, "adress", f"onbekende kolom; bedoelt u 'address'? (geldig: {', '.join(APPS.known)})"
        ),
        Problem(
            1, "bedden", f"onbekende kolom; bedoelt u 'beds'? (geldig: {', '.join(APPS.known)})"
        ),
        Problem(1, "address", "kolom staat 2 keer in de kopregel"),
        Problem(1, "persons", "verplichte kolom ontbreekt"),
    ]


def test_missing_columns(tmp_path: Path) -> None:
    path = write(tmp_path / "m.csv", "date,kind\n2026-01-01,kamerverhuur\n")
    assert problems(path) == [
        Problem(1, "persons", "verplichte kolom ontbreekt"),
        Problem(1, None, "kolom address of verblijfsobject_id ontbreekt; een ervan is verplicht"),
    ]


def test_exactly_one_of_address_and_verblijfsobject_id(tmp_path: Path) -> None:
    path = write(
        tmp_path / "one.csv",
        f"address,verblijfsobject_id,kind,persons\nKerkstraat 1,{VBO},kamerverhuur,4\n"
        ",,kamerverhuur,4\nKerkstraat 1,,kamerverhuur,4\n,  ,,\n,{VBO},studenten,2\n",
    )
    assert problems(path) == [
        Problem(2, None, "zowel address als verblijfsobject_id ingevuld; vul er precies één in"),
        Problem(3, None, "geen address of verblijfsobject_id ingevuld; vul er precies één in"),
    ]  # line 5 holds nothing and is skipped, as spreadsheets leave such rows
    path.write_text(
        f"address,verblijfsobject_id,kind,persons\nKerkstraat 1,,kamerverhuur,4\n,{VBO},studenten,2\n"
    )
    assert [v["verblijfsobject_id"] for _, v in values(path)] == [None, VBO]


def test_rows_with_more_or_fewer_cells_than_the_header(tmp_path: Path) -> None:
    path = write(
        tmp_path / "cells.csv",
        f"{HEADER},,\nK 1,kamerverhuur,4,,,\nK 2,kamerverhuur,4,,,extra\nK 3,kamerverhuur\n"
        "K 4,kamerverhuur,4,,x\n",
    )
    # Excel pads the header and rows to the widest row; a value under no name is a mistake.
    assert problems(path) == [
        Problem(3, None, "waarde in kolom 6, die geen naam heeft in de kopregel"),
        Problem(4, None, "2 cellen, de kopregel heeft er 6"),
        Problem(5, None, "5 cellen, de kopregel heeft er 6"),
    ]
    # Without padding in the header, cells past it are only wrong when they hold something.
    path.write_text(f"{HEADER}\nK 1,kamerverhuur,4,,,\nK 2,kamerverhuur,4,,extra\n")
    assert problems(path) == [Problem(3, None, "5 cellen, de kopregel heeft er 4")]


def test_empty_file_and_header_only(tmp_path: Path) -> None:
    for name, content, what in [
        ("empty.csv", "", "(het is leeg)"),
        ("blank.jsonl", "\n  \n", "(het is leeg)"),
        ("header.csv", f"{HEADER}\r\n", "(alleen een kopregel)"),
        ("padded.csv", f"{HEADER}\n,,,\n , ,,\n", "(alleen een kopregel)"),
        ("list.json", "[ ]", ""),
    ]:
        path = write(tmp_path / name, content)
        with pytest.raises(TableError) as caught:
            read_table(path, columns=APPS)
        assert str(caught.value) == f"{path}: geen aanvragen in het bestand {what}".rstrip()


def test_paths_that_are_not_readable_files(tmp_path: Path) -> None:
    with pytest.raises(TableError, match=r"nope\.csv: bestand niet gevonden$"):
        read_table(tmp_path / "nope.csv", columns=APPS)
    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(TableError, match=r"folder\.csv: dit is een map, geen bestand$"):
        read_table(tmp_path / "folder.csv", columns=APPS)
    with pytest.raises(TableError, match=r"'\.xlsx'; gebruik CSV .*sla een spreadsheet op als CSV"):
        read_table(write(tmp_path / "apps.xlsx", "PK"), columns=APPS)


def test_every_problem_is_reported_at_once_and_the_message_is_capped(tmp_path: Path) -> None:
    lines = [HEADER] + [f",kamerverhuur,{n},x" for n in range(25)]  # no address on any line
    path = write(tmp_path / "many.csv", "\n".join(lines))
    with pytest.raises(TableError) as caught:
        read_table(path, columns=APPS)
    assert [p.line for p in caught.value.problems] == list(range(2, 27))
    message = str(caught.value).splitlines()
    assert message[0] == f"{path}: 25 fouten, niets ingelezen:"
    assert (
        message[1]
        == "  regel 2: geen address of verblijfsobject_id ingevuld; vul er precies één in"
    )
    assert len(message) == 1 + 20 + 1 and message[-1] == "  ... en nog 5"


def test_parse_problems_are_reported_with_the_file_problems(tmp_path: Path) -> None:
    path = write(
        tmp_path / "apps.csv",
        f"{HEADER}\nK 1,kamerverhuur,vier,\nK 2,x,4,\nK 3,kamerverhuur,4,,boo\nK 4,kamerverhuur,4,\n",
    )

    def parse(row: Row) -> str:
        if row.values["persons"] == "vier":
            raise RowError([("persons", "geen getal"), (None, "en ook fout")])
        if row.values["kind"] == "x":
            raise InputError("onbekende soort")
        return str(row.values["address"])

    with pytest.raises(TableError) as caught:
        read_table(path, columns=APPS, parse=parse)
    assert caught.value.problems == [
        Problem(2, "persons", "geen getal"),
        Problem(2, None, "en ook fout"),
        Problem(3, None, "onbekende soort"),
        Problem(4, None, "5 cellen, de kopregel heeft er 4"),
    ]
    path.write_text(f"{HEADER}\nK 1,kamerverhuur,4,\n\nK 4,kamerverhuur,4,\n")
    assert read_table(path, columns=APPS, parse=parse).rows == ["K 1", "K 4"]


def test_did_you_mean() -> None:
    assert did_you_mean(" Adress", ["address", "kind"]) == "; bedoelt u 'address'?"
    assert did_you_mean("xyz", ["address", "kind"]) == ""


# -- JSON lines --------------------------------------------------------------------------


def test_json_lines_good(tmp_path: Path) -> None:
    path = write(
        tmp_path / "apps.jsonl",
        '{"address": " Kerkstraat 1 ", "kind": "kamerverhuur", "persons": 4, "beds": null}\n'
        "\n"
        '{"verblijfsobject_id": "'
        + VBO
        + '", "kind": "studenten", "persons": 2, "reason": ""}\r\n',
    )
    assert values(path) == [
        (1, {"address": "Kerkstraat 1", "kind": "kamerverhuur", "persons": "4", "beds": None}),
        (3, {"verblijfsobject_id": VBO, "kind": "studenten", "persons": "2", "reason": None}),
    ]
    # A .json file may hold one array of objects; each row keeps the line it starts on.
    array = write(
        tmp_path / "apps.json",
        '\n[\n  {"address": "Kerkstraat 1", "kind": "kamerverhuur", "persons": 4},\n'
        '  {\n    "address": "Kerkstraat 2",\n    "kind": "studenten",\n    "persons": 2\n  }\n]\n',
    )
    assert [(line, v["address"]) for line, v in values(array)] == [
        (3, "Kerkstraat 1"),
        (4, "Kerkstraat 2"),
    ]


def test_json_lines_bad(tmp_path: Path) -> None:
    path = write(
        tmp_path / "bad.ndjson",
        '{"address": "K 1", "kind": "kamerverhuur", "persons": 4}\n'
        "[1, 2]\n"
        '{"address": "K 2", "kind": "kamerverhuur", persons: 4}\n'
        '{"adres": "K 3", "kind": "a", "kind": "b", "persons": [4]}\n'
        '{"address": "K 4", "verblijfsobject_id": "' + VBO + '", "kind": "a", "persons": 1}\n',
    )
    known = ", ".join(APPS.known)
    assert problems(path) == [
        Problem(2, None, f"verwacht een JSON-object met sleutels uit {known}; dit is een lijst"),
        Problem(3, None, "geen geldige JSON (Expecting property name enclosed in double quotes)"),
        Problem(4, "adres", f"onbekende sleutel; bedoelt u 'address'? (geldig: {known})"),
        Problem(4, "persons", "verwacht tekst of een getal; dit is een lijst"),
        Problem(4, "kind", "sleutel staat meer dan één keer in het object"),
        Problem(5, None, "zowel address als verblijfsobject_id ingevuld; vul er precies één in"),
    ]
    missing = write(tmp_path / "missing.jsonl", '{"address": "K 1", "kind": "kamerverhuur"}\n')
    assert problems(missing) == [Problem(1, "persons", "verplichte sleutel ontbreekt")]
    broken_array = write(
        tmp_path / "broken.json", '[\n  {"address": "K 1"},\n  {"address" "K 2"}\n]'
    )
    assert problems(broken_array) == [
        Problem(3, None, "geen geldige JSON (Expecting ':' delimiter)")
    ]
    deep = write(tmp_path / "deep.jsonl", "[" * 100_000 + "]" * 100_000)
    assert problems(deep) == [Problem(1, None, "geen geldige JSON (te diep genest)")]


# -- invariants --------------------------------------------------------------------------

THREE = Columns(required=("a", "b", "c"))
# Cell text: anything but control characters (the CSV line breaks are tested through "\n").
CHARS = {
    "unicode": st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp")),
    "cp1252": st.characters(codec="cp1252", exclude_categories=("Cc", "Cs")),
}
ENCODINGS = {
    "utf-8": ("unicode", lambda text: text.encode("utf-8")),
    "utf-8-sig": ("unicode", lambda text: text.encode("utf-8-sig")),
    "utf-16-le": ("unicode", lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le")),
    "utf-16-be": ("unicode", lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be")),
    "cp1252": ("cp1252", lambda text: text.encode("cp1252")),
}


def is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@settings(max_examples=150, deadline=None)
@given(
    data=st.data(), separator=st.sampled_from(SEPARATORS), encoding=st.sampled_from(list(ENCODINGS))
)
def test_what_a_spreadsheet_writes_reads_back(
    data: st.DataObject, separator: str, encoding: str
) -> None:
    alphabet, encode = ENCODINGS[encoding]
    cell = st.text(CHARS[alphabet] | st.sampled_from(' \n,;\t"'), max_size=8)
    rows = data.draw(st.lists(st.tuples(cell, cell, cell), min_size=1, max_size=6))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    writer.writerow(["a", "b", "c"])
    expected = []
    for row in rows:
        line = buffer.getvalue().count("\n") + 1
        writer.writerow(row)
        cells = {name: value.strip() or None for name, value in zip("abc", row, strict=True)}
        if any(cells.values()):
            expected.append((line, cells))
    raw = encode(buffer.getvalue())
    # cp1252 bytes that happen to be valid UTF-8 ("Ã©") are UTF-8 by the rules: skip those.
    if encoding == "cp1252" and not raw.isascii() and is_utf8(raw):
        return
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder) / "t.csv", raw)
        if not expected:
            assert problems(path, THREE) == [
                Problem(None, None, "geen rijen in het bestand (alleen een kopregel)")
            ]
            return
        table = read_table(path, columns=THREE)
    assert [(r.line, r.values) for r in table.rows] == expected
    assert bool(table.notes) == (encoding == "cp1252" and not raw.isascii())


@settings(max_examples=300, deadline=None)
@given(
    content=st.one_of(
        st.binary(max_size=64),
        st.binary(max_size=64).map(lambda b: HEADER.encode() + b"\n" + b),
        st.text(max_size=64).map(lambda t: (HEADER + "\n" + t).encode("utf-8")),
        st.text(max_size=64).map(lambda t: t.encode("utf-8")),
    ),
    suffix=st.sampled_from([".csv", ".jsonl", ".json"]),
)
def test_any_file_is_read_or_refused_with_a_table_error(content: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder) / f"t{suffix}", content)
        try:
            table = read_table(path, columns=APPS)
        except TableError as exc:
            assert exc.problems and str(exc).startswith(str(path))
        else:
            assert table.rows and all(isinstance(r, Row) for r in table.rows)


# -- the commands ------------------------------------------------------------------------

BATCH = (
    "Kwartelstraat 7 Tiel,arbeidsmigranten,4,2026-11-15,één € café\n"
    "Kwartelstraat 19 Tiel,kamerverhuur,3,2026-11-15,\n"
)
BATCH_HEADER = "address,kind,persons,date,reason\n"


def verdicts(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines()]


def spreidingstoets(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """Run the command line's entry point in this process: (exit code, stdout, stderr).

    Faster than a subprocess, and as strict: an error that ``main`` does not turn into a
    message would propagate and fail the test.
    """
    monkeypatch.setattr(sys, "argv", ["spreidingstoets", *args])
    with pytest.raises(SystemExit) as caught:
        cli.main()
    captured = capsys.readouterr()
    return int(caught.value.code or 0), captured.out, captured.err


def test_check_batch_reads_cp1252(tmp_path: Path) -> None:
    # A subprocess, as the reviewer ran it: this file used to end in a UnicodeDecodeError.
    path = write(tmp_path / "excel.csv", (BATCH_HEADER + BATCH).replace("\n", "\r\n"), "cp1252")
    result = run_cli("check", "--batch", str(path), "--rules", "tiel")
    assert result.returncode == 1, result.stderr  # one refused, one review
    lines = verdicts(result.stdout)
    assert [v["outcome"] for v in lines] == ["refused", "review"]
    assert lines[0]["application"]["exception_reason"] == "één € café"
    assert "is gelezen als Windows-1252" in result.stderr and "Traceback" not in result.stderr


def test_check_batch_reads_semicolons(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path / "nl.csv",
        (BATCH_HEADER + BATCH).replace(",", ";").replace("7 Tiel", "7, Tiel"),
    )
    code, out, _ = spreidingstoets(
        monkeypatch, capsys, "check", "--batch", str(path), "--rules", "tiel"
    )
    assert code == 1
    assert [v["application"]["address"] for v in verdicts(out)] == [
        "Kwartelstraat 7, Tiel",
        "Kwartelstraat 19, Tiel",
    ]


def test_check_batch_broken_files_exit_2_and_write_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "verdicts.jsonl"
    cases: dict[str, tuple[str | bytes, list[str]]] = {
        "rows.csv": (
            "address,verblijfsobject_id,kind,persons\n"
            f"Kwartelstraat 7 Tiel,{VBO},arbeidsmigranten,4\n"
            "Kwartelstraat 19 Tiel,,kamerverhuur,3,5\n"
            "Kwartelstraat 19 Tiel,,kamerverhuu,3\n",
            [
                "rows.csv: 3 fouten, niets ingelezen:",
                "  regel 2: zowel address als verblijfsobject_id ingevuld; vul er precies één in",
                "  regel 3: 5 cellen, de kopregel heeft er 4",
                "  regel 4: soort gebruik 'kamerverhuu' bestaat niet; bedoelt u 'kamerverhuur'?",
            ],
        ),
        "dup.csv": (
            "address,kind,persons,address\nKwartelstraat 7 Tiel,arbeidsmigranten,4,x\n",
            ["dup.csv, regel 1, kolom address: kolom staat 2 keer in de kopregel"],
        ),
        "empty.csv": ("", ["empty.csv: geen aanvragen in het bestand (het is leeg)"]),
        "junk.csv": (b"\xd0\xcf\x11\xe0\x00\x00", ["junk.csv: geen tekstbestand in UTF-8"]),
    }
    for name, (content, expected) in cases.items():
        path = write(tmp_path / name, content)
        code, stdout, stderr = spreidingstoets(
            monkeypatch, capsys, "check", "--batch", str(path), "--rules", "tiel", "--out", str(out)
        )
        assert code == 2, (name, stderr)
        stderr = stderr.replace(str(tmp_path) + "/", "")
        assert stderr.startswith("fout: "), stderr
        for text in expected:
            assert text in stderr, (name, stderr)
        assert stdout == "" and not out.exists()


REGISTER_HEADER = "verblijfsobject_id,kind,persons,status,valid_from,valid_until,reference\n"
REGISTER_ROWS = f"{VBO},kamerverhuur,4,granted,2024-01-01,,Zaak € één\n"


def test_register_import_reads_cp1252_and_semicolons(tmp_path: Path) -> None:
    runner = CliRunner()
    db = str(tmp_path / "r.db")
    cp1252 = write(tmp_path / "excel.csv", REGISTER_HEADER + REGISTER_ROWS, "cp1252")
    semi = write(tmp_path / "nl.csv", (REGISTER_HEADER + REGISTER_ROWS).replace(",", ";"))
    for path in (cp1252, semi):
        r = runner.invoke(register_cli.app, ["import", str(path), "--register", db, "--replace"])
        assert r.exit_code == 0, r.output
        assert ("is gelezen als Windows-1252" in r.stderr) == (path == cp1252)
        r = runner.invoke(register_cli.app, ["list", "--register", db, "--json"])
        (entry,) = json.loads(r.stdout)
        assert (entry["verblijfsobject_id"], entry["reference"]) == (VBO, "Zaak € één")


def test_register_import_broken_file_exit_2_imports_nothing(tmp_path: Path) -> None:
    runner = CliRunner()
    db = str(tmp_path / "r.db")
    path = write(
        tmp_path / "bad.csv",
        REGISTER_HEADER
        + REGISTER_ROWS
        + f"{VBO},kamerverhuur,4,granted\n{VBO},kamerverhuu,4,granted,,,Z\n",
    )
    r = runner.invoke(register_cli.app, ["import", str(path), "--register", db])
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert f"{path}: 2 fouten, niets ingelezen:" in r.stderr
    assert "regel 3: 4 cellen, de kopregel heeft er 7" in r.stderr
    assert (
        "regel 4, kolom kind: kind 'kamerverhuu' bestaat niet; bedoelt u 'kamerverhuur'?"
        in r.stderr
    )
    r = runner.invoke(register_cli.app, ["list", "--register", db, "--json"])
    assert json.loads(r.stdout) == []
