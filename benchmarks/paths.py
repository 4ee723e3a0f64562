"""Where the benchmarks find their inputs and put their results."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WEESP = (
    REPO.parent
    / "shared"
    / "data"
    / "bag"
    / "gob-bagextract-weesp-0457"
    / "BAGGEM0457L-15102021.zip"
)
RESULTS = REPO / "benchmarks" / "results"
