/* propdesk shell and components: the phone menu, the search popup's keys,
   forms that send once, charts. Plain script, no framework; every page loads it. */
(function () {
  "use strict";

  /* ---------------------------------------------------------------- menu on a phone */
  function setupMenu() {
    var bar = document.getElementById("topbar");
    var toggle = bar && bar.querySelector(".nav-toggle");
    if (!toggle) return;
    toggle.addEventListener("click", function () {
      var open = bar.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  /* ---------------------------------------------------------------- search popup */
  function setupSearch() {
    var popup = document.getElementById("search-popup");
    if (!popup) return;
    document.addEventListener("click", function (e) {
      if (!e.target.closest(".global-search")) popup.innerHTML = "";
    });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { popup.innerHTML = ""; return; }
      if (e.key !== "ArrowDown" && e.key !== "ArrowUp") return;
      // Arrow keys move between the search box and the results as you type.
      var links = Array.prototype.slice.call(popup.querySelectorAll("a.result"));
      var box = document.getElementById("global-q");
      var at = links.indexOf(document.activeElement);
      if (document.activeElement !== box && at < 0) return;
      if (!links.length) return;
      e.preventDefault();
      var next = e.key === "ArrowDown" ? at + 1 : at - 1;
      if (next < 0) box.focus(); else links[Math.min(next, links.length - 1)].focus();
    });
  }

  /* ---------------------------------------------------------------- forms that send once
     A form carrying a submit token disables its buttons once sent. A convenience
     only: the server answers a repeated token with the first result. */
  function setupSubmitOnce() {
    document.addEventListener("submit", function (e) {
      var form = e.target;
      if (!(form instanceof HTMLFormElement) || !form.querySelector("input[name=submit_token]")) return;
      if (form.hasAttribute("hx-post")) return;  // htmx forms: hx-disabled-elt does it
      if (form.dataset.sent === "1") { e.preventDefault(); return; }
      form.dataset.sent = "1";
      // After this event, so that the clicked button's name and value are still sent.
      setTimeout(function () {
        form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]").forEach(function (b) {
          b.disabled = true;
          b.setAttribute("aria-busy", "true");
        });
      }, 0);
    }, true);
    // Back to a page kept in the browser's cache: its forms may be sent again (a new token is not needed:
    // different values are a new submission, the same values get the first result).
    window.addEventListener("pageshow", function (e) {
      if (!e.persisted) return;
      document.querySelectorAll("form[data-sent]").forEach(function (form) {
        delete form.dataset.sent;
        form.querySelectorAll("[aria-busy=true]").forEach(function (b) { b.disabled = false; b.removeAttribute("aria-busy"); });
      });
    });
  }

  /* ---------------------------------------------------------------- charts (ECharts from json_script) */
  var TONES = {ok: "#1a7f37", info: "#0b5cad", warn: "#c27a00", danger: "#b42318", muted: "#7b8794", accent: "#6d3fc0", neutral: "#0d9488"};

  function drawChart(el) {
    var data = JSON.parse(document.getElementById(el.dataset.chart).textContent);
    var chart = window.echarts.init(el, null, {renderer: "svg"});
    var longest = data.labels.reduce(function (n, s) { return Math.max(n, s.length); }, 0);
    chart.setOption({
      animation: false,
      // Room for the value labels at the bar ends and for category names, so nothing is clipped.
      grid: {left: 8, right: data.percent ? 56 : 40, top: 8, bottom: data.percent ? 24 : 8, containLabel: true},
      tooltip: {trigger: "axis", axisPointer: {type: "shadow"},
                valueFormatter: function (v) { return v == null ? "—" : v + (data.percent ? "%" : ""); }},
      xAxis: data.percent
        ? {type: "value", min: 0, max: 100, axisLabel: {formatter: "{value}%"}}
        : {type: "value", minInterval: 1},
      yAxis: {type: "category", data: data.labels, inverse: true,
              axisLabel: {width: Math.min(10, longest) * 14, overflow: "break"}},
      series: [{type: "bar", name: data.name, data: data.values, barMaxWidth: 28,
                itemStyle: {color: TONES[data.tone] || TONES.info},
                cursor: data.links && data.links.length ? "pointer" : "default",
                label: {show: true, position: "right", formatter: function (p) {
                  return p.value == null ? "—" : p.value + (data.percent ? "%" : "");
                }}}]
    });
    if (data.links && data.links.length) {
      chart.on("click", function (p) { var href = data.links[p.dataIndex]; if (href) window.location.href = href; });
    }
    return chart;
  }

  function setupCharts() {
    var els = document.querySelectorAll("[data-chart]");
    if (!els.length) return;
    function drawAll() {
      var charts = Array.prototype.map.call(els, drawChart);
      window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
    }
    if (window.echarts) { drawAll(); return; }
    var script = document.createElement("script");
    script.src = els[0].dataset.echarts;
    script.onload = drawAll;
    document.head.appendChild(script);
  }

  function ready() {
    setupMenu();
    setupSearch();
    setupSubmitOnce();
    setupCharts();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready); else ready();
})();
