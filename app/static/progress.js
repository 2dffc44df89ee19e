/* The judging progress page (templates/judging/scoring/progress.html) follows its stream;
 * the script tag carries the URLs: data-events (SSE) and data-fragment (the page part). */
"use strict";
(function () {
  var tag = document.currentScript;
  XinmiaoLive.watch({
    url: tag.getAttribute("data-events"),
    interval: 15000,
    errorEl: document.getElementById("progress-error"),
    modeEl: document.getElementById("progress-note"),
    shown: function () { return JSON.parse(document.getElementById("progress-live").getAttribute("data-live-state") || "null"); },
    refresh: XinmiaoLive.fragment({
      url: tag.getAttribute("data-fragment"), id: "progress-live",
      after: function (fresh) { document.getElementById("progress-updated").textContent = fresh.getAttribute("data-updated"); }
    })
  });
})();
