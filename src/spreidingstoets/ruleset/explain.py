"""A ruleset written out as plain Dutch prose, generated from its data (``rules explain``).

One paragraph per rule, made from the rule type and its parameters, with the rule's source, so
that a councillor can read it next to the regulation and check it. Figures that the file marks
as our choice ([default]) are named in the paragraph. The same text as HTML for the docs.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from spreidingstoets.domain.ruleset import Ruleset, RulesetVersion, RuleSpec
from spreidingstoets.domain.vocabulary import COUNTED_STATUSES, KINDS, STATUSES

KIND_NL = {
    "kamerverhuur": "kamerverhuur",
    "arbeidsmigranten": "huisvesting van arbeidsmigranten",
    "studenten": "studentenhuisvesting",
    "omzetting": "omzetting (splitsing)",
}
STATUS_NL = {
    "granted": "verleend",
    "tolerated": "gedoogd",
    "pending": "in behandeling",
    "illegal": "bekend illegaal",
    "refused": "geweigerd",
    "revoked": "ingetrokken",
    "ended": "beëindigd",
    "expired": "verlopen",
}
MONTHS = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
]
ROUNDING_NL = {
    "exact": "zonder afronding (een breuk van een woning telt niet als ruimte)",
    "floor": "naar beneden afgerond",
    "ceil": "naar boven afgerond",
    "half_up": "rekenkundig afgerond",
}


@dataclass(frozen=True)
class RuleText:
    id: str
    type: str
    text: str
    source: str
    assumed: tuple[str, ...]


@dataclass(frozen=True)
class VersionText:
    version: str
    heading: str
    intro: str
    rules: tuple[RuleText, ...]


def date_nl(day: dt.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def num(value: Any) -> str:
    """12, 12,5, 310.000 for Dutch texts."""
    d = Decimal(str(value))
    if d == d.to_integral():
        return f"{int(d):,}".replace(",", ".")
    return f"{d.normalize():f}".replace(".", ",")


def pct(value: Any) -> str:
    return num(Decimal(str(value)) * 100) + "%"


def listing(items: Iterable[str], last: str = "en") -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {last} " + items[-1]


def quoted(items: Iterable[str]) -> str:
    return listing([f"'{i}'" for i in items], "of")


PARAM_NL = {
    "exception": "de uitzondering voor grotere woningen (oppervlakte en aantal personen)",
    "measure": "de meetmethode",
    "inclusive": "wat precies op de grens geldt",
    "review_band_m": "de beoordelingsmarge rond de grens",
    "counted": "welke woningen meetellen",
    "gebruiksdoelen": "welke BAG-gebruiksdoelen als voorziening gelden",
    "min_units": "vanaf hoeveel woningen een pand een flat is",
    "radius_m": "de straal",
    "zone": "welke bestemmingen meetellen",
    "own_entrance": "de aanduidingen van een benedenwoning met eigen voordeur",
    "min_dwellings": "het kleinste aantal woningen waarvoor de regel geldt",
}


def kinds_nl(kinds: Iterable[str], last: str = "en") -> str:
    kinds = tuple(kinds)
    if set(kinds) == set(KINDS):
        return "elke soort bewoning (kamerverhuur, arbeidsmigranten, studenten en omzetting)"
    return listing((KIND_NL.get(k, k) for k in kinds), last)


def statuses_nl(statuses: Iterable[str]) -> str:
    statuses = tuple(statuses)
    if statuses == tuple(COUNTED_STATUSES):
        return "verleend, gedoogd, in behandeling of bekend illegaal"
    if set(statuses) == set(STATUSES):
        return "elke status, ook ingetrokken en verlopen"
    return listing((STATUS_NL.get(s, s) for s in statuses), "of")


def counted_nl(counted: Any) -> str:
    """'woningen met kamerverhuur of studentenhuisvesting (status: verleend of gedoogd)'."""
    kinds = tuple(counted.kinds)
    what = "elke soort bewoning" if set(kinds) == set(KINDS) else kinds_nl(kinds, "of")
    return f"woningen met {what} (status: {statuses_nl(counted.statuses)})"


def zone_nl(zone: Any) -> str:
    names = quoted(zone.names) if zone.names else "een gebied"
    return f"{names} (kaartlaag '{zone.layer}')"


def _dwelling_status(p: Any) -> str:
    review = listing((f"'{s}'" for s in p.review_statuses), "of")
    return (
        "De aanvraag moet gaan over een bestaande woning: een verblijfsobject met "
        f"{p.dwelling.gebruiksdoel} dat volgens de BAG in gebruik is. Bij de status {review} "
        "wordt de aanvraag beoordeeld; anders voldoet ze niet."
    )


def _max_persons(p: Any) -> str:
    text = f"In een woning wonen ten hoogste {p.limit} personen."
    for zl in p.zone_limits:
        text += f" In {zone_nl(zl.zone)} ten hoogste {zl.limit}."
    if p.exception is not None:
        text += (
            f" Een woning van minstens {p.exception.min_area_m2} m² kan na beoordeling ten "
            f"hoogste {p.exception.limit} personen huisvesten; de opgegeven reden wordt vastgelegd."
        )
    return text


def _floor_area(p: Any) -> str:
    return (
        f"Per bewoner is minstens {num(p.min_m2)} m² gebruiksoppervlakte nodig, zoals de BAG "
        "die voor het verblijfsobject vermeldt; is die onbekend, dan wordt beoordeeld."
    )


def _min_area(p: Any) -> str:
    unknown = "beoordeeld" if p.review_if_unknown else "voldoet de aanvraag niet"
    return (
        f"De woning is minstens {num(p.min_m2)} m² groot (BAG-gebruiksoppervlakte); is die "
        f"onbekend, dan wordt {unknown}."
    )


def _share_tail(p: Any) -> str:
    return (
        f" De aanvraag telt zelf mee; het toegestane aantal wordt {ROUNDING_NL[p.rounding]}. "
        f"Mee tellen {counted_nl(p.counted)}."
    )


def _street_share(p: Any) -> str:
    return (
        f"Ten hoogste {pct(p.max_share)} van de woningen in een straat (BAG openbare ruimte, "
        "naar het hoofdadres) mag voor deze vormen van bewoning worden gebruikt." + _share_tail(p)
    )


def _area_share(p: Any) -> str:
    if p.group == "area":
        names = f", {quoted(p.zone.names)}" if p.zone and p.zone.names else ""
        group = f"in het gebied (kaartlaag '{p.zone.layer if p.zone else ''}'{names}) waarin de woning ligt"
    else:
        group = {
            "pand": "in hetzelfde pand",
            "gemeente": "in de hele gemeente",
            "entrance": "aan hetzelfde trappenhuis of dezelfde galerij",
        }[p.group]
    text = f"Ten hoogste {pct(p.max_share)} van de woningen {group} mag worden omgezet of verhuurd."
    if p.group == "gemeente":
        text += (
            " De BAG kent geen gemeente per object: tot de gemeente horen de objecten waarvan de "
            f"BAG-identificatie begint met {listing(p.gemeentecodes or (), 'of')}; een aanvraag "
            "daarbuiten valt niet onder deze regel."
        )
    if p.group == "entrance":
        text += (
            " De BAG kent geen trappenhuizen: als één ingang gelden de adressen in hetzelfde pand "
            "met dezelfde straat en hetzelfde huisnummer. Benedenwoningen met een eigen voordeur "
            f"(aanduiding {listing(p.own_entrance, 'of')}) tellen niet mee en vallen niet onder "
            "de regel."
        )
    if p.dwelling_area_over_m2 is not None:
        text += f" Alleen woningen groter dan {p.dwelling_area_over_m2} m² tellen als woning mee."
    if p.min_dwellings:
        text += f" Bij minder dan {p.min_dwellings} woningen geldt de regel niet."
    return text + _share_tail(p)


def _not_adjacent(p: Any) -> str:
    checks = []
    if p.same_pand:
        checks.append("in hetzelfde pand")
    if p.shared_wall:
        checks.append(f"in een aangrenzend pand (panden tot {num(p.tolerance_m)} meter uit elkaar)")
    if p.house_numbers:
        checks.append(
            f"binnen {p.house_numbers} huisnummer(s) aan dezelfde kant van de straat, zodat er "
            f"altijd minstens {p.house_numbers} woning(en) tussen zitten (huisnummers meer dan "
            f"{num(p.max_gap_m)} meter uit elkaar zijn geen buren)"
        )
    return (
        f"Naast de woning ligt geen andere woning met deze bewoning: niet {listing(checks, 'en niet')}."
        f" Mee tellen {counted_nl(p.counted)}."
    )


def _not_enclosed(p: Any) -> str:
    how = []
    if p.shared_wall:
        how.append("aangrenzende panden")
    if p.house_numbers:
        how.append("huisnummerburen aan dezelfde straatkant")
    return (
        "Na verlening mag geen gewone woning aan beide kanten zo'n woning hebben (ingesloten "
        f"raken), gekeken naar {listing(how, 'en')}. In een pand met meer dan "
        f"{p.max_pand_units} verblijfsobjecten (een flat) wordt beoordeeld, omdat de BAG geen "
        f"verdiepingen kent. Mee tellen {counted_nl(p.counted)}."
    )


def _radius_part(p: Any, measured_from: str) -> str:
    text = f"Binnen een straal van {num(p.radius_m)} meter, gemeten {measured_from}"
    return text


def _min_distance(p: Any) -> str:
    if p.parcel_layer is not None:
        how = f"vanaf de kadastrale perceelgrens (kaartlaag '{p.parcel_layer}') tot het andere pand"
    elif p.measure == "footprint":
        how = "tussen de panden (twee woningen in één pand liggen op 0 meter)"
    else:
        how = "tussen de BAG-punten van de verblijfsobjecten"
    text = f"{_radius_part(p, how)}, ligt geen andere woning met deze bewoning."
    if p.parcel_layer is not None:
        text += (
            " Heeft de woning geen perceel in die laag, dan wordt vanaf het pand gemeten en "
            "staat dat in het oordeel."
        )
    text += f" Mee tellen {counted_nl(p.counted)}."
    if p.review_band_m:
        text += (
            f" Ligt de dichtstbijzijnde binnen {num(p.review_band_m)} meter van de grens, dan "
            "wordt beoordeeld (nauwkeurigheid van de BAG-geometrie)."
        )
    else:
        text += f" Op precies {num(p.radius_m)} meter voldoet de aanvraag " + (
            "niet." if p.inclusive else "wel."
        )
    for zr in p.zone_radii:
        text += f" In {zone_nl(zr.zone)} is de straal {num(zr.radius_m)} meter."
    if p.applies_in is not None:
        text += f" De regel geldt alleen in {zone_nl(p.applies_in)}."
    if p.exempt_in is not None:
        text += f" De regel geldt niet in {zone_nl(p.exempt_in)}."
    if p.exempt_from_units is not None:
        text += (
            f" Een pand met {p.exempt_from_units} of meer woningen (een complex) valt buiten "
            "de regel."
        )
    return text


def _facility_distance(p: Any) -> str:
    how = (
        f"vanaf de kadastrale perceelgrens (kaartlaag '{p.parcel_layer}')"
        if p.parcel_layer
        else "vanaf het pand"
    )
    text = (
        f"{_radius_part(p, how + ' tot het pand van de voorziening')}, ligt geen voorziening: een "
        f"verblijfsobject met {listing(p.gebruiksdoelen, 'of')} volgens de BAG."
    )
    if p.parcel_layer:
        text += " Zonder perceel in die laag wordt vanaf het pand gemeten."
    if p.review_band_m:
        text += f" Binnen {num(p.review_band_m)} meter van de grens wordt beoordeeld."
    for zr in p.zone_radii:
        text += f" In {zone_nl(zr.zone)} is de straal {num(zr.radius_m)} meter."
    if p.exempt_in is not None:
        text += f" De regel geldt niet in {zone_nl(p.exempt_in)}."
    return text


def _zoning(p: Any) -> str:
    text = (
        f"De locatie moet liggen in een bestemming {quoted(p.allowed)} van kaartlaag "
        f"'{p.layer}' (gemeten over het pand{'' if p.measure == 'footprint' else 'punt'})."
    )
    if p.temporary is not None:
        text += (
            f" In {quoted(p.temporary.designations)} kan dat alleen tijdelijk, ten hoogste "
            f"{p.temporary.max_years} jaar."
        )
    return text + " Ligt het pand er maar deels in, dan wordt beoordeeld."


def _closed_area(p: Any) -> str:
    return (
        f"In {zone_nl(p.zone)} worden geen nieuwe vergunningen verleend: {p.label}. Ligt het "
        "pand er deels in, dan wordt beoordeeld."
    )


def _beds(p: Any) -> str:
    parts = []
    if p.min_beds is not None:
        parts.append(f"minstens {p.min_beds}")
    if p.max_beds is not None:
        parts.append(f"ten hoogste {p.max_beds}")
    existing = (
        ", de bedden van bestaande registraties in hetzelfde pand meegeteld"
        if p.include_existing
        else ""
    )
    return f"Op de locatie zijn {listing(parts)} bedden{existing}."


def _livability(p: Any) -> str:
    return (
        "Leefbaarheidstoets: deze regel beslist niet zelf, maar vraagt altijd om een beoordeling. "
        f"Verzameld worden de registraties binnen {num(p.radius_m)} meter van het pand (soort: "
        f"{kinds_nl(p.counted.kinds)}; status: {statuses_nl(p.counted.statuses)}) en de "
        "woningen in die straal. Te wegen: " + "; ".join(p.checklist) + "."
    )


def _permit_required(p: Any) -> str:
    return (
        f"Een vergunning is nodig vanaf {p.min_persons} personen. Bij minder personen is geen "
        "vergunning nodig; dan wordt beoordeeld of de aanvraag wel nodig is."
    )


def _kind_allowed(p: Any) -> str:
    return f"Nieuwe vergunningen worden alleen verleend voor {kinds_nl(p.allowed)}."


def _flat_neighbours(p: Any) -> str:
    return (
        f"In een flat (een pand met {p.min_units} of meer woningen) ligt binnen {p.vertical} "
        f"woningen erboven of eronder, {p.beside} ernaast en {p.diagonal} schuin geen andere "
        f"woning met deze bewoning. De BAG kent geen verdiepingen: staat er in de flat een "
        f"meetellende woning, dan wordt met de plattegronden beoordeeld. Mee tellen "
        f"{counted_nl(p.counted)}."
    )


def _area_attribute(p: Any) -> str:
    bounds = []
    unit = "€ " if p.unit == "€" else ""
    after = "" if p.unit in ("", "€") else f" {p.unit}"
    if p.above is not None:
        bounds.append(f"hoger dan {unit}{num(p.above)}{after}")
    if p.at_most is not None:
        bounds.append(f"ten hoogste {unit}{num(p.at_most)}{after}")
    return (
        f"De {p.label} van het gebied waarin de woning ligt is {listing(bounds)}. De BAG kent "
        f"dit gegeven niet: het komt uit het kenmerk '{p.attribute}' van kaartlaag '{p.layer}'. "
        "Ontbreekt het, dan staat dat in het oordeel en wordt beoordeeld."
    )


WRITERS: dict[str, Callable[[Any], str]] = {
    "dwelling_status": _dwelling_status,
    "max_persons": _max_persons,
    "floor_area_per_person": _floor_area,
    "min_dwelling_area": _min_area,
    "street_share": _street_share,
    "area_share": _area_share,
    "not_adjacent": _not_adjacent,
    "not_enclosed": _not_enclosed,
    "min_distance": _min_distance,
    "facility_distance": _facility_distance,
    "zoning": _zoning,
    "closed_area": _closed_area,
    "beds_per_location": _beds,
    "livability_review": _livability,
    "permit_required": _permit_required,
    "kind_allowed": _kind_allowed,
    "flat_neighbours": _flat_neighbours,
    "area_attribute": _area_attribute,
}


def rule_text(rule: RuleSpec) -> str:
    """The rule in Dutch prose (without its source)."""
    writer = WRITERS.get(rule.type)
    if writer is None:
        return f"Regel van type {rule.type} met parameters {rule.parameters}."
    text = writer(rule.params)
    own = [a for a in rule.assumed if not a.startswith("version.")]
    if own:
        text += (
            " Niet in de bron gevonden en door ons gekozen [default]: "
            + listing(PARAM_NL.get(a, a) for a in own)
            + "."
        )
    return text


def version_text(ruleset: Ruleset, version: RulesetVersion) -> VersionText:
    until = f" tot en met {date_nl(version.valid_until)}" if version.valid_until else ""
    intro = (
        f"Geldig vanaf {date_nl(version.valid_from)}{until}. Bron: {version.source}. De regels "
        f"gelden voor {kinds_nl(version.kinds)}."
    )
    if version.assumed:
        intro += (
            " Niet in de bron gevonden en door ons gekozen [default]: "
            + listing(
                {"valid_from": "de begindatum", "valid_until": "de einddatum"}[a]
                for a in version.assumed
            )
            + "."
        )
    return VersionText(
        version=version.version,
        heading=f"{ruleset.name}, versie {version.version}",
        intro=intro,
        rules=tuple(
            RuleText(r.id, r.type, rule_text(r), r.source, r.assumed) for r in version.rules
        ),
    )


def explain(ruleset: Ruleset, version: str | None = None) -> list[VersionText]:
    """Every version (or the one named) of ``ruleset`` as prose."""
    versions = [ruleset.version_named(version)] if version else list(ruleset.versions)
    return [version_text(ruleset, v) for v in versions]


def explain_plain(ruleset: Ruleset, version: str | None = None) -> str:
    lines = [f"{ruleset.name} (gemeente {ruleset.gemeentecode}, regelset {ruleset.id})", ""]
    for v in explain(ruleset, version):
        lines += [f"## Versie {v.version}", "", v.intro, ""]
        for n, r in enumerate(v.rules, 1):
            lines += [f"{n}. {r.text} (regel '{r.id}', {r.type}; bron: {r.source})", ""]
    return "\n".join(lines).rstrip() + "\n"


def explain_html(ruleset: Ruleset, version: str | None = None) -> str:
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="nl"><head><meta charset="utf-8">',
        f"<title>{e(ruleset.name)}</title>",
        "<style>body{font-family:sans-serif;max-width:46em;margin:2em auto;line-height:1.5}"
        "cite{display:block;color:#555;font-size:.9em}li{margin-bottom:1em}</style>",
        "</head><body>",
        f"<h1>{e(ruleset.name)}</h1>",
        f"<p>Gemeente {e(ruleset.gemeentecode)}, regelset <code>{e(ruleset.id)}</code>.</p>",
    ]
    for v in explain(ruleset, version):
        parts += [f"<section><h2>Versie {e(v.version)}</h2>", f"<p>{e(v.intro)}</p>", "<ol>"]
        for r in v.rules:
            parts.append(
                f'<li id="{e(v.version)}-{e(r.id)}"><p>{e(r.text)}</p>'
                f"<cite>Regel <code>{e(r.id)}</code> ({e(r.type)}); bron: {e(r.source)}</cite></li>"
            )
        parts += ["</ol></section>"]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
