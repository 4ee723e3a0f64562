"""The register as it was: its entries at an earlier revision, replayed from the audit log.

Every audit row that changes entries records them before and after (``audit.py``), so applying
the rows up to a revision gives the entries the register held at that revision. A stored
decision's verdict names the revision it was computed on; :func:`snapshot_at` gives that
register back, for replaying the verdict after the register has moved on.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import sqlalchemy as sa

from ..domain.register import RegisterEntry, RegisterSnapshot
from ..errors import InputError, NotFoundError
from .audit import _replay as apply_change
from .db import AuditRecord, Register, _row_to_audit
from .schema import audit_log

_DATES = frozenset(f.name for f in dataclasses.fields(RegisterEntry) if "date" in str(f.type))
_FIELDS = frozenset(f.name for f in dataclasses.fields(RegisterEntry)) - {"id"}


def entry_from_values(entry_id: int, values: dict[str, Any]) -> RegisterEntry:
    """A register entry from the values the audit log records (dates as ISO text)."""
    given = {
        k: (dt.date.fromisoformat(v) if k in _DATES and isinstance(v, str) else v)
        for k, v in values.items()
        if k in _FIELDS
    }
    return RegisterEntry(id=entry_id, **given)  # type: ignore[arg-type]


def snapshot_at(register: Register, revision: int, label: str | None = None) -> RegisterSnapshot:
    """The register's entries as they were at ``revision`` (in id order), from the audit log."""
    with register._read() as conn:
        current = register._current_revision(conn)
        if revision < 0 or revision > current:
            raise InputError(
                f"registerrevisie {revision} bestaat niet (het register is bij revisie {current})"
            )
        rows = conn.execute(
            sa.select(audit_log)
            .where(audit_log.c.revision <= revision)
            .order_by(audit_log.c.id)
            .execution_options(yield_per=500)
        ).mappings()
        state: dict[int, dict[str, Any]] = {}
        for row in rows:
            problem = apply_change(state, dict(row))
            if problem:
                raise InputError(f"auditregel {row['id']}: {problem}; het log kan niet terug")
    entries = tuple(entry_from_values(i, state[i]) for i in sorted(state))
    return RegisterSnapshot(entries, label or register._revision_label(revision))


def audit_record(register: Register, audit_id: int) -> AuditRecord:
    """One audit row by id."""
    with register._read() as conn:
        row = conn.execute(sa.select(audit_log).where(audit_log.c.id == audit_id)).first()
    if row is None:
        raise NotFoundError(f"auditregel {audit_id} bestaat niet")
    return _row_to_audit(row)


def audit_count(register: Register) -> int:
    with register._read() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(audit_log)).scalar_one())


def decisions_of(register: Register, entry_id: int) -> list[AuditRecord]:
    """The decision rows of one entry (application), oldest first."""
    query = (
        sa.select(audit_log)
        .where(audit_log.c.entry_id == entry_id, audit_log.c.action == "decision")
        .order_by(audit_log.c.id)
    )
    with register._read() as conn:
        return [_row_to_audit(r) for r in conn.execute(query)]
