"""Only some kinds of use get a new permit (Rotterdam 2023: room letting for students only).

The rule fails for an application of another kind; give it ``applies_to`` with every kind the
version regulates, so that it is evaluated for them.
"""

from __future__ import annotations

from pydantic import Field

from spreidingstoets.domain.model import RuleOutcome
from spreidingstoets.domain.vocabulary import Kind
from spreidingstoets.ruletypes.base import Context, RuleSpec, Strict, outcome

NAME = "kind_allowed"


class Params(Strict):
    allowed: tuple[Kind, ...] = Field(
        min_length=1, description="kinds of use that may be permitted"
    )


def evaluate(rule: RuleSpec, p: Params, ctx: Context) -> RuleOutcome:
    kind = ctx.application.kind
    allowed = ", ".join(p.allowed)
    ok = kind in p.allowed
    text = (
        f"Soort gebruik {kind}: toegestaan ({allowed})."
        if ok
        else f"Soort gebruik {kind}: nieuwe vergunningen alleen voor {allowed}."
    )
    return outcome(
        rule,
        "pass" if ok else "fail",
        text,
        measured={"kind": kind},
        limit={"allowed": list(p.allowed)},
    )
