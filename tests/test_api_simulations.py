"""Planner simulations as jobs on the HTTP API: through the real server on the sample (create,
poll, summary equal to ``simulate --json``, result files), and the job store's states."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from api_helpers import Api, assert_problem
from conftest import run_cli

pytest.importorskip("spreidingstoets_api", reason="the API is not installed (pip install -e api)")

BODY = {
    "ruleset": "tiel",
    "kind": "arbeidsmigranten",
    "persons": 4,
    "date": "2026-11-15",
    "selection": {"streets": ["Kwartelstraat"]},
}


def _wait(http: Any, api: Api, location: str, timeout: float = 30.0) -> list[dict[str, Any]]:
    """Every state seen while polling the job until it is done or failed (bounded)."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = http.get(location.removeprefix("/v1"), headers=api.headers("read"))
        assert r.status_code == 200, r.text
        seen.append(r.json())
        if seen[-1]["status"] in ("klaar", "mislukt"):
            return seen
        time.sleep(0.1)
    raise AssertionError(f"job {location} not done in {timeout:g} s: {seen[-1]}")


@pytest.mark.slow
def test_a_job_simulates_a_street_as_the_cli_does(api: Api, http: Any, tmp_path: Path) -> None:
    r = http.post("/simulaties", json=BODY, headers=api.headers("check"))
    assert r.status_code == 202, r.text
    job = r.json()
    assert r.headers["location"] == f"/v1/simulaties/{job['id']}"
    assert job["status"] in ("wachtend", "bezig", "klaar") and 0 <= job["progress"] <= 1
    assert job["created"] and job["request"]["selection"] == {"streets": ["Kwartelstraat"]}

    seen = _wait(http, api, r.headers["location"])
    done = seen[-1]
    assert done["status"] == "klaar", done
    assert done["progress"] == 1.0 and done["finished"] >= done["started"] >= done["created"]
    progress = [s["progress"] for s in seen]
    assert progress == sorted(progress)  # progress never goes back

    cli = run_cli(
        "simulate", "--rules", "tiel", "--persons", "4", "--date", "2026-11-15",
        "--street", "Kwartelstraat", "--register", api.register,
        "--out", str(tmp_path / "cli"), "--json",
    )  # fmt: skip
    assert cli.returncode == 0, cli.stderr
    expected = json.loads(cli.stdout)
    assert expected.pop("folder") == str(tmp_path / "cli")
    assert done["summary"] == expected
    assert expected["candidates"] > 0

    links = done["_links"]
    geo = http.get(links["geojson"]["href"].removeprefix("/v1"), headers=api.headers("check"))
    assert geo.status_code == 200, geo.text
    assert geo.headers["content-type"] == "application/geo+json"
    assert geo.headers["content-crs"] == "OGC:CRS84"
    features = geo.json()["features"]
    assert len(features) == expected["candidates"]

    table = http.get(links["csv"]["href"].removeprefix("/v1"), headers=api.headers("read"))
    assert table.status_code == 200 and table.headers["content-type"].startswith("text/csv")
    assert table.text == (tmp_path / "cli" / "woningen.csv").read_text("utf-8")
    rows = list(csv.DictReader(io.StringIO(table.text)))
    assert {row["verblijfsobject"] for row in rows} == {
        f["properties"]["verblijfsobject"] for f in features
    }
    assert all(row["adres"].startswith("Kwartelstraat ") for row in rows)
    counted = {
        k: sum(row["outcome"] == k for row in rows) for k in ("allowed", "review", "refused")
    }
    assert counted == expected["outcomes"]

    streets = http.get(links["csv-straten"]["href"].removeprefix("/v1"), headers=api.headers())
    assert streets.text == (tmp_path / "cli" / "straten.csv").read_text("utf-8")
    gpkg = http.get(links["gpkg"]["href"].removeprefix("/v1"), headers=api.headers("read"))
    assert gpkg.headers["content-type"] == "application/geopackage+sqlite3"
    assert gpkg.content.startswith(b"SQLite format 3\x00")
    missing = http.get(
        f"/simulaties/{done['id']}/resultaat",
        params={"formaat": "csv", "tabel": "gebieden"},
        headers=api.headers("read"),
    )
    assert "gebieden" in assert_problem(missing, 404)["detail"]


