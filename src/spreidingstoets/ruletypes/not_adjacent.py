"""No counted dwelling next to the application: same pand, shared wall or nearby house number.

Tiel (no two next to each other), Heusden (always two houses in between: ``house_numbers: 2``).

* ``same_pand``: another counted unit in one of the application's panden.
* ``shared_wall``: a counted unit in another pand whose footprint lies within ``tolerance_m``
  of one of the application's panden (0.5 m by default: touching walls, with BAG slack).
  Across the street or behind an alley wider than the tolerance is not adjacent.
* ``house_numbers``: a counted unit on the same side of the same street (BAG openbare ruimte;
  the side decided from the geometry, so a street numbered 1, 2, 3 along one side works) within
  N house-number positions. Positions count what stands between (``between``: existing
  verblijfsobjecten, a shop too; not a garage box, nor a withdrawn, never realised or missing
  number):
  with 5, 9, 11 on a side and no 7, 9 is one position from 5; 3, 3a and 3b are three
  positions. House numbers more than ``max_gap_m`` apart are no neighbours, and nothing beyond
  such a gap is counted. The model is ``dataset/neighbours.py``, shared with ``not_enclosed``.
"""

from __future__ import annotations

import numpy as np
import shapely
from pydantic import Field

from spreidingstoets.dataset.model import Dataset
from spreidingstoets.dataset.neighbours import SideView, standing_mask
from spreidingstoets.domain.model import Evidence, RuleOutcome
from spreidingstoets.domain.vocabulary import WONING_GEBRUIKSDOEL
from spreidingstoets.ruletypes.base import Context, Counted, RuleSpec, Strict, fmt_m, outcome
from spreidingstoets.ruletypes.bulk import (
    OUTCOME_DTYPE,
    BulkContext,
    BulkOutcome,
    expand,
    merge_exact,
    unique_pairs,
)

NAME = "not_adjacent"
FIGURES = ("same_pand", "adjacent_pand", "side_neighbour", "total")

MAX_LISTED = 5
RELATION_TEXT = {
    "same_pand": "in hetzelfde pand",
    "adjacent_pand": "in een aangrenzend pand",
    "side_neighbour": "huisnummerbuur",
}


