"""The share arithmetic used by street_share and area_share: exact fractions, rounding, headroom."""

from __future__ import annotations

import functools
import math
from decimal import Decimal
from fractions import Fraction

import numpy as np

from spreidingstoets.domain.model import RuleOutcome
from spreidingstoets.ruletypes.base import (
    Context,
    Counted,
    Dwelling,
    RuleSpec,
    fmt_num,
    fmt_pct,
    outcome,
)


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


def group_dwellings(
    ctx: Context, members: np.ndarray, dwelling: Dwelling
) -> tuple[np.ndarray, int]:
    """The group's dwellings, and their number after granting: the application is in the
    denominator even when it is not (yet) a dwelling."""
    is_dwelling = ctx.dwellings(dwelling)
    dwellings = members[is_dwelling[members]]
    return dwellings, len(dwellings) + (0 if is_dwelling[ctx.unit] else 1)


def share_verdict(
    rule: RuleSpec,
    ctx: Context,
    dwellings: np.ndarray,
    total: int,
    *,
    share: Decimal,
    rounding: str,
    counted: Counted,
    where: str,
    relation: str,
    extra: dict[str, object],
) -> RuleOutcome:
    """Pass when the counted dwellings of the group plus this one stay within the share."""
    existing_units = dwellings[ctx.is_counted(dwellings, counted)]
    evidence = [ctx.evidence(relation, int(u)) for u in existing_units]
    existing = len(existing_units)
    allowed = allowed_count(share, total, rounding)
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
        f"{after} ({fmt_pct(after / total) if total else '-'}). Toegestaan: {fmt_pct(float(share))}"
        f" = {fmt_num(float(allowed))} woningen (afronding {rounding})."
    )
    return outcome(
        rule, "pass" if ok else "fail", text, measured=measured, limit=limit, evidence=evidence
    )


def share_figures(
    total: np.ndarray, existing: np.ndarray, share: Decimal, rounding: str
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """``share_verdict``'s test and figures for many groups at once, in integer arithmetic
    (share = num/den exactly): (pass per group, figures)."""
    frac = _fraction(share)
    num, den = frac.numerator, frac.denominator
    total = total.astype(np.int64)
    scaled = num * total  # allowed * den
    if rounding == "exact":
        whole = scaled // den
        ok_count = (existing + 1) * den <= scaled
        allowed = scaled / den
    else:
        if rounding == "floor":
            whole = scaled // den
        elif rounding == "ceil":
            whole = -((-scaled) // den)
        else:  # half_up: floor(raw + 1/2)
            whole = (2 * scaled + den) // (2 * den)
        ok_count = existing + 1 <= whole
        allowed = whole.astype(np.float64)
    after = existing + 1
    with np.errstate(divide="ignore", invalid="ignore"):
        share_after = np.where(total > 0, after / np.maximum(total, 1), np.nan)
    figures = {
        "dwellings": total,
        "existing": existing.astype(np.int64),
        "after": after.astype(np.int64),
        "share_after": share_after,
        "allowed_count": allowed,
        "headroom": (whole - after).astype(np.int64),
    }
    return (total > 0) & ok_count, figures
