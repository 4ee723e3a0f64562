"""A figure of the area (wijk, buurt) the application lies in must be above or below a bound.

Den Haag: new permits only in wijken with an average WOZ value over €310,000. The BAG holds no
WOZ values: the figure is read from an attribute of a polygon layer (``layer``, e.g. wijken
with a column ``woz_gemiddeld``), at the polygon covering the application's BAG point. When the
dataset lacks the layer, no polygon covers the point, or the attribute is empty or not a
number, the verdict says the figure is not available (``measured.not_available``) and asks
for review; it never guesses.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from pydantic import Field, model_validator

from spreidingstoets.domain.model import RuleOutcome
from spreidingstoets.ruletypes.base import Context, RuleSpec, Strict, outcome
from spreidingstoets.ruletypes.floor_area_per_person import fmt_num

NAME = "area_attribute"


class Params(Strict):
    layer: str = Field(description="polygon layer of the areas (optional in the dataset)")
    attribute: str = Field(description="the attribute holding the figure, e.g. woz_gemiddeld")
    label: str = Field(description="what the figure is, in Dutch, e.g. 'gemiddelde WOZ-waarde'")
    unit: str = Field(default="", description="unit for texts, e.g. '€'")
    above: Decimal | None = Field(default=None, description="the figure must be greater than this")
    at_most: Decimal | None = Field(default=None, description="the figure must not exceed this")

    @model_validator(mode="after")
    def _one_bound(self) -> Params:
        if self.above is None and self.at_most is None:
            raise ValueError("geef above of at_most (of beide)")
        return self


def _fmt(p: Params, value: Decimal) -> str:
    number = f"{value:,.0f}".replace(",", ".") if value == value.to_integral() else fmt_num(value)
    return f"{p.unit} {number}".strip() if p.unit == "€" else f"{number} {p.unit}".strip()


def evaluate(rule: RuleSpec, p: Params, ctx: Context) -> RuleOutcome:
    bounds = []
    if p.above is not None:
        bounds.append(f"meer dan {_fmt(p, p.above)}")
    if p.at_most is not None:
        bounds.append(f"ten hoogste {_fmt(p, p.at_most)}")
    need = " en ".join(bounds)
    limit = {
        "layer": p.layer,
        "attribute": p.attribute,
        "above": float(p.above) if p.above is not None else None,
        "at_most": float(p.at_most) if p.at_most is not None else None,
    }
    layer = ctx.layers.get(p.layer)
    hits = layer.zones_at(ctx.point) if layer is not None else []
    value = layer.attribute(p.attribute, hits[0].index) if layer is not None and hits else None
    number: Decimal | None = None
    if value is not None and not isinstance(value, bool):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            number = None
    if layer is None:
        why = f"de dataset heeft geen laag {p.layer!r}"
    elif not hits:
        why = f"geen gebied van laag {p.layer!r} onder het adres"
    elif number is None or not number.is_finite():
        why = f"het gebied {hits[0].naam} heeft geen {p.attribute!r} in laag {p.layer!r}"
    else:
        why = ""
    measured: dict[str, object] = {"gebied": hits[0].naam if hits else None}
    if why:
        measured["value"] = None
        measured["not_available"] = [p.attribute]
        return outcome(
            rule,
            "review",
            f"De {p.label} is niet beschikbaar: {why}; de BAG bevat dit gegeven niet. Stel vast "
            f"of die {need} is.",
            measured=measured,
            limit=limit,
        )
    assert number is not None
    measured["value"] = float(number)
    ok = (p.above is None or number > p.above) and (p.at_most is None or number <= p.at_most)
    text = (
        f"De {p.label} van {hits[0].naam} is {_fmt(p, number)} (laag {p.layer}); vereist is {need}."
    )
    return outcome(rule, "pass" if ok else "fail", text, measured=measured, limit=limit)
