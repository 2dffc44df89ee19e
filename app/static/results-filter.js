/* The public results page (templates/judging/results/public_results.html): filters the rows already
 * on the page while one types or picks a category, division or award, without asking the server
 * (the page is the whole published list, served from the server's cache). Without this script the
 * form is sent and the server filters (the same rules: judging.results.services.filter_public_rows).
 * Each word typed must be found, in any order ("海口一中 李明" or "李明 海口一中"); names are searched
 * as shown: a masked name is only found as shown. A group's heading counts the rows it shows.
 */
"use strict";
(function () {
  var form = document.getElementById("results-filter");
  if (!form || form.getAttribute("data-live") !== "1") return;  // a page the server filtered: the form asks again
  var found = document.getElementById("result-found");
  var none = document.getElementById("result-none");
  var groups = Array.prototype.slice.call(document.querySelectorAll("details.result-group"));
  var rows = [];
  groups.forEach(function (group) {
    Array.prototype.forEach.call(group.querySelectorAll("tbody tr"), function (tr) {
      var text = "";
      Array.prototype.forEach.call(tr.querySelectorAll("td"), function (td, i) {
        if (i >= 2 && i <= 4) text += td.textContent;  // title, students, school (as shown)
      });
      rows.push({ tr: tr, group: group, award: (tr.querySelector("[data-award]") || tr).getAttribute("data-award") || "", text: fold(text) });
    });
    group.setAttribute("data-was-open", group.open ? "1" : "");
    var count = group.querySelector(".group-count");
    if (count) count.setAttribute("data-all", count.textContent);
  });
  var groupTemplate = (found && found.getAttribute("data-group-template")) || "{n}";
  function fold(text) { return text.replace(/\s+/g, "").toLowerCase(); }
  // the words typed, each to be found, in any order (judging.results.services.filter_public_rows)
  function words(text) { return text.split(/\s+/).filter(Boolean).map(function (w) { return w.toLowerCase(); }); }
  function value(name) { var field = form.elements[name]; return field ? field.value : ""; }
  var timer = null;
  function apply() {
    var needles = words(value("q")), category = value("category"), division = value("division"), award = value("award");
    var active = needles.length || category || division || award;
    var shown = 0, perGroup = new Map();
    rows.forEach(function (row) {
      var g = row.group;
      var ok = (!category || g.getAttribute("data-category") === category) &&
        (!division || g.getAttribute("data-division") === division) &&
        (!award || row.award === award) && needles.every(function (w) { return row.text.indexOf(w) >= 0; });
      row.tr.hidden = !ok;
      if (ok) { shown += 1; perGroup.set(g, (perGroup.get(g) || 0) + 1); }
    });
    groups.forEach(function (g) {
      var n = perGroup.get(g) || 0;
      g.hidden = !n;
      g.open = active ? n > 0 : g.getAttribute("data-was-open") === "1";
      var count = g.querySelector(".group-count");  // how many of the group's rows are shown
      if (count) count.textContent = active ? groupTemplate.replace("{n}", String(n)) : count.getAttribute("data-all");
    });
    if (found) {
      found.hidden = !active;
      found.textContent = active ? found.getAttribute("data-template").replace("{n}", String(shown)) : "";
    }
    if (none) none.hidden = !(active && shown === 0);
  }
  form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(apply, 80); });
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (event) {  // the address says what is shown (a link to share)
    event.preventDefault();
    apply();
    var query = new URLSearchParams(new FormData(form));
    Array.from(query.keys()).forEach(function (key) { if (!query.get(key)) query.delete(key); });
    var search = query.toString();
    if (window.history.replaceState) window.history.replaceState(null, "", form.action + (search ? "?" + search : ""));
  });
  if (value("q") || value("category") || value("division") || value("award")) apply();  // a form the browser restored
})();
