"""The national-scale forms of the simulation: each equals the simple form it replaced.

Vectorised rounding, table-based unique, footprints parsed in one call, candidates in chunks,
address labels, per-street figures built in one pass, the map drawn as pixels and GeoJSON left
out beyond their limits. Each is checked against the per-element (or unchunked) form, on the
sample and on generated values.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spreidingstoets.domain.model import Application
from spreidingstoets.ruletypes.bulk import dense_unique, rounded, unit_geometries
from spreidingstoets.simulate import outputs, simulate
from spreidingstoets.simulate.core import SimulationResult, compact_outcomes


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.floats(min_value=0, max_value=5000, allow_nan=False)
        | st.integers(0, 10**9).map(lambda k: k / 1e6 + 5e-7)  # halves at the sixth decimal
        | st.integers(0, 10**6).map(lambda k: k / 100 + 0.005),  # halves at the second
        min_size=1,
        max_size=50,
    ),
    st.sampled_from([2, 6]),
)
def test_rounded_is_pythons_round(values: list[float], digits: int) -> None:
    got = rounded(np.array([*values, math.nan]), digits)
    want = [round(v, digits) for v in values]
    assert got[:-1].tolist() == want and math.isnan(got[-1])


def test_rounded_takes_the_exact_value_near_a_half() -> None:
    # np.hypot and math.hypot may differ in the last bit: near a half, the exact form decides
    values = np.array([0.0000005, 1.0000015, 2.5])
    seen: list[list[int]] = []

    def exact(rows: np.ndarray) -> np.ndarray:
        seen.append(rows.tolist())
        return values[rows]

    assert rounded(values, 6, exact).tolist() == [round(v, 6) for v in values.tolist()]
    assert seen and 2 not in seen[0]  # 2.5 is far from a half at the sixth decimal


@given(st.lists(st.integers(0, 40), max_size=60))
def test_dense_unique_is_np_unique(values: list[int]) -> None:
    a = np.array(values, dtype=np.int64)
    got, inverse = dense_unique(a, 41)
    want, want_inverse = np.unique(a, return_inverse=True)
    assert got.tolist() == want.tolist() and inverse.tolist() == want_inverse.tolist()


def test_unit_geometries_are_unit_geometry(sample_ds) -> None:  # type: ignore[no-untyped-def]
    units = np.arange(sample_ds.n_units)
    got = unit_geometries(sample_ds, units)
    assert all(
        g.equals_exact(sample_ds.unit_geometry(int(u)), 0) and g.geom_type == w.geom_type
        for u, g, w in zip(
            units, got, (sample_ds.unit_geometry(int(u)) for u in units), strict=True
        )
    )


def test_compact_outcomes_keep_the_values() -> None:
    values = np.array(["pass", "fail", "pass"], dtype="<U14")
    assert compact_outcomes(values).dtype == np.dtype("<U4")
    assert compact_outcomes(values).tolist() == values.tolist()
    with_na = np.array(["pass", "not_applicable"], dtype="<U14")
    assert compact_outcomes(with_na).dtype == np.dtype("<U14")


def _same(a: SimulationResult, b: SimulationResult) -> None:
    assert np.array_equal(a.units, b.units) and np.array_equal(a.overall, b.overall)
    for x, y in zip(a.rules, b.rules, strict=True):
        assert (x.rule, x.path, x.exact) == (y.rule, y.path, y.exact)
        assert x.outcome.tolist() == y.outcome.tolist()
        for key, values in x.figures.items():
            assert values.dtype == y.figures[key].dtype, key
            assert np.array_equal(values, y.figures[key], equal_nan=values.dtype.kind == "f")


@pytest.mark.parametrize("rules", ["tiel", "aalsmeer"])
def test_chunks_join_to_the_whole(sample_ws, rules: str) -> None:  # type: ignore[no-untyped-def]
    ds, overlay = sample_ws.dataset, sample_ws.overlay()
    template = Application(unit=0, kind="arbeidsmigranten", persons=4, date=dt.date(2026, 3, 1))
    version = sample_ws.ruleset(rules).version_on(template.date)
    units = np.flatnonzero(ds.woning)
    whole = simulate(ds, overlay, version, template, units, chunk=len(units))
    assert any(r.path == "vectorised+exact" for r in whole.rules) or rules != "tiel"
    _same(simulate(ds, overlay, version, template, units, chunk=97), whole)


def _tiel(sample_ws):  # type: ignore[no-untyped-def]
    ds, overlay = sample_ws.dataset, sample_ws.overlay()
    template = Application(unit=0, kind="arbeidsmigranten", persons=4, date=dt.date(2026, 3, 1))
    version = sample_ws.ruleset("tiel").version_on(template.date)
    return ds, simulate(ds, overlay, version, template, np.flatnonzero(ds.woning))


def test_address_labels_are_address_label(sample_ds) -> None:  # type: ignore[no-untyped-def]
    rows = np.r_[np.arange(len(sample_ds.addr_id)), -1]
    want = [sample_ds.address_label(int(a)) for a in rows]
    assert outputs.address_labels(sample_ds, rows) == want
    assert any("-" in w.split(",")[0] for w in want)  # toevoegingen among them


def test_street_figures_in_one_pass_equal_per_street(sample_ws) -> None:  # type: ignore[no-untyped-def]
    import shapely

    ds, result = _tiel(sample_ws)
    table = outputs.street_table(result, ds)
    street = ds.unit_street[result.units]
    keys = np.where(street >= 0, street, -1)
    refused = result.overall == "refused"
    for key, got in zip(
        table.index, outputs.most_refusing(result, keys, table.index.to_numpy()), strict=True
    ):
        here = refused & (keys == key)
        counts = [(int((r.outcome[here] == "fail").sum()), r.rule) for r in result.rules]
        n, rule = max(counts, key=lambda c: c[0]) if here.any() else (0, "")
        assert got == (f"{rule} ({n})" if n else "")
    geoms = outputs.street_geometries(ds, table, result.units)
    for sid, geom in zip(table["openbare_ruimte"], geoms, strict=True):
        s = int(np.flatnonzero(ds.street_id.astype(str) == sid)[0]) if sid else -1
        rows = result.units[street == s] if s >= 0 else result.units[street < 0]
        assert geom.equals_exact(shapely.multipoints(ds.unit_xy[rows]), 0)


def test_many_dwellings_are_drawn_as_pixels_and_get_no_geojson(
    sample_ws, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    from spreidingstoets.simulate.reports import write_simulation

    ds, result = _tiel(sample_ws)
    counted = np.zeros(0, np.int64)
    shapes = write_simulation(result, ds, tmp_path / "shapes", replace=False, counted=counted)
    assert "simulatie.geojson" in shapes["files"]
    monkeypatch.setattr(outputs, "MAP_MAX_SHAPES", 10)
    monkeypatch.setattr(outputs, "MAP_MAX_MARKERS", 10)
    monkeypatch.setattr(outputs, "GEOJSON_MAX_FEATURES", 10)
    monkeypatch.setattr(outputs, "DWELLING_ROWS", 7)  # and the dwellings in pieces
    pixels = write_simulation(result, ds, tmp_path / "pixels", replace=False, counted=counted)
    assert pixels["files"] == [f for f in shapes["files"] if f != "simulatie.geojson"]
    assert not (tmp_path / "pixels" / "simulatie.geojson").exists()
    assert any("Geen simulatie.geojson" in n for n in pixels["notes"])
    png = (tmp_path / "pixels" / "kaart.png").read_bytes()
    assert (
        png[:8] == b"\x89PNG\r\n\x1a\n" and png != (tmp_path / "shapes" / "kaart.png").read_bytes()
    )
    # the tables and layers are the same either way
    for name in ("woningen.csv", "straten.csv"):
        assert (tmp_path / "pixels" / name).read_bytes() == (
            tmp_path / "shapes" / name
        ).read_bytes()
    import pyogrio

    for layer in ("woningen", "straten"):
        a = pyogrio.read_dataframe(tmp_path / "pixels" / "simulatie.gpkg", layer=layer)
        b = pyogrio.read_dataframe(tmp_path / "shapes" / "simulatie.gpkg", layer=layer)
        assert a.equals(b) and a.dtypes.equals(b.dtypes), layer
    # the pieces' layer has its spatial index too (built at the end, not in GDAL's thread),
    # over every row, and GDAL's setting is as it was
    import sqlite3

    for folder in ("pixels", "shapes"):
        with sqlite3.connect(tmp_path / folder / "simulatie.gpkg") as db:
            rows = db.execute("SELECT count(*) FROM woningen").fetchone()[0]
            (table,) = db.execute(
                "SELECT table_name || '_' || column_name FROM gpkg_extensions"
                " WHERE extension_name = 'gpkg_rtree_index' AND table_name = 'woningen'"
            ).fetchone()
            assert db.execute(f"SELECT count(*) FROM rtree_{table}").fetchone()[0] == rows > 0
    assert pyogrio.get_gdal_config_option(outputs.THREADED_RTREE) is None


def test_map_extent_by_woonplaats_codes_equals_by_names(sample_ds) -> None:  # type: ignore[no-untyped-def]
    units = np.flatnonzero(sample_ds.woning)
    codes, names = outputs.unit_place_codes(sample_ds, units)
    by_name = np.where(codes >= 0, names[np.maximum(codes, 0)], "")
    xy = sample_ds.unit_xy[units]
    assert outputs.map_extent(xy, by_name) == outputs.map_extent(xy, codes, names)
    # a far hamlet: left out by both, named the same
    far = np.r_[xy, [[xy[0, 0] + 50_000, xy[0, 1]]] * 3]
    far_names = np.r_[by_name, ["Verweg"] * 3]
    sorted_names = np.sort(np.r_[names, ["Verweg"]])  # codes index sorted names
    far_codes = np.searchsorted(sorted_names, far_names)
    far_codes[far_names == ""] = -1
    extent, left_out = outputs.map_extent(far, far_codes, sorted_names)
    assert (extent, left_out) == outputs.map_extent(far, far_names)
    assert any(x.startswith("Verweg") for x in left_out)
