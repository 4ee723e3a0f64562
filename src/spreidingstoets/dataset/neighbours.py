"""One neighbour model for every rule that asks "next to", "between" or "on the same side".

Pure (numpy only). Three notions, the same in every rule type:

**What stands between** (:func:`standing_mask`). An existing verblijfsobject or plaats stands
between two others: a dwelling, and also a shop or an office. A withdrawn (ingetrokken), never
realised or wrongly registered one does not, nor one under construction (gevormd), nor one whose
panden are all demolished, nor a garage box or storage unit (only 'overige gebruiksfunctie':
Weesp numbers its garages 153g, 155g among the houses 153, 155); each of these is a switch of
the rules (``between``), with the default stated in the verdict.

**Sides of a street** (:func:`street_sides`, computed once at load). The units with a hoofdadres
on one openbare ruimte are put on *sides*: chains of house-number positions, each chain in
house-number order. A position is a house number with its huisletter (3, 3a and 3b are three
houses); toevoegingen share their position (3-1 and 3-2 are one house with two flats). The
geometry decides which numbers follow each other on one side, so a street numbered 1, 2, 3
along one side works as well as one numbered odd/even:

* Walk the street's house numbers in order, each at the point of its bare number (or first
  huisletter): the mean of its units' points, leaving out withdrawn and never realised ones
  where others are there. A step between two numbers of the same parity stays
  on the side (odd/even numbering and consecutive numbering agree on that).
* A step from an odd to an even number (or back) stays on the side when the geometry shows the
  numbers running along one line: the step continues the line of the step before it or after
  it (a turn of at most ``180 - ALONG_DEG`` degrees, steps of alike length, the far end within
  ``ALONG_OFFSET_M`` of the line; across the street it lies a street's width off). Numbers
  closer than ``SAME_SPOT_M`` are next to each other whatever their parity. A step that turns
  sharply or ends far off the line crosses the street (odd/even numbering there); a number's
  side then continues at the next number of its own parity, unless that one is already
  reached along its own side.
* Where the points around a step cannot tell, the street's other odd/even steps decide (mostly
  along: numbered 1, 2, 3; mostly across: odd/even). Where none can, odd/even is used; such
  units are marked ``by_parity`` and the verdict says so.

A bend does not matter (each judgement is local); a street numbered up one side and back down
the other becomes two sides, because its turn crosses the street. Known limit: at such a turn
a missing number can join the two ends when they have the same parity (9 and 11 with no 10).
Tested on generated straight and bent streets and on Weesp (``tests/test_neighbours.py``).

**Walls** (used by the rule types through the footprint adjacency graph): the panden within the
adjacency tolerance of a unit's own panden are its wall neighbours; a neighbouring pand is a
*side* when something stands in it (a pand without a standing object, a shed or a garage, is
not a neighbour and is not followed through). The *block* of a pand is every pand reachable
through touching walls (:func:`blocks`, computed once per dataset): the rule types report its size,
although only the panden touching the application's can change an enclosure.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from spreidingstoets.dataset.model import per_value

if TYPE_CHECKING:
    from spreidingstoets.dataset.model import Dataset

# BAG statuses of objects that exist: they stand between two others.
EXISTING_STATUSES: tuple[str, ...] = (
    "Verblijfsobject in gebruik",
    "Verblijfsobject in gebruik (niet ingemeten)",
    "Verbouwing verblijfsobject",
    "Verblijfsobject buiten gebruik",
    "Plaats aangewezen",
)
UNDER_CONSTRUCTION_STATUSES: tuple[str, ...] = ("Verblijfsobject gevormd",)
WITHDRAWN_STATUSES: tuple[str, ...] = ("Verblijfsobject ingetrokken", "Plaats ingetrokken")
NOT_REALISED_STATUSES: tuple[str, ...] = ("Niet gerealiseerd verblijfsobject",)
# Not an object at all; never stands, and its point is not used for the geometry of a street.
WRONGLY_REGISTERED_STATUSES: tuple[str, ...] = ("Verblijfsobject ten onrechte opgevoerd",)
DEMOLISHED_PAND = "Pand gesloopt"
STORAGE_GEBRUIKSDOEL = "overige gebruiksfunctie"  # garage boxes, storage units

SAME_SPOT_M = 4.0  # numbers this close are next to each other: a street is wider than that
MIN_LEG_M = 1.0  # points closer than this give no direction
# A step continues the line of the step before (or after) it: a turn of at most 60 degrees,
ALONG_DEG = 120.0
LEG_RATIO = 4.0  # steps alike in length (a line through 7 m says nothing about 200 m on),
ALONG_OFFSET_M = 5.0  # and its far end within this of the line. Across the street the far end
# lies a street's width off it (address point to address point, 10 m or more), so:
ACROSS_DEG = 90.0  # a turn at least this sharp, or an end this far off, is across
ACROSS_OFFSET_M = 8.0


@dataclass(frozen=True)
class Sides:
    """Per unit: its side of the street and its position along it (see the module text)."""

    key: np.ndarray  # side id, -1 for a unit without a hoofdadres on an openbare ruimte
    rank: np.ndarray  # position along the side (dense, in house-number order), -1 if none
    ptr: np.ndarray  # CSR over sides: units of side k are order[ptr[k]:ptr[k+1]], by rank
    order: np.ndarray
    by_parity: np.ndarray  # bool: odd/even decided, because the geometry could not


def street_sides(
    street: np.ndarray,
    number: np.ndarray,
    letter: np.ndarray,
    xy: np.ndarray,
    usable: np.ndarray,
) -> Sides:
    """Sides and positions for units with a hoofdadres on a street (``street >= 0``).

    ``number``/``letter`` are the hoofdadres' huisnummer and huisletter per unit; ``usable``
    marks units whose point may place their position (not withdrawn or never realised; a
    position with none of those is placed by all its units).
    """
    n_units = len(street)
    key = np.full(n_units, -1, np.int64)
    rank = np.full(n_units, -1, np.int64)
    by_parity = np.zeros(n_units, bool)
    rows = np.flatnonzero(street >= 0)
    if len(rows) == 0:
        return Sides(key, rank, np.zeros(1, np.int64), np.zeros(0, np.int32), by_parity)
    _, letter_code = np.unique(np.char.lower(letter[rows].astype(str)), return_inverse=True)
    order = np.lexsort((letter_code, number[rows], street[rows]))
    units = rows[order]
    s, n, lc = street[units], number[units], letter_code[order]

    # positions: (street, number, letter); placed at the mean point of their usable units
    new_pos = np.r_[True, (s[1:] != s[:-1]) | (n[1:] != n[:-1]) | (lc[1:] != lc[:-1])]
    pos_of = np.cumsum(new_pos) - 1
    n_pos = int(pos_of[-1]) + 1
    use = usable[units]
    has_usable = np.bincount(pos_of, use, n_pos) > 0
    weight = np.where(has_usable[pos_of], use, True).astype(float)
    total = np.bincount(pos_of, weight, n_pos)
    pos_xy = np.column_stack(
        [np.bincount(pos_of, weight * xy[units, d], n_pos) / total for d in (0, 1)]
    )
    first = np.flatnonzero(new_pos)
    pos_street, pos_number = s[first], n[first]

    # house numbers of a street, each placed at its first position (bare number or first letter)
    new_num = np.r_[True, (pos_street[1:] != pos_street[:-1]) | (pos_number[1:] != pos_number[:-1])]
    num_of_pos = np.cumsum(new_num) - 1
    num_first = np.flatnonzero(new_num)
    ns, nn, p = pos_street[num_first], pos_number[num_first], pos_xy[num_first]
    m = len(nn)
    same_next = np.r_[ns[:-1] == ns[1:], False]  # step i -> i+1 inside one street
    ahead, ahead_across, behind, behind_across = _triples(p, same_next)
    # the next number of the same parity in the street (1 -> 3, 2 -> 4)
    by_par = np.lexsort((nn, nn % 2, ns))
    ps, pp = ns[by_par], nn[by_par] % 2
    same_par_next = (ps[1:] == ps[:-1]) & (pp[1:] == pp[:-1])
    next_same = np.full(m, -1, np.int64)
    next_same[by_par[:-1][same_par_next]] = by_par[1:][same_par_next]

    step = np.flatnonzero(same_next)  # step i -> i+1 looks at the triples centred on i, i+1
    nxt = step + 1
    close = np.hypot(*(p[nxt] - p[step]).T) < SAME_SPOT_M
    diff_parity = (nn[step] % 2) != (nn[nxt] % 2)
    along_geo = close | ahead[step] | behind[nxt]
    across_geo = ~along_geo & (ahead_across[step] | behind_across[nxt])
    # where the points around a step cannot tell, the street's other odd/even steps decide
    # (mostly along: numbered 1, 2, 3; mostly across: odd/even); a tie leaves odd/even
    votes = np.bincount(ns[step], diff_parity & along_geo, ns.max() + 1) - np.bincount(
        ns[step], diff_parity & across_geo, ns.max() + 1
    )
    unsure = diff_parity & ~along_geo & ~across_geo
    along = np.zeros(m, bool)  # along[i]: step i -> i+1 stays on the side
    along[step] = ~diff_parity | along_geo | (unsure & (votes[ns[step]] > 0))
    undecided = np.zeros(m, bool)  # odd/even, because no geometry decided
    undecided[step] = unsure & (votes[ns[step]] == 0)

    # links: along steps; and from an odd/even step across the street, to the next number of
    # the same parity whose own incoming step is across too (one predecessor per number)
    pred = np.full(m, -1, np.int64)
    along_steps = step[along[step]]
    pred[along_steps + 1] = along_steps
    across_from = step[diff_parity & ~along[step]]
    across_from = across_from[next_same[across_from] >= 0]
    target = next_same[across_from]
    ok = ~along[target - 1]
    pred[target[ok]] = across_from[ok]
    root = np.where(pred >= 0, pred, np.arange(m))
    while True:  # pointer jumping: every number points at the first number of its side
        nxt_root = root[root]
        if np.array_equal(nxt_root, root):
            break
        root = nxt_root
    _, side_of_num = np.unique(root, return_inverse=True)

    # a unit's number was decided by parity when a step next to it was
    flag = undecided | np.r_[False, undecided[:-1]]
    side_of_pos = side_of_num[num_of_pos]
    pos_order = np.lexsort((np.arange(n_pos), side_of_pos))  # positions stay in number order
    sp = side_of_pos[pos_order]
    start = np.r_[True, sp[1:] != sp[:-1]]
    dense = np.arange(n_pos) - np.maximum.accumulate(np.where(start, np.arange(n_pos), 0))
    pos_rank = np.empty(n_pos, np.int64)
    pos_rank[pos_order] = dense
    key[units] = side_of_pos[pos_of]
    rank[units] = pos_rank[pos_of]
    by_parity[units] = flag[num_of_pos[pos_of]]
    n_sides = int(side_of_num.max()) + 1 if m else 0
    by_side = np.lexsort((rank[units], key[units]))
    ptr = np.zeros(n_sides + 1, np.int64)
    np.cumsum(np.bincount(key[units], minlength=n_sides), out=ptr[1:])
    return Sides(key, rank, ptr, units[by_side].astype(np.int32), by_parity)


def _triples(p: np.ndarray, same_next: np.ndarray) -> tuple[np.ndarray, ...]:
    """For each number i with a number before and after it in its street, the triple
    (i-1, i, i+1) judges both its steps: does the step i -> i+1 continue the line of the step
    before it (``ahead``), and does i-1 -> i continue the line of the step after it
    (``behind``)? A step continues a line when the turn at i is mild, the two steps are alike
    and the far end lies within ``ALONG_OFFSET_M`` of the line; it clearly does not when the
    turn is sharp or the far end lies ``ACROSS_OFFSET_M`` off. Neither, when the points cannot
    tell. Returns (ahead, ahead_across, behind, behind_across), each a bool per number."""
    m = len(p)
    out = [np.zeros(m, bool) for _ in range(4)]
    mid = np.flatnonzero(np.r_[False, same_next[:-1]] & same_next)
    if len(mid) == 0:
        return tuple(out)
    a, b, c = p[mid - 1], p[mid], p[mid + 1]
    v1, v2 = a - b, c - b
    n1, n2 = np.hypot(v1[:, 0], v1[:, 1]), np.hypot(v2[:, 0], v2[:, 1])
    usable = (n1 >= MIN_LEG_M) & (n2 >= MIN_LEG_M)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.clip((v1 * v2).sum(axis=1) / (n1 * n2), -1.0, 1.0)
        angle = np.degrees(np.arccos(cos))
        cross = np.abs(v1[:, 0] * v2[:, 1] - v1[:, 1] * v2[:, 0])
        off_c, off_a = cross / n1, cross / n2  # c off the line a-b; a off the line b-c
    mild = usable & (np.maximum(n1, n2) <= LEG_RATIO * np.minimum(n1, n2)) & (angle >= ALONG_DEG)
    for k, offset in ((0, off_c), (2, off_a)):
        along = mild & (offset <= ALONG_OFFSET_M)
        out[k][mid] = along
        out[k + 1][mid] = usable & ~along & ((angle <= ACROSS_DEG) | (offset >= ACROSS_OFFSET_M))
    return tuple(out)


# ---- what stands between -----------------------------------------------------------------------


def standing_mask(
    ds: Dataset,
    *,
    gebruiksdoel: str,
    other_uses: bool,
    storage: bool,
    under_construction: bool,
    withdrawn: bool,
    not_realised: bool,
    demolished: bool,
) -> np.ndarray:
    """Per unit: stands between two others under these switches (cached on the dataset)."""
    key = (
        "standing",
        gebruiksdoel,
        other_uses,
        storage,
        under_construction,
        withdrawn,
        not_realised,
        demolished,
    )

    def make() -> np.ndarray:
        statuses = set(EXISTING_STATUSES)
        for on, extra in (
            (under_construction, UNDER_CONSTRUCTION_STATUSES),
            (withdrawn, WITHDRAWN_STATUSES),
            (not_realised, NOT_REALISED_STATUSES),
        ):
            if on:
                statuses.update(extra)
        mask = per_value(ds.unit_status, lambda s: s in statuses)
        if not other_uses:
            mask &= per_value(ds.unit_gebruiksdoel, lambda g: gebruiksdoel in str(g).split(";"))
        if not storage:
            mask &= ~per_value(ds.unit_gebruiksdoel, lambda g: g == STORAGE_GEBRUIKSDOEL)
        if not demolished:
            mask &= ~in_demolished_panden(ds)
        return mask

    result: np.ndarray = ds.derived.get(key, make)
    return result


def in_demolished_panden(ds: Dataset) -> np.ndarray:
    """Per unit: it has panden and every one of them is demolished."""

    def make() -> np.ndarray:
        links = ds.unit_fps
        gone = ds.fp_status[links.idx] == DEMOLISHED_PAND
        counts = np.diff(links.ptr)
        gone_counts = np.bincount(
            np.repeat(np.arange(len(counts)), counts), gone, minlength=len(counts)
        )
        return np.asarray((counts > 0) & (gone_counts == counts))

    result: np.ndarray = ds.derived.get("in_demolished_panden", make)
    return result


# ---- house-number neighbours, per check ------------------------------------------------------


@dataclass(frozen=True)
class SideView:
    """The positions of one side that hold something present, in house-number order.

    ``units[starts[k]:starts[k+1]]`` are the present units at the k-th present position.
    """

    units: np.ndarray
    ranks: np.ndarray
    starts: np.ndarray
    xy: np.ndarray

    @classmethod
    def of(cls, ds: Dataset, unit: int, present: Callable[[np.ndarray], np.ndarray]) -> SideView:
        """The present positions of ``unit``'s side; ``present(members)`` masks the side's
        units (the unit itself is always present)."""
        members = side_members(ds, unit)
        keep = members[present(members) | (members == unit)]
        ranks = ds.side_rank[keep]
        starts = np.flatnonzero(np.concatenate(([True], ranks[1:] != ranks[:-1], [True])))
        return cls(keep, ranks, starts, ds.unit_xy[keep])

    def position(self, rank: int) -> int:
        """Index of the present position at ``rank``."""
        return int(np.searchsorted(self.ranks[self.starts[:-1]], rank))

    def at(self, k: int) -> np.ndarray:
        return self.units[self.starts[k] : self.starts[k + 1]]

    def gap(self, k: int, j: int) -> float:
        """Metres between present positions ``k`` and ``j``: their two nearest units."""
        a = self.xy[self.starts[k] : self.starts[k + 1]]
        b = self.xy[self.starts[j] : self.starts[j + 1]]
        if len(a) == 1 and len(b) == 1:  # the common case, without numpy's overhead
            (ax, ay), (bx, by) = a[0].tolist(), b[0].tolist()
            return math.hypot(ax - bx, ay - by)
        d = a[:, None, :] - b[None, :, :]
        return float(np.sqrt((d**2).sum(axis=2)).min())

    def walk(self, k: int, steps: int, max_gap: float) -> list[tuple[int, int]]:
        """Present positions within ``steps`` of position ``k`` on either side, as (position,
        steps away); a step longer than ``max_gap`` metres ends the side there (house numbers
        that far apart are no neighbours, and nothing beyond them counts)."""
        found: list[tuple[int, int]] = []
        n_pos = len(self.starts) - 1
        for direction in (-1, 1):
            here = k
            for distance in range(1, steps + 1):
                there = here + direction
                if not 0 <= there < n_pos:
                    break
                if self.gap(here, there) > max_gap:
                    break
                found.append((there, distance))
                here = there
        return found


def side_members(ds: Dataset, unit: int) -> np.ndarray:
    """Units on the side of ``unit``'s street, by rank (empty without a side)."""
    k = int(ds.side_key[unit])
    if k < 0:
        return ds.side_order.idx[:0]
    return ds.side_order.members(k)


