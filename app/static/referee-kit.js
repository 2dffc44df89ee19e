/* What the referee's run form (referee.js) and match form (referee-matches.js) share
 * (app/static/referee-kit.js): the offline outbox of scores, the offline pages, the "network is
 * back" notice and the score sheet's item widgets.
 *
 *   XinmiaoRefereeKit.outbox({prefix, userId, url: function (item), method: function (item), onState})
 *       the shared outbox (outbox.js) of one kind of score, stored under prefix + userId + ":" + id;
 *       the server's answer: 200/201 sent, 409 kept with the server's words (`conflict`), 400/403/
 *       404/422 kept as refused, a log-in page "auth", anything else retried
 *   .mine(box, data)           the items of this event and challenge
 *   .registerWorker()          /referee/sw.js (scope /referee/) serves pages opened online
 *   .cachePages(paths)         copies pages into the worker's cache now (sets data-offline-pages)
 *   .backOnline(messages)      turns the "network is down" notice into "network is back"
 *   .bindItems(scope, sheet, values, changed)
 *       the item fieldsets (templates/judging/robotics/_sheet_items.html) inside `scope`: steppers
 *       (empty until touched), yes/no and choice buttons (none pressed), time inputs; each answer
 *       is written to values[code] and changed() is called
 */
(function () {
  "use strict";

  var PAGE_CACHE = "xinmiao-referee-pages";
  var TIMEOUT_MS = 15000;
  var S = window.XinmiaoSheet;

  function outbox(options) {
    var box = XinmiaoOutbox.create({
      key: options.prefix + options.userId + ":", retryMs: 8000,
      send: function (item, sendOptions) {
        var url = options.url(item), method = options.method ? options.method(item) : "POST";
        return XinmiaoOutbox.request(url, {method: method, body: item.body, timeoutMs: TIMEOUT_MS,
                                           keepalive: sendOptions && sendOptions.keepalive}).then(function (r) {
          var detail = r.json && r.body ? r.body.detail : "";
          if (r.status === 200 || r.status === 201) return {kind: "sent", body: r.body};
          if (r.redirected || r.status === 401) return {kind: "auth"};
          if (r.status === 409) return {kind: "rejected", conflict: true, detail: detail, extra: r.body && r.body.extra};
          if (r.status === 400 || r.status === 403 || r.status === 404 || r.status === 422) return {kind: "rejected", detail: detail};
          return {kind: "offline"};
        });
      },
      onState: function (item, kind, result) {
        if (kind === "rejected" && result) {
          var now = box.get(item.id);
          if (now) { now.detail = result.detail || ""; now.conflict = !!result.conflict; now.rejected = true; box.put(now); }
        }
        if (options.onState) options.onState(item, kind, result);
      }
    });
    return box;
  }

  function mine(box, data) {
    return box.items().filter(function (i) { return String(i.eventId) === String(data.eventId) && i.code === data.code; });
  }

  function registerWorker() {
    if (!navigator.serviceWorker || window.isSecureContext === false) return;
    navigator.serviceWorker.register("/referee/sw.js", {scope: "/referee/"}).catch(function () { /* no offline pages */ });
  }
  function cachePages(paths) {
    if (!window.caches || navigator.onLine === false) return Promise.resolve(0);
    return caches.open(PAGE_CACHE).then(function (cache) {
      return Promise.all(paths.map(function (path) {
        return fetch(path, {credentials: "same-origin", cache: "no-store", redirect: "manual"}).then(function (r) {
          var html = r.status === 200 && (r.headers.get("content-type") || "").indexOf("text/html") === 0;
          return html ? cache.put(path, r).then(function () { return 1; }) : 0;
        }, function () { return 0; });
      }));
    }).then(function (done) {
      var n = done.reduce(function (a, b) { return a + b; }, 0);
      document.documentElement.setAttribute("data-offline-pages", String(n));
      return n;
    }, function () { return 0; });
  }

  function backOnline(M) {
    // the "network is down" notice goes once the network is back (the page copy may be older:
    // say so instead of keeping the warning until the page is reloaded)
    var notice = document.getElementById("cached-notice");
    if (!notice || notice.hidden) return;
    notice.textContent = M.online;
    notice.className = "flash success";
    window.setTimeout(function () { notice.hidden = true; }, 4000);
  }

  function bindItems(scope, sheet, values, changed) {
    function itemOf(code) { return sheet.items.filter(function (i) { return i.code === code; })[0]; }
    scope.querySelectorAll("fieldset.item[data-code]").forEach(function (fs) {
      var code = fs.getAttribute("data-code"), item = itemOf(code), type = fs.getAttribute("data-type");
      if (type === "count") {
        var input = fs.querySelector(".count-value");
        var set = function (n) { values[code] = n; input.value = n === "" ? "" : String(n); changed(); };
        fs.querySelector(".minus").addEventListener("click", function () {
          var d = S.dec(values[code]), min = Number(S.text(item.min));
          set(d === null ? min : Math.max(min, Number(S.text(d)) - 1));
        });
        fs.querySelector(".plus").addEventListener("click", function () {
          var d = S.dec(values[code]), min = Number(S.text(item.min)), max = item.max === null ? Infinity : Number(S.text(item.max));
          set(Math.min(max, d === null ? min + 1 : Number(S.text(d)) + 1));
        });
        input.addEventListener("input", function () { values[code] = input.value.trim(); changed(); });
      } else if (type === "yesno" || type === "choice") {
        fs.querySelectorAll("button.answer").forEach(function (b) {
          b.addEventListener("click", function () {
            var v = b.getAttribute("data-value");
            values[code] = type === "yesno" ? v === "yes" : v;
            fs.querySelectorAll("button.answer").forEach(function (o) { o.setAttribute("aria-pressed", String(o === b)); });
            changed();
          });
        });
      } else {
        var t = fs.querySelector(".time-value");
        t.addEventListener("input", function () { values[code] = t.value.trim(); changed(); });
      }
    });
  }

  /* Shows one scored alliance or run on its item fieldsets: each item's points (or "not counted"),
   * its error, answered/invalid marks; the time item shows its seconds. */
  function showPoints(scope, result, values, M) {
    scope.querySelectorAll("fieldset.item[data-code]").forEach(function (fs) {
      var code = fs.getAttribute("data-code"), p = result.points[code];
      var err = fs.querySelector(".field-error"), pts = fs.querySelector(".item-points");
      err.hidden = !result.errors[code];
      err.textContent = result.errors[code] || "";
      fs.classList.toggle("answered", code in result.entered);
      fs.classList.toggle("invalid", !!result.errors[code]);
      if (fs.getAttribute("data-type") === "time") {   // the time adds nothing: show the time itself
        pts.textContent = code in result.entered && !result.errors[code] ? S.fmt(M.seconds, {s: values[code]}) : "";
      } else {
        pts.textContent = p ? (p.notCounted ? M.notCounted : "= " + S.text(p.value)) : "";
      }
    });
  }

  window.XinmiaoRefereeKit = {
    outbox: outbox, mine: mine, registerWorker: registerWorker, cachePages: cachePages, backOnline: backOnline,
    bindItems: bindItems, showPoints: showPoints
  };
})();
