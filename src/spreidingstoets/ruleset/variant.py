"""Variants: a planner's changes to a ruleset, as a first-class, hashable object.

A variant file::

    variant: vijftien-procent
    base: tiel
    set: {straat.max_share: 0.15}
    remove: [leefbaarheid]
    add: []

``--set tiel.straat.max_share=0.15`` on the command line is a variant too, and variants combine
(``Variant.then``). Applying one removes rules, adds rules, then sets parameters, in every
version of the ruleset that holds them. Its ``sha256`` identifies the change; ``diff`` says
which rules and parameters two variants of one ruleset differ in.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from spreidingstoets.errors import InputError, did_you_mean

if TYPE_CHECKING:
    from spreidingstoets.domain.ruleset import Ruleset

SET_PATTERN = re.compile(r"\s*([\w-]+)\.([\w-]+)\.([\w.-]+)\s*=(.*)", re.DOTALL)


class RulesetError(InputError):
    """A ruleset or variant file is invalid; the message lists every problem found."""


class VariantDef(BaseModel):
    """A planner's variant file: parameter changes, rules added or removed."""

    model_config = ConfigDict(extra="forbid")

    variant: str = Field(min_length=1)
    base: str = Field(description="ruleset id the variant applies to")
    description: str | None = None
    set: dict[str, Any] = Field(default_factory=dict, description="'rule.param[.sub]': value")
    remove: list[str] = Field(default_factory=list, description="rule ids to drop")
    add: list[dict[str, Any]] = Field(default_factory=list, description="rules to add")


