"""Bad input on every command: one Dutch line naming the fault, the right exit code, nothing written.

Each case is (name, argv, files to set up, exit code, a phrase of the message). It runs through the
real entry point ``spreidingstoets.cli:main`` in this process (a few also as a subprocess, see
``test_the_installed_entry_point``), inside a fresh temporary working folder, and must:

- end without a traceback or an uncaught exception (the test would fail with it);
- exit with the expected code (2 bad input, 3 configuration);
- print the phrase on stderr, in Dutch (no English words outside quotes and brackets; a message
  still in English from a module another engineer is changing is marked ``english=``);
- write nothing: the working folder and the register (revision, rows, audit) are as before.

Read-only places are made read-only for real: ``chmod`` for a normal user, and as root (who
ignores file modes) ``chattr +i``; a case skips with its reason where neither is possible.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO
from spreidingstoets.cli import main

SAMPLE = REPO / "data" / "bag_sample"
TIEL_ZIP = SAMPLE / "0281-tiel" / "BAGGEM0281L-01112026.zip"
TIEL_REGISTER = SAMPLE / "0281-tiel" / "register.csv"
AREAS = SAMPLE / "0358-aalsmeer" / "layers" / "gebieden.geojson"
TIEL_RULES = REPO / "rules" / "tiel.yaml"
VBO = "0281010000000002"  # a dwelling in the Tiel sample
REGISTER_HEADER = "verblijfsobject_id,kind,persons,status,valid_from,valid_until,reference\n"
BATCH_HEADER = "verblijfsobject_id,kind,persons\n"
JUNK = bytes(range(0x80, 0x100)) * 4  # invalid UTF-8 (and no text at all)
BRACKETS = "^[a-z0-9][a-z0-9_-]*$"  # the id pattern, which rich would read as markup
TRANSIENT = ("-wal", "-shm", "-journal")  # SQLite's own side files come and go on reads


# -- the working folder of a case --------------------------------------------------------


@dataclass
class Env:
    """The temporary working folder of one case and the shared sample pieces it copies."""

    tmp: Path
    template: Path  # a register holding the Tiel sample register
    dataset: Path  # the compiled sample dataset
    undo: list[Callable[[], None]] = field(default_factory=list)

    @property
    def names(self) -> dict[str, str]:
        return {
            "tmp": str(self.tmp),
            "reg": str(self.tmp / "reg.db"),
            "zip": str(TIEL_ZIP),
            "areas": str(AREAS),
            "data": str(self.dataset),
            "register_csv": str(TIEL_REGISTER),
            "vbo": VBO,
        }

    def write(self, name: str, content: str | bytes) -> Path:
        return self.put(self.tmp / name, content)

    @staticmethod
    def put(path: Path, content: str | bytes) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        return path

    def register(self, name: str = "reg.db") -> Path:
        return Path(shutil.copy(self.template, self.tmp / name))

    def dataset_copy(self, name: str = "ds") -> Path:
        return Path(shutil.copytree(self.dataset, self.tmp / name))

    def read_only(self, path: Path) -> Path:
        """Make ``path`` (a file or folder) refuse writes, also for root; skip if impossible."""
        mode = path.stat().st_mode
        path.chmod(0o555 if path.is_dir() else 0o444)
        self.undo.append(lambda: path.chmod(mode))
        if os.geteuid() == 0:  # root ignores modes: only the immutable attribute stops root
            done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
            if done.returncode != 0:
                pytest.skip(f"as root a read-only {path.name} needs chattr +i, which failed here")
            self.undo.append(lambda: subprocess.run(["chattr", "-i", str(path)], check=False))
        probe = path / ".probe" if path.is_dir() else path
        try:
            with open(probe, "a"):
                pass
        except OSError:
            return path
        pytest.skip(f"{path} could not be made read-only here")


Setup = Callable[[Env], object]


def files(content: dict[str, str | bytes]) -> Setup:
    return lambda env: [env.write(name, text) for name, text in content.items()]


def register(env: Env) -> Path:
    return env.register()


def all_of(*steps: Setup) -> Setup:
    return lambda env: [step(env) for step in steps]


def read_only_folder(name: str = "ro") -> Setup:
    def make(env: Env) -> None:
        (env.tmp / name).mkdir()
        env.read_only(env.tmp / name)

    return make


def read_only_register(env: Env) -> None:
    env.read_only(env.register())


def damaged_dataset(damage: Callable[[Path], object]) -> Setup:
    return lambda env: damage(env.dataset_copy())


def damaged(name: str, content: str | bytes = JUNK) -> Setup:
    """A copy of the sample dataset at ``ds`` whose file ``name`` holds ``content``."""
    return damaged_dataset(lambda ds: Env.put(ds / name, content))


def tiel_rules_with(old: str, new: str, name: str = "rules.yaml") -> Setup:
    text = TIEL_RULES.read_text(encoding="utf-8")
    assert old in text
    return files({name: text.replace(old, new, 1)})


def a_sample_copy(read_only: bool) -> Setup:
    def make(env: Env) -> None:
        shutil.copytree(SAMPLE, env.tmp / "s")
        if read_only:
            if os.geteuid() != 0:
                # Without root no file attribute keeps a folder from being renamed over.
                pytest.skip("an unreplaceable folder needs chattr +i, which only root may set")
            env.read_only(env.tmp / "s")

    return make


# -- the cases ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    argv: tuple[str, ...]
    code: int
    phrase: str
    setup: Setup | None = None
    # The message is still English at its source, a module other engineers are changing;
    # the value names it (the report lists these as findings).
    english: str | None = None
    # The case still fails for a reason in such a module (the report describes the fix); strict,
    # so the marker must go once it is fixed.
    xfail: str | None = None

    @property
    def command(self) -> str:
        words = list(self.argv[:2])
        if words[0] == "check" and "--batch" in self.argv:
            return "check --batch"
        return " ".join(words if words[0] in ("dataset", "rules", "register") else words[:1])


def case(
    name: str,
    argv: list[str],
    code: int,
    phrase: str,
    setup: Setup | None = None,
    **kwargs: Any,
) -> Case:
    return Case(name, tuple(argv), code, phrase, setup, **kwargs)


DB_PY = "register/db.py"
CLICK = "typer/click usage errors"
IMPORT = ["import", "{zip}", "--out", "{tmp}/out"]
CHECK = ["check", "{vbo}", "--persons", "2"]  # a later --persons overrides this one
BATCH = ["check", "--rules", "tiel", "--batch"]
DECIDE = [
    "decide",
    "{vbo}",
    "--register",
    "{reg}",
    "--besluit",
    "geweigerd",
    "--kenmerk",
    "K-1",
    "--persons",
    "2",
]
DECIDE_OK = [*DECIDE, "--date", "2026-03-01"]
REG_IMPORT = ["register", "import", "{tmp}/r.csv", "--register", "{reg}"]
EXPORT = ["register", "export", "--register", "{reg}", "--out"]
AUDIT = ["register", "audit", "--register", "{reg}"]
LIST = ["register", "list", "--register", "{reg}"]


def reg_csv(*rows: str) -> Setup:
    return all_of(register, files({"r.csv": REGISTER_HEADER + "".join(r + "\n" for r in rows)}))


def batch(content: str | bytes, name: str = "b.csv") -> Setup:
    return files({name: content})


GOOD_ROW = f"{VBO},kamerverhuur,2"
# A GeoJSON area layer without a designation: its only property is "kleur".
NO_DESIGNATION = json.dumps(
    {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}},
        "features": [
            {
                "type": "Feature",
                "properties": {"kleur": "rood"},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [[150000, 430000], [150010, 430000], [150010, 430010], [150000, 430000]]
                    ],
                },
            }
        ],
    }
)
ROW_JSON = {"verblijfsobject_id": VBO, "kind": "kamerverhuur"}
REG_ROW = f"{VBO},kamerverhuur,{{persons}},granted,2024-01-01,,K-1"

# One case a line, as a table (the formatter would spread each over many lines).
# fmt: off
IMPORT_CASES = [
    case("missing source", ["import", "{tmp}/nope.zip", "--out", "{tmp}/out"], 2, "bestand of map niet gevonden"),
    case("second source missing", ["import", "{zip}", "{tmp}/nope.zip", "--out", "{tmp}/out"], 2, "nope.zip: bestand of map niet gevonden"),
    case("empty folder", ["import", "{tmp}/leeg", "--out", "{tmp}/out"], 2, "de map is leeg", lambda env: (env.tmp / "leeg").mkdir()),
    case("folder without BAG", ["import", "{tmp}/map", "--out", "{tmp}/out"], 2, "geen LVBAG-objectbestanden gevonden", files({"map/lees.txt": "geen BAG"})),
    case("text file renamed .zip", ["import", "{tmp}/bag.zip", "--out", "{tmp}/out"], 2, "geen leesbaar zipbestand", files({"bag.zip": "dit is tekst"})),
    case("csv as source", ["import", "{tmp}/bag.csv", "--out", "{tmp}/out"], 2, "bestandstype '.csv' wordt niet gelezen", files({"bag.csv": "a,b\n"})),
    case("source without extension", ["import", "{tmp}/bag", "--out", "{tmp}/out"], 2, "bestandstype '(geen extensie)'", files({"bag": "x"})),
    case("junk xml", ["import", "{tmp}/0281VBO01112026-000001.xml", "--out", "{tmp}/out"], 2, "geen LVBAG-objectbestand", files({"0281VBO01112026-000001.xml": JUNK})),
    case("junk geopackage", ["import", "{tmp}/bag.gpkg", "--out", "{tmp}/out"], 2, "geen leesbare GeoPackage", files({"bag.gpkg": JUNK})),
    case("geopackage with --date", ["import", "{tmp}/bag.gpkg", "--out", "{tmp}/out", "--date", "2026-01-01"], 2, "--date geldt voor LVBAG-extracten", files({"bag.gpkg": JUNK})),
    case("tolerance nan", [*IMPORT, "--tolerance", "nan"], 2, "--tolerance 'nan': geef een afstand in meter van 0 tot en met 10"),
    case("tolerance inf", [*IMPORT, "--tolerance", "inf"], 2, "--tolerance 'inf'"),
    case("tolerance -inf", [*IMPORT, "--tolerance", "-inf"], 2, "--tolerance '-inf'"),
    case("tolerance negative", [*IMPORT, "--tolerance", "-1"], 2, "van 0 tot en met 10"),
    case("tolerance 1e9", [*IMPORT, "--tolerance", "1e9"], 2, "--tolerance '1e9'"),
    case("tolerance just above 10", [*IMPORT, "--tolerance", "10.01"], 2, "--tolerance '10.01'"),
    case("tolerance text", [*IMPORT, "--tolerance", "half"], 2, "--tolerance 'half'"),
    case("tolerance empty", [*IMPORT, "--tolerance", ""], 2, "--tolerance ''"),
    case("date impossible", [*IMPORT, "--date", "2026-02-30"], 2, "'2026-02-30' is geen datum; gebruik JJJJ-MM-DD"),
    case("date a word", [*IMPORT, "--date", "morgen"], 2, "'morgen' is geen datum"),
    case("layer without =", [*IMPORT, "--layer", "gebieden"], 2, "--layer 'gebieden': gebruik NAAM=BESTAND"),
    case("layer without name", [*IMPORT, "--layer", "={areas}"], 2, "gebruik NAAM=BESTAND"),
    case("layer without file", [*IMPORT, "--layer", "gebieden="], 2, "gebruik NAAM=BESTAND"),
    case("layer twice", [*IMPORT, "--layer", "gebieden={areas}", "--layer", "gebieden={areas}"], 2, "--layer 'gebieden' staat er twee keer in"),
    case("layer name not a file name", [*IMPORT, "--layer", "../Gebied={areas}"], 2, "--layer '../Gebied': gebruik kleine letters"),
    case("layer file missing", [*IMPORT, "--layer", "gebieden={tmp}/nope.geojson"], 2, "nope.geojson: bestand niet gevonden"),
    case("layer file junk", [*IMPORT, "--layer", "gebieden={tmp}/g.geojson"], 2, "g.geojson: geen bestemmings- of gebiedsbestand", files({"g.geojson": JUNK})),
    case("layer file of unknown type", [*IMPORT, "--layer", "gebieden={tmp}/g.yaml"], 2, "geen bestemmings- of gebiedsbestand", files({"g.yaml": "a: 1"})),
    case("layer without designation column", [*IMPORT, "--layer", "gebieden={tmp}/g.geojson"], 2, "geen kolom met de bestemming", files({"g.geojson": NO_DESIGNATION})),
    case("out is a file", ["import", "{zip}", "--out", "{tmp}/f"], 2, "--out {tmp}/f: dit is een bestand; geef een map", files({"f": "x"})),
    case("out has no parent", ["import", "{zip}", "--out", "{tmp}/nope/out"], 2, "de map {tmp}/nope bestaat niet"),
    case("out in read-only folder", ["import", "{zip}", "--out", "{tmp}/ro/out"], 2, "geen schrijfrechten in de map {tmp}/ro", read_only_folder()),
    case("out exists, no --force", ["import", "{zip}", "--out", "{tmp}/ds"], 2, "bestaat al; geef --force", lambda env: env.dataset_copy()),
    case("out is not a dataset", ["import", "{zip}", "--out", "{tmp}/map", "--force"], 2, "geen spreidingstoets-dataset", files({"map/a.txt": "x"})),
    case("no --out", ["import", "{zip}"], 2, "--out", english=CLICK),
]

DATASET_CASES = [
    case("missing folder", ["dataset", "info", "{tmp}/nope"], 2, "geen gecompileerde dataset (de map bestaat niet)"),
    case("a file", ["dataset", "info", "{tmp}/f"], 2, "geen gecompileerde dataset (dit is een bestand, geen map)", files({"f": "x"})),
    case("folder without manifest", ["dataset", "info", "{tmp}/map"], 2, "geen gecompileerde dataset (geen manifest.json)", files({"map/a.txt": "x"})),
    case("damaged manifest", ["dataset", "info", "{tmp}/ds"], 2, "manifest.json: beschadigd", damaged("manifest.json", '{"sha256": ')),
    case("manifest not UTF-8", ["dataset", "info", "{tmp}/ds"], 2, "manifest.json: beschadigd", damaged("manifest.json")),
    case("manifest a list", ["dataset", "info", "{tmp}/ds"], 2, "geen manifest van spreidingstoets", damaged("manifest.json", "[]")),
    case("manifest of another format", ["dataset", "info", "{tmp}/ds"], 2, "datasetformaat 0", damaged("manifest.json", '{"sha256": "x", "format_version": 0}')),
    case("damaged units.parquet", ["dataset", "info", "{tmp}/ds"], 2, "dataset beschadigd of onvolledig", damaged("units.parquet")),
    case("truncated addresses.parquet", ["dataset", "info", "{tmp}/ds"], 2, "dataset beschadigd of onvolledig", damaged_dataset(lambda ds: (ds / "addresses.parquet").write_bytes((ds / "addresses.parquet").read_bytes()[:100]))),
    case("missing footprints.parquet", ["dataset", "info", "{tmp}/ds"], 2, "dataset onvolledig, ontbreekt: footprints.parquet", damaged_dataset(lambda ds: (ds / "footprints.parquet").unlink())),
    case("damaged layer", ["dataset", "info", "{tmp}/ds"], 2, "dataset beschadigd of onvolledig", damaged("layers/gebieden.parquet")),
    case("no path", ["dataset", "info"], 2, "'path'", english=CLICK),
]

ADDRESS_CASES = [
    case("empty", ["address", ""], 2, "leeg adres; geef postcode en huisnummer"),
    case("blank", ["address", "   "], 2, "leeg adres"),
    case("17-digit id", ["address", "02810100000000021"], 2, "02810100000000021"),
    case("unknown street", ["address", "Kerkstraat 12 Tiel"], 2, "geen straat 'kerkstraat' gevonden; bedoelde u"),
    case("postcode without number", ["address", "4001AB"], 2, "4001AB"),
    case("unknown id", ["address", "0281010000999999"], 2, "0281010000999999"),
    case("data missing", ["address", "{vbo}", "--data", "{tmp}/nope"], 2, "geen gecompileerde dataset"),
    case("data damaged", ["address", "{vbo}", "--data", "{tmp}/ds"], 2, "dataset beschadigd", damaged("units.parquet")),
]

CHECK_CASES = [
    case("persons missing", ["check", "{vbo}"], 2, "geef het aantal personen met --persons"),
    case("persons 0", [*CHECK, "--persons", "0"], 2, "aantal personen moet minstens 1 zijn, niet 0"),
    case("persons -1", [*CHECK, "--persons", "-1"], 2, "aantal personen moet minstens 1 zijn, niet -1"),
    case("persons a word", [*CHECK, "--persons", "vier"], 2, "aantal personen moet een geheel getal zijn, niet 'vier'"),
    case("persons a fraction", [*CHECK, "--persons", "4.5"], 2, "aantal personen moet een geheel getal zijn, niet '4.5'"),
    case("persons empty", [*CHECK, "--persons", ""], 2, "aantal personen ontbreekt"),
    case("persons blank", [*CHECK, "--persons", "  "], 2, "aantal personen ontbreekt"),
    case("persons huge", [*CHECK, "--persons", "99999999999999999999"], 2, "aantal personen mag hoogstens 10000 zijn"),
    case("persons exponent", [*CHECK, "--persons", "1e3"], 2, "geheel getal"),
    case("beds negative", [*CHECK, "--beds", "-1"], 2, "aantal bedden moet minstens 0 zijn"),
    case("beds a word", [*CHECK, "--beds", "twee"], 2, "aantal bedden moet een geheel getal zijn"),
    case("beds huge", [*CHECK, "--beds", "99999999999999999999"], 2, "aantal bedden mag hoogstens 100000 zijn"),
    case("date impossible", [*CHECK, "--date", "2026-02-30"], 2, "--date: '2026-02-30' is geen datum"),
    case("date a word", [*CHECK, "--date", "morgen"], 2, "--date: 'morgen' is geen datum; gebruik JJJJ-MM-DD"),
    case("date Dutch order", [*CHECK, "--date", "01-03-2026"], 2, "'01-03-2026' is geen datum"),
    case("date empty", [*CHECK, "--date", ""], 2, "--date: '' is geen datum"),
    case("date before every ruleset version", [*CHECK, "--date", "1900-01-01"], 2, "heeft geen versie die geldt op 1900-01-01"),
    case("valid-until impossible", [*CHECK, "--valid-until", "2026-13-01"], 2, "einddatum: '2026-13-01' is geen datum"),
    case("valid-until before date", [*CHECK, "--date", "2026-03-01", "--valid-until", "2026-01-01"], 2, "einddatum 2026-01-01 ligt voor de ingangsdatum 2026-03-01"),
    case("kind typo", [*CHECK, "--kind", "arbeidsmigrant"], 2, "soort gebruik 'arbeidsmigrant' bestaat niet; bedoelt u 'arbeidsmigranten'?"),
    case("kind unknown", [*CHECK, "--kind", "hotel"], 2, "(geldig: kamerverhuur, arbeidsmigranten, studenten, omzetting)"),
    case("kind empty", [*CHECK, "--kind", ""], 2, "soort gebruik '' bestaat niet"),
    case("no address", ["check"], 2, "geef een adres, of --batch BESTAND"),
    case("empty address", ["check", "", "--persons", "2"], 2, "geef een adres of een verblijfsobject_id"),
    case("address and batch", [*CHECK, "--batch", "{tmp}/b.csv"], 2, "geef een adres of --batch, niet allebei", batch(BATCH_HEADER + GOOD_ROW)),
    case("unknown address", ["check", "Kerkstraat 12 Tiel", "--persons", "2"], 2, "geen straat 'kerkstraat' gevonden"),
    case("--out without --batch", [*CHECK, "--out", "{tmp}/o.jsonl"], 2, "--out hoort bij --batch"),
    case("as JSON, bad persons", [*CHECK, "--persons", "vier", "--json"], 2, "aantal personen"),
    case("ruleset typo", [*CHECK, "--rules", "tiell"], 2, "onbekende regelset 'tiell'; bedoelt u 'tiel'?"),
    case("ruleset unknown", [*CHECK, "--rules", "zwolle"], 2, "(beschikbaar: aalsmeer, amsterdam, denhaag"),
    case("ruleset path missing", [*CHECK, "--rules", "{tmp}/nope.yaml"], 2, "nope.yaml: bestand niet gevonden"),
    case("ruleset path a folder", [*CHECK, "--rules", "{tmp}/map"], 2, "map: is een map, geen YAML-bestand", lambda env: (env.tmp / "map").mkdir()),
    case("ruleset empty", [*CHECK, "--rules", "{tmp}/leeg.yaml"], 2, "(het bestand is leeg)", files({"leeg.yaml": ""})),
    case("ruleset junk bytes", [*CHECK, "--rules", "{tmp}/junk.yaml"], 2, "geen UTF-8-tekst (byte 0x80 op positie 0)", files({"junk.yaml": JUNK})),
    case("ruleset YAML syntax", [*CHECK, "--rules", "{tmp}/kapot.yaml"], 2, "geen geldige YAML op regel 1", files({"kapot.yaml": "id: [tiel"})),
    case("ruleset a list", [*CHECK, "--rules", "{tmp}/lijst.yaml"], 2, "verwacht een mapping met id, name, gemeentecode, versions", files({"lijst.yaml": "- tiel\n"})),
    case("ruleset duplicate key", [*CHECK, "--rules", "{tmp}/rules.yaml"], 2, "sleutel 'name' staat er twee keer in", tiel_rules_with("name: ", "name: x\nname: ")),
    case("set not a number", [*CHECK, "--set", "tiel.straat.max_share=abc"], 2, "--set 'tiel.straat.max_share=abc'"),
    case("set not a number says why", [*CHECK, "--set", "tiel.straat.max_share=abc"], 2, "params.max_share: moet een getal zijn"),
    case("set empty value", [*CHECK, "--set", "tiel.straat.max_share="], 2, "--set 'tiel.straat.max_share='"),
    case("set out of range", [*CHECK, "--set", "tiel.straat.max_share=-1"], 2, "moet groter zijn dan 0"),
    case("set without =", [*CHECK, "--set", "tiel.straat.max_share"], 2, "gebruik REGELSET.REGEL.PARAMETER=WAARDE"),
    case("set too short", [*CHECK, "--set", "max_share=0.2"], 2, "--set 'max_share=0.2': gebruik REGELSET.REGEL.PARAMETER=WAARDE"),
    case("set other ruleset", [*CHECK, "--set", "aalsmeer.straat.max_share=0.2"], 2, "noemt regelset 'aalsmeer', maar de regelset is 'tiel'"),
    case("set unknown rule", [*CHECK, "--set", "tiel.strat.max_share=0.2"], 2, "geen regel 'strat' in regelset 'tiel'; bedoelt u 'straat'?"),
    case("set unknown parameter", [*CHECK, "--set", "tiel.straat.maxshare=0.2"], 2, "params.maxshare: onbekende sleutel"),
    case("set breaks a rule's own check", [*CHECK, "--set", "tiel.personen.exception.limit=2"], 2, "exception.limit (2) moet groter zijn dan limit (4)"),
    case("set into a value", [*CHECK, "--set", "tiel.personen.limit.x=2"], 2, "'limit' is geen groep parameters"),
    case("variant missing", [*CHECK, "--variant", "{tmp}/nope.yaml"], 2, "nope.yaml: bestand niet gevonden"),
    case("variant a folder", [*CHECK, "--variant", "{tmp}/map"], 2, "is een map, geen YAML-bestand", lambda env: (env.tmp / "map").mkdir()),
    case("variant junk bytes", [*CHECK, "--variant", "{tmp}/v.yaml"], 2, "v.yaml: geen UTF-8-tekst", files({"v.yaml": JUNK})),
    case("variant empty", [*CHECK, "--variant", "{tmp}/v.yaml"], 2, "v.yaml: (geheel): moet een mapping", files({"v.yaml": ""})),
    case("variant of another ruleset", [*CHECK, "--variant", "{tmp}/v.yaml"], 2, "variant is voor regelset 'aalsmeer', niet 'tiel'", files({"v.yaml": "variant: v\nbase: aalsmeer\n"})),
    case("variant bad value", [*CHECK, "--variant", "{tmp}/v.yaml"], 2, "--variant {tmp}/v.yaml: maakt de regelset ongeldig", files({"v.yaml": "variant: v\nbase: tiel\nset: {straat.max_share: abc}\n"})),
    case("variant removes unknown rule", [*CHECK, "--variant", "{tmp}/v.yaml"], 2, "--variant {tmp}/v.yaml: remove: geen regel(s) nosuch", files({"v.yaml": "variant: v\nbase: tiel\nremove: [nosuch]\n"})),
    case("variant unknown key", [*CHECK, "--variant", "{tmp}/v.yaml"], 2, "v.yaml: sets: onbekende sleutel", files({"v.yaml": "variant: v\nbase: tiel\nsets: {}\n"})),
    case("variant set without parameter", [*CHECK, "--variant", "{tmp}/v.yaml"], 2, "set 'straat': gebruik REGEL.PARAMETER", files({"v.yaml": "variant: v\nbase: tiel\nset: {straat: 1}\n"})),
    case("data missing", [*CHECK, "--data", "{tmp}/nope"], 2, "geen gecompileerde dataset (de map bestaat niet)"),
    case("data a file", [*CHECK, "--data", "{tmp}/f"], 2, "dit is een bestand, geen map", files({"f": "x"})),
    case("data damaged parquet", [*CHECK, "--data", "{tmp}/ds"], 2, "{tmp}/ds: dataset beschadigd of onvolledig", damaged("units.parquet")),
    case("data damaged manifest", [*CHECK, "--data", "{tmp}/ds"], 2, "manifest.json: beschadigd", damaged("manifest.json", "{")),
    case("data damaged layer", [*CHECK, "--data", "{tmp}/ds"], 2, "dataset beschadigd of onvolledig", damaged("layers/bestemmingsplan.parquet", b"PAR1")),
    case("data lacks a layer the rules need", [*CHECK, "--data", "{tmp}/ds", "--rules", "aalsmeer"], 3, "gebieden", damaged_dataset(lambda ds: (ds / "layers" / "gebieden.parquet").unlink())),
    case("register missing", [*CHECK, "--register", "{tmp}/nope.db"], 2, "{tmp}/nope.db", english=DB_PY),
    case("register not a database", [*CHECK, "--register", "{tmp}/junk.db"], 2, "{tmp}/junk.db", files({"junk.db": JUNK}), english=DB_PY),
    case("unknown option", [*CHECK, "--personen", "4"], 2, "--personen", english=CLICK),
]

BATCH_CASES = [
    case("without --rules", ["check", "--batch", "{tmp}/b.csv"], 2, "geef bij --batch de regelset met --rules", batch(BATCH_HEADER + GOOD_ROW)),
    case("missing file", [*BATCH, "{tmp}/nope.csv"], 2, "nope.csv: bestand niet gevonden"),
    case("a folder", [*BATCH, "{tmp}/map"], 2, "map: dit is een map, geen bestand", lambda env: (env.tmp / "map").mkdir()),
    case("empty file", [*BATCH, "{tmp}/b.csv"], 2, "geen aanvragen in het bestand (het is leeg)", batch("")),
    case("blank file", [*BATCH, "{tmp}/b.csv"], 2, "geen aanvragen in het bestand (het is leeg)", batch("\n \n")),
    case("header only", [*BATCH, "{tmp}/b.csv"], 2, "geen aanvragen in het bestand (alleen een kopregel)", batch(BATCH_HEADER)),
    case("empty JSON lines", [*BATCH, "{tmp}/b.jsonl"], 2, "geen aanvragen in het bestand", batch("", "b.jsonl")),
    case("empty JSON array", [*BATCH, "{tmp}/b.json"], 2, "geen aanvragen in het bestand", batch("[]", "b.json")),
    case("spreadsheet", [*BATCH, "{tmp}/b.xlsx"], 2, "sla een spreadsheet op als CSV", batch(b"PK\x03\x04", "b.xlsx")),
    case("no extension", [*BATCH, "{tmp}/b"], 2, "onbekend bestandstype '(geen extensie)'", batch(BATCH_HEADER + GOOD_ROW, "b")),
    case("binary junk", [*BATCH, "{tmp}/b.csv"], 2, "geen tekstbestand in UTF-8 of Windows-1252", batch(b"PK\x03\x04\x00\x00")),
    case("not Windows-1252 either", [*BATCH, "{tmp}/b.csv"], 2, "byte 0x81", batch(b"verblijfsobject_id,kind,persons\n\x81\xff,a,1\n")),
    case("duplicate address column", [*BATCH, "{tmp}/b.csv"], 2, "kolom address: kolom staat 2 keer in de kopregel", batch("address,address,kind,persons\n" + f"{VBO},{VBO},kamerverhuur,2\n")),
    case("address and verblijfsobject_id in one row", [*BATCH, "{tmp}/b.csv"], 2, "zowel address als verblijfsobject_id ingevuld; vul er precies één in", batch("address,verblijfsobject_id,kind,persons\n" + f"{VBO},{VBO},kamerverhuur,2\n")),
    case("neither address nor verblijfsobject_id in a row", [*BATCH, "{tmp}/b.csv"], 2, "geen address of verblijfsobject_id ingevuld", batch("address,verblijfsobject_id,kind,persons\n,,kamerverhuur,2\n")),
    case("no designation column", [*BATCH, "{tmp}/b.csv"], 2, "kolom address of verblijfsobject_id ontbreekt; een ervan is verplicht", batch("kind,persons\nkamerverhuur,2\n")),
    case("required column missing", [*BATCH, "{tmp}/b.csv"], 2, "kolom persons: verplichte kolom ontbreekt", batch(f"verblijfsobject_id,kind\n{VBO},kamerverhuur\n")),
    case("Dutch column names", [*BATCH, "{tmp}/b.csv"], 2, "kolom personen: onbekende kolom; bedoelt u 'persons'?", batch(f"verblijfsobject_id,kind,personen\n{VBO},kamerverhuur,2\n")),
    case("semicolons, bad persons", [*BATCH, "{tmp}/b.csv"], 2, "regel 2: aantal personen moet een geheel getal zijn, niet 'twee'", batch(f"verblijfsobject_id;kind;persons\n{VBO};kamerverhuur;twee\n")),
    case("bad persons on line 3", [*BATCH, "{tmp}/b.csv"], 2, "regel 3: aantal personen moet minstens 1 zijn", batch(BATCH_HEADER + GOOD_ROW + f"\n{VBO},kamerverhuur,0\n")),
    case("huge persons", [*BATCH, "{tmp}/b.csv"], 2, "aantal personen mag hoogstens 10000 zijn", batch(BATCH_HEADER + f"{VBO},kamerverhuur,99999999999999999999\n")),
    case("bad kind", [*BATCH, "{tmp}/b.csv"], 2, "soort gebruik 'kamer' bestaat niet", batch(BATCH_HEADER + f"{VBO},kamer,2\n")),
    case("bad date", [*BATCH, "{tmp}/b.csv"], 2, "datum: '2026-02-30' is geen datum", batch(f"verblijfsobject_id,kind,persons,date\n{VBO},kamerverhuur,2,2026-02-30\n")),
    case("date before every version", [*BATCH, "{tmp}/b.csv"], 2, "heeft geen versie die geldt op 1900-01-01", batch(f"verblijfsobject_id,kind,persons,date\n{VBO},kamerverhuur,2,1900-01-01\n")),
    case("unknown verblijfsobject", [*BATCH, "{tmp}/b.csv"], 2, "verblijfsobject 0281010000999999 staat niet in de dataset", batch(BATCH_HEADER + "0281010000999999,kamerverhuur,2\n")),
    case("unknown address", [*BATCH, "{tmp}/b.csv"], 2, "geen straat 'kerkstraat' gevonden", batch("address,kind,persons\nKerkstraat 12 Tiel,kamerverhuur,2\n")),
    case("too many cells", [*BATCH, "{tmp}/b.csv"], 2, "regel 2: 4 cellen, de kopregel heeft er 3", batch(BATCH_HEADER + f"{VBO},kamerverhuur,2,x\n")),
    case("unclosed quote", [*BATCH, "{tmp}/b.csv"], 2, "regel 2: 1 cel, de kopregel heeft er 3; de rij loopt door tot regel 4: staat er een aanhalingsteken", batch(BATCH_HEADER + f'"{VBO},kamerverhuur,2\n{GOOD_ROW}\n{GOOD_ROW}\n')),
    case("JSON lines, not JSON", [*BATCH, "{tmp}/b.jsonl"], 2, "regel 1: geen geldige JSON", batch("{kapot\n", "b.jsonl")),
    case("JSON lines, not an object", [*BATCH, "{tmp}/b.jsonl"], 2, "verwacht een JSON-object", batch("[1, 2]\n", "b.jsonl")),
    case("JSON lines, duplicate key", [*BATCH, "{tmp}/b.jsonl"], 2, "kolom persons: sleutel staat meer dan één keer in het object", batch(json.dumps(ROW_JSON)[:-1] + ', "persons": 1, "persons": 2}\n', "b.jsonl")),
    case("JSON lines, unknown key", [*BATCH, "{tmp}/b.jsonl"], 2, "kolom persoon: onbekende sleutel; bedoelt u 'persons'?", batch(json.dumps({**ROW_JSON, "persons": 1, "persoon": 2}) + "\n", "b.jsonl")),
    case("JSON lines, nested value", [*BATCH, "{tmp}/b.jsonl"], 2, "verwacht tekst of een getal; dit is een lijst", batch(json.dumps({**ROW_JSON, "persons": [1]}) + "\n", "b.jsonl")),
    case("JSON array, broken", [*BATCH, "{tmp}/b.json"], 2, "geen geldige JSON", batch("[{", "b.json")),
    case("out is a folder", [*BATCH, "{tmp}/b.csv", "--out", "{tmp}/map"], 2, "--out {tmp}/map: dit is een map; geef een bestandsnaam", all_of(batch(BATCH_HEADER + GOOD_ROW), lambda env: (env.tmp / "map").mkdir())),
    case("out is the root folder", [*BATCH, "{tmp}/b.csv", "--out", "/"], 2, "--out /: dit is een map", batch(BATCH_HEADER + GOOD_ROW)),
    case("out has no parent", [*BATCH, "{tmp}/b.csv", "--out", "{tmp}/nope/o.jsonl"], 2, "de map {tmp}/nope bestaat niet; maak die eerst aan", batch(BATCH_HEADER + GOOD_ROW)),
    case("out in read-only folder", [*BATCH, "{tmp}/b.csv", "--out", "{tmp}/ro/o.jsonl"], 2, "geen schrijfrechten in de map {tmp}/ro", all_of(batch(BATCH_HEADER + GOOD_ROW), read_only_folder())),
    case("out is the batch file", [*BATCH, "{tmp}/b.csv", "--out", "{tmp}/b.csv"], 2, "is het bestand van --batch; kies een ander bestand", batch(BATCH_HEADER + GOOD_ROW)),
    case("bad row keeps an existing out file", [*BATCH, "{tmp}/b.csv", "--out", "{tmp}/o.jsonl"], 2, "aantal personen", files({"b.csv": BATCH_HEADER + f"{VBO},kamerverhuur,0\n", "o.jsonl": "oud\n"})),
    case("with a bad --set", [*BATCH, "{tmp}/b.csv", "--set", "tiel.straat.max_share=abc", "--out", "{tmp}/o.jsonl"], 2, "--set 'tiel.straat.max_share=abc'", batch(BATCH_HEADER + GOOD_ROW)),
    case("with a bad --variant", [*BATCH, "{tmp}/b.csv", "--variant", "{tmp}/v.yaml", "--out", "{tmp}/o.jsonl"], 2, "v.yaml: geen UTF-8-tekst", files({"b.csv": BATCH_HEADER + GOOD_ROW, "v.yaml": JUNK})),
    case("with a damaged --data", [*BATCH, "{tmp}/b.csv", "--data", "{tmp}/ds", "--out", "{tmp}/o.jsonl"], 2, "dataset beschadigd", all_of(batch(BATCH_HEADER + GOOD_ROW), damaged("units.parquet"))),
    case("with a missing --register", [*BATCH, "{tmp}/b.csv", "--register", "{tmp}/nope.db", "--out", "{tmp}/o.jsonl"], 2, "{tmp}/nope.db", batch(BATCH_HEADER + GOOD_ROW), english=DB_PY),
    case("with a bad --date", [*BATCH, "{tmp}/b.csv", "--date", "morgen"], 2, "--date: 'morgen' is geen datum", batch(BATCH_HEADER + GOOD_ROW)),
]

DECIDE_CASES = [
    case("empty kenmerk", ["decide", "{vbo}", "--register", "{reg}", "--besluit", "geweigerd", "--kenmerk", "", "--persons", "2"], 2, "kenmerk (--kenmerk) mag niet leeg zijn", register),
    case("blank kenmerk", ["decide", "{vbo}", "--register", "{reg}", "--besluit", "geweigerd", "--kenmerk", "   ", "--persons", "2"], 2, "kenmerk (--kenmerk) mag niet leeg zijn", register),
    case("besluit typo", ["decide", "{vbo}", "--register", "{reg}", "--besluit", "verlenen", "--kenmerk", "K-1", "--persons", "2"], 2, "besluit 'verlenen' bestaat niet; bedoelt u 'verleend'?", register),
    case("besluit unknown lists the words", ["decide", "{vbo}", "--register", "{reg}", "--besluit", "toegekend", "--kenmerk", "K-1", "--persons", "2"], 2, "(geldig: verleend, geweigerd, in-behandeling)", register),
    case("key without date", [*DECIDE, "--key", "k1"], 2, "met --key hoort een vaste --date", register),
    case("empty key", [*DECIDE_OK, "--key", ""], 2, "idempotentiesleutel is leeg", register),
    case("blank key", [*DECIDE_OK, "--key", "  "], 2, "idempotentiesleutel is leeg", register),
    case("persons missing", ["decide", "{vbo}", "--register", "{reg}", "--besluit", "geweigerd", "--kenmerk", "K-1"], 2, "geef het aantal personen met --persons", register),
    case("persons huge", [*DECIDE_OK, "--persons", "99999999999999999999"], 2, "aantal personen mag hoogstens 10000 zijn", register),
    case("persons 0", [*DECIDE_OK, "--persons", "0"], 2, "aantal personen moet minstens 1 zijn", register),
    case("persons a word", [*DECIDE_OK, "--persons", "vier"], 2, "aantal personen moet een geheel getal zijn", register),
    case("persons empty", [*DECIDE_OK, "--persons", ""], 2, "aantal personen ontbreekt", register),
    case("date impossible", [*DECIDE, "--date", "2026-02-30"], 2, "'2026-02-30' is geen datum", register),
    case("date a word", [*DECIDE, "--date", "morgen"], 2, "'morgen' is geen datum", register),
    case("valid-until before date", [*DECIDE_OK, "--valid-until", "2025-01-01"], 2, "einddatum 2025-01-01 ligt voor de ingangsdatum 2026-03-01", register),
    case("kind typo", [*DECIDE_OK, "--kind", "studenen"], 2, "bedoelt u 'studenten'?", register),
    case("beds negative", [*DECIDE_OK, "--beds", "-1"], 2, "aantal bedden moet minstens 0 zijn", register),
    case("unknown address", ["decide", "Kerkstraat 12 Tiel", "--register", "{reg}", "--besluit", "geweigerd", "--kenmerk", "K-1", "--persons", "2"], 2, "geen straat 'kerkstraat' gevonden", register),
    case("unknown ruleset", [*DECIDE_OK, "--rules", "tiell"], 2, "bedoelt u 'tiel'?", register),
    case("grant what the rules refuse", ["decide", "{vbo}", "--register", "{reg}", "--besluit", "verleend", "--kenmerk", "K-1", "--persons", "9", "--date", "2026-03-01"], 2, "verlenen kan niet", register),
    case("data damaged", [*DECIDE_OK, "--data", "{tmp}/ds"], 2, "dataset beschadigd", all_of(register, damaged("units.parquet"))),
    case("register missing", ["decide", "{vbo}", "--register", "{tmp}/nope.db", "--besluit", "geweigerd", "--kenmerk", "K-1", "--persons", "2"], 2, "{tmp}/nope.db", english=DB_PY),
    case("register not a database", ["decide", "{vbo}", "--register", "{tmp}/junk.db", "--besluit", "geweigerd", "--kenmerk", "K-1", "--persons", "2"], 2, "{tmp}/junk.db", files({"junk.db": JUNK}), english=DB_PY),
    case("register read-only", DECIDE_OK, 2, "alleen-lezen", read_only_register),
    case("no --register", ["decide", "{vbo}", "--besluit", "geweigerd", "--kenmerk", "K-1"], 2, "--register", english=CLICK),
]

RULES_CASES = [
    case("validate unknown", ["rules", "validate", "tiell"], 2, "onbekende regelset 'tiell'; bedoelt u 'tiel'?"),
    case("validate missing path", ["rules", "validate", "{tmp}/nope.yaml"], 2, "nope.yaml: bestand niet gevonden"),
    case("validate folder", ["rules", "validate", "{tmp}/map"], 2, "is een map, geen YAML-bestand", lambda env: (env.tmp / "map").mkdir()),
    case("validate empty", ["rules", "validate", "{tmp}/leeg.yaml"], 2, "(het bestand is leeg)", files({"leeg.yaml": "\n"})),
    case("validate junk bytes", ["rules", "validate", "{tmp}/junk.yaml"], 2, "junk.yaml: geen UTF-8-tekst", files({"junk.yaml": JUNK})),
    case("validate YAML syntax", ["rules", "validate", "{tmp}/kapot.yaml"], 2, "geen geldige YAML op regel 2", files({"kapot.yaml": "id: tiel\n  name: : x\n"})),
    case("validate rule id in brackets", ["rules", "validate", "{tmp}/rules.yaml"], 2, f"regel '[x]': id: heeft niet de juiste vorm (patroon {BRACKETS})", tiel_rules_with("- id: woning", '- id: "[x]"')),
    case("validate ruleset id in brackets", ["rules", "validate", "{tmp}/rules.yaml"], 2, f"id: heeft niet de juiste vorm (patroon {BRACKETS})", tiel_rules_with("\nid: tiel", '\nid: "[tiel]"')),
    case("validate markup in a name", ["rules", "validate", "{tmp}/rules.yaml"], 2, "regeltype '[bold]x[/bold]' bestaat niet", tiel_rules_with("type: dwelling_status", 'type: "[bold]x[/bold]"')),
    case("validate unknown rule type", ["rules", "validate", "{tmp}/rules.yaml"], 2, "regeltype 'max_person' bestaat niet; bedoelt u 'max_persons'?", tiel_rules_with("type: max_persons", "type: max_person")),
    case("validate impossible date", ["rules", "validate", "{tmp}/rules.yaml"], 2, "valid_from: is geen datum", tiel_rules_with("valid_from: 2018-04-04", "valid_from: 2018-02-30")),
    case("validate overlapping versions", ["rules", "validate", "{tmp}/rules.yaml"], 2, "versies '2018' en '2023' overlappen", tiel_rules_with("valid_until: 2022-12-31", "valid_until: 2023-06-30")),
    case("validate bad gemeentecode", ["rules", "validate", "{tmp}/rules.yaml"], 2, "gemeentecode: heeft niet de juiste vorm", tiel_rules_with('gemeentecode: "0281"', "gemeentecode: tiel")),
    case("validate bad parameter", ["rules", "validate", "{tmp}/rules.yaml"], 2, "params.limit: moet een geheel getal zijn", tiel_rules_with("limit: 4", "limit: vier")),
    case("schema foo", ["rules", "schema", "foo"], 2, "schema 'foo': kies ruleset of verdict"),
    case("schema empty", ["rules", "schema", ""], 2, "schema '': kies ruleset of verdict"),
    case("types with an argument", ["rules", "types", "extra"], 2, "extra", english=CLICK),
    case("test nosuch", ["rules", "test", "nosuch"], 2, "geen gouden gevallen voor nosuch"),
    case("test with missing data", ["rules", "test", "tiel", "--data", "{tmp}/nope"], 2, "geen gecompileerde dataset"),
    case("test with damaged data", ["rules", "test", "tiel", "--data", "{tmp}/ds"], 2, "dataset beschadigd", damaged("units.parquet")),
    case("test with a missing register", ["rules", "test", "tiel", "--register", "{tmp}/nope.db"], 2, "{tmp}/nope.db", english=DB_PY),
    case("unknown subcommand", ["rules", "check"], 2, "check", english=CLICK),
]

REGISTER_IMPORT_CASES = [
    case("missing file", ["register", "import", "{tmp}/nope.csv", "--register", "{reg}"], 2, "nope.csv: bestand niet gevonden", register),
    case("a folder", ["register", "import", "{tmp}/map", "--register", "{reg}"], 2, "dit is een map, geen bestand", all_of(register, lambda env: (env.tmp / "map").mkdir())),
    case("empty file", REG_IMPORT, 2, "geen registraties in het bestand (het is leeg)", all_of(register, files({"r.csv": ""}))),
    case("header only", REG_IMPORT, 2, "geen registraties in het bestand (alleen een kopregel)", reg_csv()),
    case("persons huge", REG_IMPORT, 2, "regel 2, kolom persons: mag hoogstens 10000 zijn", reg_csv(REG_ROW.format(persons="99999999999999999999"))),
    case("persons thousands of digits", REG_IMPORT, 2, "kolom persons: mag hoogstens 10000 zijn", reg_csv(REG_ROW.format(persons="9" * 5000))),
    case("beds huge", REG_IMPORT, 2, "kolom beds: mag hoogstens 100000 zijn", all_of(register, files({"r.csv": REGISTER_HEADER.replace("\n", ",beds\n") + REG_ROW.format(persons=4) + ",99999999999999999999\n"}))),
    case("persons negative", REG_IMPORT, 2, "verwacht een geheel getal van 0 of meer, niet '-3'", reg_csv(REG_ROW.format(persons="-3"))),
    case("persons a fraction", REG_IMPORT, 2, "niet '2.5'", reg_csv(REG_ROW.format(persons="2.5"))),
    case("status typo", REG_IMPORT, 2, "status 'grnted' bestaat niet; bedoelt u 'verleend'?", reg_csv(f"{VBO},kamerverhuur,4,grnted,2024-01-01,,K-1")),
    case("kind typo", REG_IMPORT, 2, "kind 'kamerverhuu' bestaat niet; bedoelt u 'kamerverhuur'?", reg_csv(f"{VBO},kamerverhuu,4,granted,2024-01-01,,K-1")),
    case("date impossible", REG_IMPORT, 2, "kolom valid_from: verwacht een datum JJJJ-MM-DD, niet '2024-02-30'", reg_csv(f"{VBO},kamerverhuur,4,granted,2024-02-30,,K-1")),
    case("end before start", REG_IMPORT, 2, "valid_until 2023-01-01 ligt voor valid_from 2024-01-01", reg_csv(f"{VBO},kamerverhuur,4,granted,2024-01-01,2023-01-01,K-1")),
    case("id of 17 digits", REG_IMPORT, 2, "precies 16 cijfers, niet '02810100000000021'", reg_csv("02810100000000021,kamerverhuur,4,granted,2024-01-01,,K-1")),
    case("unknown column", REG_IMPORT, 2, "kolom statuss: onbekende kolom; bedoelt u 'status'?", all_of(register, files({"r.csv": REGISTER_HEADER.replace("status", "statuss")}))),
    case("duplicate column", REG_IMPORT, 2, "kolom kind: kolom staat 2 keer in de kopregel", all_of(register, files({"r.csv": REGISTER_HEADER.replace("kind", "kind,kind")}))),
    case("binary junk", REG_IMPORT, 2, "geen tekstbestand in UTF-8 of Windows-1252", all_of(register, files({"r.csv": b"\x00\x01"}))),
    case("spreadsheet", ["register", "import", "{tmp}/r.xlsx", "--register", "{reg}"], 2, "sla een spreadsheet op als CSV", all_of(register, files({"r.xlsx": b"PK"}))),
    case("one bad row of many", REG_IMPORT, 2, "regel 4", reg_csv(*[REG_ROW.format(persons=2)] * 2, REG_ROW.format(persons="x"))),
    case("register read-only", REG_IMPORT, 2, "alleen-lezen", all_of(reg_csv(f"{VBO},kamerverhuur,4,granted,2025-01-01,,K-RO"), read_only_register)),
    case("register folder missing", ["register", "import", "{register_csv}", "--register", "{tmp}/nope/reg.db"], 2, "{tmp}/nope", english=DB_PY),
    case("register not a database", ["register", "import", "{register_csv}", "--register", "{tmp}/junk.db"], 2, "{tmp}/junk.db", files({"junk.db": JUNK}), english=DB_PY),
    case("register in read-only folder", ["register", "import", "{register_csv}", "--register", "{tmp}/ro/reg.db"], 2, "{tmp}/ro/reg.db", read_only_folder(), english=DB_PY),
    case("no --register", ["register", "import", "{register_csv}"], 2, "--register", english=CLICK),
]

REGISTER_LIST_CASES = [
    case("status unknown", [*LIST, "--status", "verlend"], 2, "status 'verlend' bestaat niet; bedoelt u 'verleend'?", register),
    case("status lists the Dutch words", [*LIST, "--status", "foo"], 2, "verleend, gedoogd, in behandeling, illegaal, geweigerd, ingetrokken, beëindigd, verlopen", register),
    case("kind unknown", [*LIST, "--kind", "hotel"], 2, "soort gebruik 'hotel' bestaat niet", register),
    case("valid-on a word", [*LIST, "--valid-on", "morgen"], 2, "--valid-on: 'morgen' is geen datum", register),
    case("valid-on impossible", [*LIST, "--valid-on", "2026-02-30"], 2, "--valid-on: '2026-02-30' is geen datum", register),
    case("register missing", ["register", "list", "--register", "{tmp}/nope.db"], 2, "{tmp}/nope.db", english=DB_PY),
    case("register not a database", ["register", "list", "--register", "{tmp}/junk.db"], 2, "{tmp}/junk.db", files({"junk.db": JUNK}), english=DB_PY),
]

REGISTER_EXPORT_CASES = [
    case("out is a folder", [*EXPORT, "{tmp}/map.csv"], 2, "--out {tmp}/map.csv: dit is een map", all_of(register, lambda env: (env.tmp / "map.csv").mkdir())),
    case("out a folder without extension", [*EXPORT, "{tmp}"], 2, "geen extensie; geldig: .csv, .gpkg", register),
    case("out has no parent", [*EXPORT, "{tmp}/nope/r.csv"], 2, "de map {tmp}/nope bestaat niet", register),
    case("out in read-only folder", [*EXPORT, "{tmp}/ro/r.csv"], 2, "geen schrijfrechten in de map {tmp}/ro", all_of(register, read_only_folder())),
    case("gpkg in read-only folder", [*EXPORT, "{tmp}/ro/r.gpkg"], 2, "geen schrijfrechten in de map {tmp}/ro", all_of(register, read_only_folder())),
    case("out read-only file", [*EXPORT, "{tmp}/r.csv"], 2, "kan het bestaande bestand niet vervangen", all_of(register, lambda env: env.read_only(env.write("r.csv", "oud\n")))),
    case("spreadsheet name", [*EXPORT, "{tmp}/r.xlsx"], 2, "extensie '.xlsx' past niet; geldig: .csv, .gpkg", register),
    case("format and name disagree", [*EXPORT, "{tmp}/r.gpkg", "--format", "csv"], 2, "--format csv met --out {tmp}/r.gpkg: extensie '.gpkg' past niet; geldig: .csv", register),
    case("format unknown", [*EXPORT, "{tmp}/r.csv", "--format", "xlsx"], 2, "xlsx", register, english=CLICK),
    case("gpkg with missing data", [*EXPORT, "{tmp}/r.gpkg", "--data", "{tmp}/nope"], 2, "geen gecompileerde dataset (de map bestaat niet)", register),
    case("gpkg with damaged data", [*EXPORT, "{tmp}/r.gpkg", "--data", "{tmp}/ds"], 2, "dataset beschadigd", all_of(register, damaged("units.parquet"))),
    case("register missing", ["register", "export", "--register", "{tmp}/nope.db", "--out", "{tmp}/r.csv"], 2, "{tmp}/nope.db", english=DB_PY),
    case("no --out", ["register", "export", "--register", "{reg}"], 2, "--out", register, english=CLICK),
]

REGISTER_AUDIT_CASES = [
    case("limit huge", [*AUDIT, "--limit", "99999999999999999999"], 2, "--limit mag hoogstens 100000 zijn", register),
    case("offset huge", [*AUDIT, "--offset", "99999999999999999999"], 2, "--offset mag hoogstens", register),
    case("limit 0", [*AUDIT, "--limit", "0"], 2, "--limit moet minstens 1 zijn, niet 0", register),
    case("limit negative", [*AUDIT, "--limit", "-5"], 2, "--limit moet minstens 1 zijn", register),
    case("limit a word", [*AUDIT, "--limit", "tien"], 2, "--limit moet een geheel getal zijn, niet 'tien'", register),
    case("limit a fraction", [*AUDIT, "--limit", "2.5"], 2, "--limit moet een geheel getal zijn", register),
    case("offset negative", [*AUDIT, "--offset", "-1"], 2, "--offset moet minstens 0 zijn", register),
    case("offset a word", [*AUDIT, "--offset", "x"], 2, "--offset moet een geheel getal zijn", register),
    case("register missing", ["register", "audit", "--register", "{tmp}/nope.db"], 2, "{tmp}/nope.db", english=DB_PY),
    case("register not a database", ["register", "audit", "--register", "{tmp}/junk.db"], 2, "{tmp}/junk.db", files({"junk.db": JUNK}), english=DB_PY),
]

SAMPLE_CASES = [
    case("out is a file", ["sample", "--out", "{tmp}/f"], 2, "--out {tmp}/f: dit is een bestand; geef een map", files({"f": "x"})),
    case("out has no parent", ["sample", "--out", "{tmp}/nope/s"], 2, "de map {tmp}/nope bestaat niet"),
    case("out in read-only folder", ["sample", "--out", "{tmp}/ro/s"], 2, "geen schrijfrechten in de map {tmp}/ro", read_only_folder()),
    case("out holds other files", ["sample", "--out", "{tmp}/map"], 2, "de map bevat andere bestanden dan een voorbeeld", files({"map/eigen.txt": "x"})),
    case("out an unreplaceable sample", ["sample", "--out", "{tmp}/s"], 2, "kan de bestaande map niet vervangen", a_sample_copy(read_only=True)),
    case("unknown option", ["sample", "--uit", "{tmp}/s"], 2, "--uit", english=CLICK),
]

VERSION_CASES = [
    case("extra argument", ["version", "1"], 2, "1", english=CLICK),
    case("unknown option", ["version", "--json"], 2, "--json", english=CLICK),
]

TOP_CASES = [
    case("unknown command", ["toets", "{vbo}"], 2, "toets", english=CLICK),
]

# fmt: on

CASES = [
    *IMPORT_CASES,
    *DATASET_CASES,
    *ADDRESS_CASES,
    *CHECK_CASES,
    *BATCH_CASES,
    *DECIDE_CASES,
    *RULES_CASES,
    *REGISTER_IMPORT_CASES,
    *REGISTER_LIST_CASES,
    *REGISTER_EXPORT_CASES,
    *REGISTER_AUDIT_CASES,
    *SAMPLE_CASES,
    *VERSION_CASES,
    *TOP_CASES,
]
BY_NAME = {f"{c.command}: {c.name}": c for c in CASES}
assert len(BY_NAME) == len(CASES), "case names must be unique per command"


def _params() -> Iterator[Any]:
    for key, c in BY_NAME.items():
        marks = [pytest.mark.xfail(strict=True, reason=c.xfail)] if c.xfail else []
        yield pytest.param(c, id=key, marks=marks)


# -- running and checking ----------------------------------------------------------------


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A register with the Tiel sample register, made once the way a user makes one."""
    db = tmp_path_factory.mktemp("register") / "template.db"
    old = sys.argv
    sys.argv = ["spreidingstoets", "register", "import", str(TIEL_REGISTER), "--register", str(db)]
    try:
        with pytest.raises(SystemExit) as done:
            main()
    finally:
        sys.argv = old
    assert done.value.code in (0, None) and db.is_file()
    return db


