"""Domain types: the application, the verdict and its parts.

The verdict types are pydantic models so that one JSON Schema (``verdict_schema()``) describes
the CLI's ``--json`` output, the API's responses and the audit log. The engine builds them with
``model_construct`` (no re-validation) because it is the only producer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Outcome = Literal["pass", "fail", "review", "not_applicable"]
Overall = Literal["allowed", "refused", "review"]
KindOfUse = Literal["kamerverhuur", "arbeidsmigranten", "studenten", "omzetting"]
KINDS_OF_USE: tuple[str, ...] = ("kamerverhuur", "arbeidsmigranten", "studenten", "omzetting")


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
            "same_area, zone, register_entry, nearby_entry, application"
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


class RuleOutcome(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule: str = Field(description="rule id within the ruleset")
    type: str = Field(description="rule type, e.g. street_share")
    outcome: Outcome
    message: str = Field(description="explanation in Dutch for the permit officer")
    measured: dict[str, Any] = Field(default_factory=dict)
    limit: dict[str, Any] = Field(default_factory=dict)
    parameters: dict[str, Any] = Field(default_factory=dict, description="all parameters used")
    defaults: list[str] = Field(
        default_factory=list, description="parameters that were not set and took their default"
    )
    evidence: list[Evidence] = Field(default_factory=list)
    source: str = Field("", description="policy reference (document, article)")


class ResolvedApplication(BaseModel):
    model_config = ConfigDict(extra="forbid")

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
    exception_reason: str | None = None
    query: str | None = None
    gebruiksdoel: list[str]
    oppervlakte: int
    status: str


class Provenance(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ruleset: str
    ruleset_version: str
    ruleset_sha256: str
    variant: str | None = None
    dataset: str
    dataset_sha256: str
    register_revision: str
    engine_version: str


class Verdict(BaseModel):
    """The answer to one application. Same inputs -> the same JSON."""

    model_config = ConfigDict(extra="forbid")

    outcome: Overall
    message: str
    application: ResolvedApplication
    rules: list[RuleOutcome]
    provenance: Provenance


def combine(outcomes: list[str]) -> Overall:
    """Overall: refused if any rule fails, else review if any asks for it, else allowed."""
    if "fail" in outcomes:
        return "refused"
    if "review" in outcomes:
        return "review"
    return "allowed"


def verdict_schema() -> dict[str, Any]:
    schema = Verdict.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://spreidingstoets.nl/schema/verdict-1.json"
    return schema
