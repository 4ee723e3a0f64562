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
    "verwacht een LVBAG-extract in XML (.zip met zips, een .zip of map met XML-bestanden, een "
    ".xml-bestand) of een BAG-GeoPackage van PDOK (.gpkg)"
)


def check_source(source: Path) -> None:
    """Refuse a source that no reader can take, by its form alone (nothing is read)."""
    if not source.exists():
        raise InputError(f"{source}: bestand of map niet gevonden; {SUPPORTED}")
    if source.is_dir() and not any(source.iterdir()):
        raise SourceError(f"{source}: de map is leeg; {SUPPORTED}")
    if source.is_file() and source.suffix.lower() not in (".zip", ".xml", ".gpkg"):
        suffix = source.suffix or "(geen extensie)"
        raise InputError(f"{source}: bestandstype {suffix!r} wordt niet gelezen; {SUPPORTED}")


def read_source(
    source: Path,
    reference_date: dt.date | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> BagTables:
    """Read a BAG source into :class:`BagTables`, choosing the reader by its form."""
    check_source(source)
    if source.suffix.lower() == ".gpkg":
        if reference_date is not None:
            raise InputError(
                "--date geldt voor LVBAG-extracten met historie; een BAG-GeoPackage bevat alleen "
                "de huidige objecten"
            )
        return read_geopackage(source)
    return read_lvbag(source, reference_date, progress=progress)
