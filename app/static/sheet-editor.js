/* The score-sheet editor (templates/judging/robotics/sheet.html): "整理格式" re-indents the JSON
 * text; clicking a validation message whose path names an item (items[2].max) selects that
 * item's code in the text, so the organizer sees which item the message is about. */
"use strict";
(function () {
  var text = document.getElementById("sheet-text");
  var format = document.getElementById("sheet-format");
  if (!text) return;
  if (format) {
    format.addEventListener("click", function () {
      try { text.value = JSON.stringify(JSON.parse(text.value), null, 2); } catch (e) { /* the server says where */ }
    });
  }
  document.querySelectorAll("#sheet-errors li[data-field]").forEach(function (li) {
    var m = /^items\[(\d+)\]/.exec(li.getAttribute("data-field"));
    if (!m) return;
    li.style.cursor = "pointer";
    li.addEventListener("click", function () {
      var data;
      try { data = JSON.parse(text.value); } catch (e) { return; }
      var item = data && data.items && data.items[Number(m[1])];
      if (!item || !item.code) return;
      var needle = JSON.stringify(String(item.code));
      var at = text.value.indexOf(needle);
      if (at < 0) return;
      text.focus();
      text.setSelectionRange(at, at + needle.length);
    });
  });
})();
/* The form editor (sheet_form.html): an item shows the fields of its type; changing the type
 * switches them at once (the values of hidden fields are kept and sent as they are). */
(function () {
  document.querySelectorAll(".sheet-item select.item-type").forEach(function (select) {
    var item = select.closest(".sheet-item");
    if (!item) return;
    select.addEventListener("change", function () { item.setAttribute("data-type", select.value); });
  });
})();
