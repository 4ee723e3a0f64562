"""Rulesets: YAML files with dated versions of rule instances, validated strictly.

A ruleset file (``rules/tiel.yaml``)::

    id: tiel
    name: Gemeente Tiel - verkamering en huisvesting arbeidsmigranten
    gemeentecode: "0281"
    versions:
      - version: "2018"
        valid_from: 2018-04-04
        valid_until: 2022-12-31
        source: CVDR645295
        kinds: [kamerverhuur, arbeidsmigranten, studenten, omzetting]
        rules:
          - id: straat
            type: street_share
            source: CVDR645295, beleidsregel 3
            params: {max_share: 0.10}

Parameters can be overridden (``--set tiel.straat.max_share=0.15``) or changed by a variant
file that sets parameters and adds or removes rules. Every error names the file, the version,
the rule id and the key.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import hashlib
import itertools
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from spreidingstoets.domain.vocabulary import Kind
from spreidingstoets.errors import InputError
from spreidingstoets.ruletypes import REGISTRY
from spreidingstoets.ruletypes.base import RuleSpec

REPO_ROOT = Path(__file__).resolve().parents[2]
RULES_DIR = Path(os.environ.get("SPREIDINGSTOETS_RULES", REPO_ROOT / "rules"))


class RulesetError(InputError):
    """A ruleset or variant file is invalid; the message lists every problem found."""


# ---- YAML with duplicate-key detection ---------------------------------------------------------
class _StrictLoader(yaml.SafeLoader):
    pass


def _construct_mapping(
    loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False
) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise RulesetError(
                f"duplicate key {key!r} at line {key_node.start_mark.line + 1} "
                f"(first at line {seen[key] + 1})"
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# Dates stay text here so that pydantic reports an impossible date with its file, rule and key.
_StrictLoader.add_constructor(
    "tag:yaml.org,2002:timestamp",
    lambda loader, node: loader.construct_scalar(node),  # type: ignore[arg-type]
)


def load_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesetError(f"{path}: cannot read ({exc.strerror})") from exc
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except RulesetError as exc:
        raise RulesetError(f"{path}: {exc}") from None
    except yaml.YAMLError as exc:
        raise RulesetError(f"{path}: not valid YAML ({exc})") from None


# ---- file models ---------------------------------------------------------------------------------
class RuleDef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", description="unique within the version")
    type: str = Field(description="a registered rule type")
    source: str = Field(min_length=1, description="policy reference: document id, article")
    description: str | None = None
    applies_to: list[Kind] | None = Field(
        None, description="kinds of use; default: the version's kinds"
    )
    params: dict[str, Any] = Field(default_factory=dict)

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in REGISTRY:
            near = difflib.get_close_matches(value, list(REGISTRY), n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise ValueError(
                f"unknown rule type {value!r}{hint} (known: {', '.join(sorted(REGISTRY))})"
            )
        return value


class VersionDef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str = Field(min_length=1)
    valid_from: dt.date
    valid_until: dt.date | None = Field(None, description="last day the version applies, inclusive")
    source: str = Field(min_length=1)
    kinds: list[Kind] = Field(min_length=1, description="kinds of use this version regulates")
    rules: list[RuleDef] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> VersionDef:
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise ValueError(
                f"valid_until {self.valid_until} is before valid_from {self.valid_from}"
            )
        ids = [r.id for r in self.rules]
        dups = sorted({i for i in ids if ids.count(i) > 1})
        if dups:
            raise ValueError(f"duplicate rule id(s): {', '.join(dups)}")
        return self


class RulesetDef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str
    gemeentecode: str = Field(pattern=r"^\d{4}$")
    description: str | None = None
    versions: list[VersionDef] = Field(min_length=1)

    @model_validator(mode="after")
    def _no_overlap(self) -> RulesetDef:
        spans = sorted(self.versions, key=lambda v: v.valid_from)
        for a, b in itertools.pairwise(spans):
            if a.valid_until is None or a.valid_until >= b.valid_from:
                raise ValueError(
                    f"versions {a.version!r} and {b.version!r} overlap; give {a.version!r} a "
                    f"valid_until before {b.valid_from}"
                )
        names = [v.version for v in self.versions]
        if len(set(names)) != len(names):
            raise ValueError("version names must be unique")
        return self


class VariantDef(BaseModel):
    """A planner's variant: parameter changes, rules added or removed, on top of a ruleset."""

    model_config = ConfigDict(extra="forbid")

    variant: str = Field(min_length=1)
    base: str = Field(description="ruleset id the variant applies to")
    description: str | None = None
    set: dict[str, Any] = Field(default_factory=dict, description="'rule.param[.sub]': value")
    remove: list[str] = Field(default_factory=list, description="rule ids to drop")
    add: list[dict[str, Any]] = Field(default_factory=list, description="rules to add")


