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

  // A scenario page asks for plotly from its first lines (site/scenario.py), long before this script
  // runs; here the same script element is waited for, or made when no page asked yet.
  function loadPlotly() {
    if (window.Plotly) return Promise.resolve(window.Plotly);
    if (!plotlyLoading) {
      plotlyLoading = new Promise(function (resolve, reject) {
        var script = window.ppPlotlyScript;
        if (!script) {
          script = window.ppPlotlyScript = document.createElement("script");
          script.src = new URL("plotly.min.js", assets).href;
          document.head.appendChild(script);
        }
        script.addEventListener("load", function () { resolve(window.Plotly); });
        script.addEventListener("error", function () { reject(new Error("plotly.min.js did not load")); });
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

  var AXIS = /^[xy]axis\d*$/;

  // The theme's colours for a layout whose axes are named in `axes` (small multiples have several).
  function theme(axes) {
    var style = getComputedStyle(document.body);
    var fg = style.getPropertyValue("--md-default-fg-color").trim() || "#222";
    var grid = style.getPropertyValue("--md-default-fg-color--lightest").trim() || "#ddd";
    var update = {
      "paper_bgcolor": "rgba(0,0,0,0)",
      "plot_bgcolor": "rgba(0,0,0,0)",
      "font.color": fg,
      "legend.font.color": fg,
    };
    axes.forEach(function (name) { update[name + ".gridcolor"] = grid; });
    return update;
  }

  function themedLayout(layout) {
    var t = theme([]);
    layout.paper_bgcolor = t.paper_bgcolor;
    layout.plot_bgcolor = t.plot_bgcolor;
    layout.font = { color: t["font.color"] };
    var grid = theme(["x"])["x.gridcolor"];
    Object.keys(layout).forEach(function (key) { if (AXIS.test(key)) layout[key].gridcolor = grid; });
    return layout;
  }

  var schemeWatcher = null;
  function watchScheme() {
    if (schemeWatcher) return;
    schemeWatcher = new MutationObserver(function () {
      if (!window.Plotly) return;
      document.querySelectorAll(".pp-chart.pp-drawn, .pp-vchart.pp-drawn").forEach(function (div) {
        window.Plotly.relayout(div, theme(Object.keys(div.layout).filter(function (k) { return AXIS.test(k); })));
      });
    });
    schemeWatcher.observe(document.body, { attributes: true, attributeFilter: ["data-md-color-scheme"] });
  }

  // ---- charts -----------------------------------------------------------

  var MARKERS_UP_TO = 1000;
  var COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2"];
  var Y_MARGIN = 0.08;  // of the data's span, above and below it
  // Machines get a panel each when one shared axis would squeeze a machine's own span below 1/SPLIT_LEVELS of it.
  var SPLIT_LEVELS = 2;
  var TICK_WIDTH = 95;  // pixels per x tick label ("2026-11-03" over a short SHA)

  // The tables' `human` (generator/render/units.py), with the ladder of steps the chart data carries.
  function humanValue(value, ladder, unit) {
    if (value === null || value === undefined || !isFinite(value)) return "n/a";
    // The step is picked for the value as it will read: 0.9996 s rounds to 1 s, not "1000 ms".
    var shown = Number(value.toPrecision(3));
    for (var i = 0; i < ladder.length; i++) {
      if (Math.abs(shown) >= ladder[i][0] || i === ladder.length - 1) {
        return wholeOrSignificant(value / ladder[i][0]) + " " + ladder[i][1];
      }
    }
    return withUnit(wholeOrSignificant(value), unit);
  }

  // Three significant digits, or a whole number with separators when it has more (1,234 s).
  function wholeOrSignificant(value) {
    return Math.abs(Number(value.toPrecision(3))) >= 1000 ? Math.round(value).toLocaleString("en") : significant(value);
  }

  // A number and its unit; none for a dimensionless one ("" or "1", as units.DIMENSIONLESS).
  function withUnit(number, unit) {
    return unit === "" || unit === "1" ? number : number + " " + unit;
  }

  function significant(value) { return String(Number(value.toPrecision(3))); }

  function extent(series) {
    var lo = Infinity, hi = -Infinity;
    series.forEach(function (s) {
      [s.y, s.lo, s.hi].forEach(function (column) {
        column.forEach(function (v) { if (v < lo) lo = v; if (v > hi) hi = v; });
      });
    });
    return [lo, hi];
  }

  // The y range is the data's (medians and sample spread) plus a margin; a threshold band wider
  // than that is clipped to it, never allowed to stretch the axis.
  function yRange(series, factor) {
    var e = extent(series), lo = e[0] / factor, hi = e[1] / factor;
    var pad = hi > lo ? (hi - lo) * Y_MARGIN : (Math.abs(lo) * 0.05 || 1);
    return [lo - pad, hi + pad];
  }

  // One panel per machine when their levels differ so much that a shared axis hides a step on one.
  function panelsOf(series) {
    if (series.length < 2) return [series];
    var widest = Math.max.apply(null, series.map(function (s) { var e = extent([s]); return e[1] - e[0]; }));
    var all = extent(series);
    if (all[1] - all[0] <= SPLIT_LEVELS * widest) return [series];
    return series.map(function (s) { return [s]; });
  }

  // Commits of main this series has no run of, between two of its points: measured for other
  // series (the x axis holds them) or for none (the commit list counts them). The line breaks there
  // (a null) and a dotted bridge spans the gap, so no gap passes for a measurement.
  function missedBefore(s, i, commits) {
    var missed = s.x[i] - s.x[i - 1] - 1;  // measured for other series
    for (var at = s.x[i - 1] + 1; at <= s.x[i]; at++) missed += commits[at].unmeasured || 0;  // for none
    return missed;
  }

  function gapped(s, factor, custom, commits) {
    var line = { x: [], y: [], customdata: [] }, bridge = { x: [], y: [] };
    s.x.forEach(function (x, i) {
      if (i && missedBefore(s, i, commits) > 0) {
        line.x.push(x - 0.5); line.y.push(null); line.customdata.push(null);
        bridge.x.push(s.x[i - 1], x, null);
        bridge.y.push(s.y[i - 1] / factor, s.y[i] / factor, null);
      }
      line.x.push(x); line.y.push(s.y[i] / factor); line.customdata.push(custom[i]);
    });
    return { line: line, bridge: bridge };
  }

  // A touch screen has no hover: its first tap shows a point's text, the second opens the comparison.
  var TAP_HINT = "<br>tap again to compare with the point before";

  function pointText(s, i, commits, metric, touch) {
    var c = commits[s.x[i]];
    var value = humanValue(s.y[i], metric.ladder, metric.unit);
    var spread = s.lo[i] === s.hi[i] ? "" : " (samples " + humanValue(s.lo[i], metric.ladder, metric.unit) +
      " – " + humanValue(s.hi[i], metric.ladder, metric.unit) + ")";
    var hint = touch && i > 0 ? TAP_HINT : "";
    return [plain(c.sha.slice(0, 12)), plain(c.date), plain(c.subject), plain(value + spread), i, hint];
  }

  function axisName(panel, domain) {
    var n = panel ? String(panel + 1) : "";
    return domain ? "y" + n + " domain" : "y" + n;
  }

  function commitTicks(commits, range, width) {
    var lo = Math.max(0, Math.ceil(range[0])), hi = Math.min(commits.length - 1, Math.floor(range[1]));
    var step = Math.max(1, Math.ceil((hi - lo + 1) / Math.max(2, Math.floor(width / TICK_WIDTH))));
    var values = [], text = [];
    for (var x = lo; x <= hi; x += step) {
      values.push(x);
      text.push(plain(commits[x].date) + "<br>" + plain(commits[x].sha.slice(0, 7)));
    }
    return { tickmode: "array", tickvals: values, ticktext: text };
  }

  function trendFigure(div, data, commits) {
    var metric = data.metrics.filter(function (m) { return m.metric === div.dataset.metric; })[0];
    var factor = metric.scale.factor, unitName = plain(metric.scale.name);
    var panels = panelsOf(metric.series);
    var shared = panels.length === 1 && metric.series.length > 1;
    var traces = [], spread = [], shapes = [], annotations = [], layout = {};
    var touch = coarsePointer();  // once a figure: a media query for each point showed in its profile
    var gap = 0.08, height = (1 - gap * (panels.length - 1)) / panels.length;
    var xs = [].concat.apply([], metric.series.map(function (s) { return [s.x[0], s.x[s.x.length - 1]]; }));
    var xRange = [Math.min.apply(null, xs) - 0.5, Math.max.apply(null, xs) + 0.5];
    panels.forEach(function (panelSeries, p) {
      var range = yRange(panelSeries, factor);
      var top = 1 - p * (height + gap);
      layout[p ? "yaxis" + (p + 1) : "yaxis"] = {
        domain: [top - height, top], range: range, zeroline: false, ticksuffix: unitName ? " " + unitName : "",
        exponentformat: "none", separatethousands: true,
        title: { text: panels.length > 1 ? "" : plain(named(metric.metric, metric.scale.name)) },
      };
      panelSeries.forEach(function (s) {
        var i = metric.series.indexOf(s);
        var color = COLORS[i % COLORS.length];
        var yaxis = axisName(p, false), domain = axisName(p, true);
        // The threshold's label goes with the machine's name (the panel's title, or the legend on a
        // shared axis): inside the plot it would collide with change-point labels.
        var name = plain(s.machine) + (s.threshold ? " · " + thresholdBand(s.threshold, factor, range, yaxis, color, shapes) : "");
        if (!shared) {
          annotations.push({ xref: "paper", x: 0, yref: domain, y: 1, xanchor: "left", yanchor: "bottom",
            showarrow: false, font: { size: 11 },
            text: name + (panels.length > 1 ? " · " + plain(named(metric.metric, metric.scale.name)) : "") });
        }
        spread.push(traces.length);
        traces.push({
          x: s.x.concat(s.x.slice().reverse()),
          y: s.hi.concat(s.lo.slice().reverse()).map(function (v) { return v / factor; }),
          yaxis: yaxis, fill: "toself", fillcolor: color + "22", line: { width: 0 },
          mode: "lines", hoverinfo: "skip", showlegend: false, name: plain(s.machine) + " spread", type: "scatter",
        });
        var parts = gapped(s, factor, s.x.map(function (x, k) { return pointText(s, k, commits, metric, touch); }), commits);
        if (parts.bridge.x.length) {
          traces.push({ x: parts.bridge.x, y: parts.bridge.y, yaxis: yaxis, mode: "lines", hoverinfo: "skip",
            showlegend: false, type: "scatter", name: plain(s.machine) + " not measured",
            line: { color: color, width: 1, dash: "dot" }, connectgaps: false });
        }
        traces.push({
          x: parts.line.x, y: parts.line.y, customdata: parts.line.customdata, name: name,
          yaxis: yaxis, connectgaps: false, showlegend: shared, meta: i,
          // Thousands of SVG markers are what makes a long history slow to draw; the line still hovers and clicks.
          mode: s.x.length > MARKERS_UP_TO ? "lines" : "lines+markers",
          type: "scatter", line: { color: color, width: 1.5 }, marker: { size: 5 },
          hovertemplate: "%{customdata[0]} · %{customdata[1]}<br>%{customdata[2]}<br><b>%{customdata[3]}</b>" +
            "%{customdata[5]}<extra>" + plain(s.machine) + "</extra>",
        });
        // Labels of change points close together would print over each other and the next line, and
        // how close is close depends on the chart's width in pixels (a phone's is a quarter of a
        // desktop's). A label reads rightwards from its line when it ends before the next line, else
        // leftwards; one that would still touch a label placed before it drops a row.
        var perUnit = Math.max((div.clientWidth || 800) - 80, 100) / (xRange[1] - xRange[0]);
        var rowEnds = [];  // per row, the right edge (pixels) of the last label placed in it
        s.changes.forEach(function (c, k) {
          var regressed = c.verdict === "regressed";
          var text = plain(s.machine + " " + c.label);
          var at = (c.x - 0.5 - xRange[0]) * perUnit, width = 6 * text.length + 4;  // 10px text: < 6px a character
          var next = s.changes[k + 1];
          var end = Math.min(next === undefined ? Infinity : (next.x - 0.5 - xRange[0]) * perUnit, (xRange[1] - xRange[0]) * perUnit);
          var leftwards = at + width > end && at - width >= 0;
          var left = leftwards ? at - width : at;
          var row = rowEnds.findIndex(function (right) { return right + 4 <= left; });
          if (row < 0) { row = rowEnds.length; }
          rowEnds[row] = left + width;
          shapes.push({ type: "line", xref: "x", yref: domain, x0: c.x - 0.5, x1: c.x - 0.5, y0: 0, y1: 1,
            line: { color: regressed ? "#d62728" : "#2ca02c", width: 1.5 } });
          // On a shared axis each machine has its own rows, between the other machines' ones.
          annotations.push({ x: c.x - 0.5, y: 1, xref: "x", yref: domain, yanchor: "top",
            xanchor: leftwards ? "right" : "left", yshift: -14 * (shared ? i + row * metric.series.length : row),
            showarrow: false, font: { size: 10, color: regressed ? "#d62728" : "#2ca02c" }, text: text });
        });
        s.environments.forEach(function (e) {
          shapes.push({ type: "line", xref: "x", yref: domain, x0: e.x - 0.5, x1: e.x - 0.5, y0: 0, y1: 1,
            line: { color: "#888", width: 1, dash: "dot" } });
          annotations.push({ x: e.x - 0.5, y: 0, xref: "x", yref: domain, yanchor: "bottom", xanchor: "left",
            showarrow: false, text: plain(s.machine) + ": environment changed", hovertext: plain(e.text),
            font: { size: 10 } });
        });
      });
    });
    // The x axis (its commit ticks and the range slider) sits under the bottom panel.
    var xaxis = { anchor: axisName(panels.length - 1, false), title: { text: "" }, rangeslider: { visible: true, thickness: 0.08 }, zeroline: false,
      range: xRange, tickangle: 0, automargin: true, ticklen: 3 };
    Object.assign(xaxis, commitTicks(commits, xRange, div.clientWidth || 800));
    layout = themedLayout(Object.assign(layout, {
      margin: { l: 70, r: 10, t: 44, b: 10 }, height: panels.length > 1 ? 150 + 190 * panels.length : 420,
      hovermode: "closest", shapes: shapes, annotations: annotations, showlegend: shared,
      legend: { orientation: "h", x: 0, xanchor: "left", y: 1, yanchor: "bottom" },
      xaxis: xaxis,
    }));
    return { traces: traces, layout: layout, spread: spread };
  }

  // The points first, the rest once they show (drawChart). The samples' spread is a filled
  // polygon of twice the points, and the range slider draws every trace again below the plot:
  // together they more than double the work of a first draw. The first figure is shorter by the
  // slider's room, so the plot does not move when the slider comes into that room below it.
  function pointsFirst(figure) {
    var layout = Object.assign({}, figure.layout);
    layout.xaxis = Object.assign({}, layout.xaxis, { rangeslider: { visible: false } });
    layout.height -= sliderRoom(figure.layout);
    layout.margin = Object.assign({}, layout.margin, { b: Math.max(layout.margin.b, TICK_ROOM) });
    return {
      traces: figure.traces.filter(function (t, i) { return figure.spread.indexOf(i) < 0; }),
      layout: layout,
    };
  }

  // The bottom margin plotly's automargin gives the two lines of commit ticks (date over short
  // SHA). Given up front, plotly draws once instead of twice: having found a margin wider than the
  // figure's, automargin draws the whole figure again. Taller labels still get their room that way.
  var TICK_ROOM = 61;

  // The height a range slider takes under the plot: plotly makes the slider `thickness` of the
  // height inside the margins and sets it below the tick labels with room for an axis title and a
  // gap, SLIDER_BELOW px more than the tick labels' own room. Measured with plotly.js 4.1; a browser
  // test checks the plot keeps its height when the slider comes.
  var SLIDER_BELOW = 22;
  function sliderRoom(layout) {
    var inside = layout.height - layout.margin.t - layout.margin.b;
    return Math.round(inside * layout.xaxis.rangeslider.thickness) + SLIDER_BELOW;
  }

  // The band a PR based on the newest commit must leave for the threshold column of its page to
  // flag it: the newest value ± that very number. Returns its label, as that column writes it.
  function thresholdBand(t, factor, range, yaxis, color, shapes) {
    var y0 = t.level * (1 - t.threshold) / factor, y1 = t.level * (1 + t.threshold) / factor;
    var clipped = y0 < range[0] || y1 > range[1];
    shapes.push({ type: "rect", xref: "x", yref: yaxis, x0: t.x0 - 0.5, x1: t.x1 + 0.5, y0: y0, y1: y1,
      fillcolor: color + "18", line: { width: 1, dash: "dot", color: color + "88" }, layer: "below" });
    return "threshold " + plain(t.label) + (clipped ? " (band beyond the axis)" : "");
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
          y: side[1].map(function () { return label; }),
          customdata: side[1].map(function (v) { return plain(humanValue(v, s.ladder, s.unit)); }),
          hovertemplate: "%{customdata} (%{x:+.2f}%)<extra>" + side[0] + "</extra>" });
      });
    });
    var layout = themedLayout({
      boxmode: "group", height: 120 + 80 * data.series.length, margin: { l: 260, r: 10, t: 10, b: 40 },
      xaxis: { title: { text: "change from the base median (%)" }, zeroline: true }, yaxis: { automargin: true },
    });
    return { traces: traces, layout: layout };
  }

  function coarsePointer() { return window.matchMedia("(pointer: coarse)").matches; }

  // Touch screens and narrow windows: plotly's toolbar would sit on the data, and there is no hover.
  function touchFirst() {
    return coarsePointer() || window.innerWidth < 600;
  }

  function plotConfig() {
    return { responsive: true, displaylogo: false, displayModeBar: touchFirst() ? false : "hover",
      modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"] };
  }

  // Charts are drawn one after the other: plotly yields inside newPlot, and a second chart started
  // then would delay the first one's last steps, so the chart in view would show later.
  var drawing = Promise.resolve();
  function inTurn(job) {
    var done = drawing.then(job, job);
    drawing = done.catch(function () {});
    return done;
  }

  function drawChart(div) {
    if (div.dataset.state) return;
    div.dataset.state = "loading";
    var needs = [loadPlotly(), chartData(new URL(div.dataset.src, window.location.href).href)];
    if (div.dataset.kind === "trend") needs.push(loadCommits());
    // Once plotly has loaded, the chart is drawn in the same task when its data is in already:
    // nothing else the page queued (Material reads its sitemap) runs before the points show.
    Promise.all(needs).then(function (got) {
      return inTurn(function () { return drawFigure(div, got[0], got[1], got[2] && got[2].commits); });
    }).catch(function (error) {
      div.dataset.state = "failed";
      div.textContent = "Chart unavailable: " + error.message;
    });
  }

  // The chart data of a scenario page is one file for all its charts: fetched and parsed once.
  var chartDataLoading = {};
  function chartData(url) {
    if (!chartDataLoading[url]) {
      chartDataLoading[url] = fetchJson(url);
      chartDataLoading[url].catch(function () { delete chartDataLoading[url]; });
    }
    return chartDataLoading[url];
  }

  function drawFigure(div, Plotly, data, commits) {
    var figure = div.dataset.kind === "trend" ? trendFigure(div, data, commits) : distributionFigure(data);
    // The responsive resize (a window resize, then any relayout) sizes the plot to its box: the
    // box gets the figure's height, or a chart of several panels is squeezed into the CSS minimum.
    div.style.height = figure.layout.height + "px";
    var first = figure.spread ? pointsFirst(figure) : figure;
    return Plotly.newPlot(div, first.traces, first.layout, plotConfig()).then(function () {
      div.classList.add("pp-drawn");
      if (div.dataset.kind === "trend") {
        followRange(div, commits);
        onPointClick(div, data, commits);
      }
      if (first === figure) {
        div.dataset.state = "drawn";
        return;
      }
      // "points": every point shows, as on plotly's own floor page (scenarios/site_bench.py); the
      // rest follows once they are on screen (a frame, then the next task), and then it is "drawn".
      div.dataset.state = "points";
      return afterPaint().then(function () {
        return Plotly.react(div, figure.traces, asShownNow(div, figure.layout), plotConfig());
      }).then(function () { div.dataset.state = "drawn"; });
    });
  }

  // The full figure's layout with what the reader changed since the points showed: the colour
  // scheme now in force and each axis' range, if zoomed. Drawn as built, it would undo both.
  function asShownNow(div, layout) {
    var now = Object.assign({}, layout);
    Object.keys(now).forEach(function (key) {
      if (!AXIS.test(key)) return;
      now[key] = Object.assign({}, now[key]);
      var shown = div.layout[key];
      if (shown && shown.autorange === false && shown.range) {
        now[key].range = shown.range.slice();
        now[key].autorange = false;
      }
    });
    return themedLayout(now);
  }

  function afterPaint() {
    return new Promise(function (resolve) {
      requestAnimationFrame(function () { setTimeout(resolve, 0); });
    });
  }

  // Commit ticks are placed for the visible range: moving the range slider places them again.
  function followRange(div, commits) {
    div.on("plotly_relayout", function (change) {
      var moved = Object.keys(change).some(function (k) { return k.indexOf("xaxis.range") === 0 || k === "xaxis.autorange" || k === "autosize" || k === "width"; });
      if (!moved) return;
      var ticks = commitTicks(commits, div._fullLayout.xaxis.range, div._fullLayout.width);
      window.Plotly.relayout(div, { "xaxis.tickvals": ticks.tickvals, "xaxis.ticktext": ticks.ticktext });
    });
  }

  // A click opens the clicked series' own comparison: this point against the series' previous
  // measured point. A tap on a touch screen first shows the point's tooltip (touch has no hover),
  // a second tap on the same point opens it.
  function onPointClick(div, data, commits) {
    var metric = data.metrics.filter(function (m) { return m.metric === div.dataset.metric; })[0];
    var touched = false, armed = null;
    div.addEventListener("pointerdown", function (e) { touched = e.pointerType === "touch"; }, true);
    div.on("plotly_click", function (event) {
      var point = event.points[0];
      if (!point || !point.customdata || point.data.meta === undefined) return;
      var series = metric.series[point.data.meta], index = point.customdata[4];
      var key = point.data.meta + ":" + index;
      if (touched && armed !== key) {
        armed = key;
        var subplot = "x" + (point.data.yaxis || "y");
        window.Plotly.Fx.hover(div, [{ curveNumber: point.curveNumber, pointNumber: point.pointNumber }], subplot);
        return;
      }
      armed = null;
      if (index < 1) return;  // the first point has nothing before it to compare with
      window.location.href = pointUrl(div, metric, series, commits[series.x[index]]);
    });
  }

  function pointUrl(div, metric, series, commit) {
    var query = new URLSearchParams({ scenario: div.dataset.slug, metric: metric.metric, machine: series.machine,
      at: commit.sha.slice(0, 12) });
    return new URL(div.dataset.point, window.location.href).href + "?" + query.toString();
  }

  // ---- one series at one commit (the page a chart click opens) -----------

  function cellRow(body, cells, className) {
    var tr = body.insertRow();
    if (className) tr.className = className;
    cells.forEach(function (c) {
      var td = tr.insertCell();
      if (c instanceof Node) td.appendChild(c); else td.textContent = oneLine(c);
    });
    return tr;
  }

  function anchor(href, label) {
    var a = document.createElement("a");
    a.href = href; a.textContent = oneLine(label);
    return a;
  }

  function paragraph(parts) {
    var p = document.createElement("p");
    parts.forEach(function (part) { p.appendChild(part instanceof Node ? part : document.createTextNode(oneLine(part))); });
    return p;
  }

  // A change's size as shift_label (render/comparison.py) writes it: relative, or the absolute
  // difference "(from 0)" when the value before was 0 (no relative size exists; "n/a" hid the change).
  function signedPercent(before, after, unit) {
    if (before === null || after === null || !isFinite(before) || !isFinite(after)) return "n/a";
    if (!before) {
      var difference = after - before;
      return withUnit((difference >= 0 ? "+" : "") + String(Number(difference.toPrecision(6))), unit) + " (from 0)";
    }
    var change = 100 * (after / before - 1);
    return (change >= 0 ? "+" : "") + change.toFixed(2) + "%";
  }

  // Each series of the scenario that was measured at `head` (a position in the commit list),
  // against its own previous point; the clicked one first.
  function seriesAt(data, head, first) {
    var rows = [];
    data.metrics.forEach(function (metric) {
      metric.series.forEach(function (s) {
        var i = s.x.indexOf(head);
        if (i < 1) return;
        rows.push({ metric: metric, series: s, index: i, first: s === first });
      });
    });
    return rows.sort(function (a, b) { return b.first - a.first; });
  }

  function initPoint(root) {
    var box = root.querySelector(".pp-point");
    if (!box || box.dataset.state) return;
    box.dataset.state = "loading";
    var query = new URLSearchParams(window.location.search);
    var slug = query.get("scenario") || "", at = (query.get("at") || "").toLowerCase();
    if (!/^[a-z0-9-]+$/.test(slug) || !/^[0-9a-f]{7,40}$/.test(at)) {
      box.dataset.state = "failed";
      box.textContent = "Open this page from a point of a scenario's trend chart.";
      return;
    }
    var api = new URL(box.dataset.api, window.location.href);
    Promise.all([fetchJson(new URL("scenarios/" + slug + ".json", api).href), loadCommits()]).then(function (got) {
      var data = got[0], commits = got[1].commits;
      var metric = data.metrics.filter(function (m) { return m.metric === query.get("metric"); })[0];
      var series = metric && metric.series.filter(function (s) { return s.machine === query.get("machine"); })[0];
      var head = commits.findIndex(function (c) { return c.sha.indexOf(at) === 0; });
      var index = series ? series.x.indexOf(head) : -1;
      if (index < 0) throw new Error("this series has no point at " + at);
      renderPoint(box, data, metric, series, index, commits, slug);
      box.dataset.state = "drawn";
    }).catch(function (error) {
      box.dataset.state = "failed";
      box.textContent = "Unavailable: " + oneLine(error.message);
    });
  }

  function renderPoint(box, data, metric, series, index, commits, slug) {
    var head = commits[series.x[index]];
    var scenarioUrl = new URL(box.dataset.scenarios + slug + box.dataset.suffix, window.location.href).href;
    var parts = [paragraph(["", anchor(scenarioUrl, data.label), " · " + metric.metric + " on " + series.machine])];
    if (index < 1) {
      parts.push(paragraph(["This is the series' first point: it has nothing to compare with."]));
      box.replaceChildren.apply(box, parts);
      return;
    }
    var base = commits[series.x[index - 1]];
    var skipped = missedBefore(series, index, commits);
    var table = document.createElement("table");
    var header = table.createTHead().insertRow();
    // The values next to base and head: on a phone the columns after them scroll out of sight.
    ["", metric.metric, "commit", "date", "subject"].forEach(function (h) {
      var th = document.createElement("th"); th.textContent = oneLine(h); header.appendChild(th);
    });
    var body = table.createTBody();
    [["base", base, series.y[index - 1]], ["head", head, series.y[index]]].forEach(function (side) {
      cellRow(body, [side[0], humanValue(side[2], metric.ladder, metric.unit), side[1].sha.slice(0, 12),
        side[1].date, side[1].subject]);
    });
    parts.push(table);
    var change = series.changes.filter(function (c) { return c.x === series.x[index]; })[0];
    parts.push(paragraph([
      "Change " + signedPercent(series.y[index - 1], series.y[index], metric.unit) + " between the series' two points. ",
      change ? "A level shift starts here: " + change.label + " (" + change.verdict + ")." : "No level shift starts here.",
      skipped ? " " + skipped + " commit" + (skipped > 1 ? "s" : "") + " on main between them had no run of this series." : "",
    ]));
    var step = commits[series.x[index] - 1];
    parts.push(paragraph(["Every scenario's series between ", anchor(
      new URL(box.dataset.compare + step.sha.slice(0, 12) + ".." + head.sha.slice(0, 12) + box.dataset.suffix,
        window.location.href).href, step.sha.slice(0, 12) + ".." + head.sha.slice(0, 12)), " (the commit before on the site)."]));
    parts.push(allSeries(data, series, series.x[index], commits));
    box.replaceChildren.apply(box, parts);
  }

  // Every series of this scenario measured at the commit, filterable, the clicked one first.
  function allSeries(data, clicked, head, commits) {
    var wrap = document.createElement("div");
    var rows = seriesAt(data, head, clicked).map(function (r) {
      var s = r.series, i = r.index, m = r.metric;
      return { cells: [m.metric, s.machine, commits[s.x[i - 1]].sha.slice(0, 12), humanValue(s.y[i - 1], m.ladder, m.unit),
        humanValue(s.y[i], m.ladder, m.unit), signedPercent(s.y[i - 1], s.y[i], m.unit)],
        text: m.metric + " " + s.machine, className: r.first ? "pp-point-clicked" : "" };
    });
    var heading = document.createElement("h2");
    heading.textContent = "All " + rows.length + " series of this scenario at this commit";
    wrap.append(heading, paragraph(["Each against its own previous point; the clicked series first."]));
    var headers = ["metric", "machine", "base", "before", "after", "change"];
    wrap.append.apply(wrap, filteredTable(headers, rows, "series by metric or machine"));
    return wrap;
  }

  // A table and a search box above it that keeps the rows holding every word typed (any case).
  // rows: {cells, text, className}; returns [the box's paragraph, the table].
  function filteredTable(headers, rows, noun) {
    var filter = document.createElement("input");
    filter.type = "search"; filter.placeholder = "filter " + rows.length + " " + noun;
    filter.className = "pp-point-filter";
    var shown = document.createElement("span");
    shown.setAttribute("aria-live", "polite");
    var table = document.createElement("table");
    var headRow = table.createTHead().insertRow();
    headers.forEach(function (h) {
      var th = document.createElement("th"); th.textContent = h; headRow.appendChild(th);
    });
    var body = table.createTBody();
    var trs = rows.map(function (r) {
      var tr = cellRow(body, r.cells, r.className);
      tr.dataset.text = oneLine(r.text).toLowerCase();
      return tr;
    });
    filter.addEventListener("input", function () {
      var words = filter.value.toLowerCase().split(/\s+/).filter(Boolean), count = 0;
      trs.forEach(function (tr) {
        tr.hidden = !words.every(function (w) { return tr.dataset.text.indexOf(w) >= 0; });
        if (!tr.hidden) count++;
      });
      shown.textContent = words.length ? " " + count + " of " + rows.length + " shown" : "";
    });
    return [paragraph([filter, shown]), table];
  }

  // ---- every series of a compare or PR page, folded -----------------------

  // The page's tables hold its changes or level shifts; the folded list holds every series,
  // fetched when the reader opens it: a step on main reads its two commits from a block of step
  // values (site/stepvalues.py), an A/B comparison its own listing (judging.listing).
  function initFullLists(root) {
    root.querySelectorAll("details.pp-full-list").forEach(function (box) {
      if (box.dataset.state) return;
      box.dataset.state = "waiting";
      var list = box.querySelector(".pp-list");
      var load = function () {
        if (!box.open || box.dataset.state !== "waiting") return;
        box.dataset.state = "loading";
        fetchJson(new URL(box.dataset.src, window.location.href).href).then(function (data) {
          list.replaceChildren.apply(list, box.dataset.kind === "step" ? stepList(box, data) : abList(box, data));
          box.dataset.state = "drawn";
        }).catch(function (error) {
          box.dataset.state = "failed";
          list.textContent = "Unavailable: " + oneLine(error.message);
        });
      };
      box.addEventListener("toggle", load);
      load();
    });
  }

  // A series' name cell: its scenario (linked when it has a page), then metric and machine.
  function seriesCell(box, s) {
    var name = document.createElement("span");
    var sub = document.createElement("span");
    sub.className = "pp-sub";
    sub.textContent = oneLine(s.metric + (s.direction === "higher" ? " ↑" : " ↓") + " · " + s.machine);
    var page = s.slug && new URL(box.dataset.scenarios + s.slug + box.dataset.suffix, window.location.href).href;
    name.append(page ? anchor(page, s.scenario) : document.createTextNode(oneLine(s.scenario)),
      document.createElement("br"), sub);
    return name;
  }

  // The rows, largest change first, as a filtered table in the comparison tables' layout.
  function listParts(box, headers, rows, note) {
    rows.sort(function (a, b) { return a.size === b.size ? 0 : b.size > a.size ? 1 : -1; });  // Infinity - Infinity is NaN
    var parts = filteredTable(headers, rows, "series by scenario, metric or machine");
    var column = headers.indexOf("series") + 1;
    parts[1].querySelectorAll("tbody td:nth-child(" + column + ")").forEach(function (td) { td.className = "pp-wrap"; });
    var wrap = document.createElement("div");
    wrap.className = "pp-verdicts";  // perfpages.css: names wrap, numbers do not
    wrap.appendChild(parts[1]);
    return [paragraph([note]), parts[0], wrap];
  }

  // How far a row sorts up: a change from 0 has no relative size, and is larger than any (an error
  // rate from 0 to 2% first, not below every noise-sized change); a row without both values last.
  function size(before, after) {
    if (before === null || after === null || !isFinite(before) || !isFinite(after)) return -1;
    if (!before) return after ? Infinity : 0;
    return Math.abs(after / before - 1);
  }

  // A step on main: the series measured at both commits.
  function stepList(box, data) {
    var base = Number(box.dataset.base), head = Number(box.dataset.head), rows = [];
    data.series.forEach(function (s) {
      var i = s.x.indexOf(head);
      if (i < 1 || s.x[i - 1] !== base) return;
      var steps = data.ladders[s.unit] || [], before = s.y[i - 1], after = s.y[i];
      // The change first, as a verdict elsewhere: a phone shows it without scrolling the table sideways.
      rows.push({ cells: [signedPercent(before, after, s.unit), seriesCell(box, s), humanValue(before, steps, s.unit),
        humanValue(after, steps, s.unit)], text: s.scenario + " " + s.metric + " " + s.machine, size: size(before, after) });
    });
    return listParts(box, ["change", "series", "before", "after"], rows, "Each series measured at both commits, " +
      "largest single-run change first. A single run's change is noise unless a level shift above says otherwise.");
  }

  // An A/B comparison: every series with its verdict and threshold.
  function abList(box, data) {
    var at = {};
    data.columns.forEach(function (name, i) { at[name] = i; });
    var rows = data.rows.map(function (row) {
      var s = { scenario: row[at.label], slug: row[at.slug], metric: row[at.metric], machine: row[at.machine],
        direction: row[at.direction] }, steps = data.ladders[row[at.unit]] || [];
      var base = row[at.base], head = row[at.head], threshold = row[at.threshold];
      var verdict = document.createElement("span");
      verdict.className = "pp-verdict pp-badge " + ({ regressed: "pp-regressed", improved: "pp-improved" }[row[at.verdict]] || "pp-stable");
      verdict.textContent = oneLine(String(row[at.verdict]).replace("-", " "));
      return { cells: [verdict, seriesCell(box, s), humanValue(base, steps, row[at.unit]), humanValue(head, steps, row[at.unit]),
        signedPercent(base, head, row[at.unit]),
        threshold === null ? "n/a" : "±" + (100 * threshold).toFixed(2) + "%"],
        text: [s.scenario, s.metric, s.machine, row[at.verdict]].join(" "), size: size(base, head) };
    });
    return listParts(box, ["verdict", "series", "base", "head", "change", "threshold"], rows,
      "Every series of the comparison, largest change first; the verdicts are those of the tables above.");
  }

  // Charts below the fold are drawn when they come near the viewport, so the first one shows sooner.
  var NEAR = 400;  // pixels
  var nearViewport = "IntersectionObserver" in window ? new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (entry.isIntersecting) {
        nearViewport.unobserve(entry.target);
        drawChart(entry.target);
      }
    });
  }, { rootMargin: NEAR + "px" }) : null;

  // The observer's own rule, now: an observer reports at the next frame, and plotly's evaluation
  // (one long task) may come before it.
  function nearNow(div) {
    var box = div.getBoundingClientRect();
    return box.bottom > -NEAR && box.top < window.innerHeight + NEAR;
  }

  // ---- variant pages ----------------------------------------------------
  // One JSON per page holds every offered commit; the selectors pick the commit and a value
  // for each dimension that is not the comparison axis. Each view ignores the selector of the
  // dimension it plots along x.

  function cellKey(params) {
    return Object.keys(params).sort().map(function (k) { return k + "=" + params[k]; }).join(",");
  }

  function samplesAt(data, state, choice, metric) {
    var params = {};
    Object.keys(state.filters).forEach(function (k) { params[k] = state.filters[k]; });
    Object.keys(choice).forEach(function (k) { params[k] = choice[k]; });
    var cells = (data.cells[state.commit] || {})[cellKey(params)] || {};
    return cells[metric] || [];
  }

  // Values on an axis in one step of the tables' units, named on every tick (as on the trend charts):
  // the step comes with the data (generator/render/units.py), per metric over all its samples.
  function valueAxis(title, metric) {
    return { title: { text: plain(named(title, metric.scale.name)) }, rangemode: "tozero",
      ticksuffix: metric.scale.name ? " " + plain(metric.scale.name) : "", exponentformat: "none",
      separatethousands: true };
  }

  // "wall_time (ms)"; a dimensionless value (unit "" or "1") gets no unit.
  function named(title, unit) {
    return unit ? title + " (" + unit + ")" : title;
  }

  function inScale(values, metric) {
    return values.map(function (v) { return v === null ? null : v / metric.scale.factor; });
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
      return { type: "box", name: plain(variant), x: x, y: inScale(y, metric), boxpoints: "all", jitter: 0.3, pointpos: 0,
        marker: { color: COLORS[i % COLORS.length], size: 5 }, line: { width: 1.5 } };
    });
    var layout = themedLayout({ boxmode: "group", margin: { t: 20, r: 10 }, height: 340,
      legend: { orientation: "h", title: { text: plain(data.axis) } },
      xaxis: { title: { text: data.x ? plain(data.x) : "" }, type: "category" },
      yaxis: valueAxis(metric.name, metric) });
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
      traces.push({ type: "scatter", mode: "lines+markers", name: plain(variant), x: cores.map(Number),
        y: inScale(ys, metric), line: { color: color } });
      if (ys[0] !== null) {
        var c0 = Number(cores[0]);
        traces.push({ type: "scatter", mode: "lines", name: plain(variant) + " ideal", x: cores.map(Number),
          y: inScale(cores.map(function (c) {
            return metric.direction === "higher" ? ys[0] * Number(c) / c0 : ys[0] * c0 / Number(c);
          }), metric),
          line: { color: color, dash: "dot", width: 1 }, hoverinfo: "skip" });
      }
    });
    var layout = themedLayout({ margin: { t: 20, r: 10 }, height: 320, legend: { orientation: "h" },
      xaxis: { title: { text: "cores" }, dtick: 1 },
      yaxis: valueAxis(metric.name, metric) });
    return { traces: traces, layout: layout };
  }

  function percentilesFigure(data, state) {
    var metrics = data.metrics.filter(function (m) { return m.percentile !== null; });
    // One axis for all percentiles: the step of the largest (the highest percentile's) values.
    var largest = metrics.reduce(function (a, m) { return m.scale.factor > a.scale.factor ? m : a; }, metrics[0]);
    var traces = data.variants.map(function (variant, i) {
      var choice = {}; choice[data.axis] = variant;
      return { type: "scatter", mode: "lines+markers", name: plain(variant),
        x: metrics.map(function (m) { return "P" + m.percentile; }),
        y: inScale(metrics.map(function (m) { return medianOf(samplesAt(data, state, choice, m.name)); }), largest),
        marker: { color: COLORS[i % COLORS.length], size: 8 } };
    });
    var layout = themedLayout({ margin: { t: 20, r: 10 }, height: 320, legend: { orientation: "h" },
      xaxis: { title: { text: "percentile" }, type: "category" },
      yaxis: valueAxis("latency", largest) });
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
        var value = row.values[i];
        var textValue = value === null ? "–" : humanValue(value, metric.ladder, metric.unit);
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
    initPoint(document);
    initFullLists(document);
    initCharts();
  }

  function initCharts() {
    var charts = document.querySelectorAll(".pp-chart");
    if (charts.length) watchScheme();
    charts.forEach(function (div) {
      if (!nearViewport || nearNow(div)) drawChart(div); else nearViewport.observe(div);
    });
  }

  // A page with a chart needs plotly: it is asked for as this script runs, not once the page is
  // initialised and the chart has come near the viewport (most of a first visit is plotly's own load).
  if (document.querySelector(".pp-chart, .pp-variants")) loadPlotly().catch(function () {});

  // This script comes after the content, so the page's charts are there: they start now, their data
  // loading while plotly does, not once Material's scripts have run at DOMContentLoaded
  // (`document$`, which later starts the charts of each page instant navigation brings).
  initCharts();

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
