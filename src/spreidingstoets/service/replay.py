"""Replay: recompute a stored decision's verdict from what it names (ruleset version, dataset
sha256, register revision) and say whether it is byte-identical to the stored one."""

from __future__ import annotations

import json
from dataclasses import dataclass

from spreidingstoets.domain.model import Application, verdict_from_json, verdict_json
from spreidingstoets.engine import evaluate
from spreidingstoets.errors import InputError, NotFoundError
from spreidingstoets.register.db import AuditRecord
from spreidingstoets.register.history import audit_record, snapshot_at
from spreidingstoets.ruletypes.base import RegisterOverlay
from spreidingstoets.service.workspace import Workspace


@dataclass(frozen=True)
class Replay:
    audit_id: int
    stored: str  # the verdict JSON as the audit log holds it
    replayed: str | None  # the recomputed verdict JSON (None when it cannot be recomputed)
    problems: tuple[str, ...]  # why it cannot be recomputed, or what differs

    @property
    def identical(self) -> bool:
        return self.replayed is not None and self.replayed == self.stored


def decision_record(ws: Workspace, audit_id: int) -> AuditRecord:
    """The audit row of a stored decision; 404 when there is none with that id."""
    record = audit_record(ws.register, audit_id)
    if record.action != "decision":
        raise NotFoundError(f"auditregel {audit_id} is geen besluit maar {record.action!r}")
    return record


def replay(ws: Workspace, record: AuditRecord) -> Replay:
    """Recompute the verdict stored with a decision, on the register at the revision it names."""
    stored = record.payload
    verdict = verdict_from_json(stored)
    prov, given = verdict.provenance, verdict.application
    ds = ws.dataset
    problems: list[str] = []
    if prov.dataset_sha256 != ds.sha256:
        problems.append(
            f"het besluit is getoetst op dataset {prov.dataset} ({prov.dataset_sha256[:12]}), "
            f"de server heeft {ds.dataset_id} ({ds.sha256[:12]})"
        )
    if prov.variant:
        problems.append(f"het besluit is getoetst met variant {prov.variant!r}")
    version = None
    try:
        version = ws.ruleset(prov.ruleset).version_named(prov.ruleset_version)
    except InputError as exc:
        problems.append(str(exc))
    if version is not None and version.sha256 != prov.ruleset_sha256:
        problems.append(
            f"regelset {prov.ruleset} versie {prov.ruleset_version} is gewijzigd sinds het "
            f"besluit (sha256 {prov.ruleset_sha256[:12]}, nu {version.sha256[:12]})"
        )
    unit = ds.unit_index(given.verblijfsobject)
    if unit < 0:
        problems.append(f"verblijfsobject {given.verblijfsobject} staat niet in de dataset")
    _, _, number = prov.register_revision.partition("@")
    if not number.isdigit():
        problems.append(f"registerrevisie {prov.register_revision!r} is geen databaserevisie")
    if problems or version is None:
        return Replay(record.id, stored, None, tuple(problems))

    snapshot = snapshot_at(ws.register, int(number), prov.register_revision)
    change = json.loads(record.change or '{"entries": []}')["entries"]
    own = [c for c in change if c["id"] == record.entry_id]
    removed = {int(record.entry_id or 0)} if own and own[0]["before"] is not None else set()
    reference = own[0]["after"]["reference"] if own and own[0]["after"] else None
    overlay = RegisterOverlay.build(ds, snapshot)
    if removed:
        overlay = overlay.with_changes((), prov.register_revision, removed=removed)
    app = Application(
        unit=unit,
        kind=given.kind,
        persons=given.persons,
        date=given.date,
        beds=given.beds,
        valid_until=given.valid_until,
        received=given.received,
        exception_reason=given.exception_reason,
        address_query=given.query,
        reference=reference or None,
    )
    again = verdict_json(evaluate(app, ds, overlay, version))
    differs = () if again == stored else ("het herberekende oordeel wijkt af van het opgeslagen",)
    return Replay(record.id, stored, again, differs)


def replay_by_id(ws: Workspace, audit_id: int) -> Replay:
    return replay(ws, decision_record(ws, audit_id))
