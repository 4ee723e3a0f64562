"""Address suggestions for a search box: what the typed text may be the beginning of."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


def labels(ws: Any, typed: str, limit: int = 10) -> list[str]:
    return [m.label for m in ws.address_index.suggest(typed, limit)]


def test_partial_postcode_lists_its_addresses_in_number_order(sample_ws: Any) -> None:
    ds = sample_ws.dataset
    found = sample_ws.address_index.suggest("4001a", 50)
    postcodes = [ds.addr_postcode[m.address] for m in found]
    assert found and all(p.startswith("4001A") for p in postcodes)
    assert postcodes == sorted(postcodes)
    same = [m for m in found if ds.addr_postcode[m.address] == "4001AB"]
    numbers = [int(ds.addr_huisnummer[m.address]) for m in same]
    assert numbers == sorted(numbers) and numbers[0] == 1
    # with the beginning of a huisnummer: the exact number first, then those it begins
    assert labels(sample_ws, "4001AB 1")[:3] == [
        "Kwartelstraat 1, Tiel",
        "Kwartelstraat 11, Tiel",
        "Kwartelstraat 13, Tiel",
    ]


def test_street_prefix_bag_id_and_nothing(sample_ws: Any) -> None:
    assert labels(sample_ws, "kwartel", 3) == [
        "Kwartelstraat 1, Tiel",
        "Kwartelstraat 2, Tiel",
        "Kwartelstraat 3, Tiel",
    ]
    assert labels(sample_ws, "kwartelstr 7") == ["Kwartelstraat 7, Tiel"]
    by_id = sample_ws.address_index.suggest("02810100000000", 5)
    assert len(by_id) == 5
    assert all(sample_ws.dataset.unit_identificatie(m.unit).startswith("0281010") for m in by_id)
    assert labels(sample_ws, "zzzz qqq") == [] and labels(sample_ws, "   ") == []


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_a_whole_address_suggests_itself_first(sample_ws: Any, data: Any) -> None:
    ds = sample_ws.dataset
    a = data.draw(st.integers(0, len(ds.addr_id) - 1))
    postcode = str(ds.addr_postcode[a])
    if ds.addr_unit[a] < 0 or not postcode:
        return
    number = str(int(ds.addr_huisnummer[a])) + str(ds.addr_huisletter[a] or "")
    toevoeging = str(ds.addr_toevoeging[a] or "")
    typed = f"{postcode} {number}" + (f"-{toevoeging}" if toevoeging else "")
    found = sample_ws.address_index.suggest(typed, 5)
    assert found and found[0].address == a, (typed, [m.label for m in found])
