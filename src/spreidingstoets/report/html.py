"""The report for the case file: one self-contained HTML page (print stylesheet, inline SVG
map, no network) and, through headless Chromium, a PDF.

``render_report(verdict, features, command=...)`` -> HTML text; the same verdict, features and
command give the same bytes (no clock, sorted everything). ``html_to_pdf`` prints it.
"""

from __future__ import annotations

import functools
import json
import shlex
from collections.abc import Mapping, Sequence
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from spreidingstoets.domain.model import Verdict, verdict_json
from spreidingstoets.domain.vocabulary import OUTCOME_NL, OVERALL_NL, RELATION_NL
from spreidingstoets.report.features import ROLES
from spreidingstoets.report.labels import (
    DETAIL_NL,
    DETAIL_VALUE_NL,
    KIND_NL,
    OUTCOME_SYMBOL,
    OVERALL_SYMBOL,
    figure,
    figure_label,
    number,
)
from spreidingstoets.report.svgmap import MAP_ASPECT, PLAN_KIND, needs_detail, render_svg


@functools.cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("spreidingstoets.report", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["figure"] = lambda value, key="": figure(str(key), value)
    env.filters["number"] = number
    env.filters["detail"] = _detail
    return env


def _detail(detail: Mapping[str, Any]) -> str:
    parts = []
    for key in sorted(detail):
        value = detail[key]
        if value is None or value == [] or key in ("register_id", "identificatie", "plan_id"):
            continue
        if isinstance(value, list):
            text = ", ".join(DETAIL_VALUE_NL.get(str(v), str(v)) for v in value)
        elif key == "fraction" and isinstance(value, int | float):
            text = figure("share", value)
        else:
            text = DETAIL_VALUE_NL.get(str(value), figure(key, value))
        parts.append(f"{DETAIL_NL.get(key, key.replace('_', ' '))}: {text}")
    return "; ".join(parts)


def _source(name: str) -> str:
    loader = _environment().loader
    assert loader is not None
    return loader.get_source(_environment(), name)[0]


def map_css() -> str:
    """The map's and legend's styles: in the report, and served to the web page."""
    return _source("map.css")


def evidence_numbers(verdict: Mapping[str, Any]) -> dict[str, str]:
    """Feature id ("rule/index") -> the number of that evidence row in the report (1, 2, ...)."""
    out: dict[str, str] = {}
    n = 0
    for rule in verdict["rules"]:
        for i, _ in enumerate(rule["evidence"]):
            n += 1
            out[f"{rule['rule']}/{i}"] = str(n)
    return out


def reproduce_command(verdict: Verdict, options: Sequence[str] = ()) -> str:
    """The CLI command that gives this verdict again, byte for byte, on the same dataset and
    register revision.

    ``options`` are the ones the verdict does not record, as given (``--set``, ``--variant``,
    ``--data``, ``--register``).
    """
    a = verdict.application
    # the address as it was typed (the verdict records it), else the verblijfsobject
    args = ["spreidingstoets", "check", a.query or a.verblijfsobject]
    args += ["--rules", verdict.provenance.ruleset, "--kind", a.kind]
    args += ["--persons", str(a.persons), "--date", a.date.isoformat()]
    if a.beds is not None:
        args += ["--beds", str(a.beds)]
    if a.valid_until is not None:
        args += ["--valid-until", a.valid_until.isoformat()]
    if a.exception_reason:
        args += ["--reason", a.exception_reason]
    if a.received is not None and a.received != a.date:
        args += ["--received", a.received.isoformat()]
    args += list(options)
    args.append("--json")
    return shlex.join(args)


def _legend(features: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    seen: dict[str, dict[str, str]] = {}
    for f in features:
        p = f["properties"]
        role = p["role"]
        if role == "evidence" and p["relation"] == "application":
            continue  # the application's own figures: its pand and point are in the legend
        if role == "evidence":
            key = f"rel-{p['relation']}"
            text = RELATION_NL.get(p["relation"], p["relation"])
            if p["relation"] == "zone" and p.get("zone"):
                plan = p.get("zone_kind") == PLAN_KIND
                key = "zone-plan" if plan else f"zone-{p.get('zone_role') or 'other'}"
                text = f"{'plangebied' if plan else 'zone'}: {p['zone']}"
                if key in seen and p["zone"] not in seen[key]["text"]:
                    seen[key]["text"] += f", {p['zone']}"
                    continue
        else:
            key = f"role-{role}" + ("-counted" if p.get("counted") else "")
            text = ROLES[role] + (" (telt mee)" if p.get("counted") else "")
        seen.setdefault(key, {"key": key, "text": text, "role": role})
    return sorted(seen.values(), key=lambda e: (_LEGEND_ORDER.get(e["role"], 99), e["key"]))


_LEGEND_ORDER = {
    "application_pand": 0,
    "application_point": 1,
    "evidence": 2,
    "adjacent_pand": 3,
    "street_dwelling": 4,
    "radius": 5,
    "radius_dwelling": 6,
    "zone": 7,
    "pand": 8,
}


def render_report(
    verdict: Verdict,
    features: Mapping[str, Any],
    *,
    command: str | None = None,
    decision: Mapping[str, Any] | None = None,
) -> str:
    """The report as one HTML document. ``decision``: a recorded decision to show (besluit,
    kenmerk, registratie, auditregel, registerrevisie), when the report is for one."""
    data = json.loads(verdict_json(verdict))
    numbers = evidence_numbers(data)
    address = verdict.application.address
    maps = [
        {
            "title": "Overzicht",
            "svg": Markup(
                render_svg(
                    features,
                    numbers=numbers,
                    role_text=ROLES,
                    label=f"Kaart van het bewijs bij {address}: overzicht",
                    ident="overzicht",
                )
            ),
        }
    ]
    if needs_detail(features, MAP_ASPECT):
        maps.append(
            {
                "title": "Detail rond het pand",
                "svg": Markup(
                    render_svg(
                        features,
                        detail=True,
                        numbers=numbers,
                        role_text=ROLES,
                        label=f"Kaart van het bewijs bij {address}: detail rond het pand",
                        ident="detail",
                    )
                ),
            }
        )
    css = map_css() + "\n" + _source("report.css")
    template = _environment().get_template("report.html.j2")
    return template.render(
        v=data,
        numbers=numbers,
        maps=maps,
        css=Markup(css),
        legend=_legend(features["features"]),
        command=command or reproduce_command(verdict),
        decision=decision,
        outcome_nl=OUTCOME_NL,
        outcome_symbol=OUTCOME_SYMBOL,
        overall_nl=OVERALL_NL,
        overall_symbol=OVERALL_SYMBOL,
        relation_nl=RELATION_NL,
        kind_nl=KIND_NL,
        figure_label=figure_label,
    )
