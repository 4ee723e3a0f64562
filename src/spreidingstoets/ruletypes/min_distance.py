"""No counted dwelling within R metres of the application (footprint or point distance).

Aalsmeer 100 m (woonwijken and linten only), Tilburg 50 m (25 m in busy ribbons), Rotterdam
50 m, Eindhoven 30 m.

Measuring (``measure``):

* ``footprint`` (default): the closest distance between the application's pand footprint(s)
  and the other unit's pand footprint(s); two units in the same pand are 0 m apart. A unit
  without a footprint is measured from its point.
* ``point``: the distance between the two BAG unit points.

Both distances are reported for every counted unit found; the chosen one decides.

Verdict for the nearest counted unit at distance ``d`` (R the radius in effect, b the review
band):

* ``b > 0``: ``d < R - b`` fails; ``R - b <= d <= R + b`` is ``review`` (both band edges
  belong to the band: R = 100, b = 1 gives 98.99 fail, 99.00 to 101.00 review, 101.01 pass);
  ``d > R + b`` passes. ``inclusive`` does not matter then, because R lies inside the band.
* ``b == 0``: ``d < R`` fails (``d <= R`` with ``inclusive``), otherwise pass.

Distances are compared unrounded, except that they are snapped to the micrometre (1e-6 m) to
remove the floating-point noise of coordinates near (150 000, 430 000): BAG coordinates have
millimetre resolution, so this never changes a real comparison (99.995 m stays below 100 m).
The JSON shows them rounded to 0.01 m.

Zones (``applies_in``, ``exempt_in``, ``zone_radii``) are tested at the application's BAG
point (a point on a zone boundary is inside).

``parcel_layer`` (Tilburg: "50 m van de kadastrale perceelgrens") measures from the union of
the percelen of that layer under the application's point instead of its pand; without the layer
or a perceel there, from the pand, and the verdict says so (``measured.method``).
``exempt_from_units`` (Eindhoven: complexes of 8 or more units) makes the rule not apply when
the application's pand(en) hold that many dwellings or more.
"""

from __future__ import annotations

import math
from typing import Literal, NamedTuple

import numpy as np
import shapely
from pydantic import Field, model_validator

from spreidingstoets.domain.model import RuleOutcome
from spreidingstoets.ruletypes.base import (
    Context,
    Counted,
    Dwelling,
    RuleSpec,
    Strict,
    ZoneRef,
    fmt_m,
    outcome,
)
from spreidingstoets.ruletypes.bulk import (
    OUTCOME_DTYPE,
    BulkContext,
    BulkOutcome,
    candidates_within,
    points_in,
    rounded,
    unit_geometries,
)
from spreidingstoets.ruletypes.parcels import origin

NAME = "min_distance"
FIGURES = ("nearest_m", "nearest_point_m", "within_radius", "within_band", "radius_m")

SNAP = 6  # decimals (micrometres) distances are snapped to before comparing
MAX_LISTED = 5  # addresses named in a message


class ZoneRadius(Strict):
    """A different radius inside some zones (Tilburg: 25 m in busy ribbons)."""

    zone: ZoneRef = Field(description="zones where this radius applies")
    radius_m: float = Field(gt=0, description="radius in metres inside those zones")


class Params(Strict):
    radius_m: float = Field(gt=0, description="radius R in metres: no counted dwelling closer")
    measure: Literal["footprint", "point"] = Field(
        default="footprint",
        description="footprint: closest distance between pand footprints (same pand = 0 m); "
        "point: distance between the BAG unit points",
    )
    inclusive: bool = Field(
        default=False,
        description="False: distance < R violates; True: distance <= R violates (only matters "
        "when review_band_m is 0)",
    )
    review_band_m: float = Field(
        default=1.0,
        ge=0,
        description="distances with R - band <= d <= R + band (edges included) give review "
        "instead of pass/fail (BAG geometry accuracy); 0 switches review off",
    )
    applies_in: ZoneRef | None = Field(
        default=None,
        description="the rule applies only when the application's point lies in these zones",
    )
    exempt_in: ZoneRef | None = Field(
        default=None,
        description="the rule does not apply when the application's point lies in these zones",
    )
    zone_radii: tuple[ZoneRadius, ...] = Field(
        default=(), description="other radii inside zones; the first zone containing the point wins"
    )
    counted: Counted = Field(default=Counted(), description="which register entries count")
    parcel_layer: str | None = Field(
        default=None,
        description="measure from the percelen of this polygon layer under the application's "
        "point (kadastrale perceelgrens); without the layer or a perceel there, from the pand",
    )
    exempt_from_units: int | None = Field(
        default=None,
        ge=2,
        description="the rule does not apply when the application's pand(en) hold this many "
        "dwellings or more (a complex)",
    )

    @model_validator(mode="after")
    def _band_below_radius(self) -> Params:
        if self.parcel_layer is not None and self.measure != "footprint":
            raise ValueError("parcel_layer: alleen bij measure 'footprint'")
        radii = [self.radius_m, *(z.radius_m for z in self.zone_radii)]
        if self.review_band_m >= min(radii):
            raise ValueError(
                f"review_band_m ({self.review_band_m}) moet kleiner zijn dan elke straal "
                f"({min(radii)}); anders kan de regel nooit 'voldoet niet' geven"
            )
        return self


