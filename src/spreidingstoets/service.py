"""What the CLI and the API share: turning user input into an Application, opening the
register, and running checks. No business rules live here; they are in the engine."""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spreidingstoets.dataset.address import find_address
from spreidingstoets.dataset.model import Dataset
from spreidingstoets.domain.inputs import parse_day, parse_int, parse_kind
from spreidingstoets.domain.model import (
    Application,
    Verdict,
    verdict_from_json,
    verdict_json,
)
from spreidingstoets.domain.register import RegisterEntry, RegisterSnapshot
from spreidingstoets.engine import evaluate
from spreidingstoets.errors import InputError
from spreidingstoets.ruleset import Ruleset

if TYPE_CHECKING:
    from spreidingstoets.register.db import DecisionResult, Register


def make_application(
    ds: Dataset,
    *,
    address: str | None = None,
    verblijfsobject_id: str | None = None,
    kind: str,
    persons: Any,
    date: Any,
    beds: Any = None,
    valid_until: Any = None,
    exception_reason: str | None = None,
) -> Application:
    """Validate user input and resolve the address to a dataset unit."""
    if verblijfsobject_id:
        unit = ds.unit_index(str(verblijfsobject_id))
        if unit < 0:
            raise InputError(
                f"verblijfsobject {verblijfsobject_id} staat niet in de dataset {ds.dataset_id}"
            )
        query = str(verblijfsobject_id)
    elif address:
        unit = find_address(ds, address).unit
        query = address
    else:
        raise InputError("geef een adres of een verblijfsobject-identificatie")
    return Application(
        unit=unit,
        kind=parse_kind(kind),
        persons=parse_int(persons, "aantal personen", 1),
        date=parse_day(date, "datum"),
        beds=None if beds in (None, "") else parse_int(beds, "aantal bedden", 0),
        valid_until=None if valid_until in (None, "") else parse_day(valid_until, "einddatum"),
        exception_reason=exception_reason or None,
        address_query=query,
    )


def check(app: Application, ds: Dataset, snapshot: RegisterSnapshot, ruleset: Ruleset) -> Verdict:
    return evaluate(app, ds, snapshot, ruleset.version_on(app.date))


DECISIONS = {"verleend": "granted", "geweigerd": "refused", "in-behandeling": "pending"}


def decide(
    register: Register,
    app: Application,
    ds: Dataset,
    ruleset: Ruleset,
    decision: str,
    *,
    reference: str,
    actor: str,
    idempotency_key: str | None = None,
) -> tuple[Verdict, DecisionResult]:
    """Check the application on the register as it is, and record the officer's decision.

    The register re-runs the check inside its write lock, so a grant that another officer's
    decision has made impossible in the meantime is refused rather than recorded.
    """
    if decision not in DECISIONS:
        near = difflib.get_close_matches(decision, list(DECISIONS), n=1)
        hint = f"; bedoelt u {near[0]!r}?" if near else ""
        raise InputError(f"onbekend besluit {decision!r}{hint} (geldig: {', '.join(DECISIONS)})")
    version = ruleset.version_on(app.date)

    def recheck(snapshot: RegisterSnapshot) -> str:
        return evaluate(app, ds, snapshot, version).outcome

    # A retry with a known key replays the first decision and its verdict; the register
    # also refuses the key for a different decision.
    stored = register.decision_verdict(idempotency_key) if idempotency_key else None
    if stored is not None:
        verdict = verdict_from_json(stored)
    else:
        verdict = evaluate(app, ds, register.snapshot(), version)
        if decision == "verleend" and verdict.outcome == "refused":
            raise InputError(
                f"verlenen kan niet: {verdict.message} Leg een weigering vast, of pas de aanvraag aan"
            )
    result = register.record_decision(
        verblijfsobject_id=ds.unit_identificatie(app.unit),
        kind=app.kind,
        persons=app.persons,
        beds=app.beds,
        valid_from=app.date,
        valid_until=app.valid_until,
        reference=reference,
        verdict_json=stored or verdict_json(verdict),
        outcome=DECISIONS[decision],
        actor=actor,
        idempotency_key=idempotency_key,
        check=recheck,
    )
    return verdict, result


def gemeente_warning(ruleset: Ruleset, ds: Dataset) -> str | None:
    codes = ds.manifest.get("gemeentecodes") or []
    if codes and ruleset.gemeentecode not in codes:
        return (
            f"let op: regelset {ruleset.id!r} is van gemeente {ruleset.gemeentecode}, de dataset van "
            f"{', '.join(codes)}; de regels worden toegepast als variant op andere gegevens"
        )
    return None


@dataclass(frozen=True)
class SampleRegister:
    """The bundled sample registers (CSV per municipality) as one snapshot."""

    paths: tuple[Path, ...]

    def snapshot(self) -> RegisterSnapshot:
        from spreidingstoets.register.csvio import parse_csv

        entries: list[RegisterEntry] = []
        digest = hashlib.sha256()
        for path in self.paths:
            digest.update(path.read_bytes())
            for row in parse_csv(path):
                entries.append(row.as_entry(len(entries) + 1, f"voorbeeld {path.parent.name}"))
        return RegisterSnapshot(tuple(entries), f"sample@{digest.hexdigest()[:12]}")


def open_snapshot(register: str | None) -> RegisterSnapshot:
    """The register snapshot: a database (path or URL), or the bundled sample registers."""
    if register is None:
        from spreidingstoets.samples import SAMPLE_DIR

        return SampleRegister(tuple(sorted(SAMPLE_DIR.glob("*/register.csv")))).snapshot()
    from spreidingstoets.register.db import Register

    with Register.open(register, create=False) as reg:
        return reg.snapshot()
