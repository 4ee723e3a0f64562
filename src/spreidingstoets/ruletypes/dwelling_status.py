"""The application concerns a dwelling in use according to the BAG (status and gebruiksdoel).

A permit for room letting presupposes an existing dwelling: an object under construction asks
for review, a withdrawn or never-realised object or one without woonfunctie fails.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from spreidingstoets.domain.model import RuleOutcome
from spreidingstoets.ruletypes.base import Context, Dwelling, RuleSpec, Strict, outcome
from spreidingstoets.ruletypes.bulk import OUTCOME_DTYPE, BulkContext, BulkOutcome

NAME = "dwelling_status"
FIGURES = ("status",)


class Params(Strict):
    dwelling: Dwelling = Field(default=Dwelling(), description="what is a dwelling (woning)")
    review_statuses: tuple[str, ...] = Field(
        default=("Verblijfsobject gevormd", "Verbouwing verblijfsobject", "Plaats aangewezen"),
        description="BAG statuses that ask for review instead of failing (being built or "
        "rebuilt; ligplaatsen and standplaatsen, which have no gebruiksdoel)",
    )


def evaluate(rule: RuleSpec, p: Params, ctx: Context) -> RuleOutcome:
    ds, u = ctx.dataset, ctx.unit
    status = str(ds.unit_status[u])
    doelen = ds.unit_gebruiksdoelen(u)
    measured = {"objecttype": str(ds.unit_type[u]), "status": status, "gebruiksdoel": doelen}
    limit = {"statuses": list(p.dwelling.statuses), "gebruiksdoel": p.dwelling.gebruiksdoel}
    what = f"{ds.unit_type[u]} {ds.unit_identificatie(u)} ({status}"
    what += f"; gebruiksdoel {', '.join(doelen)})" if doelen else ")"
    if ctx.dwellings(p.dwelling)[u]:
        return outcome(
            rule,
            "pass",
            f"Het adres is een woning in gebruik: {what}.",
            measured=measured,
            limit=limit,
        )
    if status in p.review_statuses:
        return outcome(
            rule,
            "review",
            f"Het adres is (nog) geen woning in gebruik volgens de BAG: {what}. Beoordeel of de "
            "aanvraag op een bestaande woning betrekking heeft.",
            measured=measured,
            limit=limit,
        )
    return outcome(
        rule,
        "fail",
        f"Het adres is geen woning in gebruik volgens de BAG: {what}.",
        measured=measured,
        limit=limit,
    )


def evaluate_all(rule: RuleSpec, p: Params, bulk: BulkContext) -> BulkOutcome:
    """Every candidate at once: the dwelling mask and the review statuses."""
    status = bulk.dataset.unit_status[bulk.units].astype(str)
    ok = bulk.dwellings(p.dwelling)[bulk.units]
    review = np.isin(status, list(p.review_statuses))
    result = np.where(ok, "pass", np.where(review, "review", "fail")).astype(OUTCOME_DTYPE)
    return BulkOutcome(result, {"status": status.astype(object)})
