"""Simulations of the workspace on a Dask cluster (``simulate --engine dask``).

Picks the candidates as ``run_simulation`` does and hands the dataset's path (not the dataset)
to ``simulate/distributed.py``; the notes say how the work was split.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from spreidingstoets.domain.model import Application
from spreidingstoets.domain.ruleset import Ruleset
from spreidingstoets.ruletypes.base import RegisterOverlay
from spreidingstoets.service.sample import sample_dataset_path
from spreidingstoets.service.simulations import Candidates, Selection, select_candidates
from spreidingstoets.service.workspace import Workspace
from spreidingstoets.simulate import SimulationResult
from spreidingstoets.simulate.distributed import simulate_distributed


def run_distributed(
    ws: Workspace,
    ruleset: Ruleset,
    template: Application,
    selection: Selection,
    cluster: dict[str, Any],
    *,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[SimulationResult, Candidates, RegisterOverlay]:
    """The simulation of ``template`` at the selected dwellings on a Dask cluster
    (``cluster``: scheduler, workers, by, tile_m); ``progress(done, total)`` as parts finish."""
    ds = ws.dataset
    overlay = ws.overlay()
    found = select_candidates(ds, overlay, template, selection, ruleset)
    total, done = len(found.units), 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, total)

    result, info = simulate_distributed(
        Path(ws.data_path or sample_dataset_path(ws.settings)),
        found.units,
        ds.unit_xy,
        ds.unit_id,
        ruleset.version_on(template.date),
        template,
        overlay.snapshot,
        advance=advance,
        **cluster,
    )
    halo = "de hele dataset" if info["halo_m"] is None else f"{info['halo_m']:g} m"
    per = "gemeente" if info["by"] == "gemeente" else "tegel"
    found.notes.append(
        f"dask: {info['partitions']} delen per {per} op {info['workers']} workers "
        f"({info['scheduler']}), rand {halo}"
    )
    return result, found, overlay
