"""Write :class:`Town` records as a Kadaster "BAG 2.0 Extract" (LVBAG, Gemeente LVC).

Element names, namespaces and element order copy the real extract (one ``sl:stand`` per
voorkomen, the same prefixes and header), so GDAL's LVBAG driver and any reader written for
the real files read these too. Strings go through string templates with XML escaping; this
keeps the byte layout close to Kadaster's and fully deterministic.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from xml.sax.saxutils import escape, quoteattr

from shapely.geometry import Point, Polygon

from ._model import Record, Town

EXTRACT_DATE = "2026-11-01"
DATE_TAG = "01112026"  # DDMMYYYY as in Kadaster file names
ZIP_TIME = (2026, 11, 1, 0, 0, 0)
SRS = "urn:ogc:def:crs:EPSG::28992"
OBJECT_TYPES = ["VBO", "NUM", "PND", "OPR", "WPL", "LIG", "STA"]

_ROOT_NS = (
    'xmlns:DatatypenNEN3610="www.kadaster.nl/schemas/lvbag/imbag/datatypennen3610/v20200601" '
    'xmlns:Objecten="www.kadaster.nl/schemas/lvbag/imbag/objecten/v20200601" '
    'xmlns:gml="http://www.opengis.net/gml/3.2" '
    'xmlns:Historie="www.kadaster.nl/schemas/lvbag/imbag/historie/v20200601" '
    'xmlns:Objecten-ref="www.kadaster.nl/schemas/lvbag/imbag/objecten-ref/v20200601" '
    'xmlns:nen5825="www.kadaster.nl/schemas/lvbag/imbag/nen5825/v20200601" '
    'xmlns:KenmerkInOnderzoek="www.kadaster.nl/schemas/lvbag/imbag/kenmerkinonderzoek/v20200601" '
    'xmlns:selecties-extract="http://www.kadaster.nl/schemas/lvbag/extract-selecties/v20200601" '
    'xmlns:sl-bag-extract="http://www.kadaster.nl/schemas/lvbag/extract-deelbestand-lvc/v20200601" '
    'xmlns:sl="http://www.kadaster.nl/schemas/standlevering-generiek/1.0" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xmlns:xs="http://www.w3.org/2001/XMLSchema" '
    'xsi:schemaLocation="http://www.kadaster.nl/schemas/lvbag/extract-deelbestand-lvc/v20200601 '
    "https://developer.kadaster.nl/schemas/lvbag/extract-deelbestand-lvc/v20200601/"
    'BagvsExtractDeelbestandExtractLvc-2.1.0.xsd"'
)

_HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<sl-bag-extract:bagStand {ns}>
  <sl-bag-extract:bagInfo>
    <selecties-extract:Gebied-Registratief>
      <selecties-extract:Gebied-GEM>
        <selecties-extract:GemeenteCollectie>
          <selecties-extract:Gemeente>
            <selecties-extract:GemeenteIdentificatie>{code}</selecties-extract:GemeenteIdentificatie>
          </selecties-extract:Gemeente>
        </selecties-extract:GemeenteCollectie>
      </selecties-extract:Gebied-GEM>
    </selecties-extract:Gebied-Registratief>
    <selecties-extract:LVC-Extract>
      <selecties-extract:StandTechnischeDatum>{date}</selecties-extract:StandTechnischeDatum>
    </selecties-extract:LVC-Extract>
  </sl-bag-extract:bagInfo>
  <sl:standBestand>
    <sl:dataset>LVBAG</sl:dataset>
    <sl:inhoud>
      <sl:gebied>GEMEENTE</sl:gebied>
      <sl:leveringsId>0000000001</sl:leveringsId>
      <sl:objectTypen>
        <sl:objectType>{kind}</sl:objectType>
      </sl:objectTypen>
    </sl:inhoud>"""

_FOOTER = "\n  </sl:standBestand>\n</sl-bag-extract:bagStand>"

