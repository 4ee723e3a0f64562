"""Simulation: one hypothetical application at every candidate dwelling, all rules vectorised.

``simulate(dataset, overlay, ruleset, template, candidates)`` is the entry point every
front-end (the CLI, Dask partitions) calls: pure (numpy and shapely, no files), so a partition
of candidates can be simulated anywhere the dataset is loaded and the parts concatenated with
:meth:`SimulationResult.concat`. Each rule runs its rule type's vectorised ``evaluate_all``
(``ruletypes/bulk.py``), or, where that does not cover the parameters, the per-application
``evaluate`` in a loop; ``RuleResult.path`` says which.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from spreidingstoets.dataset.model import Dataset
from spreidingstoets.domain.model import Application
from spreidingstoets.domain.ruleset import Ruleset, RulesetVersion, RuleSpec
from spreidingstoets.engine import ENGINE_VERSION, validate_application
from spreidingstoets.errors import InputError
from spreidingstoets.ruletypes import REGISTRY
from spreidingstoets.ruletypes.base import LayerMissing, RegisterOverlay
from spreidingstoets.ruletypes.bulk import (
    OUTCOME_DTYPE,
    PATH_LOOP,
    PATH_SCREENED,
    PATH_VECTORISED,
    BulkContext,
    BulkOutcome,
    evaluate_each,
    figure_array,
    outcomes,
)

Progress = Callable[[int], None]  # called with the number of candidates just done


@dataclass
class RuleResult:
    """One rule over every candidate."""

    rule: str
    type: str
    outcome: np.ndarray  # pass / fail / review / not_applicable per candidate
    figures: dict[str, np.ndarray]
    path: str  # vectorised | vectorised+exact | per_application | not_applicable
    exact: int = 0  # candidates evaluated per application
    decides: bool = True  # False for a rule that never refuses alone (livability review)

    def take(self, rows: np.ndarray) -> RuleResult:
        return dataclasses.replace(
            self,
            outcome=self.outcome[rows],
            figures={k: v[rows] for k, v in self.figures.items()},
        )


@dataclass
class SimulationResult:
    """Per candidate unit: the overall outcome and every rule's outcome and figures."""

    units: np.ndarray  # dataset rows of the candidates
    overall: np.ndarray  # allowed / review / refused
    rules: list[RuleResult]
    template: Application
    provenance: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.units)

    def rule(self, rule_id: str) -> RuleResult:
        for r in self.rules:
            if r.rule == rule_id:
                return r
        raise KeyError(rule_id)

    def counts(self) -> dict[str, int]:
        """How many candidates got each overall outcome (all three always present)."""
        return {o: int((self.overall == o).sum()) for o in ("allowed", "review", "refused")}

    def classes(self) -> np.ndarray:
        """Per candidate, for maps and tables: ``allowed``, ``open`` (every rule that decides
        passes; only rules that never decide alone, such as a livability review, ask for
        review), ``review`` or ``refused``."""
        out = self.overall.astype("<U8")
        if not len(out):
            return out
        deciding_review = np.zeros(len(self), bool)
        for r in self.rules:
            if r.decides:
                deciding_review |= r.outcome == "review"
        out[(self.overall == "review") & ~deciding_review] = "open"
        return out

    def non_deciding(self) -> list[str]:
        """Ids of the rules that never decide alone (they only ask for review)."""
        return [r.rule for r in self.rules if not r.decides]

    def deciding(self) -> np.ndarray:
        """Per candidate: the rules that decide its outcome (the failing ones when refused,
        those asking for review when review), joined with ', '; '' when allowed."""
        out = np.full(len(self), "", dtype=object)
        for want, overall in (("fail", "refused"), ("review", "review")):
            rows = np.flatnonzero(self.overall == overall)
            if len(rows) == 0:
                continue
            # which rules give ``want``, one bit per rule; joined once per distinct combination
            bits = [r.outcome[rows] == want for r in self.rules]
            if len(bits) < 63:
                code = np.zeros(len(rows), np.int64)
                for k, on in enumerate(bits):
                    code |= on.astype(np.int64) << k
                combos, inverse = np.unique(code, return_inverse=True)
                which = [[bool(c >> k & 1) for k in range(len(bits))] for c in combos.tolist()]
            else:
                found, inverse = np.unique(np.stack(bits, axis=1), axis=0, return_inverse=True)
                which = found.tolist()
            names = [
                ", ".join(r.rule for r, on in zip(self.rules, combo, strict=True) if on)
                for combo in which
            ]
            out[rows] = np.array(names, dtype=object)[inverse.reshape(-1)]
        return out

    def take(self, rows: np.ndarray) -> SimulationResult:
        return dataclasses.replace(
            self,
            units=self.units[rows],
            overall=self.overall[rows],
            rules=[r.take(rows) for r in self.rules],
        )

    @classmethod
    def concat(cls, parts: Sequence[SimulationResult]) -> SimulationResult:
        """Partitions of one simulation (same rules and template) as one result, in order."""
        if not parts:
            raise ValueError("concat needs at least one part")
        first = parts[0]
        rules = [_concat_rule([p.rules[k] for p in parts]) for k in range(len(first.rules))]
        return cls(
            units=np.concatenate([p.units for p in parts]),
            overall=np.concatenate([p.overall for p in parts]),
            rules=rules,
            template=first.template,
            provenance=dict(first.provenance),
        )


