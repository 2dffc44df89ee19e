/* Xinmiao check-in service worker, served at /checkin/sw.js (scope /checkin/) by
 * competitions/checkin_pages.py and registered by the scan page (app/static/checkin.js).
 *
 * Its one job: a phone that reloads the scan page while the venue network is down still gets
 * the page, so the scanner comes up and the scans queued in localStorage are shown and sent
 * when the network is back.
 *
 *   - the scan page (/checkin/<id>/scan, GET navigations): network first; a good answer is
 *     copied into the cache, and served from there only when the network fails (or the
 *     server answers 5xx). A page the server no longer gives (logged out: a redirect to the
 *     login page) is removed from the cache.
 *   - /static/app.css, /static/checkin.js and the jsQR vendor file: cache first, in a cache
 *     named after VERSION. The server fills VERSION from the files' contents, so a new
 *     deployment installs a new worker and replaces them.
 *   - the shared parts (network-first pages, cache-first assets) are in sw-common.js.
 *   - everything else (the JSON endpoints, POSTs, other pages) is not touched at all.
 */
"use strict";
importScripts("/static/sw-common.js");

var VERSION = "__ASSETS_VERSION__";
var ASSET_CACHE = "xinmiao-checkin-assets-" + VERSION;
var PAGE_CACHE = "xinmiao-checkin-pages";
var ASSETS = ["/static/app.css", "/static/checkin.js", "/static/vendor/jsqr/jsQR.js"];
var SCAN_PAGE = /^\/checkin\/\d+\/scan$/;
var W = XinmiaoWorker;

/* Copy the scan pages open right now into the cache (the first page load happened before
 * this worker controlled it, so it did not pass through the fetch handler). */
function cacheOpenPages() {
  return self.clients.matchAll({type: "window", includeUncontrolled: true}).then(function (list) {
    var paths = {};
    list.forEach(function (c) {
      var url = new URL(c.url);
      if (url.origin === self.location.origin && SCAN_PAGE.test(url.pathname)) paths[url.pathname] = 1;
    });
    return caches.open(PAGE_CACHE).then(function (cache) {
      return Promise.all(Object.keys(paths).map(function (path) {
        return fetch(path, {credentials: "same-origin", cache: "no-store"}).then(function (r) {
          if (W.isGoodPage(r)) return cache.put(path, r);
        }, function () { /* offline: the next online load fills it */ });
      }));
    });
  });
}

W.lifecycle(ASSET_CACHE, "xinmiao-checkin-assets-", ASSETS, cacheOpenPages);

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && SCAN_PAGE.test(url.pathname)) {
    event.respondWith(W.page(PAGE_CACHE, request, url.pathname));
  } else if (ASSETS.indexOf(url.pathname) >= 0 && !url.search) {
    event.respondWith(W.asset(ASSET_CACHE, request, url.pathname));
  }
});
