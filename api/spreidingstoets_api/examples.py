"""Example answers for the OpenAPI document: one real success answer per operation, kept in
``examples.json`` next to this module and attached to the document by ``openapi.build_openapi``.

The answers are generated, never written by hand. ``python -m spreidingstoets_api.examples``
starts the API in this process on the bundled sample, with a temporary SQLite copy of the
sample registers (the register ``spreidingstoets serve`` uses) and an API key of its own, calls
every operation once in the order a case-management system would (a check, the address search,
the rulesets, an application, the decision on it, the stored decision, its replay and ZGW
objects, the register, the audit log, a simulation, its state and result) and writes what each
answered, with the request that produced it. The bodies are the document's request-body
examples (``models.py``): the inputs are fixed (addresses, dates, references), so between runs
only the moments of now (audit rows, the simulation job) and the job's id differ. Long lists are shortened to their first few items (``shorten``) to keep the document
readable, and the few members the ADR linter would mistake for an operation are left out
(``lint_safe``); what remains still validates against the operation's schema
(``tests/test_api_examples.py``).

The generator needs ``httpx`` (FastAPI's test client), which the API's ``[test]`` extra
installs; reading the examples does not.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import tempfile
import time
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

log = logging.getLogger("spreidingstoets_api")
EXAMPLES_FILE = Path(__file__).with_name("examples.json")
ABOUT = (
    "Real answers of the API on the bundled sample, one per operation, attached to the OpenAPI "
    "document. Generated: python -m spreidingstoets_api.examples (do not edit by hand). Lists "
    "of evidence, features and CSV rows are shortened to their first few items; members the "
    "ADR linter mistakes for an operation (postcode) are left out."
)
BASE_URL = "https://spreidingstoets.example.org"  # the host in the answers' absolute links
KEPT = 3  # items kept of a long list (evidence of a rule, GeoJSON features, CSV rows)
SHORTENED = ("evidence", "features")  # the long lists, by their member name
# The ADR Spectral rule nlgov:problem-invalid-input selects
# $.paths..[?(@property.match(/(put)|(post)|(patch)/))] as operations: any member anywhere under
# the paths whose name contains "post" (an example's "postcode") must then be an object with a
# 400 response. Such members are left out of the examples (``lint_safe``).
NOT_AN_OPERATION = re.compile(r"(put)|(post)|(patch)")
ZAAK = "https://zaken.example.org/zaken/api/v1/zaken/5d0a3b2c-8f41-4e2a-9c55-1f6e2b7a9d01"
RESULTAATTYPE = (
    "https://catalogi.example.org/catalogi/api/v1/resultaattypen/"
    "0c9d3f1e-2a4b-4c6d-8e0f-1a2b3c4d5e6f"
)
EIGENSCHAP = "https://catalogi.example.org/catalogi/api/v1/eigenschappen/spreidingstoets"


@lru_cache(maxsize=1)
def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        log.warning("no examples for the OpenAPI document: %s is missing", path)
        return {}
    operations: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))["operations"]
    return operations


def load_examples(path: Path = EXAMPLES_FILE) -> dict[str, Any]:
    """The examples by operation id: ``summary``, ``request`` (``method``, ``path``,
    ``parameters`` by name, ``body``), ``status`` and ``content`` (the answer by media type).
    Empty (with a warning) when the file is missing."""
    return _read(path)


def shorten(value: Any) -> Any:
    """``value`` with every list named in ``SHORTENED`` cut to its first ``KEPT`` items."""
    if isinstance(value, dict):
        return {
            k: (
                [shorten(v) for v in item[:KEPT]]
                if k in SHORTENED and isinstance(item, list)
                else shorten(item)
            )
            for k, item in value.items()
        }
    if isinstance(value, list):
        return [shorten(v) for v in value]
    return value


def lint_safe(value: Any) -> Any:
    """``value`` without the members the ADR linter takes for an operation (a name containing
    put, post or patch, with a value that is no object)."""
    if isinstance(value, dict):
        return {
            k: lint_safe(v)
            for k, v in value.items()
            if isinstance(v, dict) or not NOT_AN_OPERATION.search(k)
        }
    if isinstance(value, list):
        return [lint_safe(v) for v in value]
    return value


def _csv_head(text: str) -> str:
    """The header and the first ``KEPT`` rows of a CSV answer."""
    return "".join(text.splitlines(keepends=True)[: KEPT + 1])


class _Recorder:
    """Calls the API and keeps each operation's answer as its example."""

    def __init__(self, client: Any, key: str) -> None:
        self.client = client
        self.key = key
        self.operations: dict[str, Any] = {}

    def call(
        self,
        operation: str,
        summary: str,
        method: str,
        path: str,
        *,
        expect: int,
        path_params: Mapping[str, Any] | None = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
        accept: str | None = None,
    ) -> Any:
        url = "/v1" + path.format(**(path_params or {}))
        sent = {"X-Api-Key": self.key, **(headers or {})}
        if accept:
            sent["Accept"] = accept
        r = self.client.request(method, url, params=params, headers=sent, json=body)
        if r.status_code != expect:
            raise RuntimeError(f"{operation}: {method} {url} answered {r.status_code}: {r.text}")
        media = r.headers["content-type"].split(";")[0].strip()
        value: Any = r.text if media.startswith("text/") else r.json()
        value = _csv_head(value) if media == "text/csv" else lint_safe(shorten(value))
        example = self.operations.setdefault(
            operation,
            {
                "summary": summary,
                "request": {
                    "method": method,
                    "path": path,
                    "parameters": {**(path_params or {}), **(params or {}), **(headers or {})},
                    **({"body": dict(body)} if body is not None else {}),
                },
                "status": str(expect),
                "content": {},
            },
        )
        example["content"][media] = value
        return r

    def wait(self, job: str, timeout: float = 300.0) -> None:
        """Until the simulation is done; an error when it failed or took too long."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = self.client.get(f"/v1/simulaties/{job}", headers={"X-Api-Key": self.key})
            state = r.json()
            if state["status"] == "klaar":
                return
            if state["status"] == "mislukt":
                raise RuntimeError(f"the simulation failed: {state.get('error')}")
            time.sleep(0.1)
        raise RuntimeError(f"the simulation was not done in {timeout:g} s")


def generate(folder: Path) -> dict[str, Any]:
    """Every operation's example, from a fresh API on the sample (working files in ``folder``)."""
    from fastapi.testclient import TestClient

    from spreidingstoets.register.db import Register
    from spreidingstoets.register.keys import create_key
    from spreidingstoets.service.sample import sample_register_database
    from spreidingstoets.service.workspace import Workspace
    from spreidingstoets.settings import load_settings
    from spreidingstoets_api.app import create_app

    settings = load_settings()
    given = {"data": settings.data, "rules": settings.rules, "sample": settings.sample}
    if any(given.values()):
        raise RuntimeError(
            "the examples are of the bundled sample: unset "
            + ", ".join(f"SPREIDINGSTOETS_{k.upper()}" for k, v in given.items() if v)
        )
    register = folder / "register.db"
    shutil.copy(sample_register_database(settings), register)
    with Register.open(str(register), create=False) as reg:
        key = create_key(reg, name="zaaksysteem", scopes="admin", actor="voorbeeld")[1]
    ws = Workspace(settings, register=str(register))
    # the simulation's job and files in ``folder``, not in the user's cache
    app = create_app(settings.model_copy(update={"cache_dir": folder / "cache"}), workspace=ws)
    with TestClient(app, base_url=BASE_URL) as client:
        rec = _Recorder(client, key)
        _calls(rec)
    return rec.operations


