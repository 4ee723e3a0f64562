"""The project's vocabulary: kinds of use, register statuses, outcomes, and their Dutch words.

English codes are what JSON carries; the Dutch words are what officers read and may type.
"""

from __future__ import annotations

from typing import Literal, get_args

Kind = Literal["kamerverhuur", "arbeidsmigranten", "studenten", "omzetting"]
KINDS: tuple[str, ...] = get_args(Kind)

Status = Literal["granted", "tolerated", "pending", "illegal", "revoked", "expired"]
STATUSES: tuple[str, ...] = get_args(Status)
STATUS_NL: dict[str, str] = {
    "granted": "verleend",
    "tolerated": "gedoogd",
    "pending": "in-behandeling",
    "illegal": "illegaal",
    "revoked": "ingetrokken",
    "expired": "verlopen",
}
# Statuses that count by default (DESIGN.md section 2: not revoked or expired).
COUNTED_STATUSES: tuple[str, ...] = ("granted", "tolerated", "pending", "illegal")

# The default dwelling (woning): a verblijfsobject with woonfunctie in one of these statuses.
WONING_GEBRUIKSDOEL = "woonfunctie"
WONING_STATUSES: tuple[str, ...] = (
    "Verblijfsobject in gebruik",
    "Verblijfsobject in gebruik (niet ingemeten)",
)

Outcome = Literal["pass", "fail", "review", "not_applicable"]
Overall = Literal["allowed", "refused", "review"]

OUTCOME_NL: dict[str, str] = {
    "pass": "voldoet",
    "fail": "voldoet niet",
    "review": "beoordelen",
    "not_applicable": "n.v.t.",
}
OVERALL_NL: dict[str, str] = {
    "allowed": "toegestaan",
    "refused": "weigeren",
    "review": "nader beoordelen",
}
OVERALL_TEXT: dict[str, str] = {
    "allowed": "Toegestaan: de aanvraag voldoet aan alle regels.",
    "refused": "Weigeren: de aanvraag voldoet niet aan {failed}.",
    "review": "Nader beoordelen: {review} vraagt om een oordeel van de vergunningverlener.",
}
RELATION_NL: dict[str, str] = {
    "application": "aanvraag",
    "same_street": "zelfde straat",
    "same_pand": "zelfde pand",
    "adjacent_pand": "aangrenzend pand",
    "side_neighbour": "huisnummerbuur",
    "within_distance": "binnen de straal",
    "enclosed_neighbour": "ingesloten woning",
    "enclosing": "sluit in",
    "same_area": "zelfde gebied",
    "zone": "zone",
    "register_entry": "registratie op dit adres",
    "nearby_entry": "registratie in de buurt",
}
# An officer's decision on an application: Dutch word -> register status it leads to.
DECISIONS: dict[str, str] = {
    "verleend": "granted",
    "geweigerd": "refused",
    "in-behandeling": "pending",
}