@dataclass(frozen=True)
class Change:
    """One step of a variant: where it came from (for messages) and what it does."""

    origin: str  # "--set 'tiel.straat.max_share=0.15'" or "--variant variant.yaml"
    set: tuple[tuple[str, str, Any], ...] = ()  # (rule id, dotted param path, value)
    remove: tuple[str, ...] = ()
    add: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Variant:
    """Changes to one ruleset: an id for people, a sha256 for machines, ``apply`` and ``diff``."""

    base: str
    id: str | None = None  # the variant file's name; None for command-line changes only
    changes: tuple[Change, ...] = ()
    labels: tuple[str, ...] = field(default=(), compare=False)

    @property
    def is_empty(self) -> bool:
        return not self.changes

    @property
    def label(self) -> str | None:
        """The name in a verdict's provenance: ``vijftien-procent+tiel.straat.max_share=0.15``."""
        return "+".join(self.labels) if self.labels else None

    @property
    def sha256(self) -> str:
        canonical = json.dumps(
            {
                "base": self.base,
                "changes": [
                    {"set": [list(s) for s in c.set], "remove": list(c.remove), "add": list(c.add)}
                    for c in self.changes
                ],
            },
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(canonical.encode()).hexdigest()

    # -- making ------------------------------------------------------------------------

    @classmethod
    def none(cls, base: str) -> Variant:
        return cls(base=base)

    @classmethod
    def from_sets(cls, base: str, sets: list[str]) -> Variant:
        """``--set RULESET.RULE.PARAM=VALUE`` options (each checked against ``base``)."""
        changes = []
        for item in sets:
            m = SET_PATTERN.fullmatch(item)
            if not m:
                raise RulesetError(
                    f"--set {item!r}: gebruik REGELSET.REGEL.PARAMETER=WAARDE, "
                    "bijv. tiel.straat.max_share=0.15"
                )
            ruleset_id, rule_id, param, value = m.groups()
            if ruleset_id != base:
                raise RulesetError(
                    f"--set {item!r}: noemt regelset {ruleset_id!r}, maar de regelset is {base!r}"
                )
            changes.append(
                Change(f"--set {item!r}", set=((rule_id, param, _parse_value(value.strip())),))
            )
        return cls(base=base, changes=tuple(changes), labels=(",".join(sets),) if sets else ())

    @classmethod
    def from_file(cls, path: Path) -> Variant:
        from spreidingstoets.ruleset.loader import format_errors, load_yaml

        raw = load_yaml(path)
        try:
            vdef = VariantDef.model_validate(raw)
        except ValidationError as exc:
            raise RulesetError("\n".join(format_errors(str(path), exc, raw))) from None
        sets = []
        for key, value in vdef.set.items():
            rule_id, _, param = key.partition(".")
            if not param:
                raise RulesetError(f"{path}: set {key!r}: gebruik REGEL.PARAMETER")
            sets.append((rule_id, param, value))
        change = Change(f"--variant {path}", tuple(sets), tuple(vdef.remove), tuple(vdef.add))
        return cls(base=vdef.base, id=vdef.variant, changes=(change,), labels=(vdef.variant,))

    def then(self, other: Variant) -> Variant:
        """This variant followed by ``other`` (for the same ruleset)."""
        if other.base != self.base:
            raise RulesetError(
                f"variant voor regelset {other.base!r} kan niet op regelset {self.base!r}"
            )
        return Variant(
            base=self.base,
            id=self.id or other.id,
            changes=self.changes + other.changes,
            labels=self.labels + other.labels,
        )

    # -- using -------------------------------------------------------------------------

    def apply(self, data: dict[str, Any]) -> dict[str, Any]:
        """The raw ruleset data with every change applied (``data`` itself is not changed)."""
        if self.is_empty:
            return data
        if data.get("id") != self.base:
            origin = self.changes[0].origin
            raise RulesetError(
                f"{origin}: variant is voor regelset {self.base!r}, niet voor {data.get('id')!r}"
            )
        data = copy.deepcopy(data)
        for change in self.changes:
            _remove(data, change)
            for version in data.get("versions") or []:
                version.setdefault("rules", []).extend(copy.deepcopy(list(change.add)))
            for rule_id, param, value in change.set:
                _set_param(data, rule_id, param.split("."), value, change.origin)
        return data

    def diff(self, other: Variant, ruleset: Ruleset) -> list[str]:
        """What differs between ruleset-under-self and ruleset-under-other, one line each.

        Lines read ``version 2023, regel straat: max_share 0.1 -> 0.15``, ``... regel X alleen in
        <variant>``. ``ruleset`` is the base ruleset as loaded (without a variant).
        """
        from spreidingstoets.ruleset.loader import reload_with

        mine, theirs = reload_with(ruleset, self), reload_with(ruleset, other)
        name_a, name_b = self.label or "basis", other.label or "basis"
        lines = []
        for va, vb in zip(mine.versions, theirs.versions, strict=True):
            rules_a = {r.id: r for r in va.rules}
            rules_b = {r.id: r for r in vb.rules}
            for rule_id in sorted(rules_a.keys() | rules_b.keys()):
                where = f"versie {va.version}, regel {rule_id}"
                if rule_id not in rules_b:
                    lines.append(f"{where}: alleen in {name_a}")
                elif rule_id not in rules_a:
                    lines.append(f"{where}: alleen in {name_b}")
                else:
                    a, b = _flat(rules_a[rule_id].parameters), _flat(rules_b[rule_id].parameters)
                    for key in sorted(a.keys() | b.keys()):
                        if a.get(key) != b.get(key):
                            lines.append(f"{where}: {key} {a.get(key)!r} -> {b.get(key)!r}")
        return lines


def _flat(params: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, dict):
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[prefix + key] = value
    return flat


def _parse_value(text: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def _rule_ids(data: dict[str, Any]) -> list[str]:
    return sorted({r.get("id") for v in data.get("versions") or [] for r in v.get("rules") or []})


def _remove(data: dict[str, Any], change: Change) -> None:
    known = set(_rule_ids(data))
    missing = [r for r in change.remove if r not in known]
    if missing:
        raise RulesetError(
            f"{change.origin}: remove: geen regel(s) {', '.join(missing)} "
            f"(regels: {', '.join(sorted(known))})"
        )
    for version in data.get("versions") or []:
        version["rules"] = [r for r in version.get("rules") or [] if r["id"] not in change.remove]


def _set_param(data: dict[str, Any], rule_id: str, keys: list[str], value: Any, what: str) -> None:
    found = False
    for version in data.get("versions") or []:
        for rule in version.get("rules") or []:
            if rule.get("id") == rule_id:
                node = rule.setdefault("params", {})
                for key in keys[:-1]:
                    node = node.setdefault(key, {})
                    if not isinstance(node, dict):
                        raise RulesetError(f"{what}: {key!r} is geen groep parameters")
                node[keys[-1]] = value
                found = True
    if not found:
        rule_ids = _rule_ids(data)
        raise RulesetError(
            f"{what}: geen regel {rule_id!r} in regelset {data.get('id')!r}"
            f"{did_you_mean(rule_id, rule_ids)} (regels: {', '.join(rule_ids)})"
        )