def _zone_label(zone: ZoneRef) -> str:
    return ", ".join(zone.names or (zone.layer,))


def _inside(ctx: Context, zone: ZoneRef) -> bool:
    layer = ctx.layer(zone.layer)
    return layer.coverage(ctx.point, zone.names, zone.kinds) >= 1.0


def _fmt_r(value: float) -> str:
    return f"{value:g}".replace(".", ",") + " m"


def _fmt_d(d: float, radius: float, band: float) -> str:
    """Metres with two decimals, or three when two would hide which side of an edge d is on."""
    text = fmt_m(d)
    for edge in (radius, radius - band, radius + band):
        if d != edge and text == fmt_m(edge):
            return f"{d:.3f}".replace(".", ",") + " m"
    return text


class Hit(NamedTuple):
    unit: int
    footprint_m: float  # snapped to the micrometre
    point_m: float
    same_pand: bool


def complex_size(ctx: Context) -> int:
    """Dwellings in the application's pand(en), the application included."""
    fps = ctx.footprints
    if len(fps) == 0:
        return 1
    units = np.unique(ctx.dataset.fp_units.gather(fps))
    return int(np.union1d(units[ctx.dwellings(Dwelling())[units]], [ctx.unit]).size)


def _measure(
    ctx: Context, counted: Counted, reach: float, measure: str, geom: shapely.Geometry
) -> list[Hit]:
    """Counted units within ``reach`` by ``measure``, with both distances.

    Footprint: the register's STRtree over just the counted units (their footprint union, or
    their point when they have none; inactive panden included, so a counted dwelling under
    construction is measured too). Point: the unit-point tree, filtered to counted units.
    A handful of units at most, so plain Python from here on.
    """
    ds = ctx.dataset
    hx, hy = ds.unit_xy[ctx.unit].tolist()
    if measure == "footprint":
        found, dist = ctx.counted_within(counted, geom, reach)
        units, fp_d = found.tolist(), dist.tolist()
    else:
        mask = ctx.register.counted_mask(ctx.period, counted)
        units = [
            u for u in ds.units_near_point((hx, hy), reach).tolist() if mask[u] and u != ctx.unit
        ]
        geoms = [ds.unit_geometry(u) for u in units]
        fp_d = shapely.distance(ctx.geometry, geoms).tolist() if units else []
    own = set(ds.fp_units.gather(ctx.footprints).tolist())
    xy = ds.unit_xy
    return [
        Hit(u, round(f, SNAP), round(math.hypot(xy[u, 0] - hx, xy[u, 1] - hy), SNAP), u in own)
        for u, f in zip(units, fp_d, strict=True)
    ]


def zone_exemption(
    rule: RuleSpec,
    ctx: Context,
    exempt_in: ZoneRef | None,
    applies_in: ZoneRef | None = None,
    what: str = "De afstandsregel",
) -> RuleOutcome | None:
    """``not_applicable`` when the application's point lies in ``exempt_in`` or outside
    ``applies_in``; None when the rule applies here."""
    if exempt_in is not None and _inside(ctx, exempt_in):
        return outcome(
            rule,
            "not_applicable",
            f"{what} geldt hier niet: de woning ligt in {_zone_label(exempt_in)} "
            f"(laag {exempt_in.layer}), waar de regel is uitgezonderd.",
            limit={"exempt_in": exempt_in.model_dump(mode="json")},
        )
    if applies_in is not None and not _inside(ctx, applies_in):
        return outcome(
            rule,
            "not_applicable",
            f"{what} geldt hier niet: de woning ligt niet in {_zone_label(applies_in)} "
            f"(laag {applies_in.layer}), de enige gebieden waar de regel geldt.",
            limit={"applies_in": applies_in.model_dump(mode="json")},
        )
    return None


def radius_here(
    ctx: Context, radius: float, zone_radii: tuple[ZoneRadius, ...]
) -> tuple[float, str]:
    """The radius at the application's point: of the first zone holding it, else the general."""
    for zr in zone_radii:
        if _inside(ctx, zr.zone):
            return zr.radius_m, _zone_label(zr.zone)
    return radius, "algemeen"


