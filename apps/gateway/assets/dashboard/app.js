// edgefl gateway dashboard: subscribes to /api/events (server-sent events) and renders the
// per-device link table, sortable by any column, plus a uPlot chart of the fleet's rate.
(function () {
  'use strict';
  var COLUMNS = [
    { key: 'device', label: 'device', get: function (d) { return d.device; }, show: function (d) { return d.device; } },
    { key: 'status', label: 'status', get: function (d) { return d.status; }, show: function (d) { return d.status; }, cls: function (d) { return 'status-' + d.status; } },
    { key: 'lastSeen', label: 'last seen', get: function (d) { return d.lastSeen || 0; }, show: function (d, s) { return ago(d.lastSeen, s.time); } },
    { key: 'upRate', label: 'up rate', num: true, get: function (d) { return d.up.rateBitsPerSec; }, show: function (d) { return rate(d.up.rateBitsPerSec); } },
    { key: 'downRate', label: 'down rate', num: true, get: function (d) { return d.down.rateBitsPerSec; }, show: function (d) { return rate(d.down.rateBitsPerSec); } },
    { key: 'upBytes', label: 'up total', num: true, get: function (d) { return d.up.wireBytes; }, show: function (d) { return bytes(d.up.wireBytes); } },
    { key: 'downBytes', label: 'down total', num: true, get: function (d) { return d.down.wireBytes; }, show: function (d) { return bytes(d.down.wireBytes); } },
    { key: 'overhead', label: 'MQTT overhead', num: true, get: function (d) { return d.up.overheadBytes + d.down.overheadBytes; }, show: function (d) { return bytes(d.up.overheadBytes + d.down.overheadBytes); } },
    { key: 'upRound', label: 'up last round', num: true, get: function (d) { return d.up.bytesLastRound; }, show: function (d) { return bytes(d.up.bytesLastRound); } },
    { key: 'budget', label: 'budget (up)', num: true, get: function (d) { return d.up.budgetBitsPerSec || d.up.budgetBitsPerRound || 0; }, show: function (d) { return budget(d.up); } },
    { key: 'use', label: 'budget use', num: true, get: function (d) { return use(d); }, show: function (d) { var u = use(d); return u === null ? '–' : (100 * u).toFixed(0) + ' %'; }, cls: function (d) { var u = use(d); return u !== null && u > 0.9 ? 'use-high' : ''; } },
    { key: 'over', label: 'violations', num: true, get: function (d) { return d.up.overBudget + d.down.overBudget; }, show: function (d) { return String(d.up.overBudget + d.down.overBudget); }, cls: function (d) { return d.up.overBudget + d.down.overBudget > 0 ? 'over' : ''; } },
  ];
  var sortKey = 'device';
  var sortDir = 1;
  var last = null;
  var series = [[], [], []];
  var chart = null;

  function use(d) {
    var a = d.up.budgetUse, b = d.down.budgetUse;
    if (a === null && b === null) return null;
    return Math.max(a || 0, b || 0);
  }
  function rate(bps) {
    if (bps >= 1e6) return (bps / 1e6).toFixed(2) + ' Mbit/s';
    if (bps >= 1e3) return (bps / 1e3).toFixed(1) + ' kbit/s';
    return bps.toFixed(0) + ' bit/s';
  }
  function bytes(n) {
    if (n >= 1e6) return (n / 1e6).toFixed(2) + ' MB';
    if (n >= 1e3) return (n / 1e3).toFixed(1) + ' kB';
    return n + ' B';
  }
  function budget(v) {
    var parts = [];
    if (v.budgetBitsPerSec !== null) parts.push(rate(v.budgetBitsPerSec));
    if (v.budgetBitsPerRound !== null) parts.push((v.budgetBitsPerRound / 1e3).toFixed(1) + ' kbit/round');
    return parts.length ? parts.join(', ') : '–';
  }
  function ago(t, now) {
    if (!t) return 'never';
    var s = Math.max(0, (now - t) / 1000);
    return s < 1 ? 'now' : s < 120 ? s.toFixed(0) + ' s ago' : (s / 60).toFixed(0) + ' min ago';
  }
  function text(id, v) { document.getElementById(id).textContent = v; }

  function render(s) {
    last = s;
    text('job', s.job);
    text('round', s.round + ' / ' + s.rounds + (s.state === 'done' ? ' (done)' : ''));
    text('accuracy', s.accuracy === null ? '–' : (100 * s.accuracy).toFixed(2) + ' %');
    text('up-rate', rate(s.totals.upRateBitsPerSec));
    text('down-rate', rate(s.totals.downRateBitsPerSec));
    text('online', s.devices.filter(function (d) { return d.online; }).length + ' / ' + s.devices.length);
    text('window', String(s.windowSec));
    var p = document.getElementById('progress');
    p.max = s.rounds; p.value = s.round;
    renderTable(s);
    renderPeers(s);
    plot(s);
  }

  function renderTable(s) {
    var col = COLUMNS.filter(function (c) { return c.key === sortKey; })[0] || COLUMNS[0];
    var rows = s.devices.slice().sort(function (a, b) {
      var x = col.get(a), y = col.get(b);
      if (x === y) return a.device < b.device ? -1 : 1;
      return (x < y ? -1 : 1) * sortDir;
    });
    var body = document.querySelector('#links tbody');
    var frag = document.createDocumentFragment();
    rows.forEach(function (d) {
      var tr = document.createElement('tr');
      tr.dataset.device = d.device;
      COLUMNS.forEach(function (c) {
        var td = document.createElement('td');
        td.textContent = c.show(d, s);
        td.dataset.field = c.key;
        td.dataset.label = c.label;
        td.dataset.value = String(c.get(d));
        var k = (c.num ? 'num ' : '') + (c.cls ? c.cls(d) : '');
        if (k.trim()) td.className = k.trim();
        tr.appendChild(td);
      });
      frag.appendChild(tr);
    });
    body.replaceChildren(frag);
    var sel = document.getElementById('sort');
    if (sel) sel.value = sortKey + ':' + sortDir;
    document.querySelectorAll('#links th').forEach(function (th) {
      if (th.dataset.key === sortKey) th.setAttribute('aria-sort', sortDir > 0 ? 'ascending' : 'descending');
      else th.removeAttribute('aria-sort');
    });
  }

  function renderPeers(s) {
    var show = s.peers.length > 0;
    document.getElementById('peers').hidden = !show;
    document.getElementById('peers-title').hidden = !show;
    if (!show) return;
    var body = document.querySelector('#peers tbody');
    body.replaceChildren.apply(body, s.peers.map(function (p) {
      var tr = document.createElement('tr');
      [p.from, p.to, rate(p.rateBitsPerSec), bytes(p.wireBytes), p.budgetBitsPerSec === null ? '–' : rate(p.budgetBitsPerSec), String(p.overBudget)].forEach(function (v, i) {
        var td = document.createElement('td');
        td.textContent = v;
        if (i >= 2) td.className = 'num';
        tr.appendChild(td);
      });
      return tr;
    }));
  }

  function plot(s) {
    if (typeof uPlot === 'undefined') return;
    series[0].push(s.time / 1000);
    series[1].push(s.totals.upRateBitsPerSec / 1e3);
    series[2].push(s.totals.downRateBitsPerSec / 1e3);
    if (series[0].length > 300) series.forEach(function (a) { a.shift(); });
    var el = document.getElementById('chart');
    var width = Math.max(280, el.clientWidth || 600);
    if (chart === null) {
      chart = new uPlot({
        width: width, height: 160,
        series: [{}, { label: 'up kbit/s', stroke: '#2563eb', width: 2 }, { label: 'down kbit/s', stroke: '#16a34a', width: 2 }],
        axes: [{}, { size: 50 }],
      }, series, el);
    } else {
      chart.setData(series);
    }
  }

  document.querySelectorAll('#links th').forEach(function (th) {
    th.addEventListener('click', function () {
      var k = th.dataset.key;
      if (k === sortKey) sortDir = -sortDir; else { sortKey = k; sortDir = k === 'device' || k === 'status' ? 1 : -1; }
      if (last) renderTable(last);
    });
  });
  // Phones hide the header row; a select sorts instead.
  var select = document.getElementById('sort');
  COLUMNS.forEach(function (c) {
    [1, -1].forEach(function (dir) {
      var o = document.createElement('option');
      o.value = c.key + ':' + dir;
      o.textContent = c.label + (dir > 0 ? ' ▲' : ' ▼');
      select.appendChild(o);
    });
  });
  select.addEventListener('change', function () {
    var p = select.value.split(':');
    sortKey = p[0]; sortDir = Number(p[1]);
    if (last) renderTable(last);
  });
  window.addEventListener('resize', function () { if (chart) chart.setSize({ width: Math.max(280, document.getElementById('chart').clientWidth), height: 160 }); });

  var live = document.getElementById('live');
  var es = new EventSource('/api/events');
  es.addEventListener('links', function (e) {
    live.textContent = '● live';
    live.className = 'live on';
    render(JSON.parse(e.data));
  });
  es.onerror = function () { live.textContent = '○ reconnecting'; live.className = 'live'; };
  window.edgeflDashboard = { sortBy: function (k, dir) { sortKey = k; sortDir = dir; if (last) renderTable(last); }, last: function () { return last; } };
})();
