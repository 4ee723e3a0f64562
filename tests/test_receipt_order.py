"""First come, first served: a pending application received after another never counts against
it, the verdict names what it left out, and the register keeps the date of receipt."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import run_cli
from spreidingstoets.domain.model import Application, Verdict, verdict_json
from spreidingstoets.domain.register import RegisterEntry, RegisterSnapshot
from spreidingstoets.domain.ruleset import Ruleset
from spreidingstoets.register.db import Register
from spreidingstoets.ruletypes.base import RegisterOverlay
from spreidingstoets.service import checks
from spreidingstoets.service.decisions import decide
from spreidingstoets.service.workspace import Workspace
from spreidingstoets.settings import load_settings

CHECKED = dt.date(2024, 1, 1)
# Two terraced houses sharing a wall (Tiel sample), and one further along the same row.
A, B = "0281010000000002", "0281010000000003"  # Kwartelstraat 3 and 5


@dataclass
class Tiel:
    """The sample with Tiel's rules, checked on a register of just the given entries."""

    ws: Workspace
    ruleset: Ruleset

    def check(
        self,
        entries: tuple[RegisterEntry, ...],
        vbo: str,
        received: dt.date | None,
        start: dt.date = CHECKED,
    ) -> Verdict:
        ds = self.ws.dataset
        app = Application(
            unit=ds.unit_index(vbo),
            kind="arbeidsmigranten",
            persons=4,
            date=start,
            received=received,
        )
        overlay = RegisterOverlay.build(ds, RegisterSnapshot(entries, "test"))
        return checks.check(self.ws, app, self.ruleset, overlay)


@pytest.fixture(scope="module")
def tiel(sample_ds) -> Tiel:  # type: ignore[no-untyped-def]
    ws = Workspace(load_settings())
    ws._dataset = sample_ds
    return Tiel(ws, ws.ruleset("tiel"))


def _pending(n: int, vbo: str, received: dt.date | None, start: dt.date) -> RegisterEntry:
    return RegisterEntry(
        n, vbo, "arbeidsmigranten", "pending", persons=4, valid_from=start, received=received
    )


def _rule(verdict: Verdict, rule_id: str):  # type: ignore[no-untyped-def]
    return next(r for r in verdict.rules if r.rule == rule_id)


def test_the_earlier_application_is_not_refused_because_of_the_later(tiel: Tiel) -> None:
    """Finding 7: A received 2023-06-01, B 2023-07-01, both pending, sharing a wall."""
    june, july = dt.date(2023, 6, 1), dt.date(2023, 7, 1)
    earlier = tiel.check((_pending(1, B, july, CHECKED),), A, june)
    rule = _rule(earlier, "naastgelegen")
    assert rule.outcome == "pass"
    left = [e for e in rule.evidence if e.relation == "received_later"]
    assert [e.verblijfsobject for e in left] == [B]
    assert left[0].detail["ontvangstdatum"] == "2023-07-01"
    assert earlier.application.received == june
    later = tiel.check((_pending(1, A, june, CHECKED),), B, july)
    assert _rule(later, "naastgelegen").outcome == "fail"
    assert A in {e.verblijfsobject for e in _rule(later, "naastgelegen").evidence}
    assert not any(e.relation == "received_later" for r in later.rules for e in r.evidence)


def test_without_a_date_of_receipt_the_start_date_stands_for_it(tiel: Tiel) -> None:
    """Registers from before the column: a pending entry's start date orders it."""
    starts_later = (_pending(1, B, None, dt.date(2024, 2, 1)),)
    assert _rule(tiel.check(starts_later, A, None), "naastgelegen").outcome == "pass"
    starts_earlier = (_pending(1, B, None, dt.date(2023, 12, 1)),)
    assert _rule(tiel.check(starts_earlier, A, None), "naastgelegen").outcome == "fail"


def test_a_grant_counts_whenever_it_was_received(tiel: Tiel) -> None:
    granted = RegisterEntry(
        1, B, "arbeidsmigranten", "granted", valid_from=CHECKED, received=dt.date(2023, 9, 1)
    )
    verdict = tiel.check((granted,), A, dt.date(2023, 6, 1))
    assert _rule(verdict, "naastgelegen").outcome == "fail"


