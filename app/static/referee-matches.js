/* Xinmiao referee tablets: a challenge's matches and the match form (issue 14 item 3;
 * templates/judging/matches/referee_match*.html).
 *
 * The match form scores both alliances on the challenge's sheet side by side: each alliance's live
 * total is XinmiaoSheet.score (app/static/sheet-score.js, the port of sheets.score_run), the
 * items are the run form's widgets (XinmiaoRefereeKit.bindItems: nothing answered until touched),
 * every team gets a card (none / yellow / red, chosen actively: VEX gives cards to teams, not
 * alliances) and the winner preview follows ranking's rule (judging/matches/rankings.py: an alliance
 * is disqualified, and loses to one that is not, when every team of it has a red card or, in an
 * elimination match, when any team has one; otherwise the higher score wins; a red-carded team
 * earns nothing from the match, its partner keeps its points).
 * Both captains then confirm (or the referee records a refusal with a note), and the score goes
 * into the shared outbox under "xinmiao:match:<user>:<client_score_id>" BEFORE it is sent with
 * POST /referee/matches/<id>/score with the match version the tablet saw (base_version): sent
 * again it is stored once; a 409 (someone else scored or committed the match) is kept on the
 * tablet with the server's words until the referee deletes it. The list page shows what is unsent
 * and sends it (now, on "online", on the outbox's retry timer).
 */
