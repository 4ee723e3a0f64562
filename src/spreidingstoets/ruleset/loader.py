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
(``ruleset/variant.py``). Every error names the file, the version, the rule id and the key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from spreidingstoets.domain.messages import dutch
from spreidingstoets.domain.ruleset import Ruleset, RulesetVersion, RuleSpec
from spreidingstoets.domain.vocabulary import Kind
from spreidingstoets.errors import NotFoundError, choice_error, did_you_mean
from spreidingstoets.ruleset.variant import RulesetError, Variant
from spreidingstoets.ruletypes import REGISTRY


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
                f"sleutel {key!r} staat er twee keer in: regel {key_node.start_mark.line + 1} "
                f"(eerst op regel {seen[key] + 1})"
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
    except IsADirectoryError:
        raise RulesetError(f"{path}: is een map, geen YAML-bestand") from None
    except FileNotFoundError:
        raise RulesetError(f"{path}: bestand niet gevonden") from None
    except UnicodeDecodeError as exc:
        raise RulesetError(
            f"{path}: geen UTF-8-tekst (byte 0x{exc.object[exc.start]:02x} op positie {exc.start}); "
            "sla het bestand op als UTF-8"
        ) from None
    except OSError as exc:
        raise RulesetError(f"{path}: kan niet lezen ({exc.strerror})") from None
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except RulesetError as exc:
        raise RulesetError(f"{path}: {exc}") from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" op regel {where.line + 1}" if where is not None else ""
        problem = getattr(exc, "problem", None) or "onleesbaar"
        raise RulesetError(f"{path}: geen geldige YAML{line} ({problem})") from None


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
    defaults: list[str] = Field(
        default_factory=list,
        description="parameters set to a value of our choosing because the source gives none "
        "([default]); listed in every verdict of the rule, with those that took the rule "
        "type's default",
    )

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in REGISTRY:
            raise ValueError(choice_error("regeltype", value, sorted(REGISTRY)))
        return value


class VersionDef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: str = Field(min_length=1)
    valid_from: dt.date
    valid_until: dt.date | None = Field(None, description="last day the version applies, inclusive")
    source: str = Field(min_length=1)
    kinds: list[Kind] = Field(min_length=1, description="kinds of use this version regulates")
    rules: list[RuleDef] = Field(min_length=1)
    defaults: list[Literal["valid_from", "valid_until"]] = Field(
        default_factory=list,
        description="dates of our choosing because the source gives none ([default]); listed "
        "in every verdict of the version as version.valid_from / version.valid_until",
    )

    @model_validator(mode="after")
    def _check(self) -> VersionDef:
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise ValueError(
                f"valid_until {self.valid_until} ligt voor valid_from {self.valid_from}"
            )
        ids = [r.id for r in self.rules]
        dups = sorted({i for i in ids if ids.count(i) > 1})
        if dups:
            raise ValueError(f"regel-id(s) dubbel: {', '.join(dups)}")
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
                    f"versies {a.version!r} en {b.version!r} overlappen; geef {a.version!r} een "
                    f"valid_until voor {b.valid_from}"
                )
        names = [v.version for v in self.versions]
        if len(set(names)) != len(names):
            raise ValueError("versienamen moeten uniek zijn")
        return self


def format_errors(where: str, exc: ValidationError, data: Any) -> list[str]:
    lines = []
    for error in exc.errors():
        loc = list(error["loc"])
        label = _describe_loc(loc, data)
        lines.append(f"{where}: {label}: {dutch(error)}")
    return lines


def _describe_loc(loc: list[Any], data: Any) -> str:
    """versions[0].rules[2].params.x -> "versie '2018', regel 'straat': params.x"."""
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
            parts.append(f"{'versie' if key == 'versions' else 'regel'} {name!r}")
            i += 2
            continue
        rest = [str(k) for k in loc[i:]]
        break
    key_text = ".".join(rest) if rest else "(geheel)"
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


def _param_path_exists(params: BaseModel, path: str) -> bool:
    """Whether ``path`` (``exception.limit``) names a field of the parameter model."""
    model: Any = type(params)
    for part in path.split("."):
        fields = getattr(model, "model_fields", None)
        if fields is None or part not in fields:
            return False
        model = fields[part].annotation
        # Optional[Model] / Model | None: descend into the model
        for arg in getattr(model, "__args__", ()) or ():
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                model = arg
    return True


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _params_json(params: BaseModel) -> dict[str, Any]:
    return json.loads(json.dumps(params.model_dump(mode="json"), default=_json_default))


