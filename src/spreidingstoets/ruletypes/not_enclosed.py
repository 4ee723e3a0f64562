"""Granting must not leave an ordinary dwelling with counted dwellings on both sides (Tiel).

After granting, the application counts as a counted dwelling. An ordinary dwelling D (a
dwelling by ``dwelling`` that is not counted) is *enclosed* when, by the neighbour model of
``dataset/neighbours.py`` (the same as ``not_adjacent``'s):

* (``shared_wall``) D's *sides* are the panden within ``tolerance_m`` of D's own panden in
  which something stands (``between``: an existing verblijfsobject, a shop too; a shed or a
  garage without one is no side). D is enclosed when it has at least two sides and every side
  holds a counted unit. A shop in a neighbouring pand, or behind D, is an uncounted side.
* (``house_numbers``) the nearest house-number position below D and the nearest above it on
  its side of the street (decided from the geometry) each hold a counted unit, and lie within
  ``max_gap_m`` of D's. Positions are those where something stands or a unit counts: a missing,
  withdrawn or never realised number is skipped, a shop is not; 3, 3a and 3b are three
  positions, toevoegingen (3-1, 3-2) share one.

Which dwellings are tested: exactly those the application can change. D's sides are the
panden touching D's own panden, so the application encloses D by walls only when one of its
panden touches one of D's; by house numbers only at the nearest position either side of the
application's. Any other dwelling is enclosed before granting exactly when it is after, so
testing the rest of the block would change nothing (the property test in
``tests/test_ruletypes_spatial.py`` checks this against every dwelling of generated rows).

Newness is decided per dwelling, not per route: D is newly enclosed when it is enclosed after
granting and was not enclosed before, by either route.

Flats: the BAG holds no floors, so in a pand with more than ``max_pand_units`` units
nobody knows who lives "on both sides". An enclosure that rests on such a pand (D is in one,
or the counted units on one of D's sides are all in one) is not computed on a guess: it goes
to review, with the candidates.

Outcome: ``fail`` when granting newly encloses a dwelling (outside flats); ``review`` when the
dwellings it encloses were already enclosed before (the application changes nothing for them)
or when the enclosure rests on a flat; ``pass`` otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import Field

from spreidingstoets.dataset.model import Dataset
from spreidingstoets.dataset.neighbours import SideView, block_size
from spreidingstoets.domain.model import Evidence, Outcome, RuleOutcome
from spreidingstoets.ruletypes.base import (
    Context,
    Counted,
    Dwelling,
    RuleSpec,
    Strict,
    fmt_m,
    outcome,
)
from spreidingstoets.ruletypes.bulk import (
    BulkContext,
    BulkOutcome,
    dense_unique,
    expand,
    merge_exact,
    outcomes,
)
from spreidingstoets.ruletypes.not_adjacent import (
    MAX_GAP_M,
    MAX_GAP_TEXT,
    PARITY_TEXT,
    Between,
    neighbour_footprints,
    wall_neighbours,
)

NAME = "not_enclosed"
FIGURES = ("enclosed", "already_enclosed", "flats")

MAX_LISTED = 5
VIA_TEXT = {"shared_wall": "gedeelde muren", "house_numbers": "huisnummers"}
KINDS = ("new", "already", "flat")  # newly enclosed; enclosed before already; resting on a flat


class Params(Strict):
    shared_wall: bool = Field(
        default=True,
        description="enclosure by the neighbouring panden (footprints within tolerance_m)",
    )
    house_numbers: bool = Field(
        default=True, description="enclosure by the house-number neighbours on the same street side"
    )
    tolerance_m: float = Field(
        default=0.5,
        ge=0,
        description="footprints within this distance (metres, inclusive) share a wall",
    )
    max_gap_m: float = Field(default=MAX_GAP_M, gt=0, description=MAX_GAP_TEXT)
    max_pand_units: int = Field(
        default=10,
        ge=1,
        description="a pand with more verblijfsobjecten than this (dwellings, and other units "
        "that stand: a care complex's offices, shops below flats) is a block of flats: the BAG "
        "holds no floors, so an enclosure resting on one goes to review",
    )
    between: Between = Field(default=Between(), description="what stands between (and is a side)")
    counted: Counted = Field(default=Counted(), description="which register entries count")
    dwelling: Dwelling = Field(default=Dwelling(), description="what is a dwelling (woning)")


@dataclass(frozen=True)
class _Route:
    """One way a dwelling is enclosed: the counted units around it, and whether that rests on
    a block of flats."""

    by: frozenset[int]
    flat: bool


@dataclass
class _Found:
    via: list[str]
    by: set[int]
    by_parity: bool
    kind: str = "new"  # one of KINDS


class _World:
    """The register in one state: before granting (the application does not count) or after.

    Per unit and per pand in Python: a check looks at a handful of them, where numpy's per-call
    overhead would cost more than the work; whole street sides are masked with numpy.
    """

    def __init__(
        self,
        ds: Dataset,
        counted: np.ndarray,
        standing: np.ndarray,
        dwelling: np.ndarray,
        app: int,
        granted: bool,
    ) -> None:
        self.ds, self.counted, self.standing, self.dwelling = ds, counted, standing, dwelling
        self.app, self.granted = app, granted
        self._panden: dict[int, tuple[list[int], bool]] = {}

    def counts(self, unit: int) -> bool:
        # the application's own registrations never count against it
        return self.granted if unit == self.app else bool(self.counted[unit])

    def present(self, units: np.ndarray) -> np.ndarray:
        """Per unit of ``units``: stands, is a dwelling or counts."""
        counts = np.where(units == self.app, self.granted, self.counted[units])
        return self.standing[units] | self.dwelling[units] | counts

    def pand(self, f: int) -> tuple[list[int], bool]:
        """The counted units in pand ``f``, and whether anything stands or counts in it."""
        if f not in self._panden:
            units = self.ds.fp_units.members(f).tolist()
            counted = [u for u in units if self.counts(u)]
            present = bool(counted) or any(self.standing[u] or self.dwelling[u] for u in units)
            self._panden[f] = (counted, present)
        return self._panden[f]


class _Enclosure:
    """The enclosure tests of one check, with what they share."""

    def __init__(self, ctx: Context, p: Params, dwelling: np.ndarray, standing: np.ndarray) -> None:
        self.ds, self.p, self.dwelling, self.standing = ctx.dataset, p, dwelling, standing
        self._flat: dict[int, bool] = {}
        # per world (granted or not): the answers found in it
        self._walls: dict[bool, dict[tuple[int, ...], _Route | None]] = {False: {}, True: {}}
        self._numbers: dict[bool, dict[tuple[int, int], list[list[int]] | None]] = {
            False: {},
            True: {},
        }

    def forget_granted(self) -> None:
        """Drop what was found after granting (it depends on the application)."""
        self._walls[True], self._numbers[True] = {}, {}

    def flat(self, panden: list[int]) -> bool:
        """Is any of these panden a block of flats (more than max_pand_units units)?"""
        for f in panden:
            if f not in self._flat:
                units = self.ds.fp_units.members(f)
                there = self.dwelling[units] | self.standing[units]
                self._flat[f] = int(there.sum()) > self.p.max_pand_units
            if self._flat[f]:
                return True
        return False

    def walls(self, d: int, world: _World) -> _Route | None:
        """Enclosed by walls in ``world``? (Dwellings in the same panden share the answer.)"""
        own = self.ds.unit_fps.members(d)
        key = tuple(own.tolist())
        cache = self._walls[world.granted]
        if key not in cache:
            cache[key] = self._walls_of(own, world)
        return cache[key]

    def _walls_of(self, own: np.ndarray, world: _World) -> _Route | None:
        if len(own) == 0:
            return None
        sides: list[int] = []
        by: set[int] = set()
        for f in neighbour_footprints(self.ds, own, self.p.tolerance_m).tolist():
            counted, present = world.pand(f)
            if not counted:
                if present:
                    return None  # a side without a counted unit
                continue  # a shed, a garage: no side
            sides.append(f)
            by.update(counted)
        if len(sides) < 2:
            return None
        return _Route(frozenset(by), self.flat(own.tolist()) or self.flat(sides))

    def numbers(self, d: int, view: SideView, world: _World) -> _Route | None:
        """Enclosed by house numbers in ``world``? (The units at one position share the
        counted units around it.)"""
        rank = int(self.ds.side_rank[d])
        key = (int(self.ds.side_key[d]), rank)
        cache = self._numbers[world.granted]
        if key not in cache:
            cache[key] = self._numbers_around(view.position(rank), view, world)
        sides = cache[key]
        if sides is None:
            return None
        fps = self.ds.unit_fps.members
        flat = self.flat(fps(d).tolist()) or any(
            all(self.flat(fps(c).tolist()) for c in side) for side in sides
        )
        return _Route(frozenset(u for side in sides for u in side), flat)

    def _numbers_around(self, here: int, view: SideView, world: _World) -> list[list[int]] | None:
        """The counted units at the present positions either side of ``here``, if both hold
        some and lie within max_gap_m."""
        around = view.walk(here, 1, self.p.max_gap_m)
        if len(around) < 2:
            return None
        sides: list[list[int]] = []
        for there, _ in around:
            counted = [u for u in view.at(there).tolist() if world.counts(u)]
            if not counted:
                return None
            sides.append(counted)
        return sides


@dataclass
class _Shared:
    """What the checks of many applications on one register can share (the simulation's
    screened candidates): the masks, the side views, the register before granting and what
    was found in it, the blocks of flats. Valid for an application that is present itself
    (stands, or is a dwelling) and has no counted entry of its own: then neither the views
    nor anything before granting depends on which application it is."""

    dwelling: np.ndarray
    counted: np.ndarray
    standing: np.ndarray
    before: _World
    test: _Enclosure
    views: dict[tuple[bool, int], SideView]

    @classmethod
    def of(cls, p: Params, ctx: Context, app: int = -1) -> _Shared:
        """For many applications (``app`` -1), or for ``app`` alone."""
        ds = ctx.dataset
        dwelling = ctx.dwellings(p.dwelling)
        counted = ctx.register.counted_mask(ctx.period, p.counted)
        standing = p.between.mask(ds, p.dwelling.gebruiksdoel)
        before = _World(ds, counted, standing, dwelling, app, granted=False)
        return cls(dwelling, counted, standing, before, _Enclosure(ctx, p, dwelling, standing), {})

    def fits(self, app: int) -> bool:
        return not self.counted[app] and bool(self.standing[app] or self.dwelling[app])


def _enclosures(
    p: Params, ctx: Context, shared: _Shared | None = None
) -> tuple[dict[int, _Found], set[int]]:
    """The dwellings granting ``ctx``'s application encloses (by unit, with how), and the
    dwellings it could change (the ones tested). ``shared``: reuse what it holds, where it
    fits the application."""
    ds = ctx.dataset
    app = ctx.unit
    if shared is not None and shared.fits(app):
        shared.test.forget_granted()
    else:
        shared = _Shared.of(p, ctx, app)
    dwelling, counted, standing = shared.dwelling, shared.counted, shared.standing
    before, test, views = shared.before, shared.test, shared.views
    after = _World(ds, counted, standing, dwelling, app, granted=True)

    def view(world: _World, unit: int) -> SideView:
        """The present positions of ``unit``'s side of the street in ``world``."""
        key = (world.granted, int(ds.side_key[unit]))
        if key not in views:
            views[key] = SideView.of(ds, unit, world.present)
        return views[key]

    def ordinary(units: np.ndarray) -> list[int]:
        return [u for u in set(units.tolist()) if dwelling[u] and not after.counts(u)]

    # The application can enclose d by walls only when one of its panden touches one of d's,
    # and by house numbers only when d is at the nearest position either side of it.
    by_wall: set[int] = set()
    if p.shared_wall and len(ctx.footprints):
        near = neighbour_footprints(ds, ctx.footprints, p.tolerance_m)
        by_wall.update(ordinary(ds.fp_units.gather(near)))
    by_number: set[int] = set()
    if p.house_numbers and ds.side_key[app] >= 0:
        v = view(after, app)
        here = v.position(int(ds.side_rank[app]))
        for there, _ in v.walk(here, 1, p.max_gap_m):
            by_number.update(ordinary(v.at(there)))

    def routes(d: int, world: _World) -> dict[str, _Route]:
        found: dict[str, _Route | None] = {}
        if p.shared_wall:
            found["shared_wall"] = test.walls(d, world)
        if p.house_numbers and ds.side_key[d] >= 0:
            found["house_numbers"] = test.numbers(d, view(world, d), world)
        return {via: r for via, r in found.items() if r is not None}

    def enclosed_by_application(d: int) -> bool:
        for r in (
            test.walls(d, after) if d in by_wall else None,
            test.numbers(d, view(after, d), after) if d in by_number else None,
        ):
            if r is not None and app in r.by:
                return True
        return False

    candidates = by_wall | by_number
    found: dict[int, _Found] = {}
    for d in sorted(candidates):
        if not enclosed_by_application(d):
            continue  # enclosed without the application, if at all: nothing changes for d
        now, was = routes(d, after), routes(d, before)
        e = found[d] = _Found(
            via=sorted(now),
            by={u for r in now.values() for u in r.by if u != app},
            by_parity="house_numbers" in now and bool(ds.side_by_parity[d]),
        )
        if any(not r.flat for r in was.values()):
            e.kind = "already"
        elif was or all(r.flat for r in now.values()):
            e.kind = "flat"
    return found, candidates


def _groups(found: dict[int, _Found]) -> dict[str, list[int]]:
    return {k: sorted(u for u, e in found.items() if e.kind == k) for k in KINDS}


def _settle(rule: RuleSpec, p: Params, ctx: Context, shared: _Shared | None = None) -> RuleOutcome:
    """``evaluate``'s outcome and the figures of ``FIGURES`` only (no message, evidence or
    block): what the simulation keeps of the candidates its screen hands over."""
    found, _ = _enclosures(p, ctx, shared)
    groups = _groups(found)
    result: Outcome = "fail" if groups["new"] else "review" if found else "pass"
    counts = {"enclosed": "new", "already_enclosed": "already", "flats": "flat"}
    return outcome(rule, result, "", measured={k: len(groups[g]) for k, g in counts.items()})


def evaluate(rule: RuleSpec, p: Params, ctx: Context) -> RuleOutcome:
    ds = ctx.dataset
    found, candidates = _enclosures(p, ctx)
    groups = _groups(found)
    evidence: list[Evidence] = []
    for u in groups["new"] + groups["already"] + groups["flat"]:
        e = found[u]
        detail: dict[str, object] = {
            "via": e.via,
            "enclosed_before": e.kind == "already",
            "enclosed_by": [ds.unit_identificatie(b) for b in sorted(e.by)],
        }
        if e.kind == "flat":
            detail["flat"] = True
        if e.by_parity:
            detail["side_by_parity"] = True
        evidence.append(ctx.evidence("enclosed_neighbour", u, **detail))
    seen: set[int] = set()
    for u in groups["new"] + groups["already"] + groups["flat"]:
        for b in sorted(found[u].by):
            if b not in seen:
                seen.add(b)
                evidence.append(ctx.evidence("enclosing", b, encloses=ds.unit_identificatie(u)))

    block, whole = block_size(ds, ctx.footprints)
    measured = {
        "enclosed": len(groups["new"]),
        "already_enclosed": len(groups["already"]),
        "flats": len(groups["flat"]),
        "checked": len(candidates),
        # the application's block (panden joined by walls); only those touching it can change
        "block_panden": block,
        "block_complete": whole,
    }
    limit = {
        "shared_wall": p.shared_wall,
        "house_numbers": p.house_numbers,
        "tolerance_m": p.tolerance_m,
        "max_gap_m": p.max_gap_m,
        "max_pand_units": p.max_pand_units,
    }
    checks = [
        text
        for on, text in (
            (p.shared_wall, f"aangrenzende panden (binnen {fmt_m(p.tolerance_m)})"),
            (
                p.house_numbers,
                f"huisnummerburen aan dezelfde straatkant (tot {fmt_m(p.max_gap_m)} uit elkaar)",
            ),
        )
        if on
    ]
    scope = " en ".join(checks) or "niets (alle controles uit)"

    def describe(u: int) -> str:
        e = found[u]
        by = ", ".join(ds.unit_label(b) for b in sorted(e.by)) or "-"
        via = " en ".join(VIA_TEXT[v] for v in e.via)
        if e.by_parity:
            via += f" ({PARITY_TEXT})"
        return f"{ds.unit_label(u)} (via {via}; meetellend ernaast: {by} en de aanvraag)"

    def listing(units: list[int]) -> str:
        more = len(units) - MAX_LISTED
        return "; ".join(describe(u) for u in units[:MAX_LISTED]) + (
            f"; en nog {more}" if more > 0 else ""
        )

    if groups["new"]:
        text = (
            "Na verlening zou een gewone woning aan beide kanten meetellende woningen hebben "
            f"(ingesloten): {listing(groups['new'])}. Gecontroleerd: {scope}."
        )
        return outcome(rule, "fail", text, measured=measured, limit=limit, evidence=evidence)
    if found:
        parts = []
        if groups["already"]:
            parts.append(
                "Ingesloten woning naast de aanvraag, maar dat was zij al vóór deze aanvraag: "
                f"{listing(groups['already'])}. De aanvraag verandert daar niets aan."
            )
        if groups["flat"]:
            parts.append(
                f"Mogelijk ingesloten, in of naast een pand met meer dan {p.max_pand_units} "
                f"verblijfsobjecten: {listing(groups['flat'])}. De BAG kent geen verdiepingen, dus wie "
                "aan weerszijden woont is niet te bepalen."
            )
        text = " ".join(parts) + " Beoordeel handmatig."
        return outcome(rule, "review", text, measured=measured, limit=limit, evidence=evidence)
    size = f"{block}" if whole else f"meer dan {block}"
    text = (
        f"Verlening sluit geen gewone woning in; {len(candidates)} buurwoning(en) gecontroleerd "
        f"op {scope}. Het blok van de aanvraag telt {size} aaneengebouwde panden; alleen "
        "woningen in panden die de aanvraag raken of die er in huisnummer naast liggen, kunnen "
        "door haar ingesloten raken."
    )
    return outcome(rule, "pass", text, measured=measured, limit=limit)


