"""Address search: the forms officers type, typing errors, unknown numbers, contradictions."""

from __future__ import annotations

import random
import re
import string
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import Town
from spreidingstoets.dataset.address import (
    AddressNotFound,
    NameIndex,
    _street_key,
    edit_distance,
    find_address,
    status_rank,
)
from spreidingstoets.settings import bundled


def _number(ds, a: int) -> str:  # type: ignore[no-untyped-def]
    letter, toev = ds.addr_huisletter[a] or "", ds.addr_toevoeging[a]
    return f"{ds.addr_huisnummer[a]}{letter}" + (f"-{toev}" if toev else "")


def _unit_of(ds, query: str) -> str:  # type: ignore[no-untyped-def]
    return str(ds.unit_identificatie(find_address(ds, query).unit))


# ---- the bundled sample: what the reviewer typed -------------------------------------------


@pytest.mark.parametrize(
    ("query", "verblijfsobject"),
    [
        ("Glasakkerweg 40, 2672BL Naaldwijk", "1783010000000276"),
        ("glasakkerweg 40 2672 BL Naaldwijk", "1783010000000276"),
        ("Kwartelstraat 7, 4001AB Tiel", "0281010000000004"),
        ("4001AB7", "0281010000000004"),
        ("4001ab 7", "0281010000000004"),
        ("4001 AB 7", "0281010000000004"),
        ("Tiel, 4001AB, Kwartelstraat 7", "0281010000000004"),
        ("Lindeplein 3 1 Tiel", "0281010000000102"),  # toevoeging 1, not "Lindeplein 3" no. 1
        ("4001AL3-1", "0281010000000102"),
    ],
)
def test_reviewer_forms_on_the_sample(sample_ds, query: str, verblijfsobject: str) -> None:  # type: ignore[no-untyped-def]
    match = find_address(sample_ds, query)
    assert sample_ds.unit_identificatie(match.unit) == verblijfsobject
    assert match.corrected == ()


def test_every_address_of_the_sample_readme_is_found_as_written(sample_ds) -> None:  # type: ignore[no-untyped-def]
    # the README lists "Kwartelstraat 7, 4001AB Tiel | 0281010000000004" for every case
    rows = set(
        re.findall(
            r"^\| \w+ \| ([^|]+?) \| (\d{16}) \|",
            (bundled("sample") / "README.md").read_text(),
            re.M,
        )
    )
    assert len(rows) > 300
    assert {(q, _unit_of(sample_ds, q)) for q, _ in rows} == rows


def test_one_typing_error_is_corrected_and_said(sample_ds) -> None:  # type: ignore[no-untyped-def]
    match = find_address(sample_ds, "Kwartelstaat 7")
    assert sample_ds.unit_identificatie(match.unit) == "0281010000000004"
    assert match.corrected == ("straat 'kwartelstaat' gelezen als Kwartelstraat",)
    assert match.as_dict(sample_ds)["verbeterd"] == match.corrected[0]
    for query in ("Kwartelstrat 7 Tiel", "Kwarteltsraat 7 Tiel", "Kwartelsxtraat 7 Tiel"):
        assert find_address(sample_ds, query).label == "Kwartelstraat 7, Tiel"
    place = find_address(sample_ds, "Kwartelstraat 7 Teil")
    assert place.label == "Kwartelstraat 7, Tiel"
    assert place.corrected == ("woonplaats 'teil' gelezen als Tiel",)
    assert find_address(sample_ds, "Kwartelstraat 7 Tiel").as_dict(sample_ds)["verbeterd"] is None


