"""Read a zoning layer from a file: IMRO2012 GML, GeoPackage or GeoJSON, chosen by content.

Each format's reader is imported only when a file of that format is read, so reading a
GeoJSON file does not load lxml and reading an IMRO plan does not load GDAL.
"""

from __future__ import annotations

from pathlib import Path

from spreidingstoets.errors import InputError, SourceError
from spreidingstoets.zoning.layer import ZoningLayer

__all__ = ["read_zoning"]

FORMATS = "IMRO2012-GML, GeoPackage of GeoJSON"


def read_zoning(
    path: Path | str,
    *,
    name_field: str | None = None,
    kind: str | None = None,
    layer: str | None = None,
) -> ZoningLayer:
    """Read zone polygons from an IMRO2012 GML plan, a GeoPackage or a GeoJSON file.

    The format is chosen by content, not by extension.

    Parameters
    ----------
    path
        The file.
    name_field
        GeoPackage/GeoJSON: the designation column.  Default: the first present of
        :data:`~spreidingstoets.zoning.readers.ogr.NAME_FIELDS` (case-insensitive).
        IMRO always uses ``imro:naam``; any other value is refused.
    kind
        GeoPackage/GeoJSON: the kind of every zone.  Default: the value of a ``kind`` or
        ``type`` column if present, else "gebied".  IMRO uses the feature type.
    layer
        GeoPackage: the layer (required when it has several polygon layers).  IMRO: keep
        one feature type only, e.g. "Enkelbestemming".

    Raises
    ------
    SourceError
        Missing or unreadable file, unknown format, no polygon features.
    CRSError
        Geometry not in EPSG:28992.
    InputError
        An option that does not fit the file (unknown column or layer).
    """
    path = Path(path)
    if not path.exists():
        raise SourceError(f"{path}: bestand niet gevonden (verwacht {FORMATS})")
    if not path.is_file():
        raise SourceError(f"{path}: geen bestand (verwacht {FORMATS})")
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise SourceError(f"{path.name}: niet te lezen ({exc.strerror})") from exc
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"SQLite format 3\x00"):
        from spreidingstoets.zoning.readers.ogr import read_ogr

        return read_ogr(path, "GeoPackage", name_field, kind, layer)
    if text.startswith(b"<"):
        if name_field not in (None, "naam"):
            raise InputError(
                f"{path.name}: een IMRO-plan heeft de bestemming altijd in imro:naam; "
                "laat name_field weg"
            )
        if kind is not None:
            raise InputError(
                f"{path.name}: een IMRO-plan haalt de soort uit het objecttype; laat kind weg"
            )
        from spreidingstoets.zoning.readers.imro import read_imro

        return read_imro(path, layer)
    if text.startswith((b"{", b"[")):
        from spreidingstoets.zoning.readers.ogr import read_ogr

        return read_ogr(path, "GeoJSON", name_field, kind, layer)
    raise SourceError(f"{path.name}: geen bestemmings- of gebiedsbestand (verwacht {FORMATS})")


def first_line(exc: BaseException) -> str:
    """The first line of a library's error message, for a one-line message of ours."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
