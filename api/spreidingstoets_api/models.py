"""Request and response bodies as the OpenAPI document describes them.

Request bodies extend the library's one input model (``ApplicationInput``), so an API body is
validated by the same rules, with the same Dutch messages, as a CLI option or a batch row;
FastAPI reports every problem of a body at once (``problems.py`` makes that a 400).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from spreidingstoets.domain.inputs import ApplicationInput
from spreidingstoets.domain.model import Verdict
from spreidingstoets.domain.register import RegisterEntry
from spreidingstoets.domain.vocabulary import KINDS
from spreidingstoets.errors import choice_error

_RULES_DIR: list[Path] = []  # set by the app factory: where the rulesets of this server are
RULESET_ID = r"^[a-z0-9][a-z0-9_-]{0,63}$"


def configure(rules_dir: Path) -> None:
    _RULES_DIR[:] = [rules_dir]


@lru_cache(maxsize=8)
def _rulesets(folder: Path) -> tuple[str, ...]:
    from spreidingstoets.ruleset import available_rulesets

    return tuple(available_rulesets(folder))


def check_ruleset(value: Any) -> str | None:
    """A ruleset id of this server (never a path: a client names rulesets, not files)."""
    if value is None:
        return None
    text = str(value).strip().lower()
    known = _rulesets(_RULES_DIR[0]) if _RULES_DIR else ()
    if text not in known:
        raise PydanticCustomError(
            "invoer", "{message}", {"message": choice_error("regelset", str(value), known)}
        )
    return text


EXAMPLE: dict[str, Any] = {
    "address": "Kwartelstraat 7 Tiel",
    "kind": "arbeidsmigranten",
    "persons": 4,
    "date": "2026-11-15",
}


class CheckRequest(ApplicationInput):
    """An application to check: an address or a verblijfsobject id, kind, persons, date; the
    ruleset (default: that of the address's municipality) and optional parameter overrides."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, json_schema_extra={"examples": [EXAMPLE]}
    )

    kind: str = Field(json_schema_extra={"enum": list(KINDS)})
    persons: int = Field(ge=1, le=10_000)
    date: dt.date | None = Field(
        None, description="ingangsdatum; standaard vandaag", json_schema_extra={"format": "date"}
    )
    valid_until: dt.date | None = Field(None, description="einddatum van een tijdelijke vergunning")
    ruleset: str | None = Field(
        None, description="regelset (tiel, aalsmeer, westland); standaard die van de gemeente"
    )
    overrides: list[str] | None = Field(
        None,
        max_length=50,
        description="parameters wijzigen zoals `--set`: `tiel.straat.max_share=0.15`",
        examples=[["tiel.straat.max_share=0.15"]],
    )

    @field_validator("ruleset", mode="before")
    @classmethod
    def _ruleset(cls, value: Any) -> str | None:
        return check_ruleset(value)

    def application(self) -> ApplicationInput:
        data = self.model_dump(exclude={"ruleset", "overrides"})
        return ApplicationInput(**data)


class ApplicationRequest(ApplicationInput):
    """A new application (aanvraag): recorded as pending (in behandeling) in the register,
    checked on the register inside its write lock. ``reference`` is the case's kenmerk."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"examples": [{**EXAMPLE, "reference": "Z-2026-0001"}]},
    )

    kind: str = Field(json_schema_extra={"enum": list(KINDS)})
    persons: int = Field(ge=1, le=10_000)
    date: dt.date | None = Field(
        None, description="ingangsdatum; standaard vandaag", json_schema_extra={"format": "date"}
    )
    valid_until: dt.date | None = Field(None, description="einddatum van een tijdelijke vergunning")
    reference: str = Field(min_length=1, max_length=200, description="zaak- of aanvraagkenmerk")
    ruleset: str | None = Field(None, description="regelset; standaard die van de gemeente")

    @field_validator("ruleset", mode="before")
    @classmethod
    def _ruleset(cls, value: Any) -> str | None:
        return check_ruleset(value)

    @field_validator("reference", mode="before")
    @classmethod
    def _reference(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            raise PydanticCustomError("invoer", "kenmerk ontbreekt: geef het zaakkenmerk")
        return value

    def application(self) -> ApplicationInput:
        return ApplicationInput(**self.model_dump(exclude={"ruleset"}))


class DirectDecisionRequest(ApplicationRequest):
    """A decision on an application given in full (as `spreidingstoets decide`): creates the
    application, or updates the one with the same verblijfsobject, kind and kenmerk."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [{**EXAMPLE, "reference": "Z-2026-0001", "besluit": "verleend"}]
        },
    )

    besluit: Literal["verleend", "geweigerd", "in-behandeling"]

    def application(self) -> ApplicationInput:
        return ApplicationInput(**self.model_dump(exclude={"ruleset", "besluit"}))


