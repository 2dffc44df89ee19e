/* Certificate batches being made (templates/judging/certificates/certificates.html): progress
 * bars follow the batch stream; labels and base URL come from the #batch-labels JSON. */
"use strict";
(function () {
  var cfg = JSON.parse(document.getElementById("batch-labels").textContent);
  var ACTIVE = "tr.batch[data-status='queued'], tr.batch[data-status='running']";
  function show(row, b) {
    if (!row || !b.status) return;
    var percent = b.percent !== undefined ? b.percent : (b.total ? Math.floor(100 * b.done / b.total) : (b.status === "done" ? 100 : 0));
    row.dataset.status = b.status;
    var bar = row.querySelector(".bar"), fill = row.querySelector(".bar-fill");
    if (bar) { bar.setAttribute("aria-valuemax", b.total); bar.setAttribute("aria-valuenow", b.done); }
    if (fill) { fill.style.width = percent + "%"; fill.classList.toggle("full", b.status === "done"); }
    row.querySelector(".batch-text").textContent = cfg.labels[b.status] + " " + b.done + " / " + b.total;
    if (b.status === "done") row.querySelector(".download").classList.remove("hidden");
    if (b.status !== "queued" && b.status !== "running") row.querySelector(".cancel").classList.add("hidden");
    if (!document.querySelector(ACTIVE) && live) live.stop();   // nothing left to follow
  }
  function rowOf(id) {   // a batch still being made, as this page shows it
    var row = document.querySelector("tr.batch[data-batch='" + id + "']");
    return row && row.matches(ACTIVE) ? row : null;
  }
  if (!document.querySelector(ACTIVE)) return;
  var live = XinmiaoLive.watch({
    url: cfg.base + "/events", interval: 1000, minGap: 1000,
    // the batch's own numbers come with each event; after a reconnect or when polling, ask for them
    onState: function (data) { (data.batches || []).forEach(function (b) { show(rowOf(b.id), b); }); return true; },
    onChange: function (data) { show(rowOf(data.batch_id), data); return true; },
    refresh: function () {
      return Promise.all(Array.prototype.map.call(document.querySelectorAll(ACTIVE), function (row) {
        return fetch(cfg.base + "/batches/" + row.dataset.batch + "/status", {credentials: "same-origin"})
          .then(function (r) { return r.json(); }).then(function (b) { show(row, b); });
      }));
    }
  });
})();
