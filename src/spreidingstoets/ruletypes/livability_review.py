"""A leefbaarheidstoets: never decides alone, always asks for review with a checklist and facts.

Tiel weighs the effects on the surroundings (complaints, the street, the building) after the
other rules. This rule gathers what the data can tell: register entries within a radius of the
pand (all statuses by default, because revoked and expired permits are history that matters),
the register history of the unit itself, and the dwellings nearby. Complaint data and other
municipal sources are not linked; the message says so and lists the checklist.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections import Counter
from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from spreidingstoets.domain.model import RuleOutcome
from spreidingstoets.domain.register import RegisterEntry
from spreidingstoets.domain.vocabulary import COUNTED_STATUSES, KINDS, STATUSES
from spreidingstoets.ruletypes.base import (
    Context,
    Counted,
    RuleSpec,
    Strict,
    fmt_m,
    outcome,
)
from spreidingstoets.ruletypes.bulk import BulkContext, BulkOutcome, candidates_within, outcomes

if TYPE_CHECKING:
    from spreidingstoets.dataset.model import Dataset

NAME = "livability_review"
DECIDES = False  # always review: the officer weighs it, the rule never refuses alone
FIGURES = ("nearby_entries", "nearby_units", "dwellings_within_radius", "own_history")

DEFAULT_CHECKLIST: tuple[str, ...] = (
    "Overlast en klachten in de omgeving (meldingen bij gemeente, politie en verhuurder)",
    "Parkeerdruk in de straat en het aantal auto's van de bewoners",
    "Afvalinzameling: voldoende containers en een vaste regeling voor het aanbieden",
    "Geluid en gehorigheid van het gebouw (scheidingswanden, vloeren, buren)",
    "Beheer en bereikbaarheid van de verhuurder of beheerder (contactpersoon, huisregels)",
    "Cumulatie met andere voorzieningen en kamerverhuurpanden in de straat",
    "Aantal ingeschreven bewoners in de BRP tegenover het aangevraagde of vergunde aantal",
)

STATUS_NL = {
    "granted": "verleend",
    "tolerated": "gedoogd",
    "pending": "in behandeling",
    "illegal": "bekend illegaal",
    "revoked": "ingetrokken",
    "expired": "verlopen",
}

NOT_LINKED = (
    "klachtenregistratie",
    "bevolkingsregister (BRP)",
    "parkeerdruk",
    "afvalinzameling",
    "bouwfysica (geluid)",
)


class Params(Strict):
    checklist: tuple[str, ...] = Field(
        default=DEFAULT_CHECKLIST,
        min_length=1,
        description="points the officer must weigh, in Dutch",
    )
    radius_m: float = Field(
        default=100.0,
        ge=0,
        description="register entries within this footprint distance are listed, m",
    )
    counted: Counted = Field(
        default=Counted.model_validate({"statuses": STATUSES}),
        description="register entries to list: all kinds and all statuses by default "
        "(revoked and expired too), on any date",
    )
    max_listed: int = Field(
        default=25,
        ge=0,
        description="nearest register entries listed as evidence; all are counted in the "
        "figures (a dense register holds thousands within 100 m, too many to read or store)",
    )


def _detail(e: RegisterEntry, day: dt.date) -> dict[str, object]:
    return {
        "register_id": e.id,
        "kind": e.kind,
        "status": e.status,
        "persons": e.persons,
        "reference": e.reference,
        "valid_from": e.valid_from.isoformat() if e.valid_from else None,
        "valid_until": e.valid_until.isoformat() if e.valid_until else None,
        # would count under the default (granted, tolerated, pending, illegal; valid that day)
        "active_on_check_date": e.status in COUNTED_STATUSES and e.valid_on(day),
    }


def _counts(values: np.ndarray, order: tuple[str, ...]) -> dict[str, int]:
    """How often each value occurs, in ``order``, leaving out those that do not."""
    counts = Counter(values.tolist())  # a few words: counting beats sorting the objects
    return {v: counts[v] for v in order if counts.get(v)}


def _dwellings_around(ds: Dataset, xy: np.ndarray, r: float) -> np.ndarray:
    """Per point: the dwellings whose BAG point lies within ``r`` of it (itself included),
    counted by one KD-tree over the dwellings' points."""
    tree = ds.derived.get("woning_point_tree", lambda: type(ds.point_tree)(ds.unit_xy[ds.woning]))
    return np.asarray(tree.query_ball_point(xy, r=r + 1e-6, return_length=True), np.int64)


def _status_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {STATUS_NL.get(s, s)}" for s, n in counts.items())


@functools.lru_cache(maxsize=32)
def _numbered(items: tuple[str, ...]) -> str:
    return " ".join(f"{n}) {item}." for n, item in enumerate(items, 1))


