/* Dashboard charts and small behaviours. No inline script anywhere (strict CSP): a chart reads
   its data from the JSON in its canvas's data-rt-values attribute. */
(function () {
  "use strict";

  function fmtDuration(seconds) {
    if (seconds === null || seconds === undefined) return "–";
    var s = Math.round(seconds);
    if (s < 60) return s + "s";
    if (s < 3600) return Math.floor(s / 60) + "m";
    if (s < 86400) {
      var m = Math.floor((s % 3600) / 60);
      return Math.floor(s / 3600) + "h " + (m < 10 ? "0" : "") + m + "m";
    }
    return Math.floor(s / 86400) + "d " + Math.floor((s % 86400) / 3600) + "h";
  }

  // Axis labels sit on round steps: "4d", "6h", "30m" read better than "4d 0h".
  function fmtAxis(seconds) {
    if (seconds === 0) return "0";
    if (seconds % 86400 === 0) return seconds / 86400 + "d";
    if (seconds % 3600 === 0) return seconds / 3600 + "h";
    return fmtDuration(seconds);
  }

  function css(name, fallback) {
    var v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return v || fallback;
  }

  // Axis steps people read at a glance: minutes, hours, days.
  var STEPS = [60, 300, 600, 900, 1800, 3600, 7200, 10800, 14400, 21600, 43200, 86400, 172800,
               345600, 604800];
  function niceAxis(values) {
    var top = Math.max.apply(null, values.filter(function (v) { return v !== null; }).concat([60]));
    var step = STEPS.find(function (s) { return s * 5 >= top; }) || STEPS[STEPS.length - 1];
    return { stepSize: step, max: Math.ceil(top / step) * step };
  }

  function trendChart(canvas, data) {
    var axis = niceAxis(data.median.concat(data.p90));
    var accent = css("--rtd-accent", "#4f46e5");
    var soft = css("--rtd-accent-soft", "#c7d2fe");
    var bars = css("--rtd-bars", "#e5e7eb");
    var text = css("--rtd-muted-color", "#6b7280");
    return new window.Chart(canvas, {
      data: {
        labels: data.labels,
        datasets: [
          { type: "line", label: "Median", data: data.median, yAxisID: "y", borderColor: accent,
            backgroundColor: accent, cubicInterpolationMode: "monotone", spanGaps: true, pointRadius: 2, borderWidth: 2 },
          { type: "line", label: "p90", data: data.p90, yAxisID: "y", borderColor: soft,
            backgroundColor: soft, borderDash: [5, 4], cubicInterpolationMode: "monotone", spanGaps: true, pointRadius: 0,
            borderWidth: 2 },
          { type: "bar", label: "Received", data: data.received, yAxisID: "v", backgroundColor: bars,
            borderRadius: 3, order: 10 }
        ]
      },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { position: "bottom", labels: { color: text, boxWidth: 12, usePointStyle: true } },
          tooltip: { callbacks: { label: function (ctx) {
            if (ctx.dataset.yAxisID === "v") return ctx.dataset.label + ": " + ctx.parsed.y;
            return ctx.dataset.label + ": " + fmtDuration(ctx.parsed.y);
          } } }
        },
        scales: {
          x: { grid: { display: false }, ticks: { color: text, maxRotation: 0, autoSkip: true, maxTicksLimit: 12 } },
          y: { position: "left", beginAtZero: true, max: axis.max,
               ticks: { color: text, stepSize: axis.stepSize,
               callback: function (v) { return fmtAxis(v); } }, grid: { color: "rgba(0,0,0,0.05)" } },
          v: { position: "right", beginAtZero: true, grid: { display: false },
               ticks: { color: text, maxTicksLimit: 5 } }
        }
      }
    });
  }

  var charts = [];

  function drawCharts(root) {
    if (!window.Chart) return;
    charts = charts.filter(function (c) {
      if (!document.body.contains(c.canvas)) { c.destroy(); return false; }
      return true;
    });
    (root || document).querySelectorAll("canvas[data-rt-chart]").forEach(function (canvas) {
      if (canvas.dataset.rtDrawn) return;
      if (!canvas.dataset.rtValues) return;
      canvas.dataset.rtDrawn = "1";
      charts.push(trendChart(canvas, JSON.parse(canvas.dataset.rtValues)));
    });
  }

  // The custom date fields only matter for a custom range; keep them out of the way otherwise.
  function syncCustom(form) {
    var period = form.querySelector("select[name=period]");
    if (!period) return;
    var custom = period.value === "custom";
    form.classList.toggle("is-custom", custom);
    form.querySelectorAll(".rtd-custom input").forEach(function (input) { input.disabled = !custom; });
  }

  // The app's dashboard links keep the chosen filters, so moving between dashboards keeps the
  // same period, team, mailbox and clock (and the address stays shareable).
  var KEPT = ["period", "from", "to", "team", "mailbox", "clock"];
  function carryFilters() {
    var here = new URLSearchParams(window.location.search);
    var kept = new URLSearchParams();
    KEPT.forEach(function (k) { if (here.get(k)) kept.set(k, here.get(k)); });
    var base = window.location.pathname.split("/").slice(0, 3).join("/") + "/";
    document.querySelectorAll("a[data-rt-dash], .rt-nav a").forEach(function (a) {
      var url = new URL(a.href, window.location.href);
      if (url.origin !== window.location.origin || url.pathname.indexOf(base) !== 0) return;
      if (url.pathname.indexOf(base + "settings") === 0) return;
      url.search = kept.toString();
      a.href = url.pathname + (url.search ? url.search : "");
    });
  }

  function init(root) {
    carryFilters();
    document.querySelectorAll("#rtd-filters").forEach(function (form) {
      syncCustom(form);
      if (!form.dataset.rtBound) {
        form.dataset.rtBound = "1";
        form.addEventListener("change", function () { syncCustom(form); }, true);
        form.classList.add("has-js");
      }
    });
    drawCharts(root);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSettle", function (e) { init(e.target); });
  window.addEventListener("load", function () { drawCharts(document); });
  document.addEventListener("htmx:pushedIntoHistory", carryFilters);
})();
