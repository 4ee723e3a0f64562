"""ZGW fit and replay: the objects a zaaksysteem stores with its zaak validate against the real
Zaken API 1.5.1 OpenAPI (read from ../shared at test time), and 200 stored decisions replayed
after the register has moved on give byte-identical verdicts."""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import pytest

from api_helpers import CHECK, Api, assert_problem, make_keys, sample_register_copy, sample_woningen
from conftest import REPO

pytestmark = pytest.mark.slow
ZGW = REPO.parent / "shared" / "standards" / "zgw" / "zaken-api-1.5.1.openapi.yaml"
ZAAK = "https://zaken.example.nl/zaken/api/v1/zaken/6f3c1f6e-8d4a-4d6b-9a53-2f1d3e4c5b6a"


@functools.cache
def _zgw_document() -> dict[str, Any]:
    import yaml

    return dict(yaml.load(ZGW.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader))


def _zgw_validator(name: str) -> Any:
    """A validator for a request body of schema ``name`` of the Zaken API: the fields the
    server fills in (readOnly: url, uuid, naam) are not required of a client."""
    jsonschema = pytest.importorskip("jsonschema")
    if not ZGW.is_file():
        pytest.skip(f"ZGW Zaken API document not present: {ZGW} (../shared is provided on CI)")
    doc = copy.deepcopy(_zgw_document())
    for schema in doc["components"]["schemas"].values():
        props = schema.get("properties", {})
        if "required" in schema:
            schema["required"] = [
                r for r in schema["required"] if not props.get(r, {}).get("readOnly")
            ]
    root = {**doc, "$ref": f"#/components/schemas/{name}"}
    return jsonschema.Draft7Validator(root)


def test_zgw_objects_validate_against_the_zaken_api(api: Api, http: Any) -> None:
    body = {
        **CHECK,
        "address": "Kwartelstraat 5 Tiel",
        "reference": "ZGW-1",
        "besluit": "geweigerd",
    }
    decided = http.post("/besluiten", json=body, headers=api.headers("decide"))
    assert decided.status_code == 201, decided.text
    besluit = decided.json()["id"]
    r = http.get(
        f"/besluiten/{besluit}/zgw",
        params={
            "zaak": ZAAK,
            "resultaattype": "https://catalogi.example.nl/api/v1/resultaattypen/1",
        },
        headers=api.headers("read"),
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-crs"] == "EPSG:4326"
    data = r.json()
    kinds = [o["objectType"] for o in data["zaakobjecten"]]
    assert kinds[0] == "adres" and "pand" in kinds
    adres = data["zaakobjecten"][0]["objectIdentificatie"]
    assert adres["gorOpenbareRuimteNaam"] == "Kwartelstraat" and adres["huisnummer"] == 5
    assert adres["wplWoonplaatsNaam"] == "Tiel" and adres["postcode"] == "4001AB"
    verdict = decided.json()["verdict"]
    assert [e["eigenschap"].rsplit("/", 1)[1] for e in data["zaakeigenschappen"]] == [
        rule["rule"] for rule in verdict["rules"]
    ]
    assert data["resultaat"]["toelichting"].startswith("Besluit: geweigerd")
    lon, lat = data["zaakgeometrie"]["coordinates"]
    assert 3 < lon < 8 and 50 < lat < 54

    for obj in data["zaakobjecten"]:
        schema = {"adres": "adres_ZaakObject", "pand": "pand_ZaakObject"}[obj["objectType"]]
        errors = list(_zgw_validator(schema).iter_errors(obj))
        assert errors == [], [e.message for e in errors]
    eigenschap = _zgw_validator("ZaakEigenschap")
    for item in data["zaakeigenschappen"]:
        assert list(eigenschap.iter_errors(item)) == []
    assert list(_zgw_validator("Resultaat").iter_errors(data["resultaat"])) == []
    assert list(_zgw_validator("GeoJSONGeometry").iter_errors(data["zaakgeometrie"])) == []
    # the validator does catch what the Zaken API refuses
    assert list(_zgw_validator("adres_ZaakObject").iter_errors({"zaak": ZAAK}))

    missing = http.get(f"/besluiten/{besluit}/zgw", headers=api.headers("read"))
    assert "zaak" in {p["name"] for p in assert_problem(missing, 400)["invalidParams"]}


def test_200_stored_decisions_replay_byte_identical_after_the_register_moved_on(
    tmp_path: Path,
) -> None:
    httpx = pytest.importorskip("httpx")
    import random

    from spreidingstoets_api.testing import running

    register = sample_register_copy(tmp_path)
    keys = make_keys(register)
    woningen = sample_woningen()
    rng = random.Random(11)
    with (
        running(register=register, log=tmp_path / "server.log") as server,
        httpx.Client(base_url=server.api, timeout=30, headers={"X-Api-Key": keys["admin"]}) as c,
    ):
        stored: list[tuple[int, str]] = []
        pending: list[dict[str, Any]] = []  # decided later: their own entry is left out then
        n = 0
        while len(stored) < 200:
            n += 1
            if pending and rng.random() < 0.3:
                body = {**pending.pop(), "besluit": rng.choice(["verleend", "geweigerd"])}
            else:
                body = {
                    "verblijfsobject_id": rng.choice(woningen),
                    "kind": rng.choice(["kamerverhuur", "arbeidsmigranten", "studenten"]),
                    "persons": rng.randint(1, 8),
                    "date": f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}",
                    "reference": f"REPLAY-{n}",
                    "besluit": rng.choice(["verleend", "geweigerd", "in-behandeling"]),
                }
            r = c.post("/besluiten", json=body)
            assert r.status_code in (201, 409), r.text
            if r.status_code == 201:
                stored.append((r.json()["id"], c.get(f"/besluiten/{r.json()['id']}").text))
                if body["besluit"] == "in-behandeling":
                    pending.append(body)
        assert n < 2000
        moved = c.get("/auditregels?pageSize=1").json()["resultaten"][0]["revision"]
        assert moved > 100  # the register moved on well past the first decisions
        for besluit, before in stored:
            replay = c.get(f"/besluiten/{besluit}/herberekening")
            assert replay.status_code == 200, replay.text
            data = replay.json()
            assert data["identical"] is True, (besluit, data["problems"])
            assert data["replayed"] == c.get(f"/besluiten/{besluit}").json()["verdict"]
            assert c.get(f"/besluiten/{besluit}").text == before  # stored once, never changed
