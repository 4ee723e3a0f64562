"""At most a share of the dwellings in a street (BAG openbare ruimte) may be of the regulated kind.

The test is ``(existing + 1) / dwellings <= share`` on exact fractions, or with the allowed count
rounded (floor, ceil, half_up). Tiel 10%, Groningen 15%, Heusden 5%.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

import numpy as np
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
from spreidingstoets.ruletypes.bulk import OUTCOME_DTYPE, BulkContext, BulkOutcome
from spreidingstoets.ruletypes.share import group_dwellings, share_figures, share_verdict

NAME = "street_share"
FIGURES = ("dwellings", "existing", "allowed_count", "headroom", "openbare_ruimte")


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


def evaluate_all(rule: RuleSpec, p: Params, bulk: BulkContext) -> BulkOutcome:
    """Every candidate at once: dwellings and counted dwellings per openbare ruimte, counted
    once over the street index, then the share test per candidate."""
    ds, units = bulk.dataset, bulk.units
    dwelling = bulk.dwellings(p.dwelling)
    counted = bulk.counted(p.counted)
    csr = ds.street_units
    n_streets = len(csr.ptr) - 1
    row = np.repeat(np.arange(n_streets), np.diff(csr.ptr))
    members = csr.idx
    per_street = np.bincount(row, dwelling[members], n_streets).astype(np.int64)
    counted_street = np.bincount(row, (dwelling & counted)[members], n_streets).astype(np.int64)
    street = ds.unit_street[units].astype(np.int64)
    has = street >= 0
    s = np.where(has, street, 0)
    own_dwelling = dwelling[units]
    total = np.where(has, per_street[s] + ~own_dwelling, 0)
    # the application's own registrations never count against it
    existing = np.where(has, counted_street[s] - (own_dwelling & counted[units]), 0)
    ok, figures = share_figures(total, existing, p.max_share, p.rounding)
    result = np.where(has, np.where(ok, "pass", "fail"), "review").astype(OUTCOME_DTYPE)
    out = {
        k: np.where(has, figures[k], np.nan) if not has.all() else figures[k] for k in FIGURES[:4]
    }
    # one str per openbare ruimte, shared by its candidates (not one per candidate)
    names = ds.street_id.astype(str).astype(object)
    street_ids = names[s] if len(names) else np.full(len(s), None, dtype=object)
    street_ids[~has] = None
    out["openbare_ruimte"] = street_ids
    return BulkOutcome(result, out)
