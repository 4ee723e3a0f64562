"""The engine: one application + dataset + register snapshot + ruleset version -> Verdict.

Pure: no files, databases, HTTP or clock. Same inputs give the same verdict, to the byte.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from spreidingstoets import __version__
from spreidingstoets.dataset.model import Dataset
from spreidingstoets.domain.model import (
    Application,
    Provenance,
    ResolvedApplication,
    RuleOutcome,
    Verdict,
    combine,
)
from spreidingstoets.domain.register import RegisterSnapshot
from spreidingstoets.domain.ruleset import RulesetVersion, RuleSpec
from spreidingstoets.domain.vocabulary import OVERALL_TEXT
from spreidingstoets.errors import InputError
from spreidingstoets.ruletypes import REGISTRY
from spreidingstoets.ruletypes.base import Context, LayerMissing, RegisterOverlay, outcome

ENGINE_VERSION = __version__


def validate_application(app: Application, dataset: Dataset) -> None:
    if not 0 <= app.unit < dataset.n_units:
        raise InputError(f"de aanvraag wijst naar rij {app.unit}, die niet in de dataset staat")
    if app.persons < 1:
        raise InputError(f"aantal personen moet minstens 1 zijn, niet {app.persons}")
    if app.beds is not None and app.beds < 0:
        raise InputError(f"aantal bedden moet 0 of meer zijn, niet {app.beds}")
    if app.valid_until is not None and app.valid_until < app.date:
        raise InputError(f"einddatum {app.valid_until} ligt voor de ingangsdatum {app.date}")


def _evaluate_rule(rule: RuleSpec, ctx: Context) -> RuleOutcome:
    if ctx.application.kind not in rule.applies_to:
        return outcome(
            rule,
            "not_applicable",
            f"Deze regel geldt voor {', '.join(rule.applies_to)}, niet voor {ctx.application.kind}.",
        )
    try:
        return REGISTRY[rule.type].evaluate(rule, rule.params, ctx)
    except LayerMissing as exc:
        raise LayerMissing(f"regel {rule.id!r} ({rule.type}): {exc}") from None


def evaluate(
    application: Application,
    dataset: Dataset,
    register: RegisterSnapshot | RegisterOverlay,
    version: RulesetVersion,
) -> Verdict:
    """Test one application against every rule of a ruleset version."""
    validate_application(application, dataset)
    if not version.applies_on(application.date):
        raise InputError(
            f"regelset {version.ruleset_id!r} versie {version.span()} geldt niet op {application.date}"
        )
    # A snapshot is overlaid here for one verdict; callers checking many keep the overlay.
    overlay = (
        register
        if isinstance(register, RegisterOverlay)
        else RegisterOverlay.build(dataset, register)
    )
    ctx = Context(dataset, overlay, application, dataset.layers)
    results = [_evaluate_rule(rule, ctx) for rule in version.rules]
    _name_left_out(results, version, ctx)
    overall = combine([r.outcome for r in results])
    failed = ", ".join(f"{r.rule} ({r.type})" for r in results if r.outcome == "fail")
    review = ", ".join(f"{r.rule} ({r.type})" for r in results if r.outcome == "review")
    return Verdict(
        outcome=overall,
        message=OVERALL_TEXT[overall].format(failed=failed, review=review),
        application=resolved(application, dataset),
        rules=results,
        provenance=Provenance(
            ruleset=version.ruleset_id,
            ruleset_version=version.version,
            ruleset_sha256=version.sha256,
            variant=version.variant,
            dataset=dataset.dataset_id,
            dataset_sha256=dataset.sha256,
            register_revision=overlay.snapshot.revision,
            engine_version=ENGINE_VERSION,
        ),
    )


def _name_left_out(results: list[RuleOutcome], version: RulesetVersion, ctx: Context) -> None:
    """Add to each rule the pending applications it left out because they were received after
    this one: the rule is evaluated again as if they counted, and each unit with such an entry
    that this evidence names is listed (relation ``received_later``)."""
    kinds = tuple(sorted({k for rule in version.rules for k in _counted_kinds(rule)}))
    rows = ctx.register.left_out(ctx.period, kinds)
    if not len(rows):
        return
    # the overlay's dates of receipt (with its stand-in for entries that have none)
    received: dict[int, str] = {}
    for row in rows.tolist():
        unit, day = int(ctx.register.unit[row]), str(ctx.register.received[row])
        received[unit] = min(day, received.get(unit, day))
    everyone = Context(
        ctx.dataset,
        ctx.register,
        dataclasses.replace(ctx.application, received=dt.date.max),
        ctx.layers,
    )
    for i, rule in enumerate(version.rules):
        if results[i].outcome == "not_applicable":
            continue
        named = {e.verblijfsobject for e in results[i].evidence}
        units = {
            ctx.dataset.unit_index(e.verblijfsobject)
            for e in _evaluate_rule(rule, everyone).evidence
            if e.verblijfsobject and e.verblijfsobject not in named
        }
        results[i].evidence.extend(
            ctx.evidence(
                "received_later",
                unit,
                ontvangstdatum=received[unit],
                reden="niet meegeteld: in behandeling en later ontvangen dan deze aanvraag",
            )
            for unit in sorted(u for u in units if u in received)
        )


def _counted_kinds(rule: RuleSpec) -> tuple[str, ...]:
    counted = getattr(rule.params, "counted", None)
    kinds: tuple[str, ...] = getattr(counted, "kinds", ())
    return kinds


def resolved(app: Application, ds: Dataset) -> ResolvedApplication:
    u = app.unit
    a = int(ds.unit_hoofdadres[u])
    s = int(ds.unit_street[u])
    return ResolvedApplication(
        verblijfsobject=ds.unit_identificatie(u),
        objecttype=str(ds.unit_type[u]),
        address=ds.unit_label(u),
        nummeraanduiding=ds.addr_id[a].decode() if a >= 0 else None,
        openbare_ruimte=str(ds.street_id[s]) if s >= 0 else None,
        panden=[ds.footprint_identificatie(int(f)) for f in ds.unit_fps.members(u)],
        kind=app.kind,
        persons=app.persons,
        beds=app.beds,
        date=app.date,
        valid_until=app.valid_until,
        received=app.received or app.date,
        exception_reason=app.exception_reason,
        query=app.address_query,
        gebruiksdoel=ds.unit_gebruiksdoelen(u),
        oppervlakte=int(ds.unit_oppervlakte[u]),
        status=str(ds.unit_status[u]),
    )