# ---- resolved objects ----------------------------------------------------------------------------
@dataclass(frozen=True)
class RulesetVersion:
    """One dated version, with its rules resolved to validated parameter objects."""

    ruleset_id: str
    ruleset_name: str
    gemeentecode: str
    version: str
    valid_from: dt.date
    valid_until: dt.date | None
    source: str
    kinds: tuple[str, ...]
    rules: tuple[RuleSpec, ...]
    sha256: str
    variant: str | None = None

    def applies_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    def span(self) -> str:
        return f"{self.version} ({self.valid_from} t/m {self.valid_until or 'heden'})"


@dataclass(frozen=True)
class Ruleset:
    id: str
    name: str
    gemeentecode: str
    path: Path
    versions: tuple[RulesetVersion, ...]
    variant: str | None = None

    def version_on(self, day: dt.date) -> RulesetVersion:
        for v in self.versions:
            if v.applies_on(day):
                return v
        spans = "; ".join(v.span() for v in self.versions)
        raise InputError(f"ruleset {self.id!r} has no version valid on {day}; versions: {spans}")

    def version_named(self, name: str) -> RulesetVersion:
        for v in self.versions:
            if v.version == name:
                return v
        raise InputError(
            f"ruleset {self.id!r} has no version {name!r}; versions: {', '.join(v.version for v in self.versions)}"
        )


def _format_errors(where: str, exc: ValidationError, data: Any) -> list[str]:
    lines = []
    for error in exc.errors():
        loc = list(error["loc"])
        label = _describe_loc(loc, data)
        lines.append(f"{where}: {label}: {error['msg']}")
    return lines


def _describe_loc(loc: list[Any], data: Any) -> str:
    """versions[0].rules[2].params.x -> "version '2018', rule 'straat': params.x"."""
    parts: list[str] = []
    node = data
    rest: list[str] = []
    i = 0
    while i < len(loc):
        key = loc[i]
        if key in ("versions", "rules") and i + 1 < len(loc) and isinstance(loc[i + 1], int):
            idx = loc[i + 1]
            try:
                node = node[key][idx]
                name = node.get("version" if key == "versions" else "id", f"#{idx + 1}")
            except (KeyError, IndexError, TypeError, AttributeError):
                name = f"#{idx + 1}"
            parts.append(f"{'version' if key == 'versions' else 'rule'} {name!r}")
            i += 2
            continue
        rest = [str(k) for k in loc[i:]]
        break
    key_text = ".".join(rest) if rest else "(whole entry)"
    return (", ".join(parts) + ": " if parts else "") + key_text


def defaults_used(params: BaseModel, prefix: str = "") -> list[str]:
    """Parameter paths that took their default, nested groups included (``counted.statuses``)."""
    used = []
    for name in type(params).model_fields:
        value = getattr(params, name)
        if name not in params.model_fields_set:
            used.append(prefix + name)
        elif isinstance(value, BaseModel):
            used.extend(defaults_used(value, f"{prefix}{name}."))
    return used


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _params_json(params: BaseModel) -> dict[str, Any]:
    return json.loads(json.dumps(params.model_dump(mode="json"), default=_json_default))


