"""The workspace shared by threads: same verdicts as a sequential run, one overlay per register
revision, and rulesets checked against the dataset's layers before any application."""

from __future__ import annotations

import datetime as dt
import json
import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import REPO, run_cli
from spreidingstoets.domain.model import Application, verdict_json
from spreidingstoets.errors import ConfigurationError
from spreidingstoets.register.csvio import import_csv
from spreidingstoets.register.db import Register
from spreidingstoets.service import checks
from spreidingstoets.service.decisions import decide
from spreidingstoets.service.workspace import Workspace
from spreidingstoets.settings import load_settings

DAY = dt.date(2026, 11, 15)
KINDS = ("kamerverhuur", "arbeidsmigranten", "studenten")


@pytest.fixture
def db_workspace(tmp_path: Path, sample_ds):  # type: ignore[no-untyped-def]
    db = tmp_path / "register.db"
    with Register.open(db) as reg:
        import_csv(reg, REPO / "data" / "bag_sample" / "0281-tiel" / "register.csv", actor="test")
    ws = Workspace(load_settings(), register=str(db))
    ws._dataset = sample_ds  # the session's copy: loading it again would only cost time
    yield ws
    ws.close()


def _applications(ws: Workspace, n: int, seed: int) -> list[Application]:
    ds = ws.dataset
    tiel = [
        u for u in range(ds.n_units) if ds.woning[u] and ds.unit_identificatie(u).startswith("0281")
    ]
    rng = random.Random(seed)
    return [
        Application(
            unit=rng.choice(tiel), kind=rng.choice(KINDS), persons=rng.randint(1, 6), date=DAY
        )
        for _ in range(n)
    ]


def test_threads_give_the_sequential_verdicts_and_see_a_new_revision(db_workspace) -> None:  # type: ignore[no-untyped-def]
    ws = db_workspace
    tiel = ws.ruleset("tiel")
    apps = _applications(ws, 1000, seed=7)
    first, second = apps[:500], apps[500:]

    def run(batch: list[Application]) -> list[str]:
        with ThreadPoolExecutor(max_workers=8) as pool:
            return list(pool.map(lambda a: verdict_json(checks.check(ws, a, tiel)), batch))

    sequential_1 = [verdict_json(checks.check(ws, a, tiel)) for a in first]
    before = ws.overlay()
    assert run(first) == sequential_1
    assert ws.overlay() is before  # one overlay while the revision stays

    grant = next(a for a in apps if checks.check(ws, a, tiel).outcome != "refused")
    decide(ws, grant, tiel, "in-behandeling", reference="Z-THREADS", actor="test")
    after = ws.overlay()
    assert after is not before
    assert after.snapshot.revision != before.snapshot.revision
    assert len(after.entries) == len(before.entries) + 1

    threaded_2 = run(second)
    sequential_2 = [verdict_json(checks.check(ws, a, tiel)) for a in second]
    assert threaded_2 == sequential_2
    revisions = {json.loads(v)["provenance"]["register_revision"] for v in threaded_2}
    assert revisions == {after.snapshot.revision}


def test_released_caches_are_made_again_with_the_same_verdicts(db_workspace) -> None:  # type: ignore[no-untyped-def]
    """``release_caches`` (a simulation's end, before its outputs) empties every cache of the
    dataset and of the overlay, keeps the overlay, and later checks give the same verdicts."""
    ws = db_workspace
    tiel = ws.ruleset("tiel")
    apps = _applications(ws, 200, seed=11)
    before = [verdict_json(checks.check(ws, a, tiel)) for a in apps]
    ds, overlay = ws.dataset, ws.overlay()
    caches = [ds._facts, ds.derived, ds.footprints._cache, overlay._cache, overlay._trees]
    assert all(len(c) for c in caches)
    ws.release_caches()
    assert [len(c) for c in caches] == [0] * len(caches)
    assert ws.overlay() is overlay
    assert [verdict_json(checks.check(ws, a, tiel)) for a in apps] == before


def test_ruleset_needing_a_missing_layer_is_refused_before_any_check(
    sample_ws, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from spreidingstoets.dataset.compile import write_dataset
    from spreidingstoets.dataset.sources import read_source

    extract = next((REPO / "data" / "bag_sample" / "0358-aalsmeer").glob("BAGGEM*.zip"))
    data = tmp_path / "aalsmeer-zonder-lagen"
    write_dataset(read_source(extract), extract, data)  # no --layer: no gebieden layer
    ws = Workspace(load_settings(), data=data)
    with pytest.raises(ConfigurationError, match=r"laag 'gebieden'.*--layer gebieden=BESTAND"):
        ws.ruleset("aalsmeer")
    batch = tmp_path / "aanvragen.csv"
    batch.write_text("address,kind,persons\nNergensstraat 1,arbeidsmigranten,4\n")
    result = run_cli("check", "--batch", str(batch), "--rules", "aalsmeer", "--data", str(data))
    assert result.returncode == 3
    assert "gebieden" in result.stderr and "--layer gebieden=BESTAND" in result.stderr
    assert "Nergensstraat" not in result.stderr  # refused before the rows were read
    assert "Traceback" not in result.stderr


def test_without_rules_the_municipality_of_the_address_decides() -> None:
    result = run_cli(
        "check", "Reigersbekweg 7 Aalsmeer", "--persons", "6", "--date", "2026-03-01", "--json"
    )
    assert result.returncode in (0, 1), result.stderr
    assert json.loads(result.stdout)["provenance"]["ruleset"] == "aalsmeer"
    other = run_cli(
        "check",
        "Reigersbekweg 7 Aalsmeer",
        "--rules",
        "tiel",
        "--persons",
        "4",
        "--date",
        "2026-03-01",
        "--json",
    )
    assert "regelset 'tiel' is van gemeente 0281, de aanvraag ligt in gemeente 0358" in other.stderr


def test_persons_is_required() -> None:
    result = run_cli("check", "Kwartelstraat 7 Tiel", "--rules", "tiel")
    assert result.returncode == 2 and "--persons" in result.stderr


def test_another_dataset_without_register_is_checked_on_an_empty_one(weesp_dir: Path) -> None:
    result = run_cli(
        "check",
        "Achtergracht 34, Weesp",
        "--rules",
        "tiel",
        "--persons",
        "4",
        "--date",
        "2024-01-01",
        "--data",
        str(weesp_dir),
        "--json",
    )
    assert result.returncode in (0, 1), result.stderr
    assert json.loads(result.stdout)["provenance"]["register_revision"] == "leeg"
    assert "leeg register" in result.stderr
    none = run_cli("check", "Achtergracht 34, Weesp", "--persons", "4", "--data", str(weesp_dir))
    assert none.returncode == 2 and "geen regelset voor gemeente 0457" in none.stderr


def test_check_says_when_it_corrected_the_address() -> None:
    result = run_cli("check", "Kwartelstaat 7", "--persons", "4", "--date", "2026-11-15")
    assert result.returncode in (0, 1), result.stderr
    assert "straat 'kwartelstaat' gelezen als Kwartelstraat" in result.stderr
