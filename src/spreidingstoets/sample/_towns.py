"""The three fictional neighbourhoods (Tiel, Aalsmeer, Westland) and their permit registers.

Every street name is invented. Each town gets the same generic block of edge cases (terraced
rows, corner houses, a flat, shops, an alley, short and long streets, lifecycles, ...) under its
own street names, plus what its own rules need: Aalsmeer the distance pairs and a business
park, Westland the greenhouse area and a labour-migrant site.
"""

from __future__ import annotations

from dataclasses import dataclass

import shapely
from shapely.geometry import Polygon

from ._catalogue import build_block
from ._layout import detached, row
from ._model import Town, r3, rect


@dataclass(frozen=True)
class Names:
    """Street names for the generic block (all fictional)."""

    main: str  # 20 dwellings, terraced, alley, corner houses
    side: str  # exactly 10 dwellings; carries the corner houses' nevenadressen
    short: str  # fewer than 10 dwellings, a pand with two dwellings
    gap: str  # 20 dwellings, a house-number gap in a terraced row
    flat: str  # one pand with 40 dwellings
    shops: str  # shops with a dwelling above, mixed gebruiksdoel
    lifecycle: str  # demolished / under construction / not realised / renumbered
    twin: str  # the same name in two woonplaatsen
    kade: str  # ligplaatsen
    camp: str  # standplaatsen
    fillers: tuple[str, ...]  # ordinary streets


@dataclass(frozen=True)
class Spec:
    code: str
    naam: str
    slug: str
    origin: tuple[float, float]
    wpl_main: tuple[str, str, str]  # woonplaats code, naam, pc4
    wpl_second: tuple[str, str, str]
    second_offset: tuple[float, float]
    names: Names


SPECS = [
    Spec(
        "0281",
        "Tiel",
        "tiel",
        (160000.0, 434000.0),
        ("9001", "Tiel", "4001"),
        ("9002", "Wadenoijen", "4021"),
        (-1500.0, 1500.0),
        Names(
            "Kwartelstraat",
            "Ribeslaan",
            "Distelpad",
            "Merelstraat",
            "Populierenhof",
            "Lindeplein",
            "Kersenbongerd",
            "Vlasakker",
            "Schipperskade",
            "Wagenmakerspad",
            ("Goudvinkstraat", "Appelgaard", "Perenhof", "Notelaarstraat", "Zwaluwstraat"),
        ),
    ),
    Spec(
        "0358",
        "Aalsmeer",
        "aalsmeer",
        (110000.0, 477000.0),
        ("9003", "Aalsmeer", "1431"),
        ("9004", "Kudelstaart", "1433"),
        (-2000.0, -2500.0),
        Names(
            "Snoekbaarsstraat",
            "Karperlaan",
            "Brasempad",
            "Voornstraat",
            "Zeelthof",
            "Baarsplein",
            "Rietvoornbongerd",
            "Kroosweg",
            "Ruisvoornkade",
            "Marskramerspad",
            ("Alverstraat", "Grondelstraat", "Kolbloemhof", "Modderkruiperstraat", "Winde-erf"),
        ),
    ),
    Spec(
        "1783",
        "Westland",
        "westland",
        (75000.0, 447000.0),
        ("9005", "Naaldwijk", "2671"),
        ("9006", "Honselersdijk", "2675"),
        (-3000.0, 3000.0),
        Names(
            "Paprikastraat",
            "Auberginelaan",
            "Radijspad",
            "Venkelstraat",
            "Witlofhof",
            "Koolraapplein",
            "Oude Tuinderij",
            "Slaweg",
            "Trekvaartkade",
            "Kermispad",
            ("Andijviestraat", "Postelein-erf", "Spinaziestraat", "Pastinaakhof", "Rucolastraat"),
        ),
    ),
]


def _wpl_area(geoms: list[Polygon], margin: float) -> Polygon:
    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    return rect(x0 - margin, y0 - margin, x1 + margin, y1 + margin)