def _without_left_out(verdict: Verdict) -> str:
    """The verdict without what it names as left out, and without the livability review's
    list of the register's nearby history (which shows every application, for the officer)."""
    data = json.loads(verdict_json(verdict))
    data["rules"] = [r for r in data["rules"] if r["type"] != "livability_review"]
    for rule in data["rules"]:
        rule["evidence"] = [e for e in rule["evidence"] if e["relation"] != "received_later"]
    return json.dumps(data, sort_keys=True)


DAYS = st.dates(min_value=dt.date(2023, 1, 1), max_value=dt.date(2023, 12, 31))
VBOS = st.sampled_from(
    [f"02810100000000{n:02d}" for n in range(1, 13)]  # Kwartelstraat 1-23: rows and ends
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(first=DAYS, second=DAYS, one=VBOS, other=VBOS)
@example(
    first=dt.date(2023, 12, 31), second=dt.date(2023, 12, 31), one=A, other=B
)  # late = CHECKED
def test_swapping_receipt_order_never_lets_the_later_block_the_earlier(
    tiel: Tiel, first: dt.date, second: dt.date, one: str, other: str
) -> None:
    """Whichever of two applications was received first gets exactly the verdict it would get
    if the other did not exist (the other named only as left out); swapping the dates swaps
    the roles."""
    if one == other:
        return
    if first == second:
        second = first + dt.timedelta(days=1)
    for early_vbo, late_vbo in ((one, other), (other, one)):
        early, late = min(first, second), max(first, second)
        alone = tiel.check((), early_vbo, early)
        with_later = tiel.check((_pending(1, late_vbo, late, CHECKED),), early_vbo, early)
        assert with_later.outcome == alone.outcome
        assert _without_left_out(with_later) == _without_left_out(alone)
        counted_first = tiel.check((_pending(1, early_vbo, early, CHECKED),), late_vbo, late)
        ignoring = tiel.check((_pending(1, early_vbo, early, CHECKED),), late_vbo, dt.date.max)
        # the later one is checked against the earlier exactly as if it had no receipt order
        # (its own date of receipt aside; a text replace of the date would also hit the
        # application's date when that is the same day)
        got, same = (
            json.loads(_without_left_out(counted_first)),
            json.loads(_without_left_out(ignoring)),
        )
        assert got["application"].pop("received") == late.isoformat()
        assert same["application"].pop("received") == "9999-12-31"
        assert got == same


def test_the_register_keeps_the_date_of_receipt_through_decisions(
    tmp_path: Path, sample_ds
) -> None:  # type: ignore[no-untyped-def]
    """Pending with a date of receipt, then granted later: the grant keeps that date and is
    checked as of it; an old register migrates and keeps verifying."""
    db = tmp_path / "r.db"
    Register.open(db, create=True).close()
    ws = Workspace(load_settings(), register=str(db))
    ws._dataset = sample_ds
    tiel = ws.ruleset("tiel")
    june = dt.date(2023, 6, 1)

    def app(vbo: str, received: dt.date | None) -> Application:
        return Application(
            unit=sample_ds.unit_index(vbo),
            kind="arbeidsmigranten",
            persons=4,
            date=CHECKED,
            received=received,
        )

    decide(ws, app(A, june), tiel, "in-behandeling", reference="Z-A", actor="t")
    _, b = decide(
        ws, app(B, dt.date(2023, 7, 1)), tiel, "in-behandeling", reference="Z-B", actor="t"
    )
    assert b.entry.received == dt.date(2023, 7, 1)
    # B is refused at the grant: A was received earlier and counts against it.
    with pytest.raises(Exception, match="verlenen kan niet"):
        decide(ws, app(B, None), tiel, "verleend", reference="Z-B", actor="t")
    # A is granted without naming its date again: the register remembers 2023-06-01.
    verdict, granted = decide(ws, app(A, None), tiel, "verleend", reference="Z-A", actor="t")
    assert granted.entry.received == june and verdict.application.received == june
    assert _rule(verdict, "naastgelegen").outcome == "pass"
    assert [e.verblijfsobject for e in _rule(verdict, "naastgelegen").evidence] == [B]
    assert ws.register.verify().ok
    ws.close()
    done = run_cli("register", "export", "--register", str(db), "--out", str(tmp_path / "x.csv"))
    assert done.returncode == 0, done.stderr
    header, *rows = (tmp_path / "x.csv").read_text().splitlines()
    assert "received" in header.split(",")
    assert "2023-06-01" in rows[0]
