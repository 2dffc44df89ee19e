/* Xinmiao referee tablets (issue 13 item 3): the queue of a challenge and the run form.
 *
 * The run form's live total is computed exactly as judging/robotics/sheets.py's score_run
 * computes it on the server (app/static/sheet-score.js, XinmiaoSheet; XinmiaoReferee.score is the
 * same function), the outbox, offline pages and item widgets come from app/static/referee-kit.js:
 *   count adds value * points (negative points are penalties); yesno adds points when yes;
 *   choice adds the option's points; time adds nothing and is the run's time (at most the item's
 *   max or the sheet's time_limit_seconds); an item whose `requires` is not met adds nothing
 *   (yes counts 1, a choice 0); a restriction's items may not sum above its max, or above the
 *   value of its `max_item` (its message is shown); a bonus adds its points when its item is at
 *   most `at_most`; with `min_total` the total never goes below it; items listing `variants`
 *   apply only when that variant was drawn for the round. Every applicable item must be answered:
 *   nothing defaults to zero, and the form cannot be finished before.
 *
 * After the referee finishes, the team captain confirms on the tablet (or the referee records
 * that the captain refused, with a note). The run then goes into the shared offline outbox
 * (app/static/outbox.js) under "xinmiao:run:<user>:<client_run_id>" BEFORE it is sent with
 * POST /referee/runs (session cookie + x-csrftoken): a repeated client_run_id is stored once,
 * a 409 (another tablet recorded the round) is kept on the tablet with the server's words (who
 * recorded it) until the referee deletes it. The queue page lists what is unsent and sends it
 * (now, on "online", on the outbox's retry timer).
 *
 * Offline pages: the service worker /referee/sw.js (app/static/referee-sw.js) serves the queue
 * and the run form from its cache once they were opened online; the queue page caches them.
 */
