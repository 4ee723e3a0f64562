"""What every rule type shares: the evaluation context, common parameter models, helpers.

A rule type is one module defining ``Params`` (a pydantic model with ``extra="forbid"``) and
``evaluate(rule, params, ctx) -> RuleOutcome``; it is registered in ``ruletypes/__init__.py``.
Rule types are pure: they read the dataset, the register overlay and the application from the
:class:`Context`, and never touch files, databases, HTTP or the clock.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import shapely
from pydantic import BaseModel, ConfigDict, Field, model_validator

from spreidingstoets.caching import BoundedCache
from spreidingstoets.dataset.model import Dataset
from spreidingstoets.domain.model import Application, Evidence, Outcome, RuleOutcome
from spreidingstoets.domain.register import RegisterEntry, RegisterSnapshot
from spreidingstoets.domain.ruleset import RuleSpec
from spreidingstoets.domain.vocabulary import (
    COUNTED_STATUSES,
    KINDS,
    STATUSES,
    WONING_GEBRUIKSDOEL,
    WONING_STATUSES,
    Kind,
    Status,
)
from spreidingstoets.errors import ConfigurationError

if TYPE_CHECKING:
    from spreidingstoets.zoning import ZoningLayer


OVERLAY_CACHE_MAX = 256
REGISTER_RELATIONS = frozenset({"register_entry", "nearby_entry"})


class Period(NamedTuple):
    """An application's validity and its date of receipt, as the register is filtered by."""

    start: dt.date
    end: dt.date | None  # last day; None: open-ended
    received: dt.date  # pending entries received after this day do not count (first come)


EPSILON_M = 1e-6  # candidate searches reach this far beyond a radius: float noise, not metres


