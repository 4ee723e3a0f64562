"""The permit duty starts at N persons: below that, the application needs no permit.

Groningen, Tilburg and Den Haag (since 1-6-2021; 4 before) require a permit from 3 persons.
From ``min_persons`` on the rule passes (the application is in scope); below it the rule asks
for review, because the other rules then do not decide anything: the officer checks that no
permit is needed instead of granting or refusing one.
"""

from __future__ import annotations

from pydantic import Field

from spreidingstoets.domain.model import RuleOutcome
from spreidingstoets.ruletypes.base import Context, RuleSpec, Strict, outcome

NAME = "permit_required"


class Params(Strict):
    min_persons: int = Field(ge=1, description="the permit duty starts at this many persons")


def evaluate(rule: RuleSpec, p: Params, ctx: Context) -> RuleOutcome:
    persons = ctx.application.persons
    measured = {"persons": persons}
    limit = {"min_persons": p.min_persons}
    if persons >= p.min_persons:
        return outcome(
            rule,
            "pass",
            f"{persons} personen: vergunningplichtig (vanaf {p.min_persons} personen).",
            measured=measured,
            limit=limit,
        )
    return outcome(
        rule,
        "review",
        f"{persons} personen: onder de grens van {p.min_persons} personen is geen vergunning "
        "nodig; de andere regels beslissen dan niets. Stel vast dat de aanvraag buiten de "
        "vergunningplicht valt.",
        measured=measured,
        limit=limit,
    )