def _common(t: Town, s: Spec) -> None:
    """The generic neighbourhood; registers its features on ``t``."""
    ox, oy = s.origin
    nm = s.names
    wpl, wpl2 = s.wpl_main[0], s.wpl_second[0]
    pc, pc2 = s.wpl_main[2], s.wpl_second[2]

    main = t.street(nm.main, wpl, pc)
    side = t.street(nm.side, wpl, pc)
    # Nevenadressen of the two corner houses on the side street (created first so the
    # corner VBOs can refer to them).
    neven_s = t.address(side, 2)
    neven_n = t.address(side, 4)

    # -- main street: 20 dwellings. North: 1-11 | 2.0 m alley | 13-23. South: 2-16.
    n1 = row(
        t, main, [1, 3, 5, 7, 9, 11], ox, oy, "N", per_house={1: {"nevenadressen": (neven_n,)}}
    )
    n2 = row(t, main, [13, 15, 17, 19, 21, 23], ox + 35.0, oy, "N")
    s1 = row(
        t,
        main,
        [2, 4, 6, 8, 10, 12, 14, 16],
        ox,
        oy,
        "S",
        per_house={2: {"nevenadressen": (neven_s,)}},
    )
    for v, _ in n1:
        t.feature("terraced_row", v, role="row member", block=f"{nm.main} 1-11")
    t.feature("terraced_end_house", n1[0][0], note="west end, corner house")
    t.feature("terraced_end_house", n1[-1][0], note="east end, at the alley")
    t.feature("terraced_end_house", n2[0][0], note="west end, at the alley")
    t.feature("terraced_end_house", n2[-1][0], note="east end")
    t.feature(
        "corner_house", n1[0][0], nevenadres=t.addresses[neven_n].label(), nevenadres_id=neven_n
    )
    t.feature(
        "corner_house", s1[0][0], nevenadres=t.addresses[neven_s].label(), nevenadres_id=neven_s
    )
    gap = t.min_distance(n1[-1][1], n2[0][1])
    t.feature("alley", n1[-1][0], distance_m=gap)
    t.feature("alley", n2[0][0], distance_m=gap)
    across = t.min_distance(n1[2][1], s1[2][1])
    t.feature("opposite_side", n1[2][0], distance_m=across, note="opposite of the next entry")
    t.feature("opposite_side", s1[2][0], distance_m=across, note="opposite of the previous")
    for v, _ in n1 + n2 + s1:
        t.feature("street_20_dwellings", v)
    # Enclosure: n = 5 ordinary, n-2 = 3 and n+2 = 7 on the same side.
    t.feature("enclosure", n1[1][0], role="n-2 (counted in the register where applicable)")
    t.feature("enclosure", n1[2][0], role="n (ordinary dwelling that would be enclosed)")
    t.feature("enclosure", n1[3][0], role="n+2 (candidate)")

    # -- side street along y, exactly 10 dwellings on its west side (odd 1-19).
    r_houses = row(t, side, list(range(1, 20, 2)), oy - 27.5, ox - 8.0, "W")
    for v, _ in r_houses:
        t.feature("street_exactly_10_dwellings", v)

    # -- short street: 8 dwellings incl. a pand with two dwellings (6 and 6A).
    short = t.street(nm.short, wpl, pc)
    d_n = row(t, short, [1, 3, 5, 7], ox, oy + 60.0, "N")
    d_s = row(t, short, [2, 4], ox, oy + 60.0, "S")
    duo_geom = rect(ox + 20.0, oy + 60.0 - 8.0 - 10.0, ox + 28.0, oy + 60.0 - 8.0)
    duo_pand = t.pand(duo_geom, 1932)
    duo = []
    for letter, dy in ((None, -2.5), ("A", 2.5)):
        num = t.address(short, 6, letter)
        c = duo_geom.centroid
        duo.append(t.vbo((c.x, c.y + dy), num, [duo_pand], oppervlakte=62))
    for v in duo:
        t.feature("two_dwellings_one_pand", v)
    for v in [x for x, _ in d_n + d_s] + duo:
        t.feature("street_fewer_than_10_dwellings", v)

    # -- gap street: south row 2-12, 16-22 touching (14 missing); north 1-19.
    gapst = t.street(nm.gap, wpl, pc)
    row(t, gapst, list(range(1, 20, 2)), ox, oy - 60.0, "N")
    g_s = row(t, gapst, [2, 4, 6, 8, 10, 12, 16, 18, 20, 22], ox, oy - 60.0, "S")
    t.feature("enclosure_number_gap", g_s[5][0], role="n-4 (12; counted where applicable)")
    t.feature("enclosure_number_gap", g_s[6][0], role="n (16; ordinary, 14 does not exist)")
    t.feature("enclosure_number_gap", g_s[7][0], role="n+2 (18; candidate)")

    # -- flat: one pand, 40 dwellings, huisnummer 2-80 even.
    flat = t.street(nm.flat, wpl, pc)
    fgeom = rect(ox + 100.0, oy + 20.0, ox + 160.0, oy + 34.0)
    fpand = t.pand(fgeom, 1972)
    for i in range(40):
        num = t.address(flat, 2 + 2 * i)
        px = ox + 103.0 + (i % 10) * 6.0
        py = oy + 23.0 + (i // 10) * 2.5  # four floors drawn as four rows of points
        v = t.vbo((px, py), num, [fpand], oppervlakte=68 + (i % 3) * 7)
        t.feature("flat_40_dwellings", v)

    # -- shops with a dwelling above; mixed gebruiksdoel.
    shops = t.street(nm.shops, wpl, pc)
    bounds = [r3(ox + i * 7.0) for i in range(6)]
    y0, y1 = oy + 120.0 + 8.0, oy + 120.0 + 20.0
    shop_specs: list[tuple[int, str | None, str | None]] = [
        (1, "A", None),
        (3, None, "1"),
        (5, "A", None),
    ]
    for i, (nr, letter, toev) in enumerate(shop_specs):
        geom = rect(bounds[i], y0, bounds[i + 1], y1)
        pand = t.pand(geom, 1926)
        c = geom.centroid
        shop_num = t.address(shops, nr)
        shop = t.vbo(
            (c.x, c.y - 3.0), shop_num, [pand], gebruiksdoel=("winkelfunctie",), oppervlakte=75
        )
        home_num = t.address(shops, nr, letter, toev)
        home = t.vbo((c.x, c.y + 3.0), home_num, [pand], oppervlakte=72)
        t.feature("shop_with_dwelling_above", home, role="dwelling", shop_id=shop)
        t.feature("shop", shop, role="shop (winkelfunctie) below the dwelling")
    for i, (nr, doelen) in enumerate(
        [(7, ("woonfunctie", "kantoorfunctie")), (9, ("kantoorfunctie", "woonfunctie"))]
    ):
        geom = rect(bounds[3 + i], y0, bounds[4 + i], y1)
        v, _ = t.house(shops, nr, geom, bouwjaar=1926, gebruiksdoel=doelen, oppervlakte=140)
        t.feature("multiple_gebruiksdoel", v, gebruiksdoel=list(doelen))
    row(t, shops, [2, 4, 6, 8], ox, oy + 120.0, "S", bouwjaar=1926)

    # -- lifecycle street: detached houses 10 x 10 m, 6 m apart.
    life = t.street(nm.lifecycle, wpl, pc)
    ly = oy - 120.0

    def plot(i: int) -> Polygon:
        return rect(ox + i * 16.0, ly + 8.0, ox + i * 16.0 + 10.0, ly + 18.0)

    p = t.pand(plot(0), 1988)
    num = t.address(life, 1)
    v = t.vbo(
        plot(0).centroid,
        num,
        [p],
        oppervlakte=128,
        begin="2019-05-01",
        history=[{"begin": "2010-01-01", "end": "2019-05-01", "oppervlakte": 95}],
    )
    t.feature("two_voorkomens", v, note="oppervlakte 95 until 2019-05-01, then 128")

    p = t.pand(
        plot(1),
        1961,
        "Pand gesloopt",
        begin="2021-03-15",
        history=[("2010-01-01", "2021-03-15", "Pand in gebruik")],
    )
    num = t.address(
        life,
        3,
        status="Naamgeving ingetrokken",
        begin="2021-03-15",
        history=[("2010-01-01", "2021-03-15", 3)],
    )
    v = t.vbo(
        plot(1).centroid,
        num,
        [p],
        status="Verblijfsobject ingetrokken",
        begin="2021-03-15",
        history=[
            {"begin": "2010-01-01", "end": "2021-03-15", "status": "Verblijfsobject in gebruik"}
        ],
    )
    t.feature(
        "demolished", v, pand_status="Pand gesloopt", vbo_status="Verblijfsobject ingetrokken"
    )

    p = t.pand(
        plot(2),
        2026,
        "Bouw gestart",
        begin="2026-03-01",
        history=[("2025-09-01", "2026-03-01", "Bouwvergunning verleend")],
    )
    num = t.address(life, 5, begin="2025-09-01")
    v = t.vbo(plot(2).centroid, num, [p], status="Verblijfsobject gevormd", begin="2025-09-01")
    t.feature(
        "under_construction", v, vbo_status="Verblijfsobject gevormd", pand_status="Bouw gestart"
    )

    p = t.pand(
        plot(3),
        2017,
        "Niet gerealiseerd pand",
        begin="2019-02-01",
        history=[("2016-02-01", "2019-02-01", "Bouwvergunning verleend")],
    )
    num = t.address(life, 7, begin="2016-02-01")
    v = t.vbo(
        plot(3).centroid,
        num,
        [p],
        status="Niet gerealiseerd verblijfsobject",
        begin="2019-02-01",
        history=[{"begin": "2016-02-01", "end": "2019-02-01", "status": "Verblijfsobject gevormd"}],
    )
    t.feature(
        "not_realised",
        v,
        vbo_status="Niet gerealiseerd verblijfsobject",
        pand_status="Niet gerealiseerd pand",
    )

    p = t.pand(plot(4), 1990)
    num = t.address(life, 9, begin="2018-06-01", history=[("2010-01-01", "2018-06-01", 99)])
    v = t.vbo(plot(4).centroid, num, [p], oppervlakte=131)
    t.feature(
        "renumbered",
        v,
        old_huisnummer=99,
        renumbered_on="2018-06-01",
        old_address=f"{nm.lifecycle} 99",
    )
    for i, nr in enumerate((11, 13), start=5):
        t.house(life, nr, plot(i), bouwjaar=1990)

    # -- the same street name in two woonplaatsen (two openbare ruimten).
    twin1 = t.street(nm.twin, wpl, pc)
    for i, nr in enumerate((1, 3, 5, 7)):
        v, _ = detached(t, twin1, nr, ox + i * 14.0, oy - 180.0, "N", width=9.0, depth=10.0)
        if i == 0:
            t.feature("same_street_name_two_woonplaatsen", v)
    sx, sy = ox + s.second_offset[0], oy + s.second_offset[1]
    twin2 = t.street(nm.twin, wpl2, pc2)
    second = []
    for i, nr in enumerate((1, 3, 5)):
        v, p = detached(t, twin2, nr, sx + i * 14.0, sy, "N", width=9.0, depth=10.0)
        second.append(p)
        if i == 0:
            t.feature("same_street_name_two_woonplaatsen", v)
    t.second_panden = second

    # -- ligplaatsen (houseboats) and standplaatsen (caravans).
    kade = t.street(nm.kade, wpl, pc)
    for i, nr in enumerate((1, 3)):
        num = t.address(kade, nr, type_ao="Ligplaats")
        lig = t.plaats(
            "LIG", rect(ox + i * 25.0, oy - 252.0, ox + i * 25.0 + 20.0, oy - 246.0), num
        )
        t.feature("ligplaats", lig)
    camp = t.street(nm.camp, wpl, pc)
    for i, nr in enumerate((1, 2)):
        num = t.address(camp, nr, type_ao="Standplaats")
        sta = t.plaats(
            "STA", rect(ox + 70.0 + i * 18.0, oy - 252.0, ox + 85.0 + i * 18.0, oy - 244.0), num
        )
        t.feature("standplaats", sta)

    # -- ordinary filler streets west of the side street.
    sizes = (15, 12, 18, 10, 16)
    for k, (fname, n) in enumerate(zip(nm.fillers, sizes, strict=True)):
        fy = oy - 150.0 + k * 60.0
        f = t.street(fname, wpl, pc)
        odd = [2 * i + 1 for i in range(n)]
        even = [2 * i + 2 for i in range(n)]
        if k == 0:
            # A narrow 1.2 m alley in the north row after the 7th house.
            a = row(t, f, odd[:7], ox - 300.0, fy, "N", bouwjaar=1958)
            b = row(t, f, odd[7:], ox - 300.0 + 7 * 5.5 + 1.2, fy, "N", bouwjaar=1958)
            d = t.min_distance(a[-1][1], b[0][1])
            t.feature("alley", a[-1][0], distance_m=d)
            t.feature("alley", b[0][0], distance_m=d)
        else:
            row(t, f, odd, ox - 300.0, fy, "N", bouwjaar=1950 + 5 * k)
        row(t, f, even, ox - 300.0, fy, "S", bouwjaar=1950 + 5 * k)


def _street_vbos(t: Town, opr_naam: str, nrs: list[int]) -> dict[int, str]:
    """Find dwellings by street name and huisnummer (first match; no letters)."""
    out: dict[int, str] = {}
    for vbo_id, num_id in t.vbo_addr.items():
        a = t.addresses[num_id]
        if a.straat == opr_naam and a.huisnummer in nrs and not a.huisletter and not a.toevoeging:
            out.setdefault(a.huisnummer, vbo_id)
    return out


def _finish(t: Town, s: Spec) -> None:
    """Woonplaats polygons around what was built."""
    second = set(t.second_panden)
    rest = [
        r.attrs["geometrie"]
        for r in t.records
        if r.kind in ("PND", "LIG", "STA") and r.identificatie not in second
    ]
    t.woonplaats(s.wpl_main[0], s.wpl_main[1], _wpl_area(rest, 60.0))
    t.woonplaats(
        s.wpl_second[0], s.wpl_second[1], _wpl_area([t.pand_geom[p] for p in sorted(second)], 200.0)
    )


def build_tiel(s: Spec) -> Town:
    t = Town(s.code, s.naam, s.slug)
    t.woonplaats_naam.update({s.wpl_main[0]: s.wpl_main[1], s.wpl_second[0]: s.wpl_second[1]})
    _common(t, s)
    nm = s.names
    t.block = build_block(t, s.origin, s.wpl_main[0], s.wpl_main[2])
    _finish(t, s)
    k = _street_vbos(t, nm.main, [3, 7, 15, 21])
    t.permit(k[3], "kamerverhuur", 4, "granted", "2019-03-01", "", "TIEL-KV-2019-014")
    t.permit(
        k[21],
        "kamerverhuur",
        4,
        "revoked",
        "2018-06-01",
        "2023-01-15",
        "TIEL-KV-2018-003 (ingetrokken)",
    )
    t.permit(
        k[15],
        "kamerverhuur",
        3,
        "expired",
        "2016-01-01",
        "2021-12-31",
        "TIEL-KV-2016-001 (verlopen)",
    )
    r = _street_vbos(t, nm.side, [5])
    t.permit(r[5], "arbeidsmigranten", 4, "pending", "2026-10-01", "", "TIEL-AM-2026-007")
    g = _street_vbos(t, nm.gap, [12])
    t.permit(g[12], "kamerverhuur", 4, "granted", "2020-05-01", "", "TIEL-KV-2020-002")
    d = t.features["two_dwellings_one_pand"][0]["verblijfsobject_id"]
    t.permit(d, "studenten", 3, "granted", "2021-09-01", "", "TIEL-ST-2021-004")
    f = t.features["flat_40_dwellings"][4]["verblijfsobject_id"]
    t.permit(f, "studenten", 2, "granted", "2022-02-01", "", "TIEL-ST-2022-001")
    ren = t.features["renumbered"][0]["verblijfsobject_id"]
    t.permit(
        ren,
        "kamerverhuur",
        4,
        "granted",
        "2017-02-01",
        "",
        f"TIEL-KV-2017-009 (verleend op {nm.lifecycle} 99)",
    )
    dem = t.features["demolished"][0]["verblijfsobject_id"]
    t.permit(dem, "kamerverhuur", 4, "granted", "2015-04-01", "", "TIEL-KV-2015-002")
    fl = _street_vbos(t, nm.fillers[2], [5, 8])
    t.permit(fl[5], "kamerverhuur", 5, "illegal", "2024-08-12", "", "TIEL-HH-2024-031")
    t.permit(
        fl[8],
        "kamerverhuur",
        4,
        "tolerated",
        "2017-01-01",
        "",
        "overgangsrecht (gebruik voor 2018-04-04)",
    )
    al = t.features["alley"][2]["verblijfsobject_id"]
    t.permit(al, "omzetting", 4, "granted", "2023-05-01", "", "TIEL-OM-2023-002")
    t.notes += [
        f"{nm.main}: 20 dwellings; 3 counts (granted), 21 (revoked) and 15 (expired) do not."
        " A candidate there reaches (1 + 1) / 20 = 10% exactly: allowed under `exact`.",
        f"{nm.main} 7 as candidate: 5 (ordinary) would be enclosed by 3 and 7.",
        f"{nm.gap} 18 as candidate: 16 would be enclosed by 12 (counted) and 18, because 14"
        " does not exist.",
        f"{nm.side}: exactly 10 dwellings and a pending permit on 5 (counts by default):"
        " any further candidate there exceeds 10%. The corner houses' nevenadressen on"
        f" {nm.side} are not counted there (their hoofdadres is on {nm.main}).",
        f"{nm.short} 6A as candidate: same pand as 6 (studenten, granted) -> adjacent.",
        f"{nm.lifecycle} 9: permit granted in 2017 on the old number {nm.lifecycle} 99.",
        f"{nm.lifecycle} 3: permit on a demolished dwelling (VBO ingetrokken).",
        f"{nm.fillers[0]} 15 as candidate: 13 (omzetting, granted) lies across a 1.2 m alley:"
        " not adjacent at 0.5 m.",
    ]
    return t


def build_aalsmeer(s: Spec) -> Town:
    t = Town(s.code, s.naam, s.slug)
    t.woonplaats_naam.update({s.wpl_main[0]: s.wpl_main[1], s.wpl_second[0]: s.wpl_second[1]})
    _common(t, s)
    ox, oy = s.origin
    wpl, pc = s.wpl_main[0], "1432"

    # -- ribbon road (lint): distance pairs on the north side, ordinary houses between.
    lint = t.street("Reigersbekweg", wpl, pc)
    ly = oy + 400.0
    pairs = [
        ("distance_100_0", 100.0, ox - 500.0),
        ("distance_99_95", 99.95, ox - 100.0),
        ("distance_100_04", 100.04, ox + 300.0),
        ("distance_99_5", 99.5, ox + 700.0),
        ("distance_150", 150.0, ox + 1100.0),
    ]
    # North side in x order: pair A, pair B, one ordinary house between pairs.
    north: list[tuple[float, str, str]] = []
    for name, d, xa in pairs:
        north.append((xa, name, "candidate"))
        north.append((r3(xa + 10.0 + d), name, "counted"))
        north.append((xa + 240.0, "", ""))
    nr = 1
    found: dict[str, list[tuple[str, str, str]]] = {}
    for x0, name, role in sorted(north, key=lambda e: e[0]):
        v, p = detached(t, lint, nr, x0, ly, "N")
        nr += 2
        if name:
            found.setdefault(name, []).append((v, p, role))
        else:
            t.feature("detached_lint", v)
    for name, d, _ in pairs:
        (va, pa, ra), (vb, pb, rb) = found[name]
        dist = t.min_distance(pa, pb)
        assert abs(dist - d) < 1e-6, (name, dist)
        t.feature(name, va, role=ra, distance_m=round(dist, 6), other=vb)
        t.feature(name, vb, role=rb, distance_m=round(dist, 6), other=va)
    # South side: twee-onder-een-kap pairs (touching) and detached houses.
    x = ox - 500.0
    nr, i = 2, 0
    semis: list[tuple[float, list[tuple[str, str]]]] = []
    while x < ox + 1300.0:
        if i % 3 != 2:
            pair = row(
                t,
                lint,
                [nr, nr + 2],
                x,
                ly,
                "S",
                width=8.0,
                depth=12.0,
                half_width=10.0,
                bouwjaar=1968,
            )
            semis.append((x, pair))
            nr += 4
            x += 16.0 + 18.0
        else:
            v, _ = detached(t, lint, nr, x, ly, "S", width=11.0, depth=11.0)
            if i < 6:
                t.feature("detached_lint", v)
            nr += 2
            x += 11.0 + 22.0
        i += 1
    # The listed pair lies midway between two distance pairs (> 150 m from candidates).
    _, pair = min(semis, key=lambda e: abs(e[0] - (ox + 900.0)))
    for v, _ in pair:
        t.feature("semi_detached", v, note="twee-onder-een-kap, shared wall")

    # -- business park: halls and two company dwellings (bedrijfswoningen).
    park = t.street("Snijbloemweg", wpl, pc)
    by = oy - 450.0
    hy0, hy1 = by + 8.0, by + 48.0
    units = [
        (1, ox, 60.0, "hall"),
        (3, ox + 65.0, 10.0, "home"),
        (5, ox + 85.0, 60.0, "hall"),
        (7, ox + 150.0, 10.0, "home"),
        (9, ox + 170.0, 60.0, "hall"),
    ]
    homes = []
    for nr, x0, w, kind in units:
        if kind == "hall":
            geom = rect(x0, hy0, x0 + w, hy1)
            t.house(
                park, nr, geom, bouwjaar=1996, gebruiksdoel=("industriefunctie",), oppervlakte=2300
            )
        else:
            geom = rect(x0, hy0, x0 + w, hy0 + 10.0)
            homes.append(t.house(park, nr, geom, bouwjaar=1996, oppervlakte=140))
    d = t.min_distance(homes[0][1], homes[1][1])
    t.feature("business_park_dwelling", homes[0][0], role="candidate", distance_m=d)
    t.feature("business_park_dwelling", homes[1][0], role="counted", distance_m=d)
    _finish(t, s)

    for name, *_ in pairs:
        counted = found[name][1][0]
        t.permit(
            counted, "arbeidsmigranten", 6, "granted", "2022-04-01", "", f"AALS-AM-2022-{name}"
        )
    t.permit(
        homes[1][0],
        "arbeidsmigranten",
        8,
        "granted",
        "2021-01-15",
        "",
        "AALS-AM-2021-011 (bedrijventerrein)",
    )
    semi = t.features["semi_detached"][0]["verblijfsobject_id"]
    t.permit(semi, "arbeidsmigranten", 6, "pending", "2026-09-20", "", "AALS-AM-2026-004")
    lintv = t.features["detached_lint"][-1]["verblijfsobject_id"]
    t.permit(
        lintv,
        "arbeidsmigranten",
        8,
        "expired",
        "2019-01-01",
        "2024-12-31",
        "AALS-AM-2019-002 (verlopen)",
    )
    k = _street_vbos(t, s.names.main, [9])
    t.permit(k[9], "kamerverhuur", 5, "granted", "2020-10-01", "", "AALS-KV-2020-001")
    t.notes += [
        "Reigersbekweg distance pairs: the candidate (odd number) and the counted"
        " labour-migrant dwelling (next odd number) have closest footprint distances of"
        " exactly 100.0, 99.95, 100.04, 99.5 and 150.0 m; no other counted dwelling lies"
        " within 150 m of a candidate.",
        "Snijbloemweg 3 (business park) has a counted labour-migrant dwelling at 75 m"
        " (Snijbloemweg 7): fails only if the distance rule is applied on business parks.",
        "Reigersbekweg: pending permit on a semi-detached house (counts by default); expired"
        " permit on a detached house (does not count).",
    ]
    return t


# Zoning polygons for Westland in local offsets from the origin (x0, y0, x1, y1).
WESTLAND_ZONES = {
    "Agrarisch - Glastuinbouw": (-320.0, 200.0, 900.0, 900.0),
    "Wonen": (-320.0, -300.0, 900.0, 200.0),
    "Bedrijventerrein": (900.0, -300.0, 1300.0, 200.0),
    "specifieke vorm van wonen - huisvesting arbeidsmigranten": (300.0, 200.0, 400.0, 300.0),
}


def build_westland(s: Spec) -> Town:
    t = Town(s.code, s.naam, s.slug)
    t.woonplaats_naam.update({s.wpl_main[0]: s.wpl_main[1], s.wpl_second[0]: s.wpl_second[1]})
    _common(t, s)
    ox, oy = s.origin
    wpl, pc = s.wpl_main[0], "2672"

    # -- greenhouse area north of the village, along one road.
    road = t.street("Glasakkerweg", wpl, pc)
    gy = oy + 320.0
    greenhouses, company = [], []
    for i in range(6):
        x0 = ox - 300.0 + i * 140.0
        gh = rect(x0, gy + 25.0, x0 + 120.0, gy + 225.0)
        v, _ = t.house(
            road,
            4 * i + 1,
            gh,
            bouwjaar=1985 + 3 * i,
            gebruiksdoel=("industriefunctie",),
            oppervlakte=23500,
        )
        greenhouses.append(v)
        t.feature("greenhouse", v, note="glasshouse 120 x 200 m, industriefunctie")
        if i % 2 == 0:
            home = rect(x0 + 5.0, gy + 8.0, x0 + 17.0, gy + 18.0)
            hv, _ = t.house(road, 4 * i + 3, home, bouwjaar=1985 + 3 * i, oppervlakte=165)
            company.append(hv)
            t.feature("company_dwelling", hv, note="bedrijfswoning in the greenhouse area")

    # -- labour-migrant site south of the road (plot 100 x 100 m, about 1 ha).
    sx0, sy0 = ox + 300.0, oy + 200.0
    site = [
        (40, rect(sx0 + 10.0, sy0 + 60.0, sx0 + 60.0, sy0 + 85.0), ("industriefunctie",), 1250),
        (42, rect(sx0 + 70.0, sy0 + 70.0, sx0 + 82.0, sy0 + 82.0), ("woonfunctie",), 150),
        (44, rect(sx0 + 10.0, sy0 + 15.0, sx0 + 50.0, sy0 + 45.0), ("industriefunctie",), 1200),
        (46, rect(sx0 + 55.0, sy0 + 15.0, sx0 + 80.0, sy0 + 40.0), ("logiesfunctie",), 560),
    ]
    for nr, geom, doel, opp in site:
        v, _ = t.house(road, nr, geom, bouwjaar=1979, gebruiksdoel=doel, oppervlakte=opp)
        t.feature(
            "labour_migrant_site",
            v,
            gebruiksdoel=list(doel),
            site_polygon=rect(sx0, sy0, sx0 + 100.0, sy0 + 100.0).wkt,
        )
    # A dwelling whose footprint lies partly inside the arbeidsmigranten zone (x < sx0+100).
    part = rect(sx0 + 90.0, sy0 + 40.0, sx0 + 120.0, sy0 + 60.0)
    v, p = t.house(road, 48, part, bouwjaar=1981, oppervlakte=210)
    zone = rect(sx0, sy0, sx0 + 100.0, sy0 + 100.0)
    share = t.pand_geom[p].intersection(zone).area / t.pand_geom[p].area
    t.feature(
        "partly_in_zone",
        v,
        share_inside=round(share, 4),
        note="pand footprint one third inside the arbeidsmigranten zone; point outside",
    )

    # -- business park east of the village.
    fust = t.street("Fustweg", wpl, pc)
    for i in range(4):
        y0 = oy - 250.0 + i * 70.0
        t.house(
            fust,
            2 * i + 1,
            rect(ox + 1008.0, y0, ox + 1068.0, y0 + 50.0),
            bouwjaar=2001,
            gebruiksdoel=("industriefunctie",),
            oppervlakte=2800,
        )
    bw, _ = t.house(
        fust,
        9,
        rect(ox + 1008.0, oy + 40.0, ox + 1020.0, oy + 50.0),
        bouwjaar=2001,
        oppervlakte=130,
    )
    t.feature("business_park_dwelling", bw)
    _finish(t, s)

    t.permit(
        company[0],
        "arbeidsmigranten",
        6,
        "granted",
        "2019-06-01",
        "",
        "WL-AM-2019-012 (eigen personeel)",
    )
    t.permit(
        company[2],
        "arbeidsmigranten",
        12,
        "granted",
        "2020-01-01",
        "2029-12-31",
        "WL-AM-2020-003 (tijdelijke afwijking 10 jaar)",
    )
    t.permit(
        company[1],
        "arbeidsmigranten",
        8,
        "expired",
        "2019-03-01",
        "2022-02-28",
        "WL-AM-2019-020 (noodopvang 3 jaar, verlopen)",
    )
    k = _street_vbos(t, s.names.main, [3])
    t.permit(k[3], "kamerverhuur", 4, "granted", "2021-01-01", "", "WL-KV-2021-005")
    t.permit(bw, "arbeidsmigranten", 20, "tolerated", "2018-01-01", "", "WL-AM-2018-001")
    t.notes += [
        "Glasakkerweg 40-46: a site of about 1 ha inside the functieaanduiding 'specifieke"
        " vorm van wonen - huisvesting arbeidsmigranten' (within 'Agrarisch - Glastuinbouw'),"
        " suitable for 100-350 beds.",
        "Glasakkerweg 48: footprint one third inside that zone, point outside -> review.",
        "Company dwellings Glasakkerweg 3, 11, 19 lie in 'Agrarisch - Glastuinbouw';"
        " the village streets in 'Wonen'; Fustweg in 'Bedrijventerrein'.",
    ]
    return t


def build_all() -> list[Town]:
    builders = {"0281": build_tiel, "0358": build_aalsmeer, "1783": build_westland}
    return [builders[s.code](s) for s in SPECS]
