"""The officer's web page in real headless Chromium (Debian's, driven by Playwright through
``executable_path``), served by ``spreidingstoets serve`` on a copy of the sample register.

Every page runs with the network blocked except the server itself: a request anywhere else
fails the test. ``./scripts/install-web-test-tools`` installs chromium, pdftoppm and axe-core.
Set SPREIDINGSTOETS_SCREENSHOTS=DIR to keep the screenshots and the timing figures there.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
AXE = REPO / "tests" / "web" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DAY = "2026-11-15"
VIEWPORT = {"width": 1500, "height": 1150}


@dataclass
class Site:
    url: str
    key: str  # scopes check, decide, read
    shots: Path
    metrics: dict[str, Any]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    pytest.importorskip(
        "spreidingstoets_api", reason="the API is not installed (pip install -e api)"
    )
    from api_helpers import make_keys, sample_register_copy
    from spreidingstoets_api.testing import running

    folder = tmp_path_factory.mktemp("web")
    register = sample_register_copy(folder)
    keys = make_keys(register)
    shots = Path(os.environ.get("SPREIDINGSTOETS_SCREENSHOTS") or folder / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    metrics: dict[str, Any] = {}
    with running(register=register, log=folder / "server.log") as server:
        yield Site(server.url, keys["check,decide"], shots, metrics)
    (shots / "web-metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is missing: run ./scripts/install-web-test-tools")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


class Guarded:
    """A page whose requests may only go to the server; anything else is recorded, refused."""

    def __init__(self, browser: Any, site: Site, **context: Any) -> None:
        self.site = site
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(viewport=VIEWPORT, accept_downloads=True, **context)
        self.context.route("**/*", self._guard)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _guard(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(self.site.url + "/") or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort("internetdisconnected")

    def close(self) -> None:
        self.context.close()
        assert self.outside == [], (
            f"the page asked for something outside the server: {self.outside}"
        )
        assert self.errors == [], f"script errors on the page: {self.errors}"


@pytest.fixture
def guarded(browser: Any, site: Site) -> Iterator[Guarded]:
    g = Guarded(browser, site)
    yield g
    g.close()


def open_page(g: Guarded) -> Any:
    page = g.page
    page.goto(g.site.url + "/")
    page.wait_for_selector("body[data-ready=true]")
    page.click("#sleutel-blok summary")
    page.fill("#sleutel", g.site.key)
    page.click("#sleutel-blok summary")  # closed again
    return page


def check(
    page: Any, typed: str, choose: str, persons: int, beds: int | None = None
) -> dict[str, Any]:
    """Type part of an address, choose a suggestion, fill the form, check: the verdict JSON."""
    page.fill("#adres", typed)
    page.locator("#suggesties [role=option]", has_text=choose).first.click()
    assert page.input_value("#adres") == choose
    page.fill("#personen", str(persons))
    page.fill("#bedden", "" if beds is None else str(beds))
    page.fill("#datum", DAY)
    with page.expect_response(lambda r: "/v1/toetsingen" in r.url) as answer:
        page.click("#toetsen")
    verdict: dict[str, Any] = answer.value.json()
    page.wait_for_function(
        "v => document.querySelector('#totaal').className.endsWith(v)", arg=verdict["outcome"]
    )
    return verdict


def evidence_keys(verdict: dict[str, Any]) -> list[str]:
    return [f"{r['rule']}/{i}" for r in verdict["rules"] for i in range(len(r["evidence"]))]


def feature_keys(verdict: dict[str, Any]) -> set[str]:
    """The evidence rows the API's features stand for (rule and row index)."""
    keys = set()
    rules = {r["rule"]: r for r in verdict["rules"]}
    for f in verdict["_embedded"]["geometrie"]["features"]:
        p = f["properties"]
        if p["role"] != "evidence":
            continue
        index = p.get("evidence")
        if not isinstance(index, int):  # an API without report.features: by verblijfsobject
            rows = rules[p["rule"]]["evidence"]
            index = next(
                i
                for i, e in enumerate(rows)
                if e["verblijfsobject"] == p["verblijfsobject"] and e["relation"] == p["relation"]
            )
        keys.add(f"{p['rule']}/{index}")
    return keys


def on_page(page: Any, selector: str) -> list[str]:
    found: list[str] = page.eval_on_selector_all(
        selector, "els => els.map(e => e.getAttribute('data-evidence'))"
    )
    return found