class DecisionRequest(BaseModel):
    """The officer's decision on an application."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"besluit": "verleend"}]}
    )

    besluit: Literal["verleend", "geweigerd", "in-behandeling"]
    ruleset: str | None = Field(None, description="regelset; standaard die van de gemeente")

    @field_validator("ruleset", mode="before")
    @classmethod
    def _ruleset(cls, value: Any) -> str | None:
        return check_ruleset(value)


class AddressQuery(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"zoekterm": "Kwartelstraat 7 Tiel"}]}
    )

    zoekterm: str = Field(
        min_length=1,
        max_length=200,
        description="'4001AB 7', 'Kwartelstraat 7 Tiel', 'kwartelstr 7' of een BAG-identificatie",
    )


class Address(BaseModel):
    label: str
    verbeterd: str | None = None
    nummeraanduiding: str
    hoofdadres: bool
    adresseerbaar_object: str
    objecttype: str
    openbare_ruimte: str | None = None
    straat: str | None = None
    huisnummer: int
    huisletter: str | None = None
    toevoeging: str | None = None
    postcode: str | None = None
    woonplaats: str | None = None
    geometrie: dict[str, Any] | None = Field(None, description="GeoJSON Point (Content-Crs)")


class AddressResult(BaseModel):
    adres: Address


class DecisionResult(BaseModel):
    """What recording a decision did; ``replayed``: it had been recorded before (nothing
    written now). ``verdict``: the verdict computed inside the register's write lock."""

    id: int = Field(description="besluit-id (the audit row)")
    decision: Literal["granted", "pending", "refused"]
    entry: RegisterEntry
    previous: str | None = None
    register_revision: int
    replayed: bool
    verdict: Verdict
    actor: str | None = None


class StoredDecision(BaseModel):
    id: int
    at: dt.datetime
    actor: str
    decision: str
    entry_id: int
    verblijfsobject_id: str
    idempotency_key: str | None = None
    register_revision: int
    verdict: Verdict


class ReplayResult(BaseModel):
    """A stored verdict recomputed from the ruleset version, dataset and register revision it
    names; ``identical``: the recomputed verdict JSON equals the stored one byte for byte."""

    besluit: int
    identical: bool
    problems: list[str]
    stored_sha256: str
    replayed_sha256: str | None = None
    replayed: Verdict | None = None


class RuleInfo(BaseModel):
    id: str
    type: str
    source: str
    applies_to: list[str]
    parameters: dict[str, Any]
    defaults: list[str]


class VersionSummary(BaseModel):
    version: str
    valid_from: dt.date
    valid_until: dt.date | None = None
    source: str
    sha256: str


class VersionInfo(VersionSummary):
    kinds: list[str]
    rules: list[RuleInfo]


class RulesetInfo(BaseModel):
    id: str
    name: str
    gemeentecode: str
    versions: list[VersionSummary]


class Links(BaseModel):
    model_config = ConfigDict(extra="allow")
    self: dict[str, str]


class EntryPage(BaseModel):
    resultaten: list[dict[str, Any]]
    pagina: int
    paginaGrootte: int
    totaal: int
    links: dict[str, Any] = Field(alias="_links")


class AuditPage(BaseModel):
    resultaten: list[dict[str, Any]]
    pagina: int
    paginaGrootte: int
    totaal: int


class Problem(BaseModel):
    """An error (RFC 9457 problem details)."""

    type: str
    title: str
    status: int
    detail: str
    code: str | None = None
    instance: str | None = None
    invalidParams: list[dict[str, str]] | None = None
