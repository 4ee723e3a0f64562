"""Parsing what users type (kind of use, counts, dates) into values, with Dutch errors.

Kept free of heavy imports so every command line entry point can use it.
"""

from __future__ import annotations

import datetime as dt
import difflib
from typing import Any

from spreidingstoets.domain.vocabulary import KINDS
from spreidingstoets.errors import InputError


def parse_kind(value: str) -> str:
    kind = value.strip().lower()
    if kind not in KINDS:
        near = difflib.get_close_matches(kind, KINDS, n=1)
        hint = f"; bedoelt u {near[0]!r}?" if near else ""
        raise InputError(f"onbekend soort gebruik {value!r}{hint} (geldig: {', '.join(KINDS)})")
    return kind


def parse_int(value: Any, what: str, minimum: int) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise InputError(f"{what} moet een geheel getal zijn, niet {value!r}") from None
    if number < minimum:
        raise InputError(f"{what} moet minstens {minimum} zijn, niet {number}")
    return number


def parse_day(value: Any, what: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise InputError(
            f"{what}: {value!r} is geen datum; gebruik JJJJ-MM-DD, bijv. 2026-03-01"
        ) from None