@pytest.fixture(scope="session")
def sample_data() -> Path:
    from spreidingstoets.service.sample import sample_dataset_path
    from spreidingstoets.settings import load_settings

    return sample_dataset_path(load_settings())  # compiled on first use


@pytest.fixture
def env(
    tmp_path: Path, template: Path, sample_data: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Env]:
    for name in list(os.environ):
        if name.startswith("SPREIDINGSTOETS_"):
            monkeypatch.delenv(name)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)  # a stray write to the working folder counts as written too
    # Every command collects and freezes the heap once its dataset is loaded, which pays in a
    # process that lives for one command; here a full collection per case would cost a tenth of a
    # second, and the frozen workspaces of hundreds of cases would never be freed.
    monkeypatch.setattr(gc, "collect", lambda *_: 0)
    monkeypatch.setattr(gc, "freeze", lambda: None)
    environment = Env(work, template, sample_data)
    yield environment
    for undo in reversed(environment.undo):
        undo()


def snapshot(root: Path) -> dict[str, str]:
    """Every file and folder under ``root`` (temporary names too) with its content digest."""
    state = {}
    for path in sorted(root.rglob("*")):
        if path.name.endswith(TRANSIENT):
            continue
        digest = "map" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
        state[str(path.relative_to(root))] = digest
    return state


