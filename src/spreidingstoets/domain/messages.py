"""Pydantic's validation errors in Dutch, for every message a user reads."""

from __future__ import annotations

from typing import Any

_TEMPLATES = {
    "missing": "ontbreekt",
    "extra_forbidden": "onbekende sleutel (niet toegestaan)",
    "greater_than": "moet groter zijn dan {gt}",
    "greater_than_equal": "moet minstens {ge} zijn",
    "less_than": "moet kleiner zijn dan {lt}",
    "less_than_equal": "mag hoogstens {le} zijn",
    "literal_error": "moet een van deze zijn: {expected}",
    "enum": "moet een van deze zijn: {expected}",
    "int_parsing": "moet een geheel getal zijn",
    "int_from_float": "moet een geheel getal zijn",
    "int_parsing_size": "is te groot voor een geheel getal",
    "int_type": "moet een geheel getal zijn",
    "float_parsing": "moet een getal zijn",
    "float_type": "moet een getal zijn",
    "finite_number": "moet een eindig getal zijn",
    "decimal_parsing": "moet een getal zijn",
    "decimal_type": "moet een getal zijn",
    "decimal_max_digits": "heeft te veel cijfers",
    "decimal_max_places": "heeft te veel decimalen",
    "multiple_of": "moet een veelvoud zijn van {multiple_of}",
    "date_future": "moet in de toekomst liggen",
    "union_tag_invalid": "onbekende soort",
    "bool_parsing": "moet waar of onwaar zijn (true/false)",
    "bool_type": "moet waar of onwaar zijn (true/false)",
    "string_type": "moet tekst zijn",
    "string_too_short": "is te kort (minstens {min_length} teken(s))",
    "string_too_long": "is te lang (hoogstens {max_length} teken(s))",
    "string_pattern_mismatch": "heeft niet de juiste vorm (patroon {pattern})",
    "too_short": "moet minstens {min_length} element(en) hebben",
    "too_long": "mag hoogstens {max_length} element(en) hebben",
    "list_type": "moet een lijst zijn",
    "tuple_type": "moet een lijst zijn",
    "dict_type": "moet een mapping (sleutel: waarde) zijn",
    "model_type": "moet een mapping (sleutel: waarde) zijn",
    "model_attributes_type": "moet een mapping (sleutel: waarde) zijn",
    "date_parsing": "is geen datum; gebruik JJJJ-MM-DD",
    "date_from_datetime_parsing": "is geen datum; gebruik JJJJ-MM-DD",
    "date_from_datetime_inexact": "is geen datum; gebruik JJJJ-MM-DD",
    "date_type": "is geen datum; gebruik JJJJ-MM-DD",
}


def dutch(error: Any) -> str:
    """The Dutch text of one pydantic error (``ValidationError.errors()`` item)."""
    kind = error.get("type", "")
    template = _TEMPLATES.get(kind)
    if template is None:
        return str(error.get("msg", "")).removeprefix("Value error, ")
    try:
        return template.format(**(error.get("ctx") or {}))
    except (KeyError, IndexError):
        return template
