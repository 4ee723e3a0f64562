"""At most a share of the dwellings in a street (BAG openbare ruimte) may be of the regulated kind.

The test is ``(existing + 1) / dwellings <= share`` on exact fractions, or with the allowed count
rounded (floor, ceil, half_up). Tiel 10%, Groningen 15%, Heusden 5%.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field

from spreidingstoets.model import RuleOutcome
from spreidingstoets.ruletypes.base import (
    Context,
    Counted,
    Dwelling,
    RuleSpec,
    Strict,
    fmt_pct,
    outcome,
)
from spreidingstoets.ruletypes.share import allowed_count, share_verdict

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
    members = ds.street_units.members(street)
    dwellings = members[ctx.dwellings(p.dwelling)[members]]
    total = len(dwellings) + (0 if ctx.dwellings(p.dwelling)[ctx.unit] else 1)
    existing_units = dwellings[ctx.is_counted(dwellings, p.counted)]
    existing = len(existing_units)
    allowed = allowed_count(p.max_share, total, p.rounding)
    name = f"{ds.street_naam[street]} ({ds.street_id[street]})"
    evidence = [ctx.evidence("same_street", int(u)) for u in existing_units]
    return share_verdict(
        rule,
        p.max_share,
        p.rounding,
        existing,
        total,
        allowed,
        f"de straat {name}",
        evidence,
        extra={"openbare_ruimte": str(ds.street_id[street]), "straat": str(ds.street_naam[street])},
        fmt=fmt_pct,
    )