@pytest.mark.slow
def test_a_waiting_job_has_no_result_yet(api: Api, http: Any) -> None:
    """One simulation at a time per worker: the second waits while the first (every dwelling
    of Tiel) runs, and its result is a 404 until it is done."""
    first = http.post("/simulaties", json={**BODY, "selection": {}}, headers=api.headers("check"))
    second = http.post("/simulaties", json=BODY, headers=api.headers("check"))
    assert first.status_code == second.status_code == 202
    early = http.get(second.headers["location"].removeprefix("/v1") + "/resultaat")
    assert_problem(early, 401)
    early = http.get(
        second.headers["location"].removeprefix("/v1") + "/resultaat", headers=api.headers("read")
    )
    body = assert_problem(early, 404)
    assert body["code"] == "nog-niet-klaar" and "wachtend" in body["detail"]
    assert early.headers["retry-after"]
    assert _wait(http, api, first.headers["location"])[-1]["status"] == "klaar"
    assert _wait(http, api, second.headers["location"])[-1]["status"] == "klaar"


@pytest.mark.slow
def test_bad_simulation_input_is_one_400_with_every_problem(api: Api, http: Any) -> None:
    body = {
        "ruleset": "tiell",
        "kind": "hotel",
        "persons": 0,
        "selection": {"bbox": [10, 0, 5, 1], "gemeente": "Tiel"},
    }
    problem = assert_problem(http.post("/simulaties", json=body, headers=api.headers("check")), 400)
    names = {p["name"] for p in problem["invalidParams"]}
    assert names == {"ruleset", "kind", "persons", "selection.bbox", "selection.gemeente"}
    assert "tiel" in problem["detail"] and "kamerverhuur" in problem["detail"]

    body = {
        **BODY,
        "overrides": ["tiel.straat.max_share=veel"],
        "selection": {"streets": ["Kwartelstrat", "Nergensstraat"]},
        "areas": "stadsdelen",
    }
    problem = assert_problem(http.post("/simulaties", json=body, headers=api.headers("check")), 400)
    params = {p["name"]: p["reason"] for p in problem["invalidParams"]}
    assert set(params) == {"overrides", "selection.streets.0", "selection.streets.1", "areas"}
    assert "kwartelstraat" in params["selection.streets.0"]  # did you mean

    empty = {**BODY, "selection": {"bbox": [0, 0, 1, 1]}}
    problem = assert_problem(
        http.post("/simulaties", json=empty, headers=api.headers("check")), 400
    )
    assert "geen woningen" in problem["detail"]

    assert_problem(http.get("/simulaties/" + "0" * 32, headers=api.headers("read")), 404)
    assert_problem(http.get("/simulaties/niet-een-id", headers=api.headers("read")), 400)
    unknown = http.get("/simulaties/" + "0" * 32 + "/resultaat", headers=api.headers("read"))
    assert_problem(unknown, 404)


@pytest.mark.slow
def test_simulations_need_the_check_scope_to_start_and_read_or_check_to_read(
    api: Api, http: Any
) -> None:
    for scope in ("read", "decide"):
        r = http.post("/simulaties", json=BODY, headers=api.headers(scope))
        assert "'check'" in assert_problem(r, 403)["detail"]
    assert_problem(http.post("/simulaties", json=BODY), 401)
    job = http.post("/simulaties", json=BODY, headers=api.headers("check")).json()
    r = http.get(f"/simulaties/{job['id']}", headers=api.headers("decide"))
    assert "'read' of 'check'" in assert_problem(r, 403)["detail"]
    assert _wait(http, api, f"/v1/simulaties/{job['id']}")[-1]["status"] == "klaar"


# ---- the job store, in this process ---------------------------------------------------------