def _concat_rule(pieces: Sequence[RuleResult], *, chunks: bool = False) -> RuleResult:
    """One rule's results of the partitions, in order. ``chunks``: the pieces are chunks of
    one run, whose path is screened if any chunk's was (one without candidates to settle
    reports plain vectorised)."""
    r = pieces[0]
    if any(p.rule != r.rule for p in pieces):
        raise ValueError("parts of different simulations")
    figures = {name: _concat_column([p.figures[name] for p in pieces]) for name in r.figures}
    paths = {p.path for p in pieces}
    if chunks and paths == {PATH_VECTORISED, PATH_SCREENED}:
        paths = {PATH_SCREENED}
    r = dataclasses.replace(r, path=next(iter(paths))) if len(paths) == 1 else r
    return dataclasses.replace(
        r,
        outcome=np.concatenate([p.outcome for p in pieces]),
        figures=figures,
        path=r.path if len(paths) == 1 else "+".join(sorted(paths)),
        exact=sum(p.exact for p in pieces),
    )


def _concat_column(cols: list[np.ndarray]) -> np.ndarray:
    kinds = {c.dtype.kind for c in cols if len(c)}
    if len(kinds) > 1:
        if "O" in kinds:
            return np.concatenate([c.astype(object) for c in cols])
        return np.concatenate([c.astype(np.float64) for c in cols])
    return np.concatenate(cols)


def combine_all(rule_outcomes: Sequence[np.ndarray], n: int) -> np.ndarray:
    """The overall outcome per candidate: refused if any rule fails, else review if any asks
    for it, else allowed (``domain.model.combine`` for arrays)."""
    code = np.zeros(n, np.uint8)  # 0 allowed, 1 review, 2 refused: the worst rule wins
    for o in rule_outcomes:
        np.maximum(code, o == "review", out=code)
        code[o == "fail"] = 2
    # one text array made by look-up (nested np.where made three at ten million candidates)
    return np.array(["allowed", "review", "refused"], "<U8")[code]


def evaluate_rule(
    rule: RuleSpec, bulk: BulkContext, *, vectorised: bool = True, advance: Progress | None = None
) -> RuleResult:
    """One rule over every candidate of ``bulk``: vectorised when its rule type covers the
    parameters, else per application."""
    rtype = REGISTRY[rule.type]
    names = rtype.figures
    found: BulkOutcome | None = None
    if bulk.template.kind not in rule.applies_to:
        empty = {k: figure_array([None] * bulk.n) for k in names}
        result = BulkOutcome(outcomes(bulk.n, "not_applicable"), empty, "not_applicable")
    else:
        try:
            if vectorised and rtype.evaluate_all is not None:
                found = rtype.evaluate_all(rule, rule.params, bulk)
            result = found or evaluate_each(rule, rtype.evaluate, names, bulk)
        except LayerMissing as exc:
            raise LayerMissing(f"regel {rule.id!r} ({rule.type}): {exc}") from None
    if advance is not None:
        advance(bulk.n)
    return RuleResult(
        rule.id,
        rule.type,
        compact_outcomes(result.outcome),
        result.figures,
        result.path,
        result.exact,
        rtype.decides,
    )


