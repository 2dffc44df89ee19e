/* Xinmiao referee service worker, served at /referee/sw.js (scope /referee/) by
 * judging/robotics/pages.py and registered by the referee's pages (app/static/referee.js).
 *
 * Referees record runs on tablets at the field, where the Wi-Fi drops. Once a challenge's queue
 * was opened online (it caches itself and the challenge's run form), both open without the
 * network; the run form reads the team and round from its query, so one cached copy serves
 * every team and round. Runs recorded offline wait in the outbox (app/static/outbox.js).
 *
 *   - referee pages (/referee/, /referee/<event>/<code>/, /referee/<event>/<code>/run, the match
 *     list /referee/<event>/<code>/matches/ and form .../matches/score; GET
 *     navigations): network first, the cached copy when the network fails (sw-common.js), a
 *     short offline page for a page never opened online.
 *   - /static/app.css, referee.css, outbox.js, sheet-score.js, referee-kit.js, referee.js,
 *     referee-matches.js, page.js: cache first, versioned.
 *   - everything else (run submissions, review, corrections) is not touched.
 */
"use strict";
importScripts("/static/sw-common.js");

var VERSION = "__ASSETS_VERSION__";
var ASSET_CACHE = "xinmiao-referee-assets-" + VERSION;
var PAGE_CACHE = "xinmiao-referee-pages";
var ASSETS = ["/static/app.css", "/static/referee.css", "/static/outbox.js", "/static/sheet-score.js",
              "/static/referee-kit.js", "/static/referee.js", "/static/referee-matches.js", "/static/page.js"];
var REFEREE_PAGE = /^\/referee\/(\d+\/[^/]+\/(run|matches\/(score)?)?)?$/;
var W = XinmiaoWorker;

var OFFLINE_PAGE =
  '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">' +
  '<meta name="viewport" content="width=device-width, initial-scale=1">' +
  '<title>离线 · Offline</title><link rel="stylesheet" href="/static/app.css"></head>' +
  '<body><main class="container" id="referee-offline"><section class="card">' +
  "<h1>网络已断开</h1><p>这一页还没有在联网时打开过，暂时无法显示。已记录但未发送的成绩保存在本机，联网后会自动提交。</p>" +
  '<p><a class="button" href="/referee/">返回我的赛项</a></p>' +
  '<p class="muted small" lang="en">You are offline and this page was not opened while online. Runs you recorded ' +
  'are kept on this tablet and sent when the network is back. <a href="/referee/">Back to my challenges</a></p>' +
  "</section></main></body></html>";

function offlinePage() {
  return new Response(OFFLINE_PAGE, {status: 503, headers: {"content-type": "text/html; charset=utf-8"}});
}

W.lifecycle(ASSET_CACHE, "xinmiao-referee-assets-", ASSETS);

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && REFEREE_PAGE.test(url.pathname)) {
    event.respondWith(W.page(PAGE_CACHE, request, url.pathname, offlinePage));
  } else if (ASSETS.indexOf(url.pathname) >= 0 && !url.search) {
    event.respondWith(W.asset(ASSET_CACHE, request, url.pathname));
  }
});
