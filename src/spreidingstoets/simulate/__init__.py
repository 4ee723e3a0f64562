"""Planner simulations: every dwelling under a ruleset or variant, variants compared, capacity.

The core (:func:`simulate`, :class:`SimulationResult`) is pure and partitionable; outputs
(GeoPackage, GeoJSON, CSV, PNG map, HTML) live in ``simulate/outputs.py``.
"""

from spreidingstoets.simulate.core import RuleResult, SimulationResult, combine_all, simulate

__all__ = ["RuleResult", "SimulationResult", "combine_all", "simulate"]
