"""Errors that reach a user: one clear line, no traceback, exit code 2."""


class SpreidingstoetsError(Exception):
    """Bad input or an unusable source; the message is shown to the user as is."""

    exit_code = 2


class InputError(SpreidingstoetsError):
    """The user gave input that cannot be used (file, address, parameter)."""


class SourceError(SpreidingstoetsError):
    """A data source (BAG extract, GeoPackage, zoning file) is missing, damaged or of the wrong kind."""


class CRSError(SourceError):
    """Geometry is not in EPSG:28992 (metres); distances would be meaningless."""
