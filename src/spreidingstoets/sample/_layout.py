"""Geometry helpers: streets along the x or y axis with rows of houses on either side.

Shared walls in a terraced row use the very same coordinate values for both houses (computed
once), so the footprints touch exactly, also after a round trip through the XML.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._model import Town, r3, rect

HALF_WIDTH = 8.0  # street axis to facade: the opposite facades are 16 m apart
DEPTH = 9.0
WIDTH = 5.5


def row(
    t: Town,
    opr: str,
    numbers: Sequence[int | tuple[int, str | None]],
    start: float,
    axis: float,
    side: str,
    *,
    width: float = WIDTH,
    depth: float = DEPTH,
    half_width: float = HALF_WIDTH,
    bouwjaar: int = 1965,
    per_house: dict[int, dict[str, Any]] | None = None,
) -> list[tuple[str, str]]:
    """A terraced block: ``len(numbers)`` touching houses, returns [(vbo id, pand id)].

    ``side`` is N or S of a street along x (axis = its y), or E or W of a street along y
    (axis = its x). Houses are laid out in increasing x (N/S) or y (E/W) from ``start``.
    """
    bounds = [r3(start + i * width) for i in range(len(numbers) + 1)]
    if side in ("N", "E"):
        lo, hi = axis + half_width, axis + half_width + depth
    else:
        lo, hi = axis - half_width - depth, axis - half_width
    out = []
    for i, n in enumerate(numbers):
        nr, letter = (n, None) if isinstance(n, int) else n
        if side in ("N", "S"):
            geom = rect(bounds[i], lo, bounds[i + 1], hi)
        else:
            geom = rect(lo, bounds[i], hi, bounds[i + 1])
        kw = dict((per_house or {}).get(nr, {}))
        out.append(t.house(opr, nr, geom, huisletter=letter, bouwjaar=bouwjaar, **kw))
    return out


def detached(
    t: Town,
    opr: str,
    nr: int,
    x0: float,
    axis: float,
    side: str,
    *,
    width: float = 10.0,
    depth: float = 12.0,
    half_width: float = 10.0,
    bouwjaar: int = 1978,
    **kw: Any,
) -> tuple[str, str]:
    """One detached house on a street along x; x0 is its west wall."""
    if side == "N":
        geom = rect(x0, axis + half_width, x0 + width, axis + half_width + depth)
    else:
        geom = rect(x0, axis - half_width - depth, x0 + width, axis - half_width)
    return t.house(opr, nr, geom, bouwjaar=bouwjaar, **kw)
