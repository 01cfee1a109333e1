/* Charts of hgcrawler serve, drawn with uPlot from the JSON each page embeds
   (<script type="application/json">: data, never code). No inline script: the
   pages' Content-Security-Policy allows scripts from this application only. */
(function () {
  "use strict";

  function readData(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function width(el) {
    return Math.max(320, Math.floor(el.getBoundingClientRect().width || 800));
  }

  function number(v) {
    return v == null ? "–" : Math.round(v).toLocaleString("en");
  }

  function siteChart(el, data) {
    var opts = {
      width: width(el),
      height: 300,
      series: [
        {},
        { label: "views (sum)", stroke: "#1f5fa8", width: 2, value: function (u, v) { return number(v); } },
        { label: "articles with a count", stroke: "#2e8b57", width: 1.5, scale: "n",
          value: function (u, v) { return number(v); } }
      ],
      axes: [
        {},
        { values: function (u, vals) { return vals.map(number); }, size: 70 },
        { side: 1, scale: "n", grid: { show: false }, values: function (u, vals) { return vals.map(number); }, size: 60 }
      ]
    };
    return new uPlot(opts, [data.t, data.views, data.articles], el);
  }

  /* Each visit is marked by a tick at the foot of the plot; a visit whose page
     showed no count is a red diamond, and the line is broken there. */
  function visitMarks(u) {
    var ctx = u.ctx, xs = u.data[0];
    var bottom = u.bbox.top + u.bbox.height;
    ctx.save();
    ctx.strokeStyle = "rgba(22,50,79,0.55)";
    ctx.lineWidth = Math.max(1, devicePixelRatio);
    for (var i = 0; i < xs.length; i++) {
      var x = Math.round(u.valToPos(xs[i], "x", true));
      ctx.beginPath();
      ctx.moveTo(x, bottom);
      ctx.lineTo(x, bottom - 8 * devicePixelRatio);
      ctx.stroke();
    }
    ctx.restore();
  }

  function viewsChart(el, data) {
    var opts = {
      width: width(el),
      height: 320,
      scales: { x: { time: true } },
      series: [
        {},
        { label: "views", stroke: "#1f5fa8", width: 2, spanGaps: false,
          points: { show: true, size: 6, fill: "#1f5fa8" }, value: function (u, v) { return number(v); } },
        { label: "no count shown", stroke: "#c62828", width: 0, paths: function () { return null; },
          points: { show: true, size: 9, fill: "#c62828", stroke: "#c62828" },
          value: function (u, v) { return v == null ? "–" : "none"; } }
      ],
      axes: [{}, { values: function (u, vals) { return vals.map(number); }, size: 70 }],
      hooks: { draw: [visitMarks] }
    };
    return new uPlot(opts, [data.t, data.views, data.missing], el);
  }

  var charts = [];
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var data = readData(el.dataset.source);
    if (!data || !data.t || data.t.length === 0) {
      el.textContent = "Nothing to draw yet.";
      el.classList.add("empty");
      return;
    }
    var chart = el.dataset.chart === "views" ? viewsChart(el, data) : siteChart(el, data);
    el.dataset.points = String(data.t.length);
    charts.push(chart);
  });
  window.hgcrawlerCharts = charts;
})();
