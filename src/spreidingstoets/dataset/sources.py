"""Pick the reader for a BAG source and run it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from spreidingstoets.dataset.geopackage import read_geopackage
from spreidingstoets.dataset.lvbag import read_lvbag
from spreidingstoets.dataset.tables import BagTables
from spreidingstoets.errors import InputError, SourceError

SUPPORTED = (
    "an LVBAG XML extract (.zip of zips, a .zip or folder of XML files, one .xml file) "
    "or a PDOK BAG GeoPackage (.gpkg)"
)


def read_source(
    source: Path,
    reference_date: dt.date | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> BagTables:
    """Read a BAG source into :class:`BagTables`, choosing the reader by its form."""
    if not source.exists():
        raise InputError(f"{source}: no such file or folder; expected {SUPPORTED}")
    if source.is_dir() and not any(source.iterdir()):
        raise SourceError(f"{source}: the folder is empty; expected {SUPPORTED}")
    if source.suffix.lower() == ".gpkg":
        if reference_date is not None:
            raise InputError(
                "--date applies to LVBAG extracts with history; a BAG GeoPackage holds current objects only"
            )
        return read_geopackage(source)
    if source.is_file() and source.suffix.lower() not in (".zip", ".xml"):
        raise InputError(f"{source}: unsupported file type {source.suffix!r}; expected {SUPPORTED}")
    return read_lvbag(source, reference_date, progress=progress)
