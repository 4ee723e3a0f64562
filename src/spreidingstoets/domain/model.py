"""Domain types: the application, the verdict and its parts.

The verdict types are dataclasses that pydantic serialises and describes, so that one JSON
Schema (``verdict_schema()``) describes the CLI's ``--json`` output, the API's responses and the
audit log.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import ConfigDict, Field, TypeAdapter

from spreidingstoets.domain.vocabulary import Outcome, Overall


@dataclass(frozen=True)
class Application:
    """A resolved application: which unit, which use, how many persons, on which date."""

    unit: int  # dataset row of the verblijfsobject / ligplaats / standplaats
    kind: str
    persons: int
    date: dt.date
    beds: int | None = None
    valid_until: dt.date | None = None  # requested end of a temporary permit
    exception_reason: str | None = None  # reason given for a larger-dwelling exception
    address_query: str | None = None
    address_corrected: tuple[str, ...] = ()  # typing errors the address search corrected
    reference: str | None = None  # kenmerk: its own register entry never counts against it
    received: dt.date | None = None  # ontvangstdatum; None: its date


@dataclass(slots=True)
class Evidence:
    """One fact behind a rule outcome: a dwelling, building, zone or register entry.

    A plain dataclass (pydantic serialises and describes it inside the verdict) because a
    check builds dozens of these and this is several times cheaper than a model.
    """

    __pydantic_config__ = ConfigDict(extra="forbid")

    relation: Annotated[
        str,
        Field(
            description="how it relates to the application: same_street, same_pand, "
            "adjacent_pand, side_neighbour, within_distance, enclosed_neighbour, enclosing, "
            "same_area, zone, register_entry, nearby_entry, application, received_later (a pending "
            "application received after this one, not counted)"
        ),
    ]
    verblijfsobject: str | None = None
    address: str | None = None
    pand: str | None = None
    distance_m: Annotated[float | None, Field(description="closest footprint distance, metres")] = (
        None
    )
    point_distance_m: Annotated[
        float | None, Field(description="point-to-point distance, metres")
    ] = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True, kw_only=True)
class RuleOutcome:
    """The outcome of one rule for one application."""

    __pydantic_config__ = ConfigDict(extra="forbid")

    rule: Annotated[str, Field(description="rule id within the ruleset")]
    type: Annotated[str, Field(description="rule type, e.g. street_share")]
    outcome: Outcome
    message: Annotated[str, Field(description="explanation in Dutch for the permit officer")]
    measured: dict[str, Any] = field(default_factory=dict)
    limit: dict[str, Any] = field(default_factory=dict)
    parameters: Annotated[dict[str, Any], Field(description="all parameters used")] = field(
        default_factory=dict
    )
    defaults: Annotated[
        list[str], Field(description="parameters that were not set and took their default")
    ] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    source: Annotated[str, Field(description="policy reference (document, article)")] = ""


@dataclass(slots=True, kw_only=True)
class ResolvedApplication:
    """The application as resolved against the dataset."""

    __pydantic_config__ = ConfigDict(extra="forbid")

    verblijfsobject: str
    objecttype: str
    address: str
    nummeraanduiding: str | None
    openbare_ruimte: str | None
    panden: list[str]
    kind: str
    persons: int
    beds: int | None
    date: dt.date
    valid_until: dt.date | None = None
    received: Annotated[
        dt.date | None,
        Field(description="date of receipt: pending applications received later do not count"),
    ] = None
    exception_reason: str | None = None
    query: str | None = None
    gebruiksdoel: list[str]
    oppervlakte: int
    status: str


@dataclass(slots=True, kw_only=True)
class Provenance:
    """Everything needed to reproduce a verdict."""

    __pydantic_config__ = ConfigDict(extra="forbid")

    ruleset: str
    ruleset_version: str
    ruleset_sha256: str
    variant: str | None = None
    dataset: str
    dataset_sha256: str
    register_revision: str
    engine_version: str


@dataclass(slots=True, kw_only=True)
class Verdict:
    """The answer to one application. Same inputs -> the same JSON.

    Plain dataclasses, serialised and described by pydantic (``verdict_json``,
    ``verdict_schema``): a check builds dozens of these parts, and models cost several times
    more to construct.
    """

    __pydantic_config__ = ConfigDict(extra="forbid")

    outcome: Overall
    message: str
    application: ResolvedApplication
    rules: list[RuleOutcome]
    provenance: Provenance


VERDICT = TypeAdapter(Verdict)


def verdict_json(verdict: Verdict, indent: int | None = None) -> str:
    """The verdict as JSON text: the form the CLI, the API and the audit log store."""
    return VERDICT.dump_json(verdict, indent=indent).decode()


def verdict_from_json(text: str | bytes) -> Verdict:
    return VERDICT.validate_json(text)


def combine(outcomes: list[str]) -> Overall:
    """Overall: refused if any rule fails, else review if any asks for it, else allowed."""
    if "fail" in outcomes:
        return "refused"
    if "review" in outcomes:
        return "review"
    return "allowed"


def verdict_schema() -> dict[str, Any]:
    schema = VERDICT.json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://spreidingstoets.nl/schema/verdict-1.json"
    return schema