def test_closest_candidates_are_ranked_by_edit_distance(sample_ds) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AddressNotFound, match="geen straat 'kwartlstrat' gevonden") as exc:
        find_address(sample_ds, "Kwartlstrat 7")  # two errors: not corrected
    assert exc.value.candidates[0] == "Kwartelstraat"
    distances = [edit_distance("kwartlstrat", c.lower()) for c in exc.value.candidates]
    assert distances == sorted(distances)
    # a typo plus an unknown number: the numbers of the corrected street
    with pytest.raises(AddressNotFound, match=r"^Kwartelstraat heeft geen nummer 200") as exc:
        find_address(sample_ds, "Kwartelstaat 200")
    assert exc.value.candidates and all(c.startswith("Kwartelstraat") for c in exc.value.candidates)


def test_unknown_number_lists_the_nearest_numbers_on_the_street(sample_ds) -> None:  # type: ignore[no-untyped-def]
    ds = sample_ds
    street = [
        a for a in range(len(ds.addr_id)) if ds.street_naam[ds.addr_street[a]] == "Kwartelstraat"
    ]
    numbers = sorted({int(ds.addr_huisnummer[a]) for a in street})
    with pytest.raises(AddressNotFound) as exc:
        find_address(ds, "Kwartelstraat 200, Tiel")
    nearest = ", ".join(map(str, numbers[-5:]))
    assert str(exc.value) == f"Kwartelstraat heeft geen nummer 200; dichtstbijzijnde: {nearest}"
    assert exc.value.candidates[-1] == f"Kwartelstraat {numbers[-1]}, Tiel"
    with pytest.raises(AddressNotFound, match=r"^postcode 4001AB heeft geen nummer 8; dichtst"):
        find_address(ds, "4001AB 8")  # the even side has its own postcode


def test_a_missing_number_lists_the_numbers_there(sample_ds) -> None:  # type: ignore[no-untyped-def]
    for query in ("Kwartelstraat", "kwartelstraat, Tiel"):
        with pytest.raises(
            AddressNotFound, match=r"huisnummer ontbreekt.*Kwartelstraat heeft de nummers 1 t/m 23"
        ) as exc:
            find_address(sample_ds, query)
        assert exc.value.candidates[:2] == ["Kwartelstraat 1, Tiel", "Kwartelstraat 2, Tiel"]
    with pytest.raises(AddressNotFound, match=r"postcode 4001AB heeft de nummers 1 t/m 23") as exc:
        find_address(sample_ds, "4001AB")
    assert exc.value.candidates[:2] == ["Kwartelstraat 1, Tiel", "Kwartelstraat 3, Tiel"]
    with pytest.raises(AddressNotFound, match="geen huisnummer in 'Nergenshuizen'"):
        find_address(sample_ds, "Nergenshuizen")


@pytest.mark.parametrize(
    ("query", "message", "candidate"),
    [
        (
            "Kwartelstraat 7, 4001AC Tiel",
            "postcode 4001AC hoort niet bij Kwartelstraat 7, Tiel: dat adres heeft postcode 4001AB",
            "Kwartelstraat 7, 4001AB Tiel",
        ),
        (
            "Kwartelstraat 7, 9999ZZ",  # a postcode the data does not have
            "postcode 9999ZZ hoort niet bij Kwartelstraat 7, Tiel",
            "Kwartelstraat 7, 4001AB Tiel",
        ),
        (
            "Kwartelstraat 40, 2672BL",
            "Kwartelstraat heeft geen nummer 40; onder 2672BL 40 staat Glasakkerweg 40, 2672BL Naaldwijk",
            "Glasakkerweg 40, 2672BL Naaldwijk",
        ),
        (
            "Nergensstraat 7, 4001AB",
            "geen straat 'nergensstraat' gevonden",
            "Kwartelstraat 7, 4001AB Tiel",
        ),
        ("4001AB 7 Naaldwijk", "postcode 4001AB ligt niet in Naaldwijk maar in Tiel", "Tiel"),
    ],
)
def test_postcode_and_street_that_disagree_are_named(  # type: ignore[no-untyped-def]
    sample_ds, query: str, message: str, candidate: str
) -> None:
    with pytest.raises(AddressNotFound) as exc:
        find_address(sample_ds, query)
    assert exc.value.conflict
    assert message in str(exc.value)
    assert exc.value.candidates[0] == candidate