def register_state(path: Path) -> tuple[int, list[dict[str, Any]], int] | None:
    """Revision, rows and audit length of the case's register (None when it has none)."""
    if not path.is_file():
        return None
    from spreidingstoets.register.db import Register, entry_as_dict

    with Register.open(str(path), create=False) as reg:
        return reg.revision, [entry_as_dict(e) for e in reg.entries()], len(reg.audit(10**5))


def state(env: Env) -> tuple[dict[str, str], Any]:
    return snapshot(env.tmp), register_state(env.tmp / "reg.db")


ENGLISH = frozenset(
    [
        "the",
        "not",
        "must",
        "cannot",
        "does",
        "exist",
        "exists",
        "should",
        "invalid",
        "expected",
        "unsupported",
        "missing",
        "found",
        "no",
        "such",
        "error",
        "file",
        "folder",
        "holds",
        "got",
        "with",
        "empty",
        "give",
        "unable",
        "only",
    ]
)


def english_words(text: str) -> set[str]:
    """English words of a message, outside what it quotes: user input in quotes, paths, and
    a library's own detail in brackets."""
    before = None
    while before != text:  # innermost brackets first: details may nest
        before, text = text, re.sub(r"\([^()]*\)", " ", text)
    text = re.sub(r"'[^']*'", " ", text)
    words = " ".join(w for w in text.split() if "/" not in w)
    return {w.lower() for w in re.findall(r"[A-Za-z]+", words)} & ENGLISH