def evaluate(rule: RuleSpec, p: Params, ctx: Context) -> RuleOutcome:
    ds, reg = ctx.dataset, ctx.register
    geom = ctx.geometry
    r = p.radius_m
    what = "het adres" if geom.geom_type == "Point" else "het pand"

    # Register history near the application, through an index over units with entries only.
    history = reg.index_for(p.counted.kinds, p.counted.statuses, None)
    near_units, near_dist = history.within(geom, r)
    other = near_units != ctx.unit
    near_units, near_dist = near_units[other], near_dist[other]
    selected = reg.entry_mask(None, p.counted.kinds, p.counted.statuses)
    near_rows, pos = reg.rows_of(near_units)
    keep = selected[near_rows]
    near_rows, row_dist = near_rows[keep], near_dist[pos[keep]]
    # Labels (the tie-break of the listing) only for what may be listed: a dense register
    # holds thousands of entries within the radius, and all of them are only counted.
    listed = np.ones(len(near_rows), bool)
    if len(near_rows) > p.max_listed:
        cutoff = np.sort(row_dist)[p.max_listed - 1] if p.max_listed else -1.0
        listed = row_dist <= cutoff
    nearby: list[tuple[float, str, int, RegisterEntry]] = sorted(
        (d, ds.unit_label(int(reg.unit[i])), i, reg.entries[i])
        for d, i in zip(row_dist[listed].tolist(), near_rows[listed].tolist(), strict=True)
    )[: p.max_listed]
    # Dwellings around: BAG points within r of the application's point (cheap, and a context
    # figure, not a test, so point distance is precise enough).
    xy = ds.unit_xy[ctx.unit]
    dwellings_near = int(_dwellings_around(ds, xy, r)) - int(ds.woning[ctx.unit])
    own_rows = np.array([i for i in reg.entry_rows(ctx.unit) if selected[i]], np.int64)
    own = [reg.entries[i] for i in own_rows]

    evidence = [
        ctx.evidence(
            "register_entry",
            ctx.unit,
            **_detail(e, ctx.application.date),
        )
        for e in own
    ]
    hx, hy = xy.tolist()
    for d, _label, i, e in nearby:
        u = int(reg.unit[i])
        evidence.append(
            ctx.evidence(
                "nearby_entry",
                u,
                distance_m=round(d, 2),
                point_distance_m=round(math.hypot(ds.unit_xy[u, 0] - hx, ds.unit_xy[u, 1] - hy), 2),
                **_detail(e, ctx.application.date),
            )
        )

    near_status = _counts(reg.status[near_rows], STATUSES)
    own_status = _counts(reg.status[own_rows], STATUSES)
    measured = {
        "radius_m": r,
        "nearby_entries": len(near_rows),
        "nearby_listed": len(nearby),
        "nearby_units": len(set(pos[keep].tolist())),
        "nearby_by_status": near_status,
        "nearby_by_kind": _counts(reg.kind[near_rows], tuple(sorted(KINDS))),
        "dwellings_within_radius": dwellings_near,
        "own_history": len(own),
        "own_history_by_status": own_status,
        "available": [
            "register: vergunningen en bekende gevallen (alle datums)",
            "BAG: panden, adressen en woningen binnen de straal (woningen: BAG-punt tot BAG-punt)",
        ],
        "not_available": list(NOT_LINKED),
    }
    limit = {"radius_m": r}

    if len(near_rows):
        facts = (
            f"Binnen {fmt_m(r)} van {what} staan {len(near_rows)} registratie(s) op "
            f"{measured['nearby_units']} adres(sen) ({_status_text(near_status)})"
            + (
                f"; de dichtstbijzijnde is {nearby[0][1]} op {fmt_m(nearby[0][0])}."
                if nearby
                else "."
            )
        )
        if len(near_rows) > p.max_listed:
            facts += f" De {p.max_listed} dichtstbijzijnde staan bij het bewijs."
    else:
        facts = f"Binnen {fmt_m(r)} van {what} staan geen registraties."
    facts += f" In die straal liggen {dwellings_near} andere woningen."
    if own:
        refs = ", ".join(
            f"{STATUS_NL.get(e.status, e.status)} ({e.reference or 'geen kenmerk'})" for e in own
        )
        facts += f" Eerdere registraties op dit adres: {refs}."
    else:
        facts += " Op dit adres staat nog niets in het register."
    checklist = _numbered(p.checklist)
    text = (
        "Leefbaarheidstoets: beoordeel handmatig; deze regel beslist niet zelf. "
        f"{facts} De klachtenregistratie is niet gekoppeld; raadpleeg de klachtenregistratie "
        "van de gemeente, handhaving en de wijkagent. "
        f"Weeg mee: {checklist}"
    )
    return outcome(rule, "review", text, measured=measured, limit=limit, evidence=evidence)


def evaluate_all(rule: RuleSpec, p: Params, bulk: BulkContext) -> BulkOutcome:
    """Every candidate at once: register history by one bulk distance query over the units
    with entries, dwellings around by one KD-tree count over the dwellings' points."""
    ds, reg, units = bulk.dataset, bulk.register, bulk.units
    selected = reg.entry_mask(None, p.counted.kinds, p.counted.statuses)
    per_unit = np.bincount(reg.unit[selected], minlength=ds.n_units)
    history = reg.index_for(p.counted.kinds, p.counted.statuses, None)
    pos, near, _ = candidates_within(bulk, history, p.radius_m)
    other = near != units[pos]
    pos, near = pos[other], near[other]
    entries = np.bincount(pos, per_unit[near], bulk.n).astype(np.int64)
    near_units = np.bincount(pos, per_unit[near] > 0, bulk.n).astype(np.int64)
    around = _dwellings_around(ds, bulk.xy, p.radius_m) - ds.woning[units]
    return BulkOutcome(
        outcomes(bulk.n, "review"),
        {
            "nearby_entries": entries,
            "nearby_units": near_units,
            "dwellings_within_radius": around,
            "own_history": per_unit[units].astype(np.int64),
        },
    )
