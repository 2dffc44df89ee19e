/* The judging progress page (templates/judging/scoring/progress.html) follows its stream;
 * the script tag carries the URLs: data-events (SSE) and data-fragment (the page part).
 * Each change is a delta (judging/results/live.py): the totals and the judges' and categories'
 * rows whose counts changed, applied in place; a row the page does not have, or a reconnect
 * with other totals, loads the page part again (so does polling without EventSource). */
"use strict";
(function () {
  var tag = document.currentScript;
  function root() { return document.getElementById("progress-live"); }
  function bar(holder, done, total) {
    var el = holder && holder.querySelector(".bar");
    if (!el) return;
    el.setAttribute("aria-valuemax", total);
    el.setAttribute("aria-valuenow", done);
    var fill = el.querySelector(".bar-fill");
    fill.style.width = (total ? (100 * done / total).toFixed(1) : "0.0") + "%";
    fill.classList.toggle("full", total > 0 && done >= total);
  }
  function apply(d) {
    if (!d.rows) return false;
    var missing = false;
    d.rows.forEach(function (r) {
      var key = r.judge_id !== undefined ? "judge_id" : "category_code";
      var row = root().querySelector("tr[data-" + key + "='" + String(r[key]).replace(/'/g, "") + "']");
      if (!row) { missing = true; return; }
      row.cells[1].textContent = r.scored + " / " + r.assigned;
      bar(row.cells[2], r.scored, r.assigned);
      if (key === "judge_id") row.classList.toggle("row-done", r.assigned > 0 && r.scored >= r.assigned);
    });
    if (missing) return false;
    var q = function (name) { return root().querySelector("[data-count='" + name + "']"); };
    q("scored").textContent = d.scored + " / " + d.assigned;
    bar(root().querySelector("[data-bar='total']"), d.scored, d.assigned);
    q("rate").textContent = (d.assigned ? Math.round(100 * d.scored / d.assigned) : 0) + "%";
    q("judges").textContent = d.judges_done + " / " + d.judges;
    root().setAttribute("data-live-state", JSON.stringify({assigned: d.assigned, scored: d.scored, judges: d.judges, judges_done: d.judges_done}));
    var now = new Date();
    document.getElementById("progress-updated").textContent = [now.getHours(), now.getMinutes(), now.getSeconds()].map(function (n) { return (n < 10 ? "0" : "") + n; }).join(":");
    return true;
  }
  XinmiaoLive.watch({
    url: tag.getAttribute("data-events"),
    interval: 15000,
    errorEl: document.getElementById("progress-error"),
    modeEl: document.getElementById("progress-note"),
    shown: function () { return JSON.parse(root().getAttribute("data-live-state") || "null"); },
    onChange: function (data) { return apply(data); },
    refresh: XinmiaoLive.fragment({
      url: tag.getAttribute("data-fragment"), id: "progress-live",
      after: function (fresh) { document.getElementById("progress-updated").textContent = fresh.getAttribute("data-updated"); }
    })
  });
})();
