"""In-memory BAG objects for the sample generator, one record per voorkomen.

A record is one voorkomen of one object, as in an LVBAG LVC extract, where an object with
history appears once per voorkomen under the same identificatie.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely.geometry import Point, Polygon

# Object type codes inside a 16-digit BAG identificatie (positions 5-6).
TYPE_CODE = {"VBO": "01", "LIG": "02", "STA": "03", "PND": "10", "NUM": "20", "OPR": "30"}

Coords = list[tuple[float, float]]


def r3(v: float) -> float:
    """Round to millimetres, as BAG coordinates are; written and read back unchanged."""
    return round(float(v), 3)


def rect(x0: float, y0: float, x1: float, y1: float) -> Polygon:
    """Axis-aligned footprint with millimetre coordinates, counter-clockwise exterior."""
    x0, y0, x1, y1 = r3(x0), r3(y0), r3(x1), r3(y1)
    return Polygon([(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)])


@dataclass
class Voorkomen:
    """One voorkomen: validity and registration times (dates as ISO strings)."""

    nr: int = 1
    begin: str = "2010-01-01"
    end: str | None = None


@dataclass
class Record:
    """One voorkomen of one BAG object; ``attrs`` holds the type-specific attributes."""

    kind: str  # VBO, NUM, PND, OPR, WPL, LIG, STA
    identificatie: str
    voorkomen: Voorkomen
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Address:
    """A resolved address (the current voorkomen of a nummeraanduiding)."""

    num_id: str
    straat: str
    huisnummer: int
    huisletter: str | None
    toevoeging: str | None
    postcode: str
    woonplaats: str
    opr_id: str

    def label(self) -> str:
        nr = f"{self.huisnummer}{self.huisletter or ''}"
        if self.toevoeging:
            nr += f"-{self.toevoeging}"
        return f"{self.straat} {nr}, {self.postcode} {self.woonplaats}"


class Town:
    """Builder for one municipality's fictional neighbourhood.

    Serial numbers are handed out in call order, so the build functions are deterministic.
    """

    def __init__(self, code: str, naam: str, slug: str) -> None:
        self.code = code
        self.naam = naam
        self.slug = slug
        self.records: list[Record] = []
        self._serial: dict[str, int] = {}
        self.woonplaats_naam: dict[str, str] = {}
        self.opr: dict[str, tuple[str, str]] = {}  # opr id -> (naam, woonplaats id)
        self.addresses: dict[str, Address] = {}  # num id -> current address
        self.vbo_addr: dict[str, str] = {}  # adresseerbaar object id -> hoofdadres num id
        self.vbo_pand: dict[str, list[str]] = {}
        self.pand_geom: dict[str, Polygon] = {}
        self.features: dict[str, list[dict[str, Any]]] = {}
        self.register: list[dict[str, Any]] = []
        self._postcodes: dict[tuple[str, int], str] = {}
        self._pc4 = 0
        self.second_panden: list[str] = []  # panden in the second woonplaats
        self.notes: list[str] = []  # scenario notes for the README
        self.block: dict[str, Any] = {}  # what extra layers are drawn from (_catalogue.py)

    # -- identifiers -------------------------------------------------------------------
    def new_id(self, kind: str) -> str:
        n = self._serial.get(kind, 0) + 1
        self._serial[kind] = n
        return f"{self.code}{TYPE_CODE[kind]}{n:010d}"

    # -- object constructors -----------------------------------------------------------
    def woonplaats(self, wpl_id: str, naam: str, area: Polygon, begin: str = "2009-01-01") -> str:
        self.woonplaats_naam[wpl_id] = naam
        self.records.append(
            Record(
                "WPL",
                wpl_id,
                Voorkomen(1, begin),
                {"naam": naam, "geometrie": area, "status": "Woonplaats aangewezen"},
            )
        )
        return wpl_id

    def street(self, naam: str, wpl_id: str, pc4: str, type_: str = "Weg") -> str:
        opr_id = self.new_id("OPR")
        self.opr[opr_id] = (naam, wpl_id)
        self._postcodes[(opr_id, -1)] = pc4
        self.records.append(
            Record(
                "OPR",
                opr_id,
                Voorkomen(1, "2009-06-01"),
                {
                    "naam": naam,
                    "type": type_,
                    "status": "Naamgeving uitgegeven",
                    "woonplaats": wpl_id,
                },
            )
        )
        return opr_id

    def postcode(self, opr_id: str, huisnummer: int) -> str:
        """Dutch postcodes: one letter pair per street side (odd / even)."""
        key = (opr_id, huisnummer % 2)
        if key not in self._postcodes:
            pc4 = self._postcodes[(opr_id, -1)]
            n = self._pc4
            self._pc4 += 1
            letters = "ABCDEGHJKLMNPRTVWXZ"  # no F, I, O, Q, S, U, Y as in real postcodes
            self._postcodes[key] = (
                pc4 + letters[(n // len(letters)) % len(letters)] + (letters[n % len(letters)])
            )
        return self._postcodes[key]

    def address(
        self,
        opr_id: str,
        huisnummer: int,
        huisletter: str | None = None,
        toevoeging: str | None = None,
        *,
        type_ao: str = "Verblijfsobject",
        begin: str = "2010-01-01",
        history: list[tuple[str, str, int]] | None = None,
        status: str = "Naamgeving uitgegeven",
        woonplaats_override: str | None = None,
    ) -> str:
        """Add a nummeraanduiding; ``history`` = earlier (begin, end, huisnummer) voorkomens."""
        num_id = self.new_id("NUM")
        postcode = self.postcode(opr_id, huisnummer)
        base = {
            "huisletter": huisletter,
            "toevoeging": toevoeging,
            "postcode": postcode,
            "type_ao": type_ao,
            "opr": opr_id,
            "woonplaats": woonplaats_override,
        }
        nr = 1
        for h_begin, h_end, h_nummer in history or []:
            attrs = dict(base, huisnummer=h_nummer, status="Naamgeving uitgegeven")
            attrs["postcode"] = self.postcode(opr_id, h_nummer)
            self.records.append(Record("NUM", num_id, Voorkomen(nr, h_begin, h_end), attrs))
            nr += 1
            begin = h_end
        self.records.append(
            Record(
                "NUM",
                num_id,
                Voorkomen(nr, begin),
                dict(base, huisnummer=huisnummer, status=status),
            )
        )
        straat, wpl = self.opr[opr_id]
        self.addresses[num_id] = Address(
            num_id,
            straat,
            huisnummer,
            huisletter,
            toevoeging,
            postcode,
            self.woonplaats_naam[woonplaats_override or wpl],
            opr_id,
        )
        return num_id

    def pand(
        self,
        geom: Polygon,
        bouwjaar: int = 1965,
        status: str = "Pand in gebruik",
        *,
        begin: str | None = None,
        history: list[tuple[str, str, str]] | None = None,
    ) -> str:
        """Add a pand; ``history`` = earlier (begin, end, status) voorkomens."""
        pand_id = self.new_id("PND")
        begin = begin or f"{max(bouwjaar, 2009)}-07-01"
        nr = 1
        for h_begin, h_end, h_status in history or []:
            self.records.append(
                Record(
                    "PND",
                    pand_id,
                    Voorkomen(nr, h_begin, h_end),
                    {"geometrie": geom, "bouwjaar": bouwjaar, "status": h_status},
                )
            )
            nr += 1
            begin = h_end
        self.records.append(
            Record(
                "PND",
                pand_id,
                Voorkomen(nr, begin),
                {"geometrie": geom, "bouwjaar": bouwjaar, "status": status},
            )
        )
        self.pand_geom[pand_id] = geom
        return pand_id

    def vbo(
        self,
        point: Point | tuple[float, float],
        hoofdadres: str,
        panden: list[str],
        *,
        gebruiksdoel: tuple[str, ...] = ("woonfunctie",),
        oppervlakte: int = 110,
        status: str = "Verblijfsobject in gebruik",
        nevenadressen: tuple[str, ...] = (),
        begin: str = "2010-01-01",
        history: list[dict[str, Any]] | None = None,
    ) -> str:
        """Add a verblijfsobject; ``history`` = earlier voorkomens as attribute overrides
        with keys ``begin``, ``end`` and any of status/oppervlakte/gebruiksdoel."""
        vbo_id = self.new_id("VBO")
        xy = (point.x, point.y) if isinstance(point, Point) else point
        pt = Point(r3(xy[0]), r3(xy[1]))
        base: dict[str, Any] = {
            "hoofdadres": hoofdadres,
            "nevenadressen": list(nevenadressen),
            "geometrie": pt,
            "gebruiksdoel": list(gebruiksdoel),
            "oppervlakte": oppervlakte,
            "status": status,
            "panden": list(panden),
        }
        nr = 1
        for h in history or []:
            attrs = dict(base)
            attrs.update({k: v for k, v in h.items() if k not in ("begin", "end")})
            self.records.append(Record("VBO", vbo_id, Voorkomen(nr, h["begin"], h["end"]), attrs))
            nr += 1
            begin = h["end"]
        self.records.append(Record("VBO", vbo_id, Voorkomen(nr, begin), base))
        self.vbo_addr[vbo_id] = hoofdadres
        self.vbo_pand[vbo_id] = list(panden)
        return vbo_id

    def plaats(self, kind: str, geom: Polygon, hoofdadres: str, begin: str = "2010-01-01") -> str:
        """Add a ligplaats (LIG) or standplaats (STA)."""
        obj_id = self.new_id(kind)
        self.records.append(
            Record(
                kind,
                obj_id,
                Voorkomen(1, begin),
                {"hoofdadres": hoofdadres, "geometrie": geom, "status": "Plaats aangewezen"},
            )
        )
        self.vbo_addr[obj_id] = hoofdadres
        return obj_id

    # -- convenience -------------------------------------------------------------------
    def house(
        self,
        opr_id: str,
        huisnummer: int,
        geom: Polygon,
        *,
        huisletter: str | None = None,
        bouwjaar: int = 1965,
        oppervlakte: int | None = None,
        **vbo_kw: Any,
    ) -> tuple[str, str]:
        """One pand with one dwelling at its centroid; returns (vbo id, pand id)."""
        pand_id = self.pand(geom, bouwjaar)
        num_id = self.address(opr_id, huisnummer, huisletter)
        area = oppervlakte if oppervlakte is not None else round(geom.area * 2.2)
        c = geom.centroid
        vbo_id = self.vbo((c.x, c.y), num_id, [pand_id], oppervlakte=area, **vbo_kw)
        return vbo_id, pand_id

    def feature(self, name: str, obj_id: str, **extra: Any) -> None:
        """Record an edge case for README.md / features.json."""
        a = self.addresses[self.vbo_addr[obj_id]]
        entry: dict[str, Any] = {
            "verblijfsobject_id": obj_id,
            "address": a.label(),
            "straat": a.straat,
            "huisnummer": a.huisnummer,
            "huisletter": a.huisletter,
            "toevoeging": a.toevoeging,
            "postcode": a.postcode,
            "woonplaats": a.woonplaats,
            "openbare_ruimte_id": a.opr_id,
            "nummeraanduiding_id": a.num_id,
            "pand_ids": self.vbo_pand.get(obj_id, []),
        }
        # Distances to the micrometre: enough for 99.95 vs 100.0, free of float noise.
        entry.update({k: round(v, 6) if isinstance(v, float) else v for k, v in extra.items()})
        self.features.setdefault(name, []).append(entry)

    def permit(
        self,
        obj_id: str,
        kind: str,
        persons: int,
        status: str,
        valid_from: str,
        valid_until: str = "",
        reference: str = "",
    ) -> None:
        self.register.append(
            {
                "verblijfsobject_id": obj_id,
                "kind": kind,
                "persons": persons,
                "status": status,
                "valid_from": valid_from,
                "valid_until": valid_until,
                "reference": reference,
            }
        )

    def min_distance(self, pand_a: str, pand_b: str) -> float:
        return float(shapely.distance(self.pand_geom[pand_a], self.pand_geom[pand_b]))
