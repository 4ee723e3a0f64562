"""At most a share of the dwellings in an area polygon (wijk) or in one pand may be regulated.

Den Haag 5% per wijk (``group: area`` with a wijk layer), Amsterdam 25% per staircase
(``group: pand``; the BAG has no staircases, so the pand is the nearest group it knows). The
test is the one of street_share: ``(existing + 1) / dwellings <= share`` on exact fractions, or
with the allowed count rounded.

* ``area``: the group is the polygon of the ``zone`` layer that covers the application's BAG
  point (a point on the boundary is inside; with overlapping polygons the first in the layer's
  deterministic order). Members are the units whose point lies in that polygon (boundary
  included). An application outside every polygon gets ``not_applicable``.
* ``pand``: the group is every unit in the application's pand(s).

The application's own unit is in the denominator even when it is not (yet) a dwelling.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from spreidingstoets.dataset.model import Dataset
from spreidingstoets.domain.model import RuleOutcome
from spreidingstoets.ruletypes.base import (
    Context,
    Counted,
    Dwelling,
    RuleSpec,
    Strict,
    ZoneRef,
    outcome,
)
from spreidingstoets.ruletypes.bulk import (
    OUTCOME_DTYPE,
    BulkContext,
    BulkOutcome,
    expand,
    unique_pairs,
)
from spreidingstoets.ruletypes.share import group_dwellings, share_figures, share_verdict
from spreidingstoets.zoning import ZoningLayer

NAME = "area_share"
FIGURES = ("dwellings", "existing", "headroom", "gebied_id")


class Params(Strict):
    group: Literal["area", "pand"] = Field(
        description="area: the polygon of `zone` holding the application; pand: its pand(s)"
    )
    zone: ZoneRef | None = Field(
        default=None,
        description="required for group 'area': the layer (and designations) of the areas",
    )
    max_share: Decimal = Field(gt=0, le=1, description="fraction, e.g. 0.05 for 5%")
    rounding: Literal["exact", "floor", "ceil", "half_up"] = Field(
        default="exact", description="how the allowed count share * dwellings is rounded"
    )
    counted: Counted = Field(default=Counted(), description="which register entries count")
    dwelling: Dwelling = Field(default=Dwelling(), description="what is a dwelling (woning)")
    min_dwellings: int = Field(
        default=0, ge=0, description="groups with fewer dwellings than this are not_applicable"
    )

    @model_validator(mode="after")
    def _zone_matches_group(self) -> Params:
        if self.group == "area" and self.zone is None:
            raise ValueError("zone: verplicht bij group 'area' (de laag met de gebieden)")
        if self.group == "pand" and self.zone is not None:
            raise ValueError("zone: alleen bij group 'area'; laat het weg bij group 'pand'")
        return self


def area_members(ds: Dataset, layer: ZoningLayer, index: int) -> np.ndarray:
    """Sorted units whose point lies in polygon ``index`` of ``layer`` (kept by the dataset)."""
    return ds.derived.get(
        ("area_members", layer, index), lambda: np.sort(ds.units_in_polygon(layer.geometry[index]))
    )


def evaluate(rule: RuleSpec, p: Params, ctx: Context) -> RuleOutcome:
    ds = ctx.dataset
    limit_info = {"group": p.group, "min_dwellings": p.min_dwellings}
    if p.group == "area":
        assert p.zone is not None  # the validator guarantees it
        layer = ctx.layer(p.zone.layer)
        hits = layer.zones_at(ctx.point, p.zone.names, p.zone.kinds)
        if not hits:
            names = f" ({', '.join(p.zone.names)})" if p.zone.names else ""
            return outcome(
                rule,
                "not_applicable",
                f"De woning ligt in geen enkel gebied van laag {p.zone.layer}{names}; de regel "
                "per gebied geldt hier niet.",
                limit={"max_share": float(p.max_share), "rounding": p.rounding, **limit_info},
            )
        hit = hits[0]
        # the application lies in the polygon (zones_at found it there), whatever the rounding
        members = np.union1d(area_members(ds, layer, hit.index), [ctx.unit])
        where = f"het gebied {hit.naam} ({hit.identificatie})"
        extra: dict[str, object] = {
            "group": "area",
            "layer": p.zone.layer,
            "gebied": hit.naam,
            "gebied_id": hit.identificatie,
        }
        relation = "same_area"
    else:
        fps = ctx.footprints
        if len(fps) == 0:
            return outcome(
                rule,
                "not_applicable",
                "De aanvraag ligt in geen pand in de BAG; de regel per pand geldt hier niet.",
                limit={"max_share": float(p.max_share), "rounding": p.rounding, **limit_info},
            )
        members = np.unique(ds.fp_units.gather(fps))
        panden = [ds.footprint_identificatie(int(f)) for f in fps]
        where = f"pand {', '.join(panden)}"
        extra = {"group": "pand", "pand": panden}
        relation = "same_pand"

    dwellings, total = group_dwellings(ctx, members, p.dwelling)
    if total < p.min_dwellings:
        return outcome(
            rule,
            "not_applicable",
            f"In {where} zijn {total} woningen, minder dan {p.min_dwellings}; de regel geldt "
            "hier niet.",
            measured={"dwellings": total, **extra},
            limit={"max_share": float(p.max_share), "rounding": p.rounding, **limit_info},
        )
    result = share_verdict(
        rule,
        ctx,
        dwellings,
        total,
        share=p.max_share,
        rounding=p.rounding,
        counted=p.counted,
        where=where,
        relation=relation,
        extra=extra,
    )
    result.limit["min_dwellings"] = p.min_dwellings
    return result


def first_zones(bulk: BulkContext, zone: ZoneRef) -> np.ndarray:
    """Per candidate: the polygon ``zones_at`` names first at its point, -1 for none (one
    point-in-polygon query for all, then the same deterministic order)."""
    layer = bulk.layer(zone.layer)
    first = np.full(bulk.n, -1, np.int64)
    if len(layer) == 0 or bulk.n == 0:
        return first
    where, hit = layer.tree.query(bulk.points, predicate="covered_by")
    keep = layer.mask(zone.names, zone.kinds)[hit]
    where, hit = where[keep], hit[keep]
    order = np.lexsort(
        (hit, layer.identificatie[hit], layer.naam_norm[hit], layer.kind[hit], where)
    )
    where, hit = where[order], hit[order]
    lead = np.r_[True, where[1:] != where[:-1]] if len(where) else np.zeros(0, bool)
    first[where[lead]] = hit[lead]
    return first


def evaluate_all(rule: RuleSpec, p: Params, bulk: BulkContext) -> BulkOutcome:
    """Every candidate at once: its area by one point-in-polygon query (or its panden), the
    dwellings and counted dwellings per group counted once, then the share test."""
    ds, units, n = bulk.dataset, bulk.units, bulk.n
    dwelling = bulk.dwellings(p.dwelling)
    counted = bulk.counted(p.counted) & dwelling
    own_d = dwelling[units]
    dwellings = np.zeros(n, np.int64)  # dwellings among the group's members
    existing = np.zeros(n, np.int64)  # counted dwellings among them, the candidate's own not
    gebied = np.full(n, None, dtype=object)
    if p.group == "area":
        assert p.zone is not None
        layer = bulk.layer(p.zone.layer)
        zone = first_zones(bulk, p.zone)
        grouped = zone >= 0
        for z in np.unique(zone[grouped]).tolist():
            at = np.flatnonzero(zone == z)
            members = area_members(ds, layer, z)
            i = np.minimum(np.searchsorted(members, units[at]), max(len(members) - 1, 0))
            member = (members[i] == units[at]) if len(members) else np.zeros(len(at), bool)
            # the application is in its group even when its point rounding put it outside
            dwellings[at] = int(dwelling[members].sum()) + np.where(member, 0, own_d[at])
            existing[at] = int(counted[members].sum()) - (member & counted[units[at]])
            gebied[at] = layer.identificatie[z]
    else:
        grouped = np.diff(ds.unit_fps.ptr)[units] > 0
        pos, fps = expand(ds.unit_fps, units)
        at, members = expand(ds.fp_units, fps)
        keys = unique_pairs(pos[at], members, ds.n_units)
        pos_m, m = keys // ds.n_units, keys % ds.n_units
        dwellings = np.bincount(pos_m, dwelling[m], n).astype(np.int64)
        existing = np.bincount(pos_m, counted[m] & (m != units[pos_m]), n).astype(np.int64)
    total = dwellings + ~own_d
    ok, figures = share_figures(total, existing, p.max_share, p.rounding)
    small = grouped & (total < p.min_dwellings)
    result = np.where(ok, "pass", "fail").astype(OUTCOME_DTYPE)
    result[~grouped | small] = "not_applicable"
    tested = grouped & ~small
    return BulkOutcome(
        result,
        {
            "dwellings": np.where(grouped, total, np.nan),
            "existing": np.where(tested, figures["existing"], np.nan),
            "headroom": np.where(tested, figures["headroom"], np.nan),
            "gebied_id": gebied,
        },
    )