def resolve(data: dict[str, Any], path: Path, variant: str | None) -> Ruleset:
    where = str(path)
    try:
        model = RulesetDef.model_validate(data)
    except ValidationError as exc:
        raise RulesetError("\n".join(format_errors(where, exc, data))) from None
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
                    dotted = ".".join(str(k) for k in error["loc"])
                    key = f"params.{dotted}" if dotted else "params"
                    message = dutch(error)
                    errors.append(
                        f"{where}: versie {vdef.version!r}, regel {rdef.id!r} ({rdef.type}): {key}: {message}"
                    )
                continue
            unknown = [d for d in rdef.defaults if not _param_path_exists(params, d)]
            if unknown:
                errors.append(
                    f"{where}: versie {vdef.version!r}, regel {rdef.id!r} ({rdef.type}): "
                    f"defaults: {', '.join(unknown)} is geen parameter van {rdef.type} "
                    f"(parameters: {', '.join(type(params).model_fields)})"
                )
                continue
            chosen = [*rdef.defaults, *(f"version.{d}" for d in vdef.defaults)]
            specs.append(
                RuleSpec(
                    id=rdef.id,
                    type=rdef.type,
                    params=params,
                    source=rdef.source,
                    applies_to=tuple(rdef.applies_to or vdef.kinds),
                    parameters=_params_json(params),
                    defaults=tuple(sorted({*defaults_used(params), *chosen})),
                    assumed=tuple(chosen),
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
                assumed=tuple(vdef.defaults),
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


# ---- finding and loading -----------------------------------------------------------------------
def available_rulesets(rules_dir: Path) -> list[str]:
    return sorted(p.stem for p in rules_dir.glob("*.yaml"))


def find_ruleset(name: str, rules_dir: Path) -> Path:
    path = Path(name)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        return path
    candidate = rules_dir / f"{name}.yaml"
    if candidate.is_file():
        return candidate
    known = available_rulesets(rules_dir)
    valid = f"geef een regelset ({', '.join(known) or 'geen'}) of een .yaml-bestand"
    if path.is_dir():
        raise RulesetError(f"{path}: is een map, geen YAML-bestand; {valid}")
    if path.suffix in (".yaml", ".yml") or len(path.parts) > 1:  # a path, not an id
        raise NotFoundError(f"{path}: bestand niet gevonden; {valid}")
    raise NotFoundError(
        f"onbekende regelset {name!r}{did_you_mean(name, known)} "
        f"(beschikbaar: {', '.join(known) or 'geen'} in {rules_dir})"
    )


def read_ruleset_data(path: Path) -> dict[str, Any]:
    data = load_yaml(path)
    if not isinstance(data, dict):
        empty = " (het bestand is leeg)" if data is None else ""
        raise RulesetError(
            f"{path}: verwacht een mapping met id, name, gemeentecode, versions{empty}"
        )
    return data


def load_ruleset(
    name: str | Path,
    rules_dir: Path,
    *,
    sets: list[str] | None = None,
    variant: Path | Variant | None = None,
) -> Ruleset:
    """Load and validate a ruleset by id (``tiel``) or path, with a variant and overrides."""
    path = find_ruleset(str(name), rules_dir)
    data = read_ruleset_data(path)
    base = str(data.get("id"))
    change = Variant.none(base)
    if variant is not None:
        change = Variant.from_file(variant) if isinstance(variant, Path) else variant
        if change.base != base:
            raise RulesetError(
                f"{variant}: variant is voor regelset {change.base!r}, niet {base!r}"
            )
    if sets:
        change = change.then(Variant.from_sets(base, sets))
    changed = change.apply(data)
    try:
        return resolve(changed, path, change.label)
    except RulesetError as exc:
        if change.is_empty:
            raise
        resolve(data, path, None)  # the file alone is fine: the fault is in what was typed
        origins = ", ".join(c.origin for c in change.changes)
        raise RulesetError(f"{origins}: maakt de regelset ongeldig:\n{exc}") from None


def reload_with(ruleset: Ruleset, variant: Variant) -> Ruleset:
    """The ruleset's file again, under ``variant`` instead of the variant it was loaded with."""
    return resolve(variant.apply(read_ruleset_data(ruleset.path)), ruleset.path, variant.label)


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
