// perfpages: plotly charts drawn from lazily fetched JSON, then (its own closure, at the end) the overview's
// filters and sorting.
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

  // The plotly-label layer (the others are in generator/render/escape.py). Plotly renders a few
  // HTML tags in names, axis labels, hover and annotation text; untrusted strings (commit subjects,
  // machines, matrix values) must reach it as one line of text: tags escaped, line breaks as
  // spaces, bidirectional controls dropped (they would reverse the rest of the label).
  function plain(value) {
    return oneLine(value).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  // For textContent, which shows tags as text but still obeys line breaks and bidi controls.
  function oneLine(value) {
    return String(value).replace(/[\n\r\x0b\x0c\x85\u2028\u2029]+/g, " ")
      .replace(/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, "");
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
      document.querySelectorAll(".pp-chart.pp-drawn, .pp-vchart.pp-drawn").forEach(function (div) {
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

  // ---- variant pages ----------------------------------------------------
  // One JSON per page holds every offered commit; the selectors pick the commit and a value
  // for each dimension that is not the comparison axis. Each view ignores the selector of the
  // dimension it plots along x.

  function cellKey(params) {
    return Object.keys(params).sort().map(function (k) { return k + "=" + params[k]; }).join(",");
  }

  function human(value, unit) {
    if (value === null || value === undefined) return "–";
    var scales = { s: [[1, "s"], [1e-3, "ms"], [1e-6, "µs"], [1e-9, "ns"]],
      bytes: [[1e9, "GB"], [1e6, "MB"], [1e3, "kB"], [1, "B"]] }[unit];
    if (scales) {
      for (var i = 0; i < scales.length; i++) {
        if (Math.abs(value) >= scales[i][0] || i === scales.length - 1) {
          return Number((value / scales[i][0]).toPrecision(3)) + " " + scales[i][1];
        }
      }
    }
    return Number(value.toPrecision(4)).toLocaleString("en") + " " + unit;
  }

  function samplesAt(data, state, choice, metric) {
    var params = {};
    Object.keys(state.filters).forEach(function (k) { params[k] = state.filters[k]; });
    Object.keys(choice).forEach(function (k) { params[k] = choice[k]; });
    var cells = (data.cells[state.commit] || {})[cellKey(params)] || {};
    return cells[metric] || [];
  }

  // Seconds and bytes read better with SI prefixes on the axis: 500µs, 20MB.
  function valueAxis(title, unit) {
    var axis = { title: { text: plain(unit === "s" || unit === "bytes" ? title : title + " (" + unit + ")") },
      rangemode: "tozero" };
    if (unit === "s" || unit === "bytes") {
      axis.tickformat = "~s";
      axis.ticksuffix = unit === "s" ? "s" : "B";
    }
    return axis;
  }

  function metricInfo(data, name) {
    return data.metrics.filter(function (m) { return m.name === name; })[0];
  }

  function variantsFigure(data, state, metricName) {
    var metric = metricInfo(data, metricName);
    var xs = data.x ? data.filters.filter(function (f) { return f[0] === data.x; })[0][1] : [null];
    var traces = data.variants.map(function (variant, i) {
      var x = [], y = [];
      xs.forEach(function (value) {
        var choice = {}; choice[data.axis] = variant;
        if (data.x) choice[data.x] = value;
        samplesAt(data, state, choice, metric.name).forEach(function (s) {
          x.push(plain(data.x ? value : variant)); y.push(s);  // category ticks are labels too
        });
      });
      return { type: "box", name: plain(variant), x: x, y: y, boxpoints: "all", jitter: 0.3, pointpos: 0,
        marker: { color: COLORS[i % COLORS.length], size: 5 }, line: { width: 1.5 } };
    });
    var layout = themedLayout({ boxmode: "group", margin: { t: 20, r: 10 }, height: 340,
      legend: { orientation: "h", title: { text: plain(data.axis) } },
      xaxis: { title: { text: data.x ? plain(data.x) : "" }, type: "category" },
      yaxis: valueAxis(metric.name, metric.unit) });
    return { traces: traces, layout: layout };
  }

  function medianOf(values) { return values.length ? median(values) : null; }

  function scalingFigure(data, state, metricName) {
    var metric = metricInfo(data, metricName);
    var cores = data.filters.filter(function (f) { return f[0] === data.scaling; })[0][1];
    var traces = [];
    data.variants.forEach(function (variant, i) {
      var ys = cores.map(function (c) {
        var choice = {}; choice[data.axis] = variant; choice[data.scaling] = c;
        return medianOf(samplesAt(data, state, choice, metric.name));
      });
      var color = COLORS[i % COLORS.length];
      traces.push({ type: "scatter", mode: "lines+markers", name: plain(variant), x: cores.map(Number), y: ys,
        line: { color: color } });
      if (ys[0] !== null) {
        var c0 = Number(cores[0]);
        traces.push({ type: "scatter", mode: "lines", name: plain(variant) + " ideal", x: cores.map(Number),
          y: cores.map(function (c) {
            return metric.direction === "higher" ? ys[0] * Number(c) / c0 : ys[0] * c0 / Number(c);
          }),
          line: { color: color, dash: "dot", width: 1 }, hoverinfo: "skip" });
      }
    });
    var layout = themedLayout({ margin: { t: 20, r: 10 }, height: 320, legend: { orientation: "h" },
      xaxis: { title: { text: "cores" }, dtick: 1 },
      yaxis: valueAxis(metric.name, metric.unit) });
    return { traces: traces, layout: layout };
  }

  function percentilesFigure(data, state) {
    var metrics = data.metrics.filter(function (m) { return m.percentile !== null; });
    var traces = data.variants.map(function (variant, i) {
      var choice = {}; choice[data.axis] = variant;
      return { type: "scatter", mode: "lines+markers", name: plain(variant),
        x: metrics.map(function (m) { return "P" + m.percentile; }),
        y: metrics.map(function (m) { return medianOf(samplesAt(data, state, choice, m.name)); }),
        marker: { color: COLORS[i % COLORS.length], size: 8 } };
    });
    var unit = metrics.length ? metrics[0].unit : "";
    var layout = themedLayout({ margin: { t: 20, r: 10 }, height: 320, legend: { orientation: "h" },
      xaxis: { title: { text: "percentile" }, type: "category" },
      yaxis: valueAxis("latency", unit) });
    return { traces: traces, layout: layout };
  }

  function renderTable(root, data, state) {
    var box = root.querySelector(".pp-vtable");
    if (!box) return;
    var rows = (data.tables[state.commit] || {})[cellKey(state.filters)] || [];
    var reference = data.reference;
    var tableEl = document.createElement("table");
    var head = tableEl.createTHead().insertRow();
    ["metric"].concat(data.variants).forEach(function (h) {
      var th = document.createElement("th"); th.textContent = oneLine(h); head.appendChild(th);
    });
    var body = tableEl.createTBody();
    rows.forEach(function (row) {
      var metric = metricInfo(data, row.metric);
      var tr = body.insertRow();
      tr.insertCell().textContent = oneLine(row.metric) + (metric.direction === "higher" ? " ↑" : " ↓");
      data.variants.forEach(function (variant, i) {
        var cell = tr.insertCell();
        var textValue = human(row.values[i], metric.unit);
        if (row.ratios[i] !== null && variant !== reference) textValue += " (×" + row.ratios[i].toFixed(2) + ")";
        if (variant === row.best) {
          var strong = document.createElement("strong");
          strong.textContent = textValue + " ★";
          cell.appendChild(strong);
        } else {
          cell.textContent = textValue;
        }
      });
    });
    var commit = data.commits.filter(function (c) { return c.sha === state.commit; })[0];
    var caption = document.createElement("p");
    caption.textContent = oneLine("At " + commit.short + " (" + commit.date + ")" +
      Object.keys(state.filters).sort().map(function (k) { return ", " + k + "=" + state.filters[k]; }).join("") + ":");
    box.replaceChildren(caption, tableEl);
  }

  function select(label, options, value, onChange) {
    var wrap = document.createElement("label");
    wrap.className = "pp-select";
    wrap.appendChild(document.createTextNode(oneLine(label) + " "));
    var el = document.createElement("select");
    options.forEach(function (o) {
      var option = document.createElement("option");
      option.value = o[0]; option.textContent = oneLine(o[1]); option.selected = o[0] === value;
      el.appendChild(option);
    });
    el.addEventListener("change", function () { onChange(el.value); });
    wrap.appendChild(el);
    return wrap;
  }

  function initVariants(root) {
    var box = root.querySelector(".pp-variants");
    if (!box || box.dataset.state) return;
    box.dataset.state = "loading";
    watchScheme();
    var src = new URL(box.dataset.src, window.location.href).href;
    Promise.all([loadPlotly(), fetchJson(src)]).then(function (got) {
      var Plotly = got[0], data = got[1];
      if (!data.commits.length) { box.textContent = "No results for this scenario yet."; return; }
      var state = { commit: data.commits[0].sha, filters: {} };
      data.filters.forEach(function (f) { state.filters[f[0]] = f[1][0]; });
      function draw() {
        renderTable(root, data, state);
        var jobs = Array.prototype.map.call(root.querySelectorAll(".pp-vchart"), function (div) {
          var view = div.dataset.view;
          var figure = view === "scaling" ? scalingFigure(data, state, div.dataset.metric)
            : view === "percentiles" ? percentilesFigure(data, state)
            : variantsFigure(data, state, div.dataset.metric);
          return Plotly.react(div, figure.traces, figure.layout, { responsive: true, displaylogo: false })
            .then(function () { div.classList.add("pp-drawn"); });
        });
        return Promise.all(jobs);
      }
      var controls = document.createElement("div");
      controls.className = "pp-filters";
      controls.appendChild(select("commit", data.commits.map(function (c) {
        var subject = c.subject.length > 60 ? c.subject.slice(0, 59) + "…" : c.subject;
        return [c.sha, c.short + " · " + c.date + " · " + subject];
      }), state.commit, function (v) { state.commit = v; draw(); }));
      data.filters.forEach(function (f) {
        controls.appendChild(select(f[0], f[1].map(function (v) { return [v, v]; }), state.filters[f[0]],
          function (v) { state.filters[f[0]] = v; draw(); }));
      });
      box.appendChild(controls);
      return draw().then(function () { box.dataset.state = "drawn"; });
    }).catch(function (error) {
      box.dataset.state = "failed";
      box.textContent = "Comparison unavailable: " + error.message;
    });
  }

  function init() {
    initVariants(document);
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

// ---- overview: status filters, text/machine/tag filters, sortable columns -------------------
// Its own closure, apart from the charts above: the overview loads no plotly and needs none of it.
// The page arrives in the attention order (site/triage.py); the status column sorts back to it.
(function () {
  "use strict";

  function pressed(buttons, key) {
    return buttons.filter(function (b) { return b.getAttribute("aria-pressed") === "true"; })
      .map(function (b) { return b.dataset[key]; });
  }

  function toggle(button) {
    button.setAttribute("aria-pressed", button.getAttribute("aria-pressed") === "true" ? "false" : "true");
  }

  function initFilters(root, rows) {
    var input = root.querySelector("#pp-filter");
    var machine = root.querySelector("#pp-machine");
    var shown = root.querySelector("#pp-shown");
    var tags = Array.prototype.slice.call(root.querySelectorAll(".pp-filters .pp-tag"));
    var statuses = Array.prototype.slice.call(root.querySelectorAll(".pp-filters .pp-status"));
    // Scenario, metric and status: what a reader types ("regressed" finds the regressed rows).
    var texts = rows.map(function (row) {
      return (row.cells[0].textContent + " " + row.cells[1].textContent + " " + row.dataset.status).toLowerCase();
    });
    function apply() {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var wantedTags = pressed(tags, "tag");
      var wantedStatuses = pressed(statuses, "status");
      var count = 0;
      rows.forEach(function (row, i) {
        var rowTags = row.dataset.tags.split(" ");
        var show = words.every(function (w) { return texts[i].indexOf(w) >= 0; }) &&
          (!machine.value || row.dataset.machine === machine.value) &&
          wantedTags.every(function (t) { return rowTags.indexOf(t) >= 0; }) &&
          (!wantedStatuses.length || wantedStatuses.indexOf(row.dataset.status) >= 0);
        row.hidden = !show;
        if (show) count++;
      });
      // Never silently fewer rows: say how many the filters hide.
      shown.textContent = count === rows.length
        ? rows.length + " series"
        : count + " of " + rows.length + " series shown";
    }
    input.addEventListener("input", apply);
    machine.addEventListener("change", apply);
    tags.concat(statuses).forEach(function (button) {
      button.addEventListener("click", function () { toggle(button); apply(); });
    });
  }

  // A cell's sort key: its data-sort when it has one, else its text; for a number column, the
  // number that starts it ("+19.7%" is 19.7), or null for none ("n/a", empty).
  function sortKey(row, column, kind) {
    var cell = row.cells[column];
    var raw = cell.dataset.sort !== undefined ? cell.dataset.sort : cell.textContent.trim().toLowerCase();
    if (kind !== "number") return raw;
    var value = parseFloat(raw);
    return isNaN(value) ? null : value;
  }

  function initSorting(table, rows) {
    var body = table.tBodies[0];
    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
    headers.forEach(function (th, column) {
      var button = th.querySelector(".pp-sort");
      if (!button) return;
      button.addEventListener("click", function () {
        // First click: ascending (the status column's ascending order is the attention order);
        // again: descending.
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        headers.forEach(function (other) {
          if (other.hasAttribute("aria-sort")) other.setAttribute("aria-sort", "none");
        });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        sortRows(body, rows, column, button.dataset.kind, ascending);
      });
    });
  }

  function sortRows(body, rows, column, kind, ascending) {
    var keyed = rows.map(function (row, i) {
      // "order": the order the page came in, which is the attention order.
      var key = kind === "order" ? i : sortKey(row, column, kind);
      return { row: row, key: key, stale: row.dataset.status === "stale", at: i };
    });
    keyed.sort(function (a, b) {
      // Stale rows stay below current ones whatever the column: their values are not current.
      if (a.stale !== b.stale) return a.stale ? 1 : -1;
      // Rows without a value go last in either direction.
      if (a.key === null || b.key === null) return a.key === b.key ? a.at - b.at : a.key === null ? 1 : -1;
      var order = kind === "text" ? a.key.localeCompare(b.key) : a.key - b.key;
      return (ascending ? order : -order) || a.at - b.at;
    });
    var fragment = document.createDocumentFragment();
    keyed.forEach(function (k) { fragment.appendChild(k.row); });
    body.appendChild(fragment);
  }

  function initOverview() {
    var table = document.querySelector(".pp-overview table");
    if (!table || table.dataset.ready) return;
    table.dataset.ready = "true";
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    initFilters(document, rows);
    initSorting(table, rows);
  }

  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(initOverview);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", initOverview);
  } else {
    initOverview();
  }
})();
