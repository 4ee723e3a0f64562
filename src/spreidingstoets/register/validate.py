"""Validation of register entry fields, shared by the API of ``Register`` and the CSV import."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from ..domain.inputs import MAX_BEDS, MAX_PERSONS
from ..domain.register import RegisterEntry
from ..domain.vocabulary import KINDS, parse_status
from ..errors import InputError, choice_error

_VBO_RE = re.compile(r"\d{16}")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _error(message: str) -> PydanticCustomError:
    # A custom error keeps the message as is (a ValueError would get a "Value error, " prefix).
    return PydanticCustomError("register_entry", "{message}", {"message": message})


def _blank_to_none(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


class EntryFields(BaseModel):
    """The fields of one register entry as a user supplies them (a CSV row or API call)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    verblijfsobject_id: str
    kind: str
    status: str = "granted"
    persons: int | None = None
    beds: int | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None  # last day of validity, inclusive
    source: str = ""
    reference: str = ""
    received: dt.date | None = None  # ontvangstdatum

    @field_validator("verblijfsobject_id", mode="before")
    @classmethod
    def _vbo(cls, value: Any) -> str:
        text = str(value).strip() if value is not None else ""
        if not _VBO_RE.fullmatch(text):
            raise _error(
                f"verwacht een BAG-identificatie van een verblijfsobject van precies 16 cijfers, niet {text!r}"
            )
        return text

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, value: Any) -> str:
        text = str(value).strip() if value is not None else ""
        if text not in KINDS:
            raise _error(choice_error("kind", text, KINDS))
        return text

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, value: Any) -> str:
        """Dutch (``verleend``, ``in behandeling``) or the English code; stored as the code."""
        try:
            return parse_status(str(value).strip() if value is not None else "")
        except InputError as exc:
            raise _error(str(exc)) from None

    @field_validator("persons", "beds", mode="before")
    @classmethod
    def _count(cls, value: Any, info: ValidationInfo) -> Any:
        value = _blank_to_none(value)
        if value is None:
            return None
        # The bound keeps a typing error out of the database (SQLite holds 64-bit integers).
        maximum = MAX_PERSONS if info.field_name == "persons" else MAX_BEDS
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        if not ok and not (isinstance(value, str) and value.isascii() and value.isdigit()):
            raise _error(f"verwacht een geheel getal van 0 of meer, niet {value!r}")
        try:
            number = int(value)
        except ValueError:  # more digits than Python converts (4300): far too large anyway
            number = maximum + 1
        if number > maximum:
            raise _error(f"mag hoogstens {maximum} zijn, niet {value}")
        return number

    @field_validator("valid_from", "valid_until", "received", mode="before")
    @classmethod
    def _date(cls, value: Any) -> Any:
        value = _blank_to_none(value)
        if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
            return value
        text = str(value)
        try:
            if not _DATE_RE.fullmatch(text):
                raise ValueError
            return dt.date.fromisoformat(text)
        except ValueError:
            raise _error(f"verwacht een datum JJJJ-MM-DD, niet {text!r}") from None

    @field_validator("valid_until")
    @classmethod
    def _period(cls, value: dt.date | None, info: ValidationInfo) -> dt.date | None:
        start = info.data.get("valid_from")
        if value is not None and start is not None and value < start:
            raise _error(f"valid_until {value} ligt voor valid_from {start}")
        return value

    @field_validator("source", "reference", mode="before")
    @classmethod
    def _text(cls, value: Any) -> str:
        return "" if value is None else str(value).strip()

    def as_entry(self, entry_id: int, source: str | None = None) -> RegisterEntry:
        """The entry as the engine sees it (``source`` fills in an empty source)."""
        return RegisterEntry(
            id=entry_id,
            verblijfsobject_id=self.verblijfsobject_id,
            kind=self.kind,
            status=self.status,
            persons=self.persons,
            beds=self.beds,
            valid_from=self.valid_from,
            valid_until=self.valid_until,
            source=self.source or source or "",
            reference=self.reference,
            received=self.received,
        )
