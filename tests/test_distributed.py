"""Simulations in partitions (gemeente or tile, each with its halo) and on a Dask cluster give
the single-process result: the sample and a synthetic dataset of several gemeenten."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from conftest import REPO
from spreidingstoets.domain.register import RegisterEntry, RegisterSnapshot
from spreidingstoets.ruletypes.base import RegisterOverlay
from spreidingstoets.service.sample import sample_dataset_path
from spreidingstoets.service.simulations import template_of
from spreidingstoets.service.workspace import Workspace
from spreidingstoets.settings import load_settings
from spreidingstoets.simulate import SimulationResult, simulate
from spreidingstoets.simulate.distributed import merge_parts, simulate_part
from spreidingstoets.simulate.partition import partition, reach_m

DAY = dt.date(2026, 3, 1)


def assert_same(a: SimulationResult, b: SimulationResult) -> None:
    assert np.array_equal(a.units, b.units)
    assert np.array_equal(a.overall, b.overall)
    assert a.provenance == b.provenance
    for x, y in zip(a.rules, b.rules, strict=True):
        assert (x.rule, x.path, x.exact) == (y.rule, y.path, y.exact)
        assert np.array_equal(x.outcome, y.outcome), x.rule
        assert x.figures.keys() == y.figures.keys()
        for k, fx in x.figures.items():
            fy = y.figures[k]
            if fx.dtype.kind == "f":
                assert np.array_equal(fx, fy, equal_nan=True), (x.rule, k)
            else:
                assert fx.tolist() == fy.tolist(), (x.rule, k)


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A synthetic dataset of five gemeenten side by side (street cells 600 m wide, gemeente
    borders every 24 cells: dwellings of two gemeenten lie within 100 m of each other), with
    one in five dwellings counted in the register."""
    from spreidingstoets.sample import write_national

    path = tmp_path_factory.mktemp("national") / "ds"
    write_national(path, 6_000, seed=5, flats=0.1)
    ws = Workspace(load_settings(), data=path)
    ds = ws.dataset
    rng = random.Random(3)
    counted = sorted(rng.sample(list(np.flatnonzero(ds.woning)), int(ds.woning.sum()) // 5))
    snapshot = RegisterSnapshot(
        tuple(
            RegisterEntry(
                id=i + 1,
                verblijfsobject_id=ds.unit_identificatie(int(u)),
                kind="arbeidsmigranten",
                status="granted",
                persons=4,
                valid_from=dt.date(2020, 1, 1),
            )
            for i, u in enumerate(counted)
        ),
        "test@1",
    )
    # Tiel's rules and no counted dwelling within 100 m (footprints), on any dataset
    version = ws.ruleset(str(REPO / "benchmarks" / "bench_rules.yaml")).version_on(DAY)
    template = template_of("arbeidsmigranten", 4, DAY, DAY)
    overlay = RegisterOverlay.build(ds, snapshot)
    candidates = np.flatnonzero(ds.woning)
    candidates = candidates[~np.isin(candidates, counted)]
    whole = simulate(ds, overlay, version, template, candidates)
    return {
        "path": path,
        "ds": ds,
        "snapshot": snapshot,
        "version": version,
        "template": template,
        "candidates": candidates,
        "counted": np.array(counted),
        "whole": whole,
    }


def test_reach_is_the_largest_distance_of_the_rules() -> None:
    ws = Workspace(load_settings())
    # aalsmeer: no counted dwelling within 100 m, plus a 1 m review band
    assert reach_m(ws.ruleset("aalsmeer").version_on(DAY).rules) == 101.0
    assert reach_m(ws.ruleset("tiel").version_on(DAY).rules) == 100.0
    assert reach_m(ws.ruleset("westland").version_on(DAY).rules) == 0.0  # no distance rule


def test_partitions_cover_every_candidate_once(national: dict[str, Any]) -> None:
    ds, cand = national["ds"], national["candidates"]
    for by in ("gemeente", "tile"):
        parts = partition(cand[::-1], ds.unit_xy, ds.unit_id, by=by, tile_m=5000)
        rows = np.concatenate([p.core for p in parts])
        assert np.array_equal(np.sort(rows), cand) and len(parts) >= 4
    by_gemeente = partition(cand, ds.unit_xy, ds.unit_id, by="gemeente")
    assert [p.key for p in by_gemeente] == sorted(ds.manifest["gemeentecodes"])
    for p in by_gemeente:
        assert {bytes(i[:4]).decode() for i in ds.unit_id[p.core]} == {p.key}
    # grouped: whole gemeenten (tiles) per part, about equal sizes
    for by in ("gemeente", "tile"):
        few = partition(cand, ds.unit_xy, ds.unit_id, by=by, tile_m=5000, max_parts=3)
        many = partition(cand, ds.unit_xy, ds.unit_id, by=by, tile_m=5000)
        assert len(few) == 3 and np.array_equal(
            np.sort(np.concatenate([p.core for p in few])), cand
        )
        sizes = [len(p.core) for p in few]
        assert max(sizes) < 2.5 * min(sizes)
        for p in many:  # no gemeente or tile is split between two parts
            assert sum(np.isin(p.core, q.core).any() for q in few) == 1
    with pytest.raises(ValueError, match="by must be"):
        partition(cand, ds.unit_xy, ds.unit_id, by="provincie")


@pytest.mark.parametrize(("by", "tile_m"), [("gemeente", 0.0), ("tile", 5000.0)])
def test_parts_with_their_halo_give_the_whole(
    national: dict[str, Any], by: str, tile_m: float
) -> None:
    n = national
    ds, reach = n["ds"], reach_m(n["version"].rules)
    parts = partition(n["candidates"], ds.unit_xy, ds.unit_id, by=by, tile_m=tile_m or 1e4)
    results = [
        simulate_part(str(n["path"]), p.core, reach, n["version"], n["template"], n["snapshot"])
        for p in parts
    ]
    assert_same(merge_parts(results, n["candidates"]), n["whole"])
    # The halo matters: dwellings refused for a counted dwelling within 100 m that lies in
    # another part (across the edge of their gemeente or tile).
    part_of = np.full(ds.n_units, -1)
    for i, p in enumerate(parts):
        part_of[p.core] = i
    counted = n["counted"]
    refused = n["whole"].units[n["whole"].rule("afstand").outcome == "fail"]
    across = 0
    for u in refused:
        near = counted[np.hypot(*(ds.unit_xy[counted] - ds.unit_xy[u]).T) < 100]
        across += bool((part_of[near] != part_of[u]).any())
    assert across > 0


def test_gemeente_edges_have_counted_dwellings_within_100_m(national: dict[str, Any]) -> None:
    # the synthetic data really puts dwellings of two gemeenten within a radius of each other
    ds, counted = national["ds"], national["counted"]
    gem = np.array([bytes(i[:4]) for i in ds.unit_id])
    pairs = ds.point_tree.query_pairs(100.0, output_type="ndarray")
    assert (gem[pairs[:, 0]] != gem[pairs[:, 1]]).any()
    assert np.isin(pairs[gem[pairs[:, 0]] != gem[pairs[:, 1]]], counted).any()


# ---- on a Dask cluster (LocalCluster, 2 workers) --------------------------------------------


@pytest.fixture(scope="module")
def cluster():  # type: ignore[no-untyped-def]
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as c:
        yield c


def test_dask_on_the_synthetic_gemeenten_equals_one_process(
    national: dict[str, Any],
    cluster: Any,
) -> None:
    from spreidingstoets.simulate.distributed import simulate_distributed

    n = national
    result, info = simulate_distributed(
        n["path"],
        n["candidates"],
        n["ds"].unit_xy,
        n["ds"].unit_id,
        n["version"],
        n["template"],
        n["snapshot"],
        scheduler=cluster.scheduler_address,
        by="tile",
        tile_m=5000,
    )
    assert (
        info["workers"] == 2
        and info["partitions"] >= 4
        and info["halo_m"] == reach_m(n["version"].rules)
    )
    assert_same(result, n["whole"])


def test_dask_local_cluster_on_the_sample_equals_one_process() -> None:
    pytest.importorskip("dask.distributed")
    from spreidingstoets.simulate.distributed import simulate_distributed

    ws = Workspace(load_settings())
    ds = ws.dataset
    overlay = ws.overlay()
    version = ws.ruleset("tiel").version_on(DAY)
    template = template_of("kamerverhuur", 5, DAY, DAY)
    candidates = np.flatnonzero(ds.woning)
    whole = simulate(ds, overlay, version, template, candidates)
    result, info = simulate_distributed(
        sample_dataset_path(ws.settings),
        candidates,
        ds.unit_xy,
        ds.unit_id,
        version,
        template,
        overlay.snapshot,
        workers=2,
    )
    assert info["scheduler"].startswith("LocalCluster") and info["partitions"] == 3
    assert_same(result, whole)
    assert whole.counts()["refused"] > 0 and whole.counts()["review"] > 0


def test_a_part_loads_only_what_its_answers_need(national: dict[str, Any]) -> None:
    from spreidingstoets.dataset.store import load_dataset_part

    n = national
    ds = n["ds"]
    core = partition(n["candidates"], ds.unit_xy, ds.unit_id, by="tile", tile_m=5000)[0].core
    part, rows = load_dataset_part(n["path"], core, 101.0)
    assert part.sha256 == ds.sha256 and np.isin(core, rows).all()
    assert len(rows) < ds.n_units / 3  # the halo, not the country
    assert (part.unit_id == ds.unit_id[rows]).all()
    # references stay right: addresses, streets and panden of every unit of the part
    for u in range(0, len(rows), 37):
        whole_u = int(rows[u])
        assert part.unit_label(u) == ds.unit_label(whole_u)
        mine = [part.footprint_identificatie(int(f)) for f in part.unit_fps.members(u)]
        theirs = [ds.footprint_identificatie(int(f)) for f in ds.unit_fps.members(whole_u)]
        assert mine == theirs
    everything, all_rows = load_dataset_part(n["path"], core, None)
    assert everything.n_units == ds.n_units and np.array_equal(all_rows, np.arange(ds.n_units))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--engine", "daks"], "--engine 'daks' bestaat niet; bedoelt u 'dask'?"),
        (["--scheduler", "tcp://127.0.0.1:8786"], "--scheduler hoort bij --engine dask"),
    ],
)
def test_engine_options_are_checked_first(tmp_path: Path, args: list[str], message: str) -> None:
    from conftest import run_cli

    out = run_cli(
        "simulate", "--rules", "tiel", "--persons", "4", "--out", str(tmp_path / "o"), *args
    )
    assert out.returncode == 2 and message in out.stderr
    assert not (tmp_path / "o").exists()


