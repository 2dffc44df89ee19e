/* Xinmiao judge pages: the tablet scoring page and the judge's entry list.
 *
 * Scores survive a dropped connection. Every edit is written to localStorage under
 * "xinmiao:score:<user>:<entry>" together with the version of the server's sheet it was
 * based on, then sent with PUT /judging/entries/<entry>/score (session cookie plus the
 * x-csrftoken header). The server's PUT is idempotent and versioned: a replay of what is
 * stored answers 200, a stale version answers 409 with the server's current sheet, so a
 * late replay never overwrites a newer edit. The queue is sent again on the "online"
 * event, every 10 seconds (longer while it keeps failing), and on every judge page load. The
 * queue is the shared offline outbox (app/static/outbox.js, loaded before this script); the
 * sheet open on the scoring page is sent by the page itself, the others by the outbox.
 *
 * The live total is computed exactly like the server: sum(points / max * weight) with
 * exact decimal fractions (BigInt), rounded half-up to 2 decimals for display.
 */
(function () {
  "use strict";

  var PREFIX = "xinmiao:score:";
  var RETRY_MS = 10000;
  var REQUEST_TIMEOUT_MS = 15000;

  // ------------------------------------------------------------------ storage: the outbox

  /* The user's queued sheets ("xinmiao:score:<user>:<entry>"), one per entry. `current`: the
   * entry the page sends itself; `report(item, kind, body)` after each attempt by the outbox. */
  function outbox(userId, current, report) {
    var box = XinmiaoOutbox.create({
      key: PREFIX + userId + ":", retryMs: RETRY_MS,
      id: function (item) { return item.entryId; },
      same: sameSheet,
      skip: function (item) { return !item.url || (current !== null && String(item.entryId) === String(current)); },
      send: function (item, options) {
        return send(item, options && options.keepalive).then(function (res) {
          var kind = {saved: "sent", conflict: "conflict", locked: "rejected", rejected: "rejected", auth: "auth"}[res.kind] || "offline";
          return {kind: kind, sheet: res};
        });
      },
      onState: function (item, kind, result) {
        if (current !== null && String(item.entryId) === String(current)) return;   // the page handles its own
        var res = result ? result.sheet : {kind: "offline"};
        if (res.kind === "saved") {   // edited meanwhile (another tab): the edit now builds on the saved version
          var now = box.get(item.entryId);
          if (now) { now.baseVersion = res.body.version; box.put(now); }
        }
        if (report) report(item.entryId, res.kind, res.body);
      }
    });
    return box;
  }

  function fmt(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (all, k) { return values[k] !== undefined ? values[k] : all; });
  }

  // ------------------------------------------------------------------ exact decimals

  var HAS_BIGINT = typeof BigInt === "function";
  var B0 = HAS_BIGINT ? BigInt(0) : 0, B1 = HAS_BIGINT ? BigInt(1) : 1, B2 = HAS_BIGINT ? BigInt(2) : 2;
  var B10 = HAS_BIGINT ? BigInt(10) : 10, B100 = HAS_BIGINT ? BigInt(100) : 100;

  function pow10(n) { var r = B1; for (var i = 0; i < n; i++) r = r * B10; return r; }
  function gcd(a, b) { if (a < B0) a = -a; if (b < B0) b = -b; while (b !== B0) { var t = a % b; a = b; b = t; } return a; }
  function reduce(f) { var g = gcd(f.num, f.den); return g > B1 ? {num: f.num / g, den: f.den / g} : f; }

  /* "7.5" -> {num: 75, den: 10}; also "4E+1" (Python Decimal's normalized form); null if not a number. */
  function parseDecimal(text) {
    var m = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(String(text == null ? "" : text));
    if (!m || (m[2] === "" && !m[3])) return null;
    var frac = m[3] || "";
    var scale = frac.length - (m[4] ? parseInt(m[4], 10) : 0);
    if (!HAS_BIGINT) {
      var x = parseFloat((m[1] || "") + (m[2] || "0") + "." + (frac || "0") + (m[4] ? "e" + m[4] : ""));
      return isFinite(x) ? {num: x, den: 1, float: true} : null;
    }
    var digits = BigInt((m[2] || "0") + frac);
    if (m[1] === "-") digits = -digits;
    if (scale < 0) return {num: digits * pow10(-scale), den: B1};
    return {num: digits, den: pow10(scale)};
  }
  /* Round a non-negative fraction to `prec` significant digits, half-up (or half-even),
   * as Python's decimal module does after every operation in a context of that precision. */
  function roundSig(f, prec, halfEven) {
    if (!HAS_BIGINT || !prec || f.num === B0) return f;
    var e = f.num.toString().length - f.den.toString().length;  // 10^(e-1) <= f < 10^(e+1)
    var low = e >= 0 ? {num: pow10(e), den: B1} : {num: B1, den: pow10(-e)};
    if (compare(f, low) < 0) e -= 1;
    var scale = prec - 1 - e;
    var num = scale >= 0 ? f.num * pow10(scale) : f.num, den = scale >= 0 ? f.den : f.den * pow10(-scale);
    var q = num / den, twice = (num % den) * B2;
    if (twice > den || (twice === den && (!halfEven || q % B2 === B1))) q = q + B1;
    return reduce(scale >= 0 ? {num: q, den: pow10(scale)} : {num: q * pow10(-scale), den: B1});
  }
  // The server (judging.rules.judge_scorer) sums points * weight * (D / max) exactly and
  // divides by D once, at PRECISION (50) significant digits, ROUND_HALF_UP; the sheet's
  // stored total is then that value normalized (28 digits, half-even) by rules.plain.
  var PRECISION = 50;
  function add(a, b) {
    if (!HAS_BIGINT) return {num: a.num / a.den + b.num / b.den, den: 1};
    return reduce({num: a.num * b.den + b.num * a.den, den: a.den * b.den});
  }
  /* points / max * weight, exactly */
  function term(points, weight, max) {
    if (!HAS_BIGINT) return {num: points.num / points.den / (max.num / max.den) * (weight.num / weight.den), den: 1};
    return reduce({num: points.num * max.den * weight.num, den: points.den * max.num * weight.den});
  }
  /* The judge's total as the server stores it. */
  function stored(total) { return roundSig(roundSig(total, PRECISION, false), 28, true); }
  function compare(a, b) {  // -1, 0, 1
    if (!HAS_BIGINT) { var d = a.num / a.den - b.num / b.den; return d < 0 ? -1 : d > 0 ? 1 : 0; }
    var l = a.num * b.den, r = b.num * a.den;
    return l < r ? -1 : l > r ? 1 : 0;
  }
  /* Half-up rounding to `places` decimals (the event's score_decimals, 0..4), as text
   * with that many places ("85.60" for 2, "85.6" for 1, "86" for 0). */
  function textN(f, places) {
    places = places === undefined || places === null ? 2 : Number(places);
    if (!HAS_BIGINT) {
      var scale = Math.pow(10, places);
      return (Math.round((f.num / f.den) * scale + 1e-9) / scale).toFixed(places);
    }
    var negative = f.num < B0, num = negative ? -f.num : f.num, factor = B1;
    for (var i = 0; i < places; i++) factor = factor * B10;
    var q = (num * factor * B2 + f.den) / (B2 * f.den);
    var s = q.toString();
    while (s.length < places + 1) s = "0" + s;
    var text = places ? s.slice(0, -places) + "." + s.slice(-places) : s;
    return (negative && q !== B0 ? "-" : "") + text;
  }
  /* Half-up rounding to 2 decimals, as text ("85.60"). */
  function text2(f) { return textN(f, 2); }
  /* A terminating fraction as plain decimal text without trailing zeros, like the server's
   * rules.plain: {num: 725, den: 10} -> "72.5", 0 -> "0". */
  function plainText(f) {
    if (!HAS_BIGINT) return String(f.num / f.den);
    var negative = f.num < B0, num = negative ? -f.num : f.num, scale = B1, k = 0;
    while (scale % f.den !== B0) { scale = scale * B10; k++; if (k > 100) return null; }
    var digits = (num * (scale / f.den)).toString();
    while (digits.length <= k) digits = "0" + digits;
    var text = k ? (digits.slice(0, -k) + "." + digits.slice(-k)).replace(/0+$/, "").replace(/\.$/, "") : digits;
    return (negative && text !== "0" ? "-" : "") + text;
  }
  /* A judge's total for `rubric` ([{code, weight, max_points}]) and `points` ({code: text}),
   * as the server computes it (judging.scoring.total_of): {stored: the server's stored text
   * ("" until every criterion is scored), display: half-up to `places` decimals (default 2;
   * "" when nothing is scored; the partial sum on a partial sheet), complete, missing: criteria
   * not scored}. */
  function total(rubric, points, places) {
    var sum = parseDecimal("0"), missing = 0;
    rubric.forEach(function (c) {
      var v = points[c.code], p = v !== undefined && v !== null && v !== "" ? parseDecimal(v) : null;
      if (p) sum = add(sum, term(p, parseDecimal(c.weight), parseDecimal(c.max_points))); else missing++;
    });
    var value = stored(sum);
    return {stored: missing ? "" : plainText(value), display: missing === rubric.length ? "" : textN(value, places),
            complete: missing === 0, missing: missing};
  }
  /* Canonical text of a points value: "7.50" -> "7.5", "08" -> "8"; null if not a plain decimal. */
  function canonical(text) {
    var m = /^\s*(\d*)(?:\.(\d*))?\s*$/.exec(String(text == null ? "" : text));
    if (!m || (m[1] === "" && !m[2])) return null;
    var whole = (m[1] || "0").replace(/^0+(?=\d)/, ""), frac = (m[2] || "").replace(/0+$/, "");
    return frac ? whole + "." + frac : whole;
  }
  function decimalsOf(text) { var i = text.indexOf("."); return i < 0 ? 0 : text.length - i - 1; }
  function sameNumber(a, b) {
    var x = parseDecimal(a), y = parseDecimal(b);
    return x !== null && y !== null && compare(x, y) === 0;
  }
  function sameSheet(a, b) {
    var ca = a.criteria || {}, cb = b.criteria || {}, k;
    for (k in ca) { if (Object.prototype.hasOwnProperty.call(ca, k) && !(k in cb && sameNumber(ca[k], cb[k]))) return false; }
    for (k in cb) { if (Object.prototype.hasOwnProperty.call(cb, k) && !(k in ca)) return false; }
    return String(a.comment || "").trim() === String(b.comment || "").trim();
  }

  // ------------------------------------------------------------------ sending

  /* PUT one queued sheet. Resolves to {kind, body}: saved | conflict | locked | rejected | auth | offline. */
  function send(item, keepalive) {
    var body = {criteria: item.criteria, comment: item.comment, version: item.baseVersion};
    return XinmiaoOutbox.request(item.url, {method: "PUT", body: body, keepalive: keepalive, timeoutMs: REQUEST_TIMEOUT_MS})
      .then(function (a) {
        if (a.network || a.unreadable) return {kind: "offline"};
        if (a.redirected) return {kind: "auth"};
        if (!a.json) return {kind: a.status >= 500 ? "offline" : "auth"};
        var data = a.body;
        if (a.ok) return {kind: "saved", body: data};
        if (a.status === 409) {
          var stale = data && data.extra && data.extra.current_version !== undefined && data.server;
          return {kind: stale ? "conflict" : "locked", body: data};
        }
        if (a.status >= 500) return {kind: "offline", body: data};
        if (a.status === 401) return {kind: "auth", body: data};
        return {kind: "rejected", body: data};
      });
  }

  // ------------------------------------------------------------------ the scoring page

  function scoringPage(root, data) {
    var M = data.messages;
    // this sheet is sent by the page (below); the user's other queued sheets by the outbox
    var box = outbox(data.userId, data.entryId, function (entryId, kind, body) { showProgress(body); });
    var server = data.server;                       // the server's sheet as last known
    var serverComplete = !!server.complete;         // whether the server counts this sheet as scored
    var version = server.version;                   // version our edits are based on
    var values = {criteria: Object.assign({}, server.criteria), comment: server.comment || ""};
    var locked = !!server.locked;
    var state = "new", timer = null, inFlight = false, again = false, conflictSheet = null;
    var rubric = {};
    data.rubric.forEach(function (c) { rubric[c.code] = {weight: parseDecimal(c.weight), max: parseDecimal(c.max_points), name: c.name}; });

    // punctuation of the page's language (the server sends it with the messages)
    function colon() { return M.colon || "："; }
    function paren(text) { return fmt(M.paren || "（{text}）", {text: text}); }

    var stateEl = document.getElementById("save-state");
    var totalEl = document.getElementById("total");
    var noteEl = document.getElementById("total-note");
    var conflictEl = document.getElementById("conflict");
    var localNotice = document.getElementById("local-notice");
    var comment = document.getElementById("comment");
    var fieldsets = Array.prototype.slice.call(root.querySelectorAll("fieldset.criterion"));

    function setState(name, extra) {
      state = name;
      var text;
      switch (name) {
        case "saved": text = extra ? fmt(M.savedAt, {time: extra}) : M.saved; break;
        case "saving": text = M.saving; break;
        case "pending": text = M.pending; break;
        case "queued": text = M.queued; break;
        case "queuedAuth": text = M.queuedAuth; break;
        case "conflict": text = M.conflict + (extra !== undefined ? paren(fmt(M.serverVersion, {version: extra})) : ""); break;
        case "locked": text = M.locked + (extra ? colon() + extra : ""); break;
        case "error": text = M.error + (extra ? colon() + extra : ""); break;
        default: text = M["new"];
      }
      stateEl.setAttribute("data-state", name);
      stateEl.textContent = text;
      if (name === "queuedAuth") {
        var link = document.createElement("a");
        link.href = "/login?next=" + encodeURIComponent(location.pathname);
        link.textContent = " " + M.login;
        stateEl.appendChild(link);
      }
      root.setAttribute("data-save-state", name);
    }

    // the header's "已评 x" count: the server's count (from a save's answer: a save may complete
    // or un-complete a sheet) plus the complete sheets of this event queued on this device that
    // the server does not count yet, shown as such ("已评 3（其中 1 个未发送）")
    var scoredEl = document.getElementById("scored-count");
    function unsentScored() {
      return box.items().filter(function (i) {
        return String(i.eventId) === String(data.eventId) && i.complete && !i.wasScored && !i.rejected;
      }).length;
    }
    function showCount() {
      if (!scoredEl) return;
      var done = Number(scoredEl.getAttribute("data-scored")) || 0, unsent = unsentScored();
      scoredEl.setAttribute("data-unsent", unsent);
      scoredEl.textContent = fmt(M.scoredCount, {done: done + unsent}) + (unsent ? fmt(M.unsentCount, {n: unsent}) : "");
      scoredEl.classList.toggle("has-unsent", unsent > 0);
    }
    function showProgress(body) {
      var p = body && body.progress;
      if (!scoredEl || !p || p.event_id !== data.eventId) return;
      scoredEl.setAttribute("data-scored", p.scored);
      showCount();
    }

    function currentItem() { return box.get(data.entryId); }   // localStorage, or memory when it refuses
    function storeItem(item) {
      // what the counts need: the event, whether the sheet is complete, whether the server counts it already
      item.eventId = data.eventId;
      item.complete = total(data.rubric, item.criteria || {}).complete;
      item.wasScored = serverComplete;
      box.put(item);
      showCount();
    }
    function clearItem() { box.remove(data.entryId); showCount(); }

    // --- rendering
    function renderCriterion(fs, updateInput) {
      var code = fs.getAttribute("data-code"), value = values.criteria[code];
      fs.querySelectorAll("button.pt").forEach(function (b) {
        b.setAttribute("aria-pressed", value !== undefined && sameNumber(b.getAttribute("data-value"), value) ? "true" : "false");
      });
      var input = fs.querySelector("input.pts-input");
      if (updateInput) input.value = value !== undefined ? value : "";
      var r = rubric[code], out = fs.querySelector(".contrib-value"), p = value !== undefined ? parseDecimal(value) : null;
      out.textContent = p && r ? text2(term(p, r.weight, r.max)) : "—";
      fs.classList.toggle("scored", value !== undefined);
    }
    function renderTotal() {
      var t = total(data.rubric, values.criteria, data.decimals), missing = t.missing;
      totalEl.textContent = t.display || "—";
      totalEl.classList.toggle("partial", missing > 0);
      noteEl.textContent = missing ? fmt(M.incomplete, {n: missing}) : M.complete;
    }
    function renderAll() {
      fieldsets.forEach(function (fs) { renderCriterion(fs, true); showError(fs, ""); });
      if (comment) comment.value = values.comment;
      renderTotal();
    }
    function showError(fs, message) {
      var el = fs.querySelector(".field-error");
      el.textContent = message;
      el.hidden = !message;
      fs.querySelector("input.pts-input").classList.toggle("invalid", !!message);
    }

    // --- editing
    function validPoints(fs, text) {
      var value = canonical(text), r = rubric[fs.getAttribute("data-code")];
      if (value === null || decimalsOf(value) > 2) return null;
      var p = parseDecimal(value);
      if (!p || compare(p, parseDecimal("0")) < 0 || compare(p, r.max) > 0) return null;
      return value;
    }
    function setPoints(fs, value, fromInput) {
      values.criteria[fs.getAttribute("data-code")] = value;
      showError(fs, "");
      renderCriterion(fs, !fromInput);
      renderTotal();
      edited(fromInput ? 900 : 400);
    }
    function edited(delay) {
      if (locked) return;
      var previous = currentItem();
      var item = {
        entryId: data.entryId, userId: data.userId, url: data.url,
        criteria: Object.assign({}, values.criteria), comment: values.comment,
        // while a conflict is open the edits stay based on the old version until the judge chooses
        baseVersion: state === "conflict" && previous ? previous.baseVersion : version,
        queuedAt: new Date().toISOString()
      };
      if (previous && previous.unsure) item.unsure = previous.unsure;
      storeItem(item);
      if (state === "conflict") return;
      setState("pending");
      clearTimeout(timer);
      timer = setTimeout(flush, delay);
    }

    fieldsets.forEach(function (fs) {
      var input = fs.querySelector("input.pts-input");
      var step = parseFloat(fs.getAttribute("data-step")) || 1;
      var max = parseFloat(fs.getAttribute("data-max"));
      fs.querySelectorAll("button.pt").forEach(function (b) {
        b.addEventListener("click", function () { if (!locked) setPoints(fs, canonical(b.getAttribute("data-value")), false); });
      });
      function bump(sign) {
        if (locked) return;
        var current = values.criteria[fs.getAttribute("data-code")];
        var base = current !== undefined ? parseFloat(current) : (sign > 0 ? 0 : 0);
        var next = current === undefined && sign > 0 ? step : Math.round((base + sign * step) * 100) / 100;
        next = Math.min(max, Math.max(0, next));
        setPoints(fs, canonical(String(next)), false);
      }
      fs.querySelector("button.minus").addEventListener("click", function () { bump(-1); });
      fs.querySelector("button.plus").addEventListener("click", function () { bump(1); });
      input.addEventListener("input", function () {
        if (locked) return;
        if (input.value.trim() === "") { showError(fs, ""); return; }
        var value = validPoints(fs, input.value);
        if (value === null) { showError(fs, fmt(M.invalid, {max: fs.getAttribute("data-max")})); return; }
        setPoints(fs, value, true);
      });
      input.addEventListener("blur", function () {
        var value = values.criteria[fs.getAttribute("data-code")];
        if (input.value.trim() === "" || validPoints(fs, input.value) === null) { input.value = value !== undefined ? value : ""; showError(fs, ""); }
      });
    });
    if (comment) {
      comment.addEventListener("input", function () { values.comment = comment.value; edited(1200); });
    }
    var saveButton = document.getElementById("save-button");
    if (saveButton) saveButton.addEventListener("click", function () { flush(); });

    // --- sending
    function flush(keepalive) {
      clearTimeout(timer);
      if (locked) return;
      if (inFlight) { again = true; return; }
      var item = currentItem();
      if (!item) { if (state === "pending") setState("saved"); return; }
      if (state === "conflict" || item.rejected) return;
      if (navigator.onLine === false) { setState("queued"); return; }
      inFlight = true;
      setState("saving");
      box.send(item, {keepalive: keepalive === true}).then(function (result) {
        inFlight = false;
        if (result) handle(result.sheet || {kind: "offline"}, item);   // null: already on its way
        if (again) { again = false; flush(); }
      });
    }

    function handle(res, item) {
      var detail = res.body && res.body.detail;
      var now = currentItem();
      if (res.kind === "saved" || res.kind === "conflict") showProgress(res.body);
      if (res.kind === "saved") {
        version = res.body.version;
        serverComplete = !!res.body.complete;
        server = {criteria: Object.assign({}, item.criteria), comment: item.comment, version: version};
        if (now && !sameSheet(now, item)) {          // edited while the request was on its way
          now.baseVersion = version;
          delete now.unsure;
          storeItem(now);
          setState("pending");
          timer = setTimeout(flush, 300);
        } else {
          clearItem();
          setState("saved", res.body.saved_at);
          if (window.XinmiaoJudgeOffline) window.XinmiaoJudgeOffline.cachePages([location.pathname]);   // offline copy up to date
        }
      } else if (res.kind === "conflict") {
        var newer = res.body.server;
        if (now && now.unsure && sameSheet(now.unsure, newer)) {
          // the newer version on the server is our own earlier save whose answer was lost
          version = newer.version;
          now.baseVersion = version;
          delete now.unsure;
          storeItem(now);
          setState("pending");
          timer = setTimeout(flush, 100);
        } else {
          showConflict(newer);
        }
      } else if (res.kind === "locked") {
        lock(detail);
      } else if (res.kind === "rejected") {
        item.rejected = true;
        storeItem(item);
        setState("error", detail);
      } else if (res.kind === "auth") {
        setState("queuedAuth");
      } else {
        // not answered: the server may or may not have stored it; remember what was sent
        if (now) { now.unsure = {criteria: item.criteria, comment: item.comment}; storeItem(now); }
        setState("queued");
      }
    }

    function showConflict(sheet) {
      conflictSheet = sheet;
      setState("conflict", sheet.version);
      document.getElementById("conflict-text").textContent = fmt(M.conflictDetail, {version: sheet.version});
      var body = document.querySelector("#conflict-values tbody");
      body.innerHTML = "";
      function row(label, theirs, mine, differs) {
        var tr = document.createElement("tr");
        [label, theirs, mine].forEach(function (text, i) {
          var cell = document.createElement(i ? "td" : "th");
          cell.textContent = text;
          if (i && differs) cell.className = "differs";
          tr.appendChild(cell);
        });
        body.appendChild(tr);
      }
      data.rubric.forEach(function (c) {
        var mine = values.criteria[c.code], theirs = sheet.criteria[c.code];
        var differs = !(mine === undefined ? theirs === undefined : theirs !== undefined && sameNumber(mine, theirs));
        row(c.name, theirs !== undefined ? theirs : "—", mine !== undefined ? mine : "—", differs);
      });
      if ((sheet.comment || "").trim() !== (values.comment || "").trim()) row(M.comment, sheet.comment || "—", values.comment || "—", true);
      conflictEl.hidden = false;
      if (conflictEl.scrollIntoView) conflictEl.scrollIntoView({block: "center", behavior: "smooth"});
    }
    document.getElementById("use-server").addEventListener("click", function () {
      if (!conflictSheet) return;
      values = {criteria: Object.assign({}, conflictSheet.criteria), comment: conflictSheet.comment || ""};
      version = conflictSheet.version;
      server = conflictSheet;
      serverComplete = !!conflictSheet.complete;
      clearItem();
      conflictEl.hidden = true;
      conflictSheet = null;
      renderAll();
      setState("saved");
    });
    document.getElementById("keep-mine").addEventListener("click", function () {
      if (!conflictSheet) return;
      version = conflictSheet.version;
      var item = currentItem() || {entryId: data.entryId, userId: data.userId, url: data.url};
      item.criteria = Object.assign({}, values.criteria);
      item.comment = values.comment;
      item.baseVersion = version;
      delete item.rejected;
      storeItem(item);
      conflictEl.hidden = true;
      conflictSheet = null;
      state = "pending";
      flush();
    });

    function lock(detail) {
      locked = true;
      root.classList.add("locked");
      root.querySelectorAll("button.pt, button.step, input.pts-input, #comment, #save-button").forEach(function (el) { el.disabled = true; });
      setState("locked", detail);
      if (currentItem()) { localNotice.textContent = M.unsent + colon() + (detail || M.locked); localNotice.hidden = false; }
    }

    // --- start: show what is queued on this device and send it
    var queued = box.get(data.entryId);
    if (locked) {
      if (queued && !sameSheet(queued, server)) { localNotice.textContent = M.unsent + colon() + M.locked; localNotice.hidden = false; }
      setState("locked");
      renderAll();
    } else if (queued && sameSheet(queued, server)) {
      clearItem();
      renderAll();
      setState(server.version ? "saved" : "new");
    } else if (queued) {
      values = {criteria: Object.assign({}, server.criteria, queued.criteria), comment: queued.comment || ""};
      renderAll();
      setState(queued.rejected ? "error" : "queued");
      flush();
    } else {
      renderAll();
      setState(server.version ? "saved" : "new");
    }
    showCount();

    function others() { return box.flush(); }
    window.addEventListener("online", function () { flush(); });   // the outbox sends the others itself
    window.addEventListener("offline", function () { if (currentItem() && state !== "conflict" && !locked) setState("queued"); });
    setInterval(function () {
      if (!locked && state !== "conflict" && currentItem() && !inFlight) flush();
    }, RETRY_MS);
    document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden" && state === "pending") flush(true); });
    window.addEventListener("pagehide", function () { if (state === "pending") flush(true); });
    others();

    // for tests and the curious: the page's view of things
    root.xinmiao = {state: function () { return state; }, version: function () { return version; }, flush: flush};
  }

  // ------------------------------------------------------------------ the judge's entry list

  function listPage(root) {
    var userId = root.getAttribute("data-user-id");
    var messagesEl = document.getElementById("judge-messages");
    var M = messagesEl ? JSON.parse(messagesEl.textContent) : {};
    function mark(entryId, text, kind) {
      var card = root.querySelector('[data-entry-id="' + entryId + '"] .local-state');
      if (!card) return;
      card.textContent = text;
      card.className = "local-state badge local-" + kind;
      card.hidden = !text;
    }
    /* Show what the server stored for an entry (a save's answer, or the sheet a 409 sends back),
     * never the total rendered before the queued sheet was sent. */
    function showStored(entryId, sheet) {
      var card = root.querySelector('a[data-entry-id="' + entryId + '"]');
      if (!card || !sheet) return;
      var status = sheet.complete ? "scored" : (sheet.version ? "draft" : "pending");
      card.className = card.className.replace(/\bstatus-\w+/, "status-" + status);
      var badge = card.querySelector(".badge[class*='sheet-']");
      if (badge) {
        badge.className = badge.className.replace(/\bsheet-\w+/, "sheet-" + status);
        if (M.status && M.status[status]) badge.textContent = M.status[status];
      }
      var block = card.closest ? card.closest(".judge-event") : null;
      var places = block ? block.getAttribute("data-decimals") : null;
      var total = card.querySelector(".total"), value = sheet.complete ? parseDecimal(sheet.total) : null;
      if (total) { total.textContent = value ? textN(value, places) : ""; total.hidden = !value; }
    }
    /* Each event's "已评 x / y": the server's count plus the complete sheets queued on this
     * device for entries the server does not count as scored yet, shown as unsent. */
    function showCounts() {
      root.querySelectorAll(".judge-event").forEach(function (block) {
        var count = block.querySelector(".scored-count");
        if (!count || !M.progress) return;
        var done = Number(block.getAttribute("data-scored")) || 0, assigned = Number(block.getAttribute("data-assigned")) || 0;
        var unsent = 0;
        box.items().forEach(function (item) {
          if (!item.complete || item.rejected) return;
          var card = block.querySelector('a[data-entry-id="' + item.entryId + '"]');
          if (card && !/\bstatus-scored\b/.test(card.className)) unsent++;
        });
        block.setAttribute("data-unsent", unsent);
        count.textContent = fmt(M.progress, {done: done + unsent, total: assigned}) + (unsent ? fmt(M.unsentCount, {n: unsent}) : "");
        count.classList.toggle("has-unsent", unsent > 0);
      });
    }
    function showProgress(p) {
      var block = p && root.querySelector('[data-event-id="' + p.event_id + '"].judge-event');
      if (!block) return;
      var bar = block.querySelector(".judge-progress .bar"), fill = bar && bar.querySelector(".bar-fill");
      block.setAttribute("data-scored", p.scored);
      block.setAttribute("data-assigned", p.assigned);
      if (bar) bar.setAttribute("aria-valuenow", p.scored);
      if (fill) {
        fill.style.width = (p.assigned ? 100 * p.scored / p.assigned : 0).toFixed(1) + "%";
        fill.classList.toggle("full", p.assigned > 0 && p.scored >= p.assigned);
      }
    }
    // the outbox sends the queued sheets (now, on "online", and on its retry timer)
    var box = outbox(userId, null, function (entryId, kind, body) {
      if (kind === "saved") { showStored(entryId, body); showProgress(body && body.progress); mark(entryId, M.sentNow, "saved"); }
      else if (kind === "conflict") { showStored(entryId, body && body.server); showProgress(body && body.progress); mark(entryId, M.conflictShort, "conflict"); }
      else if (kind === "offline" || kind === "auth") mark(entryId, M.queued, "queued");
      showCounts();
    });
    function run() {
      box.items().forEach(function (item) { mark(item.entryId, M.unsent, "queued"); });
      showCounts();
      box.flush();
    }
    run();
    window.addEventListener("online", run);
  }

  // ------------------------------------------------------------------ offline pages

  /* The judge's pages open without the network once the list was opened online: the service
   * worker /judging/sw.js serves cached copies (app/static/judge-sw.js); the list puts its
   * entry pages into that cache, a scoring page refreshes its own copy after a save. Needs a
   * secure context (HTTPS, or localhost). */
  var PAGE_CACHE = "xinmiao-judge-pages";
  /* Resolves once the worker is active (it then serves the cached pages), or to null without one. */
  function registerWorker() {
    if (!navigator.serviceWorker || window.isSecureContext === false) return Promise.resolve(null);
    return navigator.serviceWorker.register("/judging/sw.js", {scope: "/judging/"}).then(function () {
      return navigator.serviceWorker.ready;
    }).catch(function () { return null; /* no offline pages */ });
  }
  /* Put ``paths`` into the page cache; ``progress(done, total)`` after each one (cached or not). */
  function cachePages(paths, progress) {
    if (!window.caches || navigator.onLine === false) return Promise.resolve(0);
    var finished = 0;
    function step(n) {
      finished += 1;
      if (progress) progress(finished, paths.length);
      return n;
    }
    return caches.open(PAGE_CACHE).then(function (cache) {
      return Promise.all(paths.map(function (path) {
        return fetch(path, {credentials: "same-origin", cache: "no-store", redirect: "manual"}).then(function (r) {
          var html = r.status === 200 && (r.headers.get("content-type") || "").indexOf("text/html") === 0;
          return html ? cache.put(path, r).then(function () { return 1; }) : 0;
        }, function () { return 0; }).then(step, function () { return step(0); });
      }));
    }).then(function (done) {
      var n = done.reduce(function (a, b) { return a + b; }, 0);
      document.documentElement.setAttribute("data-offline-pages", String(n));
      return n;
    }, function () { return 0; });
  }
  window.XinmiaoJudgeOffline = {cachePages: cachePages};

  // ------------------------------------------------------------------ start

  var dataEl = document.getElementById("score-data");
  var page = document.getElementById("score-page");
  if (dataEl && page) scoringPage(page, JSON.parse(dataEl.textContent));
  var list = document.getElementById("judge-list");
  if (list) listPage(list);
  var worker = (list || page) ? registerWorker() : null;
  if (list) {
    var paths = [location.pathname];
    list.querySelectorAll("a[data-entry-id]").forEach(function (a) { paths.push(a.getAttribute("href")); });
    offlineStatus(paths, worker);
  }

  /* The list says how far the offline copies are ("正在准备离线评分 12/80 …" -> "已可离线评分"):
   * the same prefetch as before, only counted (no extra requests). Hidden where pages cannot be
   * kept offline (no service worker or cache: an insecure context). */
  function offlineStatus(paths, workerReady) {
    var el = document.getElementById("offline-status");
    var messagesEl = document.getElementById("judge-messages");
    var M = messagesEl ? JSON.parse(messagesEl.textContent) : {};
    var usable = el && window.caches && navigator.serviceWorker && window.isSecureContext !== false && navigator.onLine !== false;
    function show(text, state) {
      if (!usable) return;
      el.textContent = text;
      el.setAttribute("data-state", state);
      el.hidden = false;
    }
    function fill(template, done, total) { return template.replace("{done}", done).replace("{total}", total); }
    show(fill(M.offlinePreparing || "", 0, paths.length), "preparing");
    Promise.all([cachePages(paths, function (done, total) {
      if (done < total) show(fill(M.offlinePreparing || "", done, total), "preparing");
    }), workerReady]).then(function (results) {
      var cached = results[0], active = results[1];
      if (!active) { if (el) el.hidden = true; return; }
      if (cached >= paths.length) show(M.offlineReady || "", "ready");
      else show(fill(M.offlinePartial || "", cached, paths.length), "partial");
    });
  }

  window.XinmiaoJudge = {parseDecimal: parseDecimal, term: term, add: add, stored: stored, text2: text2, textN: textN, canonical: canonical,
                         plainText: plainText, total: total};
})();
