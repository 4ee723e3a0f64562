"""The verdict and a dataset manifest as rich text on the terminal, in Dutch.

Texts from data (addresses, messages, file names) are escaped, so square brackets in them are
printed as they are and never taken for markup.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from spreidingstoets.domain.model import Verdict
from spreidingstoets.domain.vocabulary import OUTCOME_NL, OVERALL_NL, RELATION_NL

OUTCOME_COLOUR = {"pass": "green", "fail": "red", "review": "yellow", "not_applicable": "dim"}
OVERALL_COLOUR = {"allowed": "bold green", "refused": "bold red", "review": "bold yellow"}
EVIDENCE_SHOWN = 5


def render_verdict(out: Console, verdict: Verdict) -> None:
    a = verdict.application
    p = verdict.provenance
    head = (
        f"[bold]{escape(a.address)}[/]  (verblijfsobject {a.verblijfsobject})\n"
        f"{a.kind}, {a.persons} personen, datum {a.date}; regelset {escape(p.ruleset)} versie "
        f"{escape(p.ruleset_version)}{' variant ' + escape(p.variant) if p.variant else ''}"
    )
    label, style = OVERALL_NL[verdict.outcome].upper(), OVERALL_COLOUR[verdict.outcome]
    out.print(Panel(f"{head}\n\n[{style}]{label}[/]\n{escape(verdict.message)}", expand=False))
    table = Table(show_lines=True)
    table.add_column("regel")
    table.add_column("uitkomst")
    table.add_column("toelichting", overflow="fold")
    for r in verdict.rules:
        detail = escape(r.message)
        if r.evidence:
            shown = [
                f"{e.address or e.verblijfsobject or e.pand or e.detail.get('naam', '')} "
                f"({RELATION_NL.get(e.relation, e.relation)}"
                + (f", {e.distance_m:.2f} m".replace(".", ",") if e.distance_m is not None else "")
                + ")"
                for e in r.evidence[:EVIDENCE_SHOWN]
            ]
            more = len(r.evidence) - EVIDENCE_SHOWN
            tail = f" en {more} meer" if more > 0 else ""
            detail += "\n[dim]bewijs: " + escape("; ".join(shown)) + tail + "[/]"
        colour = OUTCOME_COLOUR[r.outcome]
        table.add_row(
            f"{escape(r.rule)}\n[dim]{r.type}[/]", f"[{colour}]{OUTCOME_NL[r.outcome]}[/]", detail
        )
    out.print(table)
    out.print(
        f"[dim]dataset {escape(p.dataset)} · register {escape(p.register_revision)} · regelset "
        f"sha256 {p.ruleset_sha256[:12]} · engine {p.engine_version}[/]"
    )


def render_manifest(out: Console, manifest: dict[str, Any], path: Path) -> None:
    table = Table(title=escape(f"dataset {manifest.get('dataset_id')}"), show_header=False)
    table.add_row("map", escape(str(path)))
    for key in ("source_kind", "extract_date", "reference_date", "gemeentecodes", "sha256"):
        table.add_row(key, escape(str(manifest.get(key))))
    for key, value in (manifest.get("counts") or {}).items():
        table.add_row(key, f"{value:,}".replace(",", "."))
    for name, layer in (manifest.get("layers") or {}).items():
        table.add_row(
            f"laag {escape(name)}", escape(f"{layer['features']} vlakken uit {layer['source']}")
        )
    for note in manifest.get("notes") or []:
        table.add_row("let op", escape(str(note)))
    out.print(table)
