/* Public match screens (templates/judging/matches/screen.html): leaderboard, now / next, queue and
 * bracket. The screen follows its stream (/screens/<event>/<code>/events, app/live.py through
 * app/static/live.js): on `state` it compares the version it shows (#screen[data-version]) and
 * refetches itself only when they differ; each `match` or `bracket` event refetches the #screen
 * part, so what is shown always comes from the page's own route. */
"use strict";
(function () {
  var tag = document.currentScript;
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
    refresh: XinmiaoLive.fragment({url: window.location.pathname + window.location.search, id: "screen"})
  });
})();