def _resolve(data: dict[str, Any], path: Path, variant: str | None) -> Ruleset:
    where = str(path)
    try:
        model = RulesetDef.model_validate(data)
    except ValidationError as exc:
        raise RulesetError("\n".join(_format_errors(where, exc, data))) from None
    errors: list[str] = []
    versions = []
    for vdef in model.versions:
        specs = []
        for rdef in vdef.rules:
            rtype = REGISTRY[rdef.type]
            try:
                params = rtype.params.model_validate(rdef.params)
            except ValidationError as exc:
                for error in exc.errors():
                    key = ".".join(str(k) for k in error["loc"]) or "(params)"
                    errors.append(
                        f"{where}: version {vdef.version!r}, rule {rdef.id!r} ({rdef.type}): params.{key}: {error['msg']}"
                    )
                continue
            specs.append(
                RuleSpec(
                    id=rdef.id,
                    type=rdef.type,
                    params=params,
                    source=rdef.source,
                    applies_to=tuple(rdef.applies_to or vdef.kinds),
                    parameters=_params_json(params),
                    defaults=tuple(sorted(defaults_used(params))),
                )
            )
        canonical = json.dumps(
            {
                "ruleset": model.id,
                "version": vdef.version,
                "valid_from": vdef.valid_from,
                "valid_until": vdef.valid_until,
                "kinds": vdef.kinds,
                "rules": [
                    {
                        "id": s.id,
                        "type": s.type,
                        "source": s.source,
                        "applies_to": s.applies_to,
                        "params": s.parameters,
                    }
                    for s in specs
                ],
            },
            sort_keys=True,
            default=_json_default,
        )
        versions.append(
            RulesetVersion(
                ruleset_id=model.id,
                ruleset_name=model.name,
                gemeentecode=model.gemeentecode,
                version=vdef.version,
                valid_from=vdef.valid_from,
                valid_until=vdef.valid_until,
                source=vdef.source,
                kinds=tuple(vdef.kinds),
                rules=tuple(specs),
                sha256=hashlib.sha256(canonical.encode()).hexdigest(),
                variant=variant,
            )
        )
    if errors:
        raise RulesetError("\n".join(errors))
    return Ruleset(
        id=model.id,
        name=model.name,
        gemeentecode=model.gemeentecode,
        path=path,
        versions=tuple(sorted(versions, key=lambda v: v.valid_from)),
        variant=variant,
    )


