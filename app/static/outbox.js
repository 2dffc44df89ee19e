/* Xinmiao offline outbox (app/static/outbox.js): what a device must not lose when the venue
 * network drops. Used by the judges' tablets (judge.js), the check-in phones (checkin.js)
 * and, later, the referees' tablets.
 *
 * Each item is written to localStorage under `key + id` BEFORE it is sent (mirrored in
 * memory when storage refuses: private mode, quota), leaves the outbox only when the server
 * has answered it for good, and survives reloads, crashes and log-outs. Items carry their
 * own client id (the server stores a replay once) and the device's time.
 *
 *   var box = XinmiaoOutbox.create({
 *     key: "xinmiao:checkin:12:q:",      // storage prefix; an item is stored at key + its id
 *     send: function (item, options) {}, // -> Promise of a result {kind, ...}, kind one of:
 *        "sent"      the server took it (or answered it for good): it leaves the outbox, unless
 *                    it was changed meanwhile (see `same`)
 *        "conflict"  the server holds a newer version: kept as it is, for the page to resolve
 *        "rejected"  refused for good (invalid, locked): kept on the device marked
 *                    `rejected: true`, not sent again until put() again without the mark
 *        "auth"      logged out: kept; the flush stops
 *        "offline"   no answer (network, timeout, 5xx): kept; the flush stops; retried
 *     onState: function (item, kind, result) {},  // after each attempt (result null: not tried, device offline)
 *     id: function (item) { return item.id; },     // optional: an item's id
 *     time: function (item) { return item.queuedAt; },  // optional: order of sending (oldest first)
 *     same: function (stored, sent) { return true; },   // optional: is the stored item still what was sent?
 *     skip: function (item) { return false; },     // optional: items the page sends itself
 *     memory: true,                                // mirror items in memory (default true)
 *     retryMs: 8000, maxRetryMs: 60000             // retry: after retryMs, doubling while it fails;
 *   });                                            // at once on "online"; 0 turns it off
 *
 *   box.put(item)        store (adds `id` (a client id) and `queuedAt` (device time) when missing)
 *   box.get(id), box.remove(id), box.items() (oldest first), box.size()
 *   box.send(item, opts) send one item now (at most one request per item at a time); Promise of its result
 *   box.flush()          send every waiting item, oldest first; Promise
 *   box.stop()           no more automatic retries
 *
 * Helpers: XinmiaoOutbox.csrfToken(), .headers(extra) (JSON + x-csrftoken), .request(url,
 * {method, body, timeoutMs, keepalive}) -> Promise of {status, ok, json, body, redirected,
 * network} (never rejects; network: no answer at all, timeout included), .newId() (a UUID),
 * .deviceTime() (ISO 8601 with the device's offset), .storage(memory) (read/write/remove/keys).
 */
