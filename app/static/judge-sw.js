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
 *   - the shared parts (network-first pages, cache-first assets) are in sw-common.js.
 *   - everything else (the score PUTs, documents, other pages) is not touched.
 */
"use strict";
importScripts("/static/sw-common.js");

var VERSION = "__ASSETS_VERSION__";
var ASSET_CACHE = "xinmiao-judge-assets-" + VERSION;
var PAGE_CACHE = "xinmiao-judge-pages";
var ASSETS = ["/static/app.css", "/static/outbox.js", "/static/judge.js", "/static/page.js"];
var JUDGE_PAGE = /^\/judging\/(entries\/\d+)?$/;
var W = XinmiaoWorker;

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

function offlinePage() {
  return new Response(OFFLINE_PAGE, {status: 503, headers: {"content-type": "text/html; charset=utf-8"}});
}

W.lifecycle(ASSET_CACHE, "xinmiao-judge-assets-", ASSETS);

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && JUDGE_PAGE.test(url.pathname)) {
    event.respondWith(W.page(PAGE_CACHE, request, url.pathname, offlinePage));
  } else if (ASSETS.indexOf(url.pathname) >= 0 && !url.search) {
    event.respondWith(W.asset(ASSET_CACHE, request, url.pathname));
  }
});
