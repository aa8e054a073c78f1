// The Steward console's own script: the overview's charts (uPlot) and the review queue's keys.
// No inline script anywhere (the Content-Security-Policy forbids it): data comes from JSON blocks and data-* attributes.
(function () {
  "use strict";

  var COLOURS = ["#116329", "#a40e26", "#7a4d00", "#6639ba", "#0b57d0", "#b35900", "#1b7c83"];

  // the y axis as wide as its longest tick label (latencies reach "50,000"), as uPlot's axis-autosize demo does
  function yAxisSize(u, values, axisIdx, cycleNum) {
    var axis = u.axes[axisIdx];
    if (cycleNum > 1) { return axis._size; }
    var size = axis.ticks.size + axis.gap;
    var longest = (values || []).reduce(function (a, v) { return String(v).length > a.length ? String(v) : a; }, "");
    if (longest !== "") {
      u.ctx.font = axis.font[0];
      size += u.ctx.measureText(longest).width / devicePixelRatio;
    }
    return Math.ceil(size);
  }

  function chart(el, span, x, columns) {
    var names = Object.keys(columns);
    var series = [{}].concat(names.map(function (name, i) {
      return { label: name, stroke: COLOURS[i % COLOURS.length], width: 2, spanGaps: true, points: { show: true, size: 6 } };
    }));
    var data = [x].concat(names.map(function (name) { return columns[name]; }));
    var width = Math.max(300, el.clientWidth || 360);
    new uPlot({
      width: width, height: 200, series: series, axes: [{}, { size: yAxisSize }],
      scales: { x: { time: true, range: span }, y: { range: function (u, min, max) { return [0, Math.max(1, max) * 1.1]; } } },
      legend: { live: false }
    }, data, el);
  }

  function overview() {
    var block = document.getElementById("overview-data");
    if (!block || typeof uPlot === "undefined") { return; }
    var data = JSON.parse(block.textContent);
    var x = data.hours.map(function (h) { return Date.parse(h) / 1000; });
    var span = [data.since, data.until];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var kind = el.getAttribute("data-chart");
      if (kind === "requests") { chart(el, span, x, data.requests); }
      if (kind === "latency") { chart(el, span, x, { "p95 ms": data.p95_ms }); }
      if (kind === "verdicts") { chart(el, span, x, data.verdicts); }
    });
  }

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function queue() {
    var list = document.getElementById("queue");
    if (!list) { return; }
    var items = Array.prototype.slice.call(list.querySelectorAll(".item"));
    if (!items.length) { return; }
    var at = Math.max(0, items.findIndex(function (i) { return i.dataset.id === list.dataset.selected; }));

    function select(i) {
      at = Math.min(items.length - 1, Math.max(0, i));
      items.forEach(function (item, j) {
        item.classList.toggle("selected", j === at);
        item.setAttribute("aria-current", j === at ? "true" : "false");
      });
      items[at].focus({ preventScroll: false });
      items[at].scrollIntoView({ block: "nearest" });
    }

    function press(selector) {
      var button = items[at].querySelector(selector);
      if (button) { button.form.requestSubmit(button); }
    }

    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey && event.key === "Enter" && event.target.classList.contains("edit-text")) {
        event.preventDefault();
        press(".edit-submit");
        return;
      }
      if (event.key === "Escape" && typing(event.target)) { event.target.blur(); items[at].focus(); return; }
      if (typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) { return; }
      var key = event.key;
      if (key === "j") { select(at + 1); }
      else if (key === "k") { select(at - 1); }
      else if (key === "a") { press(".approve"); }
      else if (key === "r") { press(".reject"); }
      else if (key === "c") { var c = items[at].querySelector(".comment"); if (c) { c.focus(); } }
      else if (key === "e") {
        var details = items[at].querySelector("details.edit");
        if (details) { details.open = true; details.querySelector("textarea").focus(); }
      } else { return; }
      event.preventDefault();
    });
    select(at);
  }

  document.addEventListener("DOMContentLoaded", function () { overview(); queue(); });
})();
