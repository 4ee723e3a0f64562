"""Capacity: how many more permits fit under a ruleset or variant, and where.

Grants are added one at a time, each updating the register overlay (``with_changes``), until
no candidate fits: in several seeded random orders and in an order that spreads them. Pure:
numpy and the engine only.

Assumptions (stated in every result): every grant is the template application (its kind,
persons and dates) as a granted register entry; only rules that decide (not a livability
review, which never refuses alone) and that apply to the kind are tested; a candidate fits when
the overall outcome is ``allowed`` (or also ``review`` with ``review_fits``).

Speed: the candidates are simulated once in bulk. Walking an order, a candidate that fitted
then, and that no grant since can have changed (its street, two wall steps, the radius of a
distance rule), fits still; one a grant may have changed is checked again (the rules one by one,
stopping at the first no). Candidates that did not fit are passed over, because most rules only
get stricter as grants are added; that is not true of every rule (an enclosure that was there
already asks for review instead of a refusal), so after each pass all remaining candidates are
simulated again on the grants so far, and another pass follows while any fits: the result is
maximal, whatever the rules.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import shapely

from spreidingstoets.dataset.model import Csr, Dataset
from spreidingstoets.domain.model import Application
from spreidingstoets.domain.register import RegisterEntry
from spreidingstoets.domain.ruleset import RulesetVersion, RuleSpec
from spreidingstoets.ruletypes import REGISTRY
from spreidingstoets.ruletypes.base import Context, RegisterOverlay
from spreidingstoets.ruletypes.bulk import expand
from spreidingstoets.ruletypes.share import share_figures
from spreidingstoets.simulate.core import RuleResult, SimulationResult, simulate

# rule types whose outcome does not depend on the register: a candidate they refuse never fits
REGISTER_FREE = frozenset(
    {
        "dwelling_status",
        "max_persons",
        "floor_area_per_person",
        "min_dwelling_area",
        "zoning",
        "closed_area",
    }
)
SPREADING = "spreiding"
STRIDE = 3  # the spreading order takes every third position along a street side first


@dataclass
class CapacityRun:
    order: str  # "willekeurig (seed N)" or "spreiding"
    seed: int | None
    granted: np.ndarray  # units, in the order they were granted
    passes: int
    checks: int  # engine checks done


@dataclass
class CapacityResult:
    runs: list[CapacityRun]
    candidates: np.ndarray
    fitting_now: int  # candidates that fit before any grant
    upper_bound: int
    bound_reason: str
    assumptions: list[str]
    rules: list[str]  # rule ids tested
    left_out: list[str]  # rule ids not tested, with why
    initial: SimulationResult
    review_fits: bool = False
    provenance: dict[str, object] = field(default_factory=dict)

    def counts(self) -> list[int]:
        return [len(r.granted) for r in self.runs]

    def stats(self) -> dict[str, float]:
        c = self.counts()
        return {"min": min(c), "median": float(np.median(c)), "max": max(c)}

    def best(self) -> CapacityRun:
        """The run with the most grants (the spreading order on a tie)."""
        return max(self.runs, key=lambda r: (len(r.granted), r.seed is None))


def tested_version(version: RulesetVersion, kind: str) -> tuple[RulesetVersion, list[str]]:
    """The version with only the rules that decide and apply to ``kind``; what was left out."""
    keep, left = [], []
    for r in version.rules:
        if kind not in r.applies_to:
            left.append(f"{r.id} ({r.type}): geldt niet voor {kind}")
        elif not REGISTRY[r.type].decides:
            left.append(f"{r.id} ({r.type}): beslist nooit zelf (altijd beoordelen)")
        else:
            keep.append(r)
    return dataclasses.replace(version, rules=tuple(keep)), left


def fits(overall: np.ndarray, review_fits: bool) -> np.ndarray:
    return (overall == "allowed") | ((overall == "review") if review_fits else False)


def spreading_order(ds: Dataset, units: np.ndarray, headroom: np.ndarray) -> np.ndarray:
    """Candidates spread out: along each side of a street every third position first, then the
    next; streets with the most room (street headroom) before others."""
    side = ds.side_key[units].astype(np.int64)
    rank = ds.side_rank[units].astype(np.int64)
    by_side = np.lexsort((units, rank, side))
    index = np.empty(len(units), np.int64)
    s = side[by_side]
    start = np.r_[True, s[1:] != s[:-1]] if len(s) else np.zeros(0, bool)
    first = np.maximum.accumulate(np.where(start, np.arange(len(s)), 0)) if len(s) else s
    index[by_side] = np.arange(len(s)) - first
    stride = index % STRIDE
    return units[np.lexsort((units, index, side, -headroom, stride))]


def upper_bound(
    ds: Dataset,
    version: RulesetVersion,
    template: Application,
    initial: SimulationResult,
    review_fits: bool,
) -> tuple[int, str]:
    """A proven upper bound on the grants, and the argument for it (Dutch)."""
    free = np.ones(len(initial), bool)  # passes every rule that does not read the register
    names = []
    for r in initial.rules:
        if r.type in REGISTER_FREE:
            ok = (r.outcome == "pass") | (r.outcome == "not_applicable")
            if review_fits:
                ok |= r.outcome == "review"
            free &= ok
            names.append(r.rule)
    trivial = int(free.sum())
    basis = (
        f"{trivial} woningen halen de regels die niet van het register afhangen "
        f"({', '.join(names) or 'geen'}); meer verleningen dan dat kunnen er niet zijn"
    )
    share = next(
        (
            (rule, res)
            for rule, res in zip(version.rules, initial.rules, strict=True)
            if rule.type == "street_share"
            and template.kind in rule.params.counted.kinds
            and "granted" in rule.params.counted.statuses
        ),
        None,
    )
    if share is None:
        return trivial, basis + "."
    rule, res = share
    street = ds.unit_street[initial.units]
    room = res.figures["headroom"] + 1  # floor(allowed) - existing, per candidate's street
    bound = 0
    no_street = free & (street < 0)
    if review_fits:  # no street: the street rule asks for review
        bound += int(no_street.sum())
    for s in np.unique(street[free & (street >= 0)]).tolist():
        here = free & (street == s)
        bound += min(int(here.sum()), max(0, int(np.nanmax(room[here]))))
    reason = (
        f"Straatregel {rule.id}: elke verlening telt daarna mee in haar straat (de woningen, de "
        "noemer, blijven gelijk), en de regel staat een verlening alleen toe zolang bestaand + 1 "
        "het toegestane aantal niet overschrijdt; per straat kunnen er dus hoogstens "
        "max(0, ⌊toegestaan⌋ − bestaand) bij, en niet meer dan de kandidaten in die straat die "
        f"de regels halen die niet van het register afhangen. Opgeteld: {bound}. ({basis}.)"
    )
    return min(bound, trivial), reason


def capacity(
    ds: Dataset,
    overlay: RegisterOverlay,
    version: RulesetVersion,
    template: Application,
    candidates: np.ndarray,
    *,
    orders: int = 5,
    seed: int = 1,
    review_fits: bool = False,
    spread: bool = True,
    advance: Callable[[int], None] | None = None,
) -> CapacityResult:
    """Grants one at a time in ``orders`` seeded random orders (seeds ``seed`` ...) and, with
    ``spread``, in the spreading order; each until no candidate fits."""
    tested, left_out = tested_version(version, template.kind)
    candidates = np.asarray(candidates, np.int64)
    initial = simulate(ds, overlay, tested, template, candidates)
    fit0 = fits(initial.overall, review_fits)
    share = next((r for r in initial.rules if r.type == "street_share"), None)
    headroom = (
        np.nan_to_num(share.figures["headroom"].astype(np.float64), nan=-1.0)
        if share is not None
        else np.zeros(len(candidates))
    )
    plans: list[tuple[str, int | None, np.ndarray]] = []
    for k in range(orders):
        rng = np.random.default_rng(seed + k)
        plans.append((f"willekeurig (seed {seed + k})", seed + k, rng.permutation(candidates)))
    if spread:
        plans.append((SPREADING, None, spreading_order(ds, candidates, headroom)))
    reach = _Reach(ds, tested, candidates, template)
    runs = []
    for label, s, order in plans:
        runs.append(
            _run(ds, overlay, tested, template, order, initial, reach, review_fits, label, s)
        )
        if advance is not None:
            advance(1)
    bound, reason = upper_bound(ds, tested, template, initial, review_fits)
    assumptions = [
        f"Elke verlening is de hypothetische aanvraag ({template.kind}, {template.persons} "
        f"personen, vanaf {template.date.isoformat()}) als verleende registratie in het register.",
        "Een woning past als de uitkomst 'toegestaan' is"
        + (
            " of 'nader beoordelen'."
            if review_fits
            else "; 'nader beoordelen' telt niet als passend."
        ),
        "Getoetst: " + ", ".join(f"{r.id} ({r.type})" for r in tested.rules) + ".",
        *(f"Niet getoetst: {x}." for x in left_out),
        f"Kandidaten: {len(candidates)} woningen die nu nog niet meetellen.",
    ]
    return CapacityResult(
        runs=runs,
        candidates=candidates,
        fitting_now=int(fit0.sum()),
        upper_bound=bound,
        bound_reason=reason,
        assumptions=assumptions,
        rules=[r.id for r in tested.rules],
        left_out=left_out,
        initial=initial,
        review_fits=review_fits,
        provenance=dict(initial.provenance),
    )


def _entry(ds: Dataset, unit: int, template: Application, n: int) -> RegisterEntry:
    return RegisterEntry(
        id=-n,  # never an id of the register's own entries
        verblijfsobject_id=ds.unit_identificatie(unit),
        kind=template.kind,
        status="granted",
        persons=template.persons,
        beds=template.beds,
        valid_from=template.date,
        valid_until=template.valid_until,
        source="capaciteit",
        reference=f"capaciteit-{n}",
    )


class _Reach:
    """Which candidates a grant can change, rule by rule, for rule types whose reach is known.

    * street_share: the candidates in the grant's street (and only when a grant counts for the
      rule); the rule is then recomputed from the street's counts, not per application.
    * not_adjacent: candidates sharing a pand or a wall with it; on its street side too when
      house numbers count.
    * not_enclosed: candidates within two wall steps; on its street side; next to a unit on
      its side; on the side of a unit next to it (the neighbours whose enclosure it decides).
    * min_distance: candidates within the largest radius plus the review band (and 1 m).

    Any other rule type (its reach unknown) is checked again for every candidate after any
    grant. Rules that do not read the register never change.
    """

    def __init__(
        self, ds: Dataset, version: RulesetVersion, units: np.ndarray, template: Application
    ) -> None:
        self.ds, self.units = ds, units
        self.kinds: list[str | None] = []  # per rule: how its reach is found
        self.radius: list[float] = []
        for rule in version.rules:
            p = rule.params
            tolerance = getattr(p, "tolerance_m", ds.adjacency_tolerance)
            kind: str | None = "unknown"
            radius = 0.0
            if rule.type in REGISTER_FREE:
                kind = None
            elif rule.type == "street_share":
                counts = template.kind in p.counted.kinds and "granted" in p.counted.statuses
                kind = "street" if counts else None
            elif rule.type == "not_adjacent" and tolerance == ds.adjacency_tolerance:
                kind = "adjacent_numbers" if p.house_numbers else "adjacent"
            elif rule.type == "not_enclosed" and tolerance == ds.adjacency_tolerance:
                kind = "enclosed"
            elif rule.type == "min_distance":
                kind = "distance"
                radii = [p.radius_m, *(z.radius_m for z in p.zone_radii)]
                radius = max(radii) + p.review_band_m + 1.0
            self.kinds.append(kind)
            self.radius.append(radius)
        self.by_street = _by_key(ds.unit_street[units], len(ds.street_id))
        self.by_side = _by_key(ds.side_key[units], int(ds.side_key.max()) + 1)
        pos, fps = expand(ds.unit_fps, units)
        self.by_fp = _by_key(fps, len(ds.fp_id), pos)
        self.tree = None
        if any(k == "distance" for k in self.kinds):
            geoms = np.array([ds.unit_geometry(int(u)) for u in units.tolist()], dtype=object)
            self.tree = shapely.STRtree(geoms)

    def _near_panden(self, fps: np.ndarray, steps: int) -> np.ndarray:
        seen = np.unique(np.asarray(fps, np.int64))
        for _ in range(steps):
            _, near = expand(self.ds.fp_adjacent, seen)
            seen = np.union1d(seen, near)
        return seen

    def _in_panden(self, fps: np.ndarray) -> np.ndarray:
        return expand(self.by_fp, fps)[1]

    def _on_sides(self, units: np.ndarray) -> np.ndarray:
        sides = np.unique(self.ds.side_key[units])
        return expand(self.by_side, sides[sides >= 0])[1]

    def affected(self, k: int, unit: int) -> np.ndarray | None:
        """Positions of the candidates whose outcome of rule ``k`` granting ``unit`` can
        change; None for all of them."""
        ds, kind = self.ds, self.kinds[k]
        if kind is None:
            return np.zeros(0, np.int64)
        if kind == "unknown":
            return None
        own = ds.unit_fps.members(unit)
        one = np.array([unit])
        if kind == "street":
            street = int(ds.unit_street[unit])
            return self.by_street.members(street) if street >= 0 else np.zeros(0, np.int64)
        if kind == "distance":
            assert self.tree is not None
            found = self.tree.query(
                ds.unit_geometry(unit), predicate="dwithin", distance=self.radius[k]
            )
            return np.asarray(found, np.int64)
        parts = [self._in_panden(self._near_panden(own, 2 if kind == "enclosed" else 1))]
        if kind in ("adjacent_numbers", "enclosed"):
            parts.append(self._on_sides(one))
        if kind == "enclosed":
            side = int(ds.side_key[unit])
            if side >= 0:
                members = ds.side_order.members(side)
                parts.append(self._in_panden(self._near_panden(expand(ds.unit_fps, members)[1], 1)))
            _, near_units = expand(ds.fp_units, self._near_panden(own, 1))
            parts.append(self._on_sides(near_units))
        return np.concatenate([np.asarray(p, np.int64) for p in parts])


def _by_key(keys: np.ndarray, n_keys: int, values: np.ndarray | None = None) -> Csr:
    """Positions (or ``values``) grouped by key (keys < 0 left out), as a CSR."""
    keys = np.asarray(keys, np.int64)
    values = np.arange(len(keys)) if values is None else np.asarray(values)
    keep = keys >= 0
    return Csr.build(keys[keep], values[keep].astype(np.int64), max(n_keys, 1))


def _run(
    ds: Dataset,
    overlay: RegisterOverlay,
    version: RulesetVersion,
    template: Application,
    order: np.ndarray,
    initial: SimulationResult,
    reach: _Reach,
    review_fits: bool,
    label: str,
    seed: int | None,
) -> CapacityRun:
    """One order: walk it, grant every candidate that fits on the register so far.

    Each pass starts from a bulk simulation of the candidates left. A candidate that fitted
    there fits still unless a grant of this pass can have changed one of its rules
    (``_Reach``); such a rule is evaluated again: a street rule from the street's counts plus
    the grants in it, any other per application. A candidate that did not fit is passed over in
    this pass; the bulk simulation after the pass finds any that fit since, for a new pass.
    """
    state = overlay
    position = {int(u): i for i, u in enumerate(initial.units.tolist())}
    n = len(position)
    result = initial
    at = np.arange(n)  # row of each candidate in ``result``
    granted: list[int] = []
    taken = np.zeros(n, bool)
    checks = 0
    passes = 0
    todo = [int(u) for u in order.tolist()]
    base = overlay.snapshot.revision
    rules = list(version.rules)
    while todo:
        passes += 1
        fit = fits(result.overall, review_fits)
        dirty = [np.zeros(n, bool) for _ in rules]
        extra = np.zeros(n, np.int64)  # grants in each candidate's street this pass
        for u in todo:
            i = position[u]
            row = int(at[i])
            if taken[i] or not fit[row]:
                continue
            ok = True
            for k, rule in enumerate(rules):
                if not dirty[k][i]:
                    continue
                checks += 1
                if reach.kinds[k] == "street":
                    outcome = _street_outcome(rule, result.rules[k], row, int(extra[i]))
                else:
                    ctx = Context(ds, state, dataclasses.replace(template, unit=u), ds.layers)
                    outcome = REGISTRY[rule.type].evaluate(rule, rule.params, ctx).outcome
                if outcome == "fail" or (outcome == "review" and not review_fits):
                    ok = False
                    break
            if not ok:
                continue
            granted.append(u)
            taken[i] = True
            state = state.with_changes(
                [_entry(ds, u, template, len(granted))], f"{base}+{len(granted)}"
            )
            for k in range(len(rules)):
                changed = reach.affected(k, u)
                if changed is None:
                    dirty[k][:] = True
                else:
                    dirty[k][changed] = True
                    if reach.kinds[k] == "street":
                        extra[changed] += 1
        rest = np.array([u for u in order.tolist() if not taken[position[u]]], np.int64)
        if len(rest) == 0:
            break
        rest, result = _still_fitting(ds, state, version, template, rest, review_fits)
        at = np.full(n, -1, np.int64)
        at[[position[int(u)] for u in rest.tolist()]] = np.arange(len(rest))
        todo = rest[fits(result.overall, review_fits)].tolist()
    return CapacityRun(label, seed, np.array(granted, np.int64), passes, checks)


def _still_fitting(
    ds: Dataset,
    state: RegisterOverlay,
    version: RulesetVersion,
    template: Application,
    units: np.ndarray,
    review_fits: bool,
) -> tuple[np.ndarray, SimulationResult]:
    """The candidates that may fit now, with their simulation: first the cheap rules (those
    that do not read the register, and street shares) over all, then every rule over those
    that passed them (a candidate refused by some rules is refused)."""
    cheap = tuple(r for r in version.rules if r.type in REGISTER_FREE or r.type == "street_share")
    if cheap and len(cheap) < len(version.rules):
        first = simulate(ds, state, dataclasses.replace(version, rules=cheap), template, units)
        units = units[fits(first.overall, review_fits)]
    return units, simulate(ds, state, version, template, units)


def _street_outcome(rule: RuleSpec, bulk: RuleResult, row: int, grants: int) -> str:
    """The street rule for a candidate after ``grants`` more counted dwellings in its street."""
    if bulk.outcome[row] not in ("pass", "fail"):
        return str(bulk.outcome[row])  # no street (review) or not applicable: unchanged
    total = np.array([int(bulk.figures["dwellings"][row])])
    existing = np.array([int(bulk.figures["existing"][row]) + grants])
    ok, _ = share_figures(total, existing, rule.params.max_share, rule.params.rounding)
    return "pass" if bool(ok[0]) else "fail"


def _fits_now(
    ds: Dataset,
    overlay: RegisterOverlay,
    version: RulesetVersion,
    app: Application,
    review_fits: bool,
) -> bool:
    """Does the application fit on this register? The engine's rules one by one, stopping at
    the first that says no (a verdict with every message is not needed here)."""
    ctx = Context(ds, overlay, app, ds.layers)
    for rule in version.rules:
        result = REGISTRY[rule.type].evaluate(rule, rule.params, ctx).outcome
        if result == "fail" or (result == "review" and not review_fits):
            return False
    return True


def median(values: list[int]) -> float:
    return float(np.median(values)) if values else math.nan
