/* vtsim workshop: what every view shares (token, API calls, live updates, DOM building,
   phrases and numbers). Plain JavaScript, no library. Data is only ever written with
   textContent (never parsed as markup), and free text typed by people carries dir="auto". */
"use strict";

(function () {
  const LRI = "\u2066", PDI = "\u2069";
  const kind = document.body.dataset.kind || "";
  const storeKey = "vtsim-token-" + kind;
  // The page's language as the server rendered it (?lang=, the participant's, the workshop's):
  // the view's JSON is asked for in the same language.
  const pageLang = document.documentElement.lang || "en";

  const VT = {
    kind: kind,
    view: null,
    lang: document.documentElement.lang || "en",
    rtl: document.documentElement.dir === "rtl",
  };

  /* --- The token: from ?token= once, then sessionStorage; never left in the address bar. */
  VT.token = (function () {
    const url = new URL(window.location.href);
    const fromUrl = url.searchParams.get("token");
    let token = null;
    try {
      if (fromUrl) sessionStorage.setItem(storeKey, fromUrl);
      token = sessionStorage.getItem(storeKey);
    } catch (e) {
      token = fromUrl;
    }
    if (fromUrl) {
      url.searchParams.delete("token");
      history.replaceState(null, "", url.pathname + url.search + url.hash);
    }
    return token || fromUrl || "";
  })();

  /* --- DOM building: el("p", {class: "x", dir: "auto"}, "text", child, ...) */
  VT.el = function (tag, attrs) {
    const node = tag.indexOf("svg:") === 0
      ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4))
      : document.createElement(tag);
    if (attrs) {
      for (const name of Object.keys(attrs)) {
        const value = attrs[name];
        if (value === null || value === undefined || value === false) continue;
        if (name === "text") node.textContent = String(value);
        else if (name === "on") {
          for (const ev of Object.keys(value)) node.addEventListener(ev, value[ev]);
        } else if (name === "value") node.value = value;
        else if (name === "checked" || name === "disabled" || name === "selected" || name === "hidden") node[name] = !!value;
        else node.setAttribute(name, value === true ? "" : String(value));
      }
    }
    for (let i = 2; i < arguments.length; i++) VT.append(node, arguments[i]);
    return node;
  };
  VT.append = function (node, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { VT.append(node, c); }); return; }
    node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  };
  VT.fill = function (node) {
    node.replaceChildren();
    for (let i = 1; i < arguments.length; i++) VT.append(node, arguments[i]);
    return node;
  };
  VT.$ = function (id) { return document.getElementById(id); };

  /* --- Numbers: the page's language, Latin digits, an isolate in right-to-left text. */
  VT.num = function (value, digits) {
    if (value === null || value === undefined || value === "") return "";
    let text;
    if (typeof value === "number") {
      const opts = digits === undefined ? {maximumFractionDigits: 1}
        : {minimumFractionDigits: digits, maximumFractionDigits: digits};
      try { text = new Intl.NumberFormat(VT.lang + "-u-nu-latn", opts).format(value); }
      catch (e) { text = digits === undefined ? String(value) : value.toFixed(digits); }
    } else text = String(value);
    return VT.rtl && /\d/.test(text) ? LRI + text + PDI : text;
  };
  /* mm:ss (or h:mm:ss), a minus sign when over time. */
  VT.clockText = function (seconds) {
    const neg = seconds < 0;
    let s = Math.abs(Math.round(seconds));
    const h = Math.floor(s / 3600); s -= h * 3600;
    const mm = Math.floor(s / 60), ss = s % 60;
    const pad = function (n) { return (n < 10 ? "0" : "") + n; };
    const text = (neg ? "-" : "") + (h ? h + ":" + pad(mm) : String(mm)) + ":" + pad(ss);
    return VT.rtl ? LRI + text + PDI : text;
  };

  /* --- Phrases: view.m["workshop.view.<key>"], {placeholders} filled (numbers formatted). */
  VT.t = function (key, values) {
    const m = (VT.view && VT.view.m) || {};
    let phrase = m["workshop.view." + key];
    if (phrase === undefined) phrase = m[key];
    if (phrase === undefined) phrase = document.body.getAttribute("data-msg-" + key) || undefined;
    if (phrase === undefined) phrase = key;
    if (!values) return phrase;
    return phrase.replace(/\{(\w+)\}/g, function (all, name) {
      if (!(name in values)) return all;
      const v = values[name];
      if (typeof v === "number") return VT.num(v);
      const text = String(v);
      // A left-to-right island (a code, a link, a name in Latin letters) inside Arabic text.
      return VT.rtl && text && !/[\u0590-\u08FF]/.test(text) ? "\u2068" + text + "\u2069" : text;
    });
  };

  /* --- Messages to the person: a short flash at the top. */
  let flashTimer = null;
  VT.flash = function (text, ok) {
    const box = VT.$("flash");
    if (!box) return;
    box.textContent = text;
    box.className = ok ? "flash ok" : "flash";
    box.hidden = false;
    clearTimeout(flashTimer);
    flashTimer = setTimeout(function () { box.hidden = true; }, ok ? 2500 : 6000);
  };
  VT.offline = function (on) {
    const banner = VT.$("offline");
    if (banner) banner.hidden = !on;
  };

  /* --- API calls (the token in X-Vtsim-Token; the participant's cookie goes by itself). */
  VT.api = async function (method, path, body) {
    const headers = {"Accept": "application/json"};
    if (VT.token) headers["X-Vtsim-Token"] = VT.token;
    const init = {method: method, headers: headers, credentials: "same-origin", cache: "no-store"};
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let reply;
    try {
      reply = await fetch(path, init);
    } catch (e) {
      const err = new Error(VT.t("failed"));
      err.status = 0;
      throw err;
    }
    let data = null;
    try { data = await reply.json(); } catch (e) { data = null; }
    if (!reply.ok) {
      const err = new Error((data && data.error) || VT.t("failed"));
      err.status = reply.status;
      throw err;
    }
    return data;
  };
  /* An action: errors shown to the person; the view is refreshed afterwards. */
  VT.act = async function (method, path, body, okText) {
    try {
      const data = await VT.api(method, path, body);
      if (okText) VT.flash(okText, true);
      VT.refresh();
      return data || {};
    } catch (e) {
      VT.flash(VT.t("error", {error: e.message}));
      return null;
    }
  };

  /* --- Images that need the token (QR code, charts): fetched, shown as data: URLs. */
  const images = {};
  VT.image = function (url, alt, cls) {
    const img = VT.el("img", {alt: alt || "", class: cls || null});
    if (images[url]) { img.src = images[url]; return img; }
    const headers = {};
    if (VT.token) headers["X-Vtsim-Token"] = VT.token;
    fetch(url, {headers: headers, credentials: "same-origin"})
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.text(); })
      .then(function (svg) {
        images[url] = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svg);
        img.src = images[url];
      })
      .catch(function () { img.classList.add("broken"); });
    return img;
  };

  /* --- Live view: fetch /api/view/<kind>, re-render; refetch on every SSE change. */
  let render = null, loading = false, again = false, source = null, retryTimer = null;
  VT.refresh = async function () {
    if (loading) { again = true; return; }
    loading = true;
    try {
      do {
        again = false;
        const view = await VT.api("GET", "/api/view/" + kind + "?lang=" + encodeURIComponent(pageLang));
        VT.view = view;
        if (view.lang) VT.lang = view.lang;
        if (view.dir) {
          VT.rtl = view.dir === "rtl";
          document.documentElement.dir = view.dir;
        }
        if (view.lang) document.documentElement.lang = view.lang;
        VT.setClock(view);
        render(view);
      } while (again);
    } catch (e) {
      if ((e.status === 401 || e.status === 403) && kind === "participant") {
        window.location.href = "/";
        return;
      }
      if (e.status === 0) VT.offline(true);
      else VT.flash(VT.t("error", {error: e.message}));
    } finally {
      loading = false;
    }
  };
  function listen() {
    clearTimeout(retryTimer);
    if (source) source.close();
    const since = VT.view ? VT.view.version : 0;
    let url = "/api/events/" + kind + "?since=" + encodeURIComponent(since);
    if (VT.token) url += "&token=" + encodeURIComponent(VT.token);
    source = new EventSource(url);
    source.addEventListener("open", function () {
      VT.offline(false);
      VT.refresh();  // anything missed while away
    });
    source.addEventListener("change", function (ev) {
      let v = null;
      try { v = JSON.parse(ev.data).version; } catch (e) { v = null; }
      if (v === null || !VT.view || v !== VT.view.version) VT.refresh();
    });
    source.addEventListener("error", function () {
      VT.offline(true);
      // The browser retries by itself unless the server refused the stream: then we do.
      if (source.readyState === EventSource.CLOSED) retryTimer = setTimeout(listen, 2000);
    });
  }
  VT.start = function (renderView) {
    render = renderView;
    VT.refresh().then(listen);
    setInterval(VT.tick, 1000);
  };

  /* --- The module clock: counts down locally between updates, stops while paused. */
  let deadline = null, frozen = null;
  VT.setClock = function (view) {
    const mod = view.module;
    if (!mod || mod.remaining_s === null || mod.remaining_s === undefined) {
      deadline = null; frozen = null; return;
    }
    if (view.paused || view.state === "lobby" || view.state === "ended") {
      deadline = null; frozen = mod.remaining_s;
    } else {
      frozen = null; deadline = Date.now() + mod.remaining_s * 1000;
    }
  };
  VT.remaining = function () {
    if (deadline !== null) return (deadline - Date.now()) / 1000;
    return frozen;
  };
  VT.tick = function () {
    const left = VT.remaining();
    document.querySelectorAll(".clock-value").forEach(function (node) {
      node.textContent = left === null ? "–" : VT.clockText(left);
      node.classList.toggle("over", left !== null && left < 0);
    });
  };
  VT.clock = function (view, big) {
    const mod = view.module || {};
    return VT.el("div", {class: "clock" + (big ? " big" : "") + (view.paused ? " paused" : "")},
      VT.el("span", {class: "clock-label", text: VT.t("time_left")}),
      VT.el("span", {class: "clock-value", text: VT.remaining() === null ? "–" : VT.clockText(VT.remaining())}),
      view.paused ? VT.el("span", {class: "badge paused", text: VT.t("paused")}) : null,
      mod.duration_s ? null : null);
  };

  /* --- Pieces every view shows. */
  VT.stateBadge = function (view) {
    return VT.el("span", {class: "badge state-" + view.state, text: VT.t("state_" + view.state)});
  };
  VT.header = function (view, extra) {
    const mod = view.module;
    return VT.el("header", {class: "top"},
      VT.el("div", {class: "titles"},
        VT.el("h1", {text: view.title || view.scenario || ""}),
        mod && mod.title ? VT.el("p", {class: "module", text: VT.t("module", {title: mod.title})}) : null),
      VT.el("div", {class: "status"}, VT.stateBadge(view), mod ? VT.clock(view, kind === "projector") : null, extra || null));
  };
  VT.optionLabel = function (table, optionId) {
    const d = table.stop && table.stop.decision;
    const opts = (d && d.options) || [];
    for (const o of opts) if (o.id === optionId) return o.label;
    return optionId || "";
  };
  /* The current stop: an inject (from, to, message) or a decision (who, prompt, options). */
  VT.stop = function (stop, big) {
    if (!stop) return VT.el("p", {class: "muted", text: VT.t("nothing_yet")});
    if (stop.kind === "inject" && stop.inject) {
      const inj = stop.inject;
      return VT.el("article", {class: "stop inject" + (big ? " big" : "")},
        VT.el("h3", {text: VT.t("inject", {t: VT.num(stop.t_min, 1)})}),
        inj.from || inj.to ? VT.el("p", {class: "from-to", text: VT.t("inject_from_to", {sender: inj.from || "", recipient: inj.to || ""})}) : null,
        VT.el("p", {class: "message", dir: "auto", text: inj.message || ""}));
    }
    if (stop.kind === "decision" && stop.decision) {
      const d = stop.decision;
      return VT.el("article", {class: "stop decision" + (big ? " big" : "")},
        VT.el("h3", {text: VT.t("decision", {t: VT.num(stop.t_min, 1), decided_by: d.decided_by || ""})}),
        VT.el("p", {class: "message", dir: "auto", text: d.prompt || ""}));
    }
    if (stop.kind === "end") return VT.el("p", {class: "stop end", text: VT.t("end_of_storyline")});
    return VT.el("p", {class: "muted", text: VT.t("nothing_yet")});
  };
  VT.picture = function (lines) {
    if (!lines || !lines.length) return null;
    return VT.el("section", {class: "picture"},
      VT.el("h3", {text: VT.t("situation")}),
      VT.el("ul", null, lines.map(function (line) { return VT.el("li", {text: line}); })));
  };
  /* Vote tallies as horizontal bars (SVG built here: no library, no inline style). */
  VT.tally = function (table, big) {
    const d = table.stop && table.stop.decision;
    if (!d || !d.options || !d.options.length) return null;
    const tally = table.tally || {};
    let total = 0, most = 0;
    for (const o of d.options) { const n = tally[o.id] || 0; total += n; most = Math.max(most, n); }
    const rows = d.options.map(function (o) {
      const n = tally[o.id] || 0;
      const share = total ? n / total : 0;
      const svg = VT.el("svg:svg", {class: "bar", viewBox: "0 0 100 10", preserveAspectRatio: "none", "aria-hidden": "true"},
        VT.el("svg:rect", {class: "bar-bg", x: 0, y: 0, width: 100, height: 10}),
        VT.el("svg:rect", {class: "bar-fill", x: 0, y: 0, width: (share * 100).toFixed(2), height: 10}));
      if (VT.rtl) svg.setAttribute("transform", "scale(-1,1)");
      return VT.el("li", {class: "tally-row" + (table.decided === o.id ? " chosen" : "") + (n && n === most ? " leading" : "")},
        VT.el("span", {class: "tally-label", text: o.label}),
        svg,
        VT.el("span", {class: "tally-count", text: VT.num(n)}));
    });
    return VT.el("section", {class: "tally" + (big ? " big" : "")},
      VT.el("h3", {text: VT.t("votes_count", {n: table.votes !== undefined ? table.votes : total})}),
      VT.el("ol", {class: "tally-rows"}, rows),
      table.decided ? VT.el("p", {class: "decided", text: VT.t("decided", {option: VT.optionLabel(table, table.decided)})}) : null);
  };
  VT.participants = function (table) {
    const people = table.participants || [];
    return VT.el("section", {class: "people"},
      VT.el("h3", {text: VT.t("participants")}),
      people.length
        ? VT.el("ul", {class: "people-list"}, people.map(function (p) {
          return VT.el("li", null, VT.el("bdi", {dir: "auto", class: "person", text: p.name}), " · ", VT.el("span", {class: "role", text: p.role || ""}));
        }))
        : VT.el("p", {class: "muted", text: VT.t("nobody_yet")}));
  };
  VT.progress = function (view) {
    const p = view.progress;
    if (!p) return null;
    return VT.el("section", {class: "progress-box"},
      VT.el("p", {text: VT.t("computing", {done: p.done, total: p.total})}),
      VT.el("progress", {max: p.total || 1, value: p.done || 0}));
  };
  const openDetails = {};  // which collapsed sentence lists a person opened (kept across renders)
  VT.consequences = function (view, collapsed) {
    const items = view.consequences || [];
    if (!items.length) return null;
    const names = {};
    (view.tables || []).forEach(function (t) { names[t.id] = t.name; });
    return VT.el("section", {class: "consequences"},
      VT.el("h2", {text: VT.t("consequences")}),
      VT.el("div", {class: "consequence-grid"}, items.map(function (c) {
        const name = names[c.table] || c.table;
        return VT.el("figure", {class: "consequence"},
          c.chart ? VT.image(c.chart, VT.t("chart_alt", {table: name}), "chart") : null,
          collapsed ? VT.el("figcaption", null, VT.el("details", {
            open: !!openDetails[c.table + "/" + c.point],
            on: {toggle: function (ev) { openDetails[c.table + "/" + c.point] = ev.target.open; }}},
          VT.el("summary", {text: name}), sentences(c)))
            : VT.el("figcaption", null, VT.el("strong", {text: name}), sentences(c)));
      })));
  };
  function sentences(c) {
    return VT.el("ul", null, (c.sentences || []).map(function (s) { return VT.el("li", {text: s}); }));
  }
  /* Do all tables stand at the same stop? (then the projector shows it once) */
  VT.sameStop = function (tables) {
    if (!tables || tables.length < 2) return true;
    const first = JSON.stringify(tables[0].stop || null);
    return tables.every(function (t) { return JSON.stringify(t.stop || null) === first; });
  };

  window.VT = VT;
})();
