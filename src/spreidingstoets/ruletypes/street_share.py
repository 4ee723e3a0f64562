"""At most a share of the dwellings in a street (BAG openbare ruimte) may be of the regulated kind.

The test is ``(existing + 1) / dwellings <= share`` on exact fractions, or with the allowed count
rounded (floor, ceil, half_up). Tiel 10%, Groningen 15%, Heusden 5%.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field

from spreidingstoets.domain.model import RuleOutcome
from spreidingstoets.ruletypes.base import (
    Context,
    Counted,
    Dwelling,
    RuleSpec,
    Strict,
    outcome,
)
from spreidingstoets.ruletypes.share import group_dwellings, share_verdict

NAME = "street_share"


class Params(Strict):
    max_share: Decimal = Field(gt=0, le=1, description="fraction, e.g. 0.10 for 10%")
    rounding: Literal["exact", "floor", "ceil", "half_up"] = Field(
        "exact", description="how the allowed count share * dwellings is rounded"
    )
    counted: Counted = Counted()
    dwelling: Dwelling = Dwelling()


def evaluate(rule: RuleSpec, p: Params, ctx: Context) -> RuleOutcome:
    ds = ctx.dataset
    street = int(ds.unit_street[ctx.unit])
    if street < 0:
        return outcome(
            rule,
            "review",
            "Het adres ligt niet aan een openbare ruimte in de BAG; beoordeel handmatig.",
        )
    dwellings, total = group_dwellings(ctx, ds.street_units.members(street), p.dwelling)
    return share_verdict(
        rule,
        ctx,
        dwellings,
        total,
        share=p.max_share,
        rounding=p.rounding,
        counted=p.counted,
        where=f"de straat {ds.street_naam[street]} ({ds.street_id[street]})",
        relation="same_street",
        extra={"openbare_ruimte": str(ds.street_id[street]), "straat": str(ds.street_naam[street])},
    )