# ---- overrides and variants ------------------------------------------------------------------------
def _parse_value(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def _set_param(data: dict[str, Any], rule_id: str, keys: list[str], value: Any, what: str) -> None:
    found = False
    for version in data.get("versions") or []:
        for rule in version.get("rules") or []:
            if rule.get("id") == rule_id:
                node = rule.setdefault("params", {})
                for key in keys[:-1]:
                    node = node.setdefault(key, {})
                    if not isinstance(node, dict):
                        raise RulesetError(f"{what}: {key!r} is not a group of parameters")
                node[keys[-1]] = value
                found = True
    if not found:
        rule_ids = sorted(
            {r.get("id") for v in data.get("versions") or [] for r in v.get("rules") or []}
        )
        near = difflib.get_close_matches(rule_id, rule_ids, n=1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        raise RulesetError(
            f"{what}: no rule {rule_id!r} in ruleset {data.get('id')!r}{hint} (rules: {', '.join(rule_ids)})"
        )


def apply_sets(data: dict[str, Any], sets: list[str]) -> dict[str, Any]:
    """Apply ``ruleset.rule.param=value`` overrides (to every version holding the rule)."""
    data = copy.deepcopy(data)
    for item in sets:
        m = re.fullmatch(r"\s*([\w-]+)\.([\w-]+)\.([\w.-]+)\s*=(.*)", item)
        if not m:
            raise RulesetError(
                f"--set {item!r}: use RULESET.RULE.PARAM=VALUE, e.g. tiel.straat.max_share=0.15"
            )
        ruleset_id, rule_id, param, value = m.groups()
        if ruleset_id != data.get("id"):
            raise RulesetError(
                f"--set {item!r}: names ruleset {ruleset_id!r}, but the ruleset is {data.get('id')!r}"
            )
        _set_param(data, rule_id, param.split("."), _parse_value(value.strip()), f"--set {item!r}")
    return data


def apply_variant(data: dict[str, Any], variant_path: Path) -> tuple[dict[str, Any], str]:
    raw = load_yaml(variant_path)
    try:
        variant = VariantDef.model_validate(raw)
    except ValidationError as exc:
        raise RulesetError("\n".join(_format_errors(str(variant_path), exc, raw))) from None
    if variant.base != data.get("id"):
        raise RulesetError(
            f"{variant_path}: variant is for ruleset {variant.base!r}, not {data.get('id')!r}"
        )
    data = copy.deepcopy(data)
    for key, value in variant.set.items():
        rule_id, _, param = key.partition(".")
        if not param:
            raise RulesetError(f"{variant_path}: set key {key!r}: use RULE.PARAM")
        _set_param(data, rule_id, param.split("."), value, f"{variant_path}: set {key!r}")
    for version in data["versions"]:
        ids = {r["id"] for r in version["rules"]}
        missing = [r for r in variant.remove if r not in ids]
        if missing and all(
            r not in {x["id"] for v in data["versions"] for x in v["rules"]} for r in missing
        ):
            raise RulesetError(f"{variant_path}: remove: no rule(s) {', '.join(missing)}")
        version["rules"] = [r for r in version["rules"] if r["id"] not in variant.remove]
        version["rules"].extend(copy.deepcopy(variant.add))
    return data, variant.variant


# ---- finding and loading -----------------------------------------------------------------------
def available_rulesets(rules_dir: Path = RULES_DIR) -> list[str]:
    return sorted(p.stem for p in rules_dir.glob("*.yaml"))


def find_ruleset(name: str, rules_dir: Path = RULES_DIR) -> Path:
    path = Path(name)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        return path
    candidate = rules_dir / f"{name}.yaml"
    if candidate.is_file():
        return candidate
    known = available_rulesets(rules_dir)
    near = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean {near[0]!r}?" if near else ""
    raise InputError(
        f"unknown ruleset {name!r}{hint} (available: {', '.join(known) or 'none'} in {rules_dir})"
    )


def load_ruleset(
    name: str | Path,
    *,
    sets: list[str] | None = None,
    variant: Path | None = None,
    rules_dir: Path = RULES_DIR,
) -> Ruleset:
    """Load and validate a ruleset by id (``tiel``) or path, with overrides applied."""
    path = find_ruleset(str(name), rules_dir)
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise RulesetError(f"{path}: expected a mapping with id, name, gemeentecode, versions")
    label = None
    if variant is not None:
        data, label = apply_variant(data, variant)
    if sets:
        data = apply_sets(data, sets)
        label = (label + "+" if label else "") + ",".join(sets)
    return _resolve(data, path, label)


def ruleset_schema() -> dict[str, Any]:
    """JSON Schema for ruleset files, with each rule type's params (for editors)."""
    schema = RulesetDef.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    defs = schema.setdefault("$defs", {})
    variants = []
    for name, rtype in sorted(REGISTRY.items()):
        params_schema = rtype.params.model_json_schema(ref_template="#/$defs/{model}")
        for key, value in params_schema.pop("$defs", {}).items():
            defs.setdefault(key, value)
        defs[f"params_{name}"] = params_schema
        variants.append(
            {
                "if": {"properties": {"type": {"const": name}}},
                "then": {"properties": {"params": {"$ref": f"#/$defs/params_{name}"}}},
            }
        )
    rule = defs["RuleDef"]
    rule["properties"]["type"] = {"enum": sorted(REGISTRY), "description": "a registered rule type"}
    rule["allOf"] = variants
    return schema
