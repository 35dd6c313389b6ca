/* vtsim workshop, projector view: large type for the room's screen. The situation as the
   players know it, the clock, the current inject, live tallies per table, then the
   consequences; the join code and QR code in the lobby. Never the ground truth. */
"use strict";

(function () {
  const VT = window.VT, el = VT.el;
  let qr = null;

  /* The join link without its ?code= (people type the code shown in large). */
  function site(url) {
    if (!url) return "";
    try { const u = new URL(url, window.location.href); return u.origin + u.pathname; } catch (e) { return url; }
  }

  function lobby(view) {
    if (!qr) qr = VT.image("/api/qr.svg", VT.t("qr_alt"), "qr big");
    return el("section", {class: "lobby"},
      el("div", {class: "lobby-text"},
        view.join_code ? el("p", {class: "join-code huge", dir: "ltr", text: view.join_code}) : null,
        view.join_url || view.join_code
          ? el("p", {class: "scan", text: VT.t("scan_to_join", {url: site(view.join_url), code: view.join_code || ""})})
          : null,
        el("p", {class: "muted", text: VT.t("lobby_wait")})),
      qr,
      el("div", {class: "table-grid"}, (view.tables || []).map(function (t) {
        return el("article", {class: "card table-card"}, el("h2", {text: t.name}), VT.participants(t));
      })));
  }

  function tableColumn(t, showStop) {
    return el("article", {class: "card table-card", "data-table": t.id},
      el("h2", {text: t.name}),
      showStop ? VT.stop(t.stop, true) : null,
      VT.tally(t, true),
      VT.picture(t.picture));
  }

  function render(view) {
    const app = VT.$("app");
    const tables = view.tables || [];
    if (view.state === "lobby") {
      VT.fill(app, VT.header(view), lobby(view));
      return;
    }
    const same = VT.sameStop(tables);
    VT.fill(app,
      VT.header(view),
      view.state === "ended" ? el("p", {class: "ended", text: VT.t("ended_thanks")}) : null,
      same && tables.length ? VT.stop(tables[0].stop, true) : null,
      VT.progress(view),
      VT.consequences(view),
      el("div", {class: "table-grid cols-" + Math.min(tables.length, 4)}, tables.map(function (t) { return tableColumn(t, !same); })));
  }

  VT.start(render);
})();
