"""Every resource of the HTTP API through a real server (uvicorn on a free port): status codes,
headers and bodies, and that the API answers exactly what the library computes."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest

from api_helpers import CHECK, Api, assert_problem

pytestmark = pytest.mark.slow


def test_openapi_is_public_versioned_and_readable_cross_origin(api: Api, http: Any) -> None:
    r = http.get("/openapi.json", headers={"Origin": "https://zaaksysteem.example"})
    assert r.status_code == 200
    assert r.headers["api-version"] == "1.0.0"
    assert r.headers["access-control-allow-origin"] == "*"
    assert "API-Version" in r.headers["access-control-expose-headers"]
    doc = r.json()
    assert doc["servers"][0]["url"] == "/v1" and doc["info"]["version"] == "1.0.0"
    assert {"/toetsingen", "/adressen/_zoek", "/aanvragen/{aanvraagId}/besluit"} <= set(
        doc["paths"]
    )
    for item in doc["paths"].values():
        for op in item.values():
            assert "422" not in op["responses"] and "400" in op["responses"]
    # the CRS is read from the request by the dependency (deps.crs), named in the document
    # from its openapi_parameters: once each on every operation that answers geometry
    for path, method in (
        ("/toetsingen", "post"),
        ("/adressen/_zoek", "post"),
        ("/registraties", "get"),
    ):
        params = [(p["name"], p["in"]) for p in doc["paths"][path][method]["parameters"]]
        assert params.count(("crs", "query")) == params.count(("Accept-Crs", "header")) == 1
    assert all(p["name"] != "crs" for p in doc["paths"]["/regelsets"]["get"].get("parameters", []))


def test_security_headers_on_every_answer(http: Any) -> None:
    for r in (http.get("/openapi.json"), http.get("/regelsets"), http.get("/bestaat-niet")):
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert "default-src 'none'" in r.headers["content-security-policy"]
        assert r.headers["api-version"] == "1.0.0"
    preflight = http.options(
        "/toetsingen",
        headers={
            "Origin": "https://zaaksysteem.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "X-Api-Key, Content-Type",
        },
    )
    assert preflight.status_code == 200
    assert "x-api-key" in preflight.headers["access-control-allow-headers"].lower()


def test_check_answers_the_library_verdict_byte_for_byte(api: Api, http: Any) -> None:
    from spreidingstoets.domain.inputs import ApplicationInput
    from spreidingstoets.domain.model import verdict_json
    from spreidingstoets.service import checks
    from spreidingstoets.service.workspace import Workspace
    from spreidingstoets.settings import load_settings

    body = {**CHECK, "address": "Kwartelstraat 11 Tiel"}
    with Workspace(load_settings(), register=api.register) as ws:
        app = checks.resolve(ws, ApplicationInput.parse(body), dt.date.today())
        expected = verdict_json(checks.check(ws, app, ws.ruleset("tiel")))
    r = http.post("/toetsingen", json=body, headers=api.headers("check"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    assert r.text == expected
    assert "_embedded" not in r.json()  # plain checks stay small


def test_check_writes_nothing(api: Api, http: Any) -> None:
    before = http.get("/auditregels", headers=api.headers("admin")).json()["totaal"]
    for _ in range(3):
        assert http.post("/toetsingen", json=CHECK, headers=api.headers("check")).status_code == 200
    assert http.get("/auditregels", headers=api.headers("admin")).json()["totaal"] == before


def test_check_with_overrides_and_an_explicit_ruleset(api: Api, http: Any) -> None:
    body = {**CHECK, "ruleset": "tiel", "overrides": ["tiel.straat.max_share=0.5"]}
    r = http.post("/toetsingen", json=body, headers=api.headers("check"))
    assert r.status_code == 200, r.text
    verdict = r.json()
    assert verdict["provenance"]["variant"]
    straat = {x["rule"]: x for x in verdict["rules"]}["straat"]
    assert float(straat["parameters"]["max_share"]) == 0.5


def test_geometry_on_request_in_the_requested_crs(api: Api, http: Any) -> None:
    plain = http.post("/toetsingen?expand=geometrie", json=CHECK, headers=api.headers("check"))
    assert plain.headers["content-crs"] == "OGC:CRS84"
    features = plain.json()["_embedded"]["geometrie"]["features"]
    roles = {f["properties"]["role"] for f in features}
    assert {"application_point", "application_pand", "evidence"} <= roles
    lon, lat = next(f for f in features if f["properties"]["role"] == "application_point")[
        "geometry"
    ]["coordinates"]
    assert 3 < lon < 8 and 50 < lat < 54  # the Netherlands in longitude, latitude
    rd = http.post(
        "/toetsingen?expand=geometrie&crs=EPSG:28992", json=CHECK, headers=api.headers("check")
    )
    assert rd.headers["content-crs"] == "EPSG:28992"
    x, y = next(
        f
        for f in rd.json()["_embedded"]["geometrie"]["features"]
        if f["properties"]["role"] == "application_point"
    )["geometry"]["coordinates"]
    assert 0 < x < 300_000 and 300_000 < y < 625_000  # RD metres
    by_header = http.post(
        "/toetsingen?expand=geometrie",
        json=CHECK,
        headers=api.headers("check", **{"Accept-Crs": "EPSG:4326"}),
    )
    assert by_header.headers["content-crs"] == "EPSG:4326"
    # the verdict itself is the same whatever the CRS: distances are RD metres
    strip = lambda r: {k: v for k, v in r.json().items() if k != "_embedded"}  # noqa: E731
    assert strip(plain) == strip(rd) == strip(by_header)


def test_address_search(api: Api, http: Any) -> None:
    r = http.post("/adressen/_zoek", json={"zoekterm": "4001AB 7"}, headers=api.headers("check"))
    assert r.status_code == 200, r.text
    adres = r.json()["adres"]
    assert adres["straat"] == "Kwartelstraat" and adres["huisnummer"] == 7
    assert adres["geometrie"]["type"] == "Point" and r.headers["content-crs"] == "OGC:CRS84"
    typo = http.post(
        "/adressen/_zoek", json={"zoekterm": "Kwartelstrat 7 Tiel"}, headers=api.headers("check")
    ).json()["adres"]
    assert typo["label"] == "Kwartelstraat 7, Tiel" and typo["verbeterd"]
    missing = http.post(
        "/adressen/_zoek", json={"zoekterm": "Kwartelstraat 999 Tiel"}, headers=api.headers("check")
    )
    body = assert_problem(missing, 400)  # the library: an address that is not there is bad input
    assert body["kandidaten"]


def test_rulesets_versions_and_rules_with_sources(api: Api, http: Any) -> None:
    r = http.get("/regelsets", headers=api.headers("read"))
    assert r.status_code == 200
    ids = [x["id"] for x in r.json()]
    from spreidingstoets.ruleset import available_rulesets
    from spreidingstoets.settings import load_settings

    assert ids == available_rulesets(load_settings().rules_dir) and "tiel" in ids
    tiel = http.get("/regelsets/tiel", headers=api.headers("read")).json()
    assert tiel["gemeentecode"] == "0281" and tiel["versions"]
    versions = http.get("/regelsets/tiel/versies", headers=api.headers("read")).json()
    name = versions[-1]["version"]
    one = http.get(f"/regelsets/tiel/versies/{name}", headers=api.headers("read")).json()
    assert one["rules"] and all(rule["source"] for rule in one["rules"])
    assert {"straat", "insluiting"} <= {rule["id"] for rule in one["rules"]}
    assert_problem(http.get("/regelsets/nergenshuizen", headers=api.headers("read")), 404)
    assert_problem(http.get("/regelsets/tiel/versies/1999", headers=api.headers("read")), 404)


def _apply(api: Api, http: Any, address: str, ref: str, **extra: Any) -> Any:
    body = {**CHECK, "address": address, "reference": ref, **extra}
    return http.post("/aanvragen", json=body, headers=api.headers("check,decide"))


def test_application_decision_idempotency_conflict_replay_and_audit(api: Api, http: Any) -> None:
    created = _apply(api, http, "Kwartelstraat 19 Tiel", "API-1")
    assert created.status_code == 201, created.text
    data = created.json()
    assert data["decision"] == "pending" and data["entry"]["status"] == "pending"
    entry = data["entry"]["id"]
    assert created.headers["location"] == f"/v1/aanvragen/{entry}"
    assert data["verdict"]["application"]["address"] == "Kwartelstraat 19, Tiel"

    path = f"/aanvragen/{entry}/besluit"
    h = api.headers("check,decide", **{"Idempotency-Key": "besluit-api-1"})
    granted = http.post(path, json={"besluit": "verleend"}, headers=h)
    assert granted.status_code == 201, granted.text
    g = granted.json()
    assert (g["decision"], g["previous"], g["replayed"]) == ("granted", "pending", False)
    assert granted.headers["location"] == f"/v1/besluiten/{g['id']}"
    again = http.post(path, json={"besluit": "verleend"}, headers=h)
    assert again.status_code == 200 and again.json()["replayed"] and again.json()["id"] == g["id"]
    reused = http.post(path, json={"besluit": "geweigerd"}, headers=h)
    assert_problem(reused, 409)

    shown = http.get(f"/aanvragen/{entry}", headers=api.headers("read")).json()
    assert shown["status"] == "granted" and [d["id"] for d in shown["decisions"]][-1] == g["id"]

    # the grant counts now: a third counted dwelling on Kwartelstraat breaks the 10% rule
    other = _apply(api, http, "Kwartelstraat 23 Tiel", "API-2").json()["entry"]["id"]
    refused = http.post(
        f"/aanvragen/{other}/besluit", json={"besluit": "verleend"}, headers=api.headers("decide")
    )
    body = assert_problem(refused, 409)
    assert "straat" in {rule["rule"] for rule in body["regels"]}
    assert "straat" in body["detail"]
    # a second active application on the same dwelling and kind is refused, naming the first
    second = _apply(api, http, "Kwartelstraat 19 Tiel", "API-3")
    assert assert_problem(second, 409)["registratie"] == entry

    stored = http.get(f"/besluiten/{g['id']}", headers=api.headers("read"))
    assert stored.status_code == 200
    s = stored.json()
    assert s["decision"] == "granted" and s["verdict"] == g["verdict"]
    assert s["actor"].startswith("api-sleutel") and "zaaksysteem" in s["actor"]
    replay = http.get(f"/besluiten/{g['id']}/herberekening", headers=api.headers("read")).json()
    assert replay["identical"] is True and replay["problems"] == []
    assert replay["stored_sha256"] == replay["replayed_sha256"]

    audit = http.get("/auditregels?pageSize=5", headers=api.headers("admin")).json()
    mine = next(row for row in audit["resultaten"] if row["id"] == g["id"])
    assert mine["action"] == "decision" and "zaaksysteem" in mine["actor"]


def test_idempotency_key_needs_a_fixed_date(api: Api, http: Any) -> None:
    body = {k: v for k, v in CHECK.items() if k != "date"}
    r = http.post(
        "/aanvragen",
        json={**body, "reference": "X-9"},
        headers=api.headers("decide", **{"Idempotency-Key": "k"}),
    )
    assert "date" in assert_problem(r, 400)["detail"]


def test_register_paged_filtered_json_and_geojson(api: Api, http: Any) -> None:
    h = api.headers("read")
    all_ = http.get("/registraties?pageSize=5", headers=h)
    assert all_.status_code == 200
    total = int(all_.headers["x-total-count"])
    assert total == all_.json()["totaal"] > 5
    assert 'rel="next"' in all_.headers["link"] and 'rel="prev"' not in all_.headers["link"]
    seen: list[int] = []
    page = 1
    while True:
        r = http.get(f"/registraties?pageSize=5&page={page}", headers=h)
        seen += [e["id"] for e in r.json()["resultaten"]]
        if 'rel="next"' not in r.headers["link"]:
            break
        page += 1
    assert seen == sorted(set(seen)) and len(seen) == total
    granted = http.get("/registraties?status=verleend&pageSize=100", headers=h).json()
    assert granted["resultaten"] and {e["status"] for e in granted["resultaten"]} == {"granted"}
    street = http.get("/registraties?straat=kwartelstraat&pageSize=100", headers=h).json()
    assert street["resultaten"]
    kind = http.get("/registraties?soort=studenten&pageSize=100", headers=h).json()
    assert {e["kind"] for e in kind["resultaten"]} == {"studenten"}
    geo = http.get(
        "/registraties?pageSize=3&crs=EPSG:28992", headers={**h, "Accept": "application/geo+json"}
    )
    assert geo.headers["content-type"] == "application/geo+json"
    assert geo.headers["content-crs"] == "EPSG:28992"
    fc = geo.json()
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 3
    assert fc["features"][0]["geometry"]["type"] == "Point"
    assert_problem(http.get("/registraties?page=999", headers=h), 400)
    assert_problem(http.get("/registraties?pageSize=1000", headers=h), 400)
    assert_problem(http.get("/registraties?soort=hotel", headers=h), 400)


def test_audit_log_needs_admin(api: Api, http: Any) -> None:
    assert http.get("/auditregels", headers=api.headers("admin")).status_code == 200
    assert_problem(http.get("/auditregels", headers=api.headers("read")), 403)
    no_key = assert_problem(http.get("/auditregels"), 401)
    assert "X-Api-Key" in no_key["detail"]
    assert_problem(http.get("/auditregels", headers={"X-Api-Key": "sst_nope"}), 401)
    bearer = http.get("/auditregels", headers={"Authorization": f"Bearer {api.keys['admin']}"})
    assert bearer.status_code == 200
    for method in ("put", "delete", "patch"):
        assert http.request(method, "/auditregels", headers=api.headers("admin")).status_code == 405


def test_scopes(api: Api, http: Any) -> None:
    assert_problem(http.post("/toetsingen", json=CHECK, headers=api.headers("read")), 403)
    assert_problem(http.get("/regelsets", headers=api.headers("check")), 403)
    decision = _apply(api, http, "Kwartelstraat 3 Tiel", "S-1")
    assert decision.status_code == 201
    no_decide = http.post(
        "/aanvragen", json={**CHECK, "reference": "S-2"}, headers=api.headers("check")
    )
    assert "decide" in assert_problem(no_decide, 403)["detail"]
    assert http.post("/toetsingen", json=CHECK, headers=api.headers("admin")).status_code == 200


def test_revoked_key_is_refused(api: Api, http: Any) -> None:
    from spreidingstoets.register.db import Register
    from spreidingstoets.register.keys import create_key, revoke_key

    with Register.open(api.register, create=False) as reg:
        key, token = create_key(reg, name="kort", scopes="check", actor="test")
        assert http.post("/toetsingen", json=CHECK, headers={"X-Api-Key": token}).status_code == 200
        revoke_key(reg, key.id, actor="test")
        actions = [r.action for r in reg.audit(limit=2)]
    assert actions == ["api-key", "api-key"]
    time.sleep(
        2.1
    )  # a worker trusts a key it checked for 2 s (SPREIDINGSTOETS_API_KEY_CACHE_SECONDS)
    assert_problem(http.post("/toetsingen", json=CHECK, headers={"X-Api-Key": token}), 401)


def test_unknown_paths_and_methods_are_problems(http: Any) -> None:
    assert "openapi" in assert_problem(http.get("/bestaat-niet"), 404)["detail"]
    assert_problem(http.get("/toetsingen"), 405)
    assert_problem(http.get(""), 404)  # /v1 itself is no resource


def test_public_checks_by_setting_but_never_decisions(tmp_path: Any) -> None:
    httpx = pytest.importorskip("httpx")
    from api_helpers import sample_register_copy
    from spreidingstoets_api.testing import running

    register = sample_register_copy(tmp_path)
    with running(register=register, log=tmp_path / "log", public_checks=True) as server:
        c = httpx.Client(base_url=server.api, timeout=30)
        assert c.post("/toetsingen", json=CHECK).status_code == 200
        assert c.post("/adressen/_zoek", json={"zoekterm": "4001AB 7"}).status_code == 200
        assert_problem(c.post("/aanvragen", json={**CHECK, "reference": "P-1"}), 401)
        assert_problem(c.get("/registraties"), 401)
        c.close()
