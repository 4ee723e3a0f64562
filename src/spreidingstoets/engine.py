"""The engine: one application + dataset + register snapshot + ruleset version -> Verdict.

Pure: no files, databases, HTTP or clock. Same inputs give the same verdict, to the byte.
"""

from __future__ import annotations

from collections import OrderedDict

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
from spreidingstoets.errors import InputError
from spreidingstoets.ruleset import RulesetVersion
from spreidingstoets.ruletypes import REGISTRY
from spreidingstoets.ruletypes.base import Context, LayerMissing, RegisterOverlay, RuleSpec, outcome

ENGINE_VERSION = __version__
_OVERLAYS_KEPT = 4

OVERALL_TEXT = {
    "allowed": "Toegestaan: de aanvraag voldoet aan alle regels.",
    "refused": "Weigeren: de aanvraag voldoet niet aan {failed}.",
    "review": "Nader beoordelen: {review} vraagt om een oordeel van de vergunningverlener.",
}


def overlay_for(dataset: Dataset, snapshot: RegisterSnapshot) -> RegisterOverlay:
    """The register overlay for a snapshot, built once per snapshot object.

    Keyed by the snapshot's identity as well as its revision, so two snapshots that carry the
    same revision label but other entries can never share an overlay; the cached overlay holds
    its snapshot, so the identity cannot be reused while it is cached.
    """
    cache: OrderedDict[tuple[str, int], RegisterOverlay] = dataset.__dict__.setdefault(
        "_overlays", OrderedDict()
    )
    key = (snapshot.revision, id(snapshot))
    overlay = cache.get(key)
    if overlay is None:
        overlay = RegisterOverlay.build(dataset, snapshot)
        cache[key] = overlay
        while len(cache) > _OVERLAYS_KEPT:
            cache.popitem(last=False)
    return overlay


def validate_application(app: Application, dataset: Dataset) -> None:
    if not 0 <= app.unit < dataset.n_units:
        raise InputError(f"application refers to unit row {app.unit}, not in the dataset")
    if app.persons < 1:
        raise InputError(f"persons must be at least 1, got {app.persons}")
    if app.beds is not None and app.beds < 0:
        raise InputError(f"beds must be 0 or more, got {app.beds}")
    if app.valid_until is not None and app.valid_until < app.date:
        raise InputError(f"valid_until {app.valid_until} is before the application date {app.date}")


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
        raise InputError(f"rule {rule.id!r} ({rule.type}): {exc}") from None


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
            f"ruleset {version.ruleset_id!r} version {version.span()} does not apply on {application.date}"
        )
    overlay = register if isinstance(register, RegisterOverlay) else overlay_for(dataset, register)
    ctx = Context(dataset, overlay, application, dataset.layers)
    results = [_evaluate_rule(rule, ctx) for rule in version.rules]
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
        exception_reason=app.exception_reason,
        query=app.address_query,
        gebruiksdoel=ds.unit_gebruiksdoelen(u),
        oppervlakte=int(ds.unit_oppervlakte[u]),
        status=str(ds.unit_status[u]),
    )
