/* What Xinmiao's service workers share (imported by checkin-sw.js and judge-sw.js with
 * importScripts): a page is network first with a cached copy for when the network fails,
 * assets are cache first in a versioned cache, and an install/activate pair that fills and
 * prunes that cache. Each worker says which pages and assets are its own. */
"use strict";

var XinmiaoWorker = {
  isGoodPage: function (response) {
    return response && response.status === 200 && response.type === "basic" && !response.redirected &&
      (response.headers.get("content-type") || "").indexOf("text/html") === 0;
  },

  /* The cached copy of ``path``, marked so the page knows it was not just made by the server. */
  cachedPage: function (pageCache, path) {
    return caches.match(path, {cacheName: pageCache}).then(function (cached) {
      if (!cached) return null;
      return cached.text().then(function (html) {
        return new Response(html.replace('data-page-copy="server"', 'data-page-copy="cached"'),
                            {status: 200, headers: {"content-type": cached.headers.get("content-type") || "text/html; charset=utf-8"}});
      });
    });
  },

  /* Network first: a good answer is copied into ``pageCache``; a 5xx or a failed request gets the
   * cached copy (or ``offline()`` when there is none); a page the server no longer gives (logged
   * out: a redirect, 401, 403) is removed from the cache. */
  page: function (pageCache, request, path, offline) {
    var W = XinmiaoWorker;
    return fetch(request).then(function (response) {
      if (W.isGoodPage(response)) {
        var copy = response.clone();
        caches.open(pageCache).then(function (cache) { return cache.put(path, copy); });
        return response;
      }
      if (response.status >= 500) {
        return W.cachedPage(pageCache, path).then(function (cached) { return cached || response; });
      }
      if (response.type === "opaqueredirect" || response.redirected || response.status === 401 || response.status === 403) {
        caches.open(pageCache).then(function (cache) { return cache.delete(path); });
      }
      return response;
    }, function (error) {
      return W.cachedPage(pageCache, path).then(function (cached) {
        if (cached) return cached;
        if (offline) return offline();
        throw error;
      });
    });
  },

  /* Cache first in ``assetCache``, filled from the network on a miss. */
  asset: function (assetCache, request, path) {
    return caches.match(path, {cacheName: assetCache}).then(function (cached) {
      if (cached) return cached;
      return fetch(request).then(function (response) {
        if (response.status === 200 && response.type === "basic") {
          var copy = response.clone();
          caches.open(assetCache).then(function (cache) { return cache.put(path, copy); });
        }
        return response;
      });
    });
  },

  /* install fills ``assetCache`` with ``assets``; activate deletes older caches named
   * ``prefix`` + another version, runs ``then`` (optional) and takes the open pages. */
  lifecycle: function (assetCache, prefix, assets, then) {
    self.addEventListener("install", function (event) {
      event.waitUntil(caches.open(assetCache).then(function (cache) {
        return cache.addAll(assets.map(function (u) { return new Request(u, {cache: "reload"}); }));
      }).then(function () { return self.skipWaiting(); }));
    });
    self.addEventListener("activate", function (event) {
      event.waitUntil(caches.keys().then(function (names) {
        return Promise.all(names.filter(function (n) {
          return n.indexOf(prefix) === 0 && n !== assetCache;
        }).map(function (n) { return caches.delete(n); }));
      }).then(function () { return then ? then() : null; }).then(function () { return self.clients.claim(); }));
    });
  }
};
