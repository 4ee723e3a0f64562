"""The dwelling's BAG gebruiksoppervlakte is at least a minimum (Tiel 2023: 90 m² after splitting).

The oppervlakte is that of the verblijfsobject applied for, as registered in the BAG (for a
split dwelling: the new verblijfsobject). An oppervlakte of 0 means unknown in the BAG.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from pydantic import Field

from spreidingstoets.domain.model import RuleOutcome
from spreidingstoets.domain.vocabulary import Outcome
from spreidingstoets.ruletypes.base import Context, RuleSpec, Strict, outcome
from spreidingstoets.ruletypes.bulk import OUTCOME_DTYPE, BulkContext, BulkOutcome
from spreidingstoets.ruletypes.floor_area_per_person import fmt_num, unit_evidence

NAME = "min_dwelling_area"
FIGURES = ("oppervlakte_m2",)


class Params(Strict):
    min_m2: Decimal = Field(gt=0, description="minimum BAG gebruiksoppervlakte of the dwelling, m²")
    review_if_unknown: bool = Field(
        default=True,
        description="oppervlakte unknown in the BAG (0): review when true, fail when false "
        "(the minimum cannot be shown to be met)",
    )


def evaluate(rule: RuleSpec, p: Params, ctx: Context) -> RuleOutcome:
    area = int(ctx.dataset.unit_oppervlakte[ctx.unit])
    measured = {"oppervlakte_m2": area}
    limit = {"min_m2": float(p.min_m2)}
    evidence = [unit_evidence(ctx, area)]
    if area <= 0:
        result: Outcome
        if p.review_if_unknown:
            result, then = "review", "stel de oppervlakte handmatig vast"
        else:
            result, then = "fail", "dus is niet aangetoond dat de woning groot genoeg is"
        return outcome(
            rule,
            result,
            f"De oppervlakte van de woning is onbekend in de BAG (0 m²); minimaal "
            f"{fmt_num(p.min_m2)} m² vereist, {then}.",
            measured=measured,
            limit=limit,
            evidence=evidence,
        )
    ok = Decimal(area) >= p.min_m2
    text = f"De woning is {area} m² (BAG); minimaal {fmt_num(p.min_m2)} m² vereist" + (
        "." if ok else f", dat is {fmt_num(p.min_m2 - area)} m² te weinig."
    )
    return outcome(
        rule, "pass" if ok else "fail", text, measured=measured, limit=limit, evidence=evidence
    )


def evaluate_all(rule: RuleSpec, p: Params, bulk: BulkContext) -> BulkOutcome:
    """Every candidate at once; the decimal comparison once per distinct oppervlakte."""
    area = bulk.dataset.unit_oppervlakte[bulk.units].astype(np.int64)
    areas, inverse = np.unique(area, return_inverse=True)
    unknown = "review" if p.review_if_unknown else "fail"
    result = [
        unknown if a <= 0 else ("pass" if Decimal(a) >= p.min_m2 else "fail")
        for a in areas.tolist()
    ]
    return BulkOutcome(np.array(result, OUTCOME_DTYPE)[inverse], {"oppervlakte_m2": area})
