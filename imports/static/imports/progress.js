// Polls the run's progress.json and reloads the page when the run is finished.
(function () {
  var box = document.getElementById("progress");
  if (!box) return;
  var bar = document.getElementById("progress-bar");
  var text = document.getElementById("progress-text");
  var gettext = typeof window.gettext === "function" ? window.gettext : function (s) { return s; };
  function poll() {
    // not following a redirect: signed out meanwhile (idle too long: polling is not activity),
    // the page reloads and the login page says why
    fetch(box.dataset.url, {credentials: "same-origin", redirect: "manual", headers: {"Accept": "application/json"}})
      .then(function (r) {
        var type = r.headers.get("Content-Type") || "";
        if (r.type === "opaqueredirect" || type.indexOf("json") < 0) { window.location.reload(); return null; }
        return r.json();
      })
      .then(function (data) {
        if (data === null) return;
        if (data.finished) { window.location.reload(); return; }
        // while writing there is no row count: a bar without a value moves on its own
        if (data.percent === null) { bar.removeAttribute("value"); } else { bar.value = data.percent; }
        text.textContent = data.outcome_label + (data.phase ? " · " + data.phase : "") + " · " +
          (data.percent === null ? data.total :
            data.progress + (data.total ? " / " + data.total : "")) + " " + gettext("行");
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
})();