def run_in_process(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run ``spreidingstoets.cli:main``; an exception other than SystemExit fails the test."""
    old = sys.argv
    sys.argv = ["spreidingstoets", *argv]
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    finally:
        sys.argv = old
    out, err = capsys.readouterr()
    return code, out, err


def run_installed(argv: list[str], cwd: Path) -> tuple[int, str, str]:
    """Run the console script that ``pip install`` made for ``spreidingstoets.cli:main``."""
    script = Path(sys.executable).with_name("spreidingstoets")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "spreidingstoets.cli"]
    done = subprocess.run([*command, *argv], capture_output=True, text=True, cwd=cwd, timeout=120)
    return done.returncode, done.stdout, done.stderr


def check_case(c: Case, env: Env, run: Callable[[list[str]], tuple[int, str, str]]) -> None:
    if c.setup is not None:
        c.setup(env)
    names = env.names
    argv = [arg.format(**names) for arg in c.argv]
    before = state(env)
    code, out, err = run(argv)
    assert "Traceback" not in out + err, err
    assert code == c.code, f"exit {code}, expected {c.code}; stderr: {err}"
    phrase = c.phrase.format(**names)
    assert phrase in err, f"{phrase!r} not in stderr: {err}"
    if c.english is None:
        assert not english_words(err), f"English in: {err}"
    assert state(env) == before, "the command wrote something"


@pytest.mark.parametrize("c", list(_params()))
def test_bad_input(c: Case, env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    check_case(c, env, lambda argv: run_in_process(argv, capsys))


@pytest.mark.parametrize(
    "name",
    [
        "check: set not a number",
        "rules validate: validate rule id in brackets",
        "register import: persons huge",
        "check: data damaged parquet",
        "sample: out in read-only folder",
    ],
)
def test_the_installed_entry_point(name: str, env: Env) -> None:
    """The same cases through the real console script, as a user runs it."""
    check_case(BY_NAME[name], env, lambda argv: run_installed(argv, env.tmp))


def test_there_are_cases_for_every_command() -> None:
    commands = {c.command for c in CASES}
    assert commands >= {
        "import",
        "dataset info",
        "address",
        "check",
        "check --batch",
        "decide",
        "rules validate",
        "rules schema",
        "rules types",
        "rules test",
        "register import",
        "register list",
        "register export",
        "register audit",
        "sample",
        "version",
    }
    assert len(CASES) >= 200


# -- what bad input used to break, done right --------------------------------------------


def test_a_windows_1252_batch_is_read(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [f"{VBO},kamerverhuur,2,Café op de hoek", f"{VBO},arbeidsmigranten,3,Één woning"]
    text = "verblijfsobject_id,kind,persons,reason\n" + "\n".join(rows) + "\n"
    env.write("b.csv", text.encode("cp1252"))
    code, out, err = run_in_process(
        ["check", "--rules", "tiel", "--batch", str(env.tmp / "b.csv")], capsys
    )
    assert code in (0, 1), err
    assert "is geen UTF-8 en is gelezen als Windows-1252" in err
    verdicts = [json.loads(line) for line in out.splitlines()]
    assert len(verdicts) == 2 and all(
        v["outcome"] in ("allowed", "refused", "review") for v in verdicts
    )


def test_a_dutch_status_lists_the_same_rows_as_its_code(
    env: Env, capsys: pytest.CaptureFixture[str]
) -> None:
    reg = str(env.register())
    shown = {}
    for status in ("granted", "verleend", "Verleend", "in behandeling", "pending"):
        code, out, err = run_in_process(
            ["register", "list", "-r", reg, "--status", status, "--json"], capsys
        )
        assert code == 0, err
        shown[status] = json.loads(out)
    assert shown["granted"] and {r["status"] for r in shown["granted"]} == {"granted"}
    assert shown["verleend"] == shown["Verleend"] == shown["granted"]
    assert shown["in behandeling"] == shown["pending"] != []


# -- the checks themselves catch what they are for ---------------------------------------


@pytest.mark.parametrize(
    "c",
    [
        case(
            "writes a register",
            list(DECIDE_OK),
            0,
            "",
            register,
        ),
        case("writes a folder", ["sample", "--out", "{tmp}/s"], 0, ""),
        case(
            "writes a batch",
            [*BATCH, "{tmp}/b.csv", "--out", "{tmp}/o.jsonl"],
            1,
            "",
            batch(BATCH_HEADER + f"{VBO},kamerverhuur,9\n"),
        ),
    ],
    ids=lambda c: c.name,
)
def test_a_write_is_noticed(c: Case, env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(AssertionError, match="the command wrote something"):
        check_case(c, env, lambda argv: run_in_process(argv, capsys))


def test_english_is_noticed_outside_quotes_paths_and_brackets() -> None:
    assert english_words("fout: register /tmp/x.db does not exist") == {"does", "not", "exist"}
    assert not english_words(
        "fout: /tmp/not/found.zip: geen leesbaar zipbestand (File is not a zip file (really))"
    )
    assert not english_words("soort gebruik 'the' bestaat niet")
