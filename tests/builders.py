"""Build small BAG worlds in memory for tests: streets, panden (boxes) and dwellings; zones."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import shapely

from spreidingstoets.dataset.compile import write_dataset
from spreidingstoets.dataset.model import Dataset
from spreidingstoets.dataset.store import load_dataset
from spreidingstoets.dataset.tables import (
    NUMMERAANDUIDING_COLUMNS,
    OPENBARE_RUIMTE_COLUMNS,
    PAND_COLUMNS,
    VERBLIJFSOBJECT_COLUMNS,
    WOONPLAATS_COLUMNS,
    BagTables,
)
from spreidingstoets.zoning import ZoningLayer

X0, Y0 = 150000.0, 430000.0  # somewhere in RD New


def zoning_layer() -> ZoningLayer:
    """Three zones: "Wonen" and a greenhouse zone side by side, a functieaanduiding over both."""
    return ZoningLayer.from_records(
        [shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100), shapely.box(50, 50, 150, 150)],
        [
            "Wonen",
            "Agrarisch - Glastuinbouw",
            "specifieke vorm van wonen - huisvesting arbeidsmigranten",
        ],
        kind=["enkelbestemming", "enkelbestemming", "functieaanduiding"],
        identificatie=["a", "b", "c"],
        plan_id="NL.IMRO.TEST",
        source="test",
    )


@dataclass
class Town:
    """``Town().street("Kwartelstraat")`` then ``row(...)``/``house(...)``; ``build(tmp_path)``."""

    gemeente: str = "9999"
    woonplaats: str = "Proefdorp"
    streets: list[dict] = field(default_factory=list)
    panden: list[dict] = field(default_factory=list)
    vbos: list[dict] = field(default_factory=list)
    nums: list[dict] = field(default_factory=list)
    _serial: int = 0

    def _id(self, code: str) -> str:
        self._serial += 1
        return f"{self.gemeente}{code}{self._serial:010d}"

    def street(self, naam: str) -> str:
        sid = self._id("30")
        self.streets.append(
            {
                "identificatie": sid,
                "naam": naam,
                "type": "Weg",
                "woonplaats": "9001",
                "status": "Naamgeving uitgegeven",
            }
        )
        return sid

    def pand(
        self, x: float, y: float, w: float = 5.0, d: float = 10.0, status: str = "Pand in gebruik"
    ) -> str:
        pid = self._id("10")
        self.panden.append(
            {
                "identificatie": pid,
                "status": status,
                "bouwjaar": 1960,
                "geometry": shapely.box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + d),
            }
        )
        return pid

    def unit(
        self,
        street: str,
        huisnummer: int,
        panden: list[str],
        *,
        huisletter: str | None = None,
        toevoeging: str | None = None,
        gebruiksdoel: tuple[str, ...] = ("woonfunctie",),
        oppervlakte: int = 100,
        status: str = "Verblijfsobject in gebruik",
        postcode: str = "9999AA",
    ) -> str:
        nid = self._id("20")
        self.nums.append(
            {
                "identificatie": nid,
                "huisnummer": huisnummer,
                "huisletter": huisletter,
                "toevoeging": toevoeging,
                "postcode": postcode,
                "openbare_ruimte": street,
                "woonplaats": None,
                "status": "Naamgeving uitgegeven",
            }
        )
        geom = shapely.union_all(
            [p["geometry"] for p in self.panden if p["identificatie"] in panden]
        )
        vid = self._id("01")
        self.vbos.append(
            {
                "identificatie": vid,
                "status": status,
                "gebruiksdoel": list(gebruiksdoel),
                "oppervlakte": oppervlakte,
                "hoofdadres": nid,
                "nevenadressen": [],
                "panden": panden,
                "geometry": geom.point_on_surface(),
            }
        )
        return vid

    def house(
        self,
        street: str,
        huisnummer: int,
        x: float,
        y: float,
        w: float = 5.0,
        d: float = 10.0,
        **kw: object,
    ) -> str:
        """A pand with one dwelling; returns the verblijfsobject id."""
        return self.unit(street, huisnummer, [self.pand(x, y, w, d)], **kw)  # type: ignore[arg-type]

    def row(
        self, street: str, numbers: list[int], x: float = 0.0, y: float = 0.0, w: float = 5.0
    ) -> list[str]:
        """Terraced houses sharing walls, left to right."""
        return [self.house(street, n, x + i * w, y, w) for i, n in enumerate(numbers)]

    def tables(self) -> BagTables:
        return BagTables(
            verblijfsobjecten=pd.DataFrame(self.vbos, columns=VERBLIJFSOBJECT_COLUMNS),
            nummeraanduidingen=pd.DataFrame(self.nums, columns=NUMMERAANDUIDING_COLUMNS),
            openbare_ruimten=pd.DataFrame(self.streets, columns=OPENBARE_RUIMTE_COLUMNS),
            woonplaatsen=pd.DataFrame(
                [
                    {
                        "identificatie": "9001",
                        "naam": self.woonplaats,
                        "status": "Woonplaats aangewezen",
                    }
                ],
                columns=WOONPLAATS_COLUMNS,
            ),
            panden=pd.DataFrame(self.panden, columns=PAND_COLUMNS),
            extract_date=dt.date(2026, 1, 1),
            reference_date=dt.date(2026, 1, 1),
            gemeentecodes=[self.gemeente],
            source_kind="synthetic",
        )

    def build(self, tmp_path: Path, name: str = "ds") -> Dataset:
        out = tmp_path / name
        write_dataset(self.tables(), tmp_path, out, force=True)
        return load_dataset(out)
