"""Bad input to the HTTP API, by hand: every error is problem+json, invalid input is 400 with
every problem of the request at once (never 422), and nothing answers 500."""

from __future__ import annotations

from typing import Any

import pytest

from api_helpers import CHECK, Api, assert_problem

pytestmark = pytest.mark.slow


def _check(http: Any, api: Api, body: Any, **headers: str) -> Any:
    return http.post("/toetsingen", json=body, headers=api.headers("check", **headers))


def test_every_problem_of_a_body_at_once(api: Api, http: Any) -> None:
    body = {
        **CHECK,
        "persons": "four",
        "date": "2026-02-30",
        "ruleset": "nergenshuizen",
        "kind": "hotel",
    }
    problem = assert_problem(_check(http, api, body), 400)
    names = {p["name"] for p in problem["invalidParams"]}
    assert names == {"persons", "date", "ruleset", "kind"}
    reasons = " ".join(p["reason"] for p in problem["invalidParams"])
    assert "'four'" in reasons and "2026-02-30" in reasons and "tiel" in reasons
    assert problem["code"] == "ongeldige-invoer"


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"persons": "four"}, "persons", "geheel getal"),
        ({"persons": 0}, "persons", "minstens 1"),
        ({"persons": True}, "persons", "geheel getal"),
        ({"date": "2026-02-30"}, "date", "geen datum"),
        ({"date": "15-11-2026"}, "date", "geen datum"),
        ({"ruleset": "nergenshuizen"}, "ruleset", "bestaat niet"),
        ({"ruleset": "../rules/tiel.yaml"}, "ruleset", "bestaat niet"),
        ({"kind": "hotel"}, "kind", "soort gebruik"),
        ({"onbekend": 1}, "onbekend", "onbekend"),
        ({"valid_until": "2020-01-01"}, "body", "einddatum"),
        ({"overrides": ["tiel.straat.bestaat_niet=1"]}, None, "bestaat_niet"),
    ],
)
def test_bad_fields(
    api: Api, http: Any, change: dict[str, Any], field: str | None, words: str
) -> None:
    problem = assert_problem(_check(http, api, {**CHECK, "ruleset": "tiel", **change}), 400)
    assert words in problem["detail"]
    if field is not None:
        assert field in {p["name"] for p in problem["invalidParams"]}


def test_an_address_that_does_not_exist(api: Api, http: Any) -> None:
    problem = assert_problem(_check(http, api, {**CHECK, "address": "Nergensstraat 1 Tiel"}), 400)
    assert "nergensstraat" in problem["detail"].lower()
    vbo = assert_problem(
        _check(
            http,
            api,
            {
                **{k: v for k, v in CHECK.items() if k != "address"},
                "verblijfsobject_id": "0281019999999999",
            },
        ),
        404,
    )
    assert "0281019999999999" in vbo["detail"]
    both = assert_problem(
        _check(http, api, {**CHECK, "verblijfsobject_id": "0281010000000004"}), 400
    )
    assert "precies een" in both["detail"]


def test_a_body_of_10_mb_is_refused_unread(api: Api, http: Any) -> None:
    big = b'{"address": "' + b"x" * (10 * 1024 * 1024) + b'"}'
    r = http.post(
        "/toetsingen",
        content=big,
        headers=api.headers("check", **{"Content-Type": "application/json"}),
    )
    assert "bytes" in assert_problem(r, 413)["detail"]

    def chunks():  # no Content-Length: counted while it arrives
        for _ in range(20):
            yield b"x" * (512 * 1024)

    streamed = http.post(
        "/toetsingen",
        content=chunks(),
        headers=api.headers("check", **{"Content-Type": "application/json"}),
    )
    assert_problem(streamed, 413)


def test_wrong_content_type_and_broken_json(api: Api, http: Any) -> None:
    text = http.post(
        "/toetsingen",
        content=b"address=Kwartelstraat 7",
        headers=api.headers("check", **{"Content-Type": "application/x-www-form-urlencoded"}),
    )
    assert "application/json" in assert_problem(text, 415)["detail"]
    broken = http.post(
        "/toetsingen",
        content=b'{"address": ',
        headers=api.headers("check", **{"Content-Type": "application/json"}),
    )
    assert "JSON" in assert_problem(broken, 400)["detail"]
    empty = http.post(
        "/toetsingen", headers=api.headers("check", **{"Content-Type": "application/json"})
    )
    assert_problem(empty, 400)
    array = _check(http, api, [1, 2])
    assert_problem(array, 400)


def test_unknown_crs(api: Api, http: Any) -> None:
    r = http.post(
        "/toetsingen?expand=geometrie&crs=EPSG:3857", json=CHECK, headers=api.headers("check")
    )
    assert "EPSG:28992" in assert_problem(r, 400)["detail"]
    h = http.post(
        "/toetsingen?expand=geometrie",
        json=CHECK,
        headers=api.headers("check", **{"Accept-Crs": "EPSG:3857"}),
    )
    assert_problem(h, 406)
    assert_problem(
        http.post("/toetsingen?expand=alles", json=CHECK, headers=api.headers("check")), 400
    )


def test_a_key_without_the_decide_scope(api: Api, http: Any) -> None:
    r = http.post("/aanvragen", json={**CHECK, "reference": "K-1"}, headers=api.headers("check"))
    problem = assert_problem(r, 403)
    assert "'decide'" in problem["detail"]
    besluit = http.post(
        "/aanvragen/1/besluit", json={"besluit": "verleend"}, headers=api.headers("read")
    )
    assert_problem(besluit, 403)


def test_bad_decisions(api: Api, http: Any) -> None:
    h = api.headers("decide")
    assert_problem(
        http.post("/aanvragen/999999/besluit", json={"besluit": "verleend"}, headers=h), 404
    )
    bad = http.post("/aanvragen/1/besluit", json={"besluit": "ja"}, headers=h)
    assert "besluit" in {p["name"] for p in assert_problem(bad, 400)["invalidParams"]}
    assert_problem(http.post("/aanvragen/0/besluit", json={"besluit": "verleend"}, headers=h), 400)
    assert_problem(
        http.post("/aanvragen/abc/besluit", json={"besluit": "verleend"}, headers=h), 400
    )
    missing = http.post("/aanvragen", json=CHECK, headers=h)
    assert "reference" in {p["name"] for p in assert_problem(missing, 400)["invalidParams"]}
    assert_problem(http.get("/besluiten/1", headers=api.headers("read")), 404)  # an import row
    assert_problem(http.get("/besluiten/99999/herberekening", headers=api.headers("read")), 404)


def test_a_verblijfsobject_id_that_is_no_bag_id(api: Api, http: Any) -> None:
    # found by schemathesis: non-ASCII text in an id was a 500
    body = {k: v for k, v in CHECK.items() if k != "address"}
    for ident in ("é€", "0281€10000000004", "x" * 300):
        r = _check(http, api, {**body, "verblijfsobject_id": ident})
        assert r.status_code in (400, 404), r.text
        assert r.headers["content-type"].startswith("application/problem+json")