class Strict(BaseModel):
    """Base of all parameter models: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Counted(Strict):
    """Which register entries count as existing dwellings of the regulated kind."""

    kinds: tuple[Kind, ...] = Field(
        default=KINDS,  # type: ignore[arg-type]
        description="kinds of use that count (Tiel treats all alike)",
    )
    statuses: tuple[Status, ...] = Field(
        default=COUNTED_STATUSES,  # type: ignore[arg-type]
        description="statuses that count: granted, tolerated, pending, illegal by default",
    )


class Dwelling(Strict):
    """What counts as a dwelling (woning) in the denominators of shares."""

    gebruiksdoel: str = WONING_GEBRUIKSDOEL
    statuses: tuple[str, ...] = WONING_STATUSES


class ZoneRef(Strict):
    """A selection of polygons from a named zoning/area layer of the dataset."""

    layer: str = Field(description="name of a zoning or area layer loaded with the dataset")
    names: tuple[str, ...] | None = Field(
        None, description="designations (normalised match); all if empty"
    )
    kinds: tuple[str, ...] | None = Field(None, description="IMRO kinds, e.g. enkelbestemming")

    @model_validator(mode="after")
    def _non_empty(self) -> ZoneRef:
        if self.names is not None and not self.names:
            raise ValueError("names: geef minstens één bestemming, of laat names weg")
        return self


@dataclass
class RegisterOverlay:
    """The register as per-entry arrays over a dataset, filtered fast per date and kind."""

    dataset: Dataset
    snapshot: RegisterSnapshot
    entries: tuple[RegisterEntry, ...] = ()
    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # of the entries
    unit: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    # fixed-width text, so masks compare in C rather than object by object
    kind: np.ndarray = field(default_factory=lambda: np.zeros(0, str))
    status: np.ndarray = field(default_factory=lambda: np.zeros(0, str))
    valid_from: np.ndarray = field(default_factory=lambda: np.zeros(0, "datetime64[D]"))
    valid_until: np.ndarray = field(default_factory=lambda: np.zeros(0, "datetime64[D]"))
    received: np.ndarray = field(default_factory=lambda: np.zeros(0, "datetime64[D]"))
    unknown: tuple[str, ...] = ()  # verblijfsobject ids not in the dataset
    # per (date, kinds, statuses): masks and indexes; a server sees many dates, so bounded
    _cache: BoundedCache[Any] = field(default_factory=lambda: BoundedCache(OVERLAY_CACHE_MAX))
    # spatial indexes by the exact set of units they hold: shared with the overlays made by
    # with_changes, which mostly leave those sets as they were
    _trees: BoundedCache[Any] = field(default_factory=lambda: BoundedCache(OVERLAY_CACHE_MAX))

    def clear_caches(self) -> None:
        """Forget the masks and spatial indexes (made again on demand)."""
        self._cache.clear()
        self._trees.clear()

    @classmethod
    def build(cls, dataset: Dataset, snapshot: RegisterSnapshot) -> RegisterOverlay:
        entries = snapshot.entries
        units = np.array([dataset.unit_index(e.verblijfsobject_id) for e in entries], np.int64)
        lo = np.datetime64("0001-01-01")
        hi = np.datetime64("9999-12-31")
        return cls(
            dataset=dataset,
            snapshot=snapshot,
            entries=entries,
            ids=np.array([e.id for e in entries], np.int64),
            unit=units,
            kind=np.array([e.kind for e in entries], str),
            status=np.array([e.status for e in entries], str),
            valid_from=np.array([e.valid_from or lo for e in entries], "datetime64[D]"),
            valid_until=np.array([e.valid_until or hi for e in entries], "datetime64[D]"),
            # [default] an entry without a date of receipt was received on its first day
            received=np.array([e.received or e.valid_from or lo for e in entries], "datetime64[D]"),
            unknown=tuple(
                sorted({e.verblijfsobject_id for e, u in zip(entries, units, strict=True) if u < 0})
            ),
        )

    def with_changes(
        self, entries: Iterable[RegisterEntry], revision: str, removed: Iterable[int] = ()
    ) -> RegisterOverlay:
        """A new overlay at ``revision``: ``entries`` replace the entries with their ids or are
        added, and the entries with an id in ``removed`` are left out.

        Copy-on-write: this overlay is not changed, so readers holding it are safe. The cost is
        a copy of the per-entry arrays plus the changed entries, not a rebuild of every entry.
        """
        changed = self.build(self.dataset, RegisterSnapshot(tuple(entries), revision))
        n = len(self.entries)
        # Row of each changed entry in this overlay (found) or none (added at the end).
        by_id = np.argsort(self.ids, kind="stable")
        pos = np.minimum(np.searchsorted(self.ids, changed.ids, sorter=by_id), max(n - 1, 0))
        at = by_id[pos] if n else pos
        found = (self.ids[at] == changed.ids) if n else np.zeros(len(changed.ids), bool)
        drop = np.fromiter(removed, np.int64)
        keep = ~np.isin(self.ids, drop) if len(drop) else np.ones(n, bool)
        rows = list(self.entries)
        for i, j in zip(at[found].tolist(), np.flatnonzero(found).tolist(), strict=True):
            rows[i] = changed.entries[j]
        kept = rows if keep.all() else [e for e, k in zip(rows, keep.tolist(), strict=True) if k]
        merged = kept + [changed.entries[j] for j in np.flatnonzero(~found).tolist()]
        arrays: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            old, new = getattr(self, f.name), getattr(changed, f.name)
            if isinstance(old, np.ndarray) and len(old) == n and len(new) == len(changed.entries):
                # a copy wide enough for the new values (fixed-width text would truncate them)
                spliced = old.astype(np.result_type(old, new))
                spliced[at[found]] = new[found]
                arrays[f.name] = np.concatenate([spliced[keep], new[~found]])
        unknown = {merged[i].verblijfsobject_id for i in np.flatnonzero(arrays["unit"] < 0)}
        return dataclasses.replace(
            self,
            snapshot=RegisterSnapshot(tuple(merged), revision),
            entries=tuple(merged),
            unknown=tuple(sorted(unknown)),
            _cache=BoundedCache(OVERLAY_CACHE_MAX),
            _trees=self._trees,
            **arrays,
        )

    def entry_mask(
        self, period: Period | None, kinds: tuple[str, ...], statuses: tuple[str, ...]
    ) -> np.ndarray:
        """Entries of these kinds and statuses on units in the dataset whose validity overlaps
        ``period`` (start, end; no end: open-ended), or of any date when ``period`` is None.

        An application counts every entry valid at some time during its own validity, so a
        grant that starts after the application's first day still counts against it; a
        pending one received after the application does not (first come, first served).
        """

        def make() -> np.ndarray:
            mask = _one_of(self.kind, kinds) & _one_of(self.status, statuses) & (self.unit >= 0)
            if period is not None:
                mask &= self._overlapping(period) & ~self._received_later(period)
            return mask

        return self._cache.get(("mask", period, kinds, statuses), make)

    def _overlapping(self, period: Period) -> np.ndarray:
        mask = self.valid_until >= np.datetime64(period.start, "D")
        if period.end is not None:
            mask &= self.valid_from <= np.datetime64(period.end, "D")
        return mask

    def _received_later(self, period: Period) -> np.ndarray:
        return (self.status == "pending") & (self.received > np.datetime64(period.received, "D"))

    def left_out(self, period: Period, kinds: tuple[str, ...]) -> np.ndarray:
        """Rows of the pending entries of ``kinds`` that overlap ``period`` but were received
        after the application, so do not count against it (first come, first served)."""
        return self._cache.get(
            ("left_out", period, kinds),
            lambda: np.flatnonzero(
                _one_of(self.kind, kinds)
                & (self.unit >= 0)
                & self._overlapping(period)
                & self._received_later(period)
            ),
        )

    def counted_units(self, period: Period, counted: Counted) -> np.ndarray:
        """Sorted unique unit rows with a counted entry valid during ``period``."""
        return self._cache.get(
            ("units", period, counted.kinds, counted.statuses),
            lambda: np.unique(self.unit[self.entry_mask(period, counted.kinds, counted.statuses)]),
        )

    def counted_mask(self, period: Period, counted: Counted) -> np.ndarray:
        """Per dataset unit: has a counted entry during ``period`` (one array per spec)."""

        def make() -> np.ndarray:
            mask = np.zeros(self.dataset.n_units, bool)
            mask[self.counted_units(period, counted)] = True
            return mask

        return self._cache.get(("unit_mask", period, counted.kinds, counted.statuses), make)

    def counted_index(self, period: Period, counted: Counted) -> CountedIndex:
        """A spatial index over just the counted dwellings: distance queries touch only them."""
        return self.index_for(counted.kinds, counted.statuses, period)

    def index_for(
        self, kinds: tuple[str, ...], statuses: tuple[str, ...], period: Period | None
    ) -> CountedIndex:
        """Spatial index over units with entries of these kinds and statuses (valid during
        ``period``, or at any time when ``period`` is None: the register's history)."""

        def make() -> CountedIndex:
            units = np.unique(self.unit[self.entry_mask(period, kinds, statuses)])
            return self._trees.get(units.tobytes(), lambda: self._tree(units))

        return self._cache.get(("index", period, kinds, statuses), make)

    def _tree(self, units: np.ndarray) -> CountedIndex:
        geoms = np.array([self.dataset.unit_geometry(int(u)) for u in units], dtype=object)
        return CountedIndex(units, geoms, shapely.STRtree(geoms))

    def _by_unit(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Entry rows ordered by unit (register order within one), the units that have entries
        and where each one's rows start (an index built once)."""

        def make() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            order = np.argsort(self.unit, kind="stable")  # stable: register order per unit
            units, starts = np.unique(self.unit[order], return_index=True)
            return order, units, np.append(starts, len(order))

        return self._cache.get("by_unit", make)

    def entry_rows(self, unit: int) -> list[int]:
        """Rows of the entries on ``unit``, in register order."""
        order, units, starts = self._by_unit()
        i = int(np.searchsorted(units, unit))
        if i == len(units) or units[i] != unit:
            return []
        rows: list[int] = order[starts[i] : starts[i + 1]].tolist()
        return rows

    def rows_of(self, units: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The rows of the entries on each of ``units`` (in that order, register order within
        a unit), and per row the position in ``units`` of its unit: :meth:`entry_rows` for
        many units at once."""
        order, known, starts = self._by_unit()
        if not len(known) or not len(units):
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        at = np.minimum(np.searchsorted(known, units), len(known) - 1)
        first = starts[at]
        n = np.where(known[at] == units, starts[at + 1] - first, 0)
        pos = np.repeat(np.arange(len(units)), n)
        step = np.arange(len(pos)) - np.repeat(np.cumsum(n) - n, n)
        return order[np.repeat(first, n) + step].astype(np.int64), pos


def _one_of(values: np.ndarray, wanted: tuple[str, ...]) -> np.ndarray:
    """``np.isin`` for a handful of words: one vectorised comparison each, no sorting."""
    mask = np.zeros(len(values), bool)
    for word in wanted:
        mask |= values == word
    return mask


@dataclass(frozen=True)
class CountedIndex:
    """Counted units with their footprint geometry (union of panden, or point) and an STRtree."""

    units: np.ndarray
    geoms: np.ndarray
    tree: shapely.STRtree

    def within(self, geom: shapely.Geometry, distance: float) -> tuple[np.ndarray, np.ndarray]:
        """Counted units within ``distance`` of ``geom`` and their exact distances, nearest first."""
        # Envelope candidates, then one exact distance each (dwithin would compute it twice).
        # A hair of slack (1 µm) so that a distance exactly at ``distance`` (computed as
        # 101.00000000004 from mm coordinates) reaches the rule, which rounds before comparing.
        reach = distance + EPSILON_M
        xmin, ymin, xmax, ymax = geom.bounds
        hits = self.tree.query(shapely.box(xmin - reach, ymin - reach, xmax + reach, ymax + reach))
        if len(hits) == 0:
            return self.units[:0], np.zeros(0)
        dist = shapely.distance(self.geoms[hits], geom)
        close = dist <= reach
        hits, dist = hits[close], dist[close]
        order = np.lexsort((self.units[hits], dist))
        return self.units[hits][order], dist[order]


@dataclass
class Context:
    """Everything a rule may read for one application."""

    dataset: Dataset
    register: RegisterOverlay
    application: Application
    layers: dict[str, ZoningLayer] = field(default_factory=dict)

    @property
    def unit(self) -> int:
        return self.application.unit

    @property
    def period(self) -> Period:
        """The application's validity (from its date; open-ended without an end) and its date
        of receipt (its date when not given)."""
        app = self.application
        return Period(app.date, app.valid_until, app.received or app.date)

    @cached_property
    def footprints(self) -> np.ndarray:
        return self.dataset.unit_fps.members(self.unit)

    @cached_property
    def geometry(self) -> shapely.Geometry:
        """The application's footprint(s), or its point when it has none."""
        return self.dataset.unit_geometry(self.unit)

    @cached_property
    def point(self) -> shapely.Point:
        return self.dataset.unit_point(self.unit)

    def counted_within(
        self, counted: Counted, geom: shapely.Geometry, distance: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Counted units (not the application's) within ``distance`` m of ``geom``, with distances."""
        units, dist = self.register.counted_index(self.period, counted).within(geom, distance)
        keep = units != self.unit
        return units[keep], dist[keep]

    def is_counted(self, units: np.ndarray, counted: Counted) -> np.ndarray:
        """Per unit in ``units``: counted during the application's period (its own never)."""
        mask = self.register.counted_mask(self.period, counted)[units]
        return mask & (units != self.unit)

    def _future_start(self, unit: int) -> str | None:
        """The first day of the unit's registrations that start after the application date,
        when it has only such ones (it then counts because the periods overlap)."""
        day = self.application.date
        starts = [
            e.valid_from
            for e in (self.register.entries[i] for i in self.register.entry_rows(unit))
            if e.status in COUNTED_STATUSES
            and e.status != "pending"  # a later pending one does not count (first come)
            and (e.valid_until is None or e.valid_until >= day)
        ]
        if not starts or any(s is None or s <= day for s in starts):
            return None
        return min(s for s in starts if s is not None).isoformat()

    def dwellings(self, spec: Dwelling) -> np.ndarray:
        return self.dataset.woning_definition(tuple(spec.statuses), spec.gebruiksdoel)

    def layer(self, name: str) -> ZoningLayer:
        if name not in self.layers:
            raise LayerMissing(missing_layer_message(name, self.layers))
        return self.layers[name]

    def evidence(self, relation: str, unit: int, **extra: Any) -> Evidence:
        """Evidence about another unit: its identificatie, address and first pand."""
        vbo, address, pand = self.dataset.unit_facts(unit)
        # Register evidence (livability) carries its own dates; other evidence is a dwelling
        # that counts, which may be so only because its period overlaps the application's.
        start = None if relation in REGISTER_RELATIONS else self._future_start(unit)
        if start is not None:
            extra["geldig_vanaf"] = start  # counted, though it starts after the application
        return Evidence(
            relation=relation,
            verblijfsobject=vbo,
            address=address,
            pand=pand,
            distance_m=extra.pop("distance_m", None),
            point_distance_m=extra.pop("point_distance_m", None),
            detail=extra,
        )


class LayerMissing(ConfigurationError):
    """A rule needs a zoning/area layer the dataset does not have."""


def layers_needed(params: BaseModel) -> set[str]:
    """Names of the zoning/area layers a rule's parameters refer to (at any depth)."""
    found: set[str] = set()
    stack: list[Any] = [params]
    while stack:
        value = stack.pop()
        if isinstance(value, ZoneRef):
            found.add(value.layer)
        elif isinstance(value, BaseModel):
            stack.extend(getattr(value, name) for name in type(value).model_fields)
        elif isinstance(value, tuple | list):
            stack.extend(value)
    return found


def missing_layer_message(name: str, loaded: Mapping[str, object]) -> str:
    known = ", ".join(sorted(loaded)) or "geen"
    return (
        f"laag {name!r} hoort niet bij deze dataset (geladen lagen: {known}); voeg haar toe met "
        f"'spreidingstoets import BRON --out MAP --layer {name}=BESTAND'"
    )


def outcome(
    rule: RuleSpec,
    result: Outcome,
    message: str,
    *,
    measured: dict[str, Any] | None = None,
    limit: dict[str, Any] | None = None,
    evidence: list[Evidence] | None = None,
) -> RuleOutcome:
    return RuleOutcome(
        rule=rule.id,
        type=rule.type,
        outcome=result,
        message=message,
        measured=measured or {},
        limit=limit or {},
        parameters=rule.parameters,
        defaults=list(rule.defaults),
        evidence=evidence or [],
        source=rule.source,
    )


def fmt_m(value: float) -> str:
    """Metres for Dutch texts: 99,95 m."""
    return f"{value:.2f}".replace(".", ",") + " m"


def fmt_num(value: float) -> str:
    """A number for Dutch texts, as short as exact: 12,6 and 13."""
    return f"{value:g}".replace(".", ",")


def fmt_pct(value: float) -> str:
    return f"{value * 100:.1f}".replace(".", ",") + "%"


__all__ = [
    "STATUSES",
    "Context",
    "Counted",
    "Dwelling",
    "LayerMissing",
    "RegisterOverlay",
    "RuleSpec",
    "Strict",
    "ZoneRef",
    "fmt_m",
    "fmt_num",
    "fmt_pct",
    "layers_needed",
    "outcome",
]