def _jobs(tmp_path: Path, **options: Any) -> Any:
    from spreidingstoets_api.jobs import Jobs

    jobs = Jobs(tmp_path / "jobs", **{"threads": 1, "queue": 1, "keep_hours": 1, **options})
    jobs.start()
    return jobs


def _until(jobs: Any, job_id: str, status: str, step: str | None = None) -> dict[str, Any]:
    deadline = time.monotonic() + 10
    while (state := jobs.get(job_id))["status"] != status or (step and state["step"] != step):
        assert time.monotonic() < deadline, state
        time.sleep(0.01)
    return dict(state)


def test_jobs_wait_run_fail_in_dutch_and_a_full_queue_is_503(tmp_path: Path) -> None:
    from spreidingstoets.errors import InputError
    from spreidingstoets_api.problems import ApiProblem

    jobs = _jobs(tmp_path)
    gate = threading.Event()

    def blocked(folder: Path, report: Any) -> dict[str, Any]:
        report(0.5, "halverwege")
        gate.wait(10)
        folder.mkdir()
        return {"done": True}

    def failing(folder: Path, report: Any) -> dict[str, Any]:
        raise InputError("de straat bestaat niet meer")

    running = jobs.submit({"n": 1}, blocked)
    waiting = jobs.submit({"n": 2}, failing)
    with pytest.raises(ApiProblem) as full:
        jobs.submit({"n": 3}, failing)
    assert full.value.status == 503 and full.value.headers["Retry-After"]
    assert _until(jobs, running["id"], "bezig", "halverwege")["progress"] == 0.5
    assert jobs.get(waiting["id"])["status"] == "wachtend"
    gate.set()
    done = _until(jobs, running["id"], "klaar")
    assert done["summary"] == {"done": True} and done["progress"] == 1.0
    failed = _until(jobs, waiting["id"], "mislukt")
    assert failed["error"] == "de straat bestaat niet meer" and failed["finished"]
    # another worker reads the same state from the file
    other = _jobs(tmp_path)
    assert other.get(waiting["id"])["error"] == "de straat bestaat niet meer"
    assert other.get(running["id"])["summary"] == {"done": True}
    jobs.stop()
    other.stop()


def test_a_job_of_a_dead_worker_is_failed_and_old_jobs_are_swept(tmp_path: Path) -> None:
    import os

    from spreidingstoets_api.jobs import OWNER
    from spreidingstoets_api.problems import ApiProblem

    jobs = _jobs(tmp_path)
    path = jobs.state_path("a" * 32)
    state = {"id": "a" * 32, "status": "bezig", "progress": 0.3, "request": {}}
    gone = int(Path("/proc/sys/kernel/pid_max").read_text()) - 1  # not a running process
    owner = {"host": __import__("socket").gethostname(), "pid": gone}
    path.write_text(json.dumps({**state, OWNER: owner}))
    seen = jobs.get("a" * 32)
    assert seen["status"] == "mislukt" and "gestopt" in seen["error"]
    jobs.folder("a" * 32).mkdir()
    old = time.time() - 2 * 3600
    os.utime(path, (old, old))
    jobs.sweep()
    assert not path.exists() and not jobs.folder("a" * 32).exists()
    with pytest.raises(ApiProblem) as missing:
        jobs.get("a" * 32)
    assert missing.value.status == 404
    jobs.stop()


def test_links_name_only_the_files_the_job_wrote() -> None:
    """Beyond a million dwellings a simulation writes no GeoJSON: the job then links none."""
    from spreidingstoets_api.routes.simulations import _links

    files = ["woningen.csv", "straten.csv", "regels.csv", "simulatie.gpkg", "kaart.png"]
    links = _links("a" * 32, "klaar", files)
    assert set(links) == {"self", "gpkg", "csv", "csv-straten", "csv-regels"}
    assert set(_links("a" * 32, "klaar", [*files, "simulatie.geojson"])) == {*links, "geojson"}
    assert set(_links("a" * 32, "bezig", files)) == {"self"}
