/* Public match screens (templates/judging/matches/screen.html): leaderboard, now / next, queue and
 * bracket. The screen follows its stream (/screens/<event>/<code>/events, app/live.py through
 * app/static/live.js): on `state` it compares the version it shows (#screen[data-version]) and
 * refetches itself only when they differ; each `match` or `bracket` event refetches the #screen
 * part, so what is shown always comes from the page's own route.
 *
 * On a projector (a window at least 900 px wide) a leaderboard longer than the window is shown
 * one screenful of rows at a time, the next every PAGE_MS, saying which page of how many it is
 * (#screen-page); a refresh keeps the page showing.
 * A phone scrolls instead. */
"use strict";
(function () {
  var tag = document.currentScript;
  var PAGE_MS = 10000;
  var page = 0;
  var pageLabel = tag.getAttribute("data-page-label") || "{page} / {pages}";

  function paged() {
    return document.body.classList.contains("screen-leaderboard") && window.innerWidth >= 900;
  }

  function show() {
    var all = Array.prototype.slice.call(document.querySelectorAll("#screen table.leaderboard tbody tr"));
    all.forEach(function (tr) { tr.hidden = false; });
    var table = document.querySelector("#screen table.leaderboard");
    var label = document.getElementById("screen-page");
    if (label) label.textContent = "";
    if (!paged() || !table || !all.length) return;
    var room = window.innerHeight - table.getBoundingClientRect().top - (table.tHead ? table.tHead.offsetHeight : 0) - 8;
    var groups = [], current = [], used = 0;
    all.forEach(function (tr) {
      var h = tr.offsetHeight;
      if (current.length && used + h > room) { groups.push(current); current = []; used = 0; }
      current.push(tr);
      used += h;
    });
    if (current.length) groups.push(current);
    if (page >= groups.length) page = 0;
    groups.forEach(function (group, i) { group.forEach(function (tr) { tr.hidden = i !== page; }); });
    if (label && groups.length > 1) {
      label.textContent = pageLabel.replace("{page}", page + 1).replace("{pages}", groups.length);
    }
  }

  show();
  setInterval(function () { if (paged()) { page += 1; show(); } }, PAGE_MS);
  window.addEventListener("resize", show);

  XinmiaoLive.watch({
    url: tag.getAttribute("data-events"),
    events: ["match", "bracket"],
    interval: 15000,
    minGap: 500,
    errorEl: document.getElementById("live-error"),
    modeEl: document.getElementById("live-note"),
    shown: function () {
      var el = document.getElementById("screen");
      return el ? {version: el.getAttribute("data-version")} : null;
    },
    refresh: XinmiaoLive.fragment({url: window.location.pathname + window.location.search, id: "screen", after: show})
  });
})();
