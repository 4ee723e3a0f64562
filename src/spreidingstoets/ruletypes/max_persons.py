"""At most N persons per dwelling, by zone if set; a larger-dwelling exception asks for review.

Tiel 4, Aalsmeer 6 in a woonwijk and 8 in a lint, Heusden 5.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field, model_validator

from spreidingstoets.domain.model import RuleOutcome
from spreidingstoets.ruletypes.base import Context, RuleSpec, Strict, ZoneRef, outcome
from spreidingstoets.ruletypes.bulk import OUTCOME_DTYPE, BulkContext, BulkOutcome, points_in

NAME = "max_persons"
FIGURES = ("persons", "max_persons")


class ZoneLimit(Strict):
    zone: ZoneRef
    limit: int = Field(ge=1)


class Exception_(Strict):
    """A larger dwelling may house more persons after review (Tiel)."""

    min_area_m2: int = Field(
        ge=1, description="dwelling area (BAG oppervlakte) from which it applies"
    )
    limit: int = Field(ge=1, description="persons allowed under the exception")


class Params(Strict):
    limit: int = Field(ge=1, description="persons per dwelling")
    zone_limits: tuple[ZoneLimit, ...] = Field(
        (), description="other limits inside zones; first match wins"
    )
    exception: Exception_ | None = None

    @model_validator(mode="after")
    def _exception_above_limit(self) -> Params:
        if self.exception is not None and self.exception.limit <= self.limit:
            raise ValueError(
                f"exception.limit ({self.exception.limit}) moet groter zijn dan limit ({self.limit})"
            )
        return self


def evaluate(rule: RuleSpec, p: Params, ctx: Context) -> RuleOutcome:
    persons = ctx.application.persons
    limit, where = p.limit, "algemeen"
    for zl in p.zone_limits:
        layer = ctx.layer(zl.zone.layer)
        if layer.coverage(ctx.point, zl.zone.names, zl.zone.kinds) >= 1.0:
            limit, where = zl.limit, ", ".join(zl.zone.names or (zl.zone.layer,))
            break
    measured: dict[str, object] = {"persons": persons}
    lim: dict[str, object] = {"max_persons": limit, "zone": where}
    if persons <= limit:
        return outcome(
            rule,
            "pass",
            f"{persons} personen; maximaal {limit} toegestaan ({where}).",
            measured=measured,
            limit=lim,
        )
    exc = p.exception
    area = int(ctx.dataset.unit_oppervlakte[ctx.unit])
    if exc is not None and area >= exc.min_area_m2 and persons <= exc.limit:
        reason = ctx.application.exception_reason
        measured["oppervlakte_m2"] = area
        lim.update({"exception_min_area_m2": exc.min_area_m2, "exception_max_persons": exc.limit})
        text = (
            f"{persons} personen is meer dan {limit}, maar de woning is {area} m² (vanaf "
            f"{exc.min_area_m2} m² kan een uitzondering tot {exc.limit} personen). Beoordeel de "
            "uitzondering"
            + (f"; opgegeven reden: {reason}." if reason else "; er is geen reden opgegeven.")
        )
        measured["exception_reason"] = reason
        return outcome(rule, "review", text, measured=measured, limit=lim)
    return outcome(
        rule,
        "fail",
        f"{persons} personen is meer dan het maximum van {limit} ({where}).",
        measured=measured,
        limit=lim,
    )


def evaluate_all(rule: RuleSpec, p: Params, bulk: BulkContext) -> BulkOutcome:
    """Every candidate at once: the zone limits by one point-in-polygon query per zone."""
    persons = bulk.template.persons
    limit = np.full(bulk.n, p.limit, np.int64)
    settled = np.zeros(bulk.n, bool)
    for zl in p.zone_limits:
        inside = points_in(bulk, bulk.layer(zl.zone.layer), zl.zone.names, zl.zone.kinds)
        inside &= ~settled  # the first zone that holds the point wins
        limit[inside] = zl.limit
        settled |= inside
    ok = persons <= limit
    result = np.where(ok, "pass", "fail").astype(OUTCOME_DTYPE)
    exc = p.exception
    if exc is not None:
        area = bulk.dataset.unit_oppervlakte[bulk.units]
        result[~ok & (area >= exc.min_area_m2) & (persons <= exc.limit)] = "review"
    return BulkOutcome(
        result, {"persons": np.full(bulk.n, persons, np.int64), "max_persons": limit}
    )
