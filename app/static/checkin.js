/* Xinmiao check-in scan page (templates/competitions/checkin_scan.html).
 *
 * Three ways in: a USB scanner typing into #scan-input (text + Enter or Tab, Caps Lock on or
 * off; an active Chinese input method is detected and the operator told to switch), the
 * camera (native BarcodeDetector when the browser has it, else the vendored jsQR library on
 * canvas frames), and search by name with a 签到 button per person.
 *
 * Weak network: every scan gets its own client_scan_id, the device's time (ISO 8601 with
 * offset) and the device name, and is written to localStorage under
 * "xinmiao:checkin:<session>:q:<client_scan_id>" BEFORE it is sent. It leaves the queue only
 * when the server has answered (a result, or 422/404 for a forged/unknown credential). A
 * network error, a timeout (4 s) or a 5xx keeps it queued (amber); the queue is sent again on
 * "online", every few seconds (longer while it keeps failing) and on every page load. The queue
 * is the shared offline outbox (app/static/outbox.js, loaded before this script). The server stores a repeated
 * client_scan_id once and answers it as before, so replays are safe. A 401/403 (logged out)
 * keeps the queue and asks the operator to log in again.
 *
 * The last scans and their states are kept per session in "xinmiao:checkin:<session>:recent".
 *
 * Offline reload: the page registers the service worker /checkin/sw.js (app/static/checkin-sw.js),
 * which keeps a copy of this page, this script, app.css and jsQR, so a phone that reloads the
 * tab while the network is down still gets the scanner and its queue.
 *
 * Times: the recent list shows the server's time of a check-in when the server has answered,
 * and the device's time (in the event's time zone UTC+8) otherwise, marked 本机时间 only while
 * the server has still to answer (queued, sending); a refusal (by the server or on the spot)
 * is final and shows the scan's time unmarked.
 *
 * Scanner in another field: a USB scanner types into whatever has the focus. When the search
 * box, the device name or any other text field holds a credential right before its caret on
 * Enter/Tab, the credential is cut out (the field gets its own text back, nothing is saved)
 * and scanned as if typed into #scan-input.
 *
 * Stale panel: 8 s after a result the panel is dimmed and labelled as the previous scan, so a
 * glance after a scan that went nowhere does not read the last person's green as a new answer.
 *
 * Offline repeats: a scan queued while this device already has the same credential (or person)
 * in its queue, or saw it checked in (recent list), gets a local hint; it is still queued and
 * sent, the server judges. The recent list keeps only what it shows of a credential (XM and its
 * last six characters), never the credential itself.
 */
