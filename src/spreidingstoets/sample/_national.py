"""Country-scale synthetic BAG tables for benchmarks, generated with vectorised numpy.

Streets are laid on a grid of 600 x 50 m cells spread over the Netherlands (EPSG:28992);
each street is a terraced street, a street of detached houses, or a street of flats. Every
object is current and valid; references always resolve.

Memory: at 10 million units the shapely geometries dominate (about 240 bytes per point,
430 per box). To stay well under 8 GB the string columns use pandas' Arrow-backed ``str``
dtype (pandas' own default for strings), repetitive ones (status, postcode, type) are
categoricals, and the list columns share list objects: every row with the same gebruiksdoel
holds the same list object, and the dwellings of one flat share one ``panden`` list.
Treat the lists as read-only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from ..dataset.tables import PLAATS_COLUMNS, BagTables, empty

_PREFIX = [
    "Berken",
    "Eiken",
    "Essen",
    "Linden",
    "Wilgen",
    "Populieren",
    "Beuken",
    "Elzen",
    "Iepen",
    "Platanen",
    "Kastanje",
    "Merel",
    "Lijster",
    "Vink",
    "Mees",
    "Spreeuw",
    "Zwaluw",
    "Reiger",
    "Kievit",
    "Grutto",
    "Tureluur",
    "Wulp",
    "Meeuwen",
    "Roos",
    "Tulp",
    "Narcis",
    "Lelie",
    "Iris",
    "Anjer",
    "Dahlia",
    "Zonnebloem",
    "Klaver",
    "Hei",
    "Riet",
    "Bies",
    "Vlas",
    "Molen",
    "Kerk",
    "School",
    "Dijk",
    "Haven",
    "Sluis",
    "Brug",
    "Veld",
    "Akker",
    "Weide",
    "Bongerd",
    "Hof",
    "Burcht",
    "Slot",
    "Smids",
    "Bakkers",
    "Vissers",
    "Wevers",
    "Schippers",
    "Kuipers",
    "Touwslagers",
    "Ververs",
    "Bleekers",
]
_SUFFIX = ["straat", "laan", "weg", "hof", "pad", "plein", "singel", "dreef"]
_WPL_SUFFIX = ["dam", "dorp", "wijk", "veen", "hoven", "zijl", "broek", "horst", "rade", "wold"]
_LETTERS = "ABCDEGHJKLMNPRTVWXZ"

# Street kinds: terraced, detached, flats. Geometry per kind (pand width, depth, gap after
# every ``block`` panden) and the ranges of panden per side and units per pand.
_P_KIND = np.array([0.42, 0.22, 0.36])
_WIDTH = np.array([5.5, 10.0, 24.0])
_DEPTH = np.array([9.0, 11.0, 14.0])
_GAP = np.array([1.5, 8.0, 12.0])
_BLOCK_RANGE = ((4, 11), (1, 3), (1, 2))
_SIDE_RANGE = ((4, 61), (3, 31), (1, 7))
_UNITS_RANGE = ((1, 2), (1, 2), (4, 41))

_CELL_W, _CELL_H = 600.0, 50.0
_X0, _Y0 = 14000.0, 306000.0
_NCOLS, _NROWS = 440, 6280
_ROW_STEP = 7919  # prime, coprime to _NROWS: spreads the used rows over the country
_HALF_WIDTH = 8.0


def _str(values: np.ndarray | list[str]) -> pd.Series:
    return pd.Series(pa.array(values, type=pa.string()), dtype=pd.StringDtype("pyarrow", np.nan))


def _ids_arrow(prefix: np.ndarray, type_code: int, serial: np.ndarray) -> pa.Array:
    """16-digit identificaties gemeente(4) + type(2) + serial(10) as an Arrow string array
    over one fixed-width numpy buffer: no Python objects, no copy into Arrow's pool."""
    v = prefix.astype(np.int64) * 10**12 + type_code * 10**10 + serial.astype(np.int64)
    raw = (v + 10**16).astype("S17").view(np.uint8).reshape(-1, 17)[:, 1:]
    data = np.ascontiguousarray(raw)
    del raw
    n = len(v)
    offsets = np.arange(0, 16 * (n + 1), 16, dtype=np.int32 if n < 2**27 else np.int64)
    typ = pa.string() if offsets.dtype == np.int32 else pa.large_string()
    return pa.Array.from_buffers(typ, n, [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def _ids(prefix: np.ndarray, type_code: int, serial: np.ndarray) -> pd.Series:
    return pd.Series(
        _ids_arrow(prefix, type_code, serial), dtype=pd.StringDtype("pyarrow", np.nan), copy=False
    )


def _const_cat(value: str, n: int) -> pd.Categorical:
    return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=[value])


def _all_null(n: int) -> pd.Series:
    return pd.Series(pa.nulls(n, type=pa.string()), dtype=pd.StringDtype("pyarrow", np.nan))


@dataclass
class _Plan:
    """Everything drawn or decided per street (and the per-unit random draws), for all streets:
    the tables of any subset of streets are made from it, the same rows as in one run."""

    n_units: int
    kind: np.ndarray  # per street: 0 terraced, 1 detached, 2 flats
    units_pp: np.ndarray  # units per pand
    length: np.ndarray  # units
    block: np.ndarray  # panden between gaps
    bouwjaar: np.ndarray
    cx: np.ndarray  # start of the street's cell
    cy: np.ndarray  # centre line of the street
    gem: np.ndarray  # gemeentecode (1..) of the street
    wpl: np.ndarray  # woonplaats row of the street
    n_pand: np.ndarray  # panden of the street
    pstart: np.ndarray  # first pand (global row) of the street
    ustart: np.ndarray  # first unit (global row) of the street
    oppervlakte: np.ndarray  # per unit (int32)
    doel: np.ndarray  # per unit: index into _DOELEN (int8)
    postcodes: list[str]  # the categories, sorted
    pc_code: np.ndarray  # per street and side (2 s + side): index into postcodes
    names: list[str]  # per street
    woonplaatsen: pd.DataFrame
    gemeentecodes: list[str]


_DOELEN = (("woonfunctie",), ("woonfunctie", "kantoorfunctie"), ("woonfunctie", "winkelfunctie"))


def _plan(n_units: int, seed: int, flats: float) -> _Plan:
    if n_units < 1:
        raise ValueError("n_units must be at least 1")
    if not 0 <= flats < 1:
        raise ValueError("flats must be a share in [0, 1)")
    rng = np.random.default_rng(seed)
    rest = _P_KIND[:2] / _P_KIND[:2].sum() * (1 - flats)
    p_kind = np.array([rest[0], rest[1], flats])

    # -- streets: draw more than needed, cut at n_units ---------------------------------
    est = int(n_units / 40) + 16
    kind = rng.choice(3, size=est, p=p_kind).astype(np.int8)
    lo = np.array([r[0] for r in _SIDE_RANGE])[kind]
    hi = np.array([r[1] for r in _SIDE_RANGE])[kind]
    per_side = rng.integers(lo, hi)
    ulo = np.array([r[0] for r in _UNITS_RANGE])[kind]
    uhi = np.array([r[1] for r in _UNITS_RANGE])[kind]
    units_pp = rng.integers(ulo, uhi)
    length = 2 * per_side * units_pp
    cum = np.cumsum(length)
    while cum[-1] < n_units:  # rare: the estimate was short; extend with terraced streets
        extra = np.full(est, 40)
        kind = np.concatenate([kind, np.zeros(est, np.int8)])
        per_side = np.concatenate([per_side, extra // 2])
        units_pp = np.concatenate([units_pp, np.ones(est, np.int64)])
        length = 2 * per_side * units_pp
        cum = np.cumsum(length)
    n_streets = int(np.searchsorted(cum, n_units) + 1)
    kind, units_pp = kind[:n_streets], units_pp[:n_streets]
    length = length[:n_streets].copy()
    length[-1] -= int(cum[n_streets - 1] - n_units)
    if n_streets > _NCOLS * _NROWS:
        raise ValueError("n_units too large for the street grid")
    blo = np.array([r[0] for r in _BLOCK_RANGE])[kind]
    bhi = np.array([r[1] for r in _BLOCK_RANGE])[kind]
    block = rng.integers(blo, bhi)
    bouwjaar_s = rng.integers(1900, 2025, size=n_streets).astype(np.int32)

    # Cell of each street; woonplaats = 8 x 80 cells, gemeente = 3 x 3 woonplaatsen.
    s_idx = np.arange(n_streets, dtype=np.int64)
    col = s_idx % _NCOLS
    row = (s_idx // _NCOLS * _ROW_STEP) % _NROWS
    cx = _X0 + col * _CELL_W
    cy = _Y0 + row * _CELL_H + _CELL_H / 2
    wpl_key = (col // 8) * 1000 + row // 80
    wpl_keys, wpl_of_street = np.unique(wpl_key, return_inverse=True)
    n_wpl = len(wpl_keys)
    if n_wpl > 8999:
        raise ValueError("too many woonplaatsen for 4-digit codes")
    gem_key = (wpl_keys // 1000 // 3) * 1000 + (wpl_keys % 1000) // 3
    _, gem_of_wpl = np.unique(gem_key, return_inverse=True)
    gem_code = (gem_of_wpl + 1).astype(np.int64)  # gemeentecode 0001.. of each woonplaats
    gem_of_street = gem_code[wpl_of_street]
    n_pand_s = -(-length // units_pp)  # ceil: the last street may be cut mid-flat
    pstart = np.concatenate([[0], np.cumsum(n_pand_s)[:-1]])
    ustart = np.concatenate([[0], np.cumsum(length)[:-1]])

    # Per-unit draws, in the order of the units (street by street).
    kind_u = np.repeat(kind, length)
    opp_lo = np.array([85, 120, 45], dtype=np.int32)[kind_u]
    opp_hi = np.array([140, 220, 110], dtype=np.int32)[kind_u]
    del kind_u
    oppervlakte = rng.integers(opp_lo, opp_hi).astype(np.int32)
    del opp_lo, opp_hi
    doel = rng.choice(3, size=n_units, p=[0.96, 0.03, 0.01]).astype(np.int8)

    # Postcodes: one letter pair per street side, the 4 digits per woonplaats.
    pc4 = 1000 + (np.arange(n_wpl) * 7) % 9000
    # Rank of each street within its woonplaats (stable: in street order).
    order = np.argsort(wpl_of_street, kind="stable")
    rank = np.empty(n_streets, dtype=np.int64)
    starts = np.searchsorted(wpl_of_street[order], np.arange(n_wpl))
    counts = np.bincount(wpl_of_street, minlength=n_wpl)
    rank[order] = np.arange(n_streets) - np.repeat(starts, counts)
    pc_cats = []
    for s in range(n_streets):
        base = str(pc4[wpl_of_street[s]])
        for sd in (0, 1):
            m = (2 * int(rank[s]) + sd) % (len(_LETTERS) ** 2)
            pc_cats.append(base + _LETTERS[m // len(_LETTERS)] + _LETTERS[m % len(_LETTERS)])
    # Categories must be unique: identical strings (only after wrap-around) get merged.
    pc_unique, pc_code_of = np.unique(np.array(pc_cats), return_inverse=True)

    combos = len(_PREFIX) * len(_SUFFIX)
    name_idx = (rank * 37 + wpl_of_street) % combos
    names = [
        _PREFIX[int(ni) // len(_SUFFIX)].lower().capitalize()
        + _SUFFIX[int(ni) % len(_SUFFIX)]
        + (f" {int(r) // combos + 1}" if r >= combos else "")
        for ni, r in zip(name_idx, rank, strict=True)
    ]
    wpl_id_str = [f"{1000 + i:04d}" for i in range(n_wpl)]
    wpl_names = [
        _PREFIX[(i * 13) % len(_PREFIX)]
        + _WPL_SUFFIX[i % len(_WPL_SUFFIX)]
        + (f" {i // (len(_PREFIX) * len(_WPL_SUFFIX)) + 1}" if i >= 600 else "")
        for i in range(n_wpl)
    ]
    woonplaatsen = pd.DataFrame(
        {
            "identificatie": _str(wpl_id_str),
            "naam": _str(wpl_names),
            "status": _const_cat("Woonplaats aangewezen", n_wpl),
        },
        copy=False,
    )
    return _Plan(
        n_units=n_units,
        kind=kind,
        units_pp=units_pp,
        length=length,
        block=block,
        bouwjaar=bouwjaar_s,
        cx=cx,
        cy=cy,
        gem=gem_of_street,
        wpl=wpl_of_street,
        n_pand=n_pand_s,
        pstart=pstart,
        ustart=ustart,
        oppervlakte=oppervlakte,
        doel=doel,
        postcodes=pc_unique.tolist(),
        pc_code=pc_code_of.astype(np.int32),
        names=names,
        woonplaatsen=woonplaatsen,
        gemeentecodes=[f"{g:04d}" for g in np.unique(gem_code).tolist()],
    )


def _ranges(start: np.ndarray, count: np.ndarray) -> np.ndarray:
    """The concatenation of ``arange(start[i], start[i] + count[i])`` (int64)."""
    total = int(count.sum())
    first = np.repeat(start - (np.cumsum(count) - count), count)
    return first + np.arange(total, dtype=np.int64)


def _tables(plan: _Plan, streets: np.ndarray, gemeentecodes: list[str]) -> BagTables:
    """The BAG tables of the given streets (ascending street indices), with their global
    serials: the rows of a street are the same whichever other streets come along."""
    s_idx = np.asarray(streets, dtype=np.int64)
    n_streets = len(s_idx)
    length, n_pand_s = plan.length[s_idx], plan.n_pand[s_idx]
    n_units, n_panden = int(length.sum()), int(n_pand_s.sum())
    gem_of_street = plan.gem
    kind, units_pp, block = plan.kind, plan.units_pp, plan.block
    cx, cy = plan.cx, plan.cy

    # -- panden -----------------------------------------------------------------------
    gp = _ranges(plan.pstart[s_idx], n_pand_s)  # global pand rows
    p_street = np.repeat(s_idx, n_pand_s)
    q = gp - plan.pstart[p_street]
    side = (q % 2).astype(np.int8)  # 0 north (odd numbers), 1 south
    j = q // 2
    pk = kind[p_street]
    w, d = _WIDTH[pk], _DEPTH[pk]
    px0 = cx[p_street] + j * w + (j // block[p_street]) * _GAP[pk]
    py0 = np.where(side == 0, cy[p_street] + _HALF_WIDTH, cy[p_street] - _HALF_WIDTH - d)
    pand_geom = shapely.box(px0, py0, px0 + w, py0 + d)
    pand_id = _ids(gem_of_street[p_street], 10, gp + 1)
    bouwjaar = plan.bouwjaar[p_street]
    del q, j, pk, side, p_street

    # -- units (verblijfsobjecten + nummeraanduidingen) -------------------------------
    gu = _ranges(plan.ustart[s_idx], length)  # global unit rows
    u_street = np.repeat(s_idx, length)
    k = gu - plan.ustart[u_street]
    u = units_pp[u_street]
    within = k // u  # the unit's pand, counted within its street
    local_pand = np.repeat(np.cumsum(n_pand_s) - n_pand_s, length) + within  # row here
    slot = k % u
    house = u == 1
    del u
    # Flats: dwellings on an 8 x 8 grid inside the footprint; houses: the centroid.
    # Built in place, one float array at a time, to keep the peak memory low.
    f = np.where(house, 0.5, 0.1 + 0.8 * ((slot % 8) + 0.5) / 8)
    x = px0[local_pand]
    x += f * w[local_pand]
    f = np.where(house, 0.5, 0.1 + 0.8 * (((slot // 8) % 8) + 0.5) / 8)
    y = py0[local_pand]
    y += f * d[local_pand]
    del f, slot, house, px0, py0, w, d
    points = shapely.points(np.round(x, 3), np.round(y, 3))
    del x, y
    # Side of the street = parity of the pand within the street (0 north, 1 south).
    u_side = (within % 2).astype(np.int8)
    huisnummer = (k + 1).astype(np.int32)
    del k, within
    oppervlakte = plan.oppervlakte[gu]

    u_gem = gem_of_street[u_street]
    vbo_id = _ids(u_gem, 1, gu + 1)
    num_id = _ids(u_gem, 20, gu + 1)
    del u_gem

    # Shared list objects (see module docstring).
    doelen = [list(v) for v in _DOELEN]
    doel_idx = plan.doel[gu]
    gebruiksdoel = np.empty(n_units, dtype=object)
    for i, lst in enumerate(doelen):
        idx = np.flatnonzero(doel_idx == i)
        gebruiksdoel[idx] = _repeat_obj(lst, len(idx))
    nevenadressen = _repeat_obj([], n_units)
    pand_lists = np.empty(n_panden, dtype=object)
    pand_lists[:] = [[p] for p in pand_id.tolist()]
    panden = pand_lists[local_pand]
    del pand_lists, doel_idx, local_pand, gu

    pc = plan.pc_code[u_street * 2 + u_side]
    del u_side
    if n_streets == len(plan.length):  # all streets: every postcode, as generated
        postcode = pd.Categorical.from_codes(pc, categories=plan.postcodes)
    else:  # a part: only its own postcodes (validating all of them per part is slow)
        used, codes = np.unique(pc, return_inverse=True)
        postcode = pd.Categorical.from_codes(
            codes.astype(np.int32), categories=[plan.postcodes[i] for i in used.tolist()]
        )
    del pc

    opr_arrow = _ids_arrow(gem_of_street[s_idx], 30, s_idx + 1)
    opr_id = pd.Series(opr_arrow, dtype=pd.StringDtype("pyarrow", np.nan), copy=False)
    # The street reference per address, gathered inside Arrow (no Python strings).
    local_street = np.repeat(np.arange(n_streets), length)
    opr_ref = pd.Series(
        opr_arrow.take(pa.array(local_street)), dtype=pd.StringDtype("pyarrow", np.nan), copy=False
    )
    del u_street, local_street
    wpl_ids = plan.woonplaatsen["identificatie"].to_numpy()

    verblijfsobjecten = pd.DataFrame(
        {
            "identificatie": vbo_id,
            "status": _const_cat("Verblijfsobject in gebruik", n_units),
            "gebruiksdoel": gebruiksdoel,
            "oppervlakte": oppervlakte,
            "hoofdadres": num_id,
            "nevenadressen": nevenadressen,
            "panden": panden,
            "geometry": points,
        },
        copy=False,  # the arrays are ours: no second copy of 10 million rows
    )
    nummeraanduidingen = pd.DataFrame(
        {
            "identificatie": num_id,
            "huisnummer": huisnummer,
            "huisletter": _all_null(n_units),
            "toevoeging": _all_null(n_units),
            "postcode": postcode,
            "openbare_ruimte": opr_ref,
            "woonplaats": _all_null(n_units),
            "status": _const_cat("Naamgeving uitgegeven", n_units),
        },
        copy=False,  # the arrays are ours: no second copy of 10 million rows
    )
    openbare_ruimten = pd.DataFrame(
        {
            "identificatie": opr_id,
            "naam": _str([plan.names[i] for i in s_idx.tolist()]),
            "type": _const_cat("Weg", n_streets),
            "woonplaats": _str(wpl_ids[plan.wpl[s_idx]].tolist()),
            "status": _const_cat("Naamgeving uitgegeven", n_streets),
        },
        copy=False,  # the arrays are ours: no second copy of 10 million rows
    )
    panden_df = pd.DataFrame(
        {
            "identificatie": pand_id,
            "status": _const_cat("Pand in gebruik", n_panden),
            "bouwjaar": bouwjaar,
            "geometry": pand_geom,
        },
        copy=False,  # the arrays are ours: no second copy of 10 million rows
    )
    return BagTables(
        verblijfsobjecten=verblijfsobjecten,
        ligplaatsen=empty(PLAATS_COLUMNS),
        standplaatsen=empty(PLAATS_COLUMNS),
        nummeraanduidingen=nummeraanduidingen,
        openbare_ruimten=openbare_ruimten,
        woonplaatsen=plan.woonplaatsen,
        panden=panden_df,
        extract_date=dt.date(2026, 11, 1),
        reference_date=dt.date(2026, 11, 1),
        gemeentecodes=gemeentecodes,
        source_kind="synthetic",
    )


def generate_national(n_units: int, seed: int = 0, flats: float = float(_P_KIND[2])) -> BagTables:
    """Synthetic national BAG tables with exactly ``n_units`` verblijfsobjecten.

    Parameters
    ----------
    n_units
        Number of verblijfsobjecten (dwellings), one nummeraanduiding each.
    seed
        Seed of the numpy generator; equal arguments give equal tables.
    flats
        Share of streets lined with flats (many units per pand). The Dutch BAG has about one
        pand per verblijfsobject; ``flats=0.02`` comes close to that, the default (0.36) gives
        about 0.4 panden per verblijfsobject.

    Returns
    -------
    BagTables
        With ``source_kind="synthetic"``; panden number roughly 0.6 x ``n_units``.
    """
    plan = _plan(n_units, seed, flats)
    return _tables(plan, np.arange(len(plan.length)), plan.gemeentecodes)


def national_parts(
    n_units: int, seed: int = 0, flats: float = float(_P_KIND[2])
) -> tuple[list[str], Iterator[BagTables]]:
    """The tables of :func:`generate_national`, one gemeente at a time, in gemeentecode order.

    Returns the gemeentecodes and an iterator of one :class:`BagTables` per gemeente: its
    streets, panden, verblijfsobjecten and nummeraanduidingen (the same rows, identificaties and
    geometry as in the one-piece tables), and every woonplaats. Every reference resolves within
    the gemeente, and the identificaties of a gemeente sort before those of the next, so the
    parts compile to the same dataset as the whole
    (:func:`~spreidingstoets.dataset.compile.write_dataset_parts`) while only one gemeente's
    objects are in memory at a time.
    """
    plan = _plan(n_units, seed, flats)
    order = np.argsort(plan.gem, kind="stable")
    codes, starts = np.unique(plan.gem[order], return_index=True)
    bounds = np.append(starts, len(order))

    def parts() -> Iterator[BagTables]:
        for i, code in enumerate(codes.tolist()):
            yield _tables(plan, order[bounds[i] : bounds[i + 1]], [f"{code:04d}"])

    return plan.gemeentecodes, parts()


def _repeat_obj(obj: object, n: int) -> np.ndarray:
    """An object array of ``n`` references to the same ``obj``."""
    out = np.empty(n, dtype=object)
    out.fill(obj)
    return out
