"""Deterministic synthetic BAG data: the sample neighbourhoods and national-scale tables.

- :func:`write_sample` writes ``data/bag_sample/``: per seeded municipality a fictional
  neighbourhood as a real-format LVBAG "BAG 2.0 Extract" (zip of zips of XML), a permit
  register CSV, for Westland an IMRO2012 zoning plan, plus ``features.json`` and ``README.md``
  naming every edge case by address and BAG identificatie.
- :func:`generate_national` builds a country-scale :class:`~spreidingstoets.dataset.tables.BagTables`
  in memory for benchmarks; :func:`write_national` compiles the same tables into a dataset one
  gemeente at a time (the same files, a fraction of the memory).

Nothing depends on the clock or unseeded randomness: the same call gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from spreidingstoets.errors import InputError
from spreidingstoets.fsio import atomic_folder, check_output_path, clean_stale
from spreidingstoets.register.csvio import REQUIRED_COLUMNS

from . import _lvbag
from ._areas import area_geojson
from ._catalogue import areas_geojson, percelen_geojson
from ._model import Town
from ._national import generate_national, national_parts
from ._towns import SPECS, WESTLAND_ZONES, build_all
from ._zoning import PLAN_ID, zoning_gml

__all__ = [
    "EXTRACT_DATE",
    "REGISTER_HEADER",
    "build_towns",
    "extract_path",
    "generate_national",
    "layer_paths",
    "national_parts",
    "sample_files",
    "write_national",
    "write_sample",
]

EXTRACT_DATE = _lvbag.EXTRACT_DATE
REGISTER_HEADER = list(REQUIRED_COLUMNS)  # the register CSV import format


def build_towns() -> list[Town]:
    """The three neighbourhoods in memory (records, geometries, features, registers)."""
    return build_all()


def _dir(town: Town) -> str:
    return f"{town.code}-{town.slug}"


def extract_path(out_dir: Path, code: str) -> Path:
    """Path of the outer extract zip of municipality ``code`` under ``out_dir``."""
    spec = next(s for s in SPECS if s.code == code)
    return Path(out_dir) / f"{spec.code}-{spec.slug}" / _lvbag.extract_name(spec.code)


def layer_paths(out_dir: Path, code: str) -> dict[str, str]:
    """Object type (VBO, NUM, PND, OPR, WPL, LIG, STA) -> GDAL ``/vsizip/`` path of its XML."""
    outer = extract_path(out_dir, code)
    return {
        k: f"/vsizip//vsizip//vsizip/{outer.as_posix()}/{suffix}"
        for k, suffix in _lvbag.inner_paths(code).items()
    }


def _register_csv(town: Town) -> bytes:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=REGISTER_HEADER, lineterminator="\n")
    w.writeheader()
    w.writerows(town.register)
    return buf.getvalue().encode("utf-8")


def _features_json(towns: list[Town]) -> bytes:
    doc: dict[str, Any] = {
        "synthetic": True,
        "note": "Fictional data made by `spreidingstoets sample --out data/bag_sample`.",
        "extract_date": EXTRACT_DATE,
        "municipalities": {},
    }
    for t in towns:
        doc["municipalities"][t.code] = {
            "gemeentenaam": t.naam,
            "extract": f"{_dir(t)}/{_lvbag.extract_name(t.code)}",
            "register": f"{_dir(t)}/register.csv",
            "features": t.features,
        }
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _counts(town: Town) -> dict[str, tuple[int, int]]:
    """Object type -> (voorkomens, objects)."""
    out = {}
    for k in _lvbag.OBJECT_TYPES:
        recs = [r for r in town.records if r.kind == k]
        out[k] = (len(recs), len({r.identificatie for r in recs}))
    return out


def _md_cell(v: object) -> str:
    return str(v).replace("|", "\\|")


def _readme(towns: list[Town]) -> bytes:
    lines = [
        "# bag_sample — SYNTHETIC, fictional BAG sample data",
        "",
        "**Everything in this directory is synthetic.** The neighbourhoods, street names,",
        "addresses, postcodes, woonplaats codes, buildings, permits and the zoning plan are",
        "invented. Woonplaats names are real place names used for realism only; the streets and",
        "buildings do not exist there. Do not use this data for any real decision.",
        "",
        "Made by `spreidingstoets sample --out data/bag_sample`",
        "(`spreidingstoets.sample.write_sample`). The output is deterministic (no clock, no",
        "unseeded randomness); `tests/test_sample.py` checks that the committed files equal a",
        "fresh generation.",
        "",
        "## Layout",
        "",
        "```",
        "data/bag_sample/",
        "  README.md  features.json",
        "  <code>-<name>/",
        "    BAGGEM<code>L-01112026.zip         LVBAG 'BAG 2.0 Extract' (Gemeente LVC), stand 2026-11-01",
        "      Leveringsdocument-BAG-Extract.xml",
        "      <code>GEM01112026.zip",
        "        <code>{VBO,NUM,PND,OPR,WPL,LIG,STA}01112026.zip -> ...-000001.xml",
        "    register.csv                        sample permit register",
        "  1783-westland/zoning/NL.IMRO.1783.SYNTH-VG01.gml   IMRO2012 bestemmingsplan",
        "  0358-aalsmeer/layers/gebieden.geojson   areas woonwijk / lint / bedrijventerrein",
        "                                          (EPSG:28992) for the distance and person rules",
        "  0281-tiel/layers/percelen.geojson       kadastrale percelen of Hoveniersweg (fictional)",
        "  0281-tiel/layers/wijken.geojson         wijken with attribute woz_gemiddeld (fictional)",
        "  0281-tiel/layers/buurten.geojson        buurten (fictional) for closed neighbourhoods",
        "  0281-tiel/layers/gebieden.geojson       bedrijvig lint / vrijstellingsgebied / centrum",
        "```",
        "",
        "The XML uses the namespaces, element names and element order of the real Kadaster",
        "extract, so GDAL's LVBAG driver reads it, e.g.",
        "",
        "```python",
        "pyogrio.read_dataframe('/vsizip//vsizip//vsizip/data/bag_sample/0281-tiel/"
        "BAGGEM0281L-01112026.zip/0281GEM01112026.zip/0281VBO01112026.zip/"
        "0281VBO01112026-000001.xml')",
        "```",
        "",
        "Identificaties: gemeentecode (4) + objecttype (01 VBO, 02 LIG, 03 STA, 10 PND, 20 NUM,",
        "30 OPR) + serial (10); woonplaatsen 9001-9006 (invented). Coordinates in EPSG:28992.",
        "Geometry conventions: streets run along the x or y axis; facades on opposite sides of a",
        "street are 16 m apart; terraced houses share walls with identical coordinates.",
        "",
        "`register.csv` columns: `" + ",".join(REGISTER_HEADER) + "`.",
        "`features.json` holds the tables below machine-readably:",
        "`municipalities.<code>.features.<edge case>` -> list of `{verblijfsobject_id, address,",
        "straat, huisnummer, huisletter, toevoeging, postcode, woonplaats, ...}`",
        "(for ligplaats / standplaats the id is the ligplaats / standplaats identificatie).",
        "",
    ]
    for t in towns:
        lines += [f"## {t.code} {t.naam} (fictional neighbourhood)", ""]
        lines += ["| object | voorkomens | objects |", "|---|---|---|"]
        for k, (nv, no) in _counts(t).items():
            lines.append(f"| {k} | {nv} | {no} |")
        lines += [
            "",
            "| edge case | address | verblijfsobject | details |",
            "|---|---|---|---|",
        ]
        skip = {
            "verblijfsobject_id",
            "address",
            "straat",
            "huisnummer",
            "huisletter",
            "toevoeging",
            "postcode",
            "woonplaats",
            "openbare_ruimte_id",
            "nummeraanduiding_id",
            "pand_ids",
            "site_polygon",
        }
        for name, entries in t.features.items():
            for e in entries:
                details = "; ".join(f"{k}: {v}" for k, v in e.items() if k not in skip)
                lines.append(
                    f"| {name} | {_md_cell(e['address'])} | {e['verblijfsobject_id']} | "
                    f"{_md_cell(details)} |"
                )
        if t.notes:
            lines += ["", "Scenarios:", ""]
            lines += [f"- {n}" for n in t.notes]
        lines += ["", "Register (`register.csv`):", ""]
        lines += ["| address | verblijfsobject | kind | persons | status | valid | reference |"]
        lines += ["|---|---|---|---|---|---|---|"]
        for p in t.register:
            a = t.addresses[t.vbo_addr[p["verblijfsobject_id"]]].label()
            valid = f"{p['valid_from']} .. {p['valid_until']}".strip()
            lines.append(
                f"| {_md_cell(a)} | {p['verblijfsobject_id']} | {p['kind']} | {p['persons']} | "
                f"{p['status']} | {valid} | {_md_cell(p['reference'])} |"
            )
        lines.append("")
    lines += [
        "## Westland zoning plan",
        "",
        f"`1783-westland/zoning/{PLAN_ID}.gml` (IMRO2012, namespace",
        "`http://www.geonovum.nl/imro/2012/1.1`, GML 3.2, EPSG:28992). Rectangles, as offsets",
        "from the neighbourhood origin (75000, 447000):",
        "",
        "| object | naam | x0, y0, x1, y1 (RD) |",
        "|---|---|---|",
    ]
    ox, oy = next(s.origin for s in SPECS if s.code == "1783")
    for naam, b in WESTLAND_ZONES.items():
        kind = "Functieaanduiding" if naam.startswith("specifieke") else "Enkelbestemming"
        lines.append(
            f"| {kind} | {naam} | {ox + b[0]:.0f}, {oy + b[1]:.0f}, {ox + b[2]:.0f}, "
            f"{oy + b[3]:.0f} |"
        )
    lines += [
        "",
        "The labour-migrant site lies inside the functieaanduiding; the `partly_in_zone` dwelling's",
        "footprint is one third inside it, its point outside. Read the GML with the open option",
        "`WRITE_GFS=NO` (pyogrio: `read_dataframe(path, layer=..., WRITE_GFS='NO')`) so GDAL",
        "writes no `.gfs` schema file next to it.",
        "",
    ]
    return "\n".join(lines).encode("utf-8")


def sample_files(towns: list[Town] | None = None) -> dict[str, bytes]:
    """Relative path -> file content of the whole sample."""
    towns = towns if towns is not None else build_towns()
    files: dict[str, bytes] = {}
    for t in towns:
        files[f"{_dir(t)}/{_lvbag.extract_name(t.code)}"] = _lvbag.extract_zip(t)
        files[f"{_dir(t)}/register.csv"] = _register_csv(t)
        if t.code == "1783":
            spec = next(s for s in SPECS if s.code == "1783")
            files[f"{_dir(t)}/zoning/{PLAN_ID}.gml"] = zoning_gml(spec.origin, WESTLAND_ZONES)
        if t.code == "0358":
            files[f"{_dir(t)}/layers/gebieden.geojson"] = area_geojson(t)
        if t.code == "0281":
            spec = next(s for s in SPECS if s.code == "0281")
            files[f"{_dir(t)}/layers/percelen.geojson"] = percelen_geojson(t.block)
            for name in ("wijken", "buurten", "gebieden"):
                files[f"{_dir(t)}/layers/{name}.geojson"] = areas_geojson(name, spec.origin)
    files["features.json"] = _features_json(towns)
    files["README.md"] = _readme(towns)
    return files


def _is_sample(folder: Path) -> bool:
    """Whether ``folder`` is empty or holds a sample written here, so it may be replaced."""
    if not any(folder.iterdir()):
        return True
    try:
        return json.loads((folder / "features.json").read_bytes()).get("synthetic") is True
    except (OSError, ValueError, AttributeError):
        return False


def write_sample(out_dir: Path) -> list[Path]:
    """Write the sample data set as the folder ``out_dir``; returns the written paths in order.

    The folder is replaced as a whole (:func:`~spreidingstoets.fsio.atomic_folder`), so it
    never holds half a sample or files of an older one; a folder with other files is refused.
    """
    out_dir = Path(out_dir)
    check_output_path(out_dir, what="--out", folder=True)
    clean_stale(out_dir)
    if out_dir.is_dir() and not _is_sample(out_dir):
        raise InputError(
            f"--out {out_dir}: de map bevat andere bestanden dan een voorbeeld; "
            "kies een nieuwe of lege map"
        )
    written = []
    with atomic_folder(out_dir, replace=True) as tmp:
        for rel, data in sample_files().items():
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            written.append(out_dir / rel)
    return written


def write_national(
    out: Path,
    n_units: int,
    *,
    seed: int = 0,
    flats: float = 0.36,
    source: Path | None = None,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> dict[str, object]:
    """The compiled dataset of ``generate_national(n_units, seed, flats)``, generated and
    compiled one gemeente at a time: the same files as compiling the whole tables at once,
    while only one gemeente's objects are in memory. ``source`` is what the manifest names as
    the source (nothing when not given)."""
    from spreidingstoets.dataset.compile import write_dataset_parts

    codes, parts = national_parts(n_units, seed, flats)
    return write_dataset_parts(
        parts, codes, [] if source is None else source, out, force=force, progress=progress
    )