def evaluate(rule: RuleSpec, p: Params, ctx: Context) -> RuleOutcome:
    ds = ctx.dataset
    exempt = zone_exemption(rule, ctx, p.exempt_in, p.applies_in)
    if exempt is not None:
        return exempt
    if p.exempt_from_units is not None:
        size = complex_size(ctx)
        if size >= p.exempt_from_units:
            return outcome(
                rule,
                "not_applicable",
                f"De afstandsregel geldt hier niet: het pand telt {size} woningen, een complex "
                f"van {p.exempt_from_units} of meer valt buiten de regel.",
                measured={"complex_units": size},
                limit={"exempt_from_units": p.exempt_from_units},
            )
    radius, where = radius_here(ctx, p.radius_m, p.zone_radii)
    band = p.review_band_m
    reach = radius + band

    def dist(h: Hit) -> float:
        return h.footprint_m if p.measure == "footprint" else h.point_m

    # the tree search reaches a hair beyond; after snapping, keep what lies within R + b
    start = origin(ctx, p.parcel_layer)
    hits = sorted(
        (h for h in _measure(ctx, p.counted, reach, p.measure, start.geom) if dist(h) <= reach),
        key=lambda h: (dist(h), h.unit),
    )
    d = [dist(h) for h in hits]
    violates = [x <= radius if p.inclusive else x < radius for x in d]
    # With a band, R itself lies inside the band, so only d < R - b fails outright.
    decisive = [x < radius - band for x in d] if band > 0 else violates
    fail = any(decisive)
    review = not fail and band > 0 and bool(hits)  # every unit left lies within R + b

    how = "tussen de pandcontouren" if p.measure == "footprint" else "tussen de BAG-punten"
    if p.parcel_layer is not None:
        how = f"{start.text} tot de pandcontour"
    measured: dict[str, object] = {
        "nearest_m": round(d[0], 2) if hits else None,
        "nearest_footprint_m": round(min(h.footprint_m for h in hits), 2) if hits else None,
        "nearest_point_m": round(min(h.point_m for h in hits), 2) if hits else None,
        "within_radius": sum(violates),
        "within_band": len(hits) if band > 0 else 0,
        "measure": p.measure,
        "zone": where,
    }
    if p.parcel_layer is not None:
        measured["method"] = start.method
        measured["percelen"] = list(start.parcels)
    limit = {"radius_m": radius, "inclusive": p.inclusive, "review_band_m": band, "zone": where}
    evidence = [
        ctx.evidence(
            "within_distance",
            h.unit,
            distance_m=round(h.footprint_m, 2),
            point_distance_m=round(h.point_m, 2),
            within_radius=v,
            same_pand=h.same_pand,
        )
        for h, v in zip(hits, violates, strict=True)
    ]
    cmp = "<=" if p.inclusive else "<"
    zone_text = "" if where == "algemeen" else f" (straal voor {where})"

    def name(i: int) -> str:
        extra = ", zelfde pand" if hits[i].same_pand else ""
        return f"{ds.unit_label(hits[i].unit)} ({_fmt_d(d[i], radius, band)}{extra})"

    if fail:
        close = [i for i, x in enumerate(decisive) if x]
        more = len(close) - MAX_LISTED
        rule_text = (
            f"afstand {cmp} {_fmt_r(radius)} is niet toegestaan"
            if band == 0
            else (f"ook met de marge van {_fmt_r(band)} te dichtbij")
        )
        text = (
            f"Binnen {_fmt_r(radius)}{zone_text} ligt al een meetellende woning, gemeten {how} "
            f"({rule_text}): "
            + "; ".join(name(i) for i in close[:MAX_LISTED])
            + (f"; en nog {more}" if more > 0 else "")
            + "."
        )
        return outcome(rule, "fail", text, measured=measured, limit=limit, evidence=evidence)
    if review:
        text = (
            f"De dichtstbijzijnde meetellende woning is {name(0)}, gemeten {how}: binnen "
            f"{_fmt_r(band)} van de straal van {_fmt_r(radius)}{zone_text}. Dat valt binnen de "
            "meetonnauwkeurigheid van de BAG-geometrie; beoordeel handmatig."
        )
        return outcome(rule, "review", text, measured=measured, limit=limit, evidence=evidence)
    nearest = f" Dichtstbijzijnde: {name(0)}." if hits else ""
    margin = f", ook niet binnen de marge van {_fmt_r(band)} daarbuiten" if band > 0 else ""
    text = (
        f"Geen meetellende woning binnen {_fmt_r(radius)}{zone_text}{margin}, gemeten {how}."
        f"{nearest}"
    )
    return outcome(rule, "pass", text, measured=measured, limit=limit, evidence=evidence)


