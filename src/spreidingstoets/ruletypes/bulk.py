"""Evaluating one rule for many hypothetical applications at once (the planner's simulation).

Every rule type may define, next to its per-application ``evaluate``, a vectorised
``evaluate_all(rule, params, bulk) -> BulkOutcome | None`` over a :class:`BulkContext`: the same
dataset arrays, indexes and register overlay, for an application template placed at each of
many candidate units. It returns one outcome per candidate and the figures the rule type names
in ``FIGURES`` (keys of the per-application ``measured``, or of ``limit`` when not measured),
equal to what ``evaluate`` gives for that candidate. It returns ``None`` when the parameters are
outside what it covers; :func:`evaluate_each` then loops the per-application path, and the
simulation says so. A vectorised path may also screen the candidates and hand the few it cannot
settle in bulk to ``evaluate`` (``BulkOutcome.exact``).

Pure, like the rule types: numpy and shapely only.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from spreidingstoets.dataset.model import Csr, Dataset
from spreidingstoets.domain.model import Application, RuleOutcome
from spreidingstoets.domain.ruleset import RuleSpec
from spreidingstoets.ruletypes.base import (
    EPSILON_M,
    Context,
    Counted,
    CountedIndex,
    Dwelling,
    Period,
    RegisterOverlay,
)

if TYPE_CHECKING:
    from spreidingstoets.zoning import ZoningLayer

OUTCOME_DTYPE = "<U14"  # pass, fail, review, not_applicable
PATH_VECTORISED = "vectorised"
PATH_SCREENED = "vectorised+exact"  # screened in bulk, the rest per application
PATH_LOOP = "per_application"
PATH_LOCATION = "per_location"  # per application, once per distinct footprint


@dataclass
class BulkContext:
    """One application template (kind, persons, date, ...) at every candidate unit."""

    dataset: Dataset
    register: RegisterOverlay
    template: Application
    units: np.ndarray  # candidate unit rows, int64
    layers: dict[str, ZoningLayer] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return len(self.units)

    @property
    def period(self) -> Period:
        return self._any.period

    def context(self, i: int) -> Context:
        """The per-application context of candidate ``i``."""
        app = dataclasses.replace(self.template, unit=int(self.units[i]))
        return Context(self.dataset, self.register, app, self.layers)

    def counted(self, counted: Counted) -> np.ndarray:
        """Per dataset unit: counts during the template's period (before any grant)."""
        return self.register.counted_mask(self.period, counted)

    def own_counted(self, counted: Counted) -> np.ndarray:
        """Per candidate: has a counted entry itself (which never counts against itself)."""
        return self.counted(counted)[self.units]

    @cached_property
    def _any(self) -> Context:
        """A per-application context of the template (for what does not depend on the unit)."""
        return Context(self.dataset, self.register, self.template, self.layers)

    def dwellings(self, spec: Dwelling) -> np.ndarray:
        return self._any.dwellings(spec)

    def layer(self, name: str) -> ZoningLayer:
        return self._any.layer(name)

    @cached_property
    def locations(self) -> tuple[np.ndarray, np.ndarray]:
        """(distinct locations, per candidate the index of its own): candidates in the same
        single pand share its footprint (a block of flats is one location); any other
        candidate is a location of its own. Geometry exactly as ``Dataset.unit_geometry``."""
        ds, units = self.dataset, self.units
        links = ds.unit_fps
        n_fp = len(ds.fp_id)
        count = np.diff(links.ptr)[units]
        first = links.idx[np.minimum(links.ptr[units], len(links.idx) - 1)] if len(links.idx) else 0
        key = np.where(count == 1, first, n_fp + units)
        keys, rep, inverse = np.unique(key, return_index=True, return_inverse=True)
        geoms = unit_geometries(ds, units[rep])
        # a single empty footprint falls back to each unit's own point: no sharing then
        shared_point = (keys < n_fp) & (shapely.get_type_id(geoms) == 0)
        if shared_point.any():
            lone = shared_point[inverse]
            key[lone] = n_fp + units[lone]
            keys, rep, inverse = np.unique(key, return_index=True, return_inverse=True)
            geoms = unit_geometries(ds, units[rep])
        return geoms, inverse.astype(np.int64)

    @cached_property
    def geometries(self) -> np.ndarray:
        """Each candidate's footprint(s) or point, exactly as a per-application check has it."""
        geoms, inverse = self.locations
        return geoms[inverse]

    @cached_property
    def xy(self) -> np.ndarray:
        return self.dataset.unit_xy[self.units]

    @cached_property
    def points(self) -> np.ndarray:
        return shapely.points(self.xy)


