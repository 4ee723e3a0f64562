"""Partitions of a simulation: which candidates each part tests, and what of the dataset it needs.

A part is a set of candidate units (its core: one gemeente, or one square tile of the RD grid)
plus its halo, which a worker loads with ``dataset.store.load_dataset_part``: every unit within
the ruleset's reach of the core (by point or by footprint), every unit on a street (openbare
ruimte) of the core and every unit sharing a pand with those, so that street shares, distances,
adjacency and enclosure come out for the core exactly as on the whole dataset. ``reach_m`` is
the largest distance in metres any rule looks (radius, review band, tolerance, gap); a rule that
looks over a whole area of a layer (``area_share``) or measures from a kadastraal perceel has no
bounded reach, and its parts need every unit.

Pure (numpy only): the Dask engine (``simulate/distributed.py``) and the tests call it alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

# Rule types whose answer for a unit depends on units beyond any fixed distance or its street.
UNBOUNDED_TYPES = frozenset({"area_share"})
# Parameters that, when set, measure from a shape of unknown size (a kadastraal perceel).
UNBOUNDED_PARAMS = frozenset({"parcel_layer"})
BY = ("gemeente", "tile")
DEFAULT_TILE_M = 10_000.0


@dataclass(frozen=True)
class Part:
    """One partition: its key (gemeentecode, or tile column_row) and the candidate rows it
    tests (ascending)."""

    key: str
    core: np.ndarray  # dataset rows of the candidates (int64, ascending)


def reach_m(rules: Any) -> float | None:
    """The largest distance (metres) the rules of a ruleset version look from a unit: the
    largest parameter ending in ``_m`` (radius_m, review_band_m added to it, tolerance_m,
    max_gap_m, the radii per zone); None when a rule's reach is unbounded (a type in
    ``UNBOUNDED_TYPES``, or a parameter in ``UNBOUNDED_PARAMS`` set)."""
    reach = 0.0
    for rule in rules:
        if rule.type in UNBOUNDED_TYPES:
            return None
        params = rule.params.model_dump() if hasattr(rule.params, "model_dump") else {}
        flat = _flat(params)
        if any(k.rsplit(".", 1)[-1] in UNBOUNDED_PARAMS and v is not None for k, v in flat):
            return None
        metres = [float(v) for k, v in flat if k.endswith("_m") and _number(v)]
        extra = float(params.get("review_band_m") or 0.0)
        radius = float(params.get("radius_m") or 0.0)
        reach = max([reach, radius + extra, *metres])
    return reach


def _flat(d: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for k, v in d.items():
        if isinstance(v, dict):
            out.extend(_flat(v, f"{prefix}{k}."))
        elif isinstance(v, list | tuple) and all(isinstance(x, dict) for x in v):
            for i, x in enumerate(v):
                out.extend(_flat(x, f"{prefix}{k}.{i}."))
        else:
            out.append((f"{prefix}{k}", v))
    return out


def _number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and np.isfinite(v)


def partition(
    candidates: np.ndarray,
    unit_xy: np.ndarray,
    unit_id: np.ndarray,
    *,
    by: str = "gemeente",
    tile_m: float = DEFAULT_TILE_M,
    max_parts: int | None = None,
) -> list[Part]:
    """The candidates split by gemeente (the first four digits of the identificatie) or by
    square tiles of ``tile_m`` metres; parts in key order, every candidate in exactly one.

    With ``max_parts``, neighbouring keys (in key order: gemeentecodes, or tiles column by
    column) are grouped into at most that many parts of about equal size, whole gemeenten or
    tiles each: a part costs a load of its halo, so a few large parts per worker beat many
    small ones."""
    if by not in BY:
        raise ValueError(f"by must be one of {BY}")
    rows = np.unique(np.asarray(candidates, dtype=np.int64))
    if len(rows) == 0:
        return []
    if by == "gemeente":
        keys = np.asarray(unit_id[rows]).astype("S4").astype(str)
    else:
        cells = np.floor(unit_xy[rows] / tile_m).astype(np.int64)
        cells -= cells.min(axis=0)  # keys that sort column by column, then row by row
        keys = np.char.add(
            np.char.add(np.char.zfill(cells[:, 0].astype(str), 6), "_"),
            np.char.zfill(cells[:, 1].astype(str), 6),
        )
    order = np.argsort(keys, kind="stable")
    values, starts = np.unique(keys[order], return_index=True)
    ends = np.append(starts[1:], len(order))
    if max_parts is not None and len(values) > max_parts:
        # cut the keys where the running count passes each 1/max_parts of the candidates
        cuts = np.searchsorted(ends, np.arange(1, max_parts) * len(rows) / max_parts)
        first = np.unique(np.concatenate([[0], cuts + 1]))
        first = first[first < len(values)]
        last = np.append(first[1:] - 1, len(values) - 1)
        values = np.array(
            [
                f"{values[a]}..{values[b]}" if a < b else values[a]
                for a, b in zip(first, last, strict=True)
            ]
        )
        starts, ends = starts[first], ends[last]
    parts = []
    for key, lo, hi in zip(values.tolist(), starts, ends, strict=True):
        parts.append(Part(str(key), np.sort(rows[order[lo:hi]])))
    return parts
