"""The location lies in a zone whose designation allows the use, or in a temporary-deviation zone.

Westland: permanent locations get the designation "huisvesting arbeidsmigranten"; in the
greenhouse zoning ("Agrarisch - Glastuinbouw") housing is allowed only as a temporary deviation
of at most 10 years (emergency housing: 3 years). Designations are matched on normalised text.

The location is the application's pand footprint(s) (``measure: footprint``; the point when the
unit has no footprint) or its point. Outcomes, in this order:

* fully inside allowed zones -> ``pass``;
* fully inside allowed and temporary zones, partly or wholly temporary: the requested end
  (``valid_until``) within ``max_years`` calendar years of the application date -> ``pass``
  naming the deviation and its end; no end given -> ``review``; longer -> ``fail``;
* partly inside zones that allow the use -> ``review``;
* otherwise ``fail``, naming the designations found at the location.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

from pydantic import Field

from spreidingstoets.domain.model import Evidence, RuleOutcome
from spreidingstoets.ruletypes.base import Context, RuleSpec, Strict, fmt_pct, outcome
from spreidingstoets.ruletypes.bulk import BulkContext, BulkOutcome, evaluate_per_location
from spreidingstoets.zoning import ZoneHit, ZoningLayer, normalise_designation

NAME = "zoning"
FIGURES = ("coverage_allowed", "coverage_temporary")

EPS = 1e-6
"""Coverage within this of 0 or 1 counts as outside or inside (floating-point area sums)."""


class Temporary(Strict):
    """Zones where the use is allowed only as a temporary deviation with a maximum term."""

    designations: tuple[str, ...] = Field(
        min_length=1, description='designations, e.g. "Agrarisch - Glastuinbouw" (normalised match)'
    )
    max_years: int = Field(
        ge=1, description="maximum term in calendar years from the application date (10; 3)"
    )


class Params(Strict):
    layer: str = Field(description="name of the zoning layer loaded with the dataset")
    allowed: tuple[str, ...] = Field(
        min_length=1,
        description='designations that allow the use, e.g. "specifieke vorm van wonen - '
        'huisvesting arbeidsmigranten" (normalised match)',
    )
    kinds: tuple[str, ...] | None = Field(
        default=None, description="IMRO kinds to consider, e.g. enkelbestemming; all when left out"
    )
    temporary: Temporary | None = Field(
        default=None,
        description="zones where the use is allowed only temporarily, with a maximum term",
    )
    measure: Literal["footprint", "point"] = Field(
        default="footprint", description="test the pand footprint(s) or the address point"
    )


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def fmt_date(day: dt.date) -> str:
    return day.strftime("%d-%m-%Y")


def located(hits: Sequence[ZoneHit]) -> list[ZoneHit]:
    """Zones that hold part of the location (not those that only touch it)."""
    return [h for h in hits if h.fraction > 0]


def zone_evidence(
    hits: Sequence[ZoneHit], role: dict[int, str | None] | None = None
) -> list[Evidence]:
    out = []
    for h in hits:
        detail: dict[str, object] = {
            "naam": h.naam,
            "kind": h.kind,
            "identificatie": h.identificatie,
            "plan_id": h.plan_id,
            "fraction": round(h.fraction, 4),
        }
        if role is not None:
            detail["role"] = role.get(h.index)
        out.append(Evidence(relation="zone", detail=detail))
    return out


def describe(hits: Sequence[ZoneHit], partial: bool) -> str:
    """'"Wonen" (enkelbestemming, 60,0%), ...' for messages."""
    if not hits:
        return "geen zones"
    parts = []
    for h in hits:
        share = f", {fmt_pct(h.fraction)}" if partial and h.fraction < 1 - EPS else ""
        parts.append(f'"{h.naam}" ({h.kind}{share})')
    return ", ".join(parts)


def quoted(names: Sequence[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


def evaluate(rule: RuleSpec, p: Params, ctx: Context) -> RuleOutcome:
    layer: ZoningLayer = ctx.layer(p.layer)
    app = ctx.application
    geom = ctx.point if p.measure == "point" else ctx.geometry
    is_point = geom.geom_type == "Point"
    measure = "point" if is_point else "footprint"

    allowed_keys = {normalise_designation(n) for n in p.allowed}
    temp = p.temporary
    temp_keys = {normalise_designation(n) for n in temp.designations} if temp else set()
    hits = located(layer.zones_at(geom, None, p.kinds))
    role: dict[int, str | None] = {
        h.index: "allowed"
        if layer.naam_norm[h.index] in allowed_keys
        else "temporary"
        if layer.naam_norm[h.index] in temp_keys
        else None
        for h in hits
    }
    evidence = zone_evidence(hits, role)

    cov_allowed = layer.coverage(geom, p.allowed, p.kinds)
    cov_temp = layer.coverage(geom, temp.designations, p.kinds) if temp else 0.0
    cov_both = (
        layer.coverage(geom, (*p.allowed, *temp.designations), p.kinds) if temp else cov_allowed
    )

    measured: dict[str, object] = {
        "measure": measure,
        "coverage_allowed": round(cov_allowed, 4),
        "zones": [h.naam for h in hits],
    }
    limit: dict[str, object] = {"allowed": list(p.allowed)}
    if temp:
        measured["coverage_temporary"] = round(cov_temp, 4)
        limit.update({"temporary": list(temp.designations), "max_years": temp.max_years})
    where = "Het pand" if measure == "footprint" else "Het adres"
    found = describe(hits, partial=not is_point)

    def done(result: Literal["pass", "fail", "review"], text: str) -> RuleOutcome:
        return outcome(rule, result, text, measured=measured, limit=limit, evidence=evidence)

    if cov_allowed >= 1 - EPS:
        return done(
            "pass",
            f"{where} ligt binnen {quoted(_names(hits, 'allowed', role))}, waar het gebruik is toegestaan.",
        )

    # The temporary deviation, when the location lies (partly) in a temporary zone.
    term: Literal["ok", "unknown", "too_long", "before"] | None = None
    end_max: dt.date | None = None
    if temp and cov_temp > EPS:
        end_max = add_years(app.date, temp.max_years)
        measured["max_end"] = end_max.isoformat()
        measured["valid_until"] = app.valid_until.isoformat() if app.valid_until else None
        if app.valid_until is None:
            term = "unknown"
        elif app.valid_until < app.date:
            term = "before"
        elif app.valid_until <= end_max:
            term = "ok"
        else:
            term = "too_long"
        measured["term"] = term
    temp_names = quoted(_names(hits, "temporary", role) or list(temp.designations if temp else ()))
    fully = cov_both >= 1 - EPS

    if term is not None and fully:
        assert temp is not None and end_max is not None
        span = f"maximaal {temp.max_years} jaar, dus uiterlijk tot en met {fmt_date(end_max)}"
        if cov_temp < 1 - EPS:
            deviation = (
                f"{where} ligt voor {fmt_pct(cov_temp)} in {temp_names} en verder in "
                f"{quoted(_names(hits, 'allowed', role))}; in {temp_names} is het gebruik alleen "
                f"als tijdelijke afwijking toegestaan ({span})"
            )
        else:
            deviation = (
                f"{where} ligt in {temp_names}; daar is het gebruik alleen als tijdelijke "
                f"afwijking toegestaan ({span})"
            )
        if term == "ok":
            assert app.valid_until is not None
            return done(
                "pass",
                f"{deviation}. De gevraagde einddatum {fmt_date(app.valid_until)} valt binnen die termijn; de vergunning is tijdelijk.",
            )
        if term == "unknown":
            return done(
                "review",
                f"{deviation}. Er is geen einddatum opgegeven, dus de termijn is onbekend; vraag de gewenste looptijd op.",
            )
        if term == "before":
            assert app.valid_until is not None
            return done(
                "review",
                f"{deviation}. De opgegeven einddatum {fmt_date(app.valid_until)} ligt vóór de aanvraagdatum {fmt_date(app.date)}; controleer de aanvraag.",
            )
        assert app.valid_until is not None
        if cov_allowed <= EPS:
            return done(
                "fail",
                f"{deviation}. De gevraagde einddatum {fmt_date(app.valid_until)} ligt na die termijn.",
            )

    if cov_allowed > EPS or (term in ("ok", "unknown", "before") and cov_temp > EPS):
        note = ""
        if term == "too_long":
            note = f" De gevraagde tijdelijke termijn is langer dan {temp.max_years if temp else 0} jaar."
        elif term == "unknown":
            note = " Voor het tijdelijke deel is geen einddatum opgegeven."
        elif term == "before":
            note = " De opgegeven einddatum ligt vóór de aanvraagdatum."
        share = cov_both if term in ("ok", "unknown", "before") else cov_allowed
        relevant = [h for h in hits if role.get(h.index)]
        rest = [h for h in hits if not role.get(h.index)]
        return done(
            "review",
            f"{where} ligt maar voor {fmt_pct(share)} in zones die het gebruik (tijdelijk) toestaan: "
            f"{describe(relevant, partial=True)}"
            + (f"; verder in {describe(rest, partial=True)}" if rest else "")
            + f". Beoordeel of de locatie past; toegestaan is {quoted(p.allowed)}.{note}",
        )

    if term == "too_long":
        assert temp is not None and end_max is not None and app.valid_until is not None
        return done(
            "fail",
            f"{where} ligt deels in {temp_names} (tijdelijke afwijking, maximaal {temp.max_years} jaar, tot en met {fmt_date(end_max)}), maar de gevraagde einddatum {fmt_date(app.valid_until)} ligt na die termijn en de rest ligt niet in een toegestane zone: {found}.",
        )
    if not hits:
        return done(
            "fail",
            f"{where} ligt in geen enkele zone van laag '{p.layer}'; het gebruik is alleen toegestaan in {quoted(p.allowed)}.",
        )
    return done(
        "fail", f"{where} ligt in {found}; het gebruik is alleen toegestaan in {quoted(p.allowed)}."
    )


def _names(hits: Sequence[ZoneHit], want: str, role: dict[int, str | None]) -> list[str]:
    seen: dict[str, None] = {}
    for h in hits:
        if role.get(h.index) == want:
            seen.setdefault(h.naam)
    return list(seen)


def evaluate_all(rule: RuleSpec, p: Params, bulk: BulkContext) -> BulkOutcome | None:
    """Once per location: the answer depends only on the footprint and the application's
    dates, so the dwellings of one pand share it. By point, every dwelling is its own
    location: per application."""
    if p.measure != "footprint":
        return None
    return evaluate_per_location(rule, evaluate, FIGURES, bulk)
