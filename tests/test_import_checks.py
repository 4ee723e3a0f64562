"""Import refuses layers that do not fit the dataset, a reference date before any object, and
records exactly the sources it was given."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely

from conftest import REPO, run_cli
from spreidingstoets.dataset.compile import write_dataset
from spreidingstoets.dataset.sources import read_source
from spreidingstoets.errors import CRSError, InputError, SourceError
from spreidingstoets.zoning import ZoningLayer

SAMPLE = REPO / "data" / "bag_sample"
TIEL = next((SAMPLE / "0281-tiel").glob("BAGGEM*.zip"))
AALSMEER = next((SAMPLE / "0358-aalsmeer").glob("BAGGEM*.zip"))


def _layer(geom: shapely.Geometry) -> ZoningLayer:
    return ZoningLayer.from_records([geom], ["woonwijk"], source="test.geojson")


def test_a_layer_away_from_the_dataset_is_refused(tmp_path: Path) -> None:
    tables = read_source(TIEL)
    x, y = shapely.total_bounds(tables.verblijfsobjecten["geometry"].to_numpy())[:2]
    far = shapely.box(x + 50_000, y, x + 51_000, y + 1_000)
    with pytest.raises(InputError, match=r"laag gebieden .*ligt niet bij de dataset"):
        write_dataset(tables, TIEL, tmp_path / "ds", layers={"gebieden": _layer(far)})
    assert not (tmp_path / "ds").exists()
    near = shapely.box(x - 500, y - 500, x + 500, y + 500)
    write_dataset(tables, TIEL, tmp_path / "ok", layers={"gebieden": _layer(near)})
    assert (tmp_path / "ok" / "layers" / "gebieden.parquet").is_file()


def test_a_layer_in_degrees_is_refused(tmp_path: Path) -> None:
    degrees = shapely.box(5.42, 51.88, 5.44, 51.89)  # Tiel in longitude/latitude
    with pytest.raises(CRSError, match="laag gebieden"):
        write_dataset(
            read_source(TIEL), TIEL, tmp_path / "ds", layers={"gebieden": _layer(degrees)}
        )


def test_a_reference_date_before_every_object_is_a_clear_error(tmp_path: Path) -> None:
    import datetime as dt

    with pytest.raises(SourceError, match="op de peildatum 1800-01-01 is geen verblijfsobject"):
        write_dataset(read_source(TIEL, dt.date(1800, 1, 1)), TIEL, tmp_path / "ds")


def test_the_manifest_hashes_exactly_the_sources_given(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    result = run_cli("import", str(TIEL), str(AALSMEER), "--out", str(out), "--json")
    assert result.returncode == 0, result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert [s["path"] for s in manifest["sources"]] == [TIEL.name, AALSMEER.name]


def test_the_westland_plan_onto_tiel_is_refused_by_the_cli(tmp_path: Path) -> None:
    plan = next((SAMPLE / "1783-westland" / "zoning").glob("*.gml"))
    out = tmp_path / "ds"
    result = run_cli("import", str(TIEL), "--out", str(out), "--layer", f"bestemmingsplan={plan}")
    assert result.returncode == 2
    assert "ligt niet bij de dataset" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()
