"""The evidence map as inline SVG, drawn from the RD features (``report.features``): no tiles,
no network, metres on the page as metres in the data (one scale for x and y).

The frame holds the application, its evidence, the street and the radius; zones and the panden
around are cut at the frame. Every drawn feature carries ``data-feature`` (its id) and a
``<title>``, evidence rows their number, so a reader finds a table row on the map and back.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

import shapely
from shapely.geometry import shape

from spreidingstoets.report.labels import figure

# roles that decide the frame (zones and the panden around do not: they can be kilometres)
FRAME_ROLES = frozenset(
    {
        "application_pand",
        "application_point",
        "evidence",
        "street_dwelling",
        "radius",
        "radius_dwelling",
        "adjacent_pand",
    }
)
# drawing order, bottom to top
LAYER_ORDER = (
    "zone",
    "pand",
    "radius",
    "adjacent_pand",
    "street_dwelling",
    "radius_dwelling",
    "evidence_area",
    "application_pand",
    "evidence_point",
    "application_point",
)
# what a detail map frames: the application and what touches it
DETAIL_ROLES = frozenset({"application_pand", "application_point", "adjacent_pand"})
DETAIL_RELATIONS = frozenset(
    {"same_pand", "adjacent_pand", "side_neighbour", "enclosed_neighbour", "enclosing"}
)
DETAIL_RATIO = 3.0  # a detail map is added when the whole is this many times wider
MIN_SPAN_M = 60.0
NUMBER_CHAR_PX = 7.0  # about the width of a character of an evidence number (bold, 11 px)
LABEL_CHAR_PX = 6.6  # about the width of a character of a zone name
MAP_WIDTH, MAP_HEIGHT = 760, 460
MAP_ASPECT = MAP_WIDTH / MAP_HEIGHT
PAD = 0.08


def _coords(geometry: Mapping[str, Any]) -> Iterable[tuple[float, float]]:
    def walk(c: Any) -> Iterable[tuple[float, float]]:
        if c and isinstance(c[0], int | float):
            yield float(c[0]), float(c[1])
        else:
            for part in c:
                yield from walk(part)

    return walk(geometry["coordinates"])


def _is_area(f: Mapping[str, Any]) -> bool:
    return f["geometry"]["type"] in ("Polygon", "MultiPolygon")


PLAN_KIND = "bestemmingsplangebied"  # the whole plan: drawn, never framed


def _in_frame(p: Mapping[str, Any], detail: bool) -> bool:
    if p.get("relation") == "zone":
        return not detail and p.get("zone_kind") != PLAN_KIND
    if detail:
        return p["role"] in DETAIL_ROLES or (
            p["role"] == "evidence" and p.get("relation") in DETAIL_RELATIONS
        )
    return p["role"] in FRAME_ROLES


def frame(
    features: list[dict[str, Any]], aspect: float, detail: bool = False
) -> tuple[float, float, float, float]:
    """(xmin, ymin, xmax, ymax) in RD of what the map shows, with the given width/height;
    ``detail``: only the application and what touches it."""
    xs: list[float] = []
    ys: list[float] = []
    for f in features:
        if not _in_frame(f["properties"], detail):
            continue
        for x, y in _coords(f["geometry"]):
            xs.append(x)
            ys.append(y)
    if not xs:  # only zones: frame them
        for f in features:
            for x, y in _coords(f["geometry"]):
                xs.append(x)
                ys.append(y)
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    w = max(x1 - x0, MIN_SPAN_M) * (1 + 2 * PAD)
    h = max(y1 - y0, MIN_SPAN_M) * (1 + 2 * PAD)
    if w / h < aspect:
        w = h * aspect
    else:
        h = w / aspect
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


def nice_length(max_m: float) -> float:
    """The largest 1, 2 or 5 times a power of ten not above ``max_m``."""
    base = 10 ** math.floor(math.log10(max_m))
    for step in (5, 2, 1):
        if step * base <= max_m:
            return step * base
    return base


class _Projector:
    def __init__(self, box: tuple[float, float, float, float], width: float, height: float):
        self.x0, self.y0, self.x1, self.y1 = box
        self.scale = width / (self.x1 - self.x0)
        self.height = height

    def xy(self, x: float, y: float) -> tuple[float, float]:
        return (x - self.x0) * self.scale, (self.y1 - y) * self.scale

    def path(self, geometry: Mapping[str, Any]) -> str:
        polys = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        parts = []
        for poly in polys:
            for ring in poly:
                pts = [self.xy(x, y) for x, y in ring]
                parts.append("M" + " L".join(f"{px:.1f} {py:.1f}" for px, py in pts) + " Z")
        return " ".join(parts)


def _title(f: Mapping[str, Any], number: str | None, role_text: Mapping[str, str]) -> str:
    p = f["properties"]
    bits = []
    if number:
        bits.append(f"[{number}]")
    bits.append(p.get("address") or p.get("zone") or p.get("pand") or role_text.get(p["role"], ""))
    if p.get("relation") and p["role"] == "evidence":
        bits.append(f"({p['rule']}: {p['relation']})")
    elif p["role"] in role_text:
        bits.append(f"({role_text[p['role']]})")
    if p.get("distance_m") is not None:
        bits.append(f"{figure('distance_m', p['distance_m'])} m")
    return " ".join(str(b) for b in bits if b)


def needs_detail(collection: Mapping[str, Any], aspect: float) -> bool:
    """Whether the whole map is so wide that the application's surroundings need their own."""
    features = list(collection["features"])
    touching = any(
        f["properties"]["role"] == "adjacent_pand"
        or f["properties"].get("relation") in DETAIL_RELATIONS | {"zone"}
        for f in features
    )
    whole = frame(features, aspect)
    near = frame(features, aspect, detail=True)
    return touching and (whole[2] - whole[0]) > DETAIL_RATIO * (near[2] - near[0])


