"""Find addresses: by postcode + huisnummer, by free text, or by BAG identificatie.

Accepted forms (case, spaces and punctuation are forgiven)::

    1381AB 12          1381 ab 12a          1381AB 12-2         1381AB 12 a 2
    Kerkstraat 12a Tiel          kerkstr 12 a          Kerkstraat 12, Tiel
    0457010000004976 (verblijfsobject)      0457200000205238 (nummeraanduiding)

Unknown or ambiguous input raises :class:`AddressNotFound` with the closest candidates.
"""

from __future__ import annotations

import difflib
import itertools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from spreidingstoets.dataset.model import Dataset
from spreidingstoets.errors import InputError

POSTCODE = re.compile(r"^(\d{4})\s*([a-z]{2})\b\s*(.*)$")
NUMBER = re.compile(r"(?:^|\s)(\d{1,5})(?:\s*([a-z])(?![a-z0-9]))?")
SUFFIX = re.compile(r"^\s*(?:([-/])\s*)?([a-z0-9]{1,4})(?![a-z0-9])")
ABBREVIATIONS = {
    "str": "straat",
    "ln": "laan",
    "pl": "plein",
    "wg": "weg",
    "gr": "gracht",
    "kd": "kade",
}


def normalise(text: str) -> str:
    """Lower case, no accents, punctuation to spaces (except digits' hyphens), single spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"[^\w\s-]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _street_key(text: str) -> str:
    words = normalise(text).replace("-", " ").split()
    if words and words[-1] in ABBREVIATIONS:
        words[-1] = ABBREVIATIONS[words[-1]]
    elif words:
        for short, full in ABBREVIATIONS.items():
            if words[-1].endswith(short) and not words[-1].endswith(full):
                words[-1] = words[-1][: -len(short)] + full
                break
    return "".join(words)


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


class AddressNotFound(InputError):
    """No single address matches; ``candidates`` holds the closest address labels."""

    def __init__(self, message: str, candidates: list[str] | None = None, ambiguous: bool = False):
        self.candidates = candidates or []
        self.ambiguous = ambiguous  # several objects match: no other reading may be tried
        if self.candidates:
            message += "; closest: " + "; ".join(self.candidates[:8])
        super().__init__(message)


@dataclass(frozen=True)
class AddressMatch:
    """One resolved address and the unit (verblijfsobject, ligplaats, standplaats) it addresses."""

    address: int  # address row
    unit: int  # unit row
    label: str
    hoofdadres: bool

    def as_dict(self, ds: Dataset) -> dict[str, object]:
        a = self.address
        s = int(ds.addr_street[a])
        return {
            "label": self.label,
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


@dataclass
class AddressIndex:
    """Look-up tables over a dataset's addresses, built on first use."""

    ds: Dataset
    _cache: dict[str, object] = field(default_factory=dict)

    @cached_property
    def by_postcode(self) -> dict[str, np.ndarray]:
        groups: dict[str, list[int]] = defaultdict(list)
        for a, pc in enumerate(self.ds.addr_postcode):
            if pc:
                groups[pc.replace(" ", "").lower()].append(a)
        return {k: np.array(v) for k, v in groups.items()}

    @cached_property
    def by_street_key(self) -> dict[str, list[int]]:
        keys: dict[str, list[int]] = defaultdict(list)
        for s, naam in enumerate(self.ds.street_naam):
            keys[_street_key(naam)].append(s)
        return keys

    @cached_property
    def street_addresses(self) -> dict[int, np.ndarray]:
        order = np.argsort(self.ds.addr_street, kind="stable")
        streets = self.ds.addr_street[order]
        bounds = np.flatnonzero(np.r_[True, streets[1:] != streets[:-1], True])
        return {int(streets[b]): order[b:e] for b, e in itertools.pairwise(bounds)}

    @cached_property
    def woonplaats_keys(self) -> dict[str, list[int]]:
        keys: dict[str, list[int]] = defaultdict(list)
        for w, naam in enumerate(self.ds.woonplaats_naam):
            keys[normalise(naam)].append(w)
        return keys

    # ---------------------------------------------------------------------------------------
    def find(self, query: str) -> AddressMatch:
        """Resolve ``query`` to exactly one address, or raise :class:`AddressNotFound`."""
        text = normalise(query)
        if not text:
            raise AddressNotFound(
                "empty address; give postcode + huisnummer or 'straat huisnummer woonplaats'"
            )
        if re.fullmatch(r"\d{16}", text):
            return self._by_id(text)
        m = POSTCODE.match(text)
        if m:
            return self._by_postcode(m.group(1) + m.group(2), m.group(3), query)
        return self._by_text(text, query)

    def _match(self, a: int) -> AddressMatch:
        ds = self.ds
        return AddressMatch(a, int(ds.addr_unit[a]), ds.address_label(a), bool(ds.addr_hoofd[a]))

    def _by_id(self, ident: str) -> AddressMatch:
        ds = self.ds
        u = ds.unit_index(ident)
        if u >= 0:
            a = int(ds.unit_hoofdadres[u])
            if a < 0:
                raise AddressNotFound(f"{ident}: {ds.unit_type[u]} has no hoofdadres")
            return self._match(a)
        a = ds.address_index(ident)
        if a >= 0:
            if ds.addr_unit[a] < 0:
                raise AddressNotFound(f"nummeraanduiding {ident} addresses no current object")
            return self._match(a)
        raise AddressNotFound(
            f"{ident}: no verblijfsobject, ligplaats, standplaats or nummeraanduiding with this identificatie"
        )

    @staticmethod
    def _parses(text: str) -> list[tuple[int, str, str, str, str]]:
        """Readings of ``text`` as (huisnummer, huisletter, toevoeging, before, after), best first.

        A word after the number may be a toevoeging ("12 bis", "12-2") or the woonplaats
        ("12 Tiel"); a hyphen or a digit makes it a toevoeging, otherwise both are tried.
        Street names may hold numbers ("2e Dwarsstraat 12", "Laan 1940-1945 7"), so every
        number is tried as the huisnummer, the first with words before it first.
        """
        readings: list[tuple[int, str, str, str, str]] = []
        for m in NUMBER.finditer(text):
            number, letter = int(m.group(1)), m.group(2) or ""
            before, rest = text[: m.start()].strip(), text[m.end() :]
            plain = (number, letter, "", before, rest.strip(" ,"))
            sm = SUFFIX.match(rest)
            if not sm:
                readings.append(plain)
                continue
            with_toev = (number, letter, sm.group(2), before, rest[sm.end() :].strip(" ,"))
            if sm.group(1) or any(c.isdigit() for c in sm.group(2)):
                readings += [with_toev, plain]
            else:
                readings += [plain, with_toev]
        return sorted(readings, key=lambda r: not r[3])  # stable: position order otherwise

    def _first(self, attempts: list[Callable[[], AddressMatch]]) -> AddressMatch:
        first: AddressNotFound | None = None
        for attempt in attempts:
            try:
                return attempt()
            except AddressNotFound as exc:
                if exc.ambiguous:
                    raise  # a reading that matches several objects must not fall through
                first = first or exc
        assert first is not None
        raise first

    def _pick(
        self, rows: np.ndarray, number: int, letter: str, toev: str, query: str
    ) -> AddressMatch:
        ds = self.ds
        rows = rows[ds.addr_huisnummer[rows] == number]
        rows = rows[ds.addr_unit[rows] >= 0]
        if len(rows) == 0:
            raise AddressNotFound(f"no address {query!r}")
        letters = np.array([str(v).lower() for v in ds.addr_huisletter[rows]])
        toevs = np.array([str(v).lower() for v in ds.addr_toevoeging[rows]])
        if letter and not toev and not (letters == letter).any():
            # "12 a" may be a toevoeging written without hyphen, "12-2" a letterless toevoeging
            letter, toev = "", letter
        exact = rows[(letters == letter) & (toevs == toev)]
        if len(exact) > 1 and len(set(ds.addr_street[exact].tolist())) == 1:
            # A withdrawn object may keep the address its successor now has: prefer the live
            # one, but only on one street; across streets or woonplaatsen the user must choose.
            rank = np.array([status_rank(str(ds.unit_status[ds.addr_unit[a]])) for a in exact])
            exact = exact[rank == rank.min()]
        if len(exact) == 1:
            return self._match(int(exact[0]))
        if len(exact) > 1:
            labels = sorted(
                f"{ds.address_label(int(a))} ({ds.unit_type[ds.addr_unit[a]]} "
                f"{ds.unit_identificatie(int(ds.addr_unit[a]))}, {ds.unit_status[ds.addr_unit[a]]})"
                for a in exact
            )
            raise AddressNotFound(
                f"{query!r} is ambiguous ({len(exact)} objects); give the identificatie",
                labels,
                ambiguous=True,
            )
        labels = sorted(ds.address_label(int(a)) for a in rows)
        raise AddressNotFound(f"no address {query!r} with that huisletter/toevoeging", labels)

    def _by_postcode(self, postcode: str, rest: str, query: str) -> AddressMatch:
        rows = self.by_postcode.get(postcode)
        if rows is None:
            near = difflib.get_close_matches(postcode, list(self.by_postcode), n=5, cutoff=0.6)
            raise AddressNotFound(
                f"postcode {postcode.upper()} not found", [p.upper() for p in near]
            )
        # after a postcode the huisnummer comes first: "3 1" is 3-1, never number 1
        parses = [p for p in self._parses(rest) if not p[3]]
        if not parses:
            labels = [self.ds.address_label(int(a)) for a in rows[:8]]
            raise AddressNotFound(f"{query!r}: huisnummer missing after the postcode", labels)
        number = parses[0][0]
        try:
            return self._first(
                [lambda p=p: self._pick(rows, p[0], p[1], p[2], query) for p in parses]  # type: ignore[misc]
            )
        except AddressNotFound as exc:
            if exc.candidates:
                raise
            numbers = sorted(
                {int(n) for n in self.ds.addr_huisnummer[rows]}, key=lambda n: abs(n - number)
            )
            labels = [
                self.ds.address_label(int(a))
                for n in numbers[:4]
                for a in rows[self.ds.addr_huisnummer[rows] == n][:2]
            ]
            raise AddressNotFound(f"no address {query!r}", labels) from None

    def _by_text(self, text: str, query: str) -> AddressMatch:
        parses = self._parses(text)
        if not parses:
            raise AddressNotFound(
                f"{query!r}: no huisnummer found; write e.g. 'Kerkstraat 12a Tiel' or '1381AB 12'"
            )
        return self._first([lambda p=p: self._by_street(*p, query) for p in parses])  # type: ignore[misc,call-arg]

    def _by_street(
        self, number: int, letter: str, toev: str, before: str, after: str, query: str
    ) -> AddressMatch:
        after = normalise(after)
        street_key = _street_key(before)
        streets = self.by_street_key.get(street_key) or [
            s
            for key, ss in self.by_street_key.items()
            if key.startswith(street_key) and street_key
            for s in ss
        ]
        if not streets:
            near = difflib.get_close_matches(street_key, list(self.by_street_key), n=5, cutoff=0.6)
            labels = sorted(
                {str(self.ds.street_naam[s]) for k in near for s in self.by_street_key[k]}
            )
            raise AddressNotFound(f"no street matching {before!r}", labels)
        if after:
            wanted = [
                w for key, ws in self.woonplaats_keys.items() if key.startswith(after) for w in ws
            ]
            if not wanted:
                raise AddressNotFound(
                    f"no woonplaats matching {after!r}", sorted(set(self.ds.woonplaats_naam))
                )
            in_place = [
                s
                for s in streets
                if int(self.ds.street_woonplaats[s]) in wanted or self._has_woonplaats(s, wanted)
            ]
            if not in_place:
                labels = sorted(f"{self.ds.street_naam[s]}, {self._place(s)}" for s in streets)
                raise AddressNotFound(f"no street {before!r} in woonplaats {after!r}", labels)
            streets = in_place
        rows = np.concatenate(
            [self.street_addresses.get(s, np.array([], np.int64)) for s in streets]
        )
        if after:
            rows = rows[np.isin(self.ds.addr_woonplaats[rows], wanted)]
        match = self._pick(rows.astype(np.int64), number, letter, toev, query)
        return match

    def _has_woonplaats(self, street: int, wanted: list[int]) -> bool:
        rows = self.street_addresses.get(street)
        return rows is not None and bool(np.isin(self.ds.addr_woonplaats[rows], wanted).any())

    def _place(self, street: int) -> str:
        w = int(self.ds.street_woonplaats[street])
        return str(self.ds.woonplaats_naam[w]) if w >= 0 else "?"


def address_index(ds: Dataset) -> AddressIndex:
    """The (cached) address index of a dataset."""
    cache = ds.__dict__.setdefault("_address_index", None)
    if cache is None:
        cache = AddressIndex(ds)
        ds.__dict__["_address_index"] = cache
    return cache


def find_address(ds: Dataset, query: str) -> AddressMatch:
    return address_index(ds).find(query)
