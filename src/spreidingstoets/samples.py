"""The bundled synthetic sample: where it lives and its compiled dataset (made on first use)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from spreidingstoets.errors import SourceError
from spreidingstoets.zoning import ZoningLayer

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE_DIR = Path(os.environ.get("SPREIDINGSTOETS_SAMPLE", REPO_ROOT / "data" / "bag_sample"))


def sample_extracts() -> list[Path]:
    """The LVBAG extract zips of the sample municipalities."""
    paths = sorted(SAMPLE_DIR.glob("*/BAGGEM*.zip"))
    if not paths:
        raise SourceError(
            f"the bundled sample is missing ({SAMPLE_DIR}); run 'spreidingstoets sample' or pass --data DIR"
        )
    return paths


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "spreidingstoets"


def sample_dataset_path(_query: str | None = None) -> Path:
    """The compiled dataset of all sample municipalities, compiled once per sample version."""
    from spreidingstoets.dataset.compile import FORMAT_VERSION, file_sha256, write_dataset
    from spreidingstoets.dataset.sources import read_source
    from spreidingstoets.dataset.tables import merge_tables

    extracts = sample_extracts()
    inputs = sorted(
        p for p in SAMPLE_DIR.rglob("*") if p.is_file() and p.suffix in (".zip", ".gml", ".geojson")
    )
    digest = hashlib.sha256("".join(file_sha256(p) for p in inputs).encode()).hexdigest()[:16]
    target = cache_dir() / f"sample-v{FORMAT_VERSION}-{digest}"
    if not (target / "manifest.json").is_file():
        tables = merge_tables([read_source(p) for p in extracts])
        write_dataset(tables, SAMPLE_DIR, target, force=target.exists(), layers=sample_layers())
    return target


def sample_layers() -> dict[str, ZoningLayer]:
    """Zoning and area layers of the sample: ``<gemeente>/layers/<name>.*`` and zoning plans."""
    from spreidingstoets.zoning.readers import read_zoning

    found: dict[str, list[ZoningLayer]] = {}
    for path in sorted(SAMPLE_DIR.glob("*/zoning/*.gml")):
        found.setdefault("bestemmingsplan", []).append(read_zoning(path))
    for path in sorted(SAMPLE_DIR.glob("*/layers/*.geojson")):
        found.setdefault(path.stem, []).append(read_zoning(path))
    return {name: ZoningLayer.concat(parts) for name, parts in found.items()}
