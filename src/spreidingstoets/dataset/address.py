"""Find addresses as permit officers type them, or by BAG identificatie.

Accepted forms (case, commas and the space inside a postcode are forgiven)::

    Glasakkerweg 40, 2672BL Naaldwijk     glasakkerweg 40 2672 bl naaldwijk     Kwartelstraat 7 Tiel
    4001AB 7     4001ab7     4001 AB 7a     4001AL 3-1     4001AL 3 1
    Kerkstraat 12a   12 a   12-a   12A   12-2   12a-2   12 a 2   12 bis   12-bov   12 II (= 12-2)
    kerkstr 12       Kerk 12 (a unique beginning of a street name)
    0457010000004976 (verblijfsobject, ligplaats, standplaats)   0457200000205238 (nummeraanduiding)
    0457100000012345 (pand with one addressed object)

One typing error (a letter too many, too few, wrong or two swapped) in the street name or the
woonplaats is corrected when one street fits; the match says so in ``corrected``. A postcode
that contradicts the street, an unknown huisnummer or an ambiguous address raises
:class:`AddressNotFound` with the closest candidates.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
import weakref
from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np

from spreidingstoets.caching import BoundedCache
from spreidingstoets.dataset.model import Csr, Dataset
from spreidingstoets.errors import InputError

POSTCODE = re.compile(r"(?<![0-9a-z])([1-9][0-9]{3}) ?([a-z]{2})(?![a-z])")
NUMBER = re.compile(r"(?:^|(?<=\s))(\d{1,5})(?!\d)")
TAIL_TOKEN = re.compile(r"[\s/-]*([a-z0-9]+)")  # huisletter / toevoeging after the number
ABBREVIATIONS = {
    "str": "straat",
    "ln": "laan",
    "pl": "plein",
    "wg": "weg",
    "gr": "gracht",
    "kd": "kade",
}
# How toevoegingen are spoken of: "12 II" is the second floor (toevoeging 2), "12-hs" the
# ground floor (BAG toevoeging H); data and query are compared in this form after a literal miss.
ROMAN = {
    r: str(i)
    for i, r in enumerate(["", "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"])
}
GROUND_FLOOR = frozenset({"hs", "huis"})  # BAG writes H
MIN_TYPO_KEY = 4  # shorter names are one edit away from too many others to correct them
MIN_PREFIX_KEY = 3
SUGGESTIONS = 10  # addresses a search box suggests
# the beginning of a postcode, optionally with the beginning of a huisnummer: "4001", "4001 a",
# "4001ab 1"
PARTIAL_POSTCODE = re.compile(r"([1-9][0-9]{3} ?[a-z]{0,2})(?: ([0-9]{1,5}))?")
SHOWN = 8  # candidates named in a message
CANDIDATES = 50  # candidates an error holds at most (a national Kerkstraat has thousands)
NEAREST_NUMBERS = 5
UNKNOWN = 9  # rank of a name that fits nothing

LIVE_STATUSES = frozenset(
    {
        "Verblijfsobject in gebruik",
        "Verblijfsobject in gebruik (niet ingemeten)",
        "Verbouwing verblijfsobject",
        "Verblijfsobject buiten gebruik",
        "Plaats aangewezen",
    }
)


def status_rank(status: str) -> int:
    """0 for objects in use, 1 for ones being built, 2 for withdrawn or never realised."""
    if status in LIVE_STATUSES:
        return 0
    return 1 if status == "Verblijfsobject gevormd" else 2


def normalise(text: str) -> str:
    """Lower case, no accents, punctuation to spaces (except hyphens), single spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"[^\w\s-]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _name_key(text: str) -> str:
    """A name as compared: normalised, without spaces, hyphens or punctuation."""
    return re.sub(r"[\s_-]", "", normalise(text))


def _street_key(text: str) -> str:
    words = normalise(text).replace("-", " ").split()
    if words and words[-1] in ABBREVIATIONS:
        words[-1] = ABBREVIATIONS[words[-1]]
    elif words:
        for short, full in ABBREVIATIONS.items():
            if words[-1].endswith(short) and not words[-1].endswith(full):
                words[-1] = words[-1][: -len(short)] + full
                break
    return _name_key(" ".join(words))


