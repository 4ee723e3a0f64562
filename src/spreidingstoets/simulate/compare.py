"""Two variants (or two rulesets) over the same dwellings: which flip, and in which direction."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spreidingstoets.simulate.core import SimulationResult

# How permissive each class is (SimulationResult.classes): a move up is looser, down stricter.
RANK = {"refused": 0, "review": 1, "open": 2, "allowed": 3}
DIRECTIONS = ("looser", "stricter", "same")


@dataclass
class Comparison:
    """Simulation ``a`` and ``b`` of the same candidates."""

    a: SimulationResult
    b: SimulationResult
    label_a: str
    label_b: str

    def __post_init__(self) -> None:
        if not np.array_equal(self.a.units, self.b.units):
            raise ValueError("a comparison needs two simulations of the same dwellings")

    @property
    def units(self) -> np.ndarray:
        return self.a.units

    def direction(self) -> np.ndarray:
        """Per dwelling: ``looser`` (b is more permissive), ``stricter`` or ``same``."""
        ra = np.vectorize(RANK.__getitem__, otypes=[int])(self.a.classes())
        rb = np.vectorize(RANK.__getitem__, otypes=[int])(self.b.classes())
        if len(ra) == 0:
            return np.zeros(0, "<U8")
        return np.where(rb > ra, "looser", np.where(rb < ra, "stricter", "same")).astype("<U8")

    def counts(self) -> dict[str, int]:
        d = self.direction()
        return {k: int((d == k).sum()) for k in DIRECTIONS}

    def transitions(self) -> dict[tuple[str, str], int]:
        """How many dwellings went from each class under a to each class under b."""
        pairs = zip(self.a.classes().tolist(), self.b.classes().tolist(), strict=True)
        found: dict[tuple[str, str], int] = {}
        for pair in pairs:
            found[pair] = found.get(pair, 0) + 1
        return dict(sorted(found.items(), key=lambda kv: (-kv[1], kv[0])))
