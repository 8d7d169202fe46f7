// Small helpers for every page; each one only improves a page that already works without it.
(function () {
  function span(ms) {
    var s = Math.max(0, Math.ceil(ms / 1000));
    if (s < 60) return s + " s";
    var m = Math.floor(s / 60), r = s % 60;
    if (m < 60) return m + " min " + (r < 10 ? "0" : "") + r + " s";
    return Math.floor(m / 60) + " h " + (m % 60) + " min";
  }

  // Times: the server writes UTC; show them in the viewer's own zone, keeping UTC in the tooltip.
  document.querySelectorAll("time[datetime]").forEach(function (t) {
    var d = new Date(t.getAttribute("datetime"));
    if (isNaN(d)) return;
    t.title = t.textContent;
    t.textContent = d.toLocaleString(undefined, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" });
  });

  // A button held back by a cooldown counts down and comes back on by itself.
  document.querySelectorAll("button[data-wait-ms]").forEach(function (b) {
    var until = Date.now() + parseInt(b.getAttribute("data-wait-ms"), 10);
    var label = b.getAttribute("data-label");
    (function tick() {
      var left = until - Date.now();
      if (left <= 0) { b.disabled = false; b.textContent = label; return; }
      b.disabled = true;
      b.textContent = label + " (wait " + span(left) + ")";
      setTimeout(tick, 250);
    })();
  });

  // A time box: the time left, counting down; at zero the page reloads to show the closed state.
  document.querySelectorAll("[data-left-ms]").forEach(function (el) {
    var until = Date.now() + parseInt(el.getAttribute("data-left-ms"), 10);
    (function tick() {
      var left = until - Date.now();
      el.textContent = span(left);
      if (left <= 0) { setTimeout(function () { window.location.reload(); }, 1500); return; }
      setTimeout(tick, 500);
    })();
  });

  // Copy buttons copy the text of the element they name.
  document.querySelectorAll("button[data-copy]").forEach(function (b) {
    b.hidden = false;
    b.addEventListener("click", function () {
      var el = document.getElementById(b.getAttribute("data-copy"));
      if (!el) return;
      var text = el.value !== undefined ? el.value : el.textContent;
      var done = function () { b.textContent = "Copied"; setTimeout(function () { b.textContent = "Copy"; }, 2000); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () { select(el); });
      } else {
        select(el);
        try { document.execCommand("copy"); done(); } catch (e) { /* the text stays selected */ }
      }
    });
  });
  function select(el) {
    if (el.select) { el.select(); return; }
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }

  // Forms that do something hard to undo ask first.
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (!window.confirm(f.getAttribute("data-confirm"))) e.preventDefault();
    });
  });
})();