def _may_enclose_by_walls(
    bulk: BulkContext, p: Params, counted: np.ndarray, standing: np.ndarray, dwelling: np.ndarray
) -> np.ndarray:
    """Per candidate: might granting it leave a dwelling enclosed by walls?

    A dwelling D next to the candidate is enclosed afterwards only when every side of D that
    holds no counted unit now is one of the candidate's panden, and D has two sides or more
    then. Per pair (candidate, D) this tests D's uncounted sides against the candidate's
    panden: none and two sides (D is enclosed already: review), or the one uncounted side is
    the candidate's pand, or more uncounted sides than the candidate has panden cannot all be
    its. A necessary condition only; the pairs that meet it are decided per application.
    """
    ds, units = bulk.dataset, bulk.units
    n_fp = len(ds.fp_id)
    fp_row = np.repeat(np.arange(n_fp), np.diff(ds.fp_units.ptr))
    members = ds.fp_units.idx
    present = np.bincount(fp_row, (standing | dwelling | counted)[members], n_fp) > 0
    counted_fp = np.bincount(fp_row, counted[members], n_fp) > 0
    # the dwellings next to the candidates, ordinary ones (not counted) only
    pos, near = wall_neighbours(ds, units)
    at, d = expand(ds.fp_units, near)
    pos_d = pos[at]
    keep = dwelling[d] & ~counted[d] & (d != units[pos_d])
    pos_d, d = pos_d[keep], d[keep]
    if len(d) == 0:
        return np.zeros(bulk.n, bool)
    # their sides now: present neighbouring panden, and those that hold no counted unit
    d_units, inverse = dense_unique(d, ds.n_units)
    side_pos, side_fp = wall_neighbours(ds, d_units)
    is_side = present[side_fp]
    sides = np.bincount(side_pos[is_side], minlength=len(d_units))[inverse]
    open_side = is_side & ~counted_fp[side_fp]
    n_open = np.bincount(side_pos[open_side], minlength=len(d_units))[inverse]
    one_open = np.full(len(d_units), -1, np.int64)
    one_open[side_pos[open_side]] = side_fp[open_side]  # meaningful where n_open == 1
    n_own = np.diff(ds.unit_fps.ptr)[units]
    own = n_own[pos_d]
    # is D's one uncounted side one of the candidate's panden? Most candidates have one pand
    target = one_open[inverse]
    lone = own == 1
    open_is_own = np.zeros(len(d), bool)
    open_is_own[lone] = target[lone] == ds.unit_fps.idx[ds.unit_fps.ptr[units[pos_d[lone]]]]
    rest = np.flatnonzero(~lone & (n_open == 1))
    if len(rest):
        width = n_fp + 1
        several = np.flatnonzero(n_own != 1)
        own_pos, own_fp = expand(ds.unit_fps, units[several])
        own_keys = np.unique(several[own_pos] * width + own_fp)
        open_is_own[rest] = np.isin(pos_d[rest] * width + target[rest], own_keys)
    possible = (
        ((n_open == 0) & (sides >= 2))
        | ((n_open == 1) & open_is_own & ((sides >= 2) | (own >= 2)))
        | ((n_open >= 2) & (own >= n_open))
    )
    return np.bincount(pos_d[possible], minlength=bulk.n) > 0