(function () {
  "use strict";

  var PREFIX = "xinmiao:match:";
  var S = window.XinmiaoSheet, K = window.XinmiaoRefereeKit, fmt = S.fmt;
  var SIDES = ["red", "blue"];

  function outbox(userId, onState) {
    return K.outbox({prefix: PREFIX, userId: userId, onState: onState,
                     url: function (item) { return "/referee/matches/" + item.matchId + "/score"; }});
  }

  function teamsText(teams) {
    return teams.map(function (t) { return t.code + " " + t.title + (t.surrogate ? " *" : ""); }).join(" / ");
  }

  /* ranking's rule (judging/matches/rankings.py MatchResult.disqualified): `cards` lists the
   * alliance's teams' cards ("", "yellow" or "red") */
  function disqualified(cards, elimination) {
    var reds = cards.filter(function (c) { return c === "red"; }).length;
    return elimination ? reds > 0 : cards.length > 0 && reds === cards.length;
  }

  /* ranking's rule (judging/matches/rankings.py MatchResult.winner) */
  function winnerOf(red, blue, redCards, blueCards, elimination) {
    var redOut = disqualified(redCards, elimination), blueOut = disqualified(blueCards, elimination);
    if (redOut !== blueOut) return redOut ? "blue" : "red";
    var c = S.cmp(red, blue);
    return c > 0 ? "red" : c < 0 ? "blue" : "tie";
  }

  // ------------------------------------------------------------------ the list of matches

  function listPage(root, data) {
    var M = data.messages;
    if (root.getAttribute("data-page-copy") === "cached") document.getElementById("cached-notice").hidden = false;
    var stateEl = document.getElementById("unsent-state"), listEl = document.getElementById("unsent-list");

    function markRow(item, label, kind) {
      var row = root.querySelector('tr[data-match-id="' + item.matchId + '"]');
      if (!row) return;
      var el = row.querySelector(".local-state");
      el.textContent = label;
      el.hidden = false;
      el.className = "local-state local-" + kind;
      var record = row.querySelector("a.record");
      if (record) record.style.display = "none";
    }
    function render() {
      var items = K.mine(box, data);
      listEl.textContent = "";
      items.forEach(function (item) {
        var li = document.createElement("li");
        li.className = item.rejected ? (item.conflict ? "local-conflict" : "local-rejected") : "local-queued";
        li.setAttribute("data-client-score-id", item.id);
        li.appendChild(document.createTextNode(fmt(M.matchLabel, {n: item.number}) + " · " + item.total + " — "));
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
        markRow(item, item.rejected ? (item.conflict ? M.localConflict : M.rejectedShort) : M.localRun,
                item.rejected ? "conflict" : "queued");
      });
      var waiting = items.filter(function (i) { return !i.rejected; }).length, refused = items.length - waiting;
      stateEl.textContent = !items.length ? M.allSent
        : !refused ? fmt(M.unsentCount, {n: waiting})
        : !waiting ? fmt(M.refusedCount, {n: refused})
        : fmt(M.unsentAndRefused, {n: waiting, m: refused});
      root.setAttribute("data-unsent", String(waiting));
      root.setAttribute("data-local", String(items.length));
    }
    var box = outbox(data.userId, function (item, kind) {
      if (kind === "sent") markRow(item, M.sentNow, "sent");
      render();
    });
    render();
    box.flush();
    window.addEventListener("online", function () { box.flush(); K.backOnline(M); });

    var search = document.getElementById("match-search"), field = document.getElementById("field-filter");
    var none = document.getElementById("no-match");
    function filter() {
      var q = search.value.trim().toLowerCase(), f = field.value, shown = 0;
      root.querySelectorAll("tr.match-row").forEach(function (row) {
        var hit = (!q || row.getAttribute("data-search").indexOf(q) >= 0) && (!f || row.getAttribute("data-field") === f);
        row.hidden = !hit;
        if (hit) shown += 1;
      });
      none.hidden = shown > 0;
      try { window.sessionStorage.setItem("xinmiao:match-field:" + data.eventId + ":" + data.code, f); } catch (e) { /* private mode */ }
    }
    search.addEventListener("input", filter);
    field.addEventListener("change", filter);
    try {
      var kept = window.sessionStorage.getItem("xinmiao:match-field:" + data.eventId + ":" + data.code);
      if (kept && field.querySelector('option[value="' + kept + '"]')) { field.value = kept; filter(); }
    } catch (e) { /* private mode */ }
    K.registerWorker();
    K.cachePages([location.pathname, data.base + "score"]);
  }

  // ------------------------------------------------------------------ the match form

  function matchPage(root, data) {
    var M = data.messages;
    var sheet = S.readSheet(data.sheet);
    var matchId = new URLSearchParams(location.search).get("match");
    var match = data.matches.filter(function (m) { return String(m.id) === String(matchId); })[0];
    var problem = document.getElementById("match-problem"), finish = document.getElementById("finish");
    var box = outbox(data.userId, null);
    var sides = {}, last = null;
    if (root.getAttribute("data-page-copy") === "cached") document.getElementById("cached-notice").hidden = false;
    window.addEventListener("online", function () { K.backOnline(M); });
    function setState(state) { root.setAttribute("data-state", state); }
    function closeForm() {
      root.querySelectorAll("#alliances, #card-rule, #match-bar").forEach(function (el) { el.hidden = true; });
      finish.disabled = true;
    }
    function stop(message) {
      problem.textContent = message;
      problem.hidden = false;
      setState("blocked");
      closeForm();
    }
    if (!match) { stop(M.chooseMatch); return; }
    document.getElementById("match-title").textContent = fmt(M.matchLabel, {n: match.number});
    document.getElementById("match-where").textContent =
      fmt(M.fieldLabel, {n: match.field}) + (match.scheduled_at ? " · " + match.scheduled_at.slice(11, 16) : "");
    SIDES.forEach(function (side) {
      document.getElementById(side + "-teams").textContent = teamsText(match.sides[side].teams);
    });
    if (match.status !== "scheduled") {
      closeForm();
      setState("recorded");
      document.getElementById("recorded-red").textContent = match.sides.red.score;
      document.getElementById("recorded-blue").textContent = match.sides.blue.score;
      document.getElementById("recorded-winner").textContent = match.winnerLabel;
      var badge = document.getElementById("recorded-status");
      badge.textContent = match.statusLabel;
      badge.className = "badge match-" + match.status;
      document.getElementById("recorded-by").textContent = fmt(M.recordedBy, {name: match.by});
      document.getElementById("recorded-link").href = "/referee/matches/" + match.id;
      document.getElementById("recorded-box").hidden = false;
      return;
    }
    var local = K.mine(box, data).filter(function (i) { return String(i.matchId) === String(match.id); })[0];
    if (local) { stop(M.localWaiting); return; }

    var elimination = match.stage === "elimination";
    SIDES.forEach(function (side) {
      var section = root.querySelector('section.alliance[data-side="' + side + '"]');
      var state = {section: section, values: {}, cards: {}, teams: match.sides[side].teams, result: null};
      sides[side] = state;
      K.bindItems(section, sheet, state.values, update);
      // one card question per team of the alliance, nothing chosen until tapped
      var holder = section.querySelector(".team-cards"), pattern = holder.querySelector("template.team-card-pattern");
      state.teams.forEach(function (t) {
        var fs = pattern.content.firstElementChild.cloneNode(true), name = teamsText([t]);
        fs.setAttribute("data-team", String(t.id));
        fs.querySelector(".team-card-name").textContent = name;
        fs.querySelector(".choice-buttons").setAttribute("aria-label", fmt(M.cardFor, {team: name}));
        var buttons = fs.querySelectorAll("button.card-answer");
        buttons.forEach(function (b) {
          b.addEventListener("click", function () {
            state.cards[t.id] = b.getAttribute("data-value");
            buttons.forEach(function (o) { o.setAttribute("aria-pressed", String(o === b)); });
            fs.classList.add("answered");
            update();
          });
        });
        holder.appendChild(fs);
      });
    });

    function cardsOf(state) {
      return state.teams.map(function (t) { return state.cards[t.id] || ""; });
    }
    function unansweredCards(state) {
      return state.teams.filter(function (t) { return state.cards[t.id] === undefined; }).length;
    }
    function redCarded() {
      var names = [];
      SIDES.forEach(function (side) {
        sides[side].teams.forEach(function (t) { if (sides[side].cards[t.id] === "red") names.push(t.code || t.title); });
      });
      return names;
    }

    function sideValues(state) {
      var out = {};
      sheet.items.forEach(function (i) {
        if (S.applies(i, null) && i.code in state.values && state.values[i.code] !== "") out[i.code] = state.values[i.code];
      });
      return out;
    }

    function update() {
      var complete = true;
      SIDES.forEach(function (side) {
        var state = sides[side], r = S.score(sheet, sideValues(state), null, M);
        state.result = r;
        K.showPoints(state.section, r, state.values, M);
        var errors = state.section.querySelector(".restriction-errors");
        errors.textContent = "";
        r.restrictions.forEach(function (message) {
          var p = document.createElement("p");
          p.className = "flash error restriction";
          p.textContent = message;
          errors.appendChild(p);
        });
        document.getElementById(side + "-total").textContent = r.total;
        document.getElementById("bar-" + side).textContent = r.total;
        var open = r.missing.length + Object.keys(r.errors).length + unansweredCards(state);
        document.getElementById(side + "-answered").textContent = open ? fmt(M.unanswered, {n: open}) : M.answered;
        root.setAttribute("data-" + side + "-total", r.total);
        if (!r.complete || unansweredCards(state)) complete = false;
      });
      var preview = document.getElementById("winner-preview");
      if (complete) {
        var redCards = cardsOf(sides.red), blueCards = cardsOf(sides.blue);
        var w = winnerOf(sides.red.result.score, sides.blue.result.score, redCards, blueCards, elimination);
        var redCardDecides = disqualified(redCards, elimination) !== disqualified(blueCards, elimination);
        var out = redCarded();
        last = {winner: w, label: M["winner_" + w] + (redCardDecides ? M.redCardLoses : "") +
                (out.length && !redCardDecides ? fmt(M.redCardTeams, {teams: out.join(M.listSep)}) : "")};
        preview.textContent = last.label;
        preview.className = "winner-preview winner-" + w;
        root.setAttribute("data-winner", w);
      } else {
        last = null;
        preview.textContent = M.winnerPending;
        preview.className = "winner-preview";
        root.removeAttribute("data-winner");
      }
      finish.disabled = !complete;
      root.setAttribute("data-complete", String(complete));
    }

    // both captains, then the outbox
    var confirmBox = document.getElementById("confirm-box"), submitButton = document.getElementById("submit-match");
    var answers = {};
    function captainsAnswered() { submitButton.disabled = !(answers.red && answers.blue); }
    root.querySelectorAll(".captain").forEach(function (el) {
      var side = el.getAttribute("data-side"), note = el.querySelector(".refuse-note");
      el.querySelectorAll("button.captain-answer").forEach(function (b) {
        b.addEventListener("click", function () {
          answers[side] = b.getAttribute("data-value");
          el.querySelectorAll("button.captain-answer").forEach(function (o) { o.setAttribute("aria-pressed", String(o === b)); });
          note.hidden = answers[side] !== "refused";
          captainsAnswered();
        });
      });
    });
    finish.addEventListener("click", function () {
      if (!last) return;
      document.getElementById("confirm-match").textContent = fmt(M.matchLabel, {n: match.number});
      document.getElementById("confirm-red").textContent = sides.red.result.total;
      document.getElementById("confirm-blue").textContent = sides.blue.result.total;
      document.getElementById("confirm-winner").textContent = last.label;
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

    function sideBody(side) {
      var state = sides[side], items = {}, played = sideValues(state);
      sheet.items.forEach(function (i) {
        if (i.code in played) items[i.code] = i.type === "count" ? Number(played[i.code]) : played[i.code];
      });
      var note = root.querySelector('.captain[data-side="' + side + '"] textarea').value;
      return {items: items, confirmation: answers[side],
              confirmation_note: answers[side] === "refused" ? note : ""};
    }

    function cardsBody() {
      var out = {};
      SIDES.forEach(function (side) {
        sides[side].teams.forEach(function (t) { out[String(t.id)] = sides[side].cards[t.id] || null; });
      });
      return out;
    }

    submitButton.addEventListener("click", function () {
      if (root.getAttribute("data-state") !== "confirm" || !answers.red || !answers.blue) return;
      var id = XinmiaoOutbox.newId();
      var item = {
        id: id, eventId: data.eventId, code: data.code, matchId: match.id, number: match.number,
        total: M.red + " " + sides.red.result.total + " : " + M.blue + " " + sides.blue.result.total,
        body: {red: sideBody("red"), blue: sideBody("blue"), cards: cardsBody(), client_score_id: id,
               base_version: match.version}
      };
      box.put(item);
      setState("sending");
      confirmBox.hidden = true;
      finish.disabled = true;   // sent once: the form is done (the outbox keeps it)
      document.getElementById("match-bar").hidden = true;
      var result = document.getElementById("result-box"), out = document.getElementById("result-text");
      result.hidden = false;
      out.textContent = M.sending;
      box.send(item).then(function (r) {
        var kind = r ? r.kind : "offline";
        if (kind === "sent") { out.textContent = fmt(M.sent, {red: r.body.red_score, blue: r.body.blue_score}); setState("sent"); }
        else if (kind === "rejected") {
          out.textContent = fmt(r.conflict ? M.conflict : M.rejected, {detail: r.detail || ""});
          setState(r.conflict ? "conflict" : "rejected");
          if (r.conflict) {
            var link = document.getElementById("result-match");
            link.href = "/referee/matches/" + match.id;
            link.hidden = false;
          }
        } else if (kind === "auth") { out.textContent = M.auth; setState("queued"); }
        else { out.textContent = M.queued; setState("queued"); }
      });
    });

    update();
    K.registerWorker();
  }

  var dataEl = document.getElementById("referee-data");
  var listRoot = document.getElementById("match-list"), formRoot = document.getElementById("match-page");
  if (dataEl && listRoot) listPage(listRoot, JSON.parse(dataEl.textContent));
  if (dataEl && formRoot) matchPage(formRoot, JSON.parse(dataEl.textContent));

  window.XinmiaoMatchReferee = {winnerOf: winnerOf, disqualified: disqualified};
})();