def render_svg(
    collection: Mapping[str, Any],
    *,
    detail: bool = False,
    numbers: Mapping[str, str] | None = None,
    role_text: Mapping[str, str] | None = None,
    width: int = MAP_WIDTH,
    height: int = MAP_HEIGHT,
    label: str = "Kaart van het bewijs",
    ident: str = "kaart",
) -> str:
    """The map as an ``<svg>`` element (text), same collection -> same text."""
    numbers = numbers or {}
    role_text = role_text or {}
    features = list(collection["features"])
    box = frame(features, width / height, detail)
    pr = _Projector(box, width, height)
    layers: dict[str, list[str]] = {name: [] for name in LAYER_ORDER}
    labels: dict[tuple[float, float], list[str]] = {}
    zone_labels: list[str] = []
    placed: list[tuple[float, float, float, float]] = []
    # zone names keep clear of the application (and its star)
    own = [shape(f["geometry"]) for f in features if f["properties"]["role"] == "application_pand"]
    avoid = shapely.union_all(own).buffer((box[2] - box[0]) * 0.06) if own else None
    for f in features:
        p = f["properties"]
        role = p["role"]
        fid = escape(str(p["id"]), quote=True)
        title = escape(_title(f, numbers.get(p["id"]), role_text))
        classes = [f"role-{role}"]
        if p.get("relation"):
            classes.append(f"rel-{p['relation']}")
        if p.get("counted"):
            classes.append("counted")
        if p.get("relation") == "zone":
            plan = p.get("zone_kind") == PLAN_KIND
            classes.append("zone-plan" if plan else f"zone-{p.get('zone_role') or 'other'}")
        if p.get("outcome"):
            classes.append(f"outcome-{p['outcome']}")
        if role == "evidence":
            layer = (
                "zone"
                if p.get("relation") == "zone"
                else ("evidence_area" if _is_area(f) else "evidence_point")
            )
        else:
            layer = role
        attrs = f'class="{" ".join(classes)}" data-feature="{fid}"'
        if p.get("rule"):
            attrs += f' data-rule="{escape(str(p["rule"]), quote=True)}"'
        if _is_area(f):
            layers[layer].append(
                f'<path {attrs} d="{pr.path(f["geometry"])}"><title>{title}</title></path>'
            )
            anchor = _label_anchor(f)
        else:
            x, y = f["geometry"]["coordinates"][:2]
            px, py = pr.xy(x, y)
            r = {"application_point": 6, "evidence_point": 5}.get(layer, 3.5)
            if layer == "application_point":
                star = _star(px, py, 9)
                layers[layer].append(f'<path {attrs} d="{star}"><title>{title}</title></path>')
            else:
                layers[layer].append(
                    f'<circle {attrs} cx="{px:.1f}" cy="{py:.1f}" r="{r}">'
                    f"<title>{title}</title></circle>"
                )
            anchor = (x, y)
        if p.get("relation") == "zone" and p.get("zone"):
            zone_labels.append(_zone_label(f, box, pr, avoid, placed, width))
        number = numbers.get(p["id"])
        if number and p.get("relation") != "zone" and anchor is not None:
            labels.setdefault((round(anchor[0], 1), round(anchor[1], 1)), []).append(number)

    body = []
    for name in LAYER_ORDER:
        if layers[name]:
            body.append(f'<g class="layer-{name}">' + "".join(layers[name]) + "</g>")
    body.append('<g class="layer-zone-labels">' + "".join(zone_labels) + "</g>")
    body.append(_number_labels(labels, pr, width, height))
    body.append(_scale_bar(pr, width, height))
    body.append(_north(width))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="evidence-map" viewBox="0 0 {width} '
        f'{height}" width="{width}" height="{height}" role="img" aria-label="{escape(label)}">'
        f'<defs><clipPath id="{ident}-clip"><rect width="{width}" height="{height}"/>'
        "</clipPath></defs>"
        f'<rect class="map-background" width="{width}" height="{height}"/>'
        f'<g clip-path="url(#{ident}-clip)">{"".join(body)}</g>'
        f'<rect class="map-border" x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" '
        'fill="none"/></svg>'
    )


