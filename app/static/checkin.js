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
 * "online", every few seconds and on every page load. The server stores a repeated
 * client_scan_id once and answers it as before, so replays are safe. A 401/403 (logged out)
 * keeps the queue and asks the operator to log in again.
 *
 * The last scans and their states are kept per session in "xinmiao:checkin:<session>:recent".
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
  var CREDENTIAL = /^XM[A-Z2-7018]{24}$/;   // the server also reads 0/1/8 as O/I/B
  var NON_ASCII = /[^\x00-\x7f]/;
  var BAD = {revoked: 1, wrong_event: 1, invalid: 1, ime: 1};

  function $(id) { return document.getElementById(id); }
  function fmt(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (all, k) { return values[k] !== undefined && values[k] !== null ? values[k] : all; });
  }

  // ------------------------------------------------------------------ storage

  var memory = {};   // mirror, for browsers that refuse localStorage (private mode, quota)
  function readItem(key) {
    try {
      var text = window.localStorage.getItem(key);
      if (text) return JSON.parse(text);
    } catch (e) { /* unavailable */ }
    return Object.prototype.hasOwnProperty.call(memory, key) ? memory[key] : null;
  }
  function writeItem(key, value) {
    memory[key] = value;
    try { window.localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* memory only */ }
  }
  function removeItem(key) {
    delete memory[key];
    try { window.localStorage.removeItem(key); } catch (e) { /* memory only */ }
  }
  function queueKeys() {
    var keys = {};
    try {
      for (var i = 0; i < window.localStorage.length; i++) {
        var k = window.localStorage.key(i);
        if (k && k.indexOf(QUEUE) === 0) keys[k] = 1;
      }
    } catch (e) { /* unavailable */ }
    Object.keys(memory).forEach(function (k) { if (k.indexOf(QUEUE) === 0) keys[k] = 1; });
    return Object.keys(keys);
  }
  function queuedItems() {
    return queueKeys().map(readItem).filter(Boolean).sort(function (a, b) {
      return a.scannedAt < b.scannedAt ? -1 : a.scannedAt > b.scannedAt ? 1 : 0;
    });
  }

  // ------------------------------------------------------------------ small helpers

  function pad(n, width) { n = String(n); while (n.length < (width || 2)) n = "0" + n; return n; }
  /* The device's time as ISO 8601 with its UTC offset: 2026-05-01T08:30:12.345+08:00 */
  function isoNow() {
    var d = new Date(), off = -d.getTimezoneOffset(), sign = off >= 0 ? "+" : "-";
    off = Math.abs(off);
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" +
      pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + "." + pad(d.getMilliseconds(), 3) + sign +
      pad(Math.floor(off / 60)) + ":" + pad(off % 60);
  }
  function clock(iso) {
    var d = new Date(iso);
    return isNaN(d.getTime()) ? "" : pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  }
  /* crypto.randomUUID exists only in secure contexts; getRandomValues everywhere. */
  function newId() {
    var c = window.crypto;
    if (c && typeof c.randomUUID === "function") { try { return c.randomUUID(); } catch (e) { /* fall through */ } }
    var b = new Array(16);
    if (c && c.getRandomValues) { var u = new Uint8Array(16); c.getRandomValues(u); for (var i = 0; i < 16; i++) b[i] = u[i]; }
    else { for (var j = 0; j < 16; j++) b[j] = Math.floor(Math.random() * 256); }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var hex = b.map(function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }
  /* What scanners and keyboards add or change: spaces, Enter/Tab, hyphens, lower case. */
  function normalize(text) { return String(text || "").replace(/[\s\-_.]+/g, "").toUpperCase(); }
  function tokenHint(token) { return token ? token.slice(0, 2) + "…" + token.slice(-6) : ""; }
  function csrfToken() {
    var m = document.cookie.match(/(?:^|;\s*)xinmiao_csrf=([^;]*)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
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
  function panelTitle(entry) {
    switch (entry.state) {
      case "checked_in": return M.checkedIn;
      case "already_checked_in": return entry.firstTime ? fmt(M.alreadyAt, {time: entry.firstTime}) : M.already;
      case "revoked": return M.revoked;
      case "wrong_event": return M.wrongEvent;
      case "queued": return M.queued;
      case "sending": return M.sending;
      case "ime": return M.imeTitle;
      default: return M.invalid;
    }
  }
  function panelDetail(entry) {
    if (entry.state === "queued") return authShown ? M.authDetail : M.queuedDetail;
    if (entry.state === "ime") return M.imeDetail;
    if (entry.state === "checked_in") return entry.outside ? M.outsideWindow : "";
    if (entry.state === "already_checked_in") return "";
    if (entry.state === "sending") return "";
    return entry.message || "";
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
    panel.classList.toggle("outside", !!entry.outside);
    if (fresh) {  // the same colour twice in a row must still look like a new answer
      panel.classList.remove("fresh");
      void panel.offsetWidth;
      panel.classList.add("fresh");
    }
  }

  function recentList() { var list = readItem(RECENT_KEY); return Array.isArray(list) ? list : []; }
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
  function renderRecent() {
    var list = recentList(), ol = $("recent");
    ol.innerHTML = "";
    list.forEach(function (e) {
      var li = document.createElement("li");
      li.className = "recent-item state-" + e.state;
      li.setAttribute("data-id", e.id);
      li.setAttribute("data-state", e.state);
      var time = document.createElement("span");
      time.className = "recent-time";
      time.textContent = clock(e.time);
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
      li.appendChild(time); li.appendChild(badge); li.appendChild(who);
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
    var controller = window.AbortController ? new AbortController() : null, timer = null;
    var options = {
      method: "POST", credentials: "same-origin", redirect: "manual", cache: "no-store", body: JSON.stringify(payload),
      headers: {"content-type": "application/json", "accept": "application/json", "x-csrftoken": csrfToken()}
    };
    if (controller) {
      options.signal = controller.signal;
      timer = setTimeout(function () { controller.abort(); }, TIMEOUT_MS);
    }
    return window.fetch(url, options).then(function (r) {
      clearTimeout(timer);
      if (r.type === "opaqueredirect" || r.status === 0 || r.status === 401 || r.status === 403) return {kind: "auth", status: r.status};
      if (r.status >= 500 || r.status === 408 || r.status === 429) return {kind: "offline", status: r.status};
      var type = r.headers.get("content-type") || "";
      if (type.indexOf("json") < 0) return {kind: r.ok ? "offline" : "rejected", status: r.status, body: null};
      return r.json().then(function (body) {
        return {kind: r.ok ? "answer" : "rejected", status: r.status, body: body};
      }, function () { return {kind: "offline", status: r.status}; });
    }).catch(function () { clearTimeout(timer); return {kind: "offline"}; });
  }

  var inflight = {};
  var fresh = {};   // ids scanned on this page load whose first answer is still to come

  function baseEntry(item) {
    var p = item.person || {};
    return {id: item.id, time: item.scannedAt, token: item.token ? tokenHint(item.token) : "", name: p.name || "",
            school: p.school_name || "", role: p.role || "", entry: entryText(p), kind: item.kind};
  }

  function sendItem(item) {
    if (inflight[item.id]) return Promise.resolve(null);
    inflight[item.id] = true;
    var payload = {client_scan_id: item.id, scanned_at: item.scannedAt, device: item.device};
    var url = item.kind === "manual" ? data.urls.manual : data.urls.scan;
    if (item.kind === "manual") payload.member_id = item.memberId; else payload.token = item.token;
    return post(url, payload).then(function (res) {
      delete inflight[item.id];
      handle(item, res);
      return res;
    });
  }

  function handle(item, res) {
    var wasFresh = !!fresh[item.id], wasQueued = !!item.queued;
    var entry = baseEntry(item);
    if (res.kind === "answer") {
      var body = res.body || {}, p = body.participant || {};
      removeItem(QUEUE + item.id);
      delete fresh[item.id];
      setAuth(false);
      entry.state = body.result || "invalid";
      entry.name = p.name || entry.name;
      entry.school = p.school_name || entry.school;
      entry.role = p.role || entry.role;
      entry.entry = entryText(p) || entry.entry;
      entry.firstTime = body.first_checked_in_time || "";
      entry.message = body.message || "";
      entry.outside = !!body.outside_window;
      entry.memberId = p.id;
    } else if (res.kind === "rejected") {
      removeItem(QUEUE + item.id);
      delete fresh[item.id];
      setAuth(false);
      entry.state = "invalid";
      entry.message = (res.body && res.body.detail) || M.notCredential;
    } else {
      // not answered (offline, timeout, 5xx) or logged out: stays on the device, amber
      if (res.kind === "auth") setAuth(true);
      if (!item.queued) {
        item.queued = true;
        if (readItem(QUEUE + item.id)) writeItem(QUEUE + item.id, item);
      }
      entry.state = "queued";
      delete fresh[item.id];
    }
    saveRecent(entry);
    updateCounter();
    if (entry.memberId && (entry.state === "checked_in" || entry.state === "already_checked_in")) {
      markSearchRow(entry.memberId, entry.firstTime || clock(item.scannedAt).slice(0, 5));
    }
    if (panelId === item.id) {
      showResult(entry, wasFresh);
      if (wasFresh) feedback(entry.state);
    } else if ((wasQueued || wasFresh) && BAD[entry.state]) {
      noteBadSync();   // answered while the panel shows a later scan: say so, never silently
      if (wasFresh) feedback(entry.state);
    }
  }

  var flushing = false;
  /* Send the queue, oldest first; stop at the first scan that cannot be sent. */
  function flush() {
    if (flushing || !online()) return Promise.resolve();
    var items = queuedItems().filter(function (i) { return !inflight[i.id]; });
    if (!items.length) return Promise.resolve();
    flushing = true;
    var index = 0;
    return new Promise(function (done) {
      function next() {
        if (index >= items.length) { flushing = false; done(); return; }
        var item = items[index++];
        if (!readItem(QUEUE + item.id)) { next(); return; }   // sent meanwhile by another tab
        sendItem(item).then(function (res) {
          if (res && (res.kind === "offline" || res.kind === "auth")) { flushing = false; done(); return; }
          next();
        });
      }
      next();
    });
  }

  /* A new scan or check-in by name: stored first, then sent. */
  function start(item) {
    writeItem(QUEUE + item.id, item);
    fresh[item.id] = true;
    var entry = baseEntry(item);
    if (!online()) {
      item.queued = true;
      writeItem(QUEUE + item.id, item);
      delete fresh[item.id];
      entry.state = "queued";
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

  function deviceName() {
    var el = $("device-name"), v = el ? el.value.trim() : "";
    return (v || M.defaultDevice).slice(0, 64);
  }

  /* Local result for text that cannot be a credential (never sent). */
  function localReject(state, token, message) {
    var entry = {id: newId(), state: state, time: isoNow(), token: token ? tokenHint(token) : "", message: message || ""};
    saveRecent(entry);
    showResult(entry, true);
    feedback(state);
  }

  function submitToken(raw, source) {
    var text = normalize(raw);
    if (!text) return;
    if (NON_ASCII.test(text)) {
      composedThisScan = false;
      showIme(true);
      localReject("ime", "", "");
      return;
    }
    if (source === "scanner") {
      if (!composedThisScan) showIme(false);   // an input method that let this scan through is still on
      composedThisScan = false;
    }
    if (!CREDENTIAL.test(text)) {
      localReject("invalid", text.slice(0, 26), M.notCredential);
      return;
    }
    start({id: newId(), kind: "qr", token: text, scannedAt: isoNow(), device: deviceName(), source: source});
  }

  // ------------------------------------------------------------------ USB scanner input

  var input = $("scan-input");
  var imeEl = $("ime-warning");
  var autoTimer = null, composing = false, composedThisScan = false;
  function showIme(on) { imeEl.hidden = !on; input.classList.toggle("invalid", on); }

  input.addEventListener("compositionstart", function () { composing = true; composedThisScan = true; showIme(true); });
  input.addEventListener("compositionend", function () { composing = false; });
  input.addEventListener("keydown", function (e) {
    if (e.isComposing || e.keyCode === 229) { composedThisScan = true; showIme(true); return; }
    var enter = e.key === "Enter" || e.keyCode === 13, tab = e.key === "Tab" || e.keyCode === 9;
    if (!enter && !tab) return;
    if (tab && (!input.value.trim() || e.shiftKey)) return;   // a person moving focus, not a scanner suffix
    e.preventDefault();
    clearTimeout(autoTimer);
    var value = input.value;
    input.value = "";
    submitToken(value, "scanner");
  });
  input.addEventListener("input", function () {
    var value = input.value;
    clearTimeout(autoTimer);
    if (NON_ASCII.test(value)) { showIme(true); return; }
    if (composing) return;
    if (/[a-z]/.test(value)) {  // Caps Lock off or on: always shown (and sent) upper-case
      var at = input.selectionStart;
      input.value = value.toUpperCase();
      try { input.setSelectionRange(at, at); } catch (e) { /* not a text input */ }
    }
    // scanners set up without a suffix: a complete credential is taken after a short pause
    if (CREDENTIAL.test(normalize(input.value))) {
      autoTimer = setTimeout(function () {
        if (CREDENTIAL.test(normalize(input.value))) { var v = input.value; input.value = ""; submitToken(v, "scanner"); }
      }, 600);
    }
  });

  // Phones and tablets: no on-screen keyboard for the scanner field (a USB/Bluetooth scanner still types)
  var coarse = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
  if (coarse) input.setAttribute("inputmode", "none");

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
    idleTimer = setTimeout(focusScanner, 5000);
  });
  window.addEventListener("focus", function () { setTimeout(focusScanner, 50); });
  if (!coarse) focusScanner();

  // ------------------------------------------------------------------ search and check-in by name

  var searchInput = $("search-input"), resultsEl = $("search-results"), searchMsg = $("search-message");
  var searchTimer = null, searchSeq = 0;
  function searchMessage(text) { searchMsg.textContent = text || ""; searchMsg.hidden = !text; }
  function markSearchRow(memberId, time) {
    var li = resultsEl.querySelector('[data-member-id="' + memberId + '"]');
    if (!li) return;
    var action = li.querySelector(".search-action");
    action.innerHTML = "";
    var badge = document.createElement("span");
    badge.className = "badge checked-badge";
    badge.textContent = fmt(M.checkedInAt, {time: time || ""});
    action.appendChild(badge);
  }
  function renderResults(list) {
    resultsEl.innerHTML = "";
    if (!list.length) { searchMessage(M.searchNone); return; }
    searchMessage("");
    list.forEach(function (p) {
      var li = document.createElement("li");
      li.className = "search-row";
      li.setAttribute("data-member-id", p.id);
      var who = document.createElement("div");
      who.className = "search-who";
      var name = document.createElement("strong");
      name.className = "search-name";
      name.textContent = p.name;
      who.appendChild(name);
      var role = document.createElement("span");
      role.className = "badge";
      role.textContent = roleName(p.role);
      if (role.textContent) { who.appendChild(document.createTextNode(" ")); who.appendChild(role); }
      var school = document.createElement("div");
      school.className = "small";
      school.textContent = p.school_name || "";
      var entry = document.createElement("div");
      entry.className = "small muted";
      entry.textContent = entryText(p);
      who.appendChild(school); who.appendChild(entry);
      var action = document.createElement("div");
      action.className = "search-action";
      li.appendChild(who); li.appendChild(action);
      resultsEl.appendChild(li);
      if (p.checked_in_time) {
        markSearchRow(p.id, p.checked_in_time);
      } else {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "checkin-button";
        button.textContent = M.checkInButton;
        button.addEventListener("click", function () {
          button.disabled = true;
          start({id: newId(), kind: "manual", memberId: p.id, scannedAt: isoNow(), device: deviceName(), source: "manual",
                 person: {id: p.id, name: p.name, school_name: p.school_name, role: p.role, entry_code: p.entry_code, entry_title: p.entry_title}});
          setTimeout(function () { button.disabled = false; }, 1500);
        });
        action.appendChild(button);
      }
    });
  }
  function search() {
    var q = searchInput.value.trim(), seq = ++searchSeq;
    if (!q) { resultsEl.innerHTML = ""; searchMessage(""); return; }
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
        if (!r.ok || !Array.isArray(body)) { searchMessage(fmt(M.searchFailed, {detail: (body && body.detail) || r.status})); return; }
        renderResults(body);
      });
    }).catch(function () { clearTimeout(timer); if (seq === searchSeq) searchMessage(M.searchOffline); });
  }
  searchInput.addEventListener("input", function () { clearTimeout(searchTimer); searchTimer = setTimeout(search, 250); });
  searchInput.addEventListener("keydown", function (e) {
    var enter = e.key === "Enter" || e.keyCode === 13, tab = e.key === "Tab" || e.keyCode === 9;
    // a USB scanner fired while the search box had the focus: it is a scan, not a search
    if ((enter || tab) && CREDENTIAL.test(normalize(searchInput.value))) {
      e.preventDefault();
      clearTimeout(searchTimer);
      var value = searchInput.value;
      searchInput.value = "";
      resultsEl.innerHTML = "";
      searchMessage("");
      submitToken(value, "scanner");
      input.focus();
      return;
    }
    if (enter) { e.preventDefault(); clearTimeout(searchTimer); search(); }
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

  // ------------------------------------------------------------------ device name, network, start

  var deviceEl = $("device-name");
  var savedDevice = readItem(DEVICE_KEY);
  deviceEl.value = typeof savedDevice === "string" && savedDevice ? savedDevice : M.defaultDevice;
  deviceEl.addEventListener("change", function () {
    var v = deviceEl.value.trim();
    if (!v) { v = M.defaultDevice; deviceEl.value = v; }
    writeItem(DEVICE_KEY, v);
  });

  window.addEventListener("online", function () { updateNet(); flush(); });
  window.addEventListener("offline", updateNet);
  window.addEventListener("storage", function (e) {  // another tab of this session
    if (!e.key || e.key.indexOf(PREFIX) === 0) { renderRecent(); updateCounter(); }
  });
  setInterval(function () { if (queuedItems().length) flush(); }, RETRY_MS);

  // what a previous page load left on the device is queued (it may have been sent without an answer)
  queuedItems().forEach(function (item) {
    if (!item.queued) { item.queued = true; writeItem(QUEUE + item.id, item); }
  });
  updateNet();
  renderRecent();
  updateCounter();
  flush();

  // for tests and the curious
  root.xinmiao = {
    flush: flush, queued: function () { return queuedItems().length; }, submit: submitToken,
    decoder: function () { return camera.decoderName || null; }
  };
})();
