"""What users type, validated: one input model for an application, and the parsers it uses.

CLI options, batch rows, golden cases and API bodies all become an :class:`ApplicationInput`;
every problem of one input is reported at once, in Dutch, naming the field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from spreidingstoets.domain.messages import dutch
from spreidingstoets.domain.model import Application
from spreidingstoets.domain.vocabulary import KINDS
from spreidingstoets.errors import InputError, choice_error

MAX_PERSONS = 10_000  # beyond any dwelling or location; keeps numbers inside every database
MAX_BEDS = 100_000
FIELD_NL = {
    "address": "adres",
    "verblijfsobject_id": "verblijfsobject_id",
    "kind": "soort gebruik",
    "persons": "aantal personen",
    "date": "datum",
    "beds": "aantal bedden",
    "valid_until": "einddatum",
    "received": "ontvangstdatum",
    "reason": "reden",
    "reference": "kenmerk",
}


def parse_kind(value: str) -> str:
    kind = str(value).strip().lower()
    if kind not in KINDS:
        raise InputError(choice_error("soort gebruik", str(value), KINDS))
    return kind


def parse_int(value: Any, what: str, minimum: int, maximum: int | None = None) -> int:
    if isinstance(value, bool):
        raise InputError(f"{what} moet een geheel getal zijn, niet {value!r}")
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise InputError(f"{what} moet een geheel getal zijn, niet {value!r}") from None
    if number < minimum:
        raise InputError(f"{what} moet minstens {minimum} zijn, niet {number}")
    if maximum is not None and number > maximum:
        raise InputError(f"{what} mag hoogstens {maximum} zijn, niet {number}")
    return number


def parse_day(value: Any, what: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise InputError(
            f"{what}: {value!r} is geen datum; gebruik JJJJ-MM-DD, bijv. 2026-03-01"
        ) from None


def _check(parse: Any, *args: Any) -> Any:
    """Run a parser inside a pydantic validator: its Dutch message becomes the field's error."""
    try:
        return parse(*args)
    except InputError as exc:
        raise PydanticCustomError("invoer", "{message}", {"message": str(exc)}) from None


def _blank(value: Any) -> Any:
    return None if value is None or (isinstance(value, str) and not value.strip()) else value


class ApplicationInput(BaseModel):
    """An application as typed: an address or a verblijfsobject id, kind, persons, dates."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    address: str | None = None
    verblijfsobject_id: str | None = None
    kind: str
    persons: int
    date: dt.date | None = None  # None: the caller's today
    beds: int | None = None
    valid_until: dt.date | None = None
    received: dt.date | None = None  # ontvangstdatum; None: its date
    reason: str | None = None
    reference: str | None = None  # kenmerk of the case, when the application has one

    @field_validator("address", "verblijfsobject_id", "reason", "reference", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        value = _blank(value)
        return None if value is None else str(value).strip()

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, value: Any) -> str:
        return str(_check(parse_kind, "" if value is None else value))

    @field_validator("persons", mode="before")
    @classmethod
    def _persons(cls, value: Any) -> int:
        if _blank(value) is None:
            raise PydanticCustomError("invoer", "aantal personen ontbreekt")
        return int(_check(parse_int, value, "aantal personen", 1, MAX_PERSONS))

    @field_validator("beds", mode="before")
    @classmethod
    def _beds(cls, value: Any) -> int | None:
        value = _blank(value)
        return (
            None if value is None else int(_check(parse_int, value, "aantal bedden", 0, MAX_BEDS))
        )

    @field_validator("date", "valid_until", "received", mode="before")
    @classmethod
    def _day(cls, value: Any, info: ValidationInfo) -> dt.date | None:
        value = _blank(value)
        return None if value is None else _check(parse_day, value, FIELD_NL[str(info.field_name)])

    @model_validator(mode="after")
    def _consistent(self) -> ApplicationInput:
        if (self.address is None) == (self.verblijfsobject_id is None):
            raise PydanticCustomError(
                "invoer", "geef een adres of een verblijfsobject_id (precies een van beide)"
            )
        if self.valid_until and self.date and self.valid_until < self.date:
            raise PydanticCustomError(
                "invoer",
                "einddatum {until} ligt voor de ingangsdatum {start}",
                {"until": str(self.valid_until), "start": str(self.date)},
            )
        return self

    @classmethod
    def parse(cls, data: Mapping[str, Any], *, where: str = "") -> ApplicationInput:
        """Validate ``data``; one :class:`InputError` lists every problem with its field."""
        try:
            return cls.model_validate(dict(data))
        except ValidationError as exc:
            raise InputError(_problems(exc, where)) from None

    def query(self) -> str:
        return self.verblijfsobject_id or self.address or ""

    def to_application(self, unit: int, today: dt.date, **found: Any) -> Application:
        """The application on dataset row ``unit`` (its date ``today`` when not given);
        ``found`` adds what resolving it found (``address_query``, ``address_corrected``)."""
        return Application(
            unit=unit,
            kind=self.kind,
            persons=self.persons,
            date=self.date or today,
            beds=self.beds,
            valid_until=self.valid_until,
            exception_reason=self.reason,
            reference=self.reference,
            received=self.received,
            **found,
        )


def _problems(exc: ValidationError, where: str) -> str:
    parts = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else ""
        message = error["msg"] if error["type"] == "invoer" else _message(error)
        label = FIELD_NL.get(field, field)
        parts.append(message if not field or label in message else f"{label}: {message}")
    return (f"{where}: " if where else "") + "; ".join(parts)


def _message(error: Any) -> str:
    if error["type"] == "extra_forbidden":
        return f"onbekend veld (geldig: {', '.join(FIELD_NL)})"
    return dutch(error)