def assert_page_shows(page: Any, verdict: dict[str, Any]) -> None:
    """Rows and map agree with the verdict JSON: every row listed once, in order, and the map
    draws exactly the rows the API's features stand for, each row with a verblijfsobject too."""
    rows = evidence_keys(verdict)
    listed = on_page(page, "tr[data-evidence]")  # cards: refusing rules first
    assert sorted(listed) == sorted(rows) and len(listed) == len(rows)
    order = {"fail": 0, "review": 1, "pass": 2, "not_applicable": 3}
    cards = page.eval_on_selector_all("#regels > article", "els => els.map(e => e.id)")
    by_severity = sorted(verdict["rules"], key=lambda r: order[r["outcome"]])
    assert cards == [f"regel-{r['rule']}" for r in by_severity]
    drawn = set(on_page(page, "#kaart [data-evidence]"))
    assert drawn == feature_keys(verdict) and drawn <= set(rows)
    with_unit = {
        f"{r['rule']}/{i}"
        for r in verdict["rules"]
        for i, e in enumerate(r["evidence"])
        if e["verblijfsobject"]
    }
    assert with_unit <= drawn
    overall = page.inner_text("#totaal")
    word = {"refused": "WEIGEREN", "review": "NADER BEOORDELEN", "allowed": "TOEGESTAAN"}
    assert word[verdict["outcome"]] in overall.upper()
    for r in verdict["rules"]:
        card = page.locator(f"#regel-{r['rule']}")
        words = {"pass": "voldoet", "fail": "voldoet niet", "review": "beoordelen"}
        if r["outcome"] in words:
            assert words[r["outcome"]] in card.locator(".badge").inner_text()
        assert r["message"] in card.inner_text()


def test_partial_postcode_check_refusal_on_the_map_decision_and_conflict(
    guarded: Guarded, site: Site
) -> None:
    page = open_page(guarded)
    timing = page.evaluate(
        "() => { const n = performance.getEntriesByType('navigation')[0]; return "
        "{domContentLoadedMs: n.domContentLoadedEventEnd, loadMs: n.loadEventEnd, "
        "readyMs: window.spreidingstoetsMetrics.firstRender}; }"
    )
    site.metrics["first_render"] = timing
    # a partial postcode lists the addresses that begin with it
    page.fill("#adres", "4001A")
    page.wait_for_selector("#suggesties [role=option]")
    assert page.get_attribute("#adres", "aria-expanded") == "true"
    assert "Kwartelstraat 7, Tiel" in page.inner_text("#suggesties")

    verdict = check(page, "4001A", "Kwartelstraat 7, Tiel", 4)
    assert verdict["outcome"] == "refused"
    assert_page_shows(page, verdict)
    refusing = [r for r in verdict["rules"] if r["outcome"] == "fail"]
    assert [r["rule"] for r in refusing] == ["insluiting"]
    page.screenshot(path=str(site.shots / "web-tiel-weigeren.png"))
    site.metrics["check_round_trip_ms"] = page.evaluate(
        "() => window.spreidingstoetsMetrics.checks.map(c => c.roundTripMs)"
    )
    # a row shows its feature on the map, and a feature its row
    first = "insluiting/0"
    page.click(f"tr[data-evidence='{first}'] button.nr")
    assert "selected" in (page.get_attribute(f"#kaart [data-evidence='{first}']", "class") or "")
    # features of several rows can lie on one spot: the click reaches the one asked for
    page.locator("#kaart [data-evidence='insluiting/1']").dispatch_event("click")
    assert "selected" in (page.get_attribute("tr[data-evidence='insluiting/1']", "class") or "")

    # record a grant next door, then the neighbour is refused and cannot be granted
    granted = check(page, "4001AB 9", "Kwartelstraat 9, Tiel", 4)
    assert granted["outcome"] == "review"
    page.check("input[name=besluit][value=verleend]")
    page.fill("#kenmerk", "WEB-2026-0001")
    page.click("#vastleggen")
    page.wait_for_selector("#besluit-status.ok")
    assert "Vastgelegd: verleend" in page.inner_text("#besluit-status")
    # the report of the stored decision holds the verdict recorded with it
    decision_id = re.search(r"besluit (\d+)", page.inner_text("#besluit-status"))
    assert decision_id is not None
    stored = page.request.get(
        f"{site.url}/web/besluiten/{decision_id.group(1)}/rapport",
        headers={"X-Api-Key": site.key},
    )
    assert stored.ok and "text/html" in stored.headers["content-type"]
    body = stored.text()
    assert "Kwartelstraat 9, Tiel" in body and "verleend" in body and 'id="besluit"' in body

    second = check(page, "4001AB 1", "Kwartelstraat 11, Tiel", 4)
    assert second["outcome"] == "refused"
    assert_page_shows(page, second)
    adjacent = next(r for r in second["rules"] if r["rule"] == "naastgelegen")
    assert adjacent["outcome"] == "fail"
    assert "Kwartelstraat 9, Tiel" in [e["address"] for e in adjacent["evidence"]]
    assert "Kwartelstraat 9, Tiel" in page.locator("#regel-naastgelegen").inner_text()
    page.check("input[name=besluit][value=verleend]")
    page.fill("#kenmerk", "WEB-2026-0002")
    page.click("#vastleggen")
    page.wait_for_selector("#besluit-status.conflict")
    conflict = page.inner_text("#besluit-status")
    assert "Conflict" in conflict and "naastgelegen" in conflict