@dataclass
class BulkOutcome:
    """One rule over every candidate: outcomes and figures as arrays."""

    outcome: np.ndarray  # OUTCOME_DTYPE per candidate
    figures: dict[str, np.ndarray]
    path: str = PATH_VECTORISED
    exact: int = 0  # candidates the vectorised path handed to the per-application evaluate
    note: str = ""

    def take(self, rows: np.ndarray) -> BulkOutcome:
        return BulkOutcome(
            self.outcome[rows],
            {k: v[rows] for k, v in self.figures.items()},
            self.path,
            self.exact,
            self.note,
        )


def period_of(app: Application) -> Period:
    """The register period an application is checked on (as ``Context.period`` has it)."""
    return Context(None, None, app).period  # type: ignore[arg-type]  # reads the application only


Evaluate = Callable[[RuleSpec, Any, Context], RuleOutcome]


def figure_of(result: RuleOutcome, key: str) -> Any:
    """A figure of one per-application outcome: from ``measured``, else from ``limit``."""
    if key in result.measured:
        return result.measured[key]
    return result.limit.get(key)


def figure_array(values: Sequence[Any]) -> np.ndarray:
    """Python figure values as one array: numbers as float64 with NaN for None (int64 when all
    are whole and present), bools as bool, anything else as an object array."""
    kinds = {type(v) for v in values if v is not None}
    if not kinds:
        return np.full(len(values), np.nan)
    if kinds == {bool}:
        if any(v is None for v in values):
            return np.array(values, dtype=object)
        return np.array(values, dtype=bool)
    if kinds <= {int, float} and bool not in kinds:
        if kinds == {int} and all(v is not None for v in values):
            return np.array(values, dtype=np.int64)
        return np.array([math.nan if v is None else v for v in values], dtype=np.float64)
    return np.array(values, dtype=object)


def evaluate_each(
    rule: RuleSpec,
    evaluate: Evaluate,
    figures: Sequence[str],
    bulk: BulkContext,
    rows: np.ndarray | None = None,
    advance: Callable[[int], None] | None = None,
) -> BulkOutcome:
    """The per-application path for candidates ``rows`` (default: all), as arrays."""
    rows = np.arange(bulk.n) if rows is None else rows
    outcomes: list[str] = []
    values: dict[str, list[Any]] = {k: [] for k in figures}
    for count, i in enumerate(rows.tolist(), 1):
        result = evaluate(rule, rule.params, bulk.context(i))
        outcomes.append(result.outcome)
        for k in figures:
            values[k].append(figure_of(result, k))
        if advance is not None and count % 256 == 0:
            advance(256)
    if advance is not None:
        advance(len(rows) % 256)
    return BulkOutcome(
        np.array(outcomes, dtype=OUTCOME_DTYPE),
        {k: figure_array(v) for k, v in values.items()},
        PATH_LOOP,
        exact=len(rows),
    )


def evaluate_per_location(
    rule: RuleSpec, evaluate: Evaluate, figures: Sequence[str], bulk: BulkContext
) -> BulkOutcome:
    """For a rule whose answer depends only on the candidate's location (its footprint) and
    the template: the per-application path once per distinct location (a block of flats
    once), its answer given to every candidate there."""
    geoms, inverse = bulk.locations
    first = np.full(len(geoms), -1, np.int64)
    first[inverse[::-1]] = np.arange(bulk.n)[::-1]  # the first candidate at each location
    once = evaluate_each(rule, evaluate, figures, bulk, first)
    return BulkOutcome(
        once.outcome[inverse],
        {k: v[inverse] for k, v in once.figures.items()},
        PATH_LOCATION,
        exact=len(geoms),
    )