BLOCK_LIMIT = 2000  # panden: a block is reported up to here (a city centre is one big block)


def blocks(ds: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """Per footprint the block it belongs to (the connected component of the adjacency graph,
    named by its lowest footprint row), and per block row its number of footprints; computed
    once per dataset.

    Hook and compress: every edge whose ends have different roots hangs the higher root under
    the lower, then every path is compressed to its root; a few rounds (logarithmic in the
    block's size) over all edges at once.
    """

    def make() -> tuple[np.ndarray, np.ndarray]:
        adj = ds.fp_adjacent
        n = len(adj.ptr) - 1
        src = np.repeat(np.arange(n, dtype=np.int64), np.diff(adj.ptr))
        dst = adj.idx.astype(np.int64)
        root = np.arange(n, dtype=np.int64)
        while True:
            a, b = root[src], root[dst]
            differ = a != b
            if not differ.any():
                break
            np.minimum.at(root, np.maximum(a, b)[differ], np.minimum(a, b)[differ])
            while True:  # root only ever points lower, so this ends
                up = root[root]
                if np.array_equal(up, root):
                    break
                root = up
        return root, np.bincount(root, minlength=n)

    result: tuple[np.ndarray, np.ndarray] = ds.derived.get("fp_blocks", make)
    return result


def block_size(ds: Dataset, fps: np.ndarray, limit: int = BLOCK_LIMIT) -> tuple[int, bool]:
    """How many panden form the block of ``fps`` (connected through the adjacency graph), up
    to ``limit``, and whether that is all of it (False: the block holds ``limit`` or more)."""
    if not len(fps):
        return 0, True
    root, size = blocks(ds)
    total = int(size[np.unique(root[fps])].sum())
    return (total, True) if total < limit else (limit, False)
