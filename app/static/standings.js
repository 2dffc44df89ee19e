/* Public robotics standings (templates/judging/robotics/standings.html, standings_display.html).
 *
 * The page follows its event stream (app/live.py through app/static/live.js): on `state` it
 * compares the version it shows (#standings[data-version]) and refetches itself only when they
 * differ; each `change` refetches the #standings part. With data-display="1" (a projector) the
 * rows are shown one screenful at a time, the next page every PAGE_MS, and a refresh keeps the
 * page that was showing. */
"use strict";
(function () {
  var tag = document.currentScript;
  var display = tag.getAttribute("data-display") === "1";
  var PAGE_MS = 10000;
  var page = 0;
  var pageLabel = tag.getAttribute("data-page-label") || "{page} / {pages}";

  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#standings tbody tr")); }

  /* Split the rows into pages that fit the window below the table's head. */
  function pages() {
    var all = rows();
    all.forEach(function (tr) { tr.hidden = false; });
    var table = document.querySelector("#standings table");
    if (!table || !all.length) return [all];
    var room = window.innerHeight - table.getBoundingClientRect().top - (table.tHead ? table.tHead.offsetHeight : 0) - 8;
    var out = [], current = [], used = 0;
    all.forEach(function (tr) {
      var h = tr.offsetHeight;
      if (current.length && used + h > room) { out.push(current); current = []; used = 0; }
      current.push(tr);
      used += h;
    });
    if (current.length) out.push(current);
    return out;
  }

  function show() {
    if (!display) return;
    var split = pages();
    if (page >= split.length) page = 0;
    split.forEach(function (group, i) { group.forEach(function (tr) { tr.hidden = i !== page; }); });
    var label = document.getElementById("display-page");
    if (label) label.textContent = split.length > 1 ? pageLabel.replace("{page}", page + 1).replace("{pages}", split.length) : "";
  }

  if (display) {
    show();
    setInterval(function () { page += 1; show(); }, PAGE_MS);
    window.addEventListener("resize", show);
  }

  XinmiaoLive.watch({
    url: tag.getAttribute("data-events"),
    interval: 15000,
    minGap: 1000,
    errorEl: document.getElementById("live-error"),
    modeEl: document.getElementById("live-note"),
    shown: function () {
      var el = document.getElementById("standings");
      return el ? {version: el.getAttribute("data-version")} : null;
    },
    refresh: XinmiaoLive.fragment({
      url: window.location.pathname + window.location.search,
      id: "standings",
      after: show
    })
  });
})();
