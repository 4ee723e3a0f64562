"""The report as PDF: the HTML printed by headless Chromium (Debian's ``chromium`` package).

Chromium runs with a throw-away profile and with every host name unresolvable, so printing
never reaches the network; the report holds everything it shows. Chromium stamps the time of
printing into the PDF: that stamp is set to the verdict's date, so the same report gives the
same bytes.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from spreidingstoets.errors import ConfigurationError

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
ENV_BROWSER = "SPREIDINGSTOETS_CHROMIUM"  # path of the browser, when not on PATH
TIMEOUT_S = 90
_STAMP = re.compile(rb"/(CreationDate|ModDate) \(D:(\d{14})([^)]*)\)")


def find_browser() -> str:
    """The headless browser that prints reports, or a ConfigurationError saying what to install."""
    given = os.environ.get(ENV_BROWSER)
    if given:
        if shutil.which(given):
            return str(shutil.which(given))
        raise ConfigurationError(
            f"{ENV_BROWSER}={given!r}: dit programma bestaat niet; geef het pad van chromium"
        )
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise ConfigurationError(
        "geen Chromium gevonden om een PDF te maken; installeer het (Debian: apt-get install "
        f"chromium), zet {ENV_BROWSER} op het pad ervan, of schrijf HTML met --out BESTAND.html"
    )


def html_to_pdf(html: str, day: dt.date) -> bytes:
    """The HTML report printed to A4 PDF; ``day`` (the verdict's date) is its time stamp."""
    browser = find_browser()
    with tempfile.TemporaryDirectory(prefix="spreidingstoets-pdf-") as tmp:
        page = Path(tmp) / "rapport.html"
        out = Path(tmp) / "rapport.pdf"
        page.write_text(html, encoding="utf-8")
        cmd = [
            browser,
            "--headless",
            "--no-sandbox",  # root in containers and CI; the page is our own, offline
            "--disable-gpu",
            "--disable-extensions",
            "--no-first-run",
            "--no-default-browser-check",
            "--host-resolver-rules=MAP * ~NOTFOUND",  # no network
            f"--user-data-dir={Path(tmp) / 'profiel'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={out}",
            page.as_uri(),
        ]
        try:
            done = subprocess.run(
                cmd, capture_output=True, text=True, timeout=TIMEOUT_S, check=False
            )
        except subprocess.TimeoutExpired:
            raise ConfigurationError(
                f"{browser} maakte de PDF niet binnen {TIMEOUT_S} s; probeer --out BESTAND.html"
            ) from None
        if done.returncode != 0 or not out.is_file() or out.stat().st_size == 0:
            last = (done.stderr.strip().splitlines() or ["geen uitvoer"])[-1]
            raise ConfigurationError(f"{browser} maakte geen PDF (exit {done.returncode}): {last}")
        return stamp(out.read_bytes(), day)


def stamp(pdf: bytes, day: dt.date) -> bytes:
    """Set the PDF's creation and modification dates to ``day`` (same length: offsets stay)."""
    fixed = day.strftime("%Y%m%d").encode() + b"000000"
    return _STAMP.sub(lambda m: b"/" + m.group(1) + b" (D:" + fixed + m.group(3) + b")", pdf)
