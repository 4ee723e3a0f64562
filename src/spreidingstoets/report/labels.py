"""Dutch words and number formats for what an officer reads in a report or on the web page.

One place for both: the HTML report uses these directly, the web page reads them as JSON
(``labels()``), so the page and the report never name a figure differently.
"""

from __future__ import annotations

import math
from typing import Any

from spreidingstoets.domain.vocabulary import (
    OUTCOME_NL,
    OVERALL_NL,
    RELATION_NL,
    STATUS_NL,
)
from spreidingstoets.report.features import ROLES

# A symbol next to every outcome word: the outcome is never told by colour alone.
OUTCOME_SYMBOL: dict[str, str] = {
    "pass": "✓",
    "fail": "✗",
    "review": "?",
    "not_applicable": "–",
}
OVERALL_SYMBOL: dict[str, str] = {"allowed": "✓", "refused": "✗", "review": "?"}

# Keys of ``measured`` and ``limit`` in Dutch (others are shown as they are).
FIGURE_NL: dict[str, str] = {
    "dwellings": "woningen",
    "existing": "al meetellend",
    "after": "na verlening",
    "share_after": "aandeel na verlening",
    "allowed_count": "toegestaan aantal",
    "headroom": "ruimte over",
    "openbare_ruimte": "openbare ruimte",
    "straat": "straat",
    "max_share": "maximaal aandeel",
    "rounding": "afronding",
    "radius_m": "straal (m)",
    "nearest_m": "dichtstbij (m)",
    "nearest_footprint_m": "dichtstbij, pand tot pand (m)",
    "nearest_point_m": "dichtstbij, punt tot punt (m)",
    "within_radius": "binnen de straal",
    "within_band": "binnen de marge",
    "review_band_m": "beoordelingsmarge (m)",
    "inclusive": "grens telt mee",
    "measure": "gemeten vanaf",
    "zone": "zone",
    "persons": "personen",
    "max_persons": "maximaal aantal personen",
    "area_m2": "oppervlakte (m²)",
    "min_m2": "minimale oppervlakte (m²)",
    "oppervlakte": "oppervlakte (m²)",
    "m2_per_person": "m² per persoon",
    "min_m2_per_person": "minimaal m² per persoon",
    "enclosed": "ingesloten woningen",
    "already_enclosed": "al ingesloten",
    "flats": "in een gestapeld gebouw",
    "checked": "bekeken woningen",
    "same_pand": "zelfde pand",
    "adjacent_pand": "aangrenzend pand",
    "side_neighbour": "huisnummerburen",
    "total": "totaal",
    "shared_wall": "gedeelde muren",
    "house_numbers": "huisnummers",
    "tolerance_m": "tolerantie (m)",
    "max_gap_m": "grootste gat (m)",
    "max_pand_units": "maximaal verblijfsobjecten per pand (anders een flat)",
    "block_panden": "panden in het blok",
    "block_complete": "blok helemaal doorzocht",
    "above": "ondergrens",
    "at_most": "bovengrens",
    "attribute": "kenmerk van het gebied",
    "value": "waarde",
    "gebied": "gebied",
    "gebied_id": "gebied (id)",
    "approximation": "benadering",
    "entrance": "ingang",
    "group": "groep",
    "min_dwellings": "minimaal aantal woningen",
    "own_entrance_left_out": "benedenwoningen met eigen voordeur (niet meegeteld)",
    "dwelling_area_over_m2": "alleen woningen groter dan (m²)",
    "gemeentecode": "gemeentecode",
    "gemeentecodes": "gemeentecodes",
    "beside": "woningen ernaast",
    "vertical": "woningen erboven of eronder",
    "diagonal": "woningen schuin",
    "candidates": "te beoordelen woningen",
    "dwellings_in_pand": "woningen in het pand",
    "min_units": "vanaf aantal woningen (flat)",
    "complex_units": "eenheden in het complex",
    "exempt_from_units": "uitgezonderd vanaf eenheden per pand",
    "exempt_in": "geldt niet in",
    "method": "gemeten vanaf",
    "percelen": "percelen",
    "facilities_found": "voorzieningen gevonden",
    "gebruiksdoelen": "gebruiksdoelen",
    "exception_max_persons": "maximaal personen bij uitzondering",
    "exception_min_area_m2": "uitzondering vanaf oppervlakte (m²)",
    "exception_reason": "reden voor de uitzondering",
    "max_persons_at_norm": "maximaal personen volgens de norm",
    "min_persons": "vergunning vanaf personen",
    "kind": "soort gebruik",
    "nearby_entries": "registraties in de buurt",
    "nearby_listed": "daarvan getoond",
    "nearby_units": "adressen met registraties",
    "nearby_by_status": "per status",
    "nearby_by_kind": "per soort",
    "dwellings_within_radius": "woningen binnen de straal",
    "own_history": "registraties op dit adres",
    "own_history_by_status": "op dit adres per status",
    "available": "beschikbaar",
    "not_available": "niet beschikbaar",
    "coverage": "deel in de zone",
    "areas": "gebieden",
    "layer": "laag",
    "closed_areas": "gesloten gebieden",
    "beds": "bedden",
    "min_beds": "minimaal aantal bedden",
    "max_beds": "maximaal aantal bedden",
    "statuses": "statussen",
    "gebruiksdoel": "gebruiksdoel",
    "allowed": "toegestaan in",
    "applies_in": "geldt in",
    "beds_application": "bedden van de aanvraag",
    "beds_existing": "bestaande bedden",
    "beds_source": "bedden volgens",
    "beds_total": "bedden samen",
    "coverage_allowed": "deel in een toegestane bestemming",
    "coverage_temporary": "deel in een tijdelijke bestemming",
    "existing_entries": "bestaande registraties",
    "existing_units": "bestaande adressen",
    "existing_unknown": "registraties buiten de dataset",
    "include_existing": "bestaande locaties tellen mee",
    "max_end": "uiterste einddatum",
    "max_years": "ten hoogste (jaar)",
    "objecttype": "objecttype",
    "oppervlakte_m2": "oppervlakte (m²)",
    "panden": "panden",
    "status": "status",
    "temporary": "tijdelijk toegestaan in",
    "term": "termijn",
    "valid_until": "einddatum",
    "zones": "zones",
}
KIND_NL: dict[str, str] = {
    "kamerverhuur": "kamerverhuur",
    "arbeidsmigranten": "huisvesting arbeidsmigranten",
    "studenten": "studentenhuisvesting",
    "omzetting": "omzetting",
}
VALUE_NL: dict[str, str] = {
    "footprint": "pand",
    "point": "adrespunt",
    "exact": "exact",
    "floor": "naar beneden",
    "ceil": "naar boven",
    "half_up": "afgerond",
    "algemeen": "algemeen",
    "unknown": "onbekend",
    "beds": "opgegeven bedden",
    **STATUS_NL,
}

