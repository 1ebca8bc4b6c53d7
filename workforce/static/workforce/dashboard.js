/* Dashboard charts, drawn by the vendored Chart.js from the JSON the page embeds
   (#chart-data, written by Django's json_script). No inline script, no CDN. */
(function () {
  "use strict";
  var node = document.getElementById("chart-data");
  if (!node || typeof Chart === "undefined") { return; }
  var data = JSON.parse(node.textContent);
  // Django's JavaScript catalog (base.html) translates; without it the Chinese source shows.
  var gettext = typeof window.gettext === "function" ? window.gettext : function (s) { return s; };
  var BLUE = "#1f5fa8", GREEN = "#1d7f3a", RED = "#b42318", GREY = "#667085";

  function scaled(value, percent) {
    if (value === null || value === undefined) { return null; }
    return percent ? Math.round(value * 1000) / 10 : Math.round(value * 100) / 100;
  }
  function unit(percent) { return percent ? "%" : ""; }
  function metColour(value, target, percent, lowerIsBetter) {
    if (value === null) { return GREY; }
    var ok = lowerIsBetter ? value <= target : value >= target;
    return ok ? GREEN : RED;
  }
  function axis(percent) {
    return percent ? { beginAtZero: true, suggestedMax: 100, ticks: { callback: function (v) { return v + "%"; } } }
                   : { beginAtZero: true };
  }

  /* 1. The scope's shares (%) as bars coloured met/unmet, each target as a line marker
        (生师比 are not percentages: they are in the per-row chart). */
  var targetsCanvas = document.getElementById("chart-targets");
  var shares = data.measures.filter(function (m) { return m.percent; });
  if (targetsCanvas && shares.length) {
    var labels = shares.map(function (m) { return m.label; });
    var values = shares.map(function (m) { return scaled(m.value, true); });
    var goals = shares.map(function (m) { return scaled(m.target, true); });
    var colours = shares.map(function (m, i) { return metColour(values[i], goals[i], true, false); });
    new Chart(targetsCanvas, {
      data: {
        labels: labels,
        datasets: [
          { type: "bar", label: gettext("实际"), data: values, backgroundColor: colours,
            yAxisID: "y" },
          { type: "line", label: gettext("目标"), data: goals, showLine: false, pointStyle: "line", pointRadius: 14,
            pointBorderWidth: 3, borderColor: "#101828", backgroundColor: "#101828", yAxisID: "y" }
        ]
      },
      options: {
        maintainAspectRatio: false, animation: false,
        plugins: { legend: { display: true }, tooltip: { callbacks: { label: function (ctx) {
          return ctx.dataset.label + gettext("：") + ctx.parsed.y + "%";
        } } } },
        scales: { y: axis(true) }
      }
    });
  }

  /* 2. One measure across the rows (districts or schools), the target as a horizontal line. */
  var rowsCanvas = document.getElementById("chart-rows");
  var rowsSelect = document.getElementById("chart-rows-measure");
  if (rowsCanvas && rowsSelect && data.measures.length) {
    data.measures.forEach(function (m, i) {
      var opt = document.createElement("option");
      opt.value = String(i); opt.textContent = m.label; rowsSelect.appendChild(opt);
    });
    var rowsChart = null;
    var drawRows = function () {
      var m = data.measures[Number(rowsSelect.value)];
      var values = m.rows.map(function (v) { return scaled(v, m.percent); });
      var goal = scaled(m.target, m.percent);
      var config = {
        data: {
          labels: data.row_names,
          datasets: [
            { type: "bar", label: m.label, data: values,
              backgroundColor: values.map(function (v) { return metColour(v, goal, m.percent, !m.percent); }) },
            { type: "line", label: gettext("目标") + " " + goal + unit(m.percent), data: data.row_names.map(function () { return goal; }),
              borderColor: "#101828", borderDash: [6, 4], pointRadius: 0, borderWidth: 2 }
          ]
        },
        options: { maintainAspectRatio: false, animation: false, scales: { y: axis(m.percent) } }
      };
      if (rowsChart) { rowsChart.destroy(); }
      rowsChart = new Chart(rowsCanvas, config);
    };
    rowsSelect.addEventListener("change", drawRows);
    drawRows();
  }

  /* 3. Trend of the scope against the chosen plan: its own snapshots (one per school year), the
        live figure of the page and the plan's target; the plan's baseline on the city only. The
        server sends the categories in time order and each series' values aligned to them. */
  var trendCanvas = document.getElementById("chart-trend");
  var trendSelect = document.getElementById("chart-trend-measure");
  var trend = data.trend || {};
  var series = trend.series || [];
  var categories = trend.categories || [];
  if (trendCanvas && trendSelect && series.length && categories.length) {
    series.forEach(function (s, i) {
      var opt = document.createElement("option");
      opt.value = String(i); opt.textContent = s.label; trendSelect.appendChild(opt);
    });
    var labels = categories.map(function (c) { return c.label; });
    var pointStyles = categories.map(function (c) {
      return c.kind === "baseline" ? "rectRot" : (c.kind === "live" ? "triangle" : "circle");
    });
    var pointRadii = categories.map(function (c) { return c.kind === "live" ? 8 : 5; });
    var targetYear = trend.plan ? trend.plan.target_year : "";
    var trendChart = null;
    var drawTrend = function () {
      var s = series[Number(trendSelect.value)];
      var actual = s.values.map(function (v) { return scaled(v, s.percent); });
      var goal = scaled(s.target, s.percent);
      var colours = actual.map(function (v) { return metColour(v, goal, s.percent, s.lower_is_better); });
      var config = {
        type: "line",
        data: {
          labels: labels,
          datasets: [
            { label: s.label, data: actual, borderColor: BLUE, backgroundColor: colours, pointBackgroundColor: colours,
              pointBorderColor: colours, pointStyle: pointStyles, pointRadius: pointRadii, spanGaps: true, tension: 0.1 },
            { label: gettext("目标") + " " + goal + unit(s.percent) + (targetYear ? "（" + targetYear + "）" : ""),
              data: labels.map(function () { return goal; }),
              borderColor: "#101828", borderDash: [6, 4], pointRadius: 0, borderWidth: 2 }
          ]
        },
        options: {
          maintainAspectRatio: false, animation: false,
          plugins: { tooltip: { callbacks: { label: function (ctx) {
            return ctx.dataset.label + gettext("：") + ctx.parsed.y + unit(s.percent);
          } } } },
          scales: { y: axis(s.percent) }
        }
      };
      if (trendChart) { trendChart.destroy(); }
      trendChart = new Chart(trendCanvas, config);
    };
    trendSelect.addEventListener("change", drawTrend);
    /* start on the first measure that applies to this scope */
    var present = data.measures.map(function (m) { return m.key; });
    for (var i = 0; i < series.length; i++) {
      if (present.indexOf(series[i].code) >= 0) { trendSelect.value = String(i); break; }
    }
    drawTrend();
  }
  document.documentElement.setAttribute("data-charts", "ready");
})();
