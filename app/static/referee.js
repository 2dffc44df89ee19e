/* Xinmiao referee tablets (issue 13 item 3): the queue of a challenge and the run form.
 *
 * The run form's live total is computed here exactly as judging/robotics/sheets.py's score_run
 * computes it on the server (XinmiaoReferee.score is that port, with exact decimals on BigInt,
 * keeping Python Decimal's exponents so "12.50" x 2 shows "25.00" as the server stores it):
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
  var PAGE_CACHE = "xinmiao-referee-pages";
  var TIMEOUT_MS = 15000;

  function fmt(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (all, k) { return values[k] !== undefined ? values[k] : all; });
  }

  // ------------------------------------------------------------------ exact decimals (Python Decimal)

  /* A decimal {v: BigInt digits, s: scale}: the number is v * 10^-s (s may be negative, as the
   * exponent of Python's Decimal("1E+2")). null when `x` is not a finite number. */
  function dec(x) {
    if (x === null || x === undefined || typeof x === "boolean") return null;
    var text = typeof x === "number" ? String(x) : String(x).trim();
    var m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
    if (!m || (m[2] === "" && !m[3])) return null;
    var frac = m[3] || "";
    var v = BigInt((m[2] || "0") + frac);
    if (m[1] === "-") v = -v;
    return {v: v, s: frac.length - (m[4] ? parseInt(m[4], 10) : 0)};
  }
  var TEN = BigInt(10);
  function pow10(n) { var r = BigInt(1); for (var i = 0; i < n; i++) r = r * TEN; return r; }
  function align(a, b) {
    var s = Math.max(a.s, b.s);
    return [a.v * pow10(s - a.s), b.v * pow10(s - b.s), s];
  }
  function add(a, b) { var x = align(a, b); return {v: x[0] + x[1], s: x[2]}; }
  function mul(a, b) { return {v: a.v * b.v, s: a.s + b.s}; }
  function cmp(a, b) { var x = align(a, b); return x[0] < x[1] ? -1 : x[0] > x[1] ? 1 : 0; }
  function isInteger(a) { return a.s <= 0 || a.v % pow10(a.s) === BigInt(0); }
  var ZERO = {v: BigInt(0), s: 0};
  var ONE = {v: BigInt(1), s: 0};
  /* format(Decimal, "f"): all digits, no exponent */
  function text(a) {
    if (a.s <= 0) return (a.v * pow10(-a.s)).toString();
    var neg = a.v < BigInt(0), digits = (neg ? -a.v : a.v).toString();
    while (digits.length <= a.s) digits = "0" + digits;
    return (neg ? "-" : "") + digits.slice(0, digits.length - a.s) + "." + digits.slice(digits.length - a.s);
  }
  /* a number as people read it: Decimal's str() for the messages the server words the same way */
  function plain(a) { return text(a); }

  // ------------------------------------------------------------------ the sheet and a run's score

  function num(x, fallback) { var d = dec(x); return d === null ? fallback : d; }

  /* The sheet's JSON as score_run reads it (parse_sheet's defaults). */
  function readSheet(source) {
    var items = (source.items || []).map(function (raw) {
      return {
        code: String(raw.code), name: String(raw.name || raw.code), type: raw.type,
        min: num(raw.min === undefined ? 0 : raw.min, ZERO),
        max: raw.max === undefined || raw.max === null ? null : dec(raw.max),
        points: num(raw.points === undefined ? 0 : raw.points, ZERO),
        options: (raw.options || []).map(function (o) {
          return {value: String(o.value).trim(), name: String(o.name || o.value), points: num(o.points, ZERO)};
        }),
        requires: raw.requires ? {item: String(raw.requires.item).trim(), atLeast: num(raw.requires.at_least === undefined ? 1 : raw.requires.at_least, ONE)} : null,
        variants: (raw.variants || []).map(String)
      };
    });
    return {
      items: items,
      restrictions: (source.restrictions || []).map(function (r) {
        return {items: (r.items || []).map(String), max: num(r.max, ZERO), message: String(r.message || "").trim(),
                maxItem: r.max_item ? String(r.max_item).trim() : null};
      }),
      bonuses: (source.bonuses || []).map(function (b) {
        return {name: String(b.name || b.when.item), points: num(b.points, ZERO), item: String(b.when.item),
                atMost: num(b.when.at_most === undefined ? 0 : b.when.at_most, ZERO)};
      }),
      variants: (source.variants || []).map(function (v) { return String(v.code).trim(); }),
      timeLimit: source.time_limit_seconds === undefined || source.time_limit_seconds === null ? null : dec(source.time_limit_seconds),
      minTotal: source.min_total === undefined || source.min_total === null ? null : dec(source.min_total)
    };
  }

  function applies(item, variant) { return !item.variants.length || item.variants.indexOf(variant) >= 0; }

  /* score_run: {complete, total (text), score (decimal), points {code: decimal}, entered,
   * missing [codes], errors {code: message}, restrictions [messages], needDraw, time}.
   * Unlike the server it also scores a run still being filled in (the total of what is entered). */
  function score(sheet, values, variant, M) {
    M = M || {};
    var result = {complete: false, missing: [], errors: {}, restrictions: [], points: {}, entered: {}, needDraw: false};
    if (sheet.variants.length && sheet.variants.indexOf(variant) < 0) result.needDraw = true;
    var playing = sheet.items.filter(function (i) { return applies(i, variant); });
    playing.forEach(function (item) {
      var raw = values[item.code];
      if (raw === undefined || raw === null || raw === "") { result.missing.push(item.code); return; }
      var value = null;
      if (item.type === "yesno") {
        if (typeof raw === "boolean") value = raw ? ONE : ZERO;
      } else if (item.type === "choice") {
        if (item.options.some(function (o) { return o.value === String(raw); })) value = ZERO;
      } else {
        value = dec(raw);
        if (value === null) { result.errors[item.code] = fmt(M.notNumber || "", {name: item.name}); return; }
        if (item.type === "count" && !isInteger(value)) { result.errors[item.code] = fmt(M.notInteger || "", {name: item.name}); return; }
        if (cmp(value, item.min) < 0 || (item.max !== null && cmp(value, item.max) > 0)) {
          result.errors[item.code] = fmt(M.outOfRange || "", {name: item.name, value: plain(value), min: plain(item.min),
                                                                   max: item.max !== null ? plain(item.max) : "∞"});
          return;
        }
        var limit = item.max !== null ? item.max : sheet.timeLimit;
        if (item.type === "time" && limit !== null && cmp(value, limit) > 0) {
          result.errors[item.code] = fmt(M.overLimit || "", {name: item.name, value: plain(value), limit: plain(limit)});
          return;
        }
      }
      if (value !== null) result.entered[item.code] = value;
    });
    sheet.restrictions.forEach(function (r) {
      var sum = r.items.reduce(function (acc, code) { return add(acc, result.entered[code] || ZERO); }, ZERO);
      if (r.maxItem && result.missing.indexOf(r.maxItem) >= 0) return;  // its bound is not answered yet
      var bound = r.maxItem ? (result.entered[r.maxItem] || ZERO) : r.max;
      if (cmp(sum, bound) > 0) result.restrictions.push(r.message);
    });
    var total = ZERO;
    playing.forEach(function (item) {
      if (!(item.code in result.entered)) return;
      var p;
      if (item.requires && cmp(result.entered[item.requires.item] || ZERO, item.requires.atLeast) < 0) {
        p = ZERO;
        result.points[item.code] = {value: p, notCounted: true};
      } else {
        var value = result.entered[item.code];
        if (item.type === "count") p = mul(value, item.points);
        else if (item.type === "yesno") p = value.v !== BigInt(0) ? item.points : ZERO;
        else if (item.type === "choice") {
          var chosen = String(values[item.code]);
          p = item.options.filter(function (o) { return o.value === chosen; })[0].points;
        } else p = ZERO;
        result.points[item.code] = {value: p};
      }
      total = add(total, p);
    });
    sheet.bonuses.forEach(function (b) {
      if (b.item in result.entered && cmp(result.entered[b.item], b.atMost) <= 0) {
        result.points["bonus:" + b.name] = {value: b.points};
        total = add(total, b.points);
      }
    });
    if (sheet.minTotal !== null && cmp(total, sheet.minTotal) < 0) total = sheet.minTotal;  // "a negative total counts as 0"
    result.score = total;
    result.total = text(total);
    result.complete = !result.needDraw && !result.missing.length && !Object.keys(result.errors).length && !result.restrictions.length;
    return result;
  }

  // ------------------------------------------------------------------ the outbox of runs

  function outbox(userId, onState) {
    var box = XinmiaoOutbox.create({
      key: PREFIX + userId + ":", retryMs: 8000,
      send: function (item, options) {
        return XinmiaoOutbox.request("/referee/runs", {method: "POST", body: item.body, timeoutMs: TIMEOUT_MS,
                                                       keepalive: options && options.keepalive}).then(function (r) {
          var detail = r.json && r.body ? r.body.detail : "";
          if (r.status === 200 || r.status === 201) return {kind: "sent", body: r.body};
          if (r.redirected || r.status === 401) return {kind: "auth"};
          if (r.status === 409) return {kind: "rejected", conflict: true, detail: detail};
          if (r.status === 400 || r.status === 403 || r.status === 404 || r.status === 422) return {kind: "rejected", detail: detail};
          return {kind: "offline"};
        });
      },
      onState: function (item, kind, result) {
        if (kind === "rejected" && result) {
          var now = box.get(item.id);
          if (now) { now.detail = result.detail || ""; now.conflict = !!result.conflict; now.rejected = true; box.put(now); }
        }
        if (onState) onState(item, kind, result);
      }
    });
    return box;
  }

  function mine(box, data) {
    return box.items().filter(function (i) { return String(i.eventId) === String(data.eventId) && i.code === data.code; });
  }

  // ------------------------------------------------------------------ offline pages

  function registerWorker() {
    if (!navigator.serviceWorker || window.isSecureContext === false) return;
    navigator.serviceWorker.register("/referee/sw.js", {scope: "/referee/"}).catch(function () { /* no offline pages */ });
  }
  function cachePages(paths) {
    if (!window.caches || navigator.onLine === false) return Promise.resolve(0);
    return caches.open(PAGE_CACHE).then(function (cache) {
      return Promise.all(paths.map(function (path) {
        return fetch(path, {credentials: "same-origin", cache: "no-store", redirect: "manual"}).then(function (r) {
          var html = r.status === 200 && (r.headers.get("content-type") || "").indexOf("text/html") === 0;
          return html ? cache.put(path, r).then(function () { return 1; }) : 0;
        }, function () { return 0; });
      }));
    }).then(function (done) {
      var n = done.reduce(function (a, b) { return a + b; }, 0);
      document.documentElement.setAttribute("data-offline-pages", String(n));
      return n;
    }, function () { return 0; });
  }

  // ------------------------------------------------------------------ the network comes back

  function backOnline(M) {
    // the "network is down" notice goes once the network is back (the page copy may be older:
    // say so instead of keeping the warning until the page is reloaded)
    var notice = document.getElementById("cached-notice");
    if (!notice || notice.hidden) return;
    notice.textContent = M.online;
    notice.className = "flash success";
    window.setTimeout(function () { notice.hidden = true; }, 4000);
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

    function fieldset(code) { return root.querySelector('fieldset.item[data-code="' + code + '"]'); }
    function itemOf(code) { return sheet.items.filter(function (i) { return i.code === code; })[0]; }

    root.querySelectorAll("fieldset.item").forEach(function (fs) {
      var code = fs.getAttribute("data-code"), item = itemOf(code), type = fs.getAttribute("data-type");
      if (type === "count") {
        var input = fs.querySelector(".count-value");
        var set = function (n) { values[code] = n; input.value = n === "" ? "" : String(n); update(); };
        fs.querySelector(".minus").addEventListener("click", function () {
          var d = dec(values[code]), min = Number(text(item.min));
          set(d === null ? min : Math.max(min, Number(text(d)) - 1));
        });
        fs.querySelector(".plus").addEventListener("click", function () {
          var d = dec(values[code]), min = Number(text(item.min)), max = item.max === null ? Infinity : Number(text(item.max));
          set(Math.min(max, d === null ? min + 1 : Number(text(d)) + 1));
        });
        input.addEventListener("input", function () { values[code] = input.value.trim(); update(); });
      } else if (type === "yesno" || type === "choice") {
        fs.querySelectorAll("button.answer").forEach(function (b) {
          b.addEventListener("click", function () {
            var v = b.getAttribute("data-value");
            values[code] = type === "yesno" ? v === "yes" : v;
            fs.querySelectorAll("button.answer").forEach(function (o) { o.setAttribute("aria-pressed", String(o === b)); });
            update();
          });
        });
      } else {
        var t = fs.querySelector(".time-value");
        t.addEventListener("input", function () { values[code] = t.value.trim(); update(); });
      }
    });

    function playingValues() {
      var out = {};
      sheet.items.forEach(function (i) { if (applies(i, variant) && i.code in values && values[i.code] !== "") out[i.code] = values[i.code]; });
      return out;
    }

    function update() {
      var r = score(sheet, playingValues(), variant, M);
      last = r;
      root.querySelectorAll("fieldset.item").forEach(function (fs) {
        var code = fs.getAttribute("data-code"), p = r.points[code];
        var err = fs.querySelector(".field-error"), pts = fs.querySelector(".item-points");
        err.hidden = !r.errors[code];
        err.textContent = r.errors[code] || "";
        fs.classList.toggle("answered", code in r.entered);
        fs.classList.toggle("invalid", !!r.errors[code]);
        if (fs.getAttribute("data-type") === "time") {   // the time adds nothing: show the time itself
          pts.textContent = code in r.entered && !r.errors[code] ? fmt(M.seconds, {s: values[code]}) : "";
        } else {
          pts.textContent = p ? (p.notCounted ? M.notCounted : "= " + text(p.value)) : "";
        }
      });
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

  window.XinmiaoReferee = {dec: dec, text: text, readSheet: readSheet, score: score};
})();