(function () {
  "use strict";

  var dataEl = document.getElementById("checkin-data");
  var root = document.getElementById("checkin-page");
  if (!dataEl || !root) return;
  var data = JSON.parse(dataEl.textContent);
  var M = data.messages;
  var PREFIX = "xinmiao:checkin:" + data.sessionId + ":";
  var QUEUE = PREFIX + "q:";
  var RECENT_KEY = PREFIX + "recent";
  var DEVICE_KEY = "xinmiao:checkin:device";
  var SOUND_KEY = "xinmiao:checkin:sound";
  var TIMEOUT_MS = 4000;
  var RETRY_MS = 8000;
  var CAMERA_REPEAT_MS = 2500;
  var RECENT_MAX = 30;
  var CREDENTIAL_TEXT = "XM[A-Z2-7018]{24}";   // the server also reads 0/1/8 as O/I/B
  var CREDENTIAL = new RegExp("^" + CREDENTIAL_TEXT + "$");
  // typed by hand: one character short or over is sent too, the server tells a typo from a forgery
  var TYPED_CREDENTIAL = /^XM[A-Z2-7018]{23,25}$/;
  var NON_ASCII = /[^\x00-\x7f]/;
  var BAD = {revoked: 1, wrong_event: 1, invalid: 1, ime: 1};
  var EVENT_OFFSET_MIN = 8 * 60;   // Asia/Shanghai, no daylight saving time
  var IME_QUIET_MS = 300;          // an input-method burst is over after this long without keys
  var STALE_MS = 8000;             // the result panel then shows the previous scan, dimmed
  var CREDENTIAL_BEFORE = new RegExp(CREDENTIAL_TEXT + "$", "i");   // a scanner just typed it (before the caret)

  function $(id) { return document.getElementById(id); }
  function fmt(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (all, k) { return values[k] !== undefined && values[k] !== null ? values[k] : all; });
  }

  // ------------------------------------------------------------------ storage

  // the device's own settings and recent list; the queue of scans is the outbox below
  var local = XinmiaoOutbox.storage(true);   // localStorage, mirrored in memory (private mode, quota)
  function readItem(key) { return local.read(key); }
  function writeItem(key, value) { local.write(key, value); }

  // ------------------------------------------------------------------ small helpers

  function pad(n, width) { n = String(n); while (n.length < (width || 2)) n = "0" + n; return n; }
  var isoNow = XinmiaoOutbox.deviceTime;   // ISO 8601 with the device's offset: 2026-05-01T08:30:12.345+08:00
  /* "HH:MM" of a moment in the event's time zone (UTC+8), whatever the device's time zone. */
  function eventClock(iso, seconds) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return "";
    var t = new Date(d.getTime() + EVENT_OFFSET_MIN * 60000);
    return pad(t.getUTCHours()) + ":" + pad(t.getUTCMinutes()) + (seconds ? ":" + pad(t.getUTCSeconds()) : "");
  }
  /* "HH:MM" of a server time: "HH:MM" as given, or the time part of an ISO string (+08:00). */
  function serverClock(hhmm, iso) {
    if (hhmm) return hhmm;
    var m = /T(\d\d:\d\d)/.exec(iso || "");
    return m ? m[1] : "";
  }
  var newId = XinmiaoOutbox.newId;
  /* What scanners and keyboards add or change: spaces, Enter/Tab, hyphens, lower case. */
  function normalize(text) { return String(text || "").replace(/[\s\-_.]+/g, "").toUpperCase(); }
  /* A credential as the server reads it: upper case, 0/1/8 after XM read as O/I/B. */
  function canonical(token) {
    var t = normalize(token);
    return t.slice(0, 2) + t.slice(2).replace(/0/g, "O").replace(/1/g, "I").replace(/8/g, "B");
  }
  /* A credential as shown: XM and its last six characters (they tell badges apart). */
  function tokenHint(token) { token = canonical(token); return token ? token.slice(0, 2) + "…" + token.slice(-6) : ""; }
  /* Text that is no credential, as shown: whole when short, else its start (what it is) and end. */
  function textHint(raw) {
    var text = String(raw || "").replace(/\s+/g, " ").trim();
    return text.length <= 28 ? text : text.slice(0, 16) + "…" + text.slice(-6);
  }
  /* The same credential whatever the scanner made of it (case, 0/1/8 for O/I/B), as the recent
   * list keeps it: what it shows (XM and the last six characters, 30 bits of the signature),
   * enough to recognise a badge again without keeping the credential itself. */
  function credentialKey(token) { return token ? tokenHint(token) : ""; }
  function roleName(role) { return role === "adviser" ? M.roleAdviser : role === "student" ? M.roleStudent : ""; }
  function entryText(p) { return [p.entry_code, p.entry_title].filter(Boolean).join(" "); }
  function online() { return navigator.onLine !== false; }

  // ------------------------------------------------------------------ feedback: sound and vibration

  var soundBox = $("sound-on");
  var stored = readItem(SOUND_KEY);
  if (soundBox) {
    soundBox.checked = stored !== false;
    soundBox.addEventListener("change", function () { writeItem(SOUND_KEY, soundBox.checked); });
  }
  var audio = null;
  var TONES = {
    checked_in: [[1046, 0.12]], already_checked_in: [[784, 0.09], [0, 0.06], [784, 0.09]],
    bad: [[196, 0.4]], queued: [[587, 0.14]]
  };
  var VIBRATE = {checked_in: 80, already_checked_in: [60, 60, 60], bad: [250, 100, 250], queued: 120};
  function feedback(state) {
    if (soundBox && !soundBox.checked) return;
    var kind = BAD[state] ? "bad" : state;
    if (!TONES[kind]) return;
    try {
      if (navigator.vibrate) navigator.vibrate(VIBRATE[kind]);
    } catch (e) { /* not allowed */ }
    try {
      var AC = window.AudioContext || window.webkitAudioContext;
      if (!AC) return;
      audio = audio || new AC();
      if (audio.state === "suspended" && audio.resume) audio.resume();
      var t = audio.currentTime + 0.01;
      TONES[kind].forEach(function (tone) {
        if (tone[0]) {
          var osc = audio.createOscillator(), gain = audio.createGain();
          osc.type = kind === "bad" ? "square" : "sine";
          osc.frequency.value = tone[0];
          gain.gain.setValueAtTime(0.18, t);
          gain.gain.exponentialRampToValueAtTime(0.001, t + tone[1]);
          osc.connect(gain); gain.connect(audio.destination);
          osc.start(t); osc.stop(t + tone[1]);
        }
        t += tone[1];
      });
    } catch (e) { /* no audio */ }
  }

  // ------------------------------------------------------------------ the result panel and the recent list

  var panel = $("result");
  var panelId = null;
  var undoing = {};  // recent entries whose undo is on its way
  function panelTitle(entry) {
    switch (entry.state) {
      case "checked_in": return M.checkedIn;
      case "already_checked_in": return entry.firstTime ? fmt(M.alreadyAt, {time: entry.firstTime}) : M.already;
      case "revoked": return entry.message || M.revoked;   // the server says why (reissued, withdrawn, not approved)
      case "wrong_event": return M.wrongEvent;
      case "queued": return M.queued;
      case "sending": return M.sending;
      case "ime": return M.imeTitle;
      case "undone": return M.undone;
      default: return M.invalid;
    }
  }
  function panelDetail(entry) {
    if (entry.state === "queued") return authShown ? M.authDetail : M.queuedDetail;
    if (entry.state === "ime") return M.imeDetail;
    if (entry.state === "checked_in") return entry.outside ? M.outsideWindow : "";
    if (entry.state === "undone") return entry.undoNote || fmt(M.undoneDetail, {name: entry.name || ""});
    if (entry.state === "already_checked_in" || entry.state === "sending" || entry.state === "revoked") return "";
    return entry.message || "";
  }
  function canUndo(entry) { return entry.state === "checked_in" && !!entry.memberId; }
  /* What this device knows about a queued scan's person (see localHint). */
  function hintText(hint) {
    if (!hint) return "";
    var m = hint.kind === "checked" ? M.hintChecked : hint.kind === "seenPerson" ? M.hintSeenPerson : M.hintSeen;
    return fmt(m, {time: hint.time || ""});
  }
  /* After STALE_MS the panel shows the previous scan: dimmed and labelled (everything it said
   * stays readable), so it is not taken for the answer to a scan that went nowhere. */
  var staleTimer = null, panelStale = false;
  function setStale(on, entry) {
    panelStale = !!on;
    panel.classList.toggle("stale", panelStale);
    panel.setAttribute("data-stale", panelStale ? "true" : "false");
    var label = $("result-stale");
    label.hidden = !panelStale;
    label.textContent = panelStale ? fmt(M.staleLabel, {time: eventClock(entry && entry.time, true)}) : "";
  }
  function showResult(entry, fresh) {
    panelId = entry.id;
    panel.setAttribute("data-result", entry.state);
    panel.setAttribute("data-id", entry.id);
    root.setAttribute("data-state", entry.state);
    $("result-title").textContent = panelTitle(entry);
    $("result-name").textContent = entry.name || (entry.token ? entry.token : "");
    $("result-name").classList.toggle("mono", !entry.name && !!entry.token);
    var school = [entry.school, roleName(entry.role)].filter(Boolean).join(" · ");
    $("result-school").textContent = school;
    $("result-entry").textContent = entry.entry || "";
    $("result-detail").textContent = panelDetail(entry);
    var hint = entry.state === "queued" ? hintText(entry.hint) : "";
    $("result-hint").textContent = hint;
    $("result-hint").hidden = !hint;
    panel.classList.toggle("outside", !!entry.outside);
    var undoable = canUndo(entry);
    $("result-actions").hidden = !(undoable || entry.undoError);
    $("undo-button").hidden = !undoable;
    $("undo-button").disabled = !!undoing[entry.id];
    $("undo-button").textContent = undoing[entry.id] ? M.undoing : M.undo;
    $("undo-error").textContent = entry.undoError || "";
    if (fresh) {  // the same colour twice in a row must still look like a new answer
      panel.classList.remove("fresh");
      void panel.offsetWidth;
      panel.classList.add("fresh");
      clearTimeout(staleTimer);
      setStale(false);
      staleTimer = setTimeout(function () { setStale(true, recentEntry(panelId) || entry); }, STALE_MS);
    } else if (panelStale) {
      setStale(true, entry);   // an answer to an old scan: updated, still the previous scan
    }
  }
  /* Bring the big result into view (after a check-in by name far down the page). */
  function revealResult() {
    try { panel.scrollIntoView({block: "start", behavior: "smooth"}); } catch (e) { panel.scrollIntoView(true); }
  }

  function recentList() { var list = readItem(RECENT_KEY); return Array.isArray(list) ? list : []; }
  function recentEntry(id) { return recentList().filter(function (e) { return e.id === id; })[0] || null; }
  function saveRecent(entry) {
    var list = recentList().filter(function (e) { return e.id !== entry.id; });
    var old = recentList().filter(function (e) { return e.id === entry.id; })[0];
    if (old) {  // keep its place in the list
      list = recentList().map(function (e) { return e.id === entry.id ? entry : e; });
    } else {
      list.unshift(entry);
    }
    writeItem(RECENT_KEY, list.slice(0, RECENT_MAX));
    renderRecent();
  }
  /* The time shown for a recent scan: the server's check-in time once it has answered with
   * one, else the device's time of the scan, marked (its clock may be wrong, the server has
   * still to answer) only while the scan waits for the server. */
  function pending(e) { return e.state === "queued" || e.state === "sending"; }
  function recentTime(e) {
    if (e.serverTime) return {text: e.serverTime, source: "server"};
    return {text: eventClock(e.time), source: pending(e) ? "device" : "scan"};
  }
  function renderRecent() {
    var list = recentList(), ol = $("recent");
    ol.innerHTML = "";
    list.forEach(function (e) {
      var li = document.createElement("li");
      li.className = "recent-item state-" + e.state;
      li.setAttribute("data-id", e.id);
      li.setAttribute("data-state", e.state);
      var t = recentTime(e);
      var time = document.createElement("span");
      time.className = "recent-time";
      time.setAttribute("data-source", t.source);
      time.textContent = t.text;
      if (t.source === "device") {
        var mark = document.createElement("small");
        mark.className = "device-time";
        mark.textContent = M.deviceTime;
        mark.title = M.deviceTimeTitle;
        time.appendChild(document.createTextNode(" "));
        time.appendChild(mark);
      }
      var badge = document.createElement("span");
      badge.className = "recent-badge";
      badge.textContent = (M.state[e.state] || e.state) + (e.state === "already_checked_in" && e.firstTime ? " " + e.firstTime : "");
      var who = document.createElement("span");
      who.className = "recent-who";
      var name = document.createElement("strong");
      name.textContent = e.name || e.token || "—";
      if (!e.name) name.className = "mono";
      who.appendChild(name);
      if (e.school) {
        var school = document.createElement("span");
        school.className = "muted small";
        school.textContent = " " + e.school;
        who.appendChild(school);
      }
      var hint = e.state === "queued" ? hintText(e.hint) : "";
      if (hint) {
        var note = document.createElement("small");
        note.className = "recent-hint";
        note.textContent = hint;
        who.appendChild(note);
      }
      li.appendChild(time); li.appendChild(badge); li.appendChild(who);
      if (canUndo(e) || e.undoError) {
        var actions = document.createElement("span");
        actions.className = "recent-actions";
        if (canUndo(e)) {
          var button = document.createElement("button");
          button.type = "button";
          button.className = "undo-button";
          button.setAttribute("data-undo", e.id);
          button.disabled = !!undoing[e.id];
          button.textContent = undoing[e.id] ? M.undoing : M.undo;
          actions.appendChild(button);
        }
        if (e.undoError) {
          var err = document.createElement("span");
          err.className = "undo-error";
          err.setAttribute("role", "alert");
          err.textContent = e.undoError;
          actions.appendChild(err);
        }
        li.appendChild(actions);
      }
      ol.appendChild(li);
    });
    $("recent-empty").hidden = list.length > 0;
  }

  var countEl = $("queue-count");
  function updateCounter() {
    var n = queuedItems().filter(function (i) { return i.queued; }).length;
    countEl.setAttribute("data-count", String(n));
    countEl.textContent = n ? fmt(M.queuedCount, {n: n}) : M.allSent;
    countEl.classList.toggle("has-queue", n > 0);
    countEl.hidden = false;
    return n;
  }
  var netEl = $("net-state");
  function updateNet() {
    var on = online();
    netEl.setAttribute("data-online", on ? "true" : "false");
    netEl.textContent = on ? M.online : M.offline;
  }
  var authShown = false;
  function setAuth(on) {
    authShown = on;
    $("auth-warning").hidden = !on;
  }
  var badSynced = 0;
  function noteBadSync() {
    badSynced += 1;
    var el = $("sync-notice");
    el.textContent = fmt(M.syncedBad, {n: badSynced});
    el.hidden = false;
  }
  $("sync-notice").addEventListener("click", function () { badSynced = 0; this.hidden = true; });

  // ------------------------------------------------------------------ sending

  /* POST JSON; resolves to {kind: "answer"|"rejected"|"auth"|"offline", status, body}. */
  function post(url, payload) {
    return XinmiaoOutbox.request(url, {method: "POST", body: payload, timeoutMs: TIMEOUT_MS}).then(function (a) {
      if (a.network) return {kind: "offline"};
      if (a.redirected || a.status === 401 || a.status === 403) return {kind: "auth", status: a.status};
      if (a.status >= 500 || a.status === 408 || a.status === 429) return {kind: "offline", status: a.status};
      if (a.unreadable) return {kind: "offline", status: a.status};
      if (!a.json) return {kind: a.ok ? "offline" : "rejected", status: a.status, body: null};
      return {kind: a.ok ? "answer" : "rejected", status: a.status, body: a.body};
    });
  }

  /* The queue of scans (app/static/outbox.js): each scan stored before it is sent, kept until
   * the server has answered it (a result, or 422/404: a final answer too), sent again on
   * "online", on a retry timer (8 s, longer while it keeps failing) and on every page load,
   * oldest first, stopping at the first scan that gets no answer or a log-in page. */
  var outbox = XinmiaoOutbox.create({
    key: QUEUE, retryMs: RETRY_MS, maxRetryMs: 30000,
    time: function (item) { return item.scannedAt; },
    send: function (item) {
      var payload = {client_scan_id: item.id, scanned_at: item.scannedAt, device: item.device};
      var url = item.kind === "manual" ? data.urls.manual : data.urls.scan;
      if (item.kind === "manual") payload.member_id = item.memberId; else payload.token = item.token;
      return post(url, payload).then(function (res) {
        return {kind: res.kind === "answer" || res.kind === "rejected" ? "sent" : res.kind, answer: res};
      });
    },
    onState: function (item, kind, result) { if (result) handle(item, result.answer); }   // null: not tried (offline)
  });
  function queuedItems() { return outbox.items(); }

  var fresh = {};   // ids scanned on this page load whose first answer is still to come

  function baseEntry(item) {
    var p = item.person || {};
    return {id: item.id, time: item.scannedAt, token: item.token ? tokenHint(item.token) : "", name: p.name || "",
            school: p.school_name || "", role: p.role || "", entry: entryText(p), kind: item.kind,
            key: item.token ? credentialKey(item.token) : ""};
  }

  /* What this device knows about the person of a scan it cannot send now: it saw them checked
   * in (a server answer in the recent list, not undone since), or it holds an earlier scan of
   * the same credential (or check-in by name of the same person) in its queue. Only a hint:
   * the scan is queued and sent all the same, and the server judges. */
  function localHint(item) {
    var manual = item.kind === "manual";
    var key = manual ? "" : credentialKey(item.token), member = manual ? item.memberId : null;
    var recent = recentList().filter(function (e) { return e.id !== item.id; });
    if (!member) {   // whose badge it is, if the server said so for this credential before
      recent.some(function (e) { if (key && e.key === key && e.memberId) { member = e.memberId; return true; } return false; });
    }
    function same(e) { return !!((key && e.key === key) || (member && e.memberId === member)); }
    function ms(iso) { var t = Date.parse(iso || ""); return isNaN(t) ? 0 : t; }
    var last = null, lastAt = -1;   // the latest word on this person: checked in, or undone
    recent.forEach(function (e) {
      if (!same(e)) return;
      var at = e.state === "undone" ? ms(e.undoneAt || e.time)
        : e.state === "checked_in" || e.state === "already_checked_in" ? ms(e.time) : -1;
      if (at >= 0 && at >= lastAt) { last = e; lastAt = at; }
    });
    if (last && last.state !== "undone" && (last.serverTime || last.firstTime)) {
      return {kind: "checked", time: last.serverTime || last.firstTime};
    }
    var earlier = queuedItems().filter(function (q) {
      if (q.id === item.id) return false;
      return q.kind === "manual" ? !!member && q.memberId === member : !!key && credentialKey(q.token) === key;
    })[0];
    if (earlier) return {kind: manual || earlier.kind === "manual" ? "seenPerson" : "seen", time: eventClock(earlier.scannedAt)};
    return null;
  }

  function sendItem(item) { return outbox.send(item); }

  function handle(item, res) {
    var wasFresh = !!fresh[item.id], wasQueued = !!item.queued;
    var entry = baseEntry(item);
    if (res.kind === "answer") {
      var body = res.body || {}, p = body.participant || {};
      outbox.remove(item.id);
      delete fresh[item.id];
      setAuth(false);
      entry.state = body.result || "invalid";
      entry.name = p.name || entry.name;
      entry.school = p.school_name || entry.school;
      entry.role = p.role || entry.role;
      entry.entry = entryText(p) || entry.entry;
      entry.firstTime = body.first_checked_in_time || "";
      entry.serverTime = entry.state === "checked_in" || entry.state === "already_checked_in"
        ? serverClock(body.first_checked_in_time, body.first_checked_in_at) : "";
      entry.message = body.message || "";
      entry.outside = !!body.outside_window;
      entry.memberId = p.id;
    } else if (res.kind === "rejected") {
      outbox.remove(item.id);
      delete fresh[item.id];
      setAuth(false);
      entry.state = "invalid";
      entry.message = (res.body && res.body.detail) || M.notCredential;
      var extra = (res.body && res.body.extra) || {};
      // typed by hand (manual mode, or a keyboard on a computer): the text comes back to be corrected
      if (extra.problem === "mistyped" && wasFresh && (item.source === "manual-entry" || (item.source === "scanner" && !coarse))) {
        retype(item.token, extra.position, extra.fix);   // still "invalid"; the message says which character
      }
    } else {
      // not answered (offline, timeout, 5xx) or logged out: stays on the device, amber
      if (res.kind === "auth") setAuth(true);
      if (!item.queued) {
        item.queued = true;
        item.hint = localHint(item);
        if (outbox.get(item.id)) outbox.put(item);
      }
      entry.state = "queued";
      entry.hint = item.hint || null;
      delete fresh[item.id];
    }
    saveRecent(entry);
    updateCounter();
    if (entry.memberId && (entry.state === "checked_in" || entry.state === "already_checked_in")) {
      markSearchRow(entry.memberId, entry.serverTime);
    }
    if (panelId === item.id) {
      var stale = panelStale;
      showResult(entry, wasFresh);
      if (wasFresh) feedback(entry.state);
      else if (wasQueued && stale && BAD[entry.state]) noteBadSync();   // dimmed: say so as well
    } else if ((wasQueued || wasFresh) && BAD[entry.state]) {
      noteBadSync();   // answered while the panel shows a later scan: say so, never silently
      if (wasFresh) feedback(entry.state);
    }
  }

  /* Send the queue, oldest first; stop at the first scan that cannot be sent. */
  function flush() { return outbox.flush(); }

  /* A new scan or check-in by name: stored first, then sent. */
  function start(item) {
    outbox.put(item);
    fresh[item.id] = true;
    var entry = baseEntry(item);
    if (!online()) {
      item.queued = true;
      item.hint = localHint(item);
      outbox.put(item);
      delete fresh[item.id];
      entry.state = "queued";
      entry.hint = item.hint;
      saveRecent(entry);
      showResult(entry, true);
      updateCounter();
      feedback("queued");
      return;
    }
    entry.state = "sending";
    saveRecent(entry);
    showResult(entry, true);
    sendItem(item);
  }

  /* A device name as kept: never with a credential a scanner typed into the field, 64 at most. */
  function cleanDevice(text) { return String(text || "").replace(new RegExp(CREDENTIAL_TEXT, "gi"), "").trim().slice(0, 64); }
  function deviceName() {
    var el = $("device-name");
    return cleanDevice(el ? el.value : "") || M.defaultDevice;
  }

  /* Local result for text that cannot be a credential (never sent); shown as given. */
  function localReject(state, shown, message) {
    var entry = {id: newId(), state: state, time: isoNow(), token: shown || "", message: message || ""};
    saveRecent(entry);
    showResult(entry, true);
    feedback(state);
  }

  /* Returns true when the text was taken as a credential (sent or queued). */
  function submitToken(raw, source) {
    var text = normalize(raw);
    if (!text) return false;
    if (NON_ASCII.test(text)) {
      if (source === "scanner" && !manualMode) { imeDetected(); return false; }
      localReject("ime", "", "");
      return false;
    }
    if (source === "scanner") {
      if (!composedThisScan) showIme(false);   // an input method that let this scan through is still on
      composedThisScan = false;
    }
    if (!CREDENTIAL.test(text) && !(source === "manual-entry" && TYPED_CREDENTIAL.test(text))) {
      localReject("invalid", textHint(raw), M.notCredential);
      return false;
    }
    start({id: newId(), kind: "qr", token: text, scannedAt: isoNow(), device: deviceName(), source: source});
    return true;
  }

  // ------------------------------------------------------------------ undo a mistaken check-in

  function undo(id) {
    var entry = recentEntry(id);
    if (!entry || !canUndo(entry) || undoing[id]) return;
    function update(changes, done) {
      var current = recentEntry(id) || entry;
      Object.keys(changes).forEach(function (k) { current[k] = changes[k]; });
      saveRecent(current);
      if (panelId === id) showResult(current, !!done);   // the undo's outcome is a new answer
      return current;
    }
    if (!online()) { update({undoError: M.undoOffline}); return; }
    if (!window.confirm(fmt(M.undoConfirm, {name: entry.name || "", school: entry.school || ""}))) return;
    undoing[id] = true;
    update({undoError: ""});
    post(data.urls.undo, {member_id: entry.memberId, reason: fmt(M.undoReason, {device: deviceName()})}).then(function (res) {
      delete undoing[id];
      if (res.kind === "answer") {
        update({state: "undone", undoError: "", undoNote: "", undoneAt: isoNow()}, true);
        refreshSearch();
      } else if (res.kind === "rejected" && res.status === 404) {   // not checked in (any more): nothing to undo
        update({state: "undone", undoError: "", undoNote: (res.body && res.body.detail) || "", undoneAt: isoNow()}, true);
        refreshSearch();
      } else if (res.kind === "auth") {
        setAuth(true);
        update({undoError: M.authTitle});
      } else if (res.kind === "offline") {
        update({undoError: M.undoOffline});
      } else {
        update({undoError: fmt(M.undoFailed, {detail: (res.body && res.body.detail) || res.status})});
      }
    });
  }
  $("undo-button").addEventListener("click", function () { if (panelId) undo(panelId); });
  $("recent").addEventListener("click", function (e) {
    var button = e.target.closest ? e.target.closest("[data-undo]") : null;
    if (button) undo(button.getAttribute("data-undo"));
  });

  // ------------------------------------------------------------------ USB scanner input

  var input = $("scan-input");
  var imeEl = $("ime-warning");
  var autoTimer = null, composing = false, composedThisScan = false;
  var imeTimer = null, imeBurst = false;
  var manualMode = false;
  function showIme(on) { imeEl.hidden = !on; input.classList.toggle("invalid", on); }

  /* An input method is turning the scanner's keystrokes into Chinese (or holding them in a
   * composition). Everything that lands in the field during this burst is garbage: when the
   * keys stop, the field and any half-finished composition are cleared, so the next scan
   * (after switching to English input) starts on an empty field. */
  function imeDetected() {
    composedThisScan = true;
    imeBurst = true;
    showIme(true);
    clearTimeout(autoTimer);
    clearTimeout(imeTimer);
    imeTimer = setTimeout(endImeBurst, IME_QUIET_MS);
  }
  function endImeBurst() {
    imeBurst = false;           // first: ending the composition below must not start a new burst
    composedThisScan = false;   // the warning stays until a clean scan goes through
    clearScanner();
    localReject("ime", "", "");
  }
  /* Empty the scanner field, ending a composition first (blurring commits or cancels it). */
  function clearScanner() {
    clearTimeout(autoTimer);
    if (composing && document.activeElement === input) {
      input.blur();
      input.value = "";
      setTimeout(function () { input.value = ""; focusScanner(); }, 0);
    }
    input.value = "";
  }

  input.addEventListener("compositionstart", function () {
    composing = true;
    if (!manualMode) imeDetected();   // typing by hand on a phone keyboard composes too
  });
  input.addEventListener("compositionend", function () {
    composing = false;
    if (imeBurst) imeDetected();   // the committed text is cleared when the burst ends
  });
  input.addEventListener("keydown", function (e) {
    if (!manualMode && (e.isComposing || e.keyCode === 229)) { imeDetected(); return; }
    var enter = e.key === "Enter" || e.keyCode === 13, tab = e.key === "Tab" || e.keyCode === 9;
    if (imeBurst) {   // the rest of a scan the input method swallowed
      if (enter || tab) e.preventDefault();
      imeDetected();
      return;
    }
    if (!enter && !tab) return;
    if (tab && (!input.value.trim() || e.shiftKey)) return;   // a person moving focus, not a scanner suffix
    e.preventDefault();
    submitField();
  });
  function submitField() {
    clearTimeout(autoTimer);
    var value = input.value;
    if (manualMode) {
      if (submitToken(value, "manual-entry")) input.value = "";   // the mode stays as the user chose it
      else { try { input.select(); } catch (e) { /* keep the text to correct it */ } }
      return;
    }
    input.value = "";   // whatever it held, the next scan starts on an empty field
    submitToken(value, "scanner");
  }
  input.addEventListener("input", function () {
    var value = input.value;
    clearTimeout(autoTimer);
    if (NON_ASCII.test(value)) {
      if (!manualMode) imeDetected();
      return;
    }
    if (imeBurst) { imeDetected(); return; }
    if (composing) return;
    if (/[a-z]/.test(value)) {  // Caps Lock off or on: always shown (and sent) upper-case
      var at = input.selectionStart;
      input.value = value.toUpperCase();
      try { input.setSelectionRange(at, at); } catch (e) { /* not a text input */ }
    }
    // scanners set up without a suffix: a complete credential is taken after a short pause
    if (CREDENTIAL.test(normalize(input.value))) {
      autoTimer = setTimeout(function () {
        if (CREDENTIAL.test(normalize(input.value)) && !imeBurst) submitField();
      }, 600);
    }
  });

  // Phones and tablets: no on-screen keyboard for the scanner field (a USB/Bluetooth scanner
  // still types); 手动输入凭证 switches to a normal field with the keyboard and back.
  var coarse = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
  var manualToggle = $("manual-toggle");
  /* A typed code the server found mistyped: back in the manual field with the character to
     check selected (two for a swap), or the caret where one is missing. */
  function retype(text, position, fix) {
    if (!manualMode && coarse) setManual(true);   // a computer's field takes typing as it is
    input.value = text;
    var start = position - 1, end = fix === "insert" ? start : fix === "swap" ? start + 2 : start + 1;
    try { input.focus(); input.setSelectionRange(start, end); } catch (e) { /* keep the text */ }
  }

  function setManual(on) {
    manualMode = !!on;
    root.classList.toggle("manual-entry", manualMode);
    manualToggle.textContent = manualMode ? M.manualOff : M.manualOn;
    manualToggle.setAttribute("aria-pressed", manualMode ? "true" : "false");
    $("manual-hint").hidden = !manualMode;
    input.placeholder = manualMode ? M.manualPlaceholder : M.scanPlaceholder;
    if (manualMode) {
      input.setAttribute("inputmode", "text");
      showIme(false);
      input.blur();   // the keyboard comes up on the next focus, not on a focused field
      input.focus();
    } else {
      if (coarse) input.setAttribute("inputmode", "none"); else input.removeAttribute("inputmode");
      input.blur();   // hides the keyboard
      if (!coarse) focusScanner();
    }
  }
  if (coarse) {
    input.setAttribute("inputmode", "none");
    manualToggle.hidden = false;
  }
  manualToggle.addEventListener("click", function () { setManual(!manualMode); });

  function typingElsewhere() {
    var a = document.activeElement;
    return a && a !== input && a !== document.body && (/^(INPUT|TEXTAREA|SELECT)$/.test(a.tagName) || a.isContentEditable);
  }
  function focusScanner() {
    if (typingElsewhere() || document.activeElement === input) return;
    try { input.focus({preventScroll: true}); } catch (e) { input.focus(); }
  }
  // a scanner typing while a button or nothing has the focus: its text goes to the scanner field
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typingElsewhere() || document.activeElement === input) return;
    if (e.key && e.key.length === 1 && /[0-9A-Za-z]/.test(e.key)) focusScanner();
  }, true);
  var idleTimer = null;
  input.addEventListener("blur", function () {
    clearTimeout(idleTimer);
    if (!manualMode) idleTimer = setTimeout(focusScanner, 5000);   // never pops the keyboard up by itself
  });
  window.addEventListener("focus", function () { if (!manualMode) setTimeout(focusScanner, 50); });
  if (!coarse) focusScanner();

  // ------------------------------------------------------------------ a scanner typing into another field

  /* A text field of the page other than the scanner's (search box, device name, ...). */
  function otherTextField(el) {
    if (!el || el === input || el.readOnly || el.disabled) return false;
    if (el.tagName === "TEXTAREA") return true;
    return el.tagName === "INPUT" && /^(text|search|tel|url|email|number|)$/i.test(el.getAttribute("type") || "");
  }
  /* The credential a scanner just typed into ``field``: right before the caret (at the end of
   * the field's text when the caret was there), after whatever the field held. Returns the
   * credential and the field's text without it, or null. */
  function credentialInField(field) {
    var value = field.value, caret = null;
    try { caret = field.selectionStart; } catch (e) { /* no selection on this kind of input */ }
    if (typeof caret !== "number" || caret < 0 || caret > value.length) caret = value.length;
    var before = value.slice(0, caret), m = CREDENTIAL_BEFORE.exec(before);
    if (!m) {   // a caret we cannot trust: the end of the text
      caret = value.length;
      before = value;
      m = CREDENTIAL_BEFORE.exec(before);
    }
    if (!m) return null;
    var at = caret - m[0].length;
    return {token: m[0], rest: value.slice(0, at) + value.slice(caret), at: at};
  }
  /* Enter or Tab (the scanner's suffix) in another text field right after a credential: the
   * credential is cut out, the field gets its text back (its own handlers see that text, so
   * the device name is not saved with it and the search shows what it showed), and the scan
   * goes through as from the scanner field. Runs before the field's own keydown handlers. */
  root.addEventListener("keydown", function (e) {
    var field = e.target;
    if (!otherTextField(field) || e.isComposing || e.keyCode === 229) return;
    var enter = e.key === "Enter" || e.keyCode === 13, tab = e.key === "Tab" || e.keyCode === 9;
    if (!(enter || tab) || e.shiftKey || e.ctrlKey || e.altKey || e.metaKey) return;
    var found = credentialInField(field);
    if (!found) return;
    e.preventDefault();
    e.stopPropagation();
    field.value = found.rest;
    try { field.setSelectionRange(found.at, found.at); } catch (err) { /* not a text input */ }
    try { field.dispatchEvent(new Event("input", {bubbles: true})); } catch (err) { /* old browser */ }
    if (manualMode) field.blur();
    else { try { input.focus({preventScroll: true}); } catch (err) { input.focus(); } }
    submitToken(found.token, "scanner");
  }, true);

  // ------------------------------------------------------------------ search and check-in by name

  var searchInput = $("search-input"), resultsEl = $("search-results"), searchMsg = $("search-message");
  var searchMore = $("search-more");
  var searchTimer = null, searchSeq = 0;
  function searchMessage(text) { searchMsg.textContent = text || ""; searchMsg.hidden = !text; }
  function statusText(p) { return p.entry_status === "withdrawn" ? M.statusWithdrawn : M.statusNotApproved; }
  function markSearchRow(memberId, time) {
    var li = resultsEl.querySelector('[data-member-id="' + memberId + '"]');
    if (!li) return;
    if (li.querySelector(".confirm-box")) closeConfirm();
    var action = li.querySelector(".search-action");
    action.innerHTML = "";
    var badge = document.createElement("span");
    badge.className = "badge checked-badge";
    badge.textContent = fmt(M.checkedInAt, {time: time || ""});
    action.appendChild(badge);
  }
  function closeConfirm() {
    var open = resultsEl.querySelector(".confirm-box");
    if (open) open.parentNode.removeChild(open);
    Array.prototype.forEach.call(resultsEl.querySelectorAll(".search-row.choosing"), function (li) { li.classList.remove("choosing"); });
  }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  /* One tap on 签到 does not check anyone in: it opens a large confirmation in the row. */
  function askConfirm(li, p) {
    closeConfirm();
    li.classList.add("choosing");
    var box = el("div", "confirm-box");
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", M.confirmTitle);
    box.appendChild(el("p", "confirm-title", M.confirmTitle));
    var who = el("p", "confirm-name", p.name);
    if (roleName(p.role)) { who.appendChild(document.createTextNode(" ")); who.appendChild(el("span", "badge confirm-role", roleName(p.role))); }
    box.appendChild(who);
    box.appendChild(el("p", "confirm-school", p.school_name || ""));
    box.appendChild(el("p", "confirm-entry", entryText(p)));
    var buttons = el("div", "confirm-buttons");
    var yes = el("button", "confirm-yes", M.confirmButton);
    yes.type = "button";
    var no = el("button", "confirm-no secondary", M.cancel);
    no.type = "button";
    buttons.appendChild(yes); buttons.appendChild(no);
    box.appendChild(buttons);
    li.appendChild(box);
    yes.addEventListener("click", function () {
      yes.disabled = true;
      closeConfirm();
      start({id: newId(), kind: "manual", memberId: p.id, scannedAt: isoNow(), device: deviceName(), source: "manual",
             person: {id: p.id, name: p.name, school_name: p.school_name, role: p.role, entry_code: p.entry_code, entry_title: p.entry_title}});
      revealResult();
    });
    no.addEventListener("click", function () { closeConfirm(); });
    try { box.scrollIntoView({block: "nearest"}); } catch (e) { /* old browser */ }
    try { yes.focus({preventScroll: true}); } catch (e) { /* old browser */ }
  }
  function renderResults(list, more) {
    resultsEl.innerHTML = "";
    searchMore.hidden = !more;
    if (!list.length) { searchMessage(M.searchNone); return; }
    searchMessage("");
    list.forEach(function (p) {
      var li = el("li", "search-row");
      li.setAttribute("data-member-id", p.id);
      var who = el("div", "search-who");
      who.appendChild(el("strong", "search-name", p.name));
      if (roleName(p.role)) { who.appendChild(document.createTextNode(" ")); who.appendChild(el("span", "badge", roleName(p.role))); }
      who.appendChild(el("div", "small", p.school_name || ""));
      who.appendChild(el("div", "small muted", entryText(p)));
      var action = el("div", "search-action");
      li.appendChild(who); li.appendChild(action);
      resultsEl.appendChild(li);
      if (p.checked_in_time) {
        markSearchRow(p.id, p.checked_in_time);
      } else if (p.can_check_in === false) {
        li.classList.add("not-allowed");
        action.appendChild(el("span", "badge status-badge", statusText(p)));
        action.appendChild(el("span", "status-note", M.cannotCheckIn));
      } else {
        var button = el("button", "checkin-button", M.checkInButton);
        button.type = "button";
        button.addEventListener("click", function () { askConfirm(li, p); });
        action.appendChild(button);
      }
    });
  }
  function search() {
    var q = searchInput.value.trim(), seq = ++searchSeq;
    if (!q) { resultsEl.innerHTML = ""; searchMore.hidden = true; searchMessage(""); return; }
    if (!online()) { searchMessage(M.searchOffline); return; }
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, TIMEOUT_MS * 2) : null;
    window.fetch(data.urls.search + "?q=" + encodeURIComponent(q), {
      credentials: "same-origin", redirect: "manual", cache: "no-store", headers: {accept: "application/json"},
      signal: controller ? controller.signal : undefined
    }).then(function (r) {
      clearTimeout(timer);
      if (seq !== searchSeq) return;
      if (r.type === "opaqueredirect" || r.status === 401 || r.status === 403) { setAuth(true); searchMessage(M.authTitle); return; }
      return r.json().then(function (body) {
        if (seq !== searchSeq) return;
        var list = body && Array.isArray(body.results) ? body.results : Array.isArray(body) ? body : null;
        if (!r.ok || !list) { searchMessage(fmt(M.searchFailed, {detail: (body && body.detail) || r.status})); return; }
        renderResults(list, !!body.more);
      });
    }).catch(function () { clearTimeout(timer); if (seq === searchSeq) searchMessage(M.searchOffline); });
  }
  function refreshSearch() { if (searchInput.value.trim()) search(); }
  /* Back online: an "offline, cannot search" message goes, and the search it stopped runs. */
  window.addEventListener("online", function () {
    if (searchMsg.textContent === M.searchOffline) { searchMessage(""); refreshSearch(); }
  });
  searchInput.addEventListener("input", function () { clearTimeout(searchTimer); searchTimer = setTimeout(search, 250); });
  searchInput.addEventListener("keydown", function (e) {
    if (e.key === "Enter" || e.keyCode === 13) { e.preventDefault(); clearTimeout(searchTimer); search(); }
  });

  // ------------------------------------------------------------------ camera

  var cameraButton = $("camera-button"), video = $("camera-video"), box = $("camera-box"), cameraMsg = $("camera-message");
  var camera = {stream: null, timer: null, decode: null, lastText: "", lastAt: 0, canvas: null};
  function cameraMessage(text) { cameraMsg.textContent = text || ""; cameraMsg.hidden = !text; }
  function cameraPossible() {
    return window.isSecureContext !== false && !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
  }
  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = src;
      s.onload = resolve;
      s.onerror = reject;
      document.head.appendChild(s);
    });
  }
  function jsqrDecoder() {
    camera.canvas = camera.canvas || document.createElement("canvas");
    var ctx = camera.canvas.getContext("2d", {willReadFrequently: true});
    return function (source) {
      var w = source.videoWidth, h = source.videoHeight;
      if (!w || !h) return Promise.resolve(null);
      var scale = Math.min(1, 720 / Math.max(w, h));
      w = Math.round(w * scale); h = Math.round(h * scale);
      camera.canvas.width = w; camera.canvas.height = h;
      ctx.drawImage(source, 0, 0, w, h);
      var found = window.jsQR(ctx.getImageData(0, 0, w, h).data, w, h, {inversionAttempts: "dontInvert"});
      return Promise.resolve(found && found.data ? found.data : null);
    };
  }
  function getDecoder() {
    if (camera.decode) return Promise.resolve(camera.decode);
    var native = window.BarcodeDetector && window.BarcodeDetector.getSupportedFormats
      ? window.BarcodeDetector.getSupportedFormats().then(function (f) { return f.indexOf("qr_code") >= 0; }, function () { return false; })
      : Promise.resolve(false);
    return native.then(function (ok) {
      if (ok) {
        var detector = new window.BarcodeDetector({formats: ["qr_code"]});
        camera.decode = function (source) {
          return detector.detect(source).then(function (codes) { return codes && codes.length ? codes[0].rawValue : null; });
        };
        camera.decoderName = "native";
        return camera.decode;
      }
      return (window.jsQR ? Promise.resolve() : loadScript(data.jsqr)).then(function () {
        if (!window.jsQR) throw new Error("jsQR");
        camera.decode = jsqrDecoder();
        camera.decoderName = "jsqr";
        return camera.decode;
      }, function () { var e = new Error("jsQR"); e.name = "DecoderError"; throw e; });
    });
  }
  function cameraError(err) {
    var name = (err && err.name) || "";
    if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") return M.cameraDenied;
    if (name === "NotFoundError" || name === "OverconstrainedError" || name === "DevicesNotFoundError") return M.cameraMissing;
    if (name === "NotReadableError" || name === "TrackStartError" || name === "AbortError") return M.cameraBusy;
    if (name === "DecoderError") return M.cameraNoDecoder;
    return fmt(M.cameraFailed, {error: name || String(err)});
  }
  function setCameraButton(text, disabled) { cameraButton.textContent = text; cameraButton.disabled = !!disabled; }
  function startCamera() {
    if (!cameraPossible()) { cameraMessage(M.cameraInsecure); cameraButton.disabled = true; return; }
    cameraMessage("");
    setCameraButton(M.cameraStarting, true);
    getDecoder().then(function () {
      return navigator.mediaDevices.getUserMedia({
        audio: false, video: {facingMode: {ideal: "environment"}, width: {ideal: 1280}, height: {ideal: 720}}
      });
    }).then(function (stream) {
      camera.stream = stream;
      video.srcObject = stream;
      box.hidden = false;
      root.classList.add("camera-on");
      $("camera-hint").textContent = M.cameraReady;
      var played = video.play();
      if (played && played.catch) played.catch(function () { /* autoplay refused; frames still arrive */ });
      setCameraButton(M.cameraStop, false);
      camera.timer = setTimeout(tick, 200);
    }).catch(function (err) {
      stopCamera();
      cameraMessage(cameraError(err));
    });
  }
  function stopCamera() {
    clearTimeout(camera.timer);
    if (camera.stream) camera.stream.getTracks().forEach(function (t) { t.stop(); });
    camera.stream = null;
    video.srcObject = null;
    box.hidden = true;
    root.classList.remove("camera-on");
    setCameraButton(M.cameraStart, !cameraPossible());
  }
  function tick() {
    if (!camera.stream) return;
    var next = function () { if (camera.stream) camera.timer = setTimeout(tick, 120); };
    if (video.readyState < 2) { next(); return; }
    camera.decode(video).then(function (text) { if (text) onCameraText(text); next(); }, next);
  }
  function onCameraText(text) {
    var value = normalize(text), now = Date.now();
    if (value === camera.lastText && now - camera.lastAt < CAMERA_REPEAT_MS) {
      camera.lastAt = now;   // the same badge still in view: read once
      return;
    }
    camera.lastText = value;
    camera.lastAt = now;
    var frame = $("camera-frame");
    frame.classList.remove("hit"); void frame.offsetWidth; frame.classList.add("hit");
    submitToken(text, "camera");
  }
  cameraButton.addEventListener("click", function () { if (camera.stream) stopCamera(); else startCamera(); });
  if (!cameraPossible()) {
    cameraButton.disabled = true;
    if (!$("camera-insecure")) cameraMessage(M.cameraInsecure);
  }
  window.addEventListener("pagehide", stopCamera);
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden" && camera.stream) stopCamera(); });

  // ------------------------------------------------------------------ the session's time window

  /* A banner when the session has not started yet or is over (the wrong session picked?).
   * The server's state counts when the page is loaded; later (the page stays open for hours,
   * or is a copy from the service worker's cache) it follows the clock, with the same rule:
   * open from 30 minutes before the start to the end. */
  var banner = $("window-banner"), S = data.session || {};
  function isoMs(iso) { var t = iso ? new Date(iso).getTime() : NaN; return isNaN(t) ? null : t; }
  function stateNow() {
    var start = isoMs(S.startsAt), end = isoMs(S.endsAt), now = Date.now();
    if (start === null && end === null) return null;
    if (start !== null && now < start - 30 * 60000) return "upcoming";
    if (end !== null && now > end) return "closed";
    return "open";
  }
  /* "HH:MM" of the session's own time (its ISO string is in the event's zone), with the date
   * in front when it is not today there. */
  function windowTime(iso) {
    var m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d:\d\d)/.exec(iso || "");
    if (!m) return "";
    var today = new Date(Date.now() + EVENT_OFFSET_MIN * 60000);
    var same = +m[1] === today.getUTCFullYear() && +m[2] === today.getUTCMonth() + 1 && +m[3] === today.getUTCDate();
    return same ? m[4] : fmt(M.dateTime, {month: +m[2], day: +m[3], time: m[4]});
  }
  function showBanner(state) {
    if (!banner) return;
    var text = state === "upcoming" ? fmt(M.windowUpcoming, {time: windowTime(S.startsAt)})
      : state === "closed" ? fmt(M.windowClosed, {time: windowTime(S.endsAt)}) : "";
    banner.hidden = !text;
    banner.setAttribute("data-window", state || "");
    if (text) $("window-text").textContent = text;
  }
  var cachedCopy = root.getAttribute("data-page-copy") === "cached";
  showBanner(cachedCopy ? stateNow() : S.state);
  setInterval(function () { showBanner(stateNow()); }, 60000);

  // ------------------------------------------------------------------ device name, network, start

  var deviceEl = $("device-name");
  var savedDevice = readItem(DEVICE_KEY);
  deviceEl.value = typeof savedDevice === "string" && savedDevice ? savedDevice : M.defaultDevice;
  deviceEl.addEventListener("change", function () {
    var v = cleanDevice(deviceEl.value) || M.defaultDevice;
    if (v !== deviceEl.value) deviceEl.value = v;
    writeItem(DEVICE_KEY, v);
  });

  window.addEventListener("online", updateNet);   // the outbox sends the queue itself
  window.addEventListener("offline", updateNet);
  window.addEventListener("storage", function (e) {  // another tab of this session
    if (!e.key || e.key.indexOf(PREFIX) === 0) { renderRecent(); updateCounter(); }
  });

  // the service worker keeps this page and its files for a reload without network (HTTPS or localhost)
  if (data.sw && navigator.serviceWorker && window.isSecureContext !== false) {
    try {
      navigator.serviceWorker.register(data.sw, {scope: data.swScope}).catch(function () { /* no offline reload */ });
    } catch (e) { /* no offline reload */ }
  }

  // what a previous page load left on the device is queued (it may have been sent without an answer)
  queuedItems().forEach(function (item) {
    if (!item.queued) { item.queued = true; outbox.put(item); }
  });
  updateNet();
  renderRecent();
  updateCounter();
  flush();

  // for tests and the curious
  root.xinmiao = {
    flush: flush, queued: function () { return queuedItems().length; }, submit: submitToken,
    decoder: function () { return camera.decoderName || null; }, cachedCopy: cachedCopy,
    windowState: stateNow
  };
})();
