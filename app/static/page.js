/* Behaviour every page shares, kept out of the HTML so the Content-Security-Policy can refuse
 * inline scripts and event handlers (app/web/headers.py):
 *   <form data-confirm="Sure?">   asks before submitting
 *   <button data-print>           prints the page
 *   <a data-back href="/">        goes back in history (the href is where it goes without history)
 */
"use strict";
document.addEventListener("submit", function (event) {
  var form = event.target.closest ? event.target.closest("form[data-confirm]") : null;
  if (form && !window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
}, true);
document.addEventListener("click", function (event) {
  if (!event.target.closest) return;
  if (event.target.closest("[data-print]")) { event.preventDefault(); window.print(); return; }
  if (event.target.closest("a[data-back]") && window.history.length > 1) { event.preventDefault(); window.history.back(); }
});
