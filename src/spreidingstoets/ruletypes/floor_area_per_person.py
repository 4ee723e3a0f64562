"""BAG gebruiksoppervlakte per person is at least a minimum number of m² (SNF, Den Haag).

The test is ``oppervlakte >= min_m2 * persons`` on exact decimals, with the oppervlakte of the
verblijfsobject as registered in the BAG. SNF norm 10 or 12 m² (15 m² for new builds from
1-7-2025), Den Haag 18 m². An oppervlakte of 0 (unknown in the BAG) asks for review.
"""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
from pydantic import Field

from spreidingstoets.domain.model import Evidence, RuleOutcome
from spreidingstoets.ruletypes.base import Context, RuleSpec, Strict, outcome
from spreidingstoets.ruletypes.bulk import OUTCOME_DTYPE, BulkContext, BulkOutcome

NAME = "floor_area_per_person"
FIGURES = ("m2_per_person", "max_persons_at_norm")


class Params(Strict):
    min_m2: Decimal = Field(
        gt=0, description="minimum BAG gebruiksoppervlakte per person in m², e.g. 12 (SNF) or 18"
    )


def fmt_num(value: Decimal | float | int) -> str:
    """A number for Dutch texts: 12, 12,5, 25,33."""
    return f"{float(value):.2f}".rstrip("0").rstrip(".").replace(".", ",")


def unit_evidence(ctx: Context, area: int) -> Evidence:
    """The application's own verblijfsobject with the BAG facts the area rules read."""
    ds = ctx.dataset
    return ctx.evidence(
        "application",
        ctx.unit,
        oppervlakte_m2=area,
        status=str(ds.unit_status[ctx.unit]),
        gebruiksdoel=ds.unit_gebruiksdoelen(ctx.unit),
    )


def evaluate(rule: RuleSpec, p: Params, ctx: Context) -> RuleOutcome:
    area = int(ctx.dataset.unit_oppervlakte[ctx.unit])
    persons = ctx.application.persons
    limit = {"min_m2_per_person": float(p.min_m2)}
    evidence = [unit_evidence(ctx, area)]
    measured: dict[str, object] = {"oppervlakte_m2": area, "persons": persons}
    if area <= 0:
        measured["m2_per_person"] = None
        return outcome(
            rule,
            "review",
            f"De oppervlakte is onbekend in de BAG (0 m²); stel de oppervlakte per persoon "
            f"(minimaal {fmt_num(p.min_m2)} m²) handmatig vast.",
            measured=measured,
            limit=limit,
            evidence=evidence,
        )
    if persons < 1:
        measured["m2_per_person"] = None
        return outcome(
            rule,
            "review",
            "Het aantal personen is niet opgegeven; de oppervlakte per persoon is niet te berekenen.",
            measured=measured,
            limit=limit,
            evidence=evidence,
        )
    per_person = Decimal(area) / persons
    room_for = math.floor(Decimal(area) / p.min_m2)
    measured["m2_per_person"] = round(float(per_person), 2)
    measured["max_persons_at_norm"] = room_for
    ok = Decimal(area) >= p.min_m2 * persons
    text = (
        f"De woning is {area} m² (BAG) voor {persons} personen: {fmt_num(per_person)} m² per "
        f"persoon; minimaal {fmt_num(p.min_m2)} m² vereist"
        f" (ruimte voor maximaal {room_for} personen)."
    )
    return outcome(
        rule, "pass" if ok else "fail", text, measured=measured, limit=limit, evidence=evidence
    )


def evaluate_all(rule: RuleSpec, p: Params, bulk: BulkContext) -> BulkOutcome:
    """Every candidate at once; the exact decimal arithmetic once per distinct oppervlakte."""
    persons = bulk.template.persons
    areas, inverse = np.unique(bulk.dataset.unit_oppervlakte[bulk.units], return_inverse=True)
    result, per, room = [], [], []
    for a in areas.tolist():
        if a <= 0:
            result.append("review")
            per.append(math.nan)
            room.append(math.nan)
            continue
        result.append("pass" if Decimal(a) >= p.min_m2 * persons else "fail")
        per.append(round(float(Decimal(a) / persons), 2))
        room.append(math.floor(Decimal(a) / p.min_m2))
    return BulkOutcome(
        np.array(result, OUTCOME_DTYPE)[inverse],
        {
            "m2_per_person": np.array(per, np.float64)[inverse],
            "max_persons_at_norm": np.array(room, np.float64)[inverse],
        },
    )
