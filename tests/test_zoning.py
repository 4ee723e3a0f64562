"""Tests for the pure zoning layer model: designation matching and layer queries."""

from __future__ import annotations

import subprocess
import sys

import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon, box

from builders import zoning_layer
from spreidingstoets.errors import InputError
from spreidingstoets.zoning import ZoningLayer, normalise_designation

# --------------------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    ("variant", "canonical"),
    [
        ("Agrarisch - Glastuinbouw", "Agrarisch - Glastuinbouw"),
        ("agrarisch-glastuinbouw", "Agrarisch - Glastuinbouw"),
        ("AGRARISCH \u2013  glastuinbouw", "Agrarisch - Glastuinbouw"),
        ("  agrarisch_glastuinbouw ", "Agrarisch - Glastuinbouw"),
        ("Agrarisch\u00a0\u2014\u00a0Glastuinbouw", "Agrarisch - Glastuinbouw"),
        ("Agrarisch\u200b - Glastuinbouw", "Agrarisch - Glastuinbouw"),
        (
            "Specifieke Vorm van Wonen \u2013 Huisvesting Arbeidsmigranten",
            "specifieke vorm van wonen - huisvesting arbeidsmigranten",
        ),
        (
            "specifieke_vorm_van_wonen_-_huisvesting_arbeidsmigranten",
            "specifieke vorm van wonen - huisvesting arbeidsmigranten",
        ),
    ],
)
def test_normalise_unifies_spellings(variant: str, canonical: str) -> None:
    assert normalise_designation(variant) == normalise_designation(canonical)


def test_normalise_exact_key_and_what_it_keeps() -> None:
    assert normalise_designation("Agrarisch - Glastuinbouw") == "agrarisch glastuinbouw"
    assert (
        normalise_designation("bedrijf tot en met categorie 3.1")
        == "bedrijf tot en met categorie 3.1"
    )
    assert normalise_designation("Gemengd - 1") != normalise_designation("Gemengd - 2")
    assert normalise_designation("Wonen") != normalise_designation("Wonen - uit te werken")
    assert normalise_designation("") == ""


# --------------------------------------------------------------------------- layer queries


def test_point_on_boundary_counts_as_inside() -> None:
    layer = zoning_layer()
    on_edge = Point(100, 20)  # shared edge of "Wonen" and "Agrarisch - Glastuinbouw"
    hits = layer.zones_at(on_edge)
    assert [h.identificatie for h in hits] == ["b", "a"]  # same fraction: by kind, then name
    assert layer.coverage(on_edge, ["wonen"]) == 1.0
    assert layer.coverage(Point(0, 0), ["wonen"]) == 1.0  # corner
    assert layer.coverage(Point(-0.001, 0), ["wonen"]) == 0.0


def test_polygon_fractions_and_partial_coverage() -> None:
    layer = zoning_layer()
    footprint = box(90, 10, 110, 20)  # half in Wonen, half in Glastuinbouw
    hits = {h.identificatie: h.fraction for h in layer.zones_at(footprint)}
    assert hits == pytest.approx({"a": 0.5, "b": 0.5})
    assert layer.coverage(footprint, ["agrarisch-glastuinbouw"]) == pytest.approx(0.5)
    assert layer.coverage(footprint, ["Wonen", "Agrarisch - Glastuinbouw"]) == pytest.approx(1.0)
    assert layer.coverage(footprint, ["Wonen"], kinds=["functieaanduiding"]) == 0.0
    assert layer.coverage(box(60, 60, 70, 70), None) == 1.0
    # touching along an edge only: reported, with fraction 0
    touching = layer.zones_at(box(200, 0, 210, 10))
    assert [(h.identificatie, h.fraction) for h in touching] == [("b", 0.0)]


def test_names_filter_and_len() -> None:
    layer = zoning_layer()
    assert len(layer) == 3
    assert layer.names()[0] == "Agrarisch - Glastuinbouw"
    assert "agrarisch glastuinbouw" in layer.names(normalised=True)
    assert layer.kinds() == ["enkelbestemming", "functieaanduiding"]
    sub = layer.filter(names=["Specifieke vorm van wonen \u2013 huisvesting arbeidsmigranten"])
    assert len(sub) == 1 and sub.identificatie.tolist() == ["c"]
    assert len(layer.filter(kinds="ENKELBESTEMMING")) == 2  # a bare string is one kind
    assert len(layer.filter(names=[])) == 0
    assert not layer.geometry.flags.writeable


def test_query_rejects_lines_and_empty() -> None:
    layer = zoning_layer()
    with pytest.raises(InputError):
        layer.coverage(shapely.LineString([(0, 0), (1, 1)]), None)
    with pytest.raises(InputError):
        layer.zones_at(Polygon())


def test_layer_rejects_non_polygons() -> None:
    with pytest.raises(ValueError, match="Polygon"):
        ZoningLayer.from_records([Point(0, 0)], ["x"])


# --------------------------------------------------------------------------- hypothesis

coords = st.floats(min_value=-20, max_value=220, allow_nan=False)
sizes = st.floats(min_value=0.5, max_value=120, allow_nan=False)
NAMES = [
    "Wonen",
    "Agrarisch - Glastuinbouw",
    "specifieke vorm van wonen - huisvesting arbeidsmigranten",
    "Onbekend",
]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    x=coords,
    y=coords,
    w=sizes,
    h=sizes,
    names=st.lists(st.sampled_from(NAMES), unique=True),
    extra=st.lists(st.sampled_from(NAMES), unique=True),
    as_point=st.booleans(),
)
def test_coverage_bounded_and_monotone_in_names(
    x: float, y: float, w: float, h: float, names: list[str], extra: list[str], as_point: bool
) -> None:
    layer = zoning_layer()
    geom = Point(x, y) if as_point else box(x, y, x + w, y + h)
    c = layer.coverage(geom, names)
    c_more = layer.coverage(geom, names + [n for n in extra if n not in names])
    assert 0.0 <= c <= 1.0
    assert c_more >= c - 1e-12
    if as_point:
        assert c in (0.0, 1.0)
    assert layer.coverage(geom, None) >= c_more - 1e-12


# --------------------------------------------------------------------------- purity


def test_import_loads_no_file_library() -> None:
    """The engine and the rule types import the model; it must not pull in I/O libraries."""
    code = (
        "import spreidingstoets.zoning, sys; print(sorted(m for m in "
        "('lxml','pyogrio','pyarrow','pandas','geopandas','yaml') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]", result.stdout