# Keys and values of an evidence row's details, in Dutch.
DETAIL_NL: dict[str, str] = {
    "status": "status",
    "kind": "soort",
    "persons": "personen",
    "reference": "kenmerk",
    "valid_from": "vanaf",
    "valid_until": "tot en met",
    "geldig_vanaf": "geldig vanaf",
    "naam": "bestemming",
    "role": "rol",
    "fraction": "deel",
    "via": "via",
    "enclosed_by": "ingesloten door",
    "encloses": "sluit in",
    "enclosed_before": "al ingesloten",
    "rank_distance": "huisnummerstappen",
    "within_radius": "binnen de straal",
    "same_pand": "zelfde pand",
    "side_by_parity": "straatkant op even/oneven",
    "flat": "gestapeld",
    "beds": "bedden",
    "oppervlakte": "oppervlakte (m²)",
    "oppervlakte_m2": "oppervlakte (m²)",
    "gebruiksdoel": "gebruiksdoel",
    "counted": "telt mee",
    "active_on_check_date": "geldig op de peildatum",
}
DETAIL_VALUE_NL: dict[str, str] = {
    "house_numbers": "huisnummers",
    "shared_wall": "gedeelde muren",
    "allowed": "toegestaan",
    "temporary": "tijdelijk",
    "other": "andere",
    **STATUS_NL,
}


def number(value: float, decimals: int = 2) -> str:
    """Dutch decimal comma; whole numbers without decimals: 99,95 / 100 / 0,1."""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, int) or (math.isfinite(value) and float(value).is_integer()):
        return f"{int(value):,}".replace(",", ".")
    return f"{value:.{decimals}f}".rstrip("0").replace(".", ",")


def figure(key: str, value: Any) -> str:
    """A measured or limit value as an officer reads it."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, int | float):
        if "share" in key or key.startswith("coverage"):
            return number(float(value) * 100, 1) + "%"
        return number(value)
    if isinstance(value, dict):
        return ", ".join(
            f"{VALUE_NL.get(str(k), k)}: {figure(str(k), v)}" for k, v in value.items()
        )
    if isinstance(value, list | tuple):
        return "; ".join(figure(key, v) for v in value) if value else "–"
    return VALUE_NL.get(str(value), str(value))


def figure_label(key: str) -> str:
    return FIGURE_NL.get(key, key.replace("_", " "))


def labels() -> dict[str, Any]:
    """Every word list above, for the web page."""
    return {
        "outcome": OUTCOME_NL,
        "outcome_symbol": OUTCOME_SYMBOL,
        "overall": OVERALL_NL,
        "overall_symbol": OVERALL_SYMBOL,
        "relation": RELATION_NL,
        "status": STATUS_NL,
        "figure": FIGURE_NL,
        "kind": KIND_NL,
        "value": VALUE_NL,
        "detail": DETAIL_NL,
        "detail_value": DETAIL_VALUE_NL,
        "role": ROLES,
    }
