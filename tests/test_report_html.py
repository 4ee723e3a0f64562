"""The report for the case file: everything the officer needs in one offline HTML document, the
same bytes for the same inputs, a command that gives the verdict again, and a PDF by Chromium."""

from __future__ import annotations

import datetime as dt
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import run_cli
from spreidingstoets.domain.inputs import ApplicationInput
from spreidingstoets.domain.model import Verdict, verdict_json
from spreidingstoets.domain.vocabulary import OUTCOME_NL, OVERALL_NL
from spreidingstoets.errors import ConfigurationError
from spreidingstoets.report.features import evidence_keys, verdict_features
from spreidingstoets.report.html import render_report, reproduce_command
from spreidingstoets.report.pdf import ENV_BROWSER, find_browser, stamp
from spreidingstoets.service import checks

DAY = dt.date(2026, 11, 15)
CLI = [sys.executable, "-m", "spreidingstoets.cli"]
HAS_CHROMIUM = any(shutil.which(n) for n in ("chromium", "chromium-browser"))


def verdict_for(ws: Any, address: str, persons: int, beds: int | None = None) -> Verdict:
    given = ApplicationInput.parse(
        {"address": address, "kind": "arbeidsmigranten", "persons": persons, "beds": beds}
    )
    app = checks.resolve(ws, given, DAY)
    return checks.check(ws, app, ws.ruleset_for(app.unit))


@pytest.mark.parametrize(
    ("address", "persons", "beds"),
    [
        ("Kwartelstraat 7 Tiel", 4, None),
        ("Reigersbekweg 7 Aalsmeer", 6, None),
        ("Paprikastraat 1 Naaldwijk", 120, 120),
    ],
)
def test_report_holds_everything_and_needs_no_network(
    sample_ws: Any, address: str, persons: int, beds: int | None
) -> None:
    verdict = verdict_for(sample_ws, address, persons, beds)
    fc = verdict_features(verdict, sample_ws.dataset)
    html = render_report(verdict, fc)
    assert html == render_report(verdict, fc)  # same inputs, same bytes
    a, p = verdict.application, verdict.provenance
    for text in (a.address, a.verblijfsobject, OVERALL_NL[verdict.outcome], verdict.message):
        assert text in html
    for value in (p.ruleset_sha256, p.dataset_sha256, p.register_revision, p.engine_version):
        assert value in html
    for r in verdict.rules:
        section = html.split(f'id="regel-{r.rule}"', 1)[1].split("</article>", 1)[0]
        assert OUTCOME_NL[r.outcome] in section
        assert _escaped(r.message) in section and _escaped(r.source) in section
        rows = re.findall(r'<tr data-feature="([^"]+)">', section)
        assert rows == [f"{r.rule}/{i}" for i in range(len(r.evidence))]
    # the map is drawn in the document: a feature for every evidence row, nothing fetched
    drawn = set(re.findall(r'data-feature="([^"]+/\d+)"', html.split("<svg", 1)[1]))
    assert {f"{rule}/{i}" for rule, i in evidence_keys(fc)} <= drawn
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "@import" not in html and "url(http" not in html
    assert f'<pre class="command"><code>{_escaped(reproduce_command(verdict))}</code>' in html


