"""The share arithmetic used by street_share and area_share: exact fractions, rounding, headroom."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction

from spreidingstoets.model import Evidence, RuleOutcome
from spreidingstoets.ruletypes.base import RuleSpec, outcome


@functools.lru_cache(maxsize=64)
def _fraction(share: Decimal) -> Fraction:
    return Fraction(share)


def allowed_count(share: Decimal, total: int, rounding: str) -> Fraction:
    """How many regulated dwellings the group may hold; a Fraction under ``exact``."""
    raw = _fraction(share) * total
    if rounding == "exact":
        return raw
    if rounding == "floor":
        return Fraction(math.floor(raw))
    if rounding == "ceil":
        return Fraction(math.ceil(raw))
    return Fraction(math.floor(raw + Fraction(1, 2)))  # half_up


def share_verdict(
    rule: RuleSpec,
    share: Decimal,
    rounding: str,
    existing: int,
    total: int,
    allowed: Fraction,
    where: str,
    evidence: list[Evidence],
    extra: dict[str, object],
    fmt: Callable[[float], str],
) -> RuleOutcome:
    after = existing + 1
    measured = {
        "dwellings": total,
        "existing": existing,
        "after": after,
        "share_after": float(Fraction(after, total)) if total else None,
        "allowed_count": float(allowed),
        "headroom": math.floor(allowed) - after if allowed >= 0 else None,
        **extra,
    }
    limit = {"max_share": float(share), "rounding": rounding}
    ok = total > 0 and after <= allowed
    text = (
        f"In {where} zijn {total} woningen, waarvan {existing} al meetellen; met deze aanvraag "
        f"{after} ({fmt(after / total) if total else '-'}). Toegestaan: {fmt(float(share))}"
        f" = {float(allowed):g} woningen (afronding {rounding})."
    )
    return outcome(
        rule, "pass" if ok else "fail", text, measured=measured, limit=limit, evidence=evidence
    )
