/* The officer's page: address search, the check, the verdict with its map, the decision and the
   report. Everything comes from the API (/v1) and the page's own router (/web); no rules here. */
"use strict";

(function () {
  const $ = function (id) { return document.getElementById(id); };
  const state = { words: null, verdict: null, features: null, body: null, chosen: null,
    suggestions: [], active: -1, detail: false, entry: null };
  const metrics = { firstRender: null, checks: [] };
  window.spreidingstoetsMetrics = metrics;
  let searchSeq = 0;
  let searchTimer = null;

  function text(tag, content, cls) {
    const node = document.createElement(tag);
    if (content !== undefined && content !== null) node.textContent = content;
    if (cls) node.className = cls;
    return node;
  }

  function word(group, code) {
    const table = state.words && state.words[group];
    return (table && table[code]) || code;
  }

  function figure(key, value) {
    if (value === null || value === undefined) return "–";
    if (typeof value === "boolean") return value ? "ja" : "nee";
    if (typeof value === "number") {
      if (key.indexOf("share") >= 0 || key.indexOf("coverage") === 0) return nl(value * 100, 1) + "%";
      return nl(value, 2);
    }
    if (Array.isArray(value)) return value.length ? value.map(function (v) { return figure(key, v); }).join("; ") : "–";
    if (typeof value === "object") return Object.keys(value).map(function (k) { return word("value", k) + ": " + figure(k, value[k]); }).join(", ");
    return word("value", String(value));
  }

  function nl(n, decimals) {
    if (Number.isInteger(n)) return n.toLocaleString("nl-NL");
    return Number(n.toFixed(decimals)).toLocaleString("nl-NL", { maximumFractionDigits: decimals });
  }

  function headers(json) {
    const h = { Accept: "application/json" };
    if (json) h["Content-Type"] = "application/json";
    const k = sessionStorage.getItem("spreidingstoets-sleutel") || $("sleutel").value.trim();
    if (k) h["X-Api-Key"] = k;
    return h;
  }

  async function call(method, path, body, extra) {
    const response = await fetch(path, {
      method: method,
      headers: Object.assign(headers(body !== undefined), extra || {}),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const type = response.headers.get("Content-Type") || "";
    const data = type.indexOf("json") >= 0 ? await response.json() : null;
    if (!response.ok) {
      const err = new Error((data && (data.detail || data.title)) || ("fout " + response.status));
      err.status = response.status;
      err.problem = data || {};
      throw err;
    }
    return data;
  }

  function problemText(err) {
    const p = err.problem || {};
    let msg = err.message;
    if (p.invalidParams && p.invalidParams.length) {
      msg += " " + p.invalidParams.map(function (x) { return x.name + ": " + x.reason; }).join("; ");
    }
    if (err.status === 401) msg += " (vul onder ‘API-sleutel’ een sleutel in)";
    return msg;
  }

  /* ---- address combobox ------------------------------------------------------------------ */
  const input = $("adres");
  const list = $("suggesties");

  function closeList() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    state.active = -1;
  }

  function showSuggestions(items) {
    state.suggestions = items;
    list.textContent = "";
    items.forEach(function (item, i) {
      const li = text("li", item.label);
      li.id = "suggestie-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      if (item.postcode) li.appendChild(text("span", " " + item.postcode, "hint"));
      li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
      list.appendChild(li);
    });
    const open = items.length > 0;
    list.hidden = !open;
    input.setAttribute("aria-expanded", open ? "true" : "false");
    state.active = -1;
    $("adres-status").textContent = open ? items.length + " adres(sen) gevonden; kies met pijltjes en Enter" : "";
  }

  function setActive(i) {
    const items = list.querySelectorAll("[role=option]");
    if (!items.length) return;
    state.active = (i + items.length) % items.length;
    items.forEach(function (li, j) { li.setAttribute("aria-selected", j === state.active ? "true" : "false"); });
    input.setAttribute("aria-activedescendant", items[state.active].id);
    items[state.active].scrollIntoView({ block: "nearest" });
  }

  function choose(i) {
    const item = state.suggestions[i];
    if (!item) return;
    state.chosen = item;
    input.value = item.label;
    // a search still waiting or under way must not open the list again
    clearTimeout(searchTimer);
    searchSeq++;
    closeList();
    $("adres-status").textContent = "Gekozen: " + item.label + " (verblijfsobject " + item.adresseerbaar_object + ")";
  }

  async function search() {
    const q = input.value.trim();
    const seq = ++searchSeq;
    if (q.length < 2) { showSuggestions([]); return; }
    try {
      const data = await call("POST", "/web/suggesties", { zoekterm: q });
      if (seq !== searchSeq) return; // a later keystroke asked again
      showSuggestions(data.suggesties);
      if (!data.suggesties.length) $("adres-status").textContent = "Geen adres gevonden dat begint met ‘" + q + "’.";
    } catch (err) {
      if (seq === searchSeq) { showSuggestions([]); $("adres-status").textContent = problemText(err); }
    }
  }

  input.addEventListener("input", function () {
    state.chosen = null;
    clearTimeout(searchTimer);
    searchTimer = setTimeout(search, 120);
  });
  input.addEventListener("keydown", function (e) {
    const open = !list.hidden;
    if (e.key === "ArrowDown") { e.preventDefault(); if (!open) search(); else setActive(state.active + 1); }
    else if (e.key === "ArrowUp") { if (open) { e.preventDefault(); setActive(state.active - 1); } }
    else if (e.key === "Enter") { if (open && state.active >= 0) { e.preventDefault(); choose(state.active); } }
    else if (e.key === "Escape") { if (open) { e.preventDefault(); closeList(); } }
  });
  input.addEventListener("blur", function () { setTimeout(closeList, 100); });

  /* ---- the check ------------------------------------------------------------------------- */
  function application() {
    const body = { kind: $("soort").value, persons: Number($("personen").value) };
    const typed = input.value.trim();
    if (state.chosen && state.chosen.label === typed) body.verblijfsobject_id = state.chosen.adresseerbaar_object;
    else body.address = typed;
    if ($("bedden").value !== "") body.beds = Number($("bedden").value);
    if ($("datum").value) body.date = $("datum").value;
    if ($("einddatum").value) body.valid_until = $("einddatum").value;
    if ($("reden").value.trim()) body.reason = $("reden").value.trim();
    if ($("regelset").value) body.ruleset = $("regelset").value;
    return body;
  }

  function invalid() {
    const problems = [];
    if (!input.value.trim()) problems.push([input, "vul een adres in"]);
    const persons = $("personen");
    if (!persons.value || Number(persons.value) < 1) problems.push([persons, "vul het aantal personen in (1 of meer)"]);
    [input, persons].forEach(function (f) { f.removeAttribute("aria-invalid"); });
    problems.forEach(function (p) { p[0].setAttribute("aria-invalid", "true"); });
    return problems;
  }

  $("toets").addEventListener("submit", async function (e) {
    e.preventDefault();
    const status = $("form-status");
    const problems = invalid();
    if (problems.length) {
      status.textContent = "Niet getoetst: " + problems.map(function (p) { return p[1]; }).join("; ") + ".";
      problems[0][0].focus();
      return;
    }
    const key = $("sleutel").value.trim();
    if (key) sessionStorage.setItem("spreidingstoets-sleutel", key);
    const body = application();
    status.textContent = "Bezig met toetsen…";
    $("toetsen").disabled = true;
    const started = performance.now();
    try {
      const verdict = await call("POST", "/v1/toetsingen?expand=geometrie&crs=EPSG:28992", body);
      const roundTrip = performance.now() - started;
      state.body = body;
      state.entry = null;
      render(verdict);
      metrics.checks.push({ roundTripMs: roundTrip, renderedMs: performance.now() - started });
      status.textContent = "Getoetst: " + word("overall", verdict.outcome) + ".";
      $("uitslag-kop").focus();
    } catch (err) {
      status.textContent = "Niet getoetst: " + problemText(err);
      const cands = err.problem && err.problem.kandidaten;
      if (cands && cands.length) status.textContent += " Bedoelt u: " + cands.slice(0, 5).join("; ") + "?";
    } finally {
      $("toetsen").disabled = false;
    }
  });

  /* ---- the verdict ----------------------------------------------------------------------- */
  function evidenceNumbers(verdict) {
    const out = {};
    let n = 0;
    verdict.rules.forEach(function (r) { r.evidence.forEach(function (_, i) { out[r.rule + "/" + i] = String(++n); }); });
    return out;
  }

  /* The feature of an evidence row: by rule and index, or (older API answers) by rule and id. */
  function linkFeatures(verdict, fc) {
    const byKey = {};
    (fc.features || []).forEach(function (f) {
      const p = f.properties;
      if (p.role !== "evidence") return;
      let k = window.Kaart.key(p);
      if (typeof p.evidence !== "number") {
        const rule = verdict.rules.find(function (r) { return r.rule === p.rule; });
        const i = rule ? rule.evidence.findIndex(function (e) { return e.verblijfsobject === p.verblijfsobject && e.relation === p.relation; }) : -1;
        if (i >= 0) { k = p.rule + "/" + i; p.evidence = i; }
      }
      byKey[k] = f;
    });
    return byKey;
  }

  function badge(outcome) {
    const b = text("span", null, "badge outcome-" + outcome);
    const sym = text("span", word("outcome_symbol", outcome) + " ");
    sym.setAttribute("aria-hidden", "true");
    b.appendChild(sym);
    b.appendChild(document.createTextNode(word("outcome", outcome)));
    return b;
  }

  function render(verdict) {
    state.verdict = verdict;
    const fc = (verdict._embedded && verdict._embedded.geometrie) || { features: [] };
    state.features = fc;
    state.byKey = linkFeatures(verdict, fc);
    // Around the pand first when what decides lies there (a shared wall, an enclosure, a zone).
    state.detail = verdict.rules.some(function (r) {
      return (r.outcome === "fail" || r.outcome === "review") && r.evidence.some(function (e, i) {
        return ["same_pand", "adjacent_pand", "side_neighbour", "enclosed_neighbour", "enclosing", "zone"].indexOf(e.relation) >= 0 && state.byKey[r.rule + "/" + i];
      });
    });
    state.numbers = evidenceNumbers(verdict);
    $("uitslag").hidden = false;
    $("leeg").hidden = true;
    renderOverall(verdict);
    renderMap();
    renderLegend(fc);
    renderRules(verdict);
    renderProvenance(verdict);
    $("besluit-status").textContent = "";
    $("rapport-status").textContent = "";
  }

  function renderOverall(v) {
    const box = $("totaal");
    box.className = "overall overall-" + v.outcome;
    box.textContent = "";
    const h = text("p", null, "overall-word");
    const sym = text("span", word("overall_symbol", v.outcome) + " ", "symbol");
    sym.setAttribute("aria-hidden", "true");
    h.appendChild(sym);
    h.appendChild(document.createTextNode(word("overall", v.outcome)));
    box.appendChild(h);
    box.appendChild(text("p", v.message));
    const summary = text("ul", null, "summary");
    summary.setAttribute("aria-label", "Regels");
    v.rules.forEach(function (r) {
      const li = text("li");
      li.appendChild(badge(r.outcome));
      li.appendChild(document.createTextNode(" "));
      const link = text("a", r.rule);
      link.href = "#regel-" + r.rule;
      li.appendChild(link);
      li.appendChild(text("span", " (" + r.type + ")", "type"));
      summary.appendChild(li);
    });
    box.appendChild(summary);
    const a = v.application;
    box.appendChild(text("p", a.address + " · verblijfsobject " + a.verblijfsobject + " · " +
      word("kind", a.kind) + ", " + a.persons + " personen" + (a.beds !== null ? ", " + a.beds + " bedden" : "") +
      " · " + a.date, "hint"));
  }

  function featureTitle(f, number) {
    const p = f.properties;
    const parts = [];
    if (number) parts.push("[" + number + "]");
    parts.push(p.address || p.zone || p.pand || word("role", p.role));
    if (p.role === "evidence") parts.push("(" + p.rule + ": " + word("relation", p.relation) + ")");
    else parts.push("(" + word("role", p.role) + ")");
    if (p.distance_m !== null && p.distance_m !== undefined) parts.push(nl(p.distance_m, 2) + " m");
    return parts.join(" ");
  }

  function renderMap() {
    const box = $("kaart");
    const hasDetail = window.Kaart.hasDetail(state.features.features || [], 760 / 500);
    if (!hasDetail) state.detail = false;
    window.Kaart.draw(box, state.features, {
      numbers: state.numbers,
      detail: state.detail,
      label: "Kaart van het bewijs bij " + state.verdict.application.address,
      title: featureTitle,
      onSelect: function (k) { select(k, true); },
      onHover: function (k) { hover(k); },
    });
    if (hasDetail) {
      const tools = text("div", null, "map-tools");
      const b = text("button", state.detail ? "Toon overzicht" : "Toon omgeving van het pand", "secondary");
      b.type = "button";
      b.setAttribute("aria-pressed", state.detail ? "true" : "false");
      b.addEventListener("click", function () { state.detail = !state.detail; renderMap(); box.querySelector("button").focus(); });
      tools.appendChild(b);
      box.insertBefore(tools, box.firstChild);
    }
    if (state.selected) window.Kaart.highlight(box, state.selected, true);
  }

  function renderLegend(fc) {
    const ul = $("legenda");
    ul.textContent = "";
    const seen = new Map();
    (fc.features || []).forEach(function (f) {
      const p = f.properties;
      if (p.role === "evidence" && p.relation === "application") return;
      let k, t;
      if (p.role === "evidence" && p.relation === "zone") {
        const plan = p.zone_kind === "bestemmingsplangebied";
        k = plan ? "zone-plan" : "zone-" + (p.zone_role || "other");
        t = (plan ? "plangebied: " : "zone: ") + p.zone;
        if (seen.has(k)) { if (seen.get(k).t.indexOf(p.zone) < 0) seen.get(k).t += ", " + p.zone; return; }
      } else if (p.role === "evidence") { k = "rel-" + p.relation; t = word("relation", p.relation); }
      else { k = "role-" + p.role + (p.counted ? " counted" : ""); t = word("role", p.role) + (p.counted ? " (telt mee)" : ""); }
      if (!seen.has(k)) seen.set(k, { t: t, role: p.role, point: f.geometry.type === "Point" });
    });
    seen.forEach(function (v, k) {
      const li = text("li");
      const sw = document.createElementNS("http://www.w3.org/2000/svg", "svg");
      sw.setAttribute("viewBox", "0 0 24 16");
      sw.setAttribute("width", "24");
      sw.setAttribute("height", "16");
      sw.setAttribute("aria-hidden", "true");
      sw.setAttribute("class", "swatch");
      const shape = document.createElementNS("http://www.w3.org/2000/svg", v.point ? "circle" : "rect");
      if (v.point) { shape.setAttribute("cx", "12"); shape.setAttribute("cy", "8"); shape.setAttribute("r", "5"); }
      else { shape.setAttribute("x", "2"); shape.setAttribute("y", "2"); shape.setAttribute("width", "20"); shape.setAttribute("height", "12"); }
      shape.setAttribute("class", (v.role === "evidence" ? "role-evidence " : "") + k);
      sw.appendChild(shape);
      li.appendChild(sw);
      li.appendChild(document.createTextNode(" " + v.t));
      ul.appendChild(li);
    });
  }

  /* Cards: the rules that refuse first, then those that ask for review, then the rest. */
  const SEVERITY = { fail: 0, review: 1, pass: 2, not_applicable: 3 };

  function renderRules(v) {
    const box = $("regels");
    box.textContent = "";
    const ordered = v.rules.slice().sort(function (a, b) { return SEVERITY[a.outcome] - SEVERITY[b.outcome]; });
    ordered.forEach(function (r) {
      const card = text("article", null, "rule outcome-" + r.outcome);
      card.id = "regel-" + r.rule;
      const h = text("h3");
      h.appendChild(badge(r.outcome));
      h.appendChild(document.createTextNode(" " + r.rule + " "));
      h.appendChild(text("span", "(" + r.type + ")", "type"));
      card.appendChild(h);
      card.appendChild(text("p", r.message, "message"));
      const src = text("p", null, "source");
      src.appendChild(text("strong", "Bron: "));
      src.appendChild(document.createTextNode(r.source || "–"));
      card.appendChild(src);
      renderFigures(card, r);
      const checklist = r.parameters && r.parameters.checklist;
      if (Array.isArray(checklist) && checklist.length) {
        const fs = text("fieldset", null, "checklist");
        fs.appendChild(text("legend", "Afwegen door de vergunningverlener"));
        checklist.forEach(function (item, i) {
          const id = "check-" + r.rule + "-" + i;
          const row = text("div");
          const cb = text("input");
          cb.type = "checkbox";
          cb.id = id;
          const lab = text("label", item);
          lab.htmlFor = id;
          row.appendChild(cb);
          row.appendChild(lab);
          fs.appendChild(row);
        });
        card.appendChild(fs);
      }
      if (r.defaults && r.defaults.length) card.appendChild(text("p", "Standaardwaarden gebruikt voor: " + r.defaults.join(", "), "hint"));
      if (r.evidence.length) renderEvidence(card, r);
      box.appendChild(card);
    });
  }

  function renderFigures(card, r) {
    const keys = Object.keys(r.measured).concat(Object.keys(r.limit).filter(function (k) { return !(k in r.measured); }))
      .filter(function (k) { return k !== "available" && k !== "not_available"; });
    if (!keys.length) return;
    const table = text("table", null, "figures");
    table.appendChild(text("caption", "Cijfers"));
    const head = text("thead");
    const hr = text("tr");
    ["grootheid", "gemeten", "grens"].forEach(function (t) { const th = text("th", t); th.scope = "col"; hr.appendChild(th); });
    head.appendChild(hr);
    table.appendChild(head);
    const body = text("tbody");
    keys.forEach(function (k) {
      const tr = text("tr");
      const th = text("th", word("figure", k));
      th.scope = "row";
      tr.appendChild(th);
      tr.appendChild(text("td", k in r.measured ? figure(k, r.measured[k]) : ""));
      tr.appendChild(text("td", k in r.limit ? figure(k, r.limit[k]) : ""));
      body.appendChild(tr);
    });
    table.appendChild(body);
    card.appendChild(table);
  }

  function detailText(d) {
    return Object.keys(d).sort().filter(function (k) { return d[k] !== null && ["register_id", "identificatie", "plan_id"].indexOf(k) < 0; })
      .map(function (k) {
        const v = d[k];
        const shown = Array.isArray(v) ? v.map(function (x) { return word("detail_value", String(x)); }).join(", ")
          : (k === "fraction" ? figure("share", v) : (typeof v === "string" ? word("detail_value", v) : figure(k, v)));
        return word("detail", k).replace(/_/g, " ") + ": " + shown;
      }).join("; ");
  }

  function renderEvidence(card, r) {
    const table = text("table", null, "evidence");
    table.appendChild(text("caption", "Bewijs (" + r.evidence.length + ")"));
    const head = text("thead");
    const hr = text("tr");
    ["nr", "adres / zone", "relatie", "afstand", "details"].forEach(function (t) { const th = text("th", t); th.scope = "col"; hr.appendChild(th); });
    head.appendChild(hr);
    table.appendChild(head);
    const body = text("tbody");
    r.evidence.forEach(function (e, i) {
      const k = r.rule + "/" + i;
      const tr = text("tr");
      tr.setAttribute("data-evidence", k);
      const nr = text("td", null, "num");
      if (state.byKey[k]) {
        // the row's number is the button that shows it on the map
        const b = text("button", state.numbers[k], "link nr");
        b.type = "button";
        b.setAttribute("aria-label", "Toon op kaart: bewijs " + state.numbers[k] + ", " + (e.address || (e.detail && e.detail.naam) || word("relation", e.relation)));
        b.title = "Toon op de kaart";
        b.addEventListener("click", function () { select(k, false); });
        b.addEventListener("focus", function () { hover(k); });
        b.addEventListener("blur", function () { hover(null); });
        nr.appendChild(b);
      } else {
        nr.textContent = state.numbers[k];
        nr.title = "niet op de kaart";
      }
      tr.appendChild(nr);
      const where = text("td", e.address || (e.detail && e.detail.naam) || "–");
      if (e.verblijfsobject) where.appendChild(text("span", " " + e.verblijfsobject, "id"));
      tr.appendChild(where);
      tr.appendChild(text("td", word("relation", e.relation)));
      tr.appendChild(text("td", e.distance_m !== null ? nl(e.distance_m, 2) + " m" : "–", "num"));
      tr.appendChild(text("td", detailText(e.detail || {}), "small"));
      tr.addEventListener("mouseenter", function () { hover(k); });
      tr.addEventListener("mouseleave", function () { hover(null); });
      body.appendChild(tr);
    });
    table.appendChild(body);
    card.appendChild(table);
  }

  function hover(k) {
    window.Kaart.highlight($("kaart"), k, k !== null, "hovered");
    document.querySelectorAll("tr[data-evidence]").forEach(function (tr) {
      tr.classList.toggle("hovered", k !== null && tr.getAttribute("data-evidence") === k);
    });
  }

  function select(k, fromMap) {
    state.selected = k;
    window.Kaart.highlight($("kaart"), k, true);
    let row = null;
    document.querySelectorAll("tr[data-evidence]").forEach(function (tr) {
      const hit = tr.getAttribute("data-evidence") === k;
      tr.classList.toggle("selected", hit);
      if (hit) row = tr;
    });
    if (fromMap && row) {
      row.scrollIntoView({ block: "center" });
      const b = row.querySelector("button");
      if (b) b.focus();
    } else if (!fromMap) {
      $("kaart").scrollIntoView({ block: "nearest" });
    }
  }

  function renderProvenance(v) {
    const p = v.provenance;
    const dl = $("herkomst");
    dl.textContent = "";
    [["regelset", p.ruleset + " versie " + p.ruleset_version + (p.variant ? ", variant " + p.variant : "")],
      ["sha256 regelset", p.ruleset_sha256], ["BAG-dataset", p.dataset], ["sha256 dataset", p.dataset_sha256],
      ["registerrevisie", p.register_revision], ["engine", "spreidingstoets " + p.engine_version]]
      .forEach(function (pair) {
        const div = text("div");
        div.appendChild(text("dt", pair[0]));
        div.appendChild(text("dd", pair[1], "id"));
        dl.appendChild(div);
      });
  }

  /* ---- the decision ---------------------------------------------------------------------- */
  $("besluit").addEventListener("submit", async function (e) {
    e.preventDefault();
    const status = $("besluit-status");
    const kenmerk = $("kenmerk").value.trim();
    const besluit = (document.querySelector("input[name=besluit]:checked") || {}).value;
    if (!state.body) { status.textContent = "Toets eerst een aanvraag."; return; }
    if (!kenmerk) { $("kenmerk").setAttribute("aria-invalid", "true"); status.textContent = "Niet vastgelegd: vul het kenmerk in."; $("kenmerk").focus(); return; }
    $("kenmerk").removeAttribute("aria-invalid");
    $("vastleggen").disabled = true;
    status.className = "status";
    status.textContent = "Bezig met vastleggen…";
    try {
      const body = Object.assign({}, state.body, { reference: kenmerk });
      let result = null;
      if (!state.entry || state.entry.reference !== kenmerk) {
        result = await call("POST", "/v1/aanvragen", body);
        state.entry = { id: result.entry.id, reference: kenmerk };
      }
      if (besluit !== "in-behandeling") {
        const ruleset = state.body.ruleset ? { ruleset: state.body.ruleset } : {};
        result = await call("POST", "/v1/aanvragen/" + state.entry.id + "/besluit", Object.assign({ besluit: besluit }, ruleset));
      } else if (!result) {
        result = await call("POST", "/v1/aanvragen/" + state.entry.id + "/besluit", { besluit: besluit });
      }
      state.decision = result;
      status.className = "status ok";
      status.textContent = "Vastgelegd: " + word("status", result.decision) + " (besluit " + result.id +
        ", registratie " + result.entry.id + ", registerrevisie " + result.register_revision + "). Oordeel bij het besluit: " +
        word("overall", result.verdict.outcome) + ".";
      const link = text("button", "Rapport van dit besluit (PDF)", "link");
      link.type = "button";
      link.addEventListener("click", function () { download("GET", "/web/besluiten/" + result.id + "/rapport?formaat=pdf", undefined, "spreidingstoets-besluit-" + result.id + ".pdf"); });
      status.appendChild(document.createTextNode(" "));
      status.appendChild(link);
    } catch (err) {
      status.className = "status conflict";
      const rules = (err.problem && err.problem.regels) || [];
      if (err.status === 409) {
        status.textContent = "Conflict bij het vastleggen: " + problemText(err);
        if (rules.length) status.textContent += " Regels die nu niet voldoen: " + rules.map(function (r) { return typeof r === "string" ? r : (r.rule || r.regel) + (r.message ? " – " + r.message : ""); }).join("; ") + ".";
      } else {
        status.textContent = "Niet vastgelegd: " + problemText(err);
      }
    } finally {
      $("vastleggen").disabled = false;
    }
  });

  /* ---- the report ------------------------------------------------------------------------ */
  async function download(method, path, body, name) {
    const status = $("rapport-status");
    status.textContent = "Rapport wordt gemaakt…";
    try {
      const response = await fetch(path, { method: method, headers: headers(body !== undefined), body: body === undefined ? undefined : JSON.stringify(body) });
      if (!response.ok) {
        const data = await response.json().catch(function () { return {}; });
        throw Object.assign(new Error(data.detail || ("fout " + response.status)), { status: response.status, problem: data });
      }
      const blob = await response.blob();
      const url = URL.createObjectURL(blob);
      const a = document.createElement("a");
      a.href = url;
      a.download = name;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
      status.textContent = "Rapport gedownload: " + name + ".";
    } catch (err) {
      status.textContent = "Geen rapport: " + problemText(err);
    }
  }

  function reportName(ext) {
    const a = state.verdict.application;
    return "spreidingstoets-" + a.verblijfsobject + "-" + a.date + "." + ext;
  }
  $("rapport-pdf").addEventListener("click", function () { download("POST", "/web/rapport?formaat=pdf", state.body, reportName("pdf")); });
  $("rapport-html").addEventListener("click", function () { download("POST", "/web/rapport?formaat=html", state.body, reportName("html")); });

  /* ---- start ----------------------------------------------------------------------------- */
  async function start() {
    const today = new Date();
    const iso = new Date(today.getTime() - today.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
    $("datum").value = iso;
    const saved = sessionStorage.getItem("spreidingstoets-sleutel");
    if (saved) $("sleutel").value = saved;
    try {
      state.words = await call("GET", "/web/woorden.json");
    } catch (err) {
      state.words = null;
    }
    await loadRulesets();
    metrics.firstRender = performance.now();
    document.body.setAttribute("data-ready", "true");
  }

  /* The rulesets of this server (the list needs a key with scope read; else the default). */
  async function loadRulesets() {
    if (!headers(false)["X-Api-Key"] || $("regelset").options.length > 1) return;
    try {
      const data = await call("GET", "/v1/regelsets");
      const items = Array.isArray(data) ? data : (data.resultaten || data.regelsets || []);
      items.forEach(function (rs) {
        const o = text("option", (rs.name || rs.id) + " (" + rs.id + ")");
        o.value = rs.id;
        $("regelset").appendChild(o);
      });
    } catch (err) {
      /* without a key with scope read the list stays at the default */
    }
  }
  $("sleutel").addEventListener("change", function () {
    const k = $("sleutel").value.trim();
    if (k) sessionStorage.setItem("spreidingstoets-sleutel", k); else sessionStorage.removeItem("spreidingstoets-sleutel");
    loadRulesets();
  });
  start();
})();
