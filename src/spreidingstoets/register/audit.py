"""The audit log as evidence: its hash chain, the record of each change, and its replay.

Every audit row carries ``prev_hash`` (the hash of the row before it; 64 zeros for the first)
and ``hash = sha256(prev_hash + content)``, where ``content`` is the row's canonical text
(:func:`row_content`). A row that changes register entries records them in ``change``::

    {"entries": [{"id": 7, "before": {...} | null, "after": {...} | null}, ...]}

with the entry's values (:func:`entry_values`) before and after; ``before`` null is a new
entry, ``after`` null a removed one. Replaying those changes from the first row gives the
register's entries; :func:`verify` checks both, and says which row is the first bad one.

The canonical text and the entry values are a stored format: changing them breaks every
existing chain, so a change needs a new format and a migration.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
# The columns of an audit row that its hash covers, in this order.
HASHED = (
    "id",
    "at",
    "actor",
    "action",
    "verblijfsobject_id",
    "idempotency_key",
    "payload",
    "revision",
    "entry_id",
    "outcome",
    "request_sha256",
    "change",
)
ENTRY_FIELDS = (
    "verblijfsobject_id",
    "kind",
    "status",
    "persons",
    "beds",
    "valid_from",
    "valid_until",
    "source",
    "reference",
    "received",
)


def text_value(value: Any) -> Any:
    """A value as the log records it (dates as ISO text, CHAR padding stripped)."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return value.strip()  # CHAR columns come back padded from some databases
    return value


def entry_values(entry: Any) -> dict[str, Any]:
    """The values of an entry (a row or a :class:`RegisterEntry`) as the log records them."""
    return {name: text_value(getattr(entry, name)) for name in ENTRY_FIELDS}


def change_text(
    items: Iterable[tuple[int, Mapping[str, Any] | None, Mapping[str, Any] | None]],
) -> str:
    """The ``change`` column: (entry id, values before, values after) per changed entry."""
    entries = [{"id": i, "before": before, "after": after} for i, before, after in items]
    return json.dumps({"entries": entries}, sort_keys=True, ensure_ascii=False)


def row_content(row: Mapping[str, Any]) -> str:
    """The canonical text of an audit row (its hashed columns, in a fixed order)."""
    return json.dumps(
        [text_value(row[name]) for name in HASHED], ensure_ascii=False, separators=(",", ":")
    )


def row_hash(prev_hash: str, row: Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + row_content(row)).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Verification:
    """What :func:`verify` found: ``problem`` is None when the log and the register agree."""

    rows: int
    head: str  # hash of the last row (GENESIS for an empty log): note it down to anchor the log
    problem: str | None = None
    row: int | None = None  # id of the first bad audit row, when the chain is broken there

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify(
    rows: Iterable[Mapping[str, Any]],
    entries: Mapping[int, Mapping[str, Any]],
    revision: int,
) -> Verification:
    """Check the chain of ``rows`` (audit rows in id order), and that replaying their changes
    gives ``entries`` (id -> values, with ``changed_revision``) at register ``revision``."""
    prev, expected_id, last_revision, count = GENESIS, 1, 0, 0
    replayed: dict[int, dict[str, Any]] = {}

    def bad(row: Mapping[str, Any], why: str) -> Verification:
        return Verification(count, prev, f"auditregel {row['id']}: {why}", int(row["id"]))

    for row in rows:
        if row["id"] != expected_id:
            missing = (
                "ontbreekt" if row["id"] > expected_id else "staat dubbel of op de verkeerde plaats"
            )
            return Verification(
                count,
                prev,
                f"auditregel {expected_id} {missing} (gevonden: {row['id']})",
                expected_id,
            )
        if text_value(row["prev_hash"]) != prev:
            return bad(
                row, "verwijst niet naar de hash van de regel ervoor (volgorde of inhoud gewijzigd)"
            )
        if row_hash(prev, row) != text_value(row["hash"]):
            return bad(row, "de inhoud past niet bij haar hash (gewijzigd na het vastleggen)")
        if row["revision"] < last_revision:
            return bad(row, f"registerrevisie {row['revision']} ligt voor die van de regel ervoor")
        problem = _replay(replayed, row)
        if problem:
            return bad(row, problem)
        prev, expected_id, last_revision = text_value(row["hash"]), expected_id + 1, row["revision"]
        count += 1
    if revision != last_revision:
        return Verification(
            count,
            prev,
            f"de registerrevisie is {revision}, maar de laatste auditregel hoort bij revisie "
            f"{last_revision}",
        )
    actual = {i: dict(v) for i, v in entries.items()}
    for entry_id in sorted(set(actual) | set(replayed)):
        if actual.get(entry_id) != replayed.get(entry_id):
            what = (
                "staat in het register maar niet in het auditlog"
                if entry_id not in replayed
                else "is uit het register verdwenen"
                if entry_id not in actual
                else "wijkt af van wat het auditlog vastlegde (direct gewijzigd)"
            )
            return Verification(count, prev, f"registratie {entry_id} {what}")
    return Verification(count, prev)


def _complete(values: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Entry values with every field: rows logged before a field existed lack it (NULL)."""
    return None if values is None else {name: values.get(name) for name in ENTRY_FIELDS}


def _replay(state: dict[int, dict[str, Any]], row: Mapping[str, Any]) -> str | None:
    """Apply one row's change to ``state``; a problem when the row's 'before' does not match."""
    if row["change"] is None:  # rows from before the log recorded changes (migration 0002)
        return None
    for item in json.loads(row["change"])["entries"]:
        entry_id, before, after = item["id"], _complete(item["before"]), _complete(item["after"])
        current = state.get(entry_id)
        if before is None and current is not None:
            return f"voegt registratie {entry_id} toe, die er al was"
        if before is not None:
            known = None if current is None else {k: current[k] for k in ENTRY_FIELDS}
            if known != before:
                return f"de oude waarden van registratie {entry_id} kloppen niet met het log"
        if after is None:
            state.pop(entry_id, None)
        else:
            state[entry_id] = {**after, "changed_revision": row["revision"]}
    return None
