"""Errors that reach a user: one clear Dutch line, no traceback.

Every class carries a stable ``code`` (the problem type an API returns), an HTTP status and the
exit code the CLI ends with, so each front-end maps an error the same way:

========================  ======  ====  =============================================
class                     HTTP    exit  when
========================  ======  ====  =============================================
InputError                400     2     input that cannot be used (file, address, value)
NotFoundError             404     2     an address, dataset, ruleset or entry that is not there
ConflictError             409     2     the register does not allow it (now)
SourceError               422     2     a data source is missing, damaged or of the wrong kind
ConfigurationError        500     3     settings, rulesets and data that do not fit together
========================  ======  ====  =============================================
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class SpreidingstoetsError(Exception):
    """Base of every error shown to a user; the message is shown as is."""

    code = "fout"
    http_status = 400
    exit_code = 2


class InputError(SpreidingstoetsError):
    """The user gave input that cannot be used (file, address, parameter)."""

    code = "ongeldige-invoer"


class NotFoundError(InputError):
    """Something the user named does not exist (address, verblijfsobject, ruleset, entry)."""

    code = "niet-gevonden"
    http_status = 404


class ConflictError(SpreidingstoetsError):
    """The register does not allow the change (another decision came first, a duplicate)."""

    code = "conflict"
    http_status = 409


class SourceError(SpreidingstoetsError):
    """A data source (BAG extract, GeoPackage, zoning file, dataset) is missing or damaged."""

    code = "onbruikbare-bron"
    http_status = 422


class CRSError(SourceError):
    """Geometry is not in EPSG:28992 (metres); distances would be meaningless."""

    code = "verkeerd-coordinatenstelsel"


class ConfigurationError(SpreidingstoetsError):
    """Settings, rulesets and data do not fit together (a ruleset needs a missing layer)."""

    code = "configuratie"
    http_status = 500
    exit_code = 3


def did_you_mean(value: str, valid: Iterable[str]) -> str:
    """``"; bedoelt u 'tiel'?"`` when a valid value is close to ``value``, else ``""``."""
    near = difflib.get_close_matches(str(value).strip().lower(), list(valid), n=1)
    return f"; bedoelt u {near[0]!r}?" if near else ""


def choice_error(what: str, value: str, valid: Iterable[str]) -> str:
    """``"soort gebruik 'x' bestaat niet; bedoelt u ...? (geldig: a, b)"``."""
    options = list(valid)
    hint = did_you_mean(value, options)
    return f"{what} {value!r} bestaat niet{hint} (geldig: {', '.join(options)})"
