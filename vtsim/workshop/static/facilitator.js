/* vtsim workshop, facilitator view: controls, every table (stop, players' picture, ground
   truth, votes with justifications), links and QR code, notes. */
"use strict";

(function () {
  const VT = window.VT, el = VT.el;
  let built = false;
  const regions = {};
  const overrides = {};   // table id -> option id chosen for a tie (kept across re-renders)

  function post(action, body, confirmKey) {
    if (confirmKey && !window.confirm(VT.t(confirmKey))) return;
    VT.act("POST", "/api/facilitator/" + action, body || {}, action === "end" || action === "note" ? VT.t("saved") : null);
  }

  function button(action, key, enabled, cls, body, confirmKey) {
    return el("button", {type: "button", class: cls || null, "data-action": action, disabled: !enabled,
      on: {click: function () { post(action, typeof body === "function" ? body() : body, confirmKey); }}},
    VT.t(key));
  }

  function build() {
    const app = VT.$("app");
    regions.header = el("div");
    regions.controls = el("section", {class: "controls card"});
    regions.progress = el("div");
    regions.consequences = el("div");
    regions.tables = el("div", {class: "table-grid"});
    regions.links = el("section", {class: "links card"});
    regions.notes = el("ul", {class: "notes-list"});
    regions.noteTable = el("select", {id: "note-table"});
    const noteText = el("textarea", {id: "note-text", rows: 3, dir: "auto", maxlength: 2000});
    // A discussion note, or a hot-wash point (a strength, an area for improvement) for the AAR.
    const noteKind = el("select", {id: "note-kind"},
      el("option", {value: "", text: VT.t("note_discussion")}),
      el("option", {value: "strength", text: VT.t("hot_wash_strength")}),
      el("option", {value: "improvement", text: VT.t("hot_wash_improvement")}));
    const noteWho = el("input", {id: "note-who", type: "text", dir: "auto", maxlength: 120, autocomplete: "off"});
    const noteForm = el("form", {class: "stack", id: "note-form", on: {submit: async function (ev) {
      ev.preventDefault();
      const text = noteText.value.trim();
      if (!text) return;
      const body = {text: text, table: regions.noteTable.value || null};
      if (noteKind.value) { body.module = "hot-wash"; body.topic = noteKind.value; }
      if (noteWho.value.trim()) body.who = noteWho.value.trim();
      const done = await VT.act("POST", "/api/facilitator/note", body, VT.t("saved"));
      if (done) { noteText.value = ""; noteWho.value = ""; }
    }}},
    el("label", {for: "note-text", text: VT.t("note")}), noteText,
    el("label", {for: "note-kind", text: VT.t("note_kind")}), noteKind,
    el("label", {for: "note-table", text: VT.t("note_table")}), regions.noteTable,
    el("label", {for: "note-who", text: VT.t("note_who")}), noteWho,
    el("button", {type: "submit", text: VT.t("add_note")}));
    VT.fill(app,
      regions.header,
      regions.controls,
      regions.progress,
      regions.consequences,
      regions.tables,
      el("div", {class: "two-col"},
        el("section", {class: "notes card"}, el("h2", {text: VT.t("notes")}), noteForm, regions.notes),
        regions.links));
    built = true;
  }

  function controls(view) {
    const s = view.state, tables = view.tables || [];
    const atDecision = tables.some(function (t) { return t.stop && t.stop.kind === "decision" && !t.decided; });
    const anyDecided = tables.some(function (t) { return !!t.decided; });
    const live = s === "running" || s === "voting" || s === "revealing";
    VT.fill(regions.controls,
      el("div", {class: "buttons"},
        button("start", "start", s === "lobby", "primary"),
        button("advance", "advance", s === "running" || s === "revealing", "primary"),
        button("open_vote", "open_vote", s === "running" && atDecision),
        button("close_vote", "close_vote", s === "voting", null, function () {
          const chosen = {};
          Object.keys(overrides).forEach(function (k) { if (overrides[k]) chosen[k] = overrides[k]; });
          return {overrides: chosen};
        }),
        view.paused
          ? button("resume", "resume", live)
          : button("pause", "pause", live),
        button("undo", "undo", view.can_undo !== undefined ? !!view.can_undo : (live && anyDecided), null, {}, "confirm_undo"),
        button("reveal", "reveal", (s === "running" || s === "voting") && anyDecided),
        button("end", "end", s !== "ended", "danger", {}, "confirm_end")),
      s === "voting" ? overrideSelects(view) : null);
  }

  function overrideSelects(view) {
    return el("div", {class: "overrides"}, (view.tables || []).map(function (t) {
      const d = t.stop && t.stop.decision;
      if (!d || t.decided) return null;
      const id = "override-" + t.id;
      const select = el("select", {id: id, "data-table": t.id, on: {change: function (ev) { overrides[t.id] = ev.target.value; }}},
        el("option", {value: "", text: VT.t("by_votes")}),
        (d.options || []).map(function (o) {
          return el("option", {value: o.id, text: o.label, selected: overrides[t.id] === o.id});
        }));
      return el("span", {class: "override"}, el("label", {for: id, text: VT.t("override", {table: t.name})}), select);
    }));
  }

  function ballots(t) {
    const list = t.ballots || t.all_votes || [];
    return el("section", {class: "ballots"},
      el("h3", {text: VT.t("ballots")}),
      list.length
        ? el("ul", null, list.map(function (b) {
          return el("li", null,
            el("bdi", {dir: "auto", class: "person", text: b.name || ""}),
            b.role ? el("span", {class: "role", text: " · " + b.role}) : null,
            el("strong", {class: "ballot-option", text: " → " + VT.optionLabel(t, b.option)}),
            b.justification ? el("p", {class: "justification", dir: "auto", text: b.justification}) : null);
        }))
        : el("p", {class: "muted", text: VT.t("no_ballots")}));
  }

  function truth(t) {
    if (!t.ground_truth || !t.ground_truth.length) return null;
    return el("section", {class: "ground-truth"},
      el("h3", null, el("span", {class: "badge danger", text: VT.t("facilitator_only")}), " ", VT.t("ground_truth")),
      el("ul", null, t.ground_truth.map(function (line) { return el("li", {text: line}); })));
  }

  function tableCard(t) {
    return el("article", {class: "card table-card", "data-table": t.id},
      el("h2", {text: t.name}),
      VT.stop(t.stop),
      VT.tally(t),
      ballots(t),
      VT.picture(t.picture),
      truth(t),
      VT.participants(t));
  }

  function links(view) {
    const rows = [];
    if (view.join_code) rows.push(el("p", {class: "join-code", dir: "ltr", text: view.join_code}));
    function link(label, url) {
      if (!url) return null;
      return el("li", null, el("span", {text: label + " "}), el("a", {href: url, dir: "ltr", target: "_blank", rel: "noopener noreferrer", text: url}));
    }
    return VT.fill(regions.links,
      el("h2", {text: VT.t("links")}),
      rows,
      el("img", {class: "qr", alt: VT.t("qr_alt")}),
      el("ul", {class: "link-list"},
        link(VT.t("join_link"), view.join_url),
        link(VT.t("projector_link"), view.projector_url),
        link(VT.t("observer_link"), view.observer_url)));
  }

  let qrShown = null;
  function render(view) {
    if (!built) build();
    VT.fill(regions.header, VT.header(view));
    controls(view);
    VT.fill(regions.progress, VT.progress(view));
    VT.fill(regions.consequences, VT.consequences(view, true));
    VT.fill(regions.tables, (view.tables || []).map(tableCard));
    // Links and QR: rebuilt only when they change (the QR image is fetched once).
    const key = [view.join_code, view.join_url, view.projector_url, view.observer_url].join("|");
    if (key !== qrShown) {
      links(view);
      const old = regions.links.querySelector("img.qr");
      old.replaceWith(VT.image("/api/qr.svg", VT.t("qr_alt"), "qr"));
      qrShown = key;
    }
    // The notes' table choice keeps its value.
    const current = regions.noteTable.value;
    VT.fill(regions.noteTable, el("option", {value: "", text: VT.t("all_tables")}),
      (view.tables || []).map(function (t) { return el("option", {value: t.id, text: t.name, selected: current === t.id}); }));
    VT.fill(regions.notes, (view.notes || []).slice().reverse().map(function (n) {
      const table = (view.tables || []).find(function (t) { return t.id === n.table; });
      const topic = n.topic === "strength" ? VT.t("hot_wash_strength")
        : n.topic === "improvement" ? VT.t("hot_wash_improvement") : "";
      return el("li", null,
        el("span", {class: "muted", text: [n.t_min !== undefined && n.t_min !== null ? "T+" + VT.num(n.t_min, 1) : "", table ? table.name : "", topic, n.author || ""].filter(Boolean).join(" · ")}),
        n.name ? el("span", null, " · ", el("bdi", {dir: "auto", class: "person", text: n.name})) : null,
        el("p", {dir: "auto", text: n.text}));
    }));
  }

  VT.start(render);
})();