def test_street_outside_the_woonplaats_and_unknown_postcode(sample_ds) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(
        AddressNotFound, match=r"^Kwartelstraat ligt niet in Naaldwijk maar in Tiel$"
    ):
        find_address(sample_ds, "Kwartelstraat 7 Naaldwijk")
    with pytest.raises(
        AddressNotFound, match=r"^postcode 4001ZZ staat niet in de dataset; dichtbij"
    ) as exc:
        find_address(sample_ds, "4001ZZ 7")
    # the postcodes next to it in order: the last ones of 4001 (4001BK-BM are the catalogue
    # block's Hoveniersweg, Leerpad and Torenvalkflat), the first after it
    assert exc.value.candidates == ["4001BK", "4001BL", "4001BM", "4021AR"]
    with pytest.raises(AddressNotFound, match=r"^leeg adres"):
        find_address(sample_ds, " , ")


# ---- every separator, case and spacing finds the same unit (hypothesis) -------------------


def _cased(draw, text: str) -> str:  # type: ignore[no-untyped-def]
    style = draw(st.sampled_from(["as is", "lower", "upper", "random"]))
    if style == "random":
        flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
        return "".join(c.swapcase() if f else c for c, f in zip(text, flips, strict=True))
    return {"as is": text, "lower": text.lower(), "upper": text.upper()}[style]


@st.composite
def spellings(draw, ds, a: int) -> str:  # type: ignore[no-untyped-def,no-untyped-def]
    """One address written as an officer might: any case, separators, order of the parts."""
    letter, toev = str(ds.addr_huisletter[a]), str(ds.addr_toevoeging[a])
    number = str(ds.addr_huisnummer[a])
    if letter:
        number += draw(st.sampled_from(["", " ", "-"])) + _cased(draw, letter)
    if toev:
        number += draw(st.sampled_from(["-", " ", "/", " - "])) + _cased(draw, toev)
    pc = str(ds.addr_postcode[a])
    postcode = _cased(draw, pc[:4] + draw(st.sampled_from(["", " "])) + pc[4:])
    place = _cased(draw, str(ds.woonplaats_naam[ds.addr_woonplaats[a]]))
    comma = st.sampled_from([" ", ", ", " ,", ","])
    if draw(st.booleans()):  # postcode + huisnummer (+ woonplaats)
        glue = draw(st.sampled_from(["", " ", ", "]))
        parts = [postcode + glue + number] + ([place] if draw(st.booleans()) else [])
    else:
        street = _cased(draw, str(ds.street_naam[ds.addr_street[a]]))
        parts = [street + draw(st.sampled_from([" ", "  ", ", "])) + number]
        extra = draw(st.sampled_from([["pc"], ["place"], ["pc", "place"], ["place", "pc"]]))
        tail = [postcode if e == "pc" else place for e in extra]
        parts = [tail[0], *parts] if draw(st.booleans()) and extra == ["pc"] else parts + tail
    text = parts[0]
    for part in parts[1:]:
        text += draw(comma) + part
    return draw(st.sampled_from(["", " ", ", "])) + text + draw(st.sampled_from(["", " ", ","]))


def _outcome(ds, query: str) -> tuple[object, ...]:  # type: ignore[no-untyped-def]
    try:
        match = find_address(ds, query)
    except AddressNotFound as exc:
        assert exc.ambiguous, (query, str(exc))
        return ("ambiguous", sorted(exc.candidates))
    return ("found", match.unit, match.label)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_any_spelling_of_an_address_finds_the_same_unit(sample_ds, data) -> None:  # type: ignore[no-untyped-def]
    ds = sample_ds
    a = data.draw(
        st.sampled_from(
            [a for a in range(len(ds.addr_id)) if ds.addr_unit[a] >= 0 and ds.addr_postcode[a]]
        )
    )
    canonical = f"{ds.street_naam[ds.addr_street[a]]} {_number(ds, a)}, {ds.addr_postcode[a]} {ds.woonplaats_naam[ds.addr_woonplaats[a]]}"
    expected = _outcome(ds, canonical)
    assert expected[0] == "ambiguous" or expected[2] == ds.address_label(a)
    query = data.draw(spellings(ds, a))
    assert _outcome(ds, query) == expected, query


