"""Errors that reach a user: one clear line, no traceback, exit code 2."""

import difflib
from collections.abc import Iterable


class SpreidingstoetsError(Exception):
    """Bad input or an unusable source; the message is shown to the user as is."""

    exit_code = 2


class InputError(SpreidingstoetsError):
    """The user gave input that cannot be used (file, address, parameter)."""


class SourceError(SpreidingstoetsError):
    """A data source (BAG extract, GeoPackage, zoning file) is missing, damaged or of the wrong kind."""


class CRSError(SourceError):
    """Geometry is not in EPSG:28992 (metres); distances would be meaningless."""


def did_you_mean(value: str, valid: Iterable[str]) -> str:
    """``"; bedoelt u 'x'?"`` when one of ``valid`` is close to ``value``, else ``""``."""
    close = difflib.get_close_matches(value.strip().lower(), list(valid), n=1, cutoff=0.6)
    return f"; bedoelt u {close[0]!r}?" if close else ""
