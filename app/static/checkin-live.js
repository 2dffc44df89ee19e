/* The check-in live view (templates/competitions/checkin/live.html) follows its stream; the
 * script tag's data-events names it. Schools opened in the missing list stay open. */
"use strict";
(function () {
  var tag = document.currentScript;
  XinmiaoLive.watch({
    url: tag.getAttribute("data-events"),
    interval: 10000,
    errorEl: document.getElementById("live-error"),
    modeEl: document.getElementById("live-note"),
    shown: function () { return JSON.parse(document.getElementById("live").getAttribute("data-live-state") || "null"); },
    refresh: XinmiaoLive.fragment({
      url: window.location.pathname, id: "live",
      before: function (fresh, current) {
        var open = {};
        current.querySelectorAll("details[open] summary strong").forEach(function (el) { open[el.textContent] = true; });
        fresh.querySelectorAll("details summary strong").forEach(function (el) {
          if (open[el.textContent]) el.closest("details").open = true;
        });
      }
    })
  });
})();
