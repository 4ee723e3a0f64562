"""Streaming import: BAG tables compiled in parts (per gemeente) give the dataset of the whole."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from builders import Town
from spreidingstoets.dataset import compile as compile_mod
from spreidingstoets.dataset.compile import DATA_FILES, write_dataset, write_dataset_parts
from spreidingstoets.dataset.store import load_dataset
from spreidingstoets.dataset.tables import merge_tables
from spreidingstoets.sample import generate_national, national_parts, write_national

# Manifest fields that differ between two imports of the same data by nature.
NOT_CONTENT = ("created_at", "sources")


def _content(manifest: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in manifest.items() if k not in NOT_CONTENT}


@pytest.mark.parametrize("flats", [0.02, 0.36])
def test_national_per_gemeente_gives_the_same_files_as_one_piece(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flats: float
) -> None:
    # Small row groups, so that parts straddle row-group boundaries as at national scale.
    monkeypatch.setattr(compile_mod, "ROW_GROUP_ROWS", 3_000)
    whole = write_dataset(generate_national(12_000, 4, flats), [], tmp_path / "whole")
    parts = write_national(tmp_path / "parts", 12_000, seed=4, flats=flats)
    assert len(whole["gemeentecodes"]) > 5  # several gemeenten: several parts  # type: ignore[arg-type]
    assert _content(parts) == _content(whole)  # same sha256 per file, counts, dataset id
    for name in DATA_FILES:
        a, b = (tmp_path / "whole" / name).read_bytes(), (tmp_path / "parts" / name).read_bytes()
        assert a == b, name
    units = pq.ParquetFile(tmp_path / "parts" / "units.parquet").metadata
    assert units.num_row_groups == 4 and units.row_group(0).num_rows == 3_000
    # and the parts are what the whole is, gemeente by gemeente
    codes, pieces = national_parts(12_000, 4, flats)
    assert codes == whole["gemeentecodes"]
    assert sum(len(p.verblijfsobjecten) for p in pieces) == 12_000


def _two_towns() -> tuple[Town, Town]:
    """Two gemeenten whose end-of-terrace panden touch across the border between them."""
    west, east = Town(gemeente="0001"), Town(gemeente="0002")
    west.row(west.street("Grensstraat"), [1, 3, 5], x=0, y=0)  # x 0..15
    east.row(east.street("Overkant"), [2, 4], x=15.2, y=0)  # 0.2 m from the last of west
    east.house(east.street("Verweg"), 1, 400, 400)
    return west, east


def test_parts_find_adjacency_across_the_border(tmp_path: Path) -> None:
    west, east = _two_towns()
    whole = write_dataset(merge_tables([west.tables(), east.tables()]), [], tmp_path / "whole")
    parts = write_dataset_parts(
        [west.tables(), east.tables()], ["0001", "0002"], [], tmp_path / "parts"
    )
    assert _content(parts) == _content(whole)
    ds = load_dataset(tmp_path / "parts")
    last_west = ds.footprint_index(west.panden[-1]["identificatie"])
    first_east = ds.footprint_index(east.panden[0]["identificatie"])
    assert first_east in ds.fp_adjacent.members(last_west)
    # a unit's references point into its own part after the shift
    u = ds.unit_index(east.vbos[-1]["identificatie"])
    assert ds.street_naam[ds.unit_street[u]] == "Verweg"
    assert (
        ds.footprint_identificatie(int(ds.unit_fps.members(u)[0]))
        == east.panden[-1]["identificatie"]
    )
    counts = json.loads((tmp_path / "parts" / "manifest.json").read_text())["counts"]
    assert counts["woonplaatsen"] == 1 and counts["adjacent_pairs"] == 4


def test_parts_out_of_order_are_refused_and_nothing_is_written(tmp_path: Path) -> None:
    west, east = _two_towns()
    with pytest.raises(ValueError, match="does not sort after"):
        write_dataset_parts([east.tables(), west.tables()], ["0001", "0002"], [], tmp_path / "d")
    assert not (tmp_path / "d").exists()


def test_adjacency_is_stored_in_one_order(tmp_path: Path) -> None:
    west, _ = _two_towns()
    write_dataset(west.tables(), [], tmp_path / "d")
    adj = pq.read_table(tmp_path / "d" / "adjacency.parquet")
    a, b = adj.column("a").to_numpy(), adj.column("b").to_numpy()
    assert (a < b).all() and np.array_equal(np.lexsort((b, a)), np.arange(len(a)))