(function () {
  "use strict";

  var PREFIX = "xinmiao:run:";
  var S = window.XinmiaoSheet, K = window.XinmiaoRefereeKit;
  var fmt = S.fmt, dec = S.dec, text = S.text, readSheet = S.readSheet, score = S.score, applies = S.applies;
  var mine = K.mine, registerWorker = K.registerWorker, cachePages = K.cachePages, backOnline = K.backOnline;

  function outbox(userId, onState) {
    return K.outbox({prefix: PREFIX, userId: userId, url: function () { return "/referee/runs"; }, onState: onState});
  }

  // ------------------------------------------------------------------ the queue page

  function queuePage(root, data) {
    var M = data.messages;
    if (root.getAttribute("data-page-copy") === "cached") document.getElementById("cached-notice").hidden = false;
    var stateEl = document.getElementById("unsent-state"), listEl = document.getElementById("unsent-list");

    function cell(entryId, round) {
      var row = root.querySelector('tr[data-entry-id="' + entryId + '"]');
      return row ? row.querySelector('td[data-round="' + round + '"]') : null;
    }
    function markCell(item, label, kind) {
      var td = cell(item.body.entry_id, item.body.round);
      if (!td) return;
      var el = td.querySelector(".local-state");
      el.textContent = label;
      el.hidden = false;
      el.className = "local-state local-" + kind;
      var record = td.querySelector("a.record");   // the round is taken (on the tablet or on the server)
      if (record) record.style.display = "none";
    }
    function render() {
      var items = mine(box, data);
      listEl.textContent = "";
      items.forEach(function (item) {
        var li = document.createElement("li");
        li.className = item.rejected ? (item.conflict ? "local-conflict" : "local-rejected") : "local-queued";
        li.setAttribute("data-client-run-id", item.id);
        var what = item.team + " · " + fmt(M.roundLabel || "R{round}", {round: item.body.round}) + " · " + item.total;
        li.appendChild(document.createTextNode(what + " — "));
        var why = document.createElement("strong");
        why.textContent = item.rejected ? fmt(M.refused || M.rejected, {detail: item.detail || ""}) : M.queued;
        li.appendChild(why);
        if (item.rejected) {
          var b = document.createElement("button");
          b.type = "button"; b.className = "small secondary discard"; b.textContent = M.discard;
          b.addEventListener("click", function () {
            if (window.confirm(M.discardConfirm)) { box.remove(item.id); render(); }
          });
          li.appendChild(document.createTextNode(" "));
          li.appendChild(b);
        }
        listEl.appendChild(li);
        markCell(item, item.rejected ? (item.conflict ? M.localConflict : M.rejectedShort) : M.localRun,
                 item.rejected ? "conflict" : "queued");
      });
      var waiting = items.filter(function (i) { return !i.rejected; }).length, refused = items.length - waiting;
      stateEl.textContent = !items.length ? M.allSent
        : !refused ? fmt(M.unsentCount || M.unsent, {n: waiting})
        : !waiting ? fmt(M.refusedCount, {n: refused})
        : fmt(M.unsentAndRefused, {n: waiting, m: refused});
      root.setAttribute("data-unsent", String(waiting));
      root.setAttribute("data-local", String(items.length));
    }
    var box = outbox(data.userId, function (item, kind) {
      if (kind === "sent") markCell(item, M.sentNow, "sent");
      render();
    });
    render();
    box.flush();
    window.addEventListener("online", function () { box.flush(); backOnline(M); });

    var search = document.getElementById("queue-search"), none = document.getElementById("no-match");
    search.addEventListener("input", function () {
      var q = search.value.trim().toLowerCase(), shown = 0;
      root.querySelectorAll("tr.team-row").forEach(function (row) {
        var hit = !q || row.getAttribute("data-search").indexOf(q) >= 0;
        row.hidden = !hit;
        if (hit) shown += 1;
      });
      none.hidden = shown > 0;
    });
    registerWorker();
    cachePages([location.pathname, data.base + "/run"]);
  }

  // ------------------------------------------------------------------ the run form

  function runPage(root, data) {
    var M = data.messages;
    var sheet = readSheet(data.sheet);
    var params = new URLSearchParams(location.search);
    var entryId = params.get("entry"), round = params.get("round");
    var team = data.teams.filter(function (t) { return String(t.entry_id) === String(entryId); })[0];
    var problem = document.getElementById("run-problem");
    var finish = document.getElementById("finish");
    var values = {}, variant = null, last = null;
    var box = outbox(data.userId, null);
    if (root.getAttribute("data-page-copy") === "cached") document.getElementById("cached-notice").hidden = false;
    window.addEventListener("online", function () { backOnline(M); });

    function stop(message) {
      problem.textContent = message;
      problem.hidden = false;
      root.setAttribute("data-state", "blocked");
      finish.disabled = true;
    }
    if (!team || !/^\d+$/.test(round || "") || Number(round) < 1 || Number(round) > (data.sheet.rounds || 1)) {
      stop(M.chooseTeam);
      return;
    }
    round = Number(round);
    document.getElementById("run-team").textContent = team.code + " " + team.title;
    document.getElementById("run-round").textContent = fmt(M.roundLabel, {round: round});
    document.getElementById("run-school").textContent = team.school_name || "";
    var recorded = team.runs[String(round)];
    var local = mine(box, data).filter(function (i) { return String(i.body.entry_id) === String(team.entry_id) && i.body.round === round; })[0];
    function closeForm() {
      // a taken round shows no form: no items, no total, no "done" button
      root.querySelectorAll(".run-items, #run-bar, #variant-box, #restriction-errors").forEach(function (el) { el.hidden = true; });
      root.setAttribute("data-state", "recorded");
      finish.disabled = true;
    }
    if (recorded) {
      closeForm();
      document.getElementById("recorded-score").textContent = recorded.score;
      document.getElementById("recorded-time").textContent = recorded.time ? fmt(M.seconds, {s: recorded.time}) : "";
      var badge = document.getElementById("recorded-status");
      badge.textContent = recorded.statusLabel;
      badge.className = "badge run-" + recorded.status;
      document.getElementById("recorded-by").textContent = fmt(M.recordedBy, {name: recorded.by});
      document.getElementById("recorded-confirmation").textContent = recorded.confirmation;
      var list = document.getElementById("recorded-items");
      (recorded.items || []).forEach(function (pair) {
        var li = document.createElement("li"), name = document.createElement("span"), value = document.createElement("strong");
        name.textContent = pair[0]; value.textContent = pair[1];
        li.appendChild(name); li.appendChild(document.createTextNode(" ")); li.appendChild(value);
        list.appendChild(li);
      });
      document.getElementById("recorded-link").href = "/referee/runs/" + recorded.id;
      document.getElementById("recorded-box").hidden = false;
      return;
    }
    if (local) { stop(M.localWaiting); closeForm(); return; }

    // the round's draw: recorded on the server (fixed here), or chosen now (recorded with the run)
    var drawn = data.draws[String(round)];
    var variantButtons = root.querySelectorAll("button.variant");
    function showItems() {
      root.querySelectorAll("fieldset.item").forEach(function (fs) {
        var listed = fs.getAttribute("data-variants");
        fs.hidden = !!listed && (variant === null || listed.split(",").indexOf(variant) < 0);
      });
    }
    function chooseVariant(code) {
      variant = code;
      variantButtons.forEach(function (b) { b.setAttribute("aria-pressed", String(b.getAttribute("data-variant") === code)); });
      showItems();
      update();
    }
    variantButtons.forEach(function (b) {
      b.addEventListener("click", function () { if (!drawn) chooseVariant(b.getAttribute("data-variant")); });
    });
    if (drawn) {
      var note = document.getElementById("variant-recorded");
      note.textContent = drawn.name + " · " + drawn.by;
      note.hidden = false;
      variantButtons.forEach(function (b) { b.disabled = b.getAttribute("data-variant") !== drawn.variant; });
    }

    K.bindItems(root, sheet, values, function () { update(); });

    function playingValues() {
      var out = {};
      sheet.items.forEach(function (i) { if (applies(i, variant) && i.code in values && values[i.code] !== "") out[i.code] = values[i.code]; });
      return out;
    }

    function update() {
      var r = score(sheet, playingValues(), variant, M);
      last = r;
      K.showPoints(root, r, values, M);
      var box = document.getElementById("restriction-errors");
      box.textContent = "";
      r.restrictions.forEach(function (message) {
        var p = document.createElement("p");
        p.className = "flash error restriction";
        p.textContent = message;
        box.appendChild(p);
      });
      document.getElementById("run-total").textContent = r.total;
      var open = r.missing.length + Object.keys(r.errors).length;
      document.getElementById("answered-state").textContent =
        r.needDraw ? M.needDraw : open ? fmt(M.unanswered, {n: open}) : M.answered;
      finish.disabled = !r.complete;
      root.setAttribute("data-complete", String(r.complete));
      root.setAttribute("data-total", r.total);
    }

    // captain's confirmation, then the outbox
    var confirmBox = document.getElementById("confirm-box");
    function setState(state) { root.setAttribute("data-state", state); }
    finish.addEventListener("click", function () {
      if (!last || !last.complete) return;
      document.getElementById("confirm-team").textContent = team.code + " " + team.title;
      document.getElementById("confirm-round").textContent = fmt(M.roundLabel, {round: round});
      document.getElementById("confirm-score").textContent = last.total;
      confirmBox.hidden = false;
      root.classList.add("confirming");
      setState("confirm");
      confirmBox.scrollIntoView({block: "center"});
    });
    document.getElementById("back-to-form").addEventListener("click", function () {
      confirmBox.hidden = true;
      root.classList.remove("confirming");
      setState("form");
    });
    document.getElementById("captain-refuse").addEventListener("click", function () {
      document.getElementById("refuse-box").hidden = false;
    });
    document.getElementById("captain-confirm").addEventListener("click", function () { submit("confirmed", ""); });
    document.getElementById("refuse-submit").addEventListener("click", function () {
      submit("refused", document.getElementById("refuse-note").value);
    });

    function submit(confirmation, note) {
      if (root.getAttribute("data-state") !== "confirm") return;
      var id = XinmiaoOutbox.newId();
      var items = {};
      var played = playingValues();
      sheet.items.forEach(function (i) {
        if (!(i.code in played)) return;
        var v = played[i.code];
        items[i.code] = i.type === "count" ? Number(v) : v;
      });
      var item = {
        id: id, eventId: data.eventId, code: data.code, team: team.code + " " + team.title, total: last.total,
        body: {entry_id: team.entry_id, category_code: data.code, round: round, items: items, variant: variant,
               client_run_id: id, confirmation: confirmation, confirmation_note: note || ""}
      };
      box.put(item);
      setState("sending");
      confirmBox.hidden = true;
      var result = document.getElementById("result-box"), out = document.getElementById("result-text");
      result.hidden = false;
      out.textContent = M.sending;
      box.send(item).then(function (r) {
        var kind = r ? r.kind : "offline";
        if (kind === "sent") { out.textContent = fmt(M.sent, {score: r.body.score}); setState("sent"); }
        else if (kind === "rejected") {
          out.textContent = fmt(r.conflict ? M.conflict : M.rejected, {detail: r.detail || ""});
          setState(r.conflict ? "conflict" : "rejected");
        } else if (kind === "auth") { out.textContent = M.auth; setState("queued"); }
        else { out.textContent = M.queued; setState("queued"); }
      });
    }

    if (drawn) chooseVariant(drawn.variant); else { showItems(); update(); }
    registerWorker();
  }

  // ------------------------------------------------------------------ start

  var dataEl = document.getElementById("referee-data");
  var queueRoot = document.getElementById("referee-queue"), runRoot = document.getElementById("run-page");
  if (dataEl && queueRoot) queuePage(queueRoot, JSON.parse(dataEl.textContent));
  if (dataEl && runRoot) runPage(runRoot, JSON.parse(dataEl.textContent));

  window.XinmiaoReferee = {dec: dec, text: text, readSheet: readSheet, score: score};  // the tests' name of XinmiaoSheet
})();