# ---- forms on a built town: huisletters, toevoegingen, live before withdrawn ---------------


def test_huisletter_and_toevoeging_spellings(tmp_path: Path) -> None:
    town = Town(woonplaats="Tiel")
    kerk = town.street("Kerkstraat")
    plain = town.house(kerk, 12, 0, 0, postcode="4001AB")
    letter = town.house(kerk, 12, 5, 0, huisletter="A", postcode="4001AB")
    letter_toev = town.house(kerk, 12, 10, 0, huisletter="A", toevoeging="2", postcode="4001AB")
    toev = town.house(kerk, 14, 15, 0, toevoeging="2", postcode="4001AB")
    ground = town.house(kerk, 16, 20, 0, toevoeging="H", postcode="4001AB")
    bis = town.house(kerk, 18, 25, 0, toevoeging="bis", postcode="4001AB")
    boven = town.house(kerk, 20, 30, 0, toevoeging="bov", postcode="4001AB")
    letter_only_toev = town.house(kerk, 22, 35, 0, toevoeging="a", postcode="4001AB")
    like_postcode = town.house(kerk, 1234, 40, 0, toevoeging="hs", postcode="4001AB")
    ds = town.build(tmp_path)
    cases = {
        plain: ["Kerkstraat 12 Tiel", "4001ab 12", "kerkstr 12"],
        letter: [
            "Kerkstraat 12a Tiel",
            "kerkstr 12 a",
            "Kerkstraat 12-a",
            "4001 AB 12A",
            "4001AB12a",
        ],
        letter_toev: ["Kerkstraat 12a-2", "Kerkstraat 12 a 2", "4001AB 12A 2", "Kerkstraat 12-a-2"],
        toev: [
            "4001AB 14-2",
            "4001AB 14 2",
            "Kerkstraat 14/2",
            "Kerkstraat 14 II",
            "kerkstraat 14-ii",
        ],
        ground: ["Kerkstraat 16-hs", "Kerkstraat 16 huis", "Kerkstraat 16h", "4001AB 16 H"],
        bis: ["Kerkstraat 18 bis", "Kerkstraat 18bis Tiel", "4001AB 18-BIS"],
        boven: ["Kerkstraat 20-bov", "Kerkstraat 20 bov, Tiel"],
        letter_only_toev: ["Kerkstraat 22a", "Kerkstraat 22-a"],  # toevoeging a
        like_postcode: ["Kerkstraat 1234 hs", "Kerkstraat 1234hs Tiel"],  # no postcode 1234HS
    }
    for vbo, queries in cases.items():
        for query in queries:
            assert _unit_of(ds, query) == vbo, query
    with pytest.raises(
        AddressNotFound, match=r"^Kerkstraat 14 bestaat niet; op nummer 14 wel"
    ) as exc:
        find_address(ds, "Kerkstraat 14")
    assert exc.value.candidates == ["Kerkstraat 14-2, Tiel"]
    with pytest.raises(AddressNotFound) as exc:
        find_address(ds, "4001AB 14")
    assert exc.value.candidates == ["Kerkstraat 14-2, Tiel"]


