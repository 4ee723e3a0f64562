"""Shared fixtures: paths to the real BAG data in ../shared/data, compiled once per session."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
WEESP = SHARED / "bag" / "gob-bagextract-weesp-0457" / "BAGGEM0457L-15102021.zip"
DOESBURG = SHARED / "bag" / "nlextract-doesburg-0221"

sys.path.insert(0, str(Path(__file__).parent))  # tests/builders.py
pytest_plugins = ["api_helpers"]  # the API's server fixtures (tests/test_api_*.py)
RULES = REPO / "rules"


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"real BAG test data not present: {path} (../shared/data is provided on CI)")
    return path


@pytest.fixture(scope="session")
def weesp_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from spreidingstoets.dataset.compile import write_dataset
    from spreidingstoets.dataset.sources import read_source

    source = need(WEESP)
    out = tmp_path_factory.mktemp("weesp") / "dataset"
    write_dataset(read_source(source), source, out)
    return out


@pytest.fixture(scope="session")
def weesp(weesp_dir: Path):  # type: ignore[no-untyped-def]
    from spreidingstoets.dataset.store import load_dataset

    return load_dataset(weesp_dir)


@pytest.fixture(scope="session")
def sample_ws():  # type: ignore[no-untyped-def]
    """The workspace on the bundled sample and its registers, shared by the session."""
    from spreidingstoets.service.workspace import Workspace
    from spreidingstoets.settings import load_settings

    return Workspace(load_settings())


@pytest.fixture(scope="session")
def sample_ds(sample_ws):  # type: ignore[no-untyped-def]
    return sample_ws.dataset


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed CLI as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "spreidingstoets.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )
