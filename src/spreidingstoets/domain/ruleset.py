"""Rulesets as the engine sees them: dated versions of validated rule instances.

Pure dataclasses; ``spreidingstoets.ruleset`` reads them from YAML.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spreidingstoets.errors import InputError, NotFoundError


@dataclass(frozen=True)
class RuleSpec:
    """A rule instance as the engine sees it: id, type, validated params and policy source."""

    id: str
    type: str
    params: Any  # the rule type's Params instance
    source: str
    applies_to: tuple[str, ...]
    parameters: dict[str, Any]  # params as plain JSON, every value (set or default)
    defaults: tuple[str, ...]  # parameter names that took their default
    assumed: tuple[str, ...] = ()  # of those, the ones the file marks as our choice ([default])


@dataclass(frozen=True)
class RulesetVersion:
    """One dated version, with its rules resolved to validated parameter objects."""

    ruleset_id: str
    ruleset_name: str
    gemeentecode: str
    version: str
    valid_from: dt.date
    valid_until: dt.date | None
    source: str
    kinds: tuple[str, ...]
    rules: tuple[RuleSpec, ...]
    sha256: str
    variant: str | None = None
    assumed: tuple[str, ...] = ()  # dates of our choosing ([default]): valid_from, valid_until

    def applies_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    def span(self) -> str:
        return f"{self.version} ({self.valid_from} t/m {self.valid_until or 'heden'})"


@dataclass(frozen=True)
class Ruleset:
    id: str
    name: str
    gemeentecode: str
    path: Path
    versions: tuple[RulesetVersion, ...]
    variant: str | None = None

    def version_on(self, day: dt.date) -> RulesetVersion:
        for v in self.versions:
            if v.applies_on(day):
                return v
        spans = "; ".join(v.span() for v in self.versions)
        raise InputError(
            f"regelset {self.id!r} heeft geen versie die geldt op {day}; versies: {spans}"
        )

    def version_named(self, name: str) -> RulesetVersion:
        for v in self.versions:
            if v.version == name:
                return v
        names = ", ".join(v.version for v in self.versions)
        raise NotFoundError(f"regelset {self.id!r} heeft geen versie {name!r}; versies: {names}")