def _may_enclose_by_numbers(
    bulk: BulkContext, counted: np.ndarray, standing: np.ndarray, dwelling: np.ndarray
) -> np.ndarray:
    """Per candidate: might granting it leave a dwelling enclosed by house numbers?

    Only the dwellings at the nearest present position either side can become enclosed, and
    only when the present position beyond each holds a counted unit now.
    """
    ds, units = bulk.dataset, bulk.units
    side, rank = ds.side_key.astype(np.int64), ds.side_rank.astype(np.int64)
    width = int(rank.max()) + 2 if len(rank) else 1
    keys = side * width + rank
    # every unit on a side in (side, rank) order: the dataset's side order is that already
    # (checked; sorted here otherwise), so no sort of millions of keys
    order = ds.side_order.idx.astype(np.int64)
    if len(order) != int((side >= 0).sum()) or np.any(np.diff(keys[order]) < 0):
        order = np.flatnonzero(side >= 0)
        order = order[np.argsort(keys[order], kind="stable")]
    there = (standing | dwelling | counted)[order]
    kp = keys[order][there]
    new = np.r_[True, kp[1:] != kp[:-1]] if len(kp) else np.zeros(0, bool)
    present = kp[new]  # the present positions, sorted
    at = np.cumsum(new) - 1
    # per present position: holds a counted unit; holds an ordinary dwelling
    full = np.bincount(at, counted[order][there], len(present)) > 0
    ordinary = np.bincount(at, (dwelling & ~counted)[order][there], len(present)) > 0
    s = side[units]
    key = s * width + rank[units]
    possible = np.zeros(bulk.n, bool)
    if len(present) == 0:
        return possible
    below = np.searchsorted(present, key, "left")
    above = np.searchsorted(present, key, "right")
    last = len(present) - 1
    # the nearest position either side must hold an ordinary dwelling, the one beyond it a
    # counted unit
    for near, beyond in ((below - 1, below - 2), (above, above + 1)):
        ok = (beyond >= 0) & (beyond <= last) & (near >= 0) & (near <= last)
        near_at, beyond_at = np.clip(near, 0, last), np.clip(beyond, 0, last)
        ok &= (present[beyond_at] // width == s) & (present[near_at] // width == s)
        possible |= ok & ordinary[near_at] & full[beyond_at]
    return possible & (s >= 0)


def evaluate_all(rule: RuleSpec, p: Params, bulk: BulkContext) -> BulkOutcome:
    """Screens every candidate in bulk; only those that might enclose a dwelling (a counted
    unit within two panden or two house-number positions of theirs, or a pand of their own
    making both sides) are evaluated per application. The rest enclose nobody: pass."""
    ds, units = bulk.dataset, bulk.units
    counted = bulk.counted(p.counted)
    dwelling = bulk.dwellings(p.dwelling)
    standing = p.between.mask(ds, p.dwelling.gebruiksdoel)
    exact = counted[units].copy()  # its own registration does not count against it: per application
    if p.shared_wall:
        if p.tolerance_m != ds.adjacency_tolerance:
            exact[:] = True
        else:
            exact |= _may_enclose_by_walls(bulk, p, counted, standing, dwelling)
    if p.house_numbers:
        exact |= _may_enclose_by_numbers(bulk, counted, standing, dwelling)
    zeros = np.zeros(bulk.n, np.int64)
    base = BulkOutcome(
        outcomes(bulk.n, "pass"), {"enclosed": zeros, "already_enclosed": zeros, "flats": zeros}
    )
    rows = np.flatnonzero(exact)
    shared = _Shared.of(p, bulk.context(int(rows[0]))) if len(rows) else None

    def settle(rule: RuleSpec, p: Params, ctx: Context) -> RuleOutcome:
        return _settle(rule, p, ctx, shared)

    return merge_exact(base, rule, settle, FIGURES, bulk, rows)