def test_a_part_reads_only_the_row_groups_it_needs(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from spreidingstoets.dataset.store import _rows

    table = pa.table({"a": np.arange(10_000), "b": np.arange(10_000) * 2.0})
    pq.write_table(table, tmp_path / "t.parquet", row_group_size=777)
    rng = np.random.default_rng(0)
    for k in (1, 5, 300, 9_999):
        rows = np.sort(rng.choice(10_000, size=k, replace=False))
        got, n = _rows(tmp_path / "t.parquet", rows)
        assert n == 10_000 and got.equals(table.take(pa.array(rows)))
    got, n = _rows(tmp_path / "t.parquet", np.zeros(0, np.int64))
    assert n == 10_000 and got.num_rows == 0 and got.schema == table.schema


def test_every_ruleset_of_the_catalogue_in_parts_equals_the_whole() -> None:
    """Tiles of 250 m grouped into four parts: edges run through the sample's streets."""
    from spreidingstoets.ruleset import available_rulesets

    ws = Workspace(load_settings())
    ds, overlay = ws.dataset, ws.overlay()
    path = str(sample_dataset_path(ws.settings))
    candidates = np.flatnonzero(ds.woning)
    parts = partition(candidates, ds.unit_xy, ds.unit_id, by="tile", tile_m=250, max_parts=4)
    assert len(parts) == 4
    checked = 0
    for name in available_rulesets(ws.settings.rules_dir):
        for version in ws.ruleset(name).versions:
            day = version.valid_from
            template = template_of(version.kinds[0], 4, day, day)
            whole = simulate(ds, overlay, version, template, candidates)
            reach = reach_m(version.rules)
            results = [
                simulate_part(path, p.core, reach, version, template, overlay.snapshot)
                for p in parts
            ]
            assert_same(merge_parts(results, candidates), whole)
            checked += 1
    assert checked >= 12
