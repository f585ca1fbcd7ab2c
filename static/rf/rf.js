// The few lines the RF screens need beside htmx: a scan id per submit, focus, and sounds.
(function () {
  "use strict";
  // A v4 UUID from the browser's random source (crypto.randomUUID needs HTTPS; scanners may not have it).
  function uuid4() {
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  // One id per submit, kept in the form until a response replaces it: a retry sends the same id.
  document.addEventListener("htmx:configRequest", function (e) {
    var field = e.detail.elt.querySelector && e.detail.elt.querySelector("input[name=scan_id]");
    if (!field) return;
    if (!field.value) field.value = uuid4();
    e.detail.parameters.scan_id = field.value;
  });
  document.addEventListener("submit", function (e) {  // without htmx (it failed to load): same rule
    var field = e.target.querySelector("input[name=scan_id]");
    if (field && !field.value) field.value = uuid4();
  });
  function focusInput() {
    var input = document.getElementById("rf-input");
    if (input && document.activeElement !== input) { input.focus(); input.select && input.select(); }
  }
  // The input keeps the focus: a scanner types wherever the focus is.
  document.addEventListener("focusout", function () { setTimeout(function () {
    var a = document.activeElement;
    if (!a || a === document.body) focusInput();
  }, 50); });
  var audio = null;
  window.rfTones = [];  // what was played, for the browser tests
  function tone(kind) {
    window.rfTones.push(kind);
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var o = audio.createOscillator(), g = audio.createGain();
      o.type = kind === "error" ? "square" : "sine";
      o.frequency.value = kind === "error" ? 220 : 1046;
      var length = kind === "error" ? 0.45 : 0.08;
      g.gain.setValueAtTime(0.25, audio.currentTime);
      g.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + length);
      o.connect(g); g.connect(audio.destination); o.start(); o.stop(audio.currentTime + length);
    } catch (err) { /* no audio device: the colour still says it */ }
  }
  // A bounced Enter (wms/floor/views.py) is answered 204 and swaps nothing: the screen, with its
  // message, stays; the next scan gets a new id. Counted as a settled response for the tests.
  window.rfIgnored = 0;
  document.addEventListener("htmx:afterRequest", function (e) {
    var xhr = e.detail.xhr;
    if (!xhr || xhr.status !== 204 || !xhr.getResponseHeader("X-RF-Ignored")) return;
    var field = e.detail.elt.querySelector && e.detail.elt.querySelector("input[name=scan_id]");
    if (field) field.value = "";
    window.rfIgnored += 1;
    window.rfSettled += 1;
    focusInput();
  });
  window.rfSettled = 0;  // how many responses have been shown (the browser tests wait on it)
  document.addEventListener("htmx:afterSettle", function (e) {
    window.rfSettled += 1;
    var screen = document.getElementById("screen");
    if (screen && screen.dataset.tone) tone(screen.dataset.tone === "error" ? "error" : "ok");
    focusInput();
  });
  function trouble(text) {
    var screen = document.getElementById("screen");
    if (screen) {
      screen.className = "rf-screen tone-error";
      var p = document.getElementById("result") || document.createElement("p");
      p.id = "result"; p.className = "rf-result error"; p.setAttribute("role", "status");
      p.textContent = text;
      screen.insertBefore(p, screen.firstChild);
    }
    tone("error");
    window.rfSettled += 1;
  }
  // The form keeps its scan id on both: sending again is the same scan, applied once.
  document.addEventListener("htmx:sendError", function () {
    trouble("No connection — nothing was lost. Scan or press the button again to resend the same scan.");
  });
  document.addEventListener("htmx:responseError", function (e) {
    trouble("The server could not answer (error " + e.detail.xhr.status + "). Scan again; if it " +
            "keeps failing, tell a supervisor.");
  });
  document.addEventListener("DOMContentLoaded", focusInput);
})();
