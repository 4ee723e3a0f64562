"""The catalogue of rulesets: every ruleset, its versions and its rules with their key figures
and sources (``rules catalogue``), as rows for a terminal table, JSON or Markdown."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from spreidingstoets.domain.ruleset import Ruleset, RuleSpec
from spreidingstoets.ruleset.explain import num, pct
from spreidingstoets.ruleset.loader import available_rulesets, load_ruleset


def _zone(z: Any) -> str:
    return "/".join(z.names) if z.names else z.layer


def _distance(p: Any) -> str:
    parts = [
        f"meer dan {num(p.radius_m)} m"
        if getattr(p, "inclusive", False)
        else f"{num(p.radius_m)} m"
    ]
    if getattr(p, "parcel_layer", None):
        parts.append(f"vanaf perceel ({p.parcel_layer})")
    parts += [f"{num(z.radius_m)} m in {_zone(z.zone)}" for z in p.zone_radii]
    if getattr(p, "applies_in", None) is not None:
        parts.append(f"alleen in {_zone(p.applies_in)}")
    if p.exempt_in is not None:
        parts.append(f"niet in {_zone(p.exempt_in)}")
    if getattr(p, "exempt_from_units", None):
        parts.append(f"complex vanaf {p.exempt_from_units} woningen uitgezonderd")
    if getattr(p, "gebruiksdoelen", None):
        parts.append("tot " + "/".join(p.gebruiksdoelen))
    return "; ".join(parts)


def _share(p: Any) -> str:
    group = getattr(p, "group", "street")
    if group == "area":
        where = f"per gebied ({p.zone.layer})"
    elif group == "gemeente":
        where = f"gemeente ({'/'.join(p.gemeentecodes)})"
    else:
        where = {"pand": "per pand", "entrance": "per ingang (trappenhuis)"}.get(
            group, "per straat"
        )
    text = f"{pct(p.max_share)} {where}"
    if getattr(p, "dwelling_area_over_m2", None) is not None:
        text += f", woningen > {p.dwelling_area_over_m2} m²"
    return text


FIGURES: dict[str, Callable[[Any], str]] = {
    "dwelling_status": lambda p: p.dwelling.gebruiksdoel + ", in gebruik",
    "max_persons": lambda p: (
        f"max {p.limit} personen"
        + "".join(f"; {z.limit} in {_zone(z.zone)}" for z in p.zone_limits)
        + (f"; {p.exception.limit} vanaf {p.exception.min_area_m2} m²" if p.exception else "")
    ),
    "floor_area_per_person": lambda p: f"min {num(p.min_m2)} m² per persoon",
    "min_dwelling_area": lambda p: f"min {num(p.min_m2)} m²",
    "street_share": _share,
    "area_share": _share,
    "not_adjacent": lambda p: (
        "naast elkaar" + (f"; {p.house_numbers} huisnummers ertussen" if p.house_numbers else "")
    ),
    "not_enclosed": lambda p: "niet insluiten",
    "min_distance": _distance,
    "facility_distance": _distance,
    "zoning": lambda p: "bestemming " + "/".join(p.allowed),
    "closed_area": lambda p: f"gesloten: {_zone(p.zone)}",
    "beds_per_location": lambda p: (
        "bedden " + "-".join(str(b) for b in (p.min_beds, p.max_beds) if b is not None)
    ),
    "livability_review": lambda p: f"beoordeling, {num(p.radius_m)} m",
    "permit_required": lambda p: f"vanaf {p.min_persons} personen",
    "kind_allowed": lambda p: "alleen " + "/".join(p.allowed),
    "flat_neighbours": lambda p: (
        f"flat: {p.vertical} boven/onder, {p.beside} naast, {p.diagonal} schuin"
    ),
    "area_attribute": lambda p: (
        f"{p.attribute} ({p.layer})"
        + (f" > {num(p.above)}" if p.above is not None else "")
        + (f" <= {num(p.at_most)}" if p.at_most is not None else "")
    ),
}


def key_figures(rule: RuleSpec) -> str:
    writer = FIGURES.get(rule.type)
    return writer(rule.params) if writer else ""


def rows(rulesets: list[Ruleset]) -> list[dict[str, Any]]:
    """One row per rule of every version of every ruleset."""
    out = []
    for rs in rulesets:
        for v in rs.versions:
            for r in v.rules:
                out.append(
                    {
                        "ruleset": rs.id,
                        "gemeente": rs.name,
                        "gemeentecode": rs.gemeentecode,
                        "version": v.version,
                        "valid_from": v.valid_from.isoformat(),
                        "valid_until": v.valid_until.isoformat() if v.valid_until else None,
                        "kinds": list(r.applies_to),
                        "rule": r.id,
                        "type": r.type,
                        "figures": key_figures(r),
                        "source": r.source,
                        "defaults": [a for a in r.assumed if not a.startswith("version.")],
                        "version_defaults": list(v.assumed),
                    }
                )
    return out


def catalogue(rules_dir: Path) -> list[dict[str, Any]]:
    """Every ruleset in ``rules_dir`` with its versions and rules (the JSON form)."""
    result = []
    for name in available_rulesets(rules_dir):
        rs = load_ruleset(name, rules_dir)
        result.append(
            {
                "id": rs.id,
                "name": rs.name,
                "gemeentecode": rs.gemeentecode,
                "versions": [
                    {
                        "version": v.version,
                        "valid_from": v.valid_from.isoformat(),
                        "valid_until": v.valid_until.isoformat() if v.valid_until else None,
                        "source": v.source,
                        "kinds": list(v.kinds),
                        "defaults": list(v.assumed),
                        "rules": [
                            {k: row[k] for k in ("rule", "type", "figures", "source", "defaults")}
                            | {"kinds": row["kinds"]}
                            for row in rows([rs])
                            if row["version"] == v.version
                        ],
                    }
                    for v in rs.versions
                ],
            }
        )
    return result


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown(rules_dir: Path) -> str:
    """The catalogue as a Markdown table, one line per rule, for the docs."""
    lines = [
        "| gemeente (code) | versie | regel | type | kerncijfers | bron | [default] |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in available_rulesets(rules_dir):
        rs = load_ruleset(name, rules_dir)
        for row in rows([rs]):
            span = f"{row['version']} ({row['valid_from']} – {row['valid_until'] or 'heden'})"
            chosen = ", ".join(row["defaults"] + [f"version.{d}" for d in row["version_defaults"]])
            lines.append(
                f"| {_cell(rs.name)} ({rs.gemeentecode}) | {_cell(span)} | {row['rule']} | "
                f"{row['type']} | {_cell(row['figures'])} | {_cell(row['source'])} | "
                f"{_cell(chosen)} |"
            )
    return "\n".join(lines) + "\n"
