"""Decisions: an officer's grant, refusal or pending status, re-checked on the register."""

from __future__ import annotations

from typing import TYPE_CHECKING

from spreidingstoets.domain.model import Application, Verdict, verdict_from_json, verdict_json
from spreidingstoets.domain.register import RegisterSnapshot
from spreidingstoets.domain.ruleset import Ruleset
from spreidingstoets.domain.vocabulary import DECISIONS
from spreidingstoets.engine import evaluate
from spreidingstoets.errors import InputError, choice_error
from spreidingstoets.service.workspace import Workspace

if TYPE_CHECKING:
    from spreidingstoets.register.db import DecisionResult


def decide(
    ws: Workspace,
    app: Application,
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
        raise InputError(choice_error("besluit", decision, DECISIONS))
    if not reference.strip():
        raise InputError(
            "kenmerk is leeg; geef het zaak- of besluitkenmerk, bijv. TIEL-AM-2026-007"
        )
    if idempotency_key is not None and not idempotency_key.strip():
        raise InputError("idempotentiesleutel is leeg; laat hem weg of geef een sleutel")
    register, ds = ws.register, ws.dataset
    version = ruleset.version_on(app.date)

    def recheck(snapshot: RegisterSnapshot) -> str:
        return evaluate(app, ds, snapshot, version).outcome

    # A retry with a known key replays the first decision and its verdict; the register
    # also refuses the key for a different decision.
    stored = register.decision_verdict(idempotency_key) if idempotency_key else None
    if stored is not None:
        verdict = verdict_from_json(stored)
    else:
        verdict = evaluate(app, ds, ws.overlay(), version)
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