def test_live_object_preferred_and_ties_are_ambiguous(tmp_path: Path) -> None:
    town = Town(woonplaats="Tiel")
    kerk = town.street("Kerkstraat")
    # a withdrawn object that kept its address, and the live one that took it over
    town.house(kerk, 20, 15, 0, postcode="4001AB", status="Verblijfsobject ingetrokken")
    live = town.house(kerk, 20, 20, 0, postcode="4001AB")
    first = town.house(kerk, 22, 25, 0, postcode="4001AB", status="Verblijfsobject ingetrokken")
    second = town.house(kerk, 22, 30, 0, postcode="4001AB", status="Verblijfsobject ingetrokken")
    ds = town.build(tmp_path)
    assert _unit_of(ds, "4001AB 20") == live
    assert _unit_of(ds, "Kerkstraat 20 Tiel") == live
    for query in ("Kerkstraat 22", "4001AB 22", "Kerkstrat 22"):
        with pytest.raises(AddressNotFound, match="2 objecten passen") as exc:
            find_address(ds, query)
        assert exc.value.ambiguous and first in str(exc.value) and second in str(exc.value)


def test_typos_that_fit_two_streets_and_numbers_in_names(tmp_path: Path) -> None:
    town = Town(woonplaats="Weesp")
    molen = town.street("Molenstraat")
    mole = town.street("Molestraat")
    dwars = town.street("2e Dwarsstraat")
    short = town.street("Horn")
    a = town.house(molen, 3, 0, 0)
    b = town.house(mole, 3, 10, 0)
    only_molen = town.house(molen, 5, 20, 0)
    town.house(dwars, 12, 30, 0)
    town.house(short, 1, 40, 0)
    ds = town.build(tmp_path)
    # "Molnstraat" is one edit from both: the number decides, and where both have it, ask
    with pytest.raises(AddressNotFound, match="2 objecten passen") as exc:
        find_address(ds, "Molnstraat 3")
    assert exc.value.ambiguous and a in str(exc.value) and b in str(exc.value)
    match = find_address(ds, "Molnstraat 5")
    assert ds.unit_identificatie(match.unit) == only_molen
    assert match.corrected == ("straat 'molnstraat' gelezen als Molenstraat",)
    # a different digit is another street, never a typing error
    with pytest.raises(AddressNotFound, match="geen straat '3e dwarsstraat'") as exc:
        find_address(ds, "3e Dwarsstraat 12")
    assert exc.value.candidates[0] == "2e Dwarsstraat"
    # names shorter than four letters are not corrected
    with pytest.raises(AddressNotFound, match="geen straat 'hrn'"):
        find_address(ds, "Hrn 1")
    assert find_address(ds, "Hron 1").label == "Horn 1, Weesp"


def test_pand_identificatie(tmp_path: Path) -> None:
    town = Town()
    s = town.street("Pandstraat")
    single = town.pand(0, 0)
    shared = town.pand(10, 0)
    alone = town.unit(s, 1, [single])
    town.unit(s, 3, [shared])
    town.unit(s, 5, [shared])
    ds = town.build(tmp_path)
    assert _unit_of(ds, single) == alone
    with pytest.raises(AddressNotFound, match=f"^pand {shared}: 2 objecten passen") as exc:
        find_address(ds, shared)
    assert exc.value.ambiguous and len(exc.value.candidates) == 2


def test_name_index_finds_every_key_one_edit_away() -> None:
    rng = random.Random(3)
    keys = ["".join(rng.choices("abcde", k=rng.randint(3, 8))) for _ in range(400)]
    index = NameIndex(keys)
    for query in ["".join(rng.choices("abcde", k=rng.randint(3, 8))) for _ in range(200)]:
        expected = sorted({k for k in keys if k != query and edit_distance(query, k) == 1})
        assert index.near(query) == expected
        assert index.prefixed(query) == sorted({k for k in keys if k.startswith(query)})


def test_edit_distance_counts_a_swap_as_one() -> None:
    assert edit_distance("kwartelstraat", "kwartelstaat") == 1
    assert edit_distance("tiel", "teil") == 1
    assert edit_distance("abc", "abc") == 0
    assert edit_distance("kitten", "sitting") == 3


