"""No new permits inside listed areas (nulquotum); a location partly inside asks for review.

Rotterdam and Eindhoven close whole neighbourhoods. The location is the application's pand
footprint(s), or its point when the unit has no footprint; a footprint that only touches an
area along its boundary is outside.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from spreidingstoets.domain.model import RuleOutcome
from spreidingstoets.domain.vocabulary import Outcome
from spreidingstoets.ruletypes.base import Context, RuleSpec, Strict, ZoneRef, fmt_pct, outcome
from spreidingstoets.ruletypes.bulk import OUTCOME_DTYPE, BulkContext, BulkOutcome
from spreidingstoets.ruletypes.zoning import EPS, describe, located, zone_evidence

NAME = "closed_area"
FIGURES = ("coverage",)


class Params(Strict):
    zone: ZoneRef = Field(
        description="the closed areas: a layer, optionally narrowed by names/kinds"
    )
    label: str = Field(
        default="gesloten gebied (nulquotum)",
        description="what the areas are, in Dutch, for the message (e.g. 'agrarisch gebied')",
    )


def evaluate(rule: RuleSpec, p: Params, ctx: Context) -> RuleOutcome:
    layer = ctx.layer(p.zone.layer)
    geom = ctx.geometry
    is_point = geom.geom_type == "Point"
    cov = layer.coverage(geom, p.zone.names, p.zone.kinds)
    hits = located(layer.zones_at(geom, p.zone.names, p.zone.kinds))
    where = "Het adres" if is_point else "Het pand"
    areas = describe(hits, partial=not is_point)
    measured = {
        "measure": "point" if is_point else "footprint",
        "coverage": round(cov, 4),
        "areas": [h.naam for h in hits],
    }
    scope = ", ".join(f'"{n}"' for n in p.zone.names) if p.zone.names else f"laag '{p.zone.layer}'"
    limit = {"closed_areas": list(p.zone.names) if p.zone.names else None, "layer": p.zone.layer}
    evidence = zone_evidence(hits)
    result: Outcome
    if cov >= 1 - EPS:
        result, text = (
            "fail",
            f"{where} ligt in een {p.label}: {areas}. Hier worden geen nieuwe vergunningen verleend.",
        )
    elif cov > EPS:
        result, text = (
            "review",
            f"{where} ligt voor {fmt_pct(cov)} in een {p.label}: {areas}. Beoordeel of de locatie tot het gebied hoort.",
        )
    else:
        result, text = "pass", f"{where} ligt niet in een {p.label} ({scope})."
    return outcome(rule, result, text, measured=measured, limit=limit, evidence=evidence)


def evaluate_all(rule: RuleSpec, p: Params, bulk: BulkContext) -> BulkOutcome:
    """Every candidate at once: one query finds the locations (footprints, or points) that
    meet a closed area at all; only those get their coverage computed, once per location
    (a block of flats once), by the layer's own ``coverage``. The rest lie outside: pass."""
    layer = bulk.layer(p.zone.layer)
    geoms, inverse = bulk.locations
    coverage = np.zeros(len(geoms))
    if len(layer) and len(geoms):
        where, hit = layer.tree.query(geoms, predicate="intersects")
        where = where[layer.mask(p.zone.names, p.zone.kinds)[hit]]
        for g in np.unique(where).tolist():
            coverage[g] = layer.coverage(geoms[g], p.zone.names, p.zone.kinds)
    cov = coverage[inverse]
    result = np.where(cov >= 1 - EPS, "fail", np.where(cov > EPS, "review", "pass"))
    return BulkOutcome(
        result.astype(OUTCOME_DTYPE),
        {"coverage": np.array([round(float(c), 4) for c in cov.tolist()], np.float64)},
    )
