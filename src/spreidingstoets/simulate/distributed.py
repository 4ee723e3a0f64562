"""The simulation on a dask.distributed cluster: one task per partition, same result.

The scheduler carries only small things: the dataset's path, the candidate rows of a part, the
ruleset version, the application template and the register snapshot. Each worker loads its
part of the dataset from the path itself (``load_dataset_part``: the part's units with their
halo), simulates the part's candidates there, and sends back the arrays with the units as rows
of the whole dataset; the parts, concatenated in candidate order, are the single-process result.

A ``LocalCluster`` (processes, one thread each; its HTTP server on a free port) is started when
no scheduler address is given.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from spreidingstoets.domain.model import Application
from spreidingstoets.domain.register import RegisterSnapshot
from spreidingstoets.domain.ruleset import RulesetVersion
from spreidingstoets.errors import ConfigurationError
from spreidingstoets.ruletypes.bulk import PATH_SCREENED, PATH_VECTORISED
from spreidingstoets.simulate.core import SimulationResult
from spreidingstoets.simulate.partition import DEFAULT_TILE_M, partition, reach_m

DEFAULT_WORKERS = 2
CONNECT_TIMEOUT_S = 10
PARTS_PER_WORKER = 4  # a part costs a load of its halo: a few large parts per worker


def simulate_part(
    path: str,
    core: np.ndarray,
    reach: float | None,
    version: RulesetVersion,
    template: Application,
    snapshot: RegisterSnapshot,
) -> SimulationResult:
    """One partition, on a worker: load the part of the dataset at ``path`` that ``core``
    needs, simulate ``core`` there, return the result with rows of the whole dataset."""
    from spreidingstoets.dataset.store import load_dataset_part
    from spreidingstoets.ruletypes.base import RegisterOverlay
    from spreidingstoets.simulate.core import simulate

    ds, rows = load_dataset_part(path, core, reach)
    local = np.searchsorted(rows, core)
    overlay = RegisterOverlay.build(ds, snapshot)
    result = simulate(ds, overlay, version, template, local)
    result.units = rows[result.units]
    return result


def merge_parts(results: list[SimulationResult], candidates: np.ndarray) -> SimulationResult:
    """The parts' results as one, in the order (and with the repeats) of ``candidates``. A
    rule screened in bulk with some candidates tested exactly is ``vectorised+exact`` as in one
    run, also when some parts needed no exact test."""
    whole = SimulationResult.concat(results)
    for k, rule in enumerate(whole.rules):
        paths = {r.rules[k].path for r in results}
        if len(paths) > 1 and paths <= {PATH_VECTORISED, PATH_SCREENED}:
            whole.rules[k] = dataclasses.replace(rule, path=PATH_SCREENED)
    order = np.argsort(whole.units, kind="stable")
    pos = np.searchsorted(whole.units[order], np.asarray(candidates, dtype=np.int64))
    return whole.take(order[pos])


def simulate_distributed(
    path: Path,
    candidates: np.ndarray,
    unit_xy: np.ndarray,
    unit_id: np.ndarray,
    version: RulesetVersion,
    template: Application,
    snapshot: RegisterSnapshot,
    *,
    scheduler: str | None = None,
    workers: int = DEFAULT_WORKERS,
    by: str = "gemeente",
    tile_m: float = DEFAULT_TILE_M,
    max_parts: int | None = None,
    advance: Callable[[int], None] | None = None,
) -> tuple[SimulationResult, dict[str, Any]]:
    """The simulation of ``candidates`` (rows of the dataset at ``path``) on a cluster: the
    scheduler at ``scheduler`` (``tcp://host:8786``), or a LocalCluster of ``workers``
    processes. Returns the result (as ``simulate`` gives it on the whole dataset) and what was
    run: the number of parts, the reach of the halo, the cluster. ``max_parts``: at most this
    many parts (default ``PARTS_PER_WORKER`` per worker)."""
    from dask.distributed import Client, LocalCluster, as_completed

    reach = reach_m(version.rules)
    run = uuid.uuid4().hex[:8]  # task keys of this run only: a shared cluster keeps results
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
        )
    try:
        try:
            client = Client(scheduler or cluster, timeout=CONNECT_TIMEOUT_S)
        except OSError as exc:
            raise ConfigurationError(
                f"--scheduler {scheduler}: geen Dask-scheduler bereikbaar binnen "
                f"{CONNECT_TIMEOUT_S} s ({str(exc).splitlines()[0][:120]}); geef het adres als "
                "tcp://host:8786, of laat --scheduler weg voor een lokaal cluster"
            ) from None
        with client:
            n_workers = len(client.scheduler_info().get("workers", {})) or workers
            parts = partition(
                candidates,
                unit_xy,
                unit_id,
                by=by,
                tile_m=tile_m,
                max_parts=max_parts or PARTS_PER_WORKER * n_workers,
            )
            snap, ver, tmpl = client.scatter([snapshot, version, template], broadcast=True)
            futures = {
                client.submit(
                    simulate_part,
                    str(path),
                    p.core,
                    reach,
                    ver,
                    tmpl,
                    snap,
                    key=f"deel-{p.key}-{run}",
                ): i
                for i, p in enumerate(parts)
            }
            results: list[SimulationResult | None] = [None] * len(parts)
            for future in as_completed(futures):
                i = futures[future]
                results[i] = future.result()
                if advance is not None:
                    advance(len(parts[i].core))
    finally:
        if cluster is not None:
            cluster.close()
    result = merge_parts([r for r in results if r is not None], candidates)
    info = {
        "engine": "dask",
        "scheduler": scheduler or "LocalCluster",
        "workers": n_workers,
        "partitions": len(parts),
        "by": by,
        "halo_m": reach,
    }
    return result, info