_LEVERING = """<?xml version="1.0" encoding="UTF-8"?>
<xb:BAG-Extract-Levering xmlns:xb="http://www.kadaster.nl/schemas/lvbag/extract-levering/v20200601" xmlns:selecties-extract="http://www.kadaster.nl/schemas/lvbag/extract-selecties/v20200601">
    <xb:SelectieGegevens>
        <selecties-extract:LVC-Extract>
            <selecties-extract:StandTechnischeDatum>{date}</selecties-extract:StandTechnischeDatum>
        </selecties-extract:LVC-Extract>
        <selecties-extract:Gebied-Registratief>
            <selecties-extract:Gebied-GEM>
                <selecties-extract:GemeenteCollectie>
                    <selecties-extract:Gemeente>
                        <selecties-extract:GemeenteIdentificatie>{code}</selecties-extract:GemeenteIdentificatie>
                        <selecties-extract:GemeenteNaam>{naam}</selecties-extract:GemeenteNaam>
                    </selecties-extract:Gemeente>
                </selecties-extract:GemeenteCollectie>
            </selecties-extract:Gebied-GEM>
        </selecties-extract:Gebied-Registratief>
    </xb:SelectieGegevens>
    <xb:SchemaInfo>
        <xb:naam>BagvsExtractDeelbestandExtractLvc-2.1.0.xsd</xb:naam>
        <xb:versie>20200601</xb:versie>
    </xb:SchemaInfo>
</xb:BAG-Extract-Levering>"""

_DOMEIN = {
    "VBO": "NL.IMBAG.Verblijfsobject",
    "NUM": "NL.IMBAG.Nummeraanduiding",
    "PND": "NL.IMBAG.Pand",
    "OPR": "NL.IMBAG.Openbareruimte",
    "WPL": "NL.IMBAG.Woonplaats",
    "LIG": "NL.IMBAG.Ligplaats",
    "STA": "NL.IMBAG.Standplaats",
}
_ELEMENT = {
    "VBO": "Verblijfsobject",
    "NUM": "Nummeraanduiding",
    "PND": "Pand",
    "OPR": "OpenbareRuimte",
    "WPL": "Woonplaats",
    "LIG": "Ligplaats",
    "STA": "Standplaats",
}


def _num(v: float) -> str:
    # Shortest repr of the millimetre-rounded value: "110310.0", "110309.95".
    return repr(round(float(v), 3))


def _e(tag: str, value: object) -> str:
    return f"<Objecten:{tag}>{escape(str(value))}</Objecten:{tag}>"


def _ref(container: str, ref: str, kind: str, ids: Iterable[str]) -> str:
    inner = "".join(
        f"<Objecten-ref:{ref} domein={quoteattr(_DOMEIN[kind])}>{i}</Objecten-ref:{ref}>"
        for i in ids
    )
    return f"<Objecten:{container}>{inner}</Objecten:{container}>"


def _ident(rec: Record) -> str:
    return (
        f"<Objecten:identificatie domein={quoteattr(_DOMEIN[rec.kind])}>"
        f"{rec.identificatie}</Objecten:identificatie>"
    )


def _point(p: Point) -> str:
    return (
        f'<gml:Point srsName="{SRS}" srsDimension="3">\n'
        f"  <gml:pos>{_num(p.x)} {_num(p.y)} 0.0</gml:pos>\n</gml:Point>"
    )


def _ring(tag: str, coords: Iterable[tuple[float, ...]], dim: int) -> str:
    pts = list(coords)
    if dim == 3:
        txt = " ".join(f"{_num(c[0])} {_num(c[1])} 0.0" for c in pts)
    else:
        txt = " ".join(f"{_num(c[0])} {_num(c[1])}" for c in pts)
    return (
        f"  <gml:{tag}>\n    <gml:LinearRing>\n"
        f'      <gml:posList count="{len(pts)}">{txt}</gml:posList>\n'
        f"    </gml:LinearRing>\n  </gml:{tag}>\n"
    )


