/* The head referee's review page (templates/judging/robotics/referee_review.html): "select all"
 * ticks every run waiting for approval (or, on templates/judging/matches/referee_review.html, every
 * match waiting for commit), and the button counts the selected ones. */
"use strict";
(function () {
  var form = document.getElementById("approve-form");
  var all = document.getElementById("select-all");
  var count = document.getElementById("selected-count");
  if (!form || !all) return;
  function boxes() { return Array.prototype.slice.call(form.querySelectorAll('input[type="checkbox"]:not(#select-all)')); }
  function update() {
    var list = boxes();
    var ticked = list.filter(function (b) { return b.checked; }).length;
    all.checked = list.length > 0 && ticked === list.length;
    all.indeterminate = ticked > 0 && ticked < list.length;
    if (count) count.textContent = ticked ? "(" + ticked + ")" : "";
  }
  all.addEventListener("change", function () {
    boxes().forEach(function (b) { b.checked = all.checked; });
    update();
  });
  form.addEventListener("change", function (e) { if (e.target !== all) update(); });
  update();
})();
