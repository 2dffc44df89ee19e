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
 *   - everything else (the JSON endpoints, POSTs, other pages) is not touched at all.
 */
"use strict";

var VERSION = "__ASSETS_VERSION__";
var ASSET_CACHE = "xinmiao-checkin-assets-" + VERSION;
var PAGE_CACHE = "xinmiao-checkin-pages";
var ASSETS = ["/static/app.css", "/static/checkin.js", "/static/vendor/jsqr/jsQR.js"];
var SCAN_PAGE = /^\/checkin\/\d+\/scan$/;

function isGoodPage(response) {
  return response && response.status === 200 && response.type === "basic" && !response.redirected &&
    (response.headers.get("content-type") || "").indexOf("text/html") === 0;
}

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
          if (isGoodPage(r)) return cache.put(path, r);
        }, function () { /* offline: the next online load fills it */ });
      }));
    });
  });
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(ASSET_CACHE).then(function (cache) {
    return cache.addAll(ASSETS.map(function (u) { return new Request(u, {cache: "reload"}); }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) {
      return n.indexOf("xinmiao-checkin-assets-") === 0 && n !== ASSET_CACHE;
    }).map(function (n) { return caches.delete(n); }));
  }).then(cacheOpenPages).then(function () { return self.clients.claim(); }));
});

function scanPage(request, path) {
  return fetch(request).then(function (response) {
    if (isGoodPage(response)) {
      var copy = response.clone();
      caches.open(PAGE_CACHE).then(function (cache) { return cache.put(path, copy); });
      return response;
    }
    if (response.status >= 500) {
      return cachedPage(path).then(function (cached) { return cached || response; });
    }
    if (response.type === "opaqueredirect" || response.redirected || response.status === 401 || response.status === 403) {
      caches.open(PAGE_CACHE).then(function (cache) { return cache.delete(path); });
    }
    return response;
  }, function (error) {
    return cachedPage(path).then(function (cached) {
      if (cached) return cached;
      throw error;
    });
  });
}

/* The cached copy, marked so the page knows it was not just made by the server. */
function cachedPage(path) {
  return caches.match(path, {cacheName: PAGE_CACHE}).then(function (cached) {
    if (!cached) return null;
    return cached.text().then(function (html) {
      return new Response(html.replace('data-page-copy="server"', 'data-page-copy="cached"'),
                          {status: 200, headers: {"content-type": cached.headers.get("content-type") || "text/html; charset=utf-8"}});
    });
  });
}

function asset(request, path) {
  return caches.match(path, {cacheName: ASSET_CACHE}).then(function (cached) {
    if (cached) return cached;
    return fetch(request).then(function (response) {
      if (response.status === 200 && response.type === "basic") {
        var copy = response.clone();
        caches.open(ASSET_CACHE).then(function (cache) { return cache.put(path, copy); });
      }
      return response;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && SCAN_PAGE.test(url.pathname)) {
    event.respondWith(scanPage(request, url.pathname));
  } else if (ASSETS.indexOf(url.pathname) >= 0 && !url.search) {
    event.respondWith(asset(request, url.pathname));
  }
});