def _label_anchor(f: Mapping[str, Any]) -> tuple[float, float] | None:
    pts = list(_coords(f["geometry"]))
    if not pts:
        return None
    xs = [x for x, _ in pts]
    ys = [y for _, y in pts]
    return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2


def _zone_label(
    f: Mapping[str, Any],
    box: tuple[float, float, float, float],
    pr: _Projector,
    avoid: shapely.Geometry | None,
    placed: list[tuple[float, float, float, float]],
    width: int,
) -> str:
    """The zone's name inside the part of it the map shows, away from the application."""
    visible = shape(f["geometry"]).intersection(shapely.box(*box))
    if avoid is not None and not visible.difference(avoid).is_empty:
        visible = visible.difference(avoid)
    if visible.is_empty:
        return ""
    plan = f["properties"].get("zone_kind") == PLAN_KIND
    # the plan's name along its top edge; a zone's at a point inside it
    xmin, _, xmax, ymax = visible.bounds
    inner = visible.representative_point()
    x, y = ((xmin + (xmax - xmin) * 0.02), ymax) if plan else (inner.x, inner.y)
    px, py = pr.xy(x, y)
    py += 14 if plan else 4
    name = str(f["properties"]["zone"])
    half = len(name) * LABEL_CHAR_PX / 2
    if not plan:  # keep the whole name on the map
        px = min(max(px, half + 4), width - half - 4)
    left = px if plan else px - half
    right = left + 2 * half
    for _ in range(12):  # below a name already there, not over it
        if not any(left < r and right > lft and abs(py - y0) < 15 for lft, y0, r, _ in placed):
            break
        py += 16
    placed.append((left, py, right, 0.0))
    cls = "zone-label plan" if plan else "zone-label"
    anchor = "start" if plan else "middle"
    return (
        f'<text class="{cls}" x="{px:.1f}" y="{py:.1f}" text-anchor="{anchor}">'
        f"{escape(name)}</text>"
    )


def _star(cx: float, cy: float, r: float) -> str:
    pts = []
    for i in range(10):
        a = math.pi / 2 + i * math.pi / 5
        rr = r if i % 2 == 0 else r * 0.45
        pts.append(f"{cx + rr * math.cos(a):.1f} {cy - rr * math.sin(a):.1f}")
    return "M" + " L".join(pts) + " Z"


def _number_labels(
    labels: Mapping[tuple[float, float], list[str]], pr: _Projector, width: int, height: int
) -> str:
    out = []
    placed: list[tuple[float, float, float]] = []
    for (x, y), nums in sorted(labels.items()):
        px, py = pr.xy(x, y)
        if not (0 <= px <= width and 0 <= py <= height):
            continue
        text = ",".join(sorted(dict.fromkeys(nums), key=_num_key))
        left, top = px + 7, py - 7
        right = left + len(text) * NUMBER_CHAR_PX
        # above a number already there, never over it
        while any(left < r and right > lft and abs(top - t) < 12 for lft, t, r in placed):
            top -= 12
        placed.append((left, top, right))
        out.append(f'<text class="map-number" x="{left:.1f}" y="{top:.1f}">{escape(text)}</text>')
    return '<g class="layer-numbers">' + "".join(out) + "</g>"


def _num_key(text: str) -> tuple[int, str]:
    return (int(text), "") if text.isdigit() else (10**9, text)


def _scale_bar(pr: _Projector, width: int, height: int) -> str:
    metres = nice_length((width / 4) / pr.scale)
    px = metres * pr.scale
    x, y = 16.0, height - 18.0
    return (
        f'<g class="scale-bar"><rect x="{x - 6}" y="{y - 20}" width="{px + 12 + 48:.1f}" '
        f'height="30" class="scale-bg"/><path d="M{x} {y - 6} L{x} {y} L{x + px:.1f} {y} '
        f'L{x + px:.1f} {y - 6}"/><text x="{x + px + 6:.1f}" y="{y}">'
        f"{figure('m', metres)} m</text></g>"
    )


def _north(width: int) -> str:
    x, y = width - 26, 16
    return (
        f'<g class="north" aria-hidden="true"><path d="M{x} {y + 24} L{x + 8} {y} '
        f'L{x + 16} {y + 24} L{x + 8} {y + 18} Z"/><text x="{x + 8}" y="{y + 38}" '
        'text-anchor="middle">N</text></g>'
    )
