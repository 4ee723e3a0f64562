"""The project's vocabulary: kinds of use, register statuses, outcomes, and their Dutch words.

English codes are what JSON carries; the Dutch words are what officers read and may type.
"""

from __future__ import annotations

import difflib
import unicodedata
from typing import Literal, get_args

from spreidingstoets.errors import InputError

Kind = Literal["kamerverhuur", "arbeidsmigranten", "studenten", "omzetting"]
KINDS: tuple[str, ...] = get_args(Kind)

Status = Literal[
    "granted", "tolerated", "pending", "illegal", "refused", "revoked", "ended", "expired"
]
STATUSES: tuple[str, ...] = get_args(Status)
# Statuses that count by default (DESIGN.md section 2: not revoked or expired). A refused
# application, a revoked or ended permit and an expired one never count.
COUNTED_STATUSES: tuple[str, ...] = ("granted", "tolerated", "pending", "illegal")
STATUS_NL: dict[str, str] = {
    "granted": "verleend",
    "tolerated": "gedoogd",
    "pending": "in behandeling",
    "illegal": "illegaal",
    "refused": "geweigerd",
    "revoked": "ingetrokken",
    "ended": "beëindigd",
    "expired": "verlopen",
}

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
    "received_later": "later ontvangen, telt niet mee",
}
# What an audit row records (its ``action``), for people.
AUDIT_ACTION_NL: dict[str, str] = {
    "add": "toegevoegd",
    "import": "import",
    "decision": "besluit",
    "revoke": "intrekking",
    "end": "beëindiging",
    "migrate": "schema bijgewerkt",
}
# An officer's decision on an application: Dutch word -> register status it leads to.
DECISIONS: dict[str, str] = {
    "verleend": "granted",
    "geweigerd": "refused",
    "in-behandeling": "pending",
}


def _word(text: str) -> str:
    """A typed word in one spelling: lower case, no accents, ``-``/``_``/spaces as one space."""
    plain = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return " ".join(plain.lower().replace("-", " ").replace("_", " ").split())


def _parse(text: str, what: str, names: dict[str, str]) -> str:
    """``text`` as the Dutch word or the English code of one of ``names`` (code -> word)."""
    words = {_word(w): code for code, word in names.items() for w in (code, word)}
    code = words.get(_word(text))
    if code is not None:
        return code
    near = difflib.get_close_matches(_word(text), list(words), n=1)
    hint = f"; bedoelt u {names[words[near[0]]]!r}?" if near else ""
    raise InputError(f"{what} {text!r} bestaat niet{hint} (geldig: {', '.join(names.values())})")


def parse_status(text: str) -> str:
    """A register status typed in Dutch (``verleend``, ``in behandeling``) or as its English
    code (``granted``) -> the code; an :class:`InputError` lists the Dutch words."""
    return _parse(text, "status", STATUS_NL)


def parse_decision(text: str) -> str:
    """An officer's decision (``verleend``, ``geweigerd``, ``in-behandeling`` or ``in
    behandeling``; or ``granted``, ``refused``, ``pending``) -> the status it leads to."""
    return _parse(text, "besluit", {code: word for word, code in DECISIONS.items()})
