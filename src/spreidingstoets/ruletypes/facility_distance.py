"""No verblijfsobject with a given BAG gebruiksdoel (a school, a care facility) within R metres.

Tilburg refuses room letting within 50 m of certain social facilities. The BAG knows no
"social facility": a policy names the gebruiksdoelen that stand for one (onderwijsfunctie,
gezondheidszorgfunctie, bijeenkomstfunctie, ...), and every verblijfsobject in use with one of
them counts, whatever else it is used for. The distance is measured as in ``min_distance``:
from the application's pand footprint, or from its kadastrale percelen (``parcel_layer``), to
the facility's pand footprint; ``zone_radii`` and ``exempt_in`` work the same. A distance
below R - b fails, within the review band b of R asks for review, beyond passes.
"""

from __future__ import annotations

import numpy as np
import shapely
from pydantic import Field, model_validator

from spreidingstoets.domain.model import RuleOutcome
from spreidingstoets.domain.vocabulary import WONING_STATUSES
from spreidingstoets.ruletypes.base import (
    Context,
    CountedIndex,
    RuleSpec,
    Strict,
    ZoneRef,
    fmt_m,
    outcome,
)
from spreidingstoets.ruletypes.min_distance import (
    ZoneRadius,
    _fmt_r,
    radius_here,
    zone_exemption,
)
from spreidingstoets.ruletypes.parcels import origin

NAME = "facility_distance"
MAX_LISTED = 5


class Params(Strict):
    radius_m: float = Field(gt=0, description="no such facility closer than this, metres")
    gebruiksdoelen: tuple[str, ...] = Field(
        min_length=1,
        description="BAG gebruiksdoelen that stand for the facilities, e.g. onderwijsfunctie",
    )
    statuses: tuple[str, ...] = Field(
        default=WONING_STATUSES, description="BAG statuses of the facilities that count"
    )
    review_band_m: float = Field(
        default=1.0, ge=0, description="R - band <= d <= R + band gives review; 0: off"
    )
    parcel_layer: str | None = Field(
        default=None,
        description="measure from the percelen of this layer under the application's point",
    )
    zone_radii: tuple[ZoneRadius, ...] = Field(
        default=(), description="other radii inside zones; the first zone containing the point wins"
    )
    exempt_in: ZoneRef | None = Field(
        default=None, description="the rule does not apply when the application's point lies here"
    )

    @model_validator(mode="after")
    def _band_below_radius(self) -> Params:
        radii = [self.radius_m, *(z.radius_m for z in self.zone_radii)]
        if self.review_band_m >= min(radii):
            raise ValueError(f"review_band_m moet kleiner zijn dan elke straal ({min(radii)})")
        return self


def _index(ctx: Context, p: Params) -> CountedIndex:
    ds = ctx.dataset

    def make() -> CountedIndex:
        mask = np.zeros(ds.n_units, bool)
        for doel in p.gebruiksdoelen:
            mask |= ds.woning_definition(tuple(p.statuses), doel)
        units = np.flatnonzero(mask)
        geoms = np.array([ds.unit_geometry(int(u)) for u in units], dtype=object)
        return CountedIndex(units, geoms, shapely.STRtree(geoms))

    return ds.derived.get(("facility_index", p.gebruiksdoelen, p.statuses), make)


def evaluate(rule: RuleSpec, p: Params, ctx: Context) -> RuleOutcome:
    ds = ctx.dataset
    doelen = ", ".join(p.gebruiksdoelen)
    exempt = zone_exemption(rule, ctx, p.exempt_in, what="De afstandsregel tot voorzieningen")
    if exempt is not None:
        return exempt
    radius, where = radius_here(ctx, p.radius_m, p.zone_radii)
    band = p.review_band_m
    start = origin(ctx, p.parcel_layer)
    units, dist = _index(ctx, p).within(start.geom, radius + band)
    keep = units != ctx.unit
    units, dist = units[keep], np.round(dist[keep], 6)
    fail = bool(len(dist)) and bool((dist < radius - band if band else dist < radius).any())
    review = not fail and band > 0 and len(units) > 0
    measured = {
        "nearest_m": round(float(dist[0]), 2) if len(dist) else None,
        "facilities_found": len(units),
        "method": start.method,
        "percelen": list(start.parcels),
        "zone": where,
    }
    limit = {"radius_m": radius, "review_band_m": band, "gebruiksdoelen": list(p.gebruiksdoelen)}
    evidence = [
        ctx.evidence(
            "facility",
            int(u),
            distance_m=round(float(d), 2),
            gebruiksdoel=ds.unit_gebruiksdoelen(int(u)),
        )
        for u, d in zip(units.tolist(), dist.tolist(), strict=True)
    ]
    zone_text = "" if where == "algemeen" else f" (straal voor {where})"
    how = f"gemeten {start.text} tot de pandcontour van de voorziening"

    def listed() -> str:
        parts = [
            f"{ds.unit_label(int(u))} ({fmt_m(float(d))}; {', '.join(ds.unit_gebruiksdoelen(int(u)))})"
            for u, d in zip(units[:MAX_LISTED], dist[:MAX_LISTED], strict=True)
        ]
        more = len(units) - MAX_LISTED
        return "; ".join(parts) + (f"; en nog {more}" if more > 0 else "")

    if fail:
        text = (
            f"Binnen {_fmt_r(radius)}{zone_text} ligt een voorziening ({doelen}), {how}: "
            f"{listed()}."
        )
        return outcome(rule, "fail", text, measured=measured, limit=limit, evidence=evidence)
    if review:
        text = (
            f"De dichtstbijzijnde voorziening ({doelen}) ligt binnen {_fmt_r(band)} van de straal "
            f"van {_fmt_r(radius)}{zone_text}, {how}: {listed()}. Beoordeel handmatig."
        )
        return outcome(rule, "review", text, measured=measured, limit=limit, evidence=evidence)
    text = f"Geen voorziening ({doelen}) binnen {_fmt_r(radius)}{zone_text}, {how}."
    return outcome(rule, "pass", text, measured=measured, limit=limit, evidence=evidence)