# ---- the real Weesp extract -----------------------------------------------------------------


def _peers(ds) -> dict[int, list[int]]:  # type: ignore[no-untyped-def]
    """Per unit: the units a search for its hoofdadres must return (more than one: ambiguous).

    Units sharing street name, woonplaats, number, huisletter and toevoeging compete; the
    best status wins (a live object over the withdrawn one whose address it took over)."""
    groups: dict[tuple[object, ...], list[int]] = defaultdict(list)
    for u in range(ds.n_units):
        a = int(ds.unit_hoofdadres[u])
        if a >= 0:
            key = (
                str(ds.street_naam[ds.addr_street[a]]),
                int(ds.addr_woonplaats[a]),
                int(ds.addr_huisnummer[a]),
                str(ds.addr_huisletter[a]).lower(),
                str(ds.addr_toevoeging[a]).lower(),
            )
            groups[key].append(u)
    expected = {}
    for units in groups.values():
        best = min(status_rank(str(ds.unit_status[u])) for u in units)
        top = [u for u in units if status_rank(str(ds.unit_status[u])) == best]
        expected.update(dict.fromkeys(units, top))
    return expected


@pytest.fixture(scope="module")
def weesp_sample(weesp):  # type: ignore[no-untyped-def]
    """1,000 seeded verblijfsobjecten with a hoofdadres, and what their search must return."""
    peers = _peers(weesp)
    units = [
        u
        for u in range(weesp.n_units)
        if weesp.unit_hoofdadres[u] >= 0 and weesp.unit_type[u] == "verblijfsobject"
    ]
    return random.Random(20211015).sample(units, 1000), peers


def _found(ds, query: str, expected: list[int]) -> bool:  # type: ignore[no-untyped-def]
    """The expected unit is found, or (several equal ones) the error names each of them."""
    try:
        return [find_address(ds, query).unit] == expected
    except AddressNotFound as exc:
        return (
            len(expected) > 1
            and exc.ambiguous
            and all(ds.unit_identificatie(u) in str(exc) for u in expected)
        )


def test_weesp_sample_found_in_every_form(weesp, weesp_sample) -> None:  # type: ignore[no-untyped-def]
    ds = weesp
    units, peers = weesp_sample
    counts: Counter[str] = Counter()
    for u in units:
        a = int(ds.unit_hoofdadres[u])
        street, place, pc = (
            ds.street_naam[ds.addr_street[a]],
            ds.woonplaats_naam[ds.addr_woonplaats[a]],
            ds.addr_postcode[a],
        )
        number = _number(ds, a)
        forms = {"straat nummer plaats": f"{street} {number} {place}"}
        if pc:
            forms["straat nummer, postcode plaats"] = f"{street} {number}, {pc} {place}"
            forms["postcode nummer"] = f"{pc} {number}"
            forms["postc ode nummer"] = f"{pc[:4]} {pc[4:]} {number}"
            forms["postcodenummer"] = f"{pc}{number}"
        for form, query in forms.items():
            assert _found(ds, query, peers[u]), (form, query)
            counts[form] += 1
        counts["ambiguous"] += len(peers[u]) > 1
        counts["taken over by a live object"] += peers[u] != [u] and len(peers[u]) == 1
    assert counts["straat nummer plaats"] == 1000
    assert counts["postcode nummer"] == counts["postc ode nummer"] == counts["postcodenummer"] > 980
    assert counts["ambiguous"] < 10 and counts["taken over by a live object"] < 50