def compact_outcomes(values: np.ndarray) -> np.ndarray:
    """Rule outcomes in the narrowest string dtype that holds those present: ``pass`` and
    ``fail`` take 16 bytes each, where ``not_applicable`` needs 56 (seven rules over ten
    million dwellings: 3.7 GB in the widest, about 1.3 GB here)."""
    words = [w for w in OUTCOMES if (values == w).any()]
    if sum(int((values == w).sum()) for w in words) != len(values):
        return values.astype(OUTCOME_DTYPE)  # not only outcomes: keep the documented dtype
    width = max((len(w) for w in words), default=len("pass"))
    return values.astype(f"<U{width}")


OUTCOMES = ("pass", "fail", "review", "not_applicable")
CHUNK = 2_000_000  # candidates simulated at a time: bounds the working memory of every rule


def simulate(
    dataset: Dataset,
    overlay: RegisterOverlay,
    ruleset: Ruleset | RulesetVersion,
    template: Application,
    candidates: np.ndarray,
    *,
    vectorised: bool = True,
    advance: Progress | None = None,
    chunk: int = CHUNK,
) -> SimulationResult:
    """The application ``template`` (kind, persons, date, ...; its unit is ignored) placed at
    every unit row in ``candidates``, tested against every rule of the ruleset version valid on
    its date, on the register ``overlay``.

    ``vectorised=False`` runs every rule per application (the reference the vectorised paths
    are tested against). ``advance(n)`` is called as rules finish, n candidates at a time
    (``len(rules) * len(candidates)`` in all). ``chunk``: candidates evaluated at a time.
    """
    version = ruleset.version_on(template.date) if isinstance(ruleset, Ruleset) else ruleset
    if not version.applies_on(template.date):
        raise InputError(
            f"regelset {version.ruleset_id!r} versie {version.span()} geldt niet op {template.date}"
        )
    units = np.asarray(candidates, dtype=np.int64)
    if len(units) and (units.min() < 0 or units.max() >= dataset.n_units):
        raise InputError("kandidaten wijzen naar rijen die niet in de dataset staan")
    validate_application(dataclasses.replace(template, unit=0), dataset)
    # In chunks of candidates, each with its own BulkContext (its geometries and pairs freed
    # before the next); every candidate's outcome is its own, so the chunks join unchanged.
    chunks: list[list[RuleResult]] = []
    for start in range(0, max(len(units), 1), chunk):
        bulk = BulkContext(dataset, overlay, template, units[start : start + chunk], dataset.layers)
        chunks.append(
            [evaluate_rule(r, bulk, vectorised=vectorised, advance=advance) for r in version.rules]
        )
        del bulk
    rules = []
    for k in range(len(version.rules)):  # joined rule by rule, each chunk's piece let go
        pieces = [c[k] for c in chunks]
        rules.append(_concat_rule(pieces, chunks=True) if len(chunks) > 1 else pieces[0])
        for c in chunks:
            c[k] = rules[-1]
    del chunks
    overall = combine_all([r.outcome for r in rules], len(units))
    provenance = {
        "ruleset": version.ruleset_id,
        "ruleset_version": version.version,
        "ruleset_sha256": version.sha256,
        "variant": version.variant,
        "dataset": dataset.dataset_id,
        "dataset_sha256": dataset.sha256,
        "register_revision": overlay.snapshot.revision,
        "engine_version": ENGINE_VERSION,
    }
    return SimulationResult(units, overall, rules, template, provenance)


__all__ = [
    "PATH_LOOP",
    "PATH_VECTORISED",
    "RuleResult",
    "SimulationResult",
    "combine_all",
    "evaluate_rule",
    "simulate",
]
