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
* ``gemeente``: the whole municipality (Gennep 1%): the units whose BAG identificatie begins
  with one of ``gemeentecodes`` (the BAG keeps no gemeente per object; an identificatie begins
  with the code of the municipality that issued it, so list the codes of merged ones too).
* ``entrance``: the units sharing the application's entrance (Amsterdam 25% per trappenhuis or
  galerij). The BAG has no staircases: the approximation is the units in the same pand whose
  hoofdadres has the same openbare ruimte and huisnummer (10-1, 10-2, 10-H), leaving out those
  whose huisletter or toevoeging marks a ground-floor dwelling with its own front door
  (``own_entrance``, e.g. H or hs). The verdict states the approximation.

``dwelling_area_over_m2`` (Rotterdam: 5% of the dwellings over 60 m²) keeps in the denominator
only dwellings with a BAG oppervlakte above that figure.

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
    group: Literal["area", "pand", "gemeente", "entrance"] = Field(
        description="area: the polygon of `zone` holding the application; pand: its pand(s); "
        "gemeente: the units of `gemeentecodes`; entrance: the units sharing its entrance"
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
    gemeentecodes: tuple[str, ...] | None = Field(
        default=None,
        description="required for group 'gemeente': the 4-digit codes the BAG identificaties "
        "of the municipality begin with",
    )
    own_entrance: tuple[str, ...] = Field(
        default=("H", "HS", "huis"),
        description="group 'entrance': huisletters/toevoegingen (case-insensitive) of "
        "ground-floor dwellings with their own front door, left out of the group",
    )
    dwelling_area_over_m2: int | None = Field(
        default=None,
        ge=0,
        description="only dwellings with a BAG oppervlakte above this count in the denominator",
    )

    @model_validator(mode="after")
    def _zone_matches_group(self) -> Params:
        if self.group == "area" and self.zone is None:
            raise ValueError("zone: verplicht bij group 'area' (de laag met de gebieden)")
        if self.group != "area" and self.zone is not None:
            raise ValueError(
                f"zone: alleen bij group 'area'; laat het weg bij group {self.group!r}"
            )
        if self.group == "gemeente" and not self.gemeentecodes:
            raise ValueError("gemeentecodes: verplicht bij group 'gemeente' (bijv. ['0907'])")
        if self.group != "gemeente" and self.gemeentecodes is not None:
            raise ValueError("gemeentecodes: alleen bij group 'gemeente'")
        for code in self.gemeentecodes or ():
            if len(code) != 4 or not code.isdigit():
                raise ValueError(f"gemeentecodes: {code!r} is geen gemeentecode van 4 cijfers")
        return self


def area_members(ds: Dataset, layer: ZoningLayer, index: int) -> np.ndarray:
    """Sorted units whose point lies in polygon ``index`` of ``layer`` (kept by the dataset)."""
    return ds.derived.get(
        ("area_members", layer, index), lambda: np.sort(ds.units_in_polygon(layer.geometry[index]))
    )


def gemeente_members(ds: Dataset, codes: tuple[str, ...]) -> np.ndarray:
    """Sorted units whose BAG identificatie begins with one of ``codes`` (kept by the dataset)."""

    def make() -> np.ndarray:
        prefix = np.char.ljust(ds.unit_id.astype("S4"), 4)
        mask = np.isin(prefix, [c.encode() for c in codes])
        return np.flatnonzero(mask)

    return ds.derived.get(("gemeente_members", codes), make)


ENTRANCE_TEXT = (
    "De BAG kent geen trappenhuizen of galerijen: als één ingang gelden de adressen in hetzelfde "
    "pand met dezelfde straat en hetzelfde huisnummer"
)


def own_entrance(ds: Dataset, a: int, marks: tuple[str, ...]) -> bool:
    """Whether address row ``a`` has a huisletter or toevoeging marking its own front door."""
    wanted = {m.casefold() for m in marks}
    letter = str(ds.addr_huisletter[a] or "").casefold()
    extra = str(ds.addr_toevoeging[a] or "").casefold()
    return letter in wanted or extra in wanted


def entrance_members(ctx: Context, own_entrance_marks: tuple[str, ...]) -> tuple[np.ndarray, int]:
    """Units sharing the application's entrance, and how many own-entrance units were left out."""
    ds = ctx.dataset
    fps = ctx.footprints
    if len(fps) == 0:
        return np.array([ctx.unit]), 0
    mates = np.unique(ds.fp_units.gather(fps))
    a = int(ds.unit_hoofdadres[ctx.unit])
    if a < 0:
        return np.array([ctx.unit]), 0
    street, number = ds.addr_street[a], ds.addr_huisnummer[a]
    keep, left_out = [], 0
    for u in mates.tolist():
        b = int(ds.unit_hoofdadres[u])
        if b < 0 or ds.addr_street[b] != street or ds.addr_huisnummer[b] != number:
            continue
        if u != ctx.unit and own_entrance(ds, b, own_entrance_marks):
            left_out += 1
            continue
        keep.append(u)
    return np.union1d(np.array(keep, np.int64), [ctx.unit]), left_out


def evaluate(rule: RuleSpec, p: Params, ctx: Context) -> RuleOutcome:
    ds = ctx.dataset
    limit_info: dict[str, object] = {"group": p.group, "min_dwellings": p.min_dwellings}
    note = ""
    if p.dwelling_area_over_m2 is not None:
        limit_info["dwelling_area_over_m2"] = p.dwelling_area_over_m2
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
    elif p.group == "gemeente":
        assert p.gemeentecodes is not None  # the validator guarantees it
        own = ds.unit_identificatie(ctx.unit)[:4]
        if own not in p.gemeentecodes:
            return outcome(
                rule,
                "not_applicable",
                f"De aanvraag ligt niet in de gemeente ({', '.join(p.gemeentecodes)}) maar in "
                f"{own} (begin van de BAG-identificatie); de regel over de hele gemeente geldt "
                "hier niet.",
                measured={"gemeentecode": own},
                limit={"max_share": float(p.max_share), "rounding": p.rounding, **limit_info},
            )
        members = np.union1d(gemeente_members(ds, p.gemeentecodes), [ctx.unit])
        where = f"de gemeente ({', '.join(p.gemeentecodes)})"
        extra = {"group": "gemeente", "gemeentecodes": list(p.gemeentecodes)}
        relation = "same_gemeente"
    elif p.group == "entrance":
        a = int(ds.unit_hoofdadres[ctx.unit])
        entrance = f"{ds.street_naam[ds.addr_street[a]]} {ds.addr_huisnummer[a]}" if a >= 0 else "-"
        if a >= 0 and own_entrance(ds, a, p.own_entrance):
            return outcome(
                rule,
                "not_applicable",
                f"{ds.unit_label(ctx.unit)} is een benedenwoning met een eigen voordeur "
                f"(aanduiding {', '.join(p.own_entrance)}); die hoort niet bij het trappenhuis of "
                "de galerij en valt niet onder de regel per ingang.",
                limit={"max_share": float(p.max_share), "rounding": p.rounding, **limit_info},
            )
        members, left_out = entrance_members(ctx, p.own_entrance)
        where = f"de ingang {entrance}"
        note = (
            f" {ENTRANCE_TEXT}; {left_out} benedenwoning(en) met een eigen voordeur tellen niet "
            "mee."
        )
        extra = {
            "group": "entrance",
            "entrance": entrance,
            "own_entrance_left_out": left_out,
            "approximation": ENTRANCE_TEXT,
        }
        relation = "same_entrance"
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

    if p.dwelling_area_over_m2 is not None:
        big = ds.unit_oppervlakte[members] > p.dwelling_area_over_m2
        members = np.union1d(members[big], [ctx.unit])
        where += f" (alleen woningen boven {p.dwelling_area_over_m2} m² tellen)"
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
    result.limit.update(limit_info)
    if note:
        result.message += note
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


def _fixed_group(
    members: np.ndarray,
    at: np.ndarray,
    units: np.ndarray,
    weight: np.ndarray,
    counted: np.ndarray,
    own_d: np.ndarray,
    dwellings: np.ndarray,
    existing: np.ndarray,
) -> None:
    """Dwellings and counted dwellings of one group (sorted ``members``, ``weight`` marking
    those that count in the denominator) for its candidates ``at``; the application is in its
    group whatever its point's rounding or its oppervlakte (``np.union1d(members, [unit])``)."""
    if len(members):
        i = np.minimum(np.searchsorted(members, units[at]), len(members) - 1)
        member = (members[i] == units[at]) & weight[units[at]]
    else:
        member = np.zeros(len(at), bool)
    dwellings[at] = int(weight[members].sum()) + np.where(member, 0, own_d[at])
    existing[at] = int((counted & weight)[members].sum()) - (member & counted[units[at]])


def evaluate_all(rule: RuleSpec, p: Params, bulk: BulkContext) -> BulkOutcome | None:
    """Every candidate at once: its area by one point-in-polygon query (or its panden, or the
    gemeente), the dwellings and counted dwellings per group counted once, then the share
    test. Groups per entrance are per application."""
    if p.group == "entrance":
        return None
    ds, units, n = bulk.dataset, bulk.units, bulk.n
    dwelling = bulk.dwellings(p.dwelling)
    counted = bulk.counted(p.counted) & dwelling
    # what counts in the denominator: dwellings, above an oppervlakte when one is set
    weight = dwelling.copy()
    if p.dwelling_area_over_m2 is not None:
        weight &= ds.unit_oppervlakte > p.dwelling_area_over_m2
    own_d = dwelling[units]
    dwellings = np.zeros(n, np.int64)  # dwellings among the group's members (+ the candidate)
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
            _fixed_group(members, at, units, weight, counted, own_d, dwellings, existing)
            gebied[at] = layer.identificatie[z]
    elif p.group == "gemeente":
        assert p.gemeentecodes is not None
        codes = np.array([c.encode() for c in p.gemeentecodes])
        grouped = np.isin(np.char.ljust(ds.unit_id[units].astype("S4"), 4), codes)
        at = np.flatnonzero(grouped)
        members = gemeente_members(ds, p.gemeentecodes)
        _fixed_group(members, at, units, weight, counted, own_d, dwellings, existing)
    else:
        grouped = np.diff(ds.unit_fps.ptr)[units] > 0
        pos, fps = expand(ds.unit_fps, units)
        at, members = expand(ds.fp_units, fps)
        keys = unique_pairs(pos[at], members, ds.n_units)
        pos_m, m = keys // ds.n_units, keys % ds.n_units
        dwellings = np.bincount(pos_m, weight[m], n).astype(np.int64)
        # a candidate left out by the oppervlakte is put back in its group
        dwellings += own_d & ~weight[units] & grouped
        existing = np.bincount(pos_m, counted[m] & weight[m] & (m != units[pos_m]), n)
        existing = existing.astype(np.int64)
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
