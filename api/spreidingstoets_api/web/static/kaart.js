/* The evidence map: SVG drawn from the API's GeoJSON in RD (EPSG:28992), no tiles, no network.
   One metre is as long across as up; y grows north, so it is flipped on the screen.
   Features carry properties.id, role, rule, evidence (index) as report/features.py makes them. */
"use strict";

(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const FRAME_ROLES = new Set(["application_pand", "application_point", "evidence", "street_dwelling",
    "radius", "radius_dwelling", "adjacent_pand"]);
  const DETAIL_ROLES = new Set(["application_pand", "application_point", "adjacent_pand"]);
  const DETAIL_RELATIONS = new Set(["same_pand", "adjacent_pand", "side_neighbour",
    "enclosed_neighbour", "enclosing"]);
  const ORDER = ["zone", "pand", "radius", "adjacent_pand", "street_dwelling", "radius_dwelling",
    "evidence_area", "application_pand", "evidence_point", "application_point"];
  const PLAN = "bestemmingsplangebied";
  const MIN_SPAN = 60;
  const PAD = 0.08;

  function coords(geometry, out) {
    (function walk(c) {
      if (typeof c[0] === "number") out.push(c);
      else c.forEach(walk);
    })(geometry.coordinates);
    return out;
  }

  function isArea(f) {
    return f.geometry.type === "Polygon" || f.geometry.type === "MultiPolygon";
  }

  /* The stable key linking a feature to its evidence row: "rule/index". */
  function key(p) {
    if (p.role !== "evidence") return null;
    if (typeof p.evidence === "number") return p.rule + "/" + p.evidence;
    return p.id || null;
  }

  function inFrame(p, detail) {
    if (p.relation === "zone") return !detail && p.zone_kind !== PLAN;
    if (detail) return DETAIL_ROLES.has(p.role) || (p.role === "evidence" && DETAIL_RELATIONS.has(p.relation));
    return FRAME_ROLES.has(p.role);
  }

  function frame(features, aspect, detail) {
    let pts = [];
    features.forEach(function (f) { if (inFrame(f.properties, detail)) coords(f.geometry, pts); });
    if (!pts.length) features.forEach(function (f) { coords(f.geometry, pts); });
    if (!pts.length) return [0, 0, MIN_SPAN, MIN_SPAN];
    const xs = pts.map(function (p) { return p[0]; });
    const ys = pts.map(function (p) { return p[1]; });
    const x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
    const y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
    const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
    let w = Math.max(x1 - x0, MIN_SPAN) * (1 + 2 * PAD);
    let h = Math.max(y1 - y0, MIN_SPAN) * (1 + 2 * PAD);
    if (w / h < aspect) w = h * aspect; else h = w / aspect;
    return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
  }

  function hasDetail(features, aspect) {
    const touching = features.some(function (f) {
      const p = f.properties;
      return p.role === "adjacent_pand" || DETAIL_RELATIONS.has(p.relation) || p.relation === "zone";
    });
    const a = frame(features, aspect, false), b = frame(features, aspect, true);
    return touching && (a[2] - a[0]) > 3 * (b[2] - b[0]);
  }

  function niceLength(max) {
    const base = Math.pow(10, Math.floor(Math.log10(max)));
    for (const step of [5, 2, 1]) if (step * base <= max) return step * base;
    return base;
  }

  function el(name, attrs, parent) {
    const node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (parent) parent.appendChild(node);
    return node;
  }

  function star(cx, cy, r) {
    const pts = [];
    for (let i = 0; i < 10; i++) {
      const a = Math.PI / 2 + i * Math.PI / 5;
      const rr = i % 2 === 0 ? r : r * 0.45;
      pts.push((cx + rr * Math.cos(a)).toFixed(1) + " " + (cy - rr * Math.sin(a)).toFixed(1));
    }
    return "M" + pts.join(" L") + " Z";
  }

  /* Draw ``collection`` into ``container``; options: numbers (key -> "1"), title(feature),
     onSelect(key) for a chosen evidence feature, detail (frame the surroundings only). */
  function draw(container, collection, options) {
    const opts = options || {};
    const width = 760, height = 500;
    const features = collection.features || [];
    const box = frame(features, width / height, !!opts.detail);
    const scale = width / (box[2] - box[0]);
    const xy = function (x, y) { return [(x - box[0]) * scale, (box[3] - y) * scale]; };
    const path = function (g) {
      const polys = g.type === "Polygon" ? [g.coordinates] : g.coordinates;
      return polys.map(function (poly) {
        return poly.map(function (ring) {
          return "M" + ring.map(function (c) { const p = xy(c[0], c[1]); return p[0].toFixed(1) + " " + p[1].toFixed(1); }).join(" L") + " Z";
        }).join(" ");
      }).join(" ");
    };
    container.textContent = "";
    const svg = el("svg", { viewBox: "0 0 " + width + " " + height, class: "evidence-map",
      role: "group", "aria-label": opts.label || "Kaart van het bewijs" }, container);
    el("rect", { class: "map-background", width: width, height: height }, svg);
    const layers = {};
    ORDER.forEach(function (name) { layers[name] = el("g", { class: "layer-" + name }, svg); });
    const numbers = opts.numbers || {};
    const labelsAt = new Map();
    features.forEach(function (f) {
      const p = f.properties;
      if (p.role === "application") p.role = "application_point"; // an older API's name
      const k = key(p);
      let layer = p.role;
      if (p.role === "evidence") layer = p.relation === "zone" ? "zone" : (isArea(f) ? "evidence_area" : "evidence_point");
      if (!layers[layer]) return;
      const cls = ["role-" + p.role];
      if (p.relation) cls.push("rel-" + p.relation);
      if (p.counted) cls.push("counted");
      if (p.relation === "zone") cls.push(p.zone_kind === PLAN ? "zone-plan" : "zone-" + (p.zone_role || "other"));
      let node;
      if (isArea(f)) {
        node = el("path", { d: path(f.geometry) }, layers[layer]);
      } else if (p.role === "application_point") {
        const q = xy(f.geometry.coordinates[0], f.geometry.coordinates[1]);
        node = el("path", { d: star(q[0], q[1], 9) }, layers[layer]);
      } else {
        const q = xy(f.geometry.coordinates[0], f.geometry.coordinates[1]);
        node = el("circle", { cx: q[0].toFixed(1), cy: q[1].toFixed(1), r: p.role === "evidence" ? 5 : 3.5 }, layers[layer]);
      }
      node.setAttribute("class", cls.join(" "));
      node.setAttribute("data-feature", p.id || f.id || "");
      const title = opts.title ? opts.title(f, k && numbers[k]) : (p.address || p.zone || p.role);
      el("title", {}, node).textContent = title;
      if (k) {
        node.setAttribute("data-evidence", k);
        node.setAttribute("tabindex", "0");
        node.setAttribute("role", "button");
        node.setAttribute("aria-label", title);
        const choose = function () { if (opts.onSelect) opts.onSelect(k, "map"); };
        node.addEventListener("click", choose);
        node.addEventListener("keydown", function (e) {
          if (e.key === "Enter" || e.key === " ") { e.preventDefault(); choose(); }
        });
        node.addEventListener("mouseenter", function () { if (opts.onHover) opts.onHover(k); });
        node.addEventListener("mouseleave", function () { if (opts.onHover) opts.onHover(null); });
        node.addEventListener("focus", function () { if (opts.onHover) opts.onHover(k); });
        node.addEventListener("blur", function () { if (opts.onHover) opts.onHover(null); });
        if (numbers[k] && p.relation !== "zone") {
          const pts = coords(f.geometry, []);
          const xs = pts.map(function (c) { return c[0]; }), ys = pts.map(function (c) { return c[1]; });
          const at = [(Math.min.apply(null, xs) + Math.max.apply(null, xs)) / 2, (Math.min.apply(null, ys) + Math.max.apply(null, ys)) / 2];
          const spot = at[0].toFixed(1) + "," + at[1].toFixed(1);
          if (!labelsAt.has(spot)) labelsAt.set(spot, { at: at, nums: [] });
          labelsAt.get(spot).nums.push(numbers[k]);
        }
      }
    });
    const zoneLayer = el("g", { class: "layer-zone-labels", "aria-hidden": "true" }, svg);
    const placed = [];
    features.forEach(function (f) {
      const p = f.properties;
      if (p.relation !== "zone" || !p.zone) return;
      const plan = p.zone_kind === PLAN;
      const pts = coords(f.geometry, []);
      const xs = pts.map(function (c) { return c[0]; }), ys = pts.map(function (c) { return c[1]; });
      // the part of the zone's box the map shows
      const x0 = Math.max(Math.min.apply(null, xs), box[0]), x1 = Math.min(Math.max.apply(null, xs), box[2]);
      const y0 = Math.max(Math.min.apply(null, ys), box[1]), y1 = Math.min(Math.max.apply(null, ys), box[3]);
      if (x0 >= x1 || y0 >= y1) return;
      const half = p.zone.length * 3.3;
      // at the top left of the part shown (the application is in the middle), stacked
      const q = xy(x0, y1);
      const px = Math.min(q[0] + 8, width - 2 * half - 40);
      let py = q[1] + 14;
      const left = px, right = left + 2 * half;
      for (let i = 0; i < 12 && placed.some(function (b) { return left < b[2] && right > b[0] && Math.abs(py - b[1]) < 15; }); i++) py += 16;
      placed.push([left, py, right]);
      el("text", { class: plan ? "zone-label plan" : "zone-label", x: px.toFixed(1), y: py.toFixed(1) },
        zoneLayer).textContent = p.zone;
    });
    const numberLayer = el("g", { class: "layer-numbers", "aria-hidden": "true" }, svg);
    const taken = [];
    Array.from(labelsAt.values()).sort(function (a, b) { return a.at[0] - b.at[0] || a.at[1] - b.at[1]; }).forEach(function (v) {
      const q = xy(v.at[0], v.at[1]);
      if (q[0] < 0 || q[0] > width || q[1] < 0 || q[1] > height) return;
      const label = Array.from(new Set(v.nums)).sort(function (a, b) { return a - b; }).join(",");
      const left = q[0] + 7, right = left + label.length * 9;
      let top = q[1] - 7;
      // above a number already there, never over it
      while (taken.some(function (t) { return left < t[2] && right > t[0] && Math.abs(top - t[1]) < 15; })) top -= 15;
      taken.push([left, top, right]);
      el("text", { class: "map-number", x: left.toFixed(1), y: top.toFixed(1) }, numberLayer).textContent = label;
    });
    const metres = niceLength((width / 4) / scale);
    const bar = el("g", { class: "scale-bar", "aria-hidden": "true" }, svg);
    const px = metres * scale, x = 16, y = height - 18;
    el("rect", { class: "scale-bg", x: x - 6, y: y - 20, width: (px + 60).toFixed(1), height: 30 }, bar);
    el("path", { d: "M" + x + " " + (y - 6) + " L" + x + " " + y + " L" + (x + px).toFixed(1) + " " + y + " L" + (x + px).toFixed(1) + " " + (y - 6) }, bar);
    el("text", { x: (x + px + 6).toFixed(1), y: y }, bar).textContent = metres + " m";
    const north = el("g", { class: "north", "aria-hidden": "true" }, svg);
    el("path", { d: "M" + (width - 26) + " 40 L" + (width - 18) + " 16 L" + (width - 10) + " 40 L" + (width - 18) + " 34 Z" }, north);
    el("text", { x: width - 18, y: 54, "text-anchor": "middle" }, north).textContent = "N";
    el("rect", { class: "map-border", x: 0.5, y: 0.5, width: width - 1, height: height - 1, fill: "none" }, svg);
    return svg;
  }

  function highlight(container, k, on, cls) {
    container.querySelectorAll("[data-evidence]").forEach(function (node) {
      const hit = k !== null && node.getAttribute("data-evidence") === k;
      // (never moved in the DOM to come on top: that would take the keyboard focus away)
      node.classList.toggle(cls || "selected", on !== false && hit);
    });
  }

  window.Kaart = { draw: draw, highlight: highlight, key: key, hasDetail: hasDetail };
})();
