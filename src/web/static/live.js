// Live status of a submission page: polls the status and reloads the page when the submission
// changes state, so the verdict appears without a manual refresh. Without JavaScript the page
// refreshes itself through a <noscript> meta refresh instead.
(function () {
  var el = document.querySelector("[data-status-url]");
  if (!el) return;
  var url = el.getAttribute("data-status-url");
  var shown = el.getAttribute("data-status");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (s && s.status !== shown) {
          if (s.status === "completed") { window.location.reload(); return; }
          shown = s.status;
          el.textContent = s.status;
        }
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 1000);
})();