def _toevoeging_key(toevoeging: str) -> str:
    t = toevoeging.lower()
    if t.isdigit():
        return t.lstrip("0") or "0"
    return ROMAN.get(t) or ("h" if t in GROUND_FLOOR else t)


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions, swaps."""
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], before[j - 2] + 1)
        before, previous = previous, current
    return previous[-1]


def _deletions(key: str) -> set[str]:
    return {key} | {key[:i] + key[i + 1 :] for i in range(len(key))}


class NameIndex:
    """Distinct name keys with exact, prefix and one-edit look-ups, built once.

    One-edit look-ups use a deletion index (as SymSpell does): two keys within one edit share
    a variant with at most one character deleted, so a query reads a few hash ranges of a
    sorted array instead of comparing with every name.
    """

    def __init__(self, keys: Iterable[str]):
        self.keys = sorted(set(keys))
        hashes = array("q")  # 8 bytes a variant while building, not a Python int each
        sizes = np.zeros(len(self.keys), np.int64)
        for i, key in enumerate(self.keys):
            variants = _deletions(key)
            sizes[i] = len(variants)
            hashes.extend(map(hash, variants))
        table = np.frombuffer(hashes, np.int64) if hashes else np.zeros(0, np.int64)
        order = np.argsort(table, kind="stable")
        self._hashes = table[order]
        self._owners = np.repeat(np.arange(len(self.keys)), sizes)[order]

    def __contains__(self, key: str) -> bool:
        i = bisect_left(self.keys, key)
        return i < len(self.keys) and self.keys[i] == key

    def prefixed(self, key: str) -> list[str]:
        return self.keys[bisect_left(self.keys, key) : bisect_left(self.keys, key + "\U0010ffff")]

    def _sharing(self, key: str) -> set[str]:
        """Keys sharing a one-deletion variant with ``key``: all within one edit, some two."""
        hashes = np.array([hash(v) for v in _deletions(key)], np.int64)
        lo = np.searchsorted(self._hashes, hashes, "left")
        hi = np.searchsorted(self._hashes, hashes, "right")
        return {self.keys[int(i)] for a, b in zip(lo, hi, strict=True) for i in self._owners[a:b]}

    def near(self, key: str) -> list[str]:
        """Other keys one edit away from ``key`` in a letter: "3e Dwarsstraat" is no typing
        error for "2e Dwarsstraat", nor "Lindeplein 3" for "Lindeplein"."""
        digits = re.sub(r"\D", "", key)
        return sorted(
            k
            for k in self._sharing(key)
            if k != key and edit_distance(key, k) == 1 and re.sub(r"\D", "", k) == digits
        )

    def tiers(self, key: str) -> list[tuple[int, list[str]]]:
        """Keys ``key`` may mean, best group first, each with its rank: 0 itself; 1 itself
        with one letter more at the end; 2 every completion and every one-edit correction
        together (so that a typo which is also the beginning of another name is not silently
        read as either)."""
        if key in self:
            return [(0, [key])]
        near = set(self.near(key)) if len(key) >= MIN_TYPO_KEY else set()
        prefixed = set(self.prefixed(key)) if len(key) >= MIN_PREFIX_KEY else set()
        one_more, either = sorted(near & prefixed), sorted(near | prefixed)
        return [(1, one_more)] * bool(one_more) + [(2, either)] * (either != one_more)

    def closest(self, key: str, n: int) -> list[str]:
        """Up to ``n`` similar keys, ranked by edit distance to ``key`` (then alphabetically).

        Keys within about two edits come from the deletion index; when those are fewer than
        ``n``, difflib adds similar keys with the same first letter (a bounded share of a
        national list of names).
        """
        pool = self._sharing(key) | set(self.prefixed(key)[:n])
        if len(pool) < n and key:
            pool |= set(difflib.get_close_matches(key, self.prefixed(key[0]), n, 0.6))
        return sorted(pool, key=lambda k: (edit_distance(key, k), k))[:n]


class AddressNotFound(InputError):
    """No single address matches; ``candidates`` holds the closest address labels or names.

    ``ambiguous``: several objects match. ``conflict``: the postcode and the street name
    disagree. In both cases no other reading of the query may be tried.
    """

    def __init__(
        self,
        message: str,
        candidates: Sequence[str] | None = None,
        *,
        ambiguous: bool = False,
        conflict: bool = False,
    ):
        self.candidates = list(candidates or [])
        self.ambiguous = ambiguous
        self.conflict = conflict
        super().__init__(message)


def _listing(lead: str, items: Sequence[str]) -> str:
    return f"; {lead}: {'; '.join(items[:SHOWN])}" if items else ""


@dataclass(frozen=True)
class AddressMatch:
    """One resolved address and the unit (verblijfsobject, ligplaats, standplaats) it addresses."""

    address: int  # address row
    unit: int  # unit row
    label: str
    hoofdadres: bool
    corrected: tuple[str, ...] = ()  # how the query was read, e.g. "straat 'x' gelezen als Y"

    def as_dict(self, ds: Dataset) -> dict[str, object]:
        a = self.address
        s = int(ds.addr_street[a])
        return {
            "label": self.label,
            "verbeterd": "; ".join(self.corrected) or None,
            "nummeraanduiding": ds.addr_id[a].decode(),
            "hoofdadres": self.hoofdadres,
            "adresseerbaar_object": ds.unit_identificatie(self.unit),
            "objecttype": str(ds.unit_type[self.unit]),
            "openbare_ruimte": ds.street_id[s] if s >= 0 else None,
            "straat": ds.street_naam[s] if s >= 0 else None,
            "huisnummer": int(ds.addr_huisnummer[a]),
            "huisletter": ds.addr_huisletter[a] or None,
            "toevoeging": ds.addr_toevoeging[a] or None,
            "postcode": ds.addr_postcode[a] or None,
            "woonplaats": ds.woonplaats_naam[ds.addr_woonplaats[a]]
            if ds.addr_woonplaats[a] >= 0
            else None,
        }


@dataclass(frozen=True)
class _Name:
    """A typed street name or woonplaats and the rows (openbare ruimten, woonplaatsen) it may
    mean, by tier (see :meth:`NameIndex.tiers`); ``typed`` is "" when the part is absent."""

    typed: str
    rank: int = 0  # of the best tier; UNKNOWN when nothing fits
    tiers: tuple[tuple[int, ...], ...] = ()
    street: bool = False

    @property
    def unknown(self) -> bool:
        return self.rank == UNKNOWN


@dataclass(frozen=True)
class _Reading:
    """One way to read a query: huisnummer, huisletter/toevoeging options, street, woonplaats."""

    number: int
    suffixes: tuple[tuple[str, str], ...]  # (huisletter, toevoeging), best first
    street: _Name
    place: _Name

    @property
    def woonplaatsen(self) -> tuple[int, ...] | None:
        return self.place.tiers[0] if self.place.typed else None


def _suffix_options(tail: list[str]) -> list[tuple[str, str]]:
    """(huisletter, toevoeging) readings of the short words after a huisnummer."""
    if not tail:
        return [("", "")]
    if len(tail) == 1:
        t = tail[0]
        if len(t) == 1 and t.isalpha():  # "12 a": a huisletter, or a toevoeging without hyphen
            return [(t, ""), ("", t)]
        glued = [(t[0], t[1:])] if t[0].isalpha() and t[1:].isdigit() else []  # "12a2"
        return [("", t), *glued]
    first, second = tail
    options = [(first, second)] if len(first) == 1 and first.isalpha() else []
    return options + ([("", first + second)] if len(first + second) <= 4 else [])


def _first(attempts: Iterable[Callable[[], AddressMatch]]) -> AddressMatch:
    """The first attempt that succeeds; else the first attempt's error.

    A reading that fits several objects is the answer (ambiguous). One whose parts contradict
    each other ends the search too, lest a later reading paper over the contradiction.
    """
    first: AddressNotFound | None = None
    for attempt in attempts:
        try:
            return attempt()
        except AddressNotFound as exc:
            if exc.ambiguous:
                raise
            first = first or exc
            if exc.conflict:
                break
    assert first is not None
    raise first


class AddressIndex:
    """Look-up tables over a dataset's addresses, built once: postcode -> addresses,
    street name -> openbare ruimten -> addresses, woonplaats names, and name indexes for
    completions and typing errors. A query reads a few of them, never every address."""

    def __init__(self, ds: Dataset):
        self.ds = ds
        n_addr = len(ds.addr_id)
        rows = np.arange(n_addr, dtype=np.int64)
        # postcode codes by a dict over the (few) distinct values: no 10 M-string sort
        seen: dict[str, int] = {}
        raw = np.fromiter(
            (seen.setdefault(p, len(seen)) for p in ds.addr_postcode), np.int64, n_addr
        )
        keys = [p.replace(" ", "").upper() for p in seen]
        self.postcodes, code = np.unique(np.array(keys, dtype="U"), return_inverse=True)
        self.addr_pc = code.astype(np.int32)[raw]
        self.by_postcode = Csr.build(self.addr_pc.astype(np.int64), rows, len(self.postcodes))
        on_street = ds.addr_street >= 0
        self.street_addresses = Csr.build(
            ds.addr_street[on_street].astype(np.int64), rows[on_street], len(ds.street_id)
        )
        self.street_key = [_street_key(n) for n in ds.street_naam]
        self.streets_by_key: dict[str, list[int]] = defaultdict(list)
        for s, key in enumerate(self.street_key):
            self.streets_by_key[key].append(s)
        self.street_names = NameIndex(self.streets_by_key)
        self.woonplaats_key = [_name_key(n) for n in ds.woonplaats_naam]
        self.woonplaatsen_by_key: dict[str, list[int]] = defaultdict(list)
        for w, key in enumerate(self.woonplaats_key):
            self.woonplaatsen_by_key[key].append(w)
        self.woonplaats_names = NameIndex(self.woonplaatsen_by_key)

    # ---- entry point --------------------------------------------------------------------
    def find(self, query: str) -> AddressMatch:
        """Resolve ``query`` to exactly one address, or raise :class:`AddressNotFound`."""
        text = normalise(query)
        if not text:
            raise AddressNotFound(
                "leeg adres; geef postcode en huisnummer ('4001AB 7') of straat, huisnummer "
                "en woonplaats ('Kwartelstraat 7, Tiel')"
            )
        if re.fullmatch(r"\d{16}", text):
            return self._by_id(text)
        m = POSTCODE.search(text)
        if m is None:
            return self._search(text, None, query)
        postcode = (m.group(1) + m.group(2)).upper()
        rest = normalise(f"{text[: m.start()]} {text[m.end() :]}")
        attempts = [partial(self._search, rest, postcode, query)]
        if self._postcode(postcode) < 0:  # "Kerkstraat 1234 hs" is number 1234, toevoeging hs
            attempts.append(partial(self._search, text, None, query))
        return _first(attempts)

    # ---- suggestions while typing -------------------------------------------------------
    def suggest(self, query: str, limit: int = SUGGESTIONS) -> list[AddressMatch]:
        """Addresses that ``query`` may be the beginning of, for a search box: a partial
        postcode (``4001a``, ``4001AB 1``), a street name (``kwartel``, ``kwartelstr 1``) or
        the first digits of a BAG identificatie; what ``find`` resolves comes first, then the
        candidates it names. Never raises for a query that fits nothing: the list is empty."""
        text = normalise(query)
        if not text:
            return []
        found: list[AddressMatch] = []
        try:
            found.append(self.find(query))
        except AddressNotFound as exc:
            for label in exc.candidates[:limit]:
                try:
                    found.append(self.find(re.sub(r" \(.*\)$", "", label)))
                except AddressNotFound:
                    continue
        m = PARTIAL_POSTCODE.fullmatch(text)
        if m is not None:
            found += self._postcode_prefix(m.group(1).upper(), m.group(2), limit)
        elif re.fullmatch(r"\d{4,15}", text):
            found += self._id_prefix(text, limit)
        unique: dict[int, AddressMatch] = {}
        for match in found:
            unique.setdefault(match.address, match)
        return list(unique.values())[:limit]

    def _postcode_prefix(self, prefix: str, number: str | None, limit: int) -> list[AddressMatch]:
        codes = self.postcodes
        lo = int(np.searchsorted(codes, prefix, "left"))
        hi = int(np.searchsorted(codes, prefix + "ZZ", "right"))
        ds = self.ds
        out: list[AddressMatch] = []
        for c in range(lo, hi):
            rows = sorted(
                (int(a) for a in self.by_postcode.members(c) if ds.addr_unit[a] >= 0),
                key=lambda a: (
                    int(ds.addr_huisnummer[a]),
                    str(ds.addr_huisletter[a]),
                    str(ds.addr_toevoeging[a]),
                ),
            )
            for a in rows:
                if number is None or str(int(ds.addr_huisnummer[a])).startswith(number):
                    out.append(self._match(a))
                    if len(out) >= limit:
                        return out
        return out

    def _id_prefix(self, digits: str, limit: int) -> list[AddressMatch]:
        ds = self.ds
        key = np.bytes_(digits)
        lo = int(np.searchsorted(ds.unit_id, key, "left"))
        out: list[AddressMatch] = []
        for u in range(lo, ds.n_units):
            if not ds.unit_id[u].startswith(key) or len(out) >= limit:
                break
            a = int(ds.unit_hoofdadres[u])
            if a >= 0:
                out.append(self._match(a))
        return out

    # ---- identificaties -----------------------------------------------------------------
    def _match(self, a: int, corrected: tuple[str, ...] = ()) -> AddressMatch:
        ds = self.ds
        return AddressMatch(
            a, int(ds.addr_unit[a]), ds.address_label(a), bool(ds.addr_hoofd[a]), corrected
        )

    def _by_id(self, ident: str) -> AddressMatch:
        ds = self.ds
        u = ds.unit_index(ident)
        if u >= 0:
            a = int(ds.unit_hoofdadres[u])
            if a < 0:
                raise AddressNotFound(f"{ident}: {ds.unit_type[u]} zonder hoofdadres")
            return self._match(a)
        a = ds.address_index(ident)
        if a >= 0:
            if ds.addr_unit[a] < 0:
                raise AddressNotFound(f"nummeraanduiding {ident} hoort bij geen huidig object")
            return self._match(a)
        f = ds.footprint_index(ident)
        if f >= 0:
            units = [int(u) for u in ds.fp_units.members(f) if ds.unit_hoofdadres[u] >= 0]
            if units:
                return self._choose([int(ds.unit_hoofdadres[u]) for u in units], f"pand {ident}")
            raise AddressNotFound(f"pand {ident} heeft geen verblijfsobject met een adres")
        raise AddressNotFound(
            f"{ident}: geen verblijfsobject, ligplaats, standplaats, nummeraanduiding of pand "
            "met deze identificatie"
        )

    # ---- readings -----------------------------------------------------------------------
    def _search(self, text: str, postcode: str | None, query: str) -> AddressMatch:
        readings = self._readings(text, postcode is not None)
        if not readings:
            raise self._without_number(text, postcode, query)
        # A reading with an unknown street or woonplaats can only fail, and ranks last: try
        # it only when it is the best there is, for its error.
        known = [r for r in readings if not (r.street.unknown or r.place.unknown)]
        return _first(partial(self._resolve, r, postcode) for r in known or readings[:1])

    def _readings(self, text: str, has_postcode: bool) -> list[_Reading]:
        """Every reading of ``text`` (postcode removed), the most plausible first.

        Street names may hold numbers ("2e Dwarsstraat 12", "Laan 1940-1945 7"), so every
        number is tried as the huisnummer. Up to two short words after it are huisletter or
        toevoeging, the rest is the woonplaats (or, with nothing after the number, the first
        words before it). Readings whose street and woonplaats are known exactly (or absent)
        come first, then the one that leaves fewer words as huisletter/toevoeging.
        """
        ranked: list[tuple[int, int, int, _Reading]] = []
        names: dict[tuple[str, bool], _Name] = {}

        def name(typed: str, street: bool) -> _Name:
            if (typed, street) not in names:
                names[typed, street] = self._name(typed, street)
            return names[typed, street]

        for k, m in enumerate(NUMBER.finditer(text)):
            street = text[: m.start()].strip(" -/")
            if not (any(c.isalpha() for c in street) or (has_postcode and not street)):
                continue  # a street needs letters: after a postcode, "3 1" is 3-1, never 1
            rest = text[m.end() :]
            tokens: list[tuple[str, int]] = []
            while len(tokens) < 2:
                t = TAIL_TOKEN.match(rest, tokens[-1][1] if tokens else 0)
                if t is None or len(t.group(1)) > 4:  # BAG toevoegingen have up to 4 characters
                    break
                tokens.append((t.group(1), t.end()))
            for used in range(len(tokens) + 1):
                options = _suffix_options([t for t, _ in tokens[:used]])
                if not options:
                    continue
                typed = rest[tokens[used - 1][1] if used else 0 :].strip(" -/")
                splits = [(street, typed, 0)]
                if not typed:  # "Tiel, Kwartelstraat 7": the woonplaats may come first
                    words = street.split()
                    splits += [
                        (" ".join(words[j:]), " ".join(words[:j]), 1) for j in range(1, len(words))
                    ]
                for street_part, place_part, later in splits:
                    r = _Reading(
                        int(m.group(1)),
                        tuple(options),
                        name(street_part, True),
                        name(place_part, False),
                    )
                    ranked.append((r.street.rank + r.place.rank + later, used, k, r))
        return [r for *_, r in sorted(ranked, key=lambda x: x[:3])]

    def _name(self, typed: str, street: bool) -> _Name:
        """What a typed street name (``street``) or woonplaats may mean."""
        if not typed:
            return _Name(typed, street=street)
        key = _street_key(typed) if street else _name_key(typed)
        index, by_key, _ = self._names(street)
        tiers: list[tuple[int, list[str]]] = []
        if any(c.isalpha() for c in key):
            # "Pampuslaaln" is a typing error, not an abbreviation of "Pampuslaalaan"
            readings = [index.tiers(k) for k in dict.fromkeys([key, _name_key(typed)])]
            tiers = min((t for t in readings if t), key=lambda t: t[0][0], default=[])
        if not tiers:
            return _Name(typed, UNKNOWN, street=street)
        rows = tuple(tuple(row for k in keys for row in by_key[k]) for _, keys in tiers)
        return _Name(typed, tiers[0][0], rows, street)

    def _names(self, street: bool) -> tuple[NameIndex, dict[str, list[int]], np.ndarray]:
        """Name index, key -> rows, and names of the streets (``street``) or woonplaatsen."""
        if street:
            return self.street_names, self.streets_by_key, self.ds.street_naam
        return self.woonplaats_names, self.woonplaatsen_by_key, self.ds.woonplaats_naam

    def _unknown(self, name: _Name) -> AddressNotFound:
        """No street or woonplaats fits ``name``: the closest by edit distance (built only when
        this is the error shown, as it may compare with every name)."""
        index, by_key, names = self._names(name.street)
        key = (_street_key if name.street else _name_key)(name.typed)
        near = [str(names[by_key[k][0]]) for k in index.closest(key, SHOWN)]
        kind = "straat" if name.street else "woonplaats"
        return AddressNotFound(
            f"geen {kind} {name.typed!r} gevonden" + _listing("bedoelde u", near), near
        )

    # ---- resolving one reading ----------------------------------------------------------
    def _resolve(self, r: _Reading, postcode: str | None) -> AddressMatch:
        if r.place.unknown:
            raise self._unknown(r.place)
        if r.street.unknown:
            raise self._street_unknown_at(self._unknown(r.street), r, postcode)
        if r.street.typed:
            a = _first(
                partial(self._on_street, self._street_rows(streets), r, postcode)
                for streets in r.street.tiers
            )
        else:
            assert postcode is not None
            a = self._on_postcode(postcode, r)
        return self._match(a.address, self._corrections(a.address, r))

    def _corrections(self, a: int, r: _Reading) -> tuple[str, ...]:
        ds = self.ds
        notes = []
        s, w = int(ds.addr_street[a]), int(ds.addr_woonplaats[a])
        if r.street.typed and s >= 0 and self.street_key[s] != _street_key(r.street.typed):
            notes.append(f"straat {r.street.typed!r} gelezen als {ds.street_naam[s]}")
        if r.place.typed and w >= 0 and self.woonplaats_key[w] != _name_key(r.place.typed):
            notes.append(f"woonplaats {r.place.typed!r} gelezen als {ds.woonplaats_naam[w]}")
        return tuple(notes)

    def _street_rows(self, streets: Sequence[int]) -> np.ndarray:
        return self.street_addresses.gather(np.asarray(streets, np.int64)).astype(np.int64)

    def _street_unknown_at(
        self, exc: AddressNotFound, r: _Reading, postcode: str | None
    ) -> AddressNotFound:
        """An unknown street with a postcode that has the number: name what the postcode has."""
        if postcode is None:
            return exc
        rows = self._live(self._postcode_rows(postcode), r.number)
        if not len(rows):
            return exc
        labels = [self._label_pc(int(a)) for a in self._by_number(rows)]
        return AddressNotFound(
            f"{exc}; onder {postcode} {r.number} staat {' of '.join(labels[:SHOWN])}",
            labels + exc.candidates,
            conflict=True,
        )

    def _on_street(self, rows: np.ndarray, r: _Reading, postcode: str | None) -> AddressMatch:
        ds = self.ds
        subject = self._street_subject(rows)
        if r.woonplaatsen is not None:
            rows = self._in_place(rows, r.woonplaatsen, subject, conflict=False)
        if postcode is None:
            return self._pick(rows, r, subject)
        code = self._postcode(postcode)
        here = self._live(rows[self.addr_pc[rows] == code], r.number) if code >= 0 else rows[:0]
        if len(here):
            return self._pick(here, r, subject)
        # The street has no such number under this postcode: the two disagree, or the number
        # is unknown on the street.
        elsewhere = self._live(rows, r.number)
        at_postcode = self._live(self._postcode_rows(postcode), r.number)
        if not len(elsewhere) and not len(at_postcode):
            raise self._no_number(rows, r.number, subject)
        if len(elsewhere):
            a = self._pick(elsewhere, r, subject).address
            pc = ds.addr_postcode[a]
            message = f"postcode {postcode} hoort niet bij {ds.address_label(a)}: " + (
                f"dat adres heeft postcode {pc}" if pc else "dat adres heeft geen postcode"
            )
            labels = [self._label_pc(a)]
        else:
            message = f"postcode {postcode} hoort niet bij {subject}: {subject} heeft geen nummer {r.number}"
            labels = []
        if len(at_postcode):
            there = [self._label_pc(int(a)) for a in self._by_number(at_postcode)]
            message += f"; onder {postcode} {r.number} staat {' of '.join(there[:SHOWN])}"
            labels += there
        raise AddressNotFound(message, labels, conflict=True)

    def _on_postcode(self, postcode: str, r: _Reading) -> AddressMatch:
        rows = self._postcode_rows(postcode)
        if not len(rows):
            raise self._unknown_postcode(postcode)
        subject = f"postcode {postcode}"
        if r.woonplaatsen is not None:
            rows = self._in_place(rows, r.woonplaatsen, subject, conflict=True)
        return self._pick(rows, r, subject)

    def _in_place(
        self, rows: np.ndarray, woonplaatsen: Sequence[int], subject: str, conflict: bool
    ) -> np.ndarray:
        """The rows in one of ``woonplaatsen``; raise when there are none."""
        ds = self.ds
        inside = rows[np.isin(ds.addr_woonplaats[rows], woonplaatsen)]
        if not len(inside):
            places = sorted(
                {str(ds.woonplaats_naam[w]) for w in ds.addr_woonplaats[rows] if w >= 0}
            )
            wanted = sorted({str(ds.woonplaats_naam[w]) for w in woonplaatsen})
            raise AddressNotFound(
                f"{subject} ligt niet in {' of '.join(wanted)} maar in {' en '.join(places)}",
                places,
                conflict=conflict,
            )
        return inside

    def _pick(self, rows: np.ndarray, r: _Reading, subject: str) -> AddressMatch:
        """The address with the reading's number and huisletter/toevoeging among ``rows``."""
        ds = self.ds
        hits = self._live(rows, r.number)
        if not len(hits):
            raise self._no_number(rows, r.number, subject)
        letters = np.array([str(v).lower() for v in ds.addr_huisletter[hits]])
        literal = np.array([str(v).lower() for v in ds.addr_toevoeging[hits]])
        spoken = np.array([_toevoeging_key(t) for t in literal])
        for table, key in ((literal, str.lower), (spoken, _toevoeging_key)):
            for letter, toev in r.suffixes:
                exact = hits[(letters == letter) & (table == key(toev))]
                if len(exact):
                    return self._choose([int(a) for a in exact], subject)
        letter, toev = r.suffixes[0]
        typed = f"{r.number}{letter}" + (f"-{toev}" if toev else "")
        labels = [ds.address_label(int(a)) for a in self._by_number(hits)[:CANDIDATES]]
        raise AddressNotFound(
            f"{subject} {typed} bestaat niet" + _listing(f"op nummer {r.number} wel", labels),
            labels,
        )

    def _choose(self, addresses: list[int], subject: str) -> AddressMatch:
        """One of several addresses that match equally well, or raise: ambiguous.

        A withdrawn object may keep the address its successor now has: prefer the live one,
        but only under one street name in one woonplaats; across them the user must choose.
        """
        ds = self.ds
        units = [int(ds.addr_unit[a]) for a in addresses]
        places = {(self._key_of_street(a), int(ds.addr_woonplaats[a])) for a in addresses}
        if len(addresses) > 1 and len(places) == 1:
            rank = [status_rank(str(ds.unit_status[u])) for u in units]
            best = min(rank)
            addresses = [a for a, k in zip(addresses, rank, strict=True) if k == best]
        if len(addresses) == 1:
            return self._match(addresses[0])
        labels = sorted(
            f"{ds.address_label(a)} ({ds.unit_type[u]} {ds.unit_identificatie(u)}, "
            f"{ds.unit_status[u]})"
            for a, u in ((a, int(ds.addr_unit[a])) for a in addresses[:CANDIDATES])
        )
        raise AddressNotFound(
            f"{subject}: {len(addresses)} objecten passen; kies er een met de identificatie"
            + _listing("namelijk", labels),
            labels,
            ambiguous=True,
        )

    # ---- no number, unknown number, unknown postcode ------------------------------------
    def _without_number(self, text: str, postcode: str | None, query: str) -> AddressNotFound:
        """The error for a query without huisnummer: which numbers the street or postcode has."""
        words = text.split()
        found: AddressNotFound | None = None
        for i in range(len(words), -1 if postcode else 0, -1):
            street, typed = " ".join(words[:i]), " ".join(words[i:])
            place = self._name(typed, False)
            try:
                if place.unknown:
                    raise self._unknown(place)
                if street:
                    found_street = self._name(street, True)
                    if found_street.unknown:
                        raise self._unknown(found_street)
                    rows = self._street_rows(found_street.tiers[0])
                    subject = self._street_subject(rows)
                else:
                    assert postcode is not None
                    rows = self._postcode_rows(postcode)
                    if not len(rows):
                        raise self._unknown_postcode(postcode)
                    subject = f"postcode {postcode}"
            except AddressNotFound as exc:
                found = found or exc
                continue
            if typed:
                rows = rows[np.isin(self.ds.addr_woonplaats[rows], place.tiers[0])]
            if street and postcode is not None:
                rows = rows[self.addr_pc[rows] == self._postcode(postcode)]
            live = self._by_number(rows[self.ds.addr_unit[rows] >= 0])
            if len(live):
                numbers = self.ds.addr_huisnummer[live]
                labels = [self.ds.address_label(int(a)) for a in live[:CANDIDATES]]
                return AddressNotFound(
                    f"huisnummer ontbreekt in {query!r}; {subject} heeft de nummers "
                    f"{numbers.min()} t/m {numbers.max()}" + _listing("bijvoorbeeld", labels),
                    labels,
                )
        return AddressNotFound(
            f"geen huisnummer in {query!r}; schrijf bijvoorbeeld 'Kwartelstraat 7, Tiel' of "
            "'4001AB 7'",
            found.candidates if found else [],
        )

    def _no_number(self, rows: np.ndarray, number: int, subject: str) -> AddressNotFound:
        live = rows[self.ds.addr_unit[rows] >= 0]
        if not len(live):
            return AddressNotFound(f"{subject} heeft geen adressen van een huidig object")
        numbers = np.unique(self.ds.addr_huisnummer[live])
        nearest = np.sort(
            numbers[np.argsort(np.abs(numbers - number), kind="stable")][:NEAREST_NUMBERS]
        )
        labels = [
            self.ds.address_label(int(a))
            for a in self._by_number(live[np.isin(self.ds.addr_huisnummer[live], nearest)])
        ]
        return AddressNotFound(
            f"{subject} heeft geen nummer {number}; dichtstbijzijnde: "
            + ", ".join(str(n) for n in nearest),
            labels,
        )

    def _unknown_postcode(self, postcode: str) -> AddressNotFound:
        i = int(np.searchsorted(self.postcodes, postcode))
        near = [str(p) for p in self.postcodes[max(i - 3, 0) : i + 3] if p]
        return AddressNotFound(
            f"postcode {postcode} staat niet in de dataset" + _listing("dichtbij", near), near
        )

    # ---- small helpers ------------------------------------------------------------------
    def _postcode(self, postcode: str) -> int:
        """Code of a postcode ("1234AB"), or -1."""
        i = int(np.searchsorted(self.postcodes, postcode))
        return i if i < len(self.postcodes) and self.postcodes[i] == postcode else -1

    def _postcode_rows(self, postcode: str) -> np.ndarray:
        code = self._postcode(postcode)
        rows = self.by_postcode.members(code) if code >= 0 else self.by_postcode.idx[:0]
        return rows.astype(np.int64)

    def _live(self, rows: np.ndarray, number: int) -> np.ndarray:
        """Rows with huisnummer ``number`` that address a current object."""
        ds = self.ds
        return rows[(ds.addr_huisnummer[rows] == number) & (ds.addr_unit[rows] >= 0)]

    def _by_number(self, rows: np.ndarray) -> np.ndarray:
        """``rows`` in huisnummer, huisletter, toevoeging order."""
        ds = self.ds
        letters = np.array([str(v).lower() for v in ds.addr_huisletter[rows]], dtype="U")
        toevs = np.array([str(v).lower() for v in ds.addr_toevoeging[rows]], dtype="U")
        return rows[np.lexsort((toevs, letters, ds.addr_huisnummer[rows]))]

    def _key_of_street(self, a: int) -> str:
        s = int(self.ds.addr_street[a])
        return self.street_key[s] if s >= 0 else ""

    def _street_subject(self, rows: np.ndarray) -> str:
        names = {str(self.ds.street_naam[s]) for s in np.unique(self.ds.addr_street[rows])}
        return " of ".join(sorted(names)) or "deze straat"

    def _label_pc(self, a: int) -> str:
        """'Kwartelstraat 7, 4001AB Tiel'."""
        ds = self.ds
        w = int(ds.addr_woonplaats[a])
        place = " ".join(
            p for p in (ds.addr_postcode[a], ds.woonplaats_naam[w] if w >= 0 else "") if p
        )
        return ds.address_label(a, with_woonplaats=False) + (f", {place}" if place else "")


_INDEXES: BoundedCache[tuple[weakref.ref[Dataset], AddressIndex]] = BoundedCache(4)


def address_index(ds: Dataset) -> AddressIndex:
    """An address index of ``ds`` for one-off look-ups (scripts, tests); a few are kept.

    Front-ends use the index their workspace holds (``Workspace.address_index``).
    """
    ref, index = _INDEXES.get(id(ds), lambda: (weakref.ref(ds), AddressIndex(ds)))
    if ref() is not ds:  # the id of a dataset that is gone, reused
        index = AddressIndex(ds)
        _INDEXES.put(id(ds), (weakref.ref(ds), index))
    return index


def find_address(ds: Dataset, query: str) -> AddressMatch:
    """Resolve a typed address, postcode + huisnummer or BAG identificatie (see the module)."""
    return address_index(ds).find(query)