def _escaped(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


def test_the_reproduce_line_gives_the_same_verdict(sample_ws: Any) -> None:
    verdict = verdict_for(sample_ws, "Kwartelstraat 7 Tiel", 4)
    command = shlex.split(reproduce_command(verdict))
    assert command[:2] == ["spreidingstoets", "check"] and command[-1] == "--json"
    result = run_cli(*command[1:])
    assert result.returncode == 1, result.stderr  # refused
    assert result.stdout == verdict_json(verdict, indent=2) + "\n"  # byte for byte


def test_report_of_a_stored_decision_names_it(sample_ws: Any) -> None:
    verdict = verdict_for(sample_ws, "Kwartelstraat 9 Tiel", 4)
    decision = {"besluit": "verleend", "besluit-id": "17", "registratie": "301"}
    html = render_report(verdict, verdict_features(verdict, sample_ws.dataset), decision=decision)
    block = html.split('id="besluit"', 1)[1].split("</section>", 1)[0]
    assert all(k in block and v in block for k, v in decision.items())


def test_cli_report_html_and_refusals(tmp_path: Path) -> None:
    out = tmp_path / "rapport.html"
    args = ["report", "4001AB 7", "--persons", "4", "--date", "2026-11-15"]
    result = run_cli(*args, "--set", "tiel.straat.max_share=0.2", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "Rapport geschreven" in result.stdout
    html = out.read_text(encoding="utf-8")
    assert "Kwartelstraat 7, Tiel" in html and "weigeren" in html
    # the reproduce line carries the option the verdict does not record
    assert "--set tiel.straat.max_share=0.2" in html
    bad = run_cli(*args, "--out", str(tmp_path / "rapport.docx"))
    assert bad.returncode == 2 and ".pdf, .html" in bad.stderr
    assert not (tmp_path / "rapport.docx").exists()
    missing = run_cli("report", "4001AB 7", "--out", str(tmp_path / "x.html"))
    assert missing.returncode == 2 and "--persons" in missing.stderr


@pytest.mark.skipif(not HAS_CHROMIUM, reason="chromium missing: ./scripts/install-web-test-tools")
def test_cli_report_pdf_same_bytes_twice(tmp_path: Path) -> None:
    args = ["report", "Reigersbekweg 7 Aalsmeer", "--persons", "6", "--date", "2026-11-15"]
    one, two = tmp_path / "een.pdf", tmp_path / "twee.pdf"
    for target in (one, two):
        result = run_cli(*args, "--out", str(target))
        assert result.returncode == 0, result.stderr
    data = one.read_bytes()
    assert data.startswith(b"%PDF") and data == two.read_bytes()
    assert b"/CreationDate (D:20261115000000" in data
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(one), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "Reigersbekweg 7, Aalsmeer" in text and "afstand" in text


def test_pdf_without_a_browser_says_what_to_install(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv(ENV_BROWSER, str(tmp_path / "geen-chromium"))
    with pytest.raises(ConfigurationError, match="bestaat niet"):
        find_browser()
    result = subprocess.run(
        [*CLI, "report", "4001AB 7", "--persons", "4", "--out", str(tmp_path / "r.pdf")],
        capture_output=True,
        text=True,
        env={"PATH": "/nonexistent", "HOME": str(tmp_path)},
    )
    assert result.returncode == 3 and "chromium" in result.stderr
    assert not (tmp_path / "r.pdf").exists()


def test_stamp_sets_both_dates_and_keeps_the_length() -> None:
    pdf = b"%PDF-1.4\n/CreationDate (D:20261202020549+00'00')\n/ModDate (D:20261202020549+00'00')"
    out = stamp(pdf, DAY)
    assert len(out) == len(pdf)
    assert out.count(b"(D:20261115000000+00'00')") == 2


def test_every_figure_of_every_golden_verdict_has_a_dutch_label(sample_ws) -> None:  # type: ignore[no-untyped-def]
    """Officers read the figure names on the page and in the report: none may fall back to
    the code's English key (block_panden, max_pand_units, ...)."""
    from spreidingstoets.errors import SpreidingstoetsError
    from spreidingstoets.golden import case_verdict, golden_cases
    from spreidingstoets.report.labels import FIGURE_NL

    missing: dict[str, set[str]] = {}
    for _file, ruleset_id, case in golden_cases(None, sample_ws.settings.rules_dir):
        try:
            verdict = case_verdict(sample_ws, case, ruleset_id)
        except SpreidingstoetsError:
            continue  # cases that expect an input error have no figures
        for rule in verdict.rules:
            for key in (*rule.measured, *rule.limit):
                if key not in FIGURE_NL:
                    missing.setdefault(rule.type, set()).add(key)
    assert missing == {}
