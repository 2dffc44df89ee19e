/* The check-in live view (templates/competitions/checkin/live.html): the page comes with a
 * summary (counts per school, recent arrivals); the stream (data-events, competitions/checkin/live.py)
 * then brings deltas: the totals and the counts of the schools where someone arrived, applied in
 * place. Names of the latest arrivals are fetched at most every RECENT_MS while people arrive;
 * without a stream the page polls for the changes since the version it shows. When the schools
 * shown no longer add up to the totals (an undo, an entry withdrawn) the summary is loaded again.
 * Who is missing at a school is fetched when its count is clicked. */
"use strict";
(function () {
  var RECENT_MS = 5000;
  var tag = document.currentScript;
  var root = function () { return document.getElementById("live"); };
  var base = root().getAttribute("data-base");
  var version = Number(root().getAttribute("data-version")) || 0;
  var recentTimer = null, recentAt = 0, live = null;

  function pct(a, e) { return e ? Math.round(1000 * a / e) / 10 : 100; }
  function text(id, value) { var el = document.getElementById(id); if (el) el.textContent = value; }

  function showTotals(d) {
    text("n-arrived", d.arrived_expected + " / " + d.expected);
    text("n-missing", d.missing);
    document.getElementById("all-here").hidden = !(d.expected > 0 && d.missing === 0);
    document.getElementById("missing-hint").hidden = d.missing === 0;
    text("n-other", d.arrived - d.arrived_expected);
    var other = document.getElementById("stat-other");
    if (other) other.hidden = d.arrived === d.arrived_expected;
    var bar = document.getElementById("bar-all");
    if (bar) {
      bar.style.width = (d.expected ? pct(d.arrived_expected, d.expected) : 0) + "%";
      bar.classList.toggle("full", d.expected > 0 && d.arrived_expected >= d.expected);
    }
    text("n-rejected", d.rejected);
    var labels = JSON.parse(root().getAttribute("data-labels") || "{}");
    var parts = [];
    Object.keys(d.rejected_by || {}).forEach(function (k) { parts.push((labels[k] || k) + " " + d.rejected_by[k]); });
    text("rejected-by", parts.join(" · "));
  }

  function showSchool(s) {
    var row = root().querySelector("tr[data-school='" + s.school_id + "']");
    if (!row) return false;
    var bar = row.querySelector("progress");
    bar.setAttribute("max", s.expected);
    bar.setAttribute("value", s.arrived);
    row.classList.toggle("row-done", s.expected > 0 && s.arrived >= s.expected);
    row.cells[1].textContent = s.arrived + " / " + s.expected + (s.other ? " +" + s.other : "");
    var button = row.querySelector("button");
    button.textContent = s.expected - s.arrived;
    button.hidden = s.expected - s.arrived <= 0;
    var open = row.nextElementSibling;
    if (open && open.classList.contains("missing-row")) loadMissing(row, open);   // keep an open list current
    return true;
  }

  function addsUp(d) {
    var arrived = 0, expected = 0;
    root().querySelectorAll("tr[data-school] progress").forEach(function (bar) {
      arrived += Number(bar.getAttribute("value"));
      expected += Number(bar.getAttribute("max"));
    });
    return arrived === d.arrived_expected && expected === d.expected;
  }

  /* A delta (from the stream or a poll). Returns a promise. */
  function apply(d) {
    if (!d || d.version === undefined) return Promise.resolve();
    var before = Number((document.getElementById("n-arrived").textContent || "").split("/")[0]);
    var known = true;
    (d.schools || []).forEach(function (s) { known = showSchool(s) && known; });
    showTotals(d);
    if (d.version > version) version = d.version;
    if (d.recent) showRecent(d.recent);
    if (!known || !addsUp(d)) return reload();
    if (!d.recent && d.arrived_expected !== before) recentSoon();
    return Promise.resolve();
  }

  function showRecent(rows) {
    var body = document.getElementById("recent");
    var manual = body.getAttribute("data-manual");
    body.textContent = "";
    if (!rows.length) {
      var empty = document.createElement("tr"), td = document.createElement("td");
      td.colSpan = 4; td.className = "muted"; td.textContent = body.getAttribute("data-empty");
      empty.appendChild(td); body.appendChild(empty);
    }
    rows.forEach(function (r) {
      var tr = document.createElement("tr");
      var name = document.createElement("td");
      name.textContent = r.name || "";
      if (r.method === "manual") {
        var badge = document.createElement("span"); badge.className = "badge"; badge.textContent = manual;
        name.appendChild(document.createTextNode(" ")); name.appendChild(badge);
      }
      tr.appendChild(name);
      [["school", r.school_name], ["nowrap", r.time], ["device", r.device]].forEach(function (c) {
        var td = document.createElement("td"); td.className = c[0]; td.textContent = c[1] || "";
        if (c[0] === "device") td.title = c[1] || "";
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }

  function get(url) {
    return window.fetch(url, {credentials: "same-origin", cache: "no-store", redirect: "manual"}).then(function (r) {
      if (!r.ok) throw new Error(String(r.status));
      return r;
    });
  }

  /* What changed since the version shown, with the latest arrivals' names. */
  function poll() {
    recentAt = Date.now();
    return get(base + "/live/changes?recent=true&since=" + version).then(function (r) { return r.json(); }).then(apply);
  }

  function recentSoon() {
    if (recentTimer) return;
    var wait = Math.max(0, recentAt + RECENT_MS - Date.now());
    recentTimer = setTimeout(function () {
      recentTimer = null;
      if (document.hidden) { recentAt = 0; return; }
      poll().catch(function () { /* the next change tries again */ });
    }, wait);
  }

  /* The summary again, in place of the page's (open missing lists stay open). */
  function reload() {
    var open = [];
    root().querySelectorAll("tr.missing-row").forEach(function (row) { open.push(row.previousElementSibling.getAttribute("data-school")); });
    return XinmiaoLive.fragment({url: window.location.pathname, id: "live"})().then(function () {
      version = Number(root().getAttribute("data-version")) || version;
      open.forEach(function (id) { var row = root().querySelector("tr[data-school='" + id + "']"); if (row) toggle(row); });
    });
  }

  function loadMissing(row, holder) {
    return get(base + "/missing?school_id=" + row.getAttribute("data-school")).then(function (r) { return r.text(); }).then(function (html) {
      var part = new DOMParser().parseFromString(html, "text/html").getElementById("missing-part");
      var cell = holder.firstElementChild;
      cell.textContent = "";
      if (part) cell.appendChild(document.importNode(part, true));
    });
  }

  function toggle(row) {
    var next = row.nextElementSibling;
    if (next && next.classList.contains("missing-row")) { next.remove(); return; }
    var holder = document.createElement("tr"), cell = document.createElement("td");
    holder.className = "missing-row"; cell.colSpan = 4;
    holder.appendChild(cell);
    row.after(holder);
    loadMissing(row, holder).catch(function () { holder.remove(); });
  }

  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("#live tr[data-school] button");
    if (button) toggle(button.closest("tr"));
  });

  live = XinmiaoLive.watch({
    url: tag.getAttribute("data-events"),
    interval: 10000,
    errorEl: document.getElementById("live-error"),
    modeEl: document.getElementById("live-note"),
    // on (re)connect: the totals as they are now; a page that shows other ones asks what changed
    onState: function (data) {
      var shown = Number((document.getElementById("n-arrived").textContent || "").split("/")[0]);
      var same = data.arrived_expected === shown && data.expected === Number(document.getElementById("n-arrived").textContent.split("/")[1]) &&
        data.rejected === Number(document.getElementById("n-rejected").textContent) && addsUp(data);
      return same;
    },
    onChange: function (data) { apply(data); return true; },
    refresh: poll
  });
})();
