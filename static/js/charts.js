/* Draw the warehouse's charts: every <canvas data-chart="ID"> takes its figures from
 * <script type="application/json" id="ID">, which browsers never run (so CSP script-src 'self'
 * does not block it). Shape: {"type": "line|bar|doughnut", "labels": [...], "datasets":
 * [{"label": "...", "data": [...], "dashed": bool}], "percent": bool, "locale": "vi"}.
 * With "percent" the figures are percentages (75.5 means 75.5 %). The page shows the same
 * figures in a table, so without this script (or Chart.js) nothing is lost. */
(function () {
  "use strict";
  if (typeof Chart === "undefined") return;

  // Okabe–Ito: told apart with the common colour-vision deficiencies. Yellow last: it is faint on white.
  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442"];
  // More bars than this read better lying down, with room for their labels.
  var HORIZONTAL_FROM = 9;
  var BAR_HEIGHT = 28;

  function colour(index) {
    return PALETTE[index % PALETTE.length];
  }

  function formatter(locale, percent) {
    var options = percent ? { style: "percent", maximumFractionDigits: 1 } : { maximumFractionDigits: 1 };
    var format;
    try {
      format = new Intl.NumberFormat(locale || undefined, options);
    } catch (error) {
      // An unknown locale tag: the browser's own is better than no chart.
      format = new Intl.NumberFormat(undefined, options);
    }
    return function (value) {
      if (value === null || value === undefined || isNaN(value)) return "–";
      return format.format(percent ? value / 100 : value);
    };
  }

  function reducedMotion() {
    return Boolean(window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches);
  }

  function lineDatasets(spec) {
    return spec.datasets.map(function (dataset, index) {
      return {
        label: dataset.label,
        data: dataset.data,
        borderColor: colour(index),
        // Hollow points, and a hollow dashed box in the legend, mark the dashed series beyond its colour.
        backgroundColor: dataset.dashed ? "#ffffff" : colour(index),
        borderDash: dataset.dashed ? [6, 4] : [],
        borderWidth: 2,
        pointRadius: spec.labels.length > 40 ? 0 : 2,
        pointHitRadius: 8,
        tension: 0,
        fill: false,
      };
    });
  }

  function barDatasets(spec) {
    return spec.datasets.map(function (dataset, index) {
      // A dashed series (last year) is drawn hollow, outlined in its colour: told apart by more than colour.
      return {
        label: dataset.label,
        data: dataset.data,
        backgroundColor: dataset.dashed ? "rgba(255, 255, 255, 0)" : colour(index),
        borderColor: colour(index),
        borderWidth: dataset.dashed ? 2 : 0,
      };
    });
  }

  function doughnutDatasets(spec) {
    return spec.datasets.map(function (dataset) {
      return {
        label: dataset.label,
        data: dataset.data,
        backgroundColor: dataset.data.map(function (_, index) { return colour(index); }),
        borderColor: "#ffffff",
        borderWidth: 2,
      };
    });
  }

  function config(spec, canvas) {
    var locale = spec.locale || document.documentElement.lang;
    var format = formatter(locale, Boolean(spec.percent));
    var share = formatter(locale, true);
    var type = spec.type;
    var options = {
      responsive: true,
      plugins: {
        legend: { display: type === "doughnut" || spec.datasets.length > 1 },
        tooltip: {
          callbacks: {
            label: function (item) {
              var name = type === "doughnut" ? item.label : item.dataset.label;
              var text = (name ? name + ": " : "") + format(item.raw);
              if (type === "doughnut" && !spec.percent) {
                var total = item.dataset.data.reduce(function (sum, v) { return sum + (Number(v) || 0); }, 0);
                if (total > 0) text += " (" + share((100 * item.raw) / total) + ")";
              }
              return text;
            },
          },
        },
      },
    };
    if (reducedMotion()) options.animation = false;
    var datasets;
    if (type === "line") {
      datasets = lineDatasets(spec);
      options.interaction = { mode: "index", intersect: false };
      options.scales = { y: { beginAtZero: true, ticks: { callback: format } } };
    } else if (type === "bar") {
      datasets = barDatasets(spec);
      var horizontal = spec.horizontal !== undefined ? Boolean(spec.horizontal) : spec.labels.length >= HORIZONTAL_FROM;
      var valueAxis = horizontal ? "x" : "y";
      options.indexAxis = horizontal ? "y" : "x";
      options.scales = {};
      options.scales[valueAxis] = { beginAtZero: true, ticks: { callback: format } };
      if (horizontal) {
        // Grow with the number of bars instead of squeezing them into a fixed aspect ratio.
        options.maintainAspectRatio = false;
        var perLabel = BAR_HEIGHT + 12 * (spec.datasets.length - 1);
        canvas.parentNode.style.height = spec.labels.length * perLabel + 60 + "px";
      }
    } else if (type === "doughnut") {
      datasets = doughnutDatasets(spec);
      // Shares need no full page width: a ring beside its legend.
      canvas.parentNode.style.maxWidth = "40rem";
      options.aspectRatio = 1.6;
      options.plugins.legend.position = canvas.parentNode.clientWidth >= 400 ? "right" : "bottom";
    } else {
      return null;
    }
    return { type: type, data: { labels: spec.labels, datasets: datasets }, options: options };
  }

  function draw(canvas) {
    var block = document.getElementById(canvas.dataset.chart);
    if (!block || block.type !== "application/json") return;
    var spec;
    try {
      spec = JSON.parse(block.textContent);
    } catch (error) {
      if (window.console) console.warn("charts.js: no chart for #" + canvas.dataset.chart, error);
      return;
    }
    if (!spec || !Array.isArray(spec.labels) || !Array.isArray(spec.datasets)) return;
    canvas.setAttribute("role", "img");
    if (canvas.dataset.label) canvas.setAttribute("aria-label", canvas.dataset.label);
    // Chart.js sizes the canvas from its parent, which must be positioned and hold nothing else.
    if (canvas.parentNode && canvas.parentNode.style) canvas.parentNode.style.position = "relative";
    var settings = config(spec, canvas);
    if (settings) new Chart(canvas, settings);
  }

  function drawAll() {
    Array.prototype.forEach.call(document.querySelectorAll("canvas[data-chart]"), draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