def _polygon(poly: Polygon, dim: int) -> str:
    body = _ring("exterior", poly.exterior.coords, dim)
    for hole in poly.interiors:
        body += _ring("interior", hole.coords, dim)
    return f'<gml:Polygon srsName="{SRS}" srsDimension="{dim}">\n{body}</gml:Polygon>'


def _registration(day: str, minutes: int) -> str:
    # Registration a little after the start of validity; fixed times keep output stable.
    return f"{day}T09:{minutes:02d}:00.000"


def _voorkomen(rec: Record) -> str:
    v = rec.voorkomen
    parts = [
        f"<Historie:voorkomenidentificatie>{v.nr}</Historie:voorkomenidentificatie>",
        f"<Historie:beginGeldigheid>{v.begin}</Historie:beginGeldigheid>",
    ]
    if v.end:
        parts.append(f"<Historie:eindGeldigheid>{v.end}</Historie:eindGeldigheid>")
    parts.append(
        f"<Historie:tijdstipRegistratie>{_registration(v.begin, 0)}</Historie:tijdstipRegistratie>"
    )
    if v.end:
        parts.append(
            f"<Historie:eindRegistratie>{_registration(v.end, 0)}</Historie:eindRegistratie>"
        )
    lv = (
        f"<Historie:tijdstipRegistratieLV>{_registration(v.begin, 15)}"
        "</Historie:tijdstipRegistratieLV>"
    )
    if v.end:
        lv += (
            f"<Historie:tijdstipEindRegistratieLV>{_registration(v.end, 15)}"
            "</Historie:tijdstipEindRegistratieLV>"
        )
    parts.append(f"<Historie:BeschikbaarLV>{lv}</Historie:BeschikbaarLV>")
    return (
        "<Objecten:voorkomen><Historie:Voorkomen>"
        + "".join(parts)
        + ("</Historie:Voorkomen></Objecten:voorkomen>")
    )


def _document(rec: Record) -> str:
    # geconstateerd, documentdatum, documentnummer: same fields, same order in every type.
    nr = f"SYNTH-{rec.identificatie[:4]}-{rec.voorkomen.begin[:4]}-{rec.voorkomen.nr}"
    return (
        _e("geconstateerd", "N")
        + _e("documentdatum", rec.voorkomen.begin)
        + _e("documentnummer", nr)
    )