(function () {
  "use strict";

  // ------------------------------------------------------------------ storage

  function storage(mirror) {
    var memory = mirror ? {} : null;
    function has(key) { return memory && Object.prototype.hasOwnProperty.call(memory, key); }
    return {
      read: function (key) {
        try {
          var text = window.localStorage.getItem(key);
          if (text) return JSON.parse(text);
        } catch (e) { /* unavailable */ }
        return has(key) ? memory[key] : null;
      },
      /* true when localStorage kept it (not only memory) */
      write: function (key, value) {
        if (memory) memory[key] = value;
        try { window.localStorage.setItem(key, JSON.stringify(value)); return true; } catch (e) { return false; }
      },
      remove: function (key) {
        if (memory) delete memory[key];
        try { window.localStorage.removeItem(key); } catch (e) { /* memory only */ }
      },
      keys: function (prefix) {
        var keys = {};
        try {
          for (var i = 0; i < window.localStorage.length; i++) {
            var k = window.localStorage.key(i);
            if (k && k.indexOf(prefix) === 0) keys[k] = 1;
          }
        } catch (e) { /* unavailable */ }
        if (memory) Object.keys(memory).forEach(function (k) { if (k.indexOf(prefix) === 0) keys[k] = 1; });
        return Object.keys(keys);
      }
    };
  }

  // ------------------------------------------------------------------ helpers

  function csrfToken() {
    var m = document.cookie.match(/(?:^|;\s*)xinmiao_csrf=([^;]*)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  function headers(extra) {
    var h = {"content-type": "application/json", "accept": "application/json", "x-csrftoken": csrfToken()};
    if (extra) Object.keys(extra).forEach(function (k) { h[k] = extra[k]; });
    return h;
  }
  function pad(n, width) { n = String(n); while (n.length < (width || 2)) n = "0" + n; return n; }
  /* The device's time as ISO 8601 with its UTC offset: 2026-05-01T08:30:12.345+08:00 */
  function deviceTime() {
    var d = new Date(), off = -d.getTimezoneOffset(), sign = off >= 0 ? "+" : "-";
    off = Math.abs(off);
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" +
      pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + "." + pad(d.getMilliseconds(), 3) + sign +
      pad(Math.floor(off / 60)) + ":" + pad(off % 60);
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

  /* A JSON request with the session cookie and the CSRF header; redirects are not followed
   * (a log-in page is no answer). Never rejects: {status, ok, json, body, redirected, network}. */
  function request(url, options) {
    options = options || {};
    var body = options.body === undefined ? undefined : (typeof options.body === "string" ? options.body : JSON.stringify(options.body));
    var init = {
      method: options.method || "POST", credentials: "same-origin", redirect: "manual", cache: "no-store", body: body,
      headers: headers(options.headers)
    };
    if (options.keepalive && body && body.length < 60000) init.keepalive = true;
    var controller = !init.keepalive && options.timeoutMs && window.AbortController ? new AbortController() : null, timer = null;
    if (controller) {   // weak venue Wi-Fi: a request that hangs counts as not answered
      init.signal = controller.signal;
      timer = setTimeout(function () { controller.abort(); }, options.timeoutMs);
    }
    return window.fetch(url, init).then(function (r) {
      clearTimeout(timer);
      var answer = {status: r.status, ok: r.ok, json: false, body: null, network: false,
                    redirected: r.type === "opaqueredirect" || r.status === 0};
      var type = r.headers.get("content-type") || "";
      if (answer.redirected || type.indexOf("json") < 0) return answer;
      return r.json().then(function (data) { answer.json = true; answer.body = data; return answer; },
                           function () { answer.unreadable = true; return answer; });
    }).catch(function () {
      clearTimeout(timer);
      return {status: 0, ok: false, json: false, body: null, network: true, redirected: false};
    });
  }

  // ------------------------------------------------------------------ the outbox

  function create(options) {
    var prefix = options.key;
    var store = storage(options.memory !== false);
    var idOf = options.id || function (item) { return item.id; };
    var timeOf = options.time || function (item) { return item.queuedAt || ""; };
    var same = options.same || function () { return true; };
    var skip = options.skip || function () { return false; };
    var retryMs = options.retryMs === undefined ? 8000 : options.retryMs;
    var maxRetryMs = options.maxRetryMs || 60000;
    var inflight = {}, flushing = null, failures = 0, timer = null, stopped = false;

    function keyOf(id) { return prefix + id; }
    function get(id) { return store.read(keyOf(id)); }
    function put(item) {
      if (idOf(item) === undefined || idOf(item) === null) item.id = newId();
      if (!item.queuedAt && !options.time) item.queuedAt = deviceTime();
      store.write(keyOf(idOf(item)), item);
      schedule();
      return item;
    }
    function remove(id) { store.remove(keyOf(id)); }
    function items() {
      return store.keys(prefix).map(function (k) { return store.read(k); }).filter(Boolean).sort(function (a, b) {
        var x = timeOf(a), y = timeOf(b);
        return x < y ? -1 : x > y ? 1 : 0;
      });
    }
    function waiting() { return items().filter(function (i) { return !i.rejected && !skip(i); }); }
    function notify(item, kind, result) {
      if (options.onState) { try { options.onState(item, kind, result); } catch (e) { if (window.console) console.error(e); } }
    }

    /* the outcome of an attempt, applied to what is stored */
    function settle(item, result) {
      var id = idOf(item), now = get(id);
      if (result.kind === "sent") {
        if (!now || same(now, item)) remove(id);
      } else if (result.kind === "rejected") {
        if (!now || same(now, item)) { item.rejected = true; store.write(keyOf(id), item); }
      }
      if (result.kind === "offline" || result.kind === "auth") {
        failures += 1;
      } else if (failures) {
        failures = 0;
        clearTimeout(timer);   // answered again: back to the short delay
        timer = null;
      }
    }

    function send(item, sendOptions) {
      var id = idOf(item);
      if (inflight[id]) return Promise.resolve(null);
      inflight[id] = true;
      var attempt;
      try { attempt = Promise.resolve(options.send(item, sendOptions || {})); } catch (e) { attempt = Promise.reject(e); }
      return attempt.then(null, function () { return {kind: "offline"}; }).then(function (result) {
        delete inflight[id];
        result = result && result.kind ? result : {kind: "offline"};
        settle(item, result);
        notify(item, result.kind, result);
        schedule();
        return result;
      });
    }

    /* Send what waits, oldest first; stop at the first that gets no answer or a log-in page. */
    function flush() {
      if (flushing) return flushing;
      var list = waiting().filter(function (i) { return !inflight[idOf(i)]; });
      if (!list.length) return Promise.resolve();
      if (navigator.onLine === false) {
        list.forEach(function (i) { notify(i, "offline", null); });
        return Promise.resolve();
      }
      var index = 0;
      flushing = new Promise(function (done) {
        function next() {
          if (index >= list.length) { done(); return; }
          var item = list[index++];
          var current = get(idOf(item));
          if (!current || current.rejected) { next(); return; }   // sent meanwhile (another tab), or refused
          send(current).then(function (result) {
            if (result && (result.kind === "offline" || result.kind === "auth")) { done(); return; }
            next();
          });
        }
        next();
      }).then(function () { flushing = null; });
      return flushing;
    }

    /* retry: while something waits, after retryMs, doubling (up to maxRetryMs) while it fails;
     * a timer already set is kept (new items do not push the retry of older ones back) */
    function schedule() {
      if (stopped || !retryMs || timer) return;
      var delay = Math.min(maxRetryMs, retryMs * Math.pow(2, Math.max(0, failures - 1)));
      timer = setTimeout(function () {
        timer = null;
        if (waiting().length) flush().then(schedule); else schedule();
      }, delay);
    }
    window.addEventListener("online", function () {
      failures = 0;
      clearTimeout(timer);
      timer = null;
      if (!stopped) flush().then(schedule);
    });
    schedule();

    return {
      put: put, get: get, remove: remove, items: items, send: send, flush: flush,
      size: function () { return items().length; },
      waiting: waiting,
      stop: function () { stopped = true; clearTimeout(timer); }
    };
  }

  window.XinmiaoOutbox = {
    create: create, request: request, csrfToken: csrfToken, headers: headers, newId: newId, deviceTime: deviceTime,
    storage: storage
  };
})();
