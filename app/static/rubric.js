/* The rubric editor (templates/judging/scoring/rubric.html): the weights' sum as typed, with
 * whether it is the 100 the rubric needs (messages from #weight-line's data-ok / data-bad), and
 * "add a row" copying the last blank row. */
"use strict";
(function () {
  var form = document.getElementById("rubric-form");
  if (!form) return;
  var line = document.getElementById("weight-line"), note = document.getElementById("weight-note");
  function sum() {
    // thousandths as integers, so 33.333 + 33.333 + 33.334 is exactly 100
    var total = 0, any = false;
    form.querySelectorAll("input.weight").forEach(function (i) { var v = parseFloat(i.value); if (!isNaN(v)) { total += Math.round(v * 1000); any = true; } });
    var shown = any ? String(total / 1000) : "—";
    document.getElementById("weight-sum").textContent = shown;
    if (!line || !note) return;
    var ok = total === 100000;
    line.classList.toggle("error-text", any && !ok);
    note.textContent = !any ? "" : (ok ? line.dataset.ok : line.dataset.bad.replace("{total}", shown));
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
