/* Xinmiao judge service worker, served at /judging/sw.js (scope /judging/) by
 * judging/panels/pages.py and registered by the judge's pages (app/static/judge.js).
 *
 * Judges score on tablets on patchy Wi-Fi. Once the judge has opened the list of their entries
 * while online, the list and every entry page in it open without the network:
 *
 *   - judge pages (/judging/ and /judging/entries/<id>, GET navigations): network first; a good
 *     answer is copied into the page cache; when the network fails (or the server answers 5xx)
 *     the cached copy is served, marked data-page-copy="cached" so the page can say so. An entry
 *     page never opened (nor prefetched by the list) gets a short offline page with a link back
 *     to the list instead of the browser's error page. A page the server no longer gives
 *     (logged out: a redirect) is removed from the cache.
 *   - the list page puts its entry pages into the page cache itself (judge.js), and the
 *     scoring page refreshes its own copy after each save, so a cached page is rarely stale;
 *     when it is, the versioned save answers 409 and the page shows both versions.
 *   - /static/app.css, outbox.js, judge.js, page.js: cache first, in a cache named after
 *     VERSION (a digest of the static files filled in by the server).
 *   - everything else (the score PUTs, documents, other pages) is not touched.
 */
"use strict";

var VERSION = "__ASSETS_VERSION__";
var ASSET_CACHE = "xinmiao-judge-assets-" + VERSION;
var PAGE_CACHE = "xinmiao-judge-pages";
var ASSETS = ["/static/app.css", "/static/outbox.js", "/static/judge.js", "/static/page.js"];
var JUDGE_PAGE = /^\/judging\/(entries\/\d+)?$/;

var OFFLINE_PAGE =
  '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">' +
  '<meta name="viewport" content="width=device-width, initial-scale=1">' +
  '<title>离线 · Offline</title><link rel="stylesheet" href="/static/app.css"></head>' +
  '<body><main class="container" id="judge-offline"><section class="card">' +
  "<h1>网络已断开</h1><p>这一页还没有在联网时打开过，暂时无法显示。已填写但未发送的评分保存在本机，联网后会自动提交。</p>" +
  '<p><a class="button" href="/judging/">返回我的评审</a></p>' +
  '<p class="muted small" lang="en">You are offline and this page was not opened while online. Scores you entered ' +
  'are kept on this tablet and sent when the network is back. <a href="/judging/">Back to my entries</a></p>' +
  "</section></main></body></html>";

function isGoodPage(response) {
  return response && response.status === 200 && response.type === "basic" && !response.redirected &&
    (response.headers.get("content-type") || "").indexOf("text/html") === 0;
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(ASSET_CACHE).then(function (cache) {
    return cache.addAll(ASSETS.map(function (u) { return new Request(u, {cache: "reload"}); }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) {
      return n.indexOf("xinmiao-judge-assets-") === 0 && n !== ASSET_CACHE;
    }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

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

function offlinePage() {
  return new Response(OFFLINE_PAGE, {status: 503, headers: {"content-type": "text/html; charset=utf-8"}});
}

function judgePage(request, path) {
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
  }, function () {
    return cachedPage(path).then(function (cached) { return cached || offlinePage(); });
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
  if (request.mode === "navigate" && JUDGE_PAGE.test(url.pathname)) {
    event.respondWith(judgePage(request, url.pathname));
  } else if (ASSETS.indexOf(url.pathname) >= 0 && !url.search) {
    event.respondWith(asset(request, url.pathname));
  }
});
