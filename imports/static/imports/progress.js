// Polls the run's progress.json and reloads the page when the run is finished.
(function () {
  var box = document.getElementById("progress");
  if (!box) return;
  var bar = document.getElementById("progress-bar");
  var text = document.getElementById("progress-text");
  var gettext = typeof window.gettext === "function" ? window.gettext : function (s) { return s; };
  function poll() {
    fetch(box.dataset.url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (data) {
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
