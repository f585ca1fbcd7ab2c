// The label station: the scan box keeps the focus (a keyboard-wedge scanner types wherever the focus
// is), is selected after each answer so the next scan replaces it, and the tests count answers.
(function () {
  "use strict";
  window.stationSettled = 0;  // answers shown (the browser tests wait on these)
  window.stationFound = 0;  // answers to a scan shown
  function focusScan() {
    var input = document.getElementById("scan-input");
    var a = document.activeElement;
    var busy = a && a !== document.body && a !== input && (a.tagName === "INPUT" || a.tagName === "TEXTAREA");
    if (input && !busy) { input.focus(); input.select(); }
  }
  document.addEventListener("htmx:afterSettle", function (e) {
    window.stationSettled += 1;
    if (e.detail.target && e.detail.target.id === "found") window.stationFound += 1;
    if (!e.detail.elt || e.detail.elt.id !== "queue") focusScan();
  });
})();