def in_sorted(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """``np.isin(values, sorted_set)`` for a sorted ``sorted_set``, without its overhead."""
    if len(sorted_set) == 0 or len(values) == 0:
        return np.zeros(len(values), bool)
    i = sorted_set.searchsorted(values)
    i[i == len(sorted_set)] = 0
    return np.asarray(sorted_set[i] == values)


def neighbour_footprints(
    ds: Dataset, fps: np.ndarray, tolerance: float, geom: shapely.Geometry | None = None
) -> np.ndarray:
    """Active footprints within ``tolerance`` metres of ``fps``, without ``fps`` (sorted).

    Uses the stored adjacency graph when the tolerance is the dataset's, else an STRtree query
    around ``geom`` (the union of ``fps`` unless given).
    """
    if len(fps) == 0:
        return fps
    if tolerance == ds.adjacency_tolerance:
        if len(fps) == 1:  # the common case: the graph's row is sorted and holds no self-loop
            return ds.fp_adjacent.members(int(fps[0]))
        near = np.unique(ds.fp_adjacent.gather(fps))
    else:
        if geom is None:
            geoms = ds.footprints.geoms(fps)
            geom = geoms[0] if len(fps) == 1 else shapely.union_all(geoms)
        near = ds.footprints_within(geom, tolerance)
    return near[~in_sorted(near, np.sort(fps))]


class Between(Strict):
    """What stands between two house numbers, or in a neighbouring pand: the same in every rule
    type (``dataset/neighbours.py``). Existing verblijfsobjecten and plaatsen always do."""

    other_uses: bool = Field(
        default=True,
        description="an existing verblijfsobject without woonfunctie (a shop, an office) stands "
        "between",
    )
    storage: bool = Field(
        default=False,
        description="a verblijfsobject with only 'overige gebruiksfunctie' (a garage box, a "
        "storage unit) stands between",
    )
    under_construction: bool = Field(
        default=False, description="a verblijfsobject under construction (gevormd) stands between"
    )
    withdrawn: bool = Field(
        default=False, description="a withdrawn (ingetrokken) verblijfsobject stands between"
    )
    not_realised: bool = Field(
        default=False, description="a never realised verblijfsobject stands between"
    )
    demolished: bool = Field(
        default=False,
        description="a verblijfsobject whose panden are all demolished stands between",
    )

    def mask(self, ds: Dataset, gebruiksdoel: str = WONING_GEBRUIKSDOEL) -> np.ndarray:
        """Per unit: stands between (cached on the dataset)."""
        return standing_mask(ds, gebruiksdoel=gebruiksdoel, **self.model_dump())


MAX_GAP_M = 50.0  # [default] house-number neighbours further apart are no neighbours
MAX_GAP_TEXT = (
    "house-number neighbours whose address points lie further apart than this (metres) are no "
    "neighbours, and nothing beyond such a gap counts"
)
PARITY_TEXT = "straatkant op even/oneven: de ligging beslist daar niet"


class Params(Strict):
    same_pand: bool = Field(
        default=True, description="another counted dwelling in the same pand fails"
    )
    shared_wall: bool = Field(
        default=True,
        description="a counted dwelling in a pand within tolerance_m of the application's fails",
    )
    tolerance_m: float = Field(
        default=0.5,
        ge=0,
        description="footprints within this distance (metres, inclusive) share a wall",
    )
    house_numbers: int = Field(
        default=0,
        ge=0,
        description="also fail on a counted dwelling within this many house-number positions on "
        "the same side of the street (Heusden: 2 = always two houses in between); 0 = off",
    )
    max_gap_m: float = Field(default=MAX_GAP_M, gt=0, description=MAX_GAP_TEXT)
    between: Between = Field(default=Between(), description="what stands between house numbers")
    counted: Counted = Field(default=Counted(), description="which register entries count")


def evaluate(rule: RuleSpec, p: Params, ctx: Context) -> RuleOutcome:
    ds = ctx.dataset
    own_fps = ctx.footprints
    found: dict[int, Evidence] = {}
    counts = {"same_pand": 0, "adjacent_pand": 0, "side_neighbour": 0}

    def add(units: np.ndarray, relation: str, **detail: object) -> None:
        for u in units[ctx.is_counted(units, p.counted)]:
            u = int(u)
            if u in found:
                continue
            extra = dict(detail)
            if relation == "adjacent_pand":
                dist = float(shapely.distance(ctx.geometry, ds.unit_geometry(u)))
                extra["distance_m"] = round(dist, 2)
            if relation == "side_neighbour" and ds.side_by_parity[u]:
                extra["side_by_parity"] = True
            found[u] = ctx.evidence(relation, u, **extra)
            counts[relation] += 1

    if p.same_pand and len(own_fps):
        mates = ds.fp_units.gather(own_fps)
        add(np.unique(mates[mates != ctx.unit]), "same_pand")
    if p.shared_wall and len(own_fps):
        near = neighbour_footprints(ds, own_fps, p.tolerance_m, ctx.geometry)
        units = ds.fp_units.gather(near)
        add(np.unique(units[units != ctx.unit]), "adjacent_pand")
    by_parity = False
    if p.house_numbers > 0 and ds.side_key[ctx.unit] >= 0:
        standing = p.between.mask(ds)
        counted = ctx.register.counted_mask(ctx.period, p.counted)
        app = ctx.unit
        view = SideView.of(ds, app, lambda m: standing[m] | counted[m] | (m == app))
        here = view.position(int(ds.side_rank[app]))
        by_parity = bool(ds.side_by_parity[app])
        for there, steps in view.walk(here, p.house_numbers, p.max_gap_m):
            add(np.sort(view.at(there)), "side_neighbour", rank_distance=steps)

    order = list(RELATION_TEXT)
    evidence = sorted(
        found.values(), key=lambda e: (order.index(e.relation), e.verblijfsobject or "")
    )
    measured = {**counts, "total": len(found)}
    limit = {
        "same_pand": p.same_pand,
        "shared_wall": p.shared_wall,
        "tolerance_m": p.tolerance_m,
        "house_numbers": p.house_numbers,
        "max_gap_m": p.max_gap_m,
    }
    checks = []
    if p.same_pand:
        checks.append("hetzelfde pand")
    if p.shared_wall:
        checks.append(f"aangrenzende panden (binnen {fmt_m(p.tolerance_m)})")
    if p.house_numbers:
        checks.append(
            f"{p.house_numbers} huisnummer(s) aan weerszijden aan dezelfde straatkant (tot "
            f"{fmt_m(p.max_gap_m)} uit elkaar" + (f"; {PARITY_TEXT}" if by_parity else "") + ")"
        )
    scope = ", ".join(checks) or "niets (alle controles uit)"
    if not found:
        return outcome(
            rule,
            "pass",
            f"Geen meetellende woning naast de aanvraag; gecontroleerd: {scope}.",
            measured=measured,
            limit=limit,
        )
    listed = "; ".join(f"{e.address} ({RELATION_TEXT[e.relation]})" for e in evidence[:MAX_LISTED])
    more = len(evidence) - MAX_LISTED
    text = (
        f"Er ligt al een meetellende woning naast de aanvraag: {listed}"
        + (f"; en nog {more}" if more > 0 else "")
        + f". Gecontroleerd: {scope}."
    )
    return outcome(rule, "fail", text, measured=measured, limit=limit, evidence=evidence)


def wall_neighbours(ds: Dataset, units: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every (position in ``units``, footprint) with the footprint within the dataset's
    adjacency tolerance of one of the unit's panden and not one of them: the bulk form of
    ``neighbour_footprints`` over the stored graph (unique pairs, by position)."""
    pos, own = expand(ds.unit_fps, units)
    at, near = expand(ds.fp_adjacent, own)
    pos_near = pos[at]
    width = len(ds.fp_id) + 1
    keys = pos_near * width + near
    # The common case needs no sorting: a unit in one pand gets that pand's row of the graph,
    # which is sorted, without repeats and without the pand itself (checked here).
    one = np.diff(ds.unit_fps.ptr)[units] == 1
    lone = one[pos_near]
    fast = keys[lone]
    if len(fast) and not (np.all(fast[1:] > fast[:-1]) and np.all(near[lone] != own[at][lone])):
        one[:], lone[:], fast = False, False, fast[:0]
    rest = np.unique(keys[~lone])
    many = ~one[pos]
    rest = rest[~np.isin(rest, unique_pairs(pos[many], own[many], width))]
    keys = np.sort(np.concatenate([fast, rest]), kind="stable")  # two sorted runs, merged
    return keys // width, keys % width


def counted_in(
    ds: Dataset, pos: np.ndarray, fps: np.ndarray, counted: np.ndarray, units: np.ndarray
) -> np.ndarray:
    """Sorted unique ``position * n_units + unit`` keys of the counted units in the footprints
    ``fps`` of each position (the candidate itself left out)."""
    at, members = expand(ds.fp_units, fps)
    p = pos[at]
    keep = counted[members] & (members != units[p])
    return unique_pairs(p[keep], members[keep], ds.n_units)


def evaluate_all(rule: RuleSpec, p: Params, bulk: BulkContext) -> BulkOutcome | None:
    """Same pand and shared walls for every candidate at once over the unit -> pand, pand ->
    pand and pand -> unit indexes; house-number neighbours per application, only for the
    candidates whose side of the street holds a counted unit (elsewhere there are none)."""
    ds, units = bulk.dataset, bulk.units
    if p.shared_wall and p.tolerance_m != ds.adjacency_tolerance:
        return None  # another tolerance than the stored graph's: per application
    counted = bulk.counted(p.counted)
    empty = np.zeros(0, np.int64)
    same = empty
    if p.same_pand:
        pos, own = expand(ds.unit_fps, units)
        same = counted_in(ds, pos, own, counted, units)
    adjacent = empty
    if p.shared_wall:
        pos, near = wall_neighbours(ds, units)
        adjacent = counted_in(ds, pos, near, counted, units)
        adjacent = adjacent[~np.isin(adjacent, same)]  # found once, as same_pand
    n = bulk.n
    n_same = np.bincount(same // ds.n_units, minlength=n).astype(np.int64)
    n_adjacent = np.bincount(adjacent // ds.n_units, minlength=n).astype(np.int64)
    total = n_same + n_adjacent
    result = np.where(total > 0, "fail", "pass").astype(OUTCOME_DTYPE)
    base = BulkOutcome(
        result,
        {
            "same_pand": n_same,
            "adjacent_pand": n_adjacent,
            "side_neighbour": np.zeros(n, np.int64),
            "total": total,
        },
    )
    if p.house_numbers == 0:
        return base
    # a side without a counted unit (the candidate's own left out) has no counted neighbour
    side = ds.side_key[units]
    counted_sides = np.bincount(
        ds.side_key[counted & (ds.side_key >= 0)], minlength=1 + max(0, int(ds.side_key.max()))
    )
    on_side = np.where(side >= 0, counted_sides[np.maximum(side, 0)] - counted[units], 0) > 0
    return merge_exact(base, rule, evaluate, FIGURES, bulk, np.flatnonzero(on_side))
