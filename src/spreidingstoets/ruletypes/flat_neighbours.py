"""No counted dwelling within N dwellings above, below or beside in a flat (and M diagonally).

Tilburg: in a flat, no room letting within 2 dwellings above, beside or below, nor 1
diagonally. The BAG holds no floor numbers and no position within a building, so the rule
cannot tell above from beside: it finds the counted dwellings in the application's pand(en)
and, when there are any, asks for review with them as candidates (an officer checks the floor
plans); with none there, nothing can be within reach and the rule passes. A pand with fewer
than ``min_units`` dwellings is no flat: not applicable.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from spreidingstoets.domain.model import RuleOutcome
from spreidingstoets.ruletypes.base import Context, Counted, Dwelling, RuleSpec, Strict, outcome

NAME = "flat_neighbours"
MAX_LISTED = 8
NO_FLOORS = (
    "De BAG kent geen verdiepingen en geen ligging binnen het gebouw; boven, onder, naast en "
    "schuin zijn daaruit niet te bepalen"
)


class Params(Strict):
    vertical: int = Field(default=2, ge=0, description="dwellings above and below that count")
    beside: int = Field(default=2, ge=0, description="dwellings beside on the same floor")
    diagonal: int = Field(default=1, ge=0, description="dwellings diagonally")
    min_units: int = Field(
        default=3, ge=2, description="a pand with at least this many dwellings is a flat"
    )
    counted: Counted = Field(default=Counted(), description="which register entries count")


def evaluate(rule: RuleSpec, p: Params, ctx: Context) -> RuleOutcome:
    ds = ctx.dataset
    fps = ctx.footprints
    reach = f"{p.vertical} woning(en) erboven of eronder, {p.beside} ernaast, {p.diagonal} schuin"
    limit = {
        "vertical": p.vertical,
        "beside": p.beside,
        "diagonal": p.diagonal,
        "min_units": p.min_units,
    }
    mates = np.unique(ds.fp_units.gather(fps)) if len(fps) else np.array([ctx.unit])
    dwellings = np.union1d(mates[ctx.dwellings(Dwelling())[mates]], [ctx.unit])
    measured: dict[str, object] = {"dwellings_in_pand": int(dwellings.size)}
    if dwellings.size < p.min_units:
        return outcome(
            rule,
            "not_applicable",
            f"Het pand telt {dwellings.size} woning(en), minder dan {p.min_units}: geen flat, de "
            "flatregel geldt hier niet.",
            measured=measured,
            limit=limit,
        )
    counted = dwellings[ctx.is_counted(dwellings, p.counted)]
    measured["candidates"] = int(counted.size)
    measured["not_available"] = ["verdieping", "ligging in het gebouw"]
    if counted.size == 0:
        return outcome(
            rule,
            "pass",
            f"In de flat ({dwellings.size} woningen) telt geen andere woning mee; dus ook niet "
            f"binnen {reach}.",
            measured=measured,
            limit=limit,
        )
    evidence = [ctx.evidence("same_pand", int(u)) for u in counted]
    names = "; ".join(ds.unit_label(int(u)) for u in counted[:MAX_LISTED])
    more = counted.size - MAX_LISTED
    text = (
        f"In de flat ({dwellings.size} woningen) tellen {counted.size} woning(en) mee: {names}"
        + (f"; en nog {more}" if more > 0 else "")
        + f". {NO_FLOORS}: beoordeel met de plattegronden of een daarvan binnen {reach} ligt."
    )
    return outcome(rule, "review", text, measured=measured, limit=limit, evidence=evidence)
