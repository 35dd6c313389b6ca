/* vtsim workshop, participant view (a phone or a laptop): the join form, then the own
   table's inject, picture, vote with a one-line justification, tally, and a note. */
"use strict";

(function () {
  const VT = window.VT, el = VT.el;

  /* --- The join page (server-rendered form). */
  const joinForm = document.getElementById("join");
  if (joinForm) {
    // The code came with the link (the QR code): the name is what is left to type.
    if (document.getElementById("join-code").value) document.getElementById("join-name").focus();
    const langSelect = document.getElementById("join-lang");
    langSelect.addEventListener("change", function () {
      // The page again, in the chosen language (the code typed so far kept).
      const url = new URL(window.location.href);
      url.searchParams.set("lang", langSelect.value);
      const code = document.getElementById("join-code").value.trim();
      if (code) url.searchParams.set("code", code);
      window.location.href = url.pathname + url.search;
    });
    joinForm.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      const data = new FormData(joinForm);
      const body = {
        code: String(data.get("code") || "").trim().toUpperCase(),
        table: data.get("table"),
        role: data.get("role"),
        name: String(data.get("name") || "").trim(),
        lang: data.get("lang"),
      };
      if (!body.code) { document.getElementById("join-code").focus(); return; }
      if (!body.name) { document.getElementById("join-name").focus(); return; }
      const submit = joinForm.querySelector("button[type=submit]");
      submit.disabled = true;
      try {
        await VT.api("POST", "/api/join", body);
        window.location.href = "/p";
      } catch (e) {
        VT.flash(e.message);
        submit.disabled = false;
      }
    });
    return;
  }

  /* --- The participant's page. */
  const parts = {};
  let built = false, shownDecision = null;

  function build() {
    parts.header = el("div");
    parts.me = el("p", {class: "me"});
    parts.stop = el("div");
    parts.tally = el("div");
    parts.myVote = el("p", {class: "my-vote", hidden: true});
    parts.options = el("fieldset", {class: "options"});
    parts.justification = el("input", {id: "justification", type: "text", maxlength: 300, dir: "auto", autocomplete: "off"});
    parts.voteHint = el("p", {class: "muted"});
    parts.voteButton = el("button", {type: "submit", class: "primary big", text: VT.t("vote")});
    parts.voteForm = el("form", {id: "vote-form", class: "card stack vote", on: {submit: vote}},
      parts.options,
      el("label", {for: "justification", text: VT.t("justification")}),
      parts.justification,
      parts.voteButton,
      parts.voteHint);
    parts.picture = el("div");
    parts.people = el("div");
    parts.ended = el("p", {class: "ended", hidden: true, text: VT.t("ended_thanks")});
    parts.lobby = el("p", {class: "lobby-wait", hidden: true, text: VT.t("lobby_wait")});
    const noteText = el("textarea", {id: "note-text", rows: 2, dir: "auto", maxlength: 2000});
    const noteForm = el("form", {id: "note-form", class: "card stack", on: {submit: async function (ev) {
      ev.preventDefault();
      const text = noteText.value.trim();
      if (!text) return;
      const done = await VT.act("POST", "/api/note", {text: text}, VT.t("saved"));
      if (done) noteText.value = "";
    }}},
    el("label", {for: "note-text", text: VT.t("your_note")}), noteText,
    el("button", {type: "submit", text: VT.t("add_note")}));
    VT.fill(VT.$("app"), parts.header, parts.me, parts.lobby, parts.ended, parts.stop,
      parts.myVote, parts.voteForm, parts.tally, parts.picture, parts.people, noteForm);
    built = true;
  }

  async function vote(ev) {
    ev.preventDefault();
    const chosen = parts.options.querySelector("input[name=option]:checked");
    const why = parts.justification.value.trim();
    if (!chosen) { VT.flash(VT.t("choose_option")); return; }
    if (!why) { VT.flash(VT.t("justification_required")); parts.justification.focus(); return; }
    parts.voteButton.disabled = true;
    const done = await VT.act("POST", "/api/vote", {option: chosen.value, justification: why}, VT.t("vote_recorded"));
    parts.voteButton.disabled = false;
    return done;
  }

  function render(view) {
    if (!built) build();
    const table = (view.tables || [])[0] || {};
    const me = view.me || {};
    VT.fill(parts.header, VT.header(view));
    VT.fill(parts.me, el("bdi", {dir: "auto", text: me.name || ""}),
      (me.role_name || me.role) ? " · " + (me.role_name || me.role) : "",
      table.name ? " · " + table.name : "");
    parts.lobby.hidden = view.state !== "lobby";
    parts.ended.hidden = view.state !== "ended";
    VT.fill(parts.stop, view.state === "lobby" ? null : VT.stop(table.stop));

    const d = table.stop && table.stop.kind === "decision" ? table.stop.decision : null;
    const myVote = view.my_vote || table.my_vote || null;
    const voting = table.voting !== undefined ? !!table.voting : view.state === "voting";
    const open = !!d && voting && !table.decided;
    parts.voteForm.hidden = !d || !!table.decided;
    if (d) {
      const key = d.id + "|" + (d.options || []).map(function (o) { return o.id; }).join(",");
      if (key !== shownDecision) {
        const mine = myVote && myVote.option;
        parts.options.setAttribute("aria-label", d.prompt || VT.t("vote"));
        VT.fill(parts.options,
          (d.options || []).map(function (o, i) {
            const id = "option-" + i;
            return el("div", {class: "option"},
              el("input", {type: "radio", name: "option", id: id, value: o.id, checked: mine === o.id}),
              el("label", {for: id, dir: "auto", text: o.label}));
          }));
        if (myVote && myVote.justification && !parts.justification.value) {
          parts.justification.value = myVote.justification;
        }
        shownDecision = key;
      }
      parts.options.disabled = !open;
      parts.justification.disabled = !open;
      parts.voteButton.disabled = !open;
      parts.voteHint.textContent = open ? "" : VT.t("vote_not_open");
    } else {
      shownDecision = null;
    }
    const mine = myVote && d ? myVote : null;
    parts.myVote.hidden = !mine;
    if (mine) parts.myVote.textContent = VT.t("your_vote", {option: VT.optionLabel(table, mine.option)});
    VT.fill(parts.tally, view.state === "lobby" ? null : VT.tally(table));
    VT.fill(parts.picture, view.state === "lobby" ? null : VT.picture(table.picture));
    VT.fill(parts.people, VT.participants(table));
  }

  VT.start(render);
})();
