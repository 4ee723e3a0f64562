"""Rulesets: strict YAML files with dated versions (``loader``), and variants (``variant``)."""

from spreidingstoets.ruleset.loader import (
    available_rulesets,
    find_ruleset,
    load_ruleset,
    load_yaml,
    reload_with,
    ruleset_schema,
)
from spreidingstoets.ruleset.variant import RulesetError, Variant

__all__ = [
    "RulesetError",
    "Variant",
    "available_rulesets",
    "find_ruleset",
    "load_ruleset",
    "load_yaml",
    "reload_with",
    "ruleset_schema",
]