def test_keyboard_only(guarded: Guarded, site: Site) -> None:
    page = guarded.page
    page.goto(site.url + "/")
    page.wait_for_selector("body[data-ready=true]")
    key = page.keyboard

    def tab_to(predicate: str, limit: int = 80, back: bool = False) -> None:
        for _ in range(limit):
            key.press("Shift+Tab" if back else "Tab")
            if page.evaluate(f"() => {{ const e = document.activeElement; return {predicate}; }}"):
                return
        raise AssertionError(f"Tab never reached: {predicate}")

    tab_to("e.tagName === 'SUMMARY'")
    key.press("Enter")  # opens the key field
    tab_to("e.id === 'sleutel'")
    key.type(site.key)
    tab_to("e.id === 'adres'", back=True)
    key.type("4001A")
    page.wait_for_selector("#suggesties [role=option]")
    for _ in range(4):  # Kwartelstraat 1, 3, 5, 7 after Ribeslaan 2 and 4
        key.press("ArrowDown")
    active = page.get_attribute("#adres", "aria-activedescendant")
    label = page.inner_text(f"#{active}")
    key.press("Enter")
    assert page.input_value("#adres") == label.split(" 4001")[0]
    tab_to("e.id === 'personen'")
    key.type("4")
    with page.expect_response(lambda r: "/v1/toetsingen" in r.url) as answer:
        key.press("Enter")  # submits the form
    verdict = answer.value.json()
    page.wait_for_selector("#uitslag:not([hidden]) .rule")
    assert page.evaluate("document.activeElement.id") == "uitslag-kop"  # focus on the outcome
    assert_page_shows(page, verdict)
    # the map's evidence can be chosen with the keyboard, and brings focus to its row
    tab_to("e.getAttribute && e.getAttribute('data-evidence') !== null")
    chosen = page.evaluate("document.activeElement.getAttribute('data-evidence')")
    key.press("Enter")
    assert page.evaluate("document.activeElement.closest('tr').dataset.evidence") == chosen
    # record the application as pending with the keyboard
    tab_to("e.name === 'besluit' && e.checked")
    assert page.evaluate("document.activeElement.value") == "in-behandeling"
    tab_to("e.id === 'kenmerk'")
    key.type("WEB-TOETSENBORD-1")
    key.press("Enter")
    page.wait_for_selector("#besluit-status.ok, #besluit-status.conflict")
    assert "Vastgelegd: in behandeling" in page.inner_text("#besluit-status")


def test_no_serious_accessibility_problems_and_screenshots(browser: Any, site: Site) -> None:
    if not AXE.is_file():
        pytest.skip("axe-core is missing: run ./scripts/install-web-test-tools")
    g = Guarded(browser, site, bypass_csp=True)  # to inject axe; the page itself keeps its CSP
    try:
        page = open_page(g)
        problems: dict[str, list[str]] = {}

        def scan(name: str) -> None:
            page.add_script_tag(path=str(AXE)) if not page.evaluate("!!window.axe") else None
            result = page.evaluate(
                "() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations"
                ".filter(v => ['serious', 'critical'].includes(v.impact))"
                ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')))"
            )
            problems[name] = result

        scan("leeg")
        aalsmeer = check(page, "Reigersbekweg 7", "Reigersbekweg 7, Aalsmeer", 6)
        assert aalsmeer["outcome"] == "review"
        assert_page_shows(page, aalsmeer)
        distance = next(r for r in aalsmeer["rules"] if r["rule"] == "afstand")
        assert distance["evidence"][0]["distance_m"] == 99.95
        scan("aalsmeer")
        page.screenshot(path=str(site.shots / "web-aalsmeer-afstand.png"))
        westland = check(page, "Paprikastraat 1", "Paprikastraat 1, Naaldwijk", 120, beds=120)
        assert westland["outcome"] == "refused"
        assert_page_shows(page, westland)
        scan("westland")
        page.screenshot(path=str(site.shots / "web-westland-bestemming.png"))
        assert problems == {"leeg": [], "aalsmeer": [], "westland": []}
    finally:
        g.close()


def test_report_download_pdf_renders(guarded: Guarded, site: Site) -> None:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is missing: run ./scripts/install-web-test-tools")
    page = open_page(guarded)
    verdict = check(page, "4001AB 7", "Kwartelstraat 7, Tiel", 4)
    with page.expect_download() as download:
        page.click("#rapport-pdf")
    target = site.shots / "rapport-tiel.pdf"
    download.value.save_as(str(target))
    assert target.read_bytes().startswith(b"%PDF")
    assert download.value.suggested_filename == (
        f"spreidingstoets-{verdict['application']['verblijfsobject']}-{DAY}.pdf"
    )
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "60",
            "-png",
            "-f",
            "1",
            "-l",
            "2",
            str(target),
            str(site.shots / "rapport-tiel"),
        ],
        check=True,
    )
    pages = sorted(site.shots.glob("rapport-tiel-*.png"))
    assert len(pages) == 2 and all(p.stat().st_size > 10_000 for p in pages)
    text = subprocess.run(
        ["pdftotext", str(target), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Kwartelstraat 7, Tiel" in text and "insluiting" in text
    assert "spreidingstoets check 0281010000000004 --rules tiel" in text
