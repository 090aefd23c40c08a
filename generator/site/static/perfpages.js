// perfpages: overview filters, and plotly charts drawn from lazily fetched JSON.
// Material's instant navigation swaps page content without reloading scripts, so
// everything starts from `document$` (or DOMContentLoaded without Material).
(function () {
  "use strict";

  // Resolved once, from this script's own URL: the other assets sit beside it.
  var assets = new URL(".", document.currentScript.src);
  var plotlyLoading = null;
  var commitsLoading = null;

  function loadPlotly() {
    if (window.Plotly) return Promise.resolve(window.Plotly);
    if (!plotlyLoading) {
      plotlyLoading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = new URL("plotly.min.js", assets).href;
        script.onload = function () { resolve(window.Plotly); };
        script.onerror = function () { reject(new Error("plotly.min.js did not load")); };
        document.head.appendChild(script);
      });
    }
    return plotlyLoading;
  }

  function fetchJson(url) {
    return fetch(url).then(function (response) {
      if (!response.ok) throw new Error(url + ": HTTP " + response.status);
      return response.json();
    });
  }

  function loadCommits() {
    if (!commitsLoading) commitsLoading = fetchJson(new URL("../api/commits.json", assets).href);
    return commitsLoading;
  }

  // Plotly renders a few HTML tags inside hover and annotation text; untrusted
  // strings (commit subjects, machine names) must reach it as text.
  function plain(value) {
    return String(value).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  // ---- overview filters -------------------------------------------------

  function initFilters(root) {
    var input = root.querySelector("#pp-filter");
    if (!input) return;
    var machine = root.querySelector("#pp-machine");
    var tags = Array.prototype.slice.call(root.querySelectorAll(".pp-filters .pp-tag"));
    var rows = Array.prototype.slice.call(root.querySelectorAll(".pp-overview tbody tr"));
    function apply() {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var wanted = tags.filter(function (t) { return t.getAttribute("aria-pressed") === "true"; })
        .map(function (t) { return t.dataset.tag; });
      rows.forEach(function (row) {
        var text = row.dataset.text;
        var rowTags = row.dataset.tags.split(" ");
        var show = words.every(function (w) { return text.indexOf(w) >= 0; }) &&
          (!machine.value || row.dataset.machine === machine.value) &&
          wanted.every(function (t) { return rowTags.indexOf(t) >= 0; });
        row.hidden = !show;
      });
    }
    input.addEventListener("input", apply);
    machine.addEventListener("change", apply);
    tags.forEach(function (tag) {
      tag.addEventListener("click", function () {
        tag.setAttribute("aria-pressed", tag.getAttribute("aria-pressed") === "true" ? "false" : "true");
        apply();
      });
    });
  }

  // ---- theme ------------------------------------------------------------

  function theme() {
    var style = getComputedStyle(document.body);
    var fg = style.getPropertyValue("--md-default-fg-color").trim() || "#222";
    var grid = style.getPropertyValue("--md-default-fg-color--lightest").trim() || "#ddd";
    return {
      "paper_bgcolor": "rgba(0,0,0,0)",
      "plot_bgcolor": "rgba(0,0,0,0)",
      "font.color": fg,
      "xaxis.gridcolor": grid,
      "yaxis.gridcolor": grid,
      "legend.font.color": fg,
    };
  }

  function themedLayout(layout) {
    var t = theme();
    layout.paper_bgcolor = t.paper_bgcolor;
    layout.plot_bgcolor = t.plot_bgcolor;
    layout.font = { color: t["font.color"] };
    layout.xaxis.gridcolor = t["xaxis.gridcolor"];
    layout.yaxis.gridcolor = t["yaxis.gridcolor"];
    return layout;
  }

  var schemeWatcher = null;
  function watchScheme() {
    if (schemeWatcher) return;
    schemeWatcher = new MutationObserver(function () {
      if (!window.Plotly) return;
      document.querySelectorAll(".pp-chart.pp-drawn").forEach(function (div) {
        window.Plotly.relayout(div, theme());
      });
    });
    schemeWatcher.observe(document.body, { attributes: true, attributeFilter: ["data-md-color-scheme"] });
  }

  // ---- charts -----------------------------------------------------------

  var MARKERS_UP_TO = 1000;
  var COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2"];

  function trendFigure(div, data, commits) {
    var metric = data.metrics.filter(function (m) { return m.metric === div.dataset.metric; })[0];
    var traces = [];
    var shapes = [];
    var annotations = [];
    metric.series.forEach(function (s, i) {
      var color = COLORS[i % COLORS.length];
      var hover = s.x.map(function (x) {
        var c = commits[x];
        return [plain(c.sha.slice(0, 12)), plain(c.date), plain(c.subject)];
      });
      traces.push({
        x: s.x.concat(s.x.slice().reverse()),
        y: s.hi.concat(s.lo.slice().reverse()),
        fill: "toself", fillcolor: color + "22", line: { width: 0 },
        mode: "lines", hoverinfo: "skip", showlegend: false, name: plain(s.machine) + " spread", type: "scatter",
      });
      traces.push({
        x: s.x, y: s.y, customdata: hover, name: plain(s.machine),
        // Thousands of SVG markers are what makes a long history slow to draw; the line still hovers and clicks.
        mode: s.x.length > MARKERS_UP_TO ? "lines" : "lines+markers",
        type: "scatter", line: { color: color, width: 1.5 }, marker: { size: 5 },
        hovertemplate: "%{customdata[0]} · %{customdata[1]}<br>%{customdata[2]}<br>%{y:.4~g} " +
          plain(metric.unit) + "<extra>" + plain(s.machine) + "</extra>",
      });
      if (s.threshold) {
        var t = s.threshold;
        shapes.push({
          type: "rect", xref: "x", yref: "y", x0: t.x0, x1: t.x1,
          y0: Math.max(0, t.level * (1 - t.mde)), y1: t.level * (1 + t.mde),
          fillcolor: color + "18", line: { width: 1, dash: "dot", color: color + "88" }, layer: "below",
        });
      }
      s.changes.forEach(function (c) {
        shapes.push({ type: "line", xref: "x", yref: "paper", x0: c.x - 0.5, x1: c.x - 0.5, y0: 0, y1: 1,
          line: { color: c.verdict === "regressed" ? "#d62728" : "#2ca02c", width: 1.5 } });
        annotations.push({ x: c.x - 0.5, y: 1, xref: "x", yref: "paper", yanchor: "bottom", showarrow: false,
          text: (c.change > 0 ? "+" : "") + (100 * c.change).toFixed(1) + "%" });
      });
      s.environments.forEach(function (e) {
        shapes.push({ type: "line", xref: "x", yref: "paper", x0: e.x - 0.5, x1: e.x - 0.5, y0: 0, y1: 1,
          line: { color: "#888", width: 1, dash: "dot" } });
        annotations.push({ x: e.x - 0.5, y: 0, xref: "x", yref: "paper", yanchor: "top", showarrow: false,
          text: "environment changed", hovertext: plain(e.text), font: { size: 10 } });
      });
    });
    var layout = themedLayout({
      margin: { l: 60, r: 10, t: 30, b: 10 }, height: 420, hovermode: "closest", shapes: shapes,
      annotations: annotations, legend: { orientation: "h", y: -0.35 },
      xaxis: { title: { text: "commits on main, oldest to newest" }, rangeslider: { visible: true },
        showticklabels: false, zeroline: false },
      yaxis: { title: { text: plain(metric.metric + " (" + metric.unit + ")") }, zeroline: false },
    });
    return { traces: traces, layout: layout };
  }

  function median(values) {
    var sorted = values.slice().sort(function (a, b) { return a - b; });
    var mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  // Series with different units share one axis: each sample as its change from the base median.
  function distributionFigure(data) {
    var traces = [];
    data.series.forEach(function (s, i) {
      var label = plain(s.label + " (" + s.machine + ")");
      var centre = median(s.base);
      [["base", s.base, "#7f7f7f"], ["head", s.head, "#1f77b4"]].forEach(function (side) {
        traces.push({ type: "box", boxpoints: "all", jitter: 0.4, pointpos: 0, name: side[0],
          legendgroup: side[0], showlegend: i === 0, marker: { color: side[2] }, orientation: "h",
          x: side[1].map(function (v) { return 100 * (v / centre - 1); }),
          y: side[1].map(function () { return label; }), customdata: side[1],
          hovertemplate: "%{customdata:.4~g} " + plain(s.unit) + " (%{x:+.2f}%)<extra>" + side[0] + "</extra>" });
      });
    });
    var layout = themedLayout({
      boxmode: "group", height: 120 + 80 * data.series.length, margin: { l: 260, r: 10, t: 10, b: 40 },
      xaxis: { title: { text: "change from the base median (%)" }, zeroline: true }, yaxis: { automargin: true },
    });
    return { traces: traces, layout: layout };
  }

  function drawChart(div) {
    if (div.dataset.state) return;
    div.dataset.state = "loading";
    var src = new URL(div.dataset.src, window.location.href).href;
    var needs = [loadPlotly(), fetchJson(src)];
    if (div.dataset.kind === "trend") needs.push(loadCommits());
    Promise.all(needs).then(function (got) {
      var Plotly = got[0], data = got[1];
      var figure = div.dataset.kind === "trend"
        ? trendFigure(div, data, got[2].commits)
        : distributionFigure(data);
      return Plotly.newPlot(div, figure.traces, figure.layout, { responsive: true, displaylogo: false })
        .then(function () {
          div.classList.add("pp-drawn");
          div.dataset.state = "drawn";
          if (div.dataset.kind === "trend") onPointClick(div, got[2].commits);
        });
    }).catch(function (error) {
      div.dataset.state = "failed";
      div.textContent = "Chart unavailable: " + error.message;
    });
  }

  // A click on a point opens that commit's comparison with the commit before it.
  function onPointClick(div, commits) {
    div.on("plotly_click", function (event) {
      var x = event.points[0].x;
      if (x < 1 || !commits[x]) return;
      var base = commits[x - 1].sha.slice(0, 12), head = commits[x].sha.slice(0, 12);
      window.location.href = div.dataset.compare + base + ".." + head + div.dataset.suffix;
    });
  }

  // Charts below the fold are drawn when they come near the viewport, so the first one shows sooner.
  var nearViewport = "IntersectionObserver" in window ? new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (entry.isIntersecting) {
        nearViewport.unobserve(entry.target);
        drawChart(entry.target);
      }
    });
  }, { rootMargin: "400px" }) : null;

  function init() {
    initFilters(document);
    var charts = document.querySelectorAll(".pp-chart");
    if (charts.length) watchScheme();
    charts.forEach(function (div) {
      if (nearViewport) nearViewport.observe(div); else drawChart(div);
    });
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
