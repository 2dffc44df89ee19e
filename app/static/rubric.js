/* The rubric editor (templates/judging/scoring/rubric.html): the weights' sum as typed, and
 * "add a row" copying the last blank row. */
"use strict";
(function () {
  var form = document.getElementById("rubric-form");
  if (!form) return;
  function sum() {
    var total = 0, any = false;
    form.querySelectorAll("input.weight").forEach(function (i) { var v = parseFloat(i.value); if (!isNaN(v)) { total += v; any = true; } });
    document.getElementById("weight-sum").textContent = any ? (Math.round(total * 1000) / 1000) : "—";
  }
  form.addEventListener("input", sum);
  document.getElementById("add-row").addEventListener("click", function () {
    var rows = form.querySelectorAll("tr.blank-row");
    var row = rows[rows.length - 1].cloneNode(true);
    row.querySelectorAll("input, textarea").forEach(function (i) { i.value = ""; });
    rows[rows.length - 1].parentNode.appendChild(row);
    row.querySelector("input").focus();
  });
  sum();
})();