def _typo(name: str, rng: random.Random) -> str:
    """One insertion, deletion, substitution or swap of letters in ``name``."""
    letters = [i for i, c in enumerate(name) if c.isalpha()]
    i = rng.choice(letters)
    other = rng.choice([c for c in string.ascii_lowercase if c != name[i].lower()])
    swaps = [j for j in letters if j + 1 in letters and name[j].lower() != name[j + 1].lower()]
    kind = rng.choice(["insert", "delete", "substitute", "swap" if swaps else "delete"])
    if kind == "insert":
        return name[:i] + other + name[i:]
    if kind == "delete":
        return name[:i] + name[i + 1 :]
    if kind == "substitute":
        return name[:i] + other + name[i + 1 :]
    j = rng.choice(swaps)
    return name[:j] + name[j + 1] + name[j] + name[j + 2 :]


def test_weesp_sample_found_despite_one_typing_error(weesp, weesp_sample) -> None:  # type: ignore[no-untyped-def]
    ds = weesp
    units, peers = weesp_sample
    rng = random.Random(7)
    real_keys = {_street_key(str(n)) for n in ds.street_naam}
    outcome: Counter[str] = Counter()
    for u in units:
        a = int(ds.unit_hoofdadres[u])
        street = str(ds.street_naam[ds.addr_street[a]])
        if sum(c.isalpha() for c in street) < 5:
            continue
        typo = _typo(street, rng)
        query = f"{typo} {_number(ds, a)} {ds.woonplaats_naam[ds.addr_woonplaats[a]]}"
        if _street_key(typo) in real_keys - {_street_key(street)}:
            outcome["typo is another street"] += 1  # no typing error to correct
            continue
        try:
            match = find_address(ds, query)
        except AddressNotFound as exc:
            assert exc.ambiguous, query  # never "not found"
            if len(peers[u]) > 1:  # the address itself is ambiguous
                assert _found(ds, query, peers[u]), query
                outcome["ambiguous address"] += 1
            else:  # the typo fits two streets: both are listed, the meant one among them
                assert any(ds.unit_identificatie(u) in c for c in exc.candidates), query
                outcome["typo fits two streets"] += 1
            continue
        assert [match.unit] == peers[u], (query, match.label)
        # corrected and said so, unless an abbreviation undid the typo ("Heemraadwg")
        assert match.corrected or _street_key(typo) == _street_key(street), query
        outcome["corrected"] += 1
    typed = sum(outcome.values())
    assert typed > 950
    assert outcome["corrected"] >= typed - 10
    assert outcome["typo fits two streets"] + outcome["typo is another street"] <= typed // 100


def test_weesp_every_object_found_by_identificatie(weesp) -> None:  # type: ignore[no-untyped-def]
    ds = weesp
    for u in range(ds.n_units):
        assert find_address(ds, ds.unit_identificatie(u)).unit == u
        a = int(ds.unit_hoofdadres[u])
        assert find_address(ds, ds.addr_id[a].decode()).unit == u


@pytest.mark.parametrize(
    "query",
    [
        "m nijhoffstr 116",
        "M.Nijhoffstraat 116, Weesp",
        "m.nijhoffstraat 116 weesp",
        "M. Nijhoffstraat 116, 1382 tt Weesp",
        "0457010000004976",
    ],
)
def test_weesp_free_text_forms(weesp, query: str) -> None:  # type: ignore[no-untyped-def]
    assert find_address(weesp, query).label == "M.Nijhoffstraat 116, Weesp"


def test_weesp_unknown_gives_candidates(weesp) -> None:  # type: ignore[no-untyped-def]
    assert find_address(weesp, "M.Nijhofstraat 116").corrected == (
        "straat 'm nijhofstraat' gelezen als M.Nijhoffstraat",
    )
    with pytest.raises(AddressNotFound) as exc:
        find_address(weesp, "M.Nijhfstrat 116")
    assert exc.value.candidates[0] == "M.Nijhoffstraat"
    with pytest.raises(AddressNotFound, match=r"^postcode 1382EJ heeft geen nummer 9999") as exc:
        find_address(weesp, "1382EJ 9999")
    assert exc.value.candidates and all("Waarschapsstraat" in c for c in exc.value.candidates)
