/* vtsim workshop, observer / evaluator view: the exercise objectives with their criteria,
   a rating (1-5) and an observation per objective and table, and where every table stands. */
"use strict";

(function () {
  const VT = window.VT, el = VT.el;
  const parts = {};
  let builtFor = null;  // the objectives' ids the forms were built for
  const forms = {};     // objective id -> {table select, rating radios, text, mine}

  function ratingForm(obj, view) {
    const base = "rate-" + obj.id;
    const table = el("select", {id: base + "-table"},
      el("option", {value: "", text: VT.t("all_tables")}),
      (view.tables || []).map(function (t) { return el("option", {value: t.id, text: t.name}); }));
    const stars = el("fieldset", {class: "rating"}, el("legend", {text: VT.t("rating")}),
      [1, 2, 3, 4, 5].map(function (n) {
        const id = base + "-" + n;
        return el("span", {class: "rating-choice"},
          el("input", {type: "radio", name: base, id: id, value: n}),
          el("label", {for: id, text: VT.num(n)}));
      }));
    const text = el("textarea", {id: base + "-text", rows: 2, dir: "auto", maxlength: 2000});
    const mine = el("ul", {class: "my-ratings"});
    const form = el("form", {class: "stack", "data-objective": obj.id, on: {submit: async function (ev) {
      ev.preventDefault();
      const chosen = stars.querySelector("input:checked");
      if (!chosen) { VT.flash(VT.t("rating")); return; }
      const done = await VT.act("POST", "/api/rate", {observer: observerName(), objective: obj.id, rating: Number(chosen.value),
        text: text.value.trim(), table: table.value || null}, VT.t("saved"));
      if (done) { text.value = ""; chosen.checked = false; }
    }}},
    el("label", {for: base + "-table", text: VT.t("note_table")}), table,
    stars,
    el("label", {for: base + "-text", text: VT.t("rating_note")}), text,
    el("button", {type: "submit", class: "primary", text: VT.t("save_rating")}));
    forms[obj.id] = {mine: mine};
    return el("article", {class: "card objective", "data-objective": obj.id},
      el("h2", {text: obj.text}),
      obj.capability ? el("p", {class: "muted", text: VT.t("capability", {capability: obj.capability})}) : null,
      obj.evaluation && obj.evaluation.length
        ? el("details", {open: true}, el("summary", {text: VT.t("criteria")}),
          el("ul", null, obj.evaluation.map(function (c) { return el("li", {text: c}); })))
        : null,
      form,
      mine);
  }

  /* The observer's name (kept in this browser), sent with each rating for the report. */
  function observerName() {
    return parts.name ? parts.name.value.trim() : "";
  }
  function nameField() {
    let saved = "";
    try { saved = localStorage.getItem("vtsim-observer-name") || ""; } catch (e) { saved = ""; }
    parts.name = el("input", {id: "observer-name", type: "text", dir: "auto", maxlength: 80, autocomplete: "name", value: saved,
      on: {change: function () { try { localStorage.setItem("vtsim-observer-name", observerName()); } catch (e) { /* private mode */ } }}});
    return el("div", {class: "card stack observer-name"}, el("label", {for: "observer-name", text: VT.t("name")}), parts.name);
  }

  function render(view) {
    const objectives = view.objectives || [];
    const ids = objectives.map(function (o) { return o.id; }).join("|") + "#" + (view.tables || []).map(function (t) { return t.id; }).join("|");
    if (ids !== builtFor) {
      parts.header = el("div");
      parts.tables = el("div", {class: "table-grid compact"});
      VT.fill(VT.$("app"), parts.header, nameField(), parts.tables,
        el("h2", {text: VT.t("objectives")}),
        el("div", {class: "objectives"}, objectives.map(function (o) { return ratingForm(o, view); })));
      builtFor = ids;
    }
    VT.fill(parts.header, VT.header(view));
    VT.fill(parts.tables, (view.tables || []).map(function (t) {
      return el("article", {class: "card table-card"},
        el("h3", {text: t.name}),
        VT.stop(t.stop),
        t.decided ? el("p", {class: "decided", text: VT.t("decided", {option: VT.optionLabel(t, t.decided)})}) : null);
    }));
    const names = {};
    (view.tables || []).forEach(function (t) { names[t.id] = t.name; });
    Object.keys(forms).forEach(function (id) {
      const rows = (view.ratings || []).filter(function (r) { return r.objective === id; });
      VT.fill(forms[id].mine, rows.map(function (r) {
        return el("li", null,
          el("strong", {text: VT.t("your_rating", {rating: r.rating})}),
          " · ", el("span", {text: r.table ? (names[r.table] || r.table) : VT.t("all_tables")}),
          r.observer ? el("span", null, " · ", el("bdi", {dir: "auto", text: r.observer})) : null,
          r.text ? el("p", {dir: "auto", text: r.text}) : null);
      }));
    });
  }

  VT.start(render);
})();
