"""A synthetic IMRO2012 bestemmingsplan (GML 3.2) for the Westland sample.

Modelled on real IMRO2012 files: ``imro:FeatureCollectionIMRO`` with ``imro:featureMember``
elements holding Enkelbestemming, Functieaanduiding and Bestemmingsplangebied objects, each
with ``imro:identificatie/imro:NEN3610ID``, ``imro:naam`` and ``imro:geometrie`` as a
``gml:Surface`` in EPSG:28992.
"""

from __future__ import annotations

from collections.abc import Mapping
from xml.sax.saxutils import escape

from ._model import rect

PLAN_ID = "NL.IMRO.1783.SYNTH-VG01"
_SRS = "urn:ogc:def:crs:EPSG::28992"

_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<imro:FeatureCollectionIMRO gml:id="Collectie" xmlns:imro="http://www.geonovum.nl/imro/2012/1.1" xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:gml="http://www.opengis.net/gml/3.2" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.geonovum.nl/imro/2012/1.1 http://schemas.geonovum.nl/imro/2012/1.1/IMRO2012.xsd">
\t<gml:description>SYNTHETIC test plan made by spreidingstoets (sample generator). Fictional; not a real plan of the municipality of Westland.</gml:description>
\t<gml:name>{plan}.gml</gml:name>
"""

_HOOFDGROEP = {
    "Agrarisch - Glastuinbouw": "agrarisch",
    "Wonen": "wonen",
    "Bedrijventerrein": "bedrijventerrein",
}
_LABEL = {
    "Agrarisch - Glastuinbouw": "A-GT",
    "Wonen": "W",
    "Bedrijventerrein": "BT",
    "specifieke vorm van wonen - huisvesting arbeidsmigranten": "(sw-ham)",
}


def _surface(gid: str, box: tuple[float, float, float, float], ind: str) -> str:
    poly = rect(*box)
    pos = " ".join(f"{x!r} {y!r}" for x, y in poly.exterior.coords)
    return (
        f'{ind}<gml:Surface gml:id="{gid}" srsName="{_SRS}">\n'
        f"{ind}\t<gml:patches>\n{ind}\t\t<gml:PolygonPatch>\n{ind}\t\t\t<gml:exterior>\n"
        f"{ind}\t\t\t\t<gml:LinearRing>\n{ind}\t\t\t\t\t<gml:posList>{pos}</gml:posList>\n"
        f"{ind}\t\t\t\t</gml:LinearRing>\n{ind}\t\t\t</gml:exterior>\n"
        f"{ind}\t\t</gml:PolygonPatch>\n{ind}\t</gml:patches>\n{ind}</gml:Surface>\n"
    )


def _ident(local: str, versie: str | None = None) -> str:
    v = f"\t\t\t\t\t<imro:versie>{versie}</imro:versie>\n" if versie else ""
    return (
        "\t\t\t<imro:identificatie>\n\t\t\t\t<imro:NEN3610ID>\n"
        "\t\t\t\t\t<imro:namespace>NL.IMRO</imro:namespace>\n"
        f"\t\t\t\t\t<imro:lokaalID>{local}</imro:lokaalID>\n{v}"
        "\t\t\t\t</imro:NEN3610ID>\n\t\t\t</imro:identificatie>\n"
    )


def _label(text: str, box: tuple[float, float, float, float], gid: str) -> str:
    x, y = round((box[0] + box[2]) / 2, 3), round((box[1] + box[3]) / 2, 3)
    return (
        "\t\t\t<imro:labelInfo>\n\t\t\t\t<imro:Label>\n"
        f"\t\t\t\t\t<imro:tekst>{escape(text)}</imro:tekst>\n"
        "\t\t\t\t\t<imro:positie>\n\t\t\t\t\t\t<imro:Labelpositie>\n"
        "\t\t\t\t\t\t\t<imro:plaatsingspunt>\n"
        f'\t\t\t\t\t\t\t\t<gml:Point gml:id="{gid}" srsName="{_SRS}">\n'
        f"\t\t\t\t\t\t\t\t\t<gml:pos>{x!r} {y!r}</gml:pos>\n"
        "\t\t\t\t\t\t\t\t</gml:Point>\n\t\t\t\t\t\t\t</imro:plaatsingspunt>\n"
        "\t\t\t\t\t\t\t<imro:hoek>0</imro:hoek>\n"
        "\t\t\t\t\t\t</imro:Labelpositie>\n\t\t\t\t\t</imro:positie>\n"
        "\t\t\t\t</imro:Label>\n\t\t\t</imro:labelInfo>\n"
    )


def zoning_gml(origin: tuple[float, float], zones: Mapping[str, tuple[float, ...]]) -> bytes:
    """The plan; ``zones`` maps designation name -> local (x0, y0, x1, y1) offsets."""
    ox, oy = origin
    boxes = {n: (ox + b[0], oy + b[1], ox + b[2], oy + b[3]) for n, b in zones.items()}
    out = [_HEAD.format(plan=PLAN_ID)]
    gid = 0

    def next_id() -> str:
        nonlocal gid
        gid += 1
        return f"id{gid}"

    ep_ids = {}
    for i, (naam, box) in enumerate(boxes.items(), start=1):
        if naam not in _HOOFDGROEP:
            continue
        fid = f"NL.IMRO.1783.EP{i:02d}SYNTH-VG01"
        ep_ids[naam] = fid
        out.append(
            f'\t<imro:featureMember>\n\t\t<imro:Enkelbestemming gml:id="{fid}">\n'
            + _ident(fid[len("NL.IMRO.") :])
            + "\t\t\t<imro:typePlanobject>enkelbestemming</imro:typePlanobject>\n"
            f'\t\t\t<imro:plangebied xlink:href="#{PLAN_ID}"/>\n'
            f"\t\t\t<imro:naam>{escape(naam)}</imro:naam>\n"
            f"\t\t\t<imro:bestemmingshoofdgroep>{_HOOFDGROEP[naam]}</imro:bestemmingshoofdgroep>\n"
            f"\t\t\t<imro:artikelnummer>{i + 2}</imro:artikelnummer>\n"
            + _label(_LABEL[naam], box, next_id())
            + "\t\t\t<imro:geometrie>\n"
            + _surface(next_id(), box, "\t\t\t\t")
            + "\t\t\t</imro:geometrie>\n\t\t</imro:Enkelbestemming>\n\t</imro:featureMember>\n"
        )
    for i, (naam, box) in enumerate(boxes.items(), start=1):
        if naam in _HOOFDGROEP:
            continue
        fid = f"NL.IMRO.1783.FA{i:02d}SYNTH-VG01"
        host = ep_ids["Agrarisch - Glastuinbouw"]
        out.append(
            f'\t<imro:featureMember>\n\t\t<imro:Functieaanduiding gml:id="{fid}">\n'
            + _ident(fid[len("NL.IMRO.") :])
            + "\t\t\t<imro:typePlanobject>functieaanduiding</imro:typePlanobject>\n"
            f'\t\t\t<imro:plangebied xlink:href="#{PLAN_ID}"/>\n'
            f'\t\t\t<imro:bestemmingsvlak xlink:href="#{host}"/>\n'
            f"\t\t\t<imro:naam>{escape(naam)}</imro:naam>\n"
            + _label(_LABEL[naam], box, next_id())
            + "\t\t\t<imro:geometrie>\n"
            + _surface(next_id(), box, "\t\t\t\t")
            + "\t\t\t</imro:geometrie>\n\t\t</imro:Functieaanduiding>\n\t</imro:featureMember>\n"
        )
    xs = [b[0] for b in boxes.values()] + [b[2] for b in boxes.values()]
    ys = [b[1] for b in boxes.values()] + [b[3] for b in boxes.values()]
    plan_box = (min(xs), min(ys), max(xs), max(ys))
    out.append(
        f'\t<imro:featureMember>\n\t\t<imro:Bestemmingsplangebied gml:id="{PLAN_ID}">\n'
        + _ident("1783.SYNTH", "VG01")
        + "\t\t\t<imro:typePlan>bestemmingsplan</imro:typePlan>\n"
        "\t\t\t<imro:beleidsmatigVerantwoordelijkeOverheid>gemeentelijke overheid"
        "</imro:beleidsmatigVerantwoordelijkeOverheid>\n"
        "\t\t\t<imro:naamOverheid>Westland</imro:naamOverheid>\n"
        "\t\t\t<imro:overheidsCode>1783</imro:overheidsCode>\n"
        "\t\t\t<imro:naam>Glastuinbouw en dorpsrand (SYNTHETISCH, fictief testplan)</imro:naam>\n"
        "\t\t\t<imro:planstatusInfo>\n\t\t\t\t<imro:PlanstatusEnDatum>\n"
        "\t\t\t\t\t<imro:planstatus>vastgesteld</imro:planstatus>\n"
        "\t\t\t\t\t<imro:datum>2024-07-01</imro:datum>\n"
        "\t\t\t\t</imro:PlanstatusEnDatum>\n\t\t\t</imro:planstatusInfo>\n"
        "\t\t\t<imro:verwijzingNorm>IMRO2012</imro:verwijzingNorm>\n"
        "\t\t\t<imro:geometrie>\n"
        + _surface(next_id(), plan_box, "\t\t\t\t")
        + "\t\t\t</imro:geometrie>\n\t\t</imro:Bestemmingsplangebied>\n\t</imro:featureMember>\n"
    )
    out.append("</imro:FeatureCollectionIMRO>\n")
    return "".join(out).encode("utf-8")