def merge_exact(
    base: BulkOutcome,
    rule: RuleSpec,
    evaluate: Evaluate,
    figures: Sequence[str],
    bulk: BulkContext,
    rows: np.ndarray,
) -> BulkOutcome:
    """``base`` with the candidates ``rows`` replaced by the per-application path."""
    if len(rows) == 0:
        return base
    exact = evaluate_each(rule, evaluate, figures, bulk, rows)
    out = base.outcome.copy()
    out[rows] = exact.outcome
    merged: dict[str, np.ndarray] = {}
    for k in figures:
        col = base.figures[k]
        new = exact.figures[k]
        if col.dtype == new.dtype:
            dtype: Any = col.dtype
        elif col.dtype.kind in "iuf" and new.dtype.kind in "iuf":
            dtype = np.float64
        else:
            dtype = object
        col = col.astype(dtype)
        col[rows] = new
        merged[k] = col
    return BulkOutcome(out, merged, PATH_SCREENED, exact=len(rows), note=base.note)


def outcomes(n: int, value: str) -> np.ndarray:
    return np.full(n, value, dtype=OUTCOME_DTYPE)


def expand(csr: Csr, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every (position in ``rows``, member) pair of a CSR, as two arrays."""
    rows = np.asarray(rows, dtype=np.int64)
    starts = csr.ptr[rows]
    counts = csr.ptr[rows + 1] - starts
    total = int(counts.sum())
    pos = np.repeat(np.arange(len(rows)), counts)
    if total == 0:
        return pos, csr.idx[:0].astype(np.int64)
    offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    return pos, csr.idx[np.repeat(starts, counts) + offsets].astype(np.int64)


def dense_unique(values: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` for integers in ``[0, size)``, by a table
    of ``size`` instead of a sort (rows of a dataset array: millions at national scale)."""
    mark = np.zeros(size, bool)
    mark[values] = True
    rank = np.cumsum(mark, dtype=np.int64) - 1
    return np.flatnonzero(mark), rank[values]


def unique_pairs(pos: np.ndarray, member: np.ndarray, width: int) -> np.ndarray:
    """Sorted unique ``pos * width + member`` keys."""
    return np.unique(pos.astype(np.int64) * width + member)


def rounded(
    values: np.ndarray,
    digits: int,
    exact: Callable[[np.ndarray], np.ndarray] | None = None,
) -> np.ndarray:
    """Python's ``round(v, digits)`` element by element, vectorised.

    ``k / 10**digits`` with ``k`` the nearest integer to ``v * 10**digits`` is the double
    Python's ``round`` gives (both are the double nearest to the decimal ``k``, division
    being correctly rounded), unless ``k`` itself differs: the product's rounding error can
    cross a half only when it lies within a few ulps of one. Those few values (and NaN, inf
    and huge ones) are rounded by Python itself. ``values`` may be computed a little
    differently from the per-application path (``np.hypot`` against ``math.hypot``, within
    an ulp or two): ``exact(rows)`` then gives those rows' values as that path computes
    them, before rounding.
    """
    v = np.asarray(values, dtype=np.float64)
    scale = 10.0**digits
    y = v * scale
    with np.errstate(invalid="ignore"):
        out = np.rint(y) / scale
        off_half = np.abs(y - np.floor(y) - 0.5)
        safe = (off_half > 64 * np.spacing(np.abs(y))) & (np.abs(y) < 2.0**50)
    risky = np.flatnonzero(~safe)
    if len(risky):
        again = exact(risky) if exact is not None else v[risky]
        out[risky] = [
            math.nan if math.isnan(x) else round(x, digits) for x in np.asarray(again).tolist()
        ]
    return out


def unit_geometries(ds: Dataset, units: np.ndarray) -> np.ndarray:
    """``Dataset.unit_geometry`` of many units, as an object array: units with exactly one
    stored footprint get it parsed in one call (their point when it is empty); the rest
    (several footprints, none, a missing WKB) go through ``unit_geometry``."""
    units = np.asarray(units, dtype=np.int64)
    out = np.empty(len(units), dtype=object)
    if len(units) == 0:
        return out
    links, fp = ds.unit_fps, ds.footprints
    count = np.diff(links.ptr)[units]
    one = np.flatnonzero(count == 1)
    rows = links.idx[links.ptr[units[one]]].astype(np.int64)
    stored = fp.offsets[rows + 1] > fp.offsets[rows]
    one, rows = one[stored], rows[stored]
    if len(one):
        parsed = fp.parse(rows)
        empty = shapely.is_empty(parsed)
        parsed[empty] = shapely.points(ds.unit_xy[units[one[empty]]])
        out[one] = parsed
    rest = np.ones(len(units), bool)
    rest[one] = False
    for i in np.flatnonzero(rest).tolist():
        out[i] = ds.unit_geometry(int(units[i]))
    return out


def points_in(
    bulk: BulkContext, layer: ZoningLayer, names: Sequence[str] | None, kinds: Sequence[str] | None
) -> np.ndarray:
    """Per candidate: its BAG point lies in (or on the boundary of) a matching zone."""
    return layer.covers_points(bulk.points, names, kinds)


def within_pairs(
    index: CountedIndex, geoms: np.ndarray, reach: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every (candidate, indexed unit) within ``reach`` metres, with the exact distance: the
    bulk form of ``CountedIndex.within`` (envelope candidates, then one distance each, with the
    same micrometre of slack), as (candidate positions, units, distances) sorted by candidate,
    then distance, then unit."""
    empty = np.zeros(0, np.int64)
    if len(geoms) == 0 or len(index.units) == 0:
        return empty, empty, np.zeros(0)
    slack = np.broadcast_to(np.asarray(reach, dtype=np.float64) + EPSILON_M, (len(geoms),))
    b = shapely.bounds(geoms)
    boxes = shapely.box(b[:, 0] - slack, b[:, 1] - slack, b[:, 2] + slack, b[:, 3] + slack)
    pos, hit = index.tree.query(boxes)
    if len(pos) == 0:
        return empty, empty, np.zeros(0)
    dist = shapely.distance(index.geoms[hit], geoms[pos])
    close = dist <= slack[pos]
    pos, hit, dist = pos[close], hit[close], dist[close]
    units = index.units[hit].astype(np.int64)
    order = np.lexsort((units, dist, pos))
    return pos[order].astype(np.int64), units[order], dist[order]


def candidates_within(
    bulk: BulkContext, index: CountedIndex, reach: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`within_pairs` for every candidate, computed once per distinct location (a pand
    of flats once, not once per flat): (candidate positions, units, distances), the
    candidate's own unit included, sorted by candidate, then distance, then unit."""
    geoms, inverse = bulk.locations
    reach_c = np.broadcast_to(np.asarray(reach, dtype=np.float64), (bulk.n,))
    reach_g = np.full(len(geoms), -np.inf)
    np.maximum.at(reach_g, inverse, reach_c)
    gpos, units, dist = within_pairs(index, geoms, reach_g)
    order = np.argsort(inverse, kind="stable")
    ptr = np.zeros(len(geoms) + 1, np.int64)
    np.cumsum(np.bincount(inverse, minlength=len(geoms)), out=ptr[1:])
    groups = Csr(ptr, order)
    at, pos = expand(groups, gpos)
    units, dist = units[at], dist[at]
    close = dist <= reach_c[pos] + EPSILON_M
    pos, units, dist = pos[close], units[close], dist[close]
    keep = np.lexsort((units, dist, pos))
    return pos[keep], units[keep], dist[keep]
