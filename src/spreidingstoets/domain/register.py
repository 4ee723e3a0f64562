"""A register snapshot: the entries the engine sees, detached from any database.

The engine is pure, so it never reads the register itself; the database layer hands it a
:class:`RegisterSnapshot` (all entries plus the revision they were read at) and the engine
filters them for the check date and the kinds and statuses a rule counts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RegisterEntry:
    """One permit or known case on one verblijfsobject."""

    id: int
    verblijfsobject_id: str
    kind: str
    status: str
    persons: int | None = None
    beds: int | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None  # last day of validity, inclusive
    source: str = ""
    reference: str = ""
    received: dt.date | None = None  # ontvangstdatum; None: unknown (its start date stands in)

    def valid_on(self, day: dt.date) -> bool:
        if self.valid_from is not None and day < self.valid_from:
            return False
        return not (self.valid_until is not None and day > self.valid_until)


@dataclass(frozen=True)
class RegisterSnapshot:
    """All register entries as read at one revision of the register."""

    entries: tuple[RegisterEntry, ...]
    revision: str  # e.g. "sqlite@17": changes whenever the register changes

    def on(self, day: dt.date) -> tuple[RegisterEntry, ...]:
        return tuple(e for e in self.entries if e.valid_on(day))


EMPTY_SNAPSHOT = RegisterSnapshot(entries=(), revision="empty")
