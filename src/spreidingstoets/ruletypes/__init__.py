"""The registry of rule types: one module each, registered here and nowhere else."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

from pydantic import BaseModel

from spreidingstoets.domain.model import RuleOutcome
from spreidingstoets.ruletypes import (
    area_attribute,
    area_share,
    beds_per_location,
    closed_area,
    dwelling_status,
    facility_distance,
    flat_neighbours,
    floor_area_per_person,
    kind_allowed,
    livability_review,
    max_persons,
    min_distance,
    min_dwelling_area,
    not_adjacent,
    not_enclosed,
    permit_required,
    street_share,
    zoning,
)
from spreidingstoets.ruletypes.base import Context, RuleSpec


@dataclass(frozen=True)
class RuleType:
    name: str
    description: str
    params: type[BaseModel]
    evaluate: Callable[[RuleSpec, BaseModel, Context], RuleOutcome]


def _register(*modules: ModuleType) -> dict[str, RuleType]:
    return {
        m.NAME: RuleType(m.NAME, (m.__doc__ or "").strip().splitlines()[0], m.Params, m.evaluate)
        for m in modules
    }


REGISTRY: dict[str, RuleType] = _register(
    dwelling_status,
    max_persons,
    floor_area_per_person,
    min_dwelling_area,
    street_share,
    area_share,
    not_adjacent,
    not_enclosed,
    min_distance,
    zoning,
    closed_area,
    beds_per_location,
    livability_review,
    permit_required,
    kind_allowed,
    facility_distance,
    flat_neighbours,
    area_attribute,
)
