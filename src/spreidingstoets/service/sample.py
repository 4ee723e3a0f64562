"""The bundled synthetic sample: its compiled dataset (made on first use) and its registers."""

from __future__ import annotations

import hashlib
from pathlib import Path

from spreidingstoets.domain.register import RegisterEntry, RegisterSnapshot
from spreidingstoets.errors import SourceError
from spreidingstoets.settings import Settings
from spreidingstoets.zoning import ZoningLayer


def sample_extracts(sample_dir: Path) -> list[Path]:
    """The LVBAG extract zips of the sample municipalities."""
    paths = sorted(sample_dir.glob("*/BAGGEM*.zip"))
    if not paths:
        raise SourceError(
            f"het meegeleverde voorbeeld ontbreekt ({sample_dir}); maak het met "
            "'spreidingstoets sample' of geef --data MAP"
        )
    return paths


def sample_dataset_path(settings: Settings) -> Path:
    """The compiled dataset of all sample municipalities, compiled once per sample version."""
    from spreidingstoets.dataset.compile import FORMAT_VERSION, file_sha256, write_dataset
    from spreidingstoets.dataset.sources import read_source
    from spreidingstoets.dataset.tables import merge_tables

    sample_dir = settings.sample_dir
    extracts = sample_extracts(sample_dir)
    inputs = sorted(
        p for p in sample_dir.rglob("*") if p.is_file() and p.suffix in (".zip", ".gml", ".geojson")
    )
    digest = hashlib.sha256("".join(file_sha256(p) for p in inputs).encode()).hexdigest()[:16]
    target = settings.cache_dir / f"sample-v{FORMAT_VERSION}-{digest}"
    if not (target / "manifest.json").is_file():
        tables = merge_tables([read_source(p) for p in extracts])
        write_dataset(
            tables, sample_dir, target, force=target.exists(), layers=sample_layers(sample_dir)
        )
    return target


def sample_layers(sample_dir: Path) -> dict[str, ZoningLayer]:
    """Zoning and area layers of the sample: ``<gemeente>/layers/<name>.*`` and zoning plans."""
    from spreidingstoets.zoning.readers import read_zoning

    found: dict[str, list[ZoningLayer]] = {}
    for path in sorted(sample_dir.glob("*/zoning/*.gml")):
        found.setdefault("bestemmingsplan", []).append(read_zoning(path))
    for path in sorted(sample_dir.glob("*/layers/*.geojson")):
        found.setdefault(path.stem, []).append(read_zoning(path))
    return {name: ZoningLayer.concat(parts) for name, parts in found.items()}


def sample_register(sample_dir: Path) -> RegisterSnapshot:
    """The bundled sample registers (CSV per municipality) as one snapshot."""
    from spreidingstoets.register.csvio import parse_csv

    entries: list[RegisterEntry] = []
    digest = hashlib.sha256()
    for path in sorted(sample_dir.glob("*/register.csv")):
        digest.update(path.read_bytes())
        for row in parse_csv(path):
            entries.append(row.as_entry(len(entries) + 1, f"voorbeeld {path.parent.name}"))
    return RegisterSnapshot(tuple(entries), f"sample@{digest.hexdigest()[:12]}")


def sample_register_database(settings: Settings) -> Path:
    """A SQLite register holding the bundled sample registers, made once per sample version in
    the cache folder (``serve`` and ``api-key`` use it when no register is given, so a newcomer
    can record decisions on the sample)."""
    import os
    import shutil
    import tempfile

    from spreidingstoets.register.csvio import import_csv
    from spreidingstoets.register.db import SCHEMA_HEAD, Register

    csvs = sorted(settings.sample_dir.glob("*/register.csv"))
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in csvs)).hexdigest()[:12]
    target = settings.cache_dir / f"voorbeeldregister-{SCHEMA_HEAD}-{digest}.db"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=target.parent, prefix=".voorbeeldregister-"))
    try:
        path = folder / "register.db"
        with Register.open(path, create=True) as register:
            for csv in csvs:
                import_csv(register, csv, actor="spreidingstoets voorbeeld")
        if not target.exists():
            os.replace(path, target)  # whole or not at all; another process may have won
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return target
