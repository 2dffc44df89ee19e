/* Xinmiao live pages (app/static/live.js): a page part that updates by itself.
 *
 * The page's event stream (app/live.py: `event: state` on connect, then `event: change` per
 * change, counts only) tells the page WHEN to refresh; the page then fetches its own route
 * again and swaps the part in, so what is shown always comes from the guarded page itself.
 * Refreshes are debounced: at most one fetch every `minGap` ms (default 2 s), the last
 * change always followed by one. Without EventSource, or when the stream fails (an HTTP
 * error closes it, or three errors in a row without an event), the page polls at the old
 * interval instead and tries the stream again every minute. A hidden tab does not fetch;
 * it refreshes once when shown again.
 *
 *   var live = XinmiaoLive.watch({
 *     url: "/checkin/5/live/events",          // the page's event stream
 *     refresh: XinmiaoLive.fragment({url: location.pathname, id: "live"}),  // -> Promise
 *     interval: 10000,                        // polling fallback (ms)
 *     shown: function () { return {...} },    // optional: the state the page shows now; a
 *                                             // `state` event equal to it (on the keys it has) needs no refresh
 *     onState: function (data) {},            // optional: return true when handled (no refresh)
 *     onChange: function (data) {},           // optional: return true when handled (no refresh)
 *     events: ["match", "bracket"],           // optional: more event names handled as a change
 *     errorEl: element,                       // optional: shown while refreshing fails
 *     modeEl: element                         // optional: its [data-live-mode=live|polling] children
 *   });                                       //   are shown for the current mode
 *   live.refresh(); live.stop(); live.mode();   // "live" | "polling" | "connecting"
 *
 *   XinmiaoLive.fragment({url, id, before(fresh, current), after(fresh)}) -> refresh function:
 *   fetches `url` (same origin, no cache, no redirect followed), takes the element `id` of
 *   the answer and puts it in place of the page's.
 */
(function () {
  "use strict";

  var RETRY_STREAM_MS = 60000;
  var MAX_ERRORS = 3;

  /* `rendered` covers `state`: every key it has (recursively; arrays item by item) is equal. */
  function covers(rendered, state) {
    if (rendered === null || typeof rendered !== "object") return rendered === state;
    if (state === null || typeof state !== "object") return false;
    if (Array.isArray(rendered)) {
      if (!Array.isArray(state) || state.length !== rendered.length) return false;
      for (var i = 0; i < rendered.length; i++) { if (!covers(rendered[i], state[i])) return false; }
      return true;
    }
    for (var k in rendered) {
      if (Object.prototype.hasOwnProperty.call(rendered, k) && !covers(rendered[k], state[k])) return false;
    }
    return true;
  }

  function parse(text) { try { return JSON.parse(text); } catch (e) { return null; } }

  function fragment(options) {
    return function () {
      var url = typeof options.url === "function" ? options.url() : options.url;
      return window.fetch(url, {credentials: "same-origin", cache: "no-store", redirect: "manual"}).then(function (r) {
        if (!r.ok) throw new Error(String(r.status));
        return r.text();
      }).then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(options.id);
        var current = document.getElementById(options.id);
        if (!fresh || !current) throw new Error("no fragment");
        if (options.before) options.before(fresh, current);
        current.replaceWith(document.importNode(fresh, true));
        if (options.after) options.after(document.getElementById(options.id));
      });
    };
  }

  function watch(options) {
    var minGap = options.minGap || 2000;
    var interval = options.interval || 10000;
    var source = null, pollTimer = null, retryTimer = null, gapTimer = null;
    var busy = false, pending = false, dirty = false, last = 0, errors = 0, stopped = false;
    var mode = "connecting";

    function setMode(name) {
      mode = name;
      if (!options.modeEl) return;
      Array.prototype.forEach.call(options.modeEl.querySelectorAll("[data-live-mode]"), function (el) {
        el.hidden = el.getAttribute("data-live-mode") !== (name === "polling" ? "polling" : "live");
      });
    }
    function showError(on) { if (options.errorEl) options.errorEl.hidden = !on; }

    // ---- debounced refresh: at most one fetch every minGap ms, the last request always served
    function request() {
      if (stopped) return;
      if (document.hidden) { dirty = true; return; }
      if (busy || gapTimer) { pending = true; return; }
      var wait = last + minGap - Date.now();
      if (wait > 0) { gapTimer = setTimeout(function () { gapTimer = null; run(); }, wait); return; }
      run();
    }
    function run() {
      pending = false;
      busy = true;
      last = Date.now();
      var done = function (ok) {
        busy = false;
        showError(!ok);
        if (pending) request();
      };
      try {
        Promise.resolve(options.refresh()).then(function () { done(true); }, function () { done(false); });
      } catch (e) { done(false); }
    }
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden && dirty) { dirty = false; request(); }
    });

    // ---- polling fallback
    function startPolling() {
      setMode("polling");
      if (!pollTimer) pollTimer = setInterval(request, interval);
    }
    function stopPolling() {
      if (pollTimer) { clearInterval(pollTimer); pollTimer = null; }
    }

    // ---- the event stream
    function onState(e) {
      errors = 0;
      stopPolling();
      setMode("live");
      var data = parse(e.data) || {};
      if (options.onState && options.onState(data) === true) return;
      var shown = options.shown ? options.shown() : null;
      if (shown && covers(shown, data)) return;   // the page already shows this
      request();
    }
    function onChange(e) {
      errors = 0;
      var data = parse(e.data) || {};
      if (options.onChange && options.onChange(data) === true) return;
      request();
    }
    function connect() {
      retryTimer = null;
      errors = 0;
      if (stopped || source) return;
      if (!window.EventSource) { startPolling(); return; }
      try {
        source = new window.EventSource(options.url);
      } catch (e) { source = null; startPolling(); return; }
      source.addEventListener("state", onState);
      source.addEventListener("change", onChange);
      source.addEventListener("message", onChange);
      (options.events || []).forEach(function (name) { source.addEventListener(name, onChange); });
      source.onerror = function () {
        errors += 1;
        if (source && (source.readyState === 2 || errors >= MAX_ERRORS)) {   // 2: CLOSED (an HTTP error)
          source.close();
          source = null;
          startPolling();
          request();   // what changed while the stream was down
          if (!retryTimer) retryTimer = setTimeout(connect, RETRY_STREAM_MS);
        }
      };
    }
    window.addEventListener("pagehide", function () { if (source) { source.close(); source = null; } });
    window.addEventListener("pageshow", function (e) { if (e.persisted && !source && !stopped) connect(); });

    connect();

    return {
      refresh: request,
      mode: function () { return mode; },
      stop: function () {
        stopped = true;
        if (source) source.close();
        source = null;
        stopPolling();
        clearTimeout(retryTimer);
        clearTimeout(gapTimer);
      }
    };
  }

  window.XinmiaoLive = {watch: watch, fragment: fragment, covers: covers};
})();