def render(rec: Record) -> str:
    """One ``sl:stand`` element for one voorkomen."""
    a = rec.attrs
    k = rec.kind
    if k == "VBO":
        body = _ref("heeftAlsHoofdadres", "NummeraanduidingRef", "NUM", [a["hoofdadres"]])
        body += _voorkomen(rec)
        if a["nevenadressen"]:
            body += _ref("heeftAlsNevenadres", "NummeraanduidingRef", "NUM", a["nevenadressen"])
        body += _ident(rec)
        body += f"<Objecten:geometrie><Objecten:punt>{_point(a['geometrie'])}</Objecten:punt>"
        body += "</Objecten:geometrie>"
        body += "".join(_e("gebruiksdoel", g) for g in a["gebruiksdoel"])
        body += _e("oppervlakte", a["oppervlakte"]) + _e("status", a["status"])
        body += _document(rec)
        body += _ref("maaktDeelUitVan", "PandRef", "PND", a["panden"])
    elif k == "NUM":
        body = _ident(rec) + _e("huisnummer", a["huisnummer"])
        if a["huisletter"]:
            body += _e("huisletter", a["huisletter"])
        if a["toevoeging"]:
            body += _e("huisnummertoevoeging", a["toevoeging"])
        if a["postcode"]:
            body += _e("postcode", a["postcode"])
        body += _e("typeAdresseerbaarObject", a["type_ao"]) + _e("status", a["status"])
        body += _document(rec)
        if a["woonplaats"]:
            body += _ref("ligtIn", "WoonplaatsRef", "WPL", [a["woonplaats"]])
        body += _voorkomen(rec)
        body += _ref("ligtAan", "OpenbareRuimteRef", "OPR", [a["opr"]])
    elif k == "PND":
        body = _ident(rec)
        body += f"<Objecten:geometrie>{_polygon(a['geometrie'], 3)}</Objecten:geometrie>"
        body += _e("oorspronkelijkBouwjaar", a["bouwjaar"]) + _e("status", a["status"])
        body += _document(rec) + _voorkomen(rec)
    elif k == "OPR":
        body = _ident(rec) + _e("naam", a["naam"]) + _e("type", a["type"])
        body += _e("status", a["status"]) + _document(rec)
        body += _ref("ligtIn", "WoonplaatsRef", "WPL", [a["woonplaats"]])
        body += _voorkomen(rec)
    elif k == "WPL":
        body = _ident(rec) + _e("naam", a["naam"])
        body += f"<Objecten:geometrie><Objecten:vlak>{_polygon(a['geometrie'], 2)}"
        body += "</Objecten:vlak></Objecten:geometrie>"
        body += _e("status", a["status"]) + _document(rec) + _voorkomen(rec)
    elif k in ("LIG", "STA"):
        body = _ref("heeftAlsHoofdadres", "NummeraanduidingRef", "NUM", [a["hoofdadres"]])
        body += _voorkomen(rec) + _ident(rec) + _e("status", a["status"])
        body += f"<Objecten:geometrie>{_polygon(a['geometrie'], 2)}</Objecten:geometrie>"
        body += _document(rec)
    else:  # pragma: no cover - closed set
        raise ValueError(k)
    el = _ELEMENT[k]
    return (
        f"<sl:stand><sl-bag-extract:bagObject><Objecten:{el}>{body}</Objecten:{el}>"
        "</sl-bag-extract:bagObject></sl:stand>"
    )


def object_file(town: Town, kind: str) -> bytes:
    """The XML of one object type (all voorkomens, in identificatie then voorkomen order)."""
    recs = sorted(
        (r for r in town.records if r.kind == kind),
        key=lambda r: (r.identificatie, r.voorkomen.nr),
    )
    parts = [_HEADER.format(ns=_ROOT_NS, code=town.code, date=EXTRACT_DATE, kind=kind)]
    parts.extend(render(r) for r in recs)
    parts.append(_FOOTER)
    return "".join(parts).encode("utf-8")


def levering(town: Town) -> bytes:
    return _LEVERING.format(date=EXTRACT_DATE, code=town.code, naam=escape(town.naam)).encode(
        "utf-8"
    )


def _zip(entries: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # unix, independent of the machine that generates
            zf.writestr(info, data, compresslevel=9)
    return buf.getvalue()


def extract_name(code: str) -> str:
    return f"BAGGEM{code}L-{DATE_TAG}.zip"


def inner_paths(code: str) -> dict[str, str]:
    """Object type -> /vsizip/ path suffix inside the outer zip (for GDAL)."""
    gem = f"{code}GEM{DATE_TAG}.zip"
    return {
        k: f"{gem}/{code}{k}{DATE_TAG}.zip/{code}{k}{DATE_TAG}-000001.xml" for k in OBJECT_TYPES
    }


def extract_zip(town: Town) -> bytes:
    """The full zip-of-zips delivery for one municipality."""
    code = town.code
    inner = []
    for kind in OBJECT_TYPES:
        xml = object_file(town, kind)
        inner.append(
            (f"{code}{kind}{DATE_TAG}.zip", _zip([(f"{code}{kind}{DATE_TAG}-000001.xml", xml)]))
        )
    gem = _zip(inner)
    return _zip(
        [("Leveringsdocument-BAG-Extract.xml", levering(town)), (f"{code}GEM{DATE_TAG}.zip", gem)]
    )
