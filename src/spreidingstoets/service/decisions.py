"""Decisions: an officer's grant, refusal or pending status, checked on the register inside its
write lock and stored with that verdict."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from spreidingstoets.domain.model import Application, Verdict
from spreidingstoets.domain.ruleset import Ruleset
from spreidingstoets.domain.vocabulary import parse_decision
from spreidingstoets.engine import evaluate
from spreidingstoets.errors import InputError
from spreidingstoets.service.workspace import Workspace

if TYPE_CHECKING:
    from spreidingstoets.register.db import DecisionResult, LockedRegister


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
    """Record the officer's decision on an application; returns the verdict stored with it.

    ``decision`` is Dutch (``verleend``, ``geweigerd``, ``in-behandeling`` / ``in behandeling``)
    or the English code. The register runs the check inside its write lock, on the register as
    it is at that moment (the cached overlay plus the entries changed since), so the stored
    verdict names the revision it was computed on, and a grant that another officer's decision
    has made impossible is refused rather than recorded. A decision recorded before (the same
    ``idempotency_key``, or the same decision on the same verblijfsobject, kind and kenmerk)
    returns the first verdict and writes nothing.
    """
    outcome = parse_decision(decision)
    if not reference.strip():
        raise InputError(
            "het kenmerk (--kenmerk) mag niet leeg zijn: geef het zaak- of besluitkenmerk"
        )
    if idempotency_key is not None and not idempotency_key.strip():
        raise InputError("idempotentiesleutel is leeg; laat hem weg of geef een sleutel")
    register, ds = ws.register, ws.dataset
    version = ruleset.version_on(app.date)
    view = ws.register_view
    if view.revision is None:
        view.overlay()  # read the whole register once, before the lock; inside, only changes

    def check(locked: LockedRegister) -> Verdict:
        overlay = view.overlay(locked)
        if locked.application is not None:
            # The application's own pending entry is not a neighbour of itself.
            overlay = overlay.with_changes((), locked.label, removed=(locked.application.id,))
        return evaluate(dataclasses.replace(app, received=locked.received), ds, overlay, version)

    result = register.record_decision(
        verblijfsobject_id=ds.unit_identificatie(app.unit),
        kind=app.kind,
        persons=app.persons,
        beds=app.beds,
        valid_from=app.date,
        valid_until=app.valid_until,
        received=app.received,
        reference=reference,
        outcome=outcome,
        actor=actor,
        idempotency_key=idempotency_key,
        check=check,
    )
    return result.verdict, result
