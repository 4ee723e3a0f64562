"""The number of beds at the location lies within a minimum and/or maximum (Westland, Aalsmeer).

Westland: new large locations of 100 to 350 beds; Aalsmeer: a kamerverhuurbedrijf has at most
250 beds per location. The location is the pand (or panden) of the application; with
``include_existing`` the beds of counted register entries in those panden (the applicant's own
address included: several permits on one location add up), valid during the application's
period, are added; the application's own entry (same kenmerk) is not. Beds are the application's ``beds``, or its
persons when no beds are given; the same holds for register entries. A unit with several
counted entries (say a permit and its pending renewal) counts once, with its highest number.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field, model_validator

from spreidingstoets.domain.model import RuleOutcome
from spreidingstoets.domain.register import RegisterEntry
from spreidingstoets.domain.vocabulary import Outcome
from spreidingstoets.ruletypes.base import Context, Counted, RuleSpec, Strict, outcome
from spreidingstoets.ruletypes.bulk import (
    OUTCOME_DTYPE,
    BulkContext,
    BulkOutcome,
    expand,
    unique_pairs,
)

NAME = "beds_per_location"
FIGURES = ("beds_existing", "beds_total")


class Params(Strict):
    min_beds: int | None = Field(
        default=None, ge=1, description="least beds at the location (Westland 100)"
    )
    max_beds: int | None = Field(
        default=None, ge=1, description="most beds at the location (Westland 350, Aalsmeer 250)"
    )
    include_existing: bool = Field(
        default=True, description="add the beds of counted register entries in the same pand(en)"
    )
    counted: Counted = Field(
        default=Counted.model_validate({}), description="which register entries count as existing"
    )

    @model_validator(mode="after")
    def _range(self) -> Params:
        if self.min_beds is None and self.max_beds is None:
            raise ValueError("geef min_beds, max_beds of allebei")
        if (
            self.min_beds is not None
            and self.max_beds is not None
            and self.min_beds > self.max_beds
        ):
            raise ValueError(
                f"min_beds ({self.min_beds}) mag niet groter zijn dan max_beds ({self.max_beds})"
            )
        return self


def _beds(n: int) -> str:
    return f"{n} bed" if n == 1 else f"{n} bedden"


def entry_beds(e: RegisterEntry) -> int | None:
    return e.beds if e.beds is not None else e.persons


def evaluate(rule: RuleSpec, p: Params, ctx: Context) -> RuleOutcome:
    ds, reg, app = ctx.dataset, ctx.register, ctx.application
    own = app.beds if app.beds is not None else app.persons
    from_persons = app.beds is None
    fps = ctx.footprints
    panden = [ds.footprint_identificatie(int(f)) for f in fps]

    evidence = []
    existing = 0
    unknown = 0  # units whose counted entries give neither beds nor persons
    n_entries = 0
    units: np.ndarray = np.zeros(0, np.int64)
    if p.include_existing and len(fps):
        # Registrations on the applicant's own address count too (several permits on one
        # location); only the application's own entry (its kenmerk) does not.
        units = np.unique(ds.fp_units.gather(fps))
        mask = reg.entry_mask(ctx.period, p.counted.kinds, p.counted.statuses) & np.isin(
            reg.unit, units
        )
        for row in reg.entry_rows(ctx.unit):
            if app.reference and reg.entries[row].reference == app.reference:
                mask[row] = False
        per_unit: dict[int, list[RegisterEntry]] = {}
        for i in np.flatnonzero(mask):
            per_unit.setdefault(int(reg.unit[i]), []).append(reg.entries[i])
        for u in sorted(per_unit, key=lambda u: ds.unit_label(u)):
            entries = per_unit[u]
            known = [b for b in (entry_beds(e) for e in entries) if b is not None]
            best = max(known) if known else None
            if best is None:
                unknown += 1
            else:
                existing += best
            counted_id = next((e.id for e in entries if entry_beds(e) == best), None)
            for e in entries:
                n_entries += 1
                evidence.append(
                    ctx.evidence(
                        "same_pand",
                        u,
                        register_id=e.id,
                        kind=e.kind,
                        status=e.status,
                        beds=e.beds,
                        persons=e.persons,
                        reference=e.reference,
                        counted=best is not None and e.id == counted_id,
                    )
                )
    total = own + existing
    measured = {
        "beds_application": own,
        "beds_source": "persons" if from_persons else "beds",
        "beds_existing": existing if p.include_existing else None,
        "beds_total": total,
        "existing_entries": n_entries,
        "existing_units": len({ev.verblijfsobject for ev in evidence}),
        "existing_unknown": unknown,
        "panden": panden,
    }
    limit = {"min_beds": p.min_beds, "max_beds": p.max_beds, "include_existing": p.include_existing}

    own_text = f"Deze aanvraag: {own} bedden" + (
        " (geen aantal bedden opgegeven; het aantal personen is gebruikt)" if from_persons else ""
    )
    if not p.include_existing:
        loc_text = " Bestaande bedden op de locatie tellen niet mee."
    elif not len(fps):
        loc_text = " De eenheid heeft geen pand in de BAG; alleen deze aanvraag telt."
    else:
        loc_text = (
            f" Bestaand in hetzelfde pand ({', '.join(panden)}): {existing} bedden"
            f" in {n_entries} registratie(s)"
            + (f", van {unknown} adres(sen) is het aantal onbekend" if unknown else "")
            + f". Totaal {total} bedden."
        )
    if p.min_beds is not None and p.max_beds is not None:
        range_text = f"van {p.min_beds} tot en met {p.max_beds} bedden"
    elif p.min_beds is not None:
        range_text = f"minimaal {p.min_beds} bedden"
    else:
        range_text = f"maximaal {p.max_beds} bedden"
    text = f"{own_text}.{loc_text} Toegestaan: {range_text} per locatie."

    result: Outcome = "pass"
    if p.max_beds is not None and total > p.max_beds:
        result = "fail"
        text += f" Dat is {_beds(total - p.max_beds)} te veel."
    elif p.min_beds is not None and total < p.min_beds and not unknown:
        result = "fail"
        text += f" Dat is {_beds(p.min_beds - total)} te weinig."
    elif unknown and (p.max_beds is not None or (p.min_beds is not None and total < p.min_beds)):
        result = "review"
        text += " Stel het aantal bedden van de bestaande registraties zonder aantal vast."
    return outcome(rule, result, text, measured=measured, limit=limit, evidence=evidence)


def evaluate_all(rule: RuleSpec, p: Params, bulk: BulkContext) -> BulkOutcome | None:
    """Every candidate at once: the beds of each unit with counted entries (its highest known
    number) summed over the units in the candidate's panden."""
    app = bulk.template
    if app.reference:
        return None  # its own entry must be left out, per application
    ds, reg, units, n = bulk.dataset, bulk.register, bulk.units, bulk.n
    own = app.beds if app.beds is not None else app.persons
    existing = np.zeros(n, np.int64)
    unknown = np.zeros(n, np.int64)
    if p.include_existing:
        rows = np.flatnonzero(reg.entry_mask(bulk.period, p.counted.kinds, p.counted.statuses))
        best = np.full(ds.n_units, -1, np.int64)  # -1: no beds known
        has = np.zeros(ds.n_units, bool)
        for i in rows.tolist():
            u, beds = int(reg.unit[i]), entry_beds(reg.entries[i])
            has[u] = True
            if beds is not None:
                best[u] = max(best[u], beds)
        pos, fps = expand(ds.unit_fps, units)
        at, members = expand(ds.fp_units, fps)
        keys = unique_pairs(pos[at], members, ds.n_units)
        pos_m, m = keys // ds.n_units, keys % ds.n_units
        known = has[m] & (best[m] >= 0)
        existing = np.bincount(pos_m[known], best[m][known], n).astype(np.int64)
        unknown = np.bincount(pos_m, has[m] & (best[m] < 0), n).astype(np.int64)
    total = own + existing
    result = np.full(n, "pass", dtype=OUTCOME_DTYPE)
    too_many = total > p.max_beds if p.max_beds is not None else np.zeros(n, bool)
    too_few = (total < p.min_beds) & (unknown == 0) if p.min_beds is not None else np.zeros(n, bool)
    asks = (unknown > 0) & (
        (p.max_beds is not None)
        | ((total < p.min_beds) if p.min_beds is not None else np.zeros(n, bool))
    )
    result[asks] = "review"
    result[too_few] = "fail"
    result[too_many] = "fail"
    return BulkOutcome(
        result,
        {
            "beds_existing": existing if p.include_existing else np.full(n, np.nan),
            "beds_total": total.astype(np.int64),
        },
    )