def _request_example(model: type[BaseModel]) -> dict[str, Any]:
    """The request-body example of ``model`` as the document shows it."""
    example: dict[str, Any] = model.model_json_schema()["examples"][0]
    return example


def _calls(rec: _Recorder) -> None:
    """Each operation once, in the order a case-management system calls them, with the
    document's request-body examples as bodies. The application to decide on is another
    address than the example's: Kwartelstraat 7 may not be granted (insluiting), 19 may (as in
    the README); the decision given in full is a third (Merelstraat 1), so it is new."""
    from spreidingstoets_api import models

    call = rec.call
    check = _request_example(models.CheckRequest)
    application = {
        **_request_example(models.ApplicationRequest),
        "address": "Kwartelstraat 19 Tiel",
    }
    direct = {
        **_request_example(models.DirectDecisionRequest),
        "address": "Merelstraat 1 Tiel",
        "reference": "Z-2026-0002",
    }
    call(
        "toetsAanvraag",
        "Toets Kwartelstraat 7 in Tiel voor 4 arbeidsmigranten: weigeren",
        "POST",
        "/toetsingen",
        body=check,
        expect=200,
    )
    call(
        "zoekAdres",
        "Zoek Kwartelstraat 7 in Tiel",
        "POST",
        "/adressen/_zoek",
        body=_request_example(models.AddressQuery),
        expect=200,
    )
    call("regelsets", "De regelsets van het voorbeeld", "GET", "/regelsets", expect=200)
    tiel = {"regelsetId": "tiel"}
    versions = call(
        "regelset",
        "De regelset van Tiel",
        "GET",
        "/regelsets/{regelsetId}",
        path_params=tiel,
        expect=200,
    ).json()["versions"]
    call(
        "regelsetVersies",
        "De versies van de regelset van Tiel",
        "GET",
        "/regelsets/{regelsetId}/versies",
        path_params=tiel,
        expect=200,
    )
    date = str(check["date"])
    version = next(
        v["version"]
        for v in versions
        if v["valid_from"] <= date and (v["valid_until"] is None or date <= v["valid_until"])
    )
    call(
        "regelsetVersie",
        f"Versie {version} van de regelset van Tiel, met haar regels en hun bronnen",
        "GET",
        "/regelsets/{regelsetId}/versies/{versie}",
        path_params={**tiel, "versie": version},
        expect=200,
    )
    entry = call(
        "maakAanvraag",
        "Kwartelstraat 19 in Tiel, 4 arbeidsmigranten, vastgelegd in behandeling",
        "POST",
        "/aanvragen",
        body=application,
        expect=201,
    ).json()["entry"]["id"]
    decision = call(
        "besluitOpAanvraag",
        "Verleend: de aanvraag haalt elke regel binnen het schrijfslot van het register",
        "POST",
        "/aanvragen/{aanvraagId}/besluit",
        path_params={"aanvraagId": entry},
        headers={"Idempotency-Key": f"{application['reference']}-besluit"},
        body=_request_example(models.DecisionRequest),
        expect=201,
    ).json()["id"]
    call(
        "maakBesluit",
        "Merelstraat 1 in Tiel, in zijn geheel gegeven en verleend",
        "POST",
        "/besluiten",
        body=direct,
        expect=201,
    )
    call(
        "aanvraag",
        "De aanvraag van Kwartelstraat 19 met haar besluiten",
        "GET",
        "/aanvragen/{aanvraagId}",
        path_params={"aanvraagId": entry},
        expect=200,
    )
    besluit = {"besluitId": decision}
    call(
        "besluit",
        "Het besluit op Kwartelstraat 19 met het oordeel uit het schrijfslot",
        "GET",
        "/besluiten/{besluitId}",
        path_params=besluit,
        expect=200,
    )
    call(
        "herberekenBesluit",
        "Het oordeel opnieuw berekend: byte voor byte gelijk",
        "GET",
        "/besluiten/{besluitId}/herberekening",
        path_params=besluit,
        expect=200,
    )
    call(
        "zgwObjecten",
        "De ZGW-objecten voor de zaak van het besluit",
        "GET",
        "/besluiten/{besluitId}/zgw",
        path_params=besluit,
        params={"zaak": ZAAK, "resultaattype": RESULTAATTYPE, "eigenschap": EIGENSCHAP},
        expect=200,
    )
    page = {"straat": "Kwartelstraat", "page": 1, "pageSize": KEPT}
    for accept in ("application/json", "application/geo+json"):
        call(
            "registraties",
            "De eerste registraties in de Kwartelstraat",
            "GET",
            "/registraties",
            params=page,
            accept=accept,
            expect=200,
        )
    call(
        "auditregels",
        "De nieuwste regels van het auditlog",
        "GET",
        "/auditregels",
        params={"page": 1, "pageSize": 2},  # a decision's row carries its whole verdict
        expect=200,
    )
    job = call(
        "startSimulatie",
        "Een simulatie van de Kwartelstraat, aangenomen",
        "POST",
        "/simulaties",
        body=_request_example(models.SimulationRequest),
        expect=202,
    ).json()["id"]
    rec.wait(job)
    simulatie = {"simulatieId": job}
    call(
        "simulatie",
        "De simulatie van de Kwartelstraat, klaar",
        "GET",
        "/simulaties/{simulatieId}",
        path_params=simulatie,
        expect=200,
    )
    for formaat in ("geojson", "csv"):
        call(
            "simulatieResultaat",
            "De woningen van de Kwartelstraat met hun uitkomst",
            "GET",
            "/simulaties/{simulatieId}/resultaat",
            path_params=simulatie,
            params={"formaat": formaat},
            expect=200,
        )


def write(path: Path = EXAMPLES_FILE) -> dict[str, Any]:
    """Generate the examples and write them to ``path`` (``examples.json``)."""
    with tempfile.TemporaryDirectory(prefix="spreidingstoets-voorbeelden-") as folder:
        operations = generate(Path(folder))
    text = json.dumps({"about": ABOUT, "operations": operations}, ensure_ascii=False, indent=1)
    path.write_text(text + "\n", encoding="utf-8")
    _read.cache_clear()
    return operations


if __name__ == "__main__":
    done = write()
    print(f"{EXAMPLES_FILE}: {len(done)} operations")
