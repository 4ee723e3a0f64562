"""What a zaaksysteem stores with its zaak for a stored decision, as objects of the ZGW Zaken
API 1.5.1: ZaakObjecten (the adres, with its BAG ``objectIdentificatie``, and each pand),
a ZaakEigenschap per rule (outcome and the measured figures), the resultaat's toelichting and
the zaakgeometrie (the dwelling's point in EPSG:4326). Ready to POST to the zaaksysteem's own
Zaken API; the URLs of the zaak and of the catalogue's types are the zaaksysteem's."""

from __future__ import annotations

from typing import Any

from spreidingstoets.dataset.model import Dataset
from spreidingstoets.domain.model import RuleOutcome, Verdict
from spreidingstoets.domain.vocabulary import OUTCOME_NL, OVERALL_NL, STATUS_NL
from spreidingstoets_api.geo import WGS84, geojson, projector

TOELICHTING_MAX = 1000  # Resultaat.toelichting maxLength


def _figures(rule: RuleOutcome) -> str:
    parts = [
        f"{k}={v}"
        for k, v in {**rule.measured, **{f"grens_{k}": v for k, v in rule.limit.items()}}.items()
        if isinstance(v, int | float | str) and not isinstance(v, bool) and len(str(v)) <= 40
    ]
    return "; ".join(parts)


def zgw_objects(
    ds: Dataset,
    verdict: Verdict,
    decision: str,
    *,
    zaak: str,
    resultaattype: str,
    eigenschap: str,
) -> dict[str, Any]:
    app = verdict.application
    unit = ds.unit_index(app.verblijfsobject)
    objects: list[dict[str, Any]] = []
    address = int(ds.unit_hoofdadres[unit]) if unit >= 0 else -1
    if address >= 0:
        street = int(ds.addr_street[address])
        place = int(ds.addr_woonplaats[address])
        ident: dict[str, Any] = {
            "identificatie": ds.addr_id[address].decode(),
            "wplWoonplaatsNaam": str(ds.woonplaats_naam[place]) if place >= 0 else "",
            "gorOpenbareRuimteNaam": str(ds.street_naam[street]) if street >= 0 else "",
            "huisnummer": int(ds.addr_huisnummer[address]),
        }
        letter, extra, postcode = (
            ds.addr_huisletter[address],
            ds.addr_toevoeging[address],
            ds.addr_postcode[address],
        )
        if letter:
            ident["huisletter"] = str(letter)
        if extra:
            ident["huisnummertoevoeging"] = str(extra)
        if postcode:
            ident["postcode"] = str(postcode)
        objects.append(
            {
                "zaak": zaak,
                "objectType": "adres",
                "relatieomschrijving": "adres van de aanvraag",
                "objectIdentificatie": ident,
            }
        )
    for pand in app.panden:
        objects.append(
            {
                "zaak": zaak,
                "objectType": "pand",
                "relatieomschrijving": "pand van de aanvraag",
                "objectIdentificatie": {"identificatie": pand},
            }
        )
    eigenschappen = [
        {
            "zaak": zaak,
            "eigenschap": f"{eigenschap.rstrip('/')}/{rule.rule}",
            "naam": f"spreidingstoets {rule.rule}",
            "waarde": OUTCOME_NL[rule.outcome]
            + (f" ({figures})" if (figures := _figures(rule)) else ""),
        }
        for rule in verdict.rules
    ]
    prov = verdict.provenance
    text = (
        f"Besluit: {STATUS_NL.get(decision, decision)}. Spreidingstoets: "
        f"{OVERALL_NL[verdict.outcome]}. {verdict.message} (regelset {prov.ruleset} "
        f"{prov.ruleset_version}, register {prov.register_revision})"
    )
    point = geojson(projector(WGS84)(ds.unit_point(unit))) if unit >= 0 else None
    return {
        "zaakobjecten": objects,
        "zaakeigenschappen": eigenschappen,
        "resultaat": {
            "zaak": zaak,
            "resultaattype": resultaattype,
            "toelichting": text[: TOELICHTING_MAX - 1] + "…"
            if len(text) > TOELICHTING_MAX
            else text,
        },
        "zaakgeometrie": point,
    }
