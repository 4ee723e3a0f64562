"""Granting must not leave an ordinary dwelling with counted dwellings on both sides (Tiel).

After granting, the application counts as a counted dwelling. An ordinary dwelling D (a
dwelling by ``dwelling`` that is not counted) is *enclosed* when

* (``shared_wall``) D's pand has at least two neighbouring panden (footprints within
  ``tolerance_m``) that hold a dwelling, and every one of them holds a counted dwelling; or
* (``house_numbers``) the nearest house-number rank below D and the nearest above D on the
  same side of its street both hold a counted dwelling. Only ranks holding a dwelling or a
  counted unit are "present": a missing number, a shop or a dwelling under construction is
  skipped (with 12 counted, no 14 and 16 counted, 14's absence makes 12 and 16 neighbours).

Only dwellings next to the application can become enclosed by granting it, so only those are
tested: the ordinary dwellings in the panden next to the application's pand, and the ordinary
dwellings at the nearest present rank below and above it.

Flats: the BAG knows no floor or position of a unit inside a pand, so dwellings within one
pand have no sides. A pand with several dwellings is treated as one block: its ordinary
dwellings are enclosed when the pand is (rule a), whatever else it holds. Dwellings in the
application's own pand are not tested by rule a (granting does not change their pand's
neighbours). Units sharing a house number (toevoegingen) share one rank; a rank holds a
counted dwelling when any unit at it does.

Outcome: ``fail`` when granting newly encloses a dwelling; ``review`` when the dwellings that
are enclosed after granting were already enclosed before (the application changes nothing for
them, e.g. a second counted unit in an already counted pand); ``pass`` otherwise.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

import numpy as np
from pydantic import Field

from spreidingstoets.dataset.model import Dataset
from spreidingstoets.domain.model import Evidence, RuleOutcome
from spreidingstoets.ruletypes.base import (
    Context,
    Counted,
    Dwelling,
    RuleSpec,
    Strict,
    fmt_m,
    outcome,
)
from spreidingstoets.ruletypes.not_adjacent import neighbour_footprints

NAME = "not_enclosed"

MAX_LISTED = 5
VIA_TEXT = {"shared_wall": "gedeelde muren", "house_numbers": "huisnummers"}


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
    counted: Counted = Field(default=Counted(), description="which register entries count")
    dwelling: Dwelling = Field(default=Dwelling(), description="what is a dwelling (woning)")


@dataclass
class _Enclosure:
    via: list[str] = field(default_factory=list)
    by: set[int] = field(default_factory=set)
    new: bool = False


class _World:
    """Counted and present units in one state of the register (before or after granting).

    Works on Python ints: the neighbourhoods are a handful of units, where numpy's per-call
    overhead would cost more than the work.
    """

    def __init__(self, dwelling: np.ndarray, counted: np.ndarray, app: int, granted: bool) -> None:
        self.dwelling = dwelling
        self.counted = counted  # per-unit mask of the register on the check date
        self.app = app
        self.granted = granted  # after granting the application counts, before it does not

    def counts(self, unit: int) -> bool:
        return self.granted if unit == self.app else bool(self.counted[unit])

    def present(self, unit: int) -> bool:
        return bool(self.dwelling[unit]) or self.counts(unit)


def _block(ds: Dataset, pand: int) -> np.ndarray:
    """The pand with every other pand of its units: a dwelling with an annex is one block."""
    units = ds.fp_units.members(pand).tolist()
    fps = {pand, *(f for u in units for f in ds.unit_fps.members(u).tolist())}
    return np.array(sorted(fps), np.int64)


def _pand_enclosure(ds: Dataset, pand: int, tol: float, world: _World) -> list[int] | None:
    """Counted units around ``pand`` (and its block) if it is enclosed in ``world``, else None."""
    holders = 0
    by: list[int] = []
    for f in neighbour_footprints(ds, _block(ds, pand), tol).tolist():
        units = ds.fp_units.members(f).tolist()
        if not any(world.present(u) for u in units):
            continue  # a shed, a shop: not a dwelling neighbour
        counted = [u for u in units if world.counts(u)]
        if not counted:
            return None
        holders += 1
        by += counted
    return by if holders >= 2 else None


Slots = tuple[list[int], list[int]]  # units present on a street side, and their ranks (sorted)


def _side_slots(members: list[int], ranks: list[int], world: _World) -> Slots:
    keep = [(u, r) for u, r in zip(members, ranks, strict=True) if world.present(u)]
    return [u for u, _ in keep], [r for _, r in keep]


def _around(units: list[int], ranks: list[int], rank: int) -> tuple[list[int], list[int]]:
    """Units at the nearest present rank below and above ``rank`` (empty when none)."""
    lo, hi = bisect_left(ranks, rank), bisect_right(ranks, rank)
    below = units[bisect_left(ranks, ranks[lo - 1]) : lo] if lo > 0 else []
    above = units[hi : bisect_right(ranks, ranks[hi])] if hi < len(ranks) else []
    return below, above


def _side_enclosure(ds: Dataset, unit: int, slots: Slots, world: _World) -> list[int] | None:
    below, above = _around(*slots, int(ds.side_rank[unit]))
    below = [u for u in below if world.counts(u)]
    above = [u for u in above if world.counts(u)]
    return below + above if below and above else None


def evaluate(rule: RuleSpec, p: Params, ctx: Context) -> RuleOutcome:
    ds = ctx.dataset
    app = ctx.unit
    dwelling = ctx.dwellings(p.dwelling)
    mask = ctx.register.counted_mask(ctx.period, p.counted)
    before = _World(dwelling, mask, app, granted=False)
    after = _World(dwelling, mask, app, granted=True)
    found: dict[int, _Enclosure] = {}
    checked: set[int] = set()

    def record(units: list[int], via: str, by: list[int], was: list[int] | None) -> None:
        for d in units:
            e = found.setdefault(d, _Enclosure())
            e.via.append(via)
            e.by.update(u for u in by if u != app)
            e.new = e.new or was is None

    def ordinary(units: list[int]) -> list[int]:
        return [u for u in units if dwelling[u] and not after.counts(u)]

    if p.shared_wall and len(ctx.footprints):
        for f in neighbour_footprints(ds, ctx.footprints, p.tolerance_m, ctx.geometry).tolist():
            plain = ordinary(ds.fp_units.members(f).tolist())
            if not plain:
                continue
            checked.update(plain)
            by = _pand_enclosure(ds, f, p.tolerance_m, after)
            if by is not None:
                record(plain, "shared_wall", by, _pand_enclosure(ds, f, p.tolerance_m, before))

    key = int(ds.side_key[app])
    if p.house_numbers and key >= 0:
        members = ds.side_order.members(key).tolist()
        ranks = ds.side_rank[members].tolist()
        slots = _side_slots(members, ranks, after)
        slots_before: Slots | None = None
        for side in _around(*slots, int(ds.side_rank[app])):
            for d in ordinary(side):
                checked.add(d)
                by = _side_enclosure(ds, d, slots, after)
                if by is not None:
                    if slots_before is None:
                        slots_before = _side_slots(members, ranks, before)
                    record([d], "house_numbers", by, _side_enclosure(ds, d, slots_before, before))

    new = sorted(u for u, e in found.items() if e.new)
    old = sorted(u for u, e in found.items() if not e.new)
    evidence: list[Evidence] = []
    for u in new + old:
        e = found[u]
        evidence.append(
            ctx.evidence(
                "enclosed_neighbour",
                u,
                via=sorted(set(e.via)),
                enclosed_before=not e.new,
                enclosed_by=[ds.unit_identificatie(b) for b in sorted(e.by)],
            )
        )
    seen: set[int] = set()
    for u in new + old:
        for b in sorted(found[u].by):
            if b not in seen:
                seen.add(b)
                evidence.append(ctx.evidence("enclosing", b, encloses=ds.unit_identificatie(u)))

    measured = {"enclosed": len(new), "already_enclosed": len(old), "checked": len(checked)}
    limit = {
        "shared_wall": p.shared_wall,
        "house_numbers": p.house_numbers,
        "tolerance_m": p.tolerance_m,
    }
    checks = [
        text
        for on, text in (
            (p.shared_wall, f"aangrenzende panden (binnen {fmt_m(p.tolerance_m)})"),
            (p.house_numbers, "huisnummerburen aan dezelfde straatkant"),
        )
        if on
    ]
    scope = " en ".join(checks) or "niets (alle controles uit)"

    def describe(u: int) -> str:
        e = found[u]
        by = ", ".join(ds.unit_label(b) for b in sorted(e.by)) or "-"
        via = " en ".join(VIA_TEXT[v] for v in sorted(set(e.via)))
        return f"{ds.unit_label(u)} (via {via}; meetellend ernaast: {by} en de aanvraag)"

    def listing(units: list[int]) -> str:
        more = len(units) - MAX_LISTED
        return "; ".join(describe(u) for u in units[:MAX_LISTED]) + (
            f"; en nog {more}" if more > 0 else ""
        )

    if new:
        text = (
            "Na verlening zou een gewone woning aan beide kanten meetellende woningen hebben "
            f"(ingesloten): {listing(new)}. Gecontroleerd: {scope}."
        )
        return outcome(rule, "fail", text, measured=measured, limit=limit, evidence=evidence)
    if old:
        text = (
            f"Ingesloten woning naast de aanvraag, maar dat was zij al vóór deze aanvraag: "
            f"{listing(old)}. De aanvraag verandert daar niets aan; beoordeel handmatig."
        )
        return outcome(rule, "review", text, measured=measured, limit=limit, evidence=evidence)
    text = (
        f"Verlening sluit geen gewone woning in; {len(checked)} buurwoning(en) gecontroleerd "
        f"op {scope}."
    )
    return outcome(rule, "pass", text, measured=measured, limit=limit)