def evaluate_all(rule: RuleSpec, p: Params, bulk: BulkContext) -> BulkOutcome | None:
    """Every candidate at once: zones by bulk point-in-polygon, the counted units within reach
    by one bulk query (footprints: the register's tree of counted units; points: the unit
    KD-tree), distances snapped as ``evaluate`` does, then the verdict per candidate. From
    percelen, or with complexes left out: per application."""
    if p.parcel_layer is not None or p.exempt_from_units is not None:
        return None
    ds, units, n = bulk.dataset, bulk.units, bulk.n
    off = np.zeros(n, bool)
    for zone, inside_means_off in ((p.exempt_in, True), (p.applies_in, False)):
        if zone is not None:
            inside = points_in(bulk, bulk.layer(zone.layer), zone.names, zone.kinds)
            off |= inside if inside_means_off else ~inside
    radius = np.full(n, p.radius_m)
    settled = np.zeros(n, bool)
    for zr in p.zone_radii:
        inside = points_in(bulk, bulk.layer(zr.zone.layer), zr.zone.names, zr.zone.kinds)
        inside &= ~settled  # the first zone containing the point wins
        radius[inside] = zr.radius_m
        settled |= inside
    band = p.review_band_m
    reach = radius + band
    live = np.flatnonzero(~off)
    if p.measure == "footprint":
        index = bulk.register.counted_index(bulk.period, p.counted)
        pos, found, fp_d = candidates_within(bulk, index, reach)
        live_pairs = ~off[pos]
        pos, found, fp_d = pos[live_pairs], found[live_pairs], fp_d[live_pairs]
    else:
        counted = bulk.counted(p.counted)
        lists = ds.point_tree.query_ball_point(bulk.xy[live], r=reach[live] + 1e-6)
        lengths = np.array([len(x) for x in lists], np.int64)
        pos = np.repeat(live, lengths)
        found = (
            np.concatenate([np.asarray(x, np.int64) for x in lists])
            if lengths.sum()
            else np.zeros(0, np.int64)
        )
        keep = counted[found]
        pos, found = pos[keep], found[keep]
        others, at = np.unique(found, return_inverse=True)
        fp_d = (
            shapely.distance(bulk.geometries[pos], unit_geometries(ds, others)[at])
            if len(found)
            else np.zeros(0)
        )
    mine = found != units[pos]
    pos, found, fp_d = pos[mine], found[mine], np.asarray(fp_d)[mine]
    xy = ds.unit_xy
    app = units[pos]
    fp_s = rounded(fp_d, SNAP)

    def hypot(rows: np.ndarray) -> np.ndarray:  # as ``_measure`` computes it
        u, a = found[rows].tolist(), app[rows].tolist()
        return np.array(
            [
                math.hypot(xy[i, 0] - xy[j, 0], xy[i, 1] - xy[j, 1])
                for i, j in zip(u, a, strict=True)
            ]
        )

    pt_s = rounded(np.hypot(xy[found, 0] - xy[app, 0], xy[found, 1] - xy[app, 1]), SNAP, hypot)
    d = fp_s if p.measure == "footprint" else pt_s
    within = d <= reach[pos]
    pos, d, fp_s, pt_s = pos[within], d[within], fp_s[within], pt_s[within]
    r = radius[pos]
    violates = d <= r if p.inclusive else d < r
    decisive = d < r - band if band > 0 else violates
    hits = np.bincount(pos, minlength=n)
    fail = np.bincount(pos, decisive, n) > 0
    review = ~fail & (band > 0) & (hits > 0)
    result = np.where(fail, "fail", np.where(review, "review", "pass")).astype(OUTCOME_DTYPE)
    result[off] = "not_applicable"

    def nearest(values: np.ndarray) -> np.ndarray:
        best = np.full(n, np.inf)
        np.minimum.at(best, pos, values)
        best[best == np.inf] = np.nan
        return rounded(best, 2)

    within_radius = np.bincount(pos, violates, n).astype(np.float64)
    within_band = hits.astype(np.float64) if band > 0 else np.zeros(n)
    radius_out = radius.copy()
    for col in (within_radius, within_band, radius_out):
        col[off] = np.nan
    return BulkOutcome(
        result,
        {
            "nearest_m": nearest(d),
            "nearest_point_m": nearest(pt_s),
            "within_radius": within_radius,
            "within_band": within_band,
            "radius_m": radius_out,
        },
    )
