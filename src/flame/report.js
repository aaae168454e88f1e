// pprofx HTML report: flame graph on a canvas (zoom, search, tooltips) and
// sortable tables. Written for pprofx; the data format is documented in
// src/flame/html.rs. Every name from the profile is set as text
// (textContent, canvas fillText), never parsed as markup.
(function () {
  'use strict';
  var t0 = performance.now();
  var body = document.body;

  function $(id) { return document.getElementById(id); }

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  try {
    main();
  } catch (err) {
    body.setAttribute('data-state', 'error');
    var m = $('error');
    m.textContent = 'This report could not be drawn: ' + err;
    m.hidden = false;
  }

  function main() {
    var D = JSON.parse($('pprofx-data').textContent);
    var names = D.names;
    var isDiff = D.kind === 'diff';
    var N = D.f.length;
    var F = D.f;
    var dep = D.d;
    var vb = isDiff ? D.b : D.t;
    var vn = isDiff ? D.n : null;

    // ---- Values -----------------------------------------------------
    var TIME = { nanoseconds: 1, nanosecond: 1, ns: 1, microseconds: 1e3, microsecond: 1e3, us: 1e3,
      milliseconds: 1e6, millisecond: 1e6, ms: 1e6, seconds: 1e9, second: 1e9, s: 1e9 };
    var BYTES = { bytes: 1, byte: 1, B: 1 };
    var TIME_STEPS = [[3600e9, 'hrs'], [60e9, 'mins'], [1e9, 's'], [1e6, 'ms'], [1e3, 'us'], [1, 'ns']];
    var BYTE_STEPS = [[1125899906842624, 'PB'], [1099511627776, 'TB'], [1073741824, 'GB'],
      [1048576, 'MB'], [1024, 'kB'], [1, 'B']];
    var unit = D.unit;

    function fmt(v) {
      var a = Math.abs(v);
      var sign = v < 0 ? '-' : '';
      var steps = null;
      if (Object.prototype.hasOwnProperty.call(TIME, unit)) {
        a *= TIME[unit];
        steps = TIME_STEPS;
      } else if (Object.prototype.hasOwnProperty.call(BYTES, unit)) {
        steps = BYTE_STEPS;
      }
      if (!steps) {
        var s = a.toLocaleString('en-US', { maximumFractionDigits: 2 });
        return sign + s + (unit && unit !== 'count' ? ' ' + unit : '');
      }
      if (a === 0) return '0';
      for (var i = 0; i < steps.length; i++) {
        if (a >= steps[i][0] || i === steps.length - 1) {
          return sign + (a / steps[i][0]).toFixed(2).replace(/\.00$/, '') + steps[i][1];
        }
      }
      return sign + a;
    }

    function signed(v) { return (v > 0 ? '+' : '') + fmt(v); }

    function pct(v, of) { return of ? (100 * v / of).toFixed(2) + '%' : '–'; }

    function name(i) { return F[i] < 0 ? 'all' : names[F[i]]; }

    // ---- Long names: src/flame/names.js ----------------------------------
    var segments = pprofxNames.segments;
    var elide = pprofxNames.elide;

    var labelCache = new Map();

    function label(i, fit) {
      var key = F[i] + ':' + fit;
      var l = labelCache.get(key);
      if (l === undefined) {
        l = elide(name(i), fit);
        labelCache.set(key, l);
      }
      return l;
    }

    // Sets a table cell to a name that may wrap only between segments.
    function setName(td, s, suffix) {
      var segs = segments(s);
      for (var k = 0; k < segs.length; k++) {
        if (k > 0) td.appendChild(document.createElement('wbr'));
        td.appendChild(document.createTextNode(segs[k]));
      }
      if (suffix) td.appendChild(document.createTextNode(suffix));
      td.title = s + (suffix || '');
    }

    // ---- Tree: widths, positions, subtree ends -----------------------
    var w = new Float64Array(N);
    var x = new Float64Array(N);
    var par = new Int32Array(N);
    var end = new Int32Array(N);
    var selfB = new Float64Array(N);
    var selfN = isDiff ? new Float64Array(N) : null;
    var i;
    for (i = 0; i < N; i++) {
      w[i] = isDiff ? (D.width === 'new' ? vn[i] : vb[i] + vn[i]) : vb[i];
      selfB[i] = vb[i];
      if (isDiff) selfN[i] = vn[i];
    }
    var stack = [];
    var cursor = [0];
    var maxDepth = 0;
    var byDepth = [];
    for (i = 0; i < N; i++) {
      var d = dep[i];
      while (stack.length > d) end[stack.pop()] = i;
      par[i] = d > 0 ? stack[d - 1] : -1;
      x[i] = cursor[d] || 0;
      cursor[d] = x[i] + w[i];
      cursor[d + 1] = x[i];
      stack.push(i);
      if (d > maxDepth) maxDepth = d;
      (byDepth[d] || (byDepth[d] = [])).push(i);
      if (par[i] >= 0) {
        selfB[par[i]] -= vb[i];
        if (isDiff) selfN[par[i]] -= vn[i];
      }
    }
    while (stack.length) end[stack.pop()] = N;
    var rootTotal = w[0];

    // ---- Colours ------------------------------------------------------
    function hash(s) {
      var h = 2166136261;
      for (var k = 0; k < s.length; k++) {
        h ^= s.charCodeAt(k);
        h = Math.imul(h, 16777619);
      }
      return (h >>> 0) / 4294967296;
    }

    // The package part of a Go-style name: up to the first '.' after the last '/'.
    function pkgOf(s) {
      var slash = s.lastIndexOf('/');
      var dot = s.indexOf('.', slash + 1);
      return dot > 0 ? s.slice(0, dot) : s;
    }

    var PALETTES = {
      hot: function (a, b, c) { return [205 + 50 * c, 230 * a, 55 * b]; },
      mem: function (a, b) { return [0, 190 + 50 * b, 210 * a]; },
      io: function (a, b) { return [80 * a, 80 * a, 190 + 55 * b]; },
      red: function (a) { return [200 + 55 * a, 50 + 80 * a, 50 + 80 * a]; },
      green: function (a) { return [50 + 60 * a, 200 + 55 * a, 50 + 60 * a]; },
      blue: function (a) { return [80 + 60 * a, 80 + 60 * a, 205 + 50 * a]; },
      yellow: function (a) { return [175 + 55 * a, 175 + 55 * a, 50 + 20 * a]; },
      purple: function (a) { return [190 + 65 * a, 80 + 60 * a, 190 + 65 * a]; },
      aqua: function (a) { return [50 + 60 * a, 165 + 55 * a, 165 + 55 * a]; },
      orange: function (a) { return [190 + 65 * a, 90 + 65 * a, 0]; }
    };
    var palette = PALETTES[D.palette] || PALETTES.hot;
    var colourCache = [];

    function rgb(c) {
      return 'rgb(' + Math.round(c[0]) + ',' + Math.round(c[1]) + ',' + Math.round(c[2]) + ')';
    }

    function colour(i) {
      if (isDiff) {
        var s = D.c[i];
        return s === 0 ? 'rgb(200,200,200)' : s > 0 ? 'rgb(255,' + s + ',' + s + ')' : 'rgb(' + -s + ',' + -s + ',255)';
      }
      var f = F[i];
      if (f < 0) return 'rgb(210,210,210)';
      var c = colourCache[f];
      if (!c) {
        var n = names[f];
        var a = 0.7 * hash(pkgOf(n)) + 0.3 * hash(n);
        c = colourCache[f] = rgb(palette(a, hash(n + '#'), hash('#' + n)));
      }
      return c;
    }

    // ---- Drawing --------------------------------------------------------
    var FH = 18;
    var canvas = $('flame');
    var ctx = canvas.getContext('2d');
    var graph = $('graph');
    var scroller = $('scroller');
    var orient = $('orient');
    var icicle = !!D.icicle;
    var tip = $('tip');
    var details = $('details');
    var FONT = '12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';
    var cssW = 0;
    var cssH = (maxDepth + 1) * FH;
    var zoomed = 0;
    var matchName = null;
    var drawnCount = 0;

    function rowY(d) { return icicle ? d * FH : cssH - (d + 1) * FH; }

    // The graph scrolls in a box that fits the window under the header, so
    // the root (at the bottom of a flame graph, the top of an icicle) is in
    // the first screen however deep the stacks are.
    function fitBox() {
      var top = scroller.getBoundingClientRect().top + window.scrollY;
      var room = window.innerHeight - top - details.offsetHeight - 24;
      scroller.style.maxHeight = Math.max(240, Math.floor(room)) + 'px';
    }

    function showRoot() {
      scroller.scrollTop = icicle ? 0 : scroller.scrollHeight;
    }

    function setOrientation(v) {
      icicle = v;
      orient.setAttribute('aria-pressed', icicle ? 'true' : 'false');
      body.setAttribute('data-icicle', icicle ? 'true' : 'false');
      draw();
      showRoot();
    }

    function draw() {
      var dpr = window.devicePixelRatio || 1;
      canvas.style.height = cssH + 'px';
      cssW = Math.max(200, scroller.clientWidth);
      canvas.width = Math.round(cssW * dpr);
      canvas.height = Math.round(cssH * dpr);
      canvas.style.width = cssW + 'px';
      canvas.style.height = cssH + 'px';
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, cssW, cssH);
      ctx.font = FONT;
      ctx.textBaseline = 'middle';
      var cw = ctx.measureText('M').width || 7.2;
      var zx = x[zoomed];
      var zw = w[zoomed] || 1;
      var sc = cssW / zw;
      var drawn = 0;
      for (var i = 0; i < N; i++) {
        var px;
        var pw;
        var around = false;
        if (x[i] >= zx && x[i] + w[i] <= zx + zw) {
          px = (x[i] - zx) * sc;
          pw = w[i] * sc;
        } else if (x[i] <= zx && x[i] + w[i] >= zx + zw) {
          px = 0;
          pw = cssW;
          around = true;
        } else {
          i = end[i] - 1;
          continue;
        }
        if (pw < 0.4) {
          i = end[i] - 1;
          continue;
        }
        var y = rowY(dep[i]);
        ctx.globalAlpha = around ? 0.5 : 1;
        ctx.fillStyle = matchName && F[i] >= 0 && matchName[F[i]] ? 'rgb(230,0,230)' : colour(i);
        var rw = pw > 2 ? pw - 1 : pw;
        ctx.fillRect(px, y, rw, FH - 1);
        if (isDiff && i > 0 && (vb[i] === 0 || vn[i] === 0) && pw >= 4) {
          ctx.setLineDash([3, 2]);
          ctx.strokeStyle = '#000';
          ctx.lineWidth = 1;
          ctx.strokeRect(px + 0.5, y + 0.5, rw - 1, FH - 2);
          ctx.setLineDash([]);
        }
        var fit = Math.floor((pw - 6) / cw);
        var text = fit >= 3 ? label(i, fit) : null;
        if (text) {
          ctx.fillStyle = '#000';
          ctx.fillText(text, px + 3, y + FH / 2);
        }
        drawn++;
      }
      ctx.globalAlpha = 1;
      drawnCount = drawn;
      canvas.setAttribute('data-drawn', String(drawn));
      $('reset').disabled = zoomed === 0;
    }

    function hit(mx, my) {
      var d = icicle ? Math.floor(my / FH) : Math.floor((cssH - my) / FH);
      if (d < 0 || d > maxDepth || !byDepth[d]) return -1;
      var list = byDepth[d];
      var wx = x[zoomed] + mx * (w[zoomed] || 1) / cssW;
      var lo = 0;
      var hi = list.length - 1;
      var best = -1;
      while (lo <= hi) {
        var mid = (lo + hi) >> 1;
        if (x[list[mid]] <= wx) {
          best = mid;
          lo = mid + 1;
        } else {
          hi = mid - 1;
        }
      }
      if (best < 0) return -1;
      var j = list[best];
      return wx < x[j] + w[j] ? j : -1;
    }

    function describe(i) {
      var lines = [name(i)];
      if (isDiff) {
        var delta = vn[i] - vb[i];
        lines.push('base ' + fmt(vb[i]) + ' (self ' + fmt(selfB[i]) + '), new ' + fmt(vn[i]) +
          ' (self ' + fmt(selfN[i]) + ')');
        lines.push('Δ ' + signed(delta) + ' (' + (vb[i] ? (delta >= 0 ? '+' : '') + pct(delta, vb[i]) : 'new') + ')');
        if (i > 0 && vb[i] === 0) lines.push('only in the new profile');
        if (i > 0 && vn[i] === 0) lines.push('only in the base profile (gone)');
      } else {
        lines.push('total ' + fmt(vb[i]) + ' (' + pct(vb[i], rootTotal) + ')' +
          (zoomed ? ', ' + pct(vb[i], w[zoomed]) + ' of the zoomed frame' : ''));
        lines.push('self ' + fmt(selfB[i]) + ' (' + pct(selfB[i], rootTotal) + ')');
      }
      return lines.join('\n');
    }

    function showTip(i, e) {
      if (i < 0) {
        tip.hidden = true;
        return;
      }
      tip.textContent = describe(i);
      tip.hidden = false;
      var r = graph.getBoundingClientRect();
      var left = e.clientX - r.left + 14;
      var top = e.clientY - r.top + 14;
      if (left + tip.offsetWidth > r.width) left = Math.max(0, e.clientX - r.left - tip.offsetWidth - 10);
      if (top + tip.offsetHeight > r.height) top = Math.max(0, e.clientY - r.top - tip.offsetHeight - 10);
      tip.style.left = left + 'px';
      tip.style.top = top + 'px';
    }

    function pos(e) {
      var r = canvas.getBoundingClientRect();
      return [e.clientX - r.left, e.clientY - r.top];
    }

    canvas.addEventListener('mousemove', function (e) {
      var p = pos(e);
      var i = hit(p[0], p[1]);
      showTip(i, e);
      details.textContent = i < 0 ? '' : describe(i).replace(/\n/g, ' · ');
    });
    canvas.addEventListener('mouseleave', function () { tip.hidden = true; });
    canvas.addEventListener('click', function (e) {
      var p = pos(e);
      var i = hit(p[0], p[1]);
      if (i >= 0) zoom(i);
    });

    function zoom(i) {
      zoomed = i;
      draw();
      saveState();
    }

    $('reset').addEventListener('click', function () { zoom(0); });
    orient.addEventListener('click', function () {
      setOrientation(!icicle);
      saveState();
    });

    // ---- Search ---------------------------------------------------------
    var search = $('search');
    var matched = $('matched');
    var pattern = '';

    function applySearch(s) {
      pattern = s;
      search.classList.remove('bad');
      if (!s) {
        matchName = null;
        matched.textContent = '';
      } else {
        var re;
        try {
          // Smart case: case-insensitive unless the pattern has an upper-case letter.
          re = new RegExp(s, /[A-Z]/.test(s) ? '' : 'i');
        } catch (e) {
          search.classList.add('bad');
          matched.textContent = 'invalid regular expression';
          return;
        }
        matchName = new Uint8Array(names.length);
        var count = 0;
        for (var k = 0; k < names.length; k++) {
          if (re.test(names[k])) {
            matchName[k] = 1;
            count++;
          }
        }
        // Matched weight, each subtree counted once.
        var mb = 0;
        var mn = 0;
        for (var i = 1; i < N; i++) {
          if (matchName[F[i]]) {
            mb += vb[i];
            if (isDiff) mn += vn[i];
            i = end[i] - 1;
          }
        }
        matched.textContent = isDiff
          ? 'Matched: base ' + fmt(mb) + ' (' + pct(mb, vb[0]) + '), new ' + fmt(mn) + ' (' + pct(mn, vn[0]) + ')'
          : 'Matched: ' + fmt(mb) + ' (' + pct(mb, rootTotal) + ') in ' + count + (count === 1 ? ' name' : ' names');
      }
      draw();
      saveState();
    }

    var timer = 0;
    search.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () { applySearch(search.value); }, 120);
    });

    function escapeRe(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'); }

    function searchExact(s) {
      search.value = '^' + escapeRe(s) + '$';
      applySearch(search.value);
    }

    window.addEventListener('keydown', function (e) {
      if ((e.ctrlKey || e.metaKey) && (e.key === 'f' || e.key === 'F')) {
        e.preventDefault();
        search.focus();
        search.select();
      } else if (e.key === '/' && document.activeElement !== search) {
        e.preventDefault();
        search.focus();
      } else if (e.key === 'Escape') {
        if (document.activeElement === search && search.value) {
          search.value = '';
          applySearch('');
        } else {
          zoom(0);
        }
      }
    });

    // ---- State in the URL (#z=FRAME&s=REGEX) ----------------------------
    function saveState() {
      var parts = [];
      if (zoomed) parts.push('z=' + zoomed);
      if (icicle !== !!D.icicle) parts.push('i=' + (icicle ? 1 : 0));
      if (pattern) parts.push('s=' + encodeURIComponent(pattern));
      try {
        history.replaceState(null, '', parts.length ? '#' + parts.join('&') : location.pathname + location.search);
      } catch (e) { /* some viewers forbid it */ }
    }

    function loadState() {
      var h = location.hash.slice(1).split('&');
      for (var k = 0; k < h.length; k++) {
        var kv = h[k].split('=');
        if (kv[0] === 'z') {
          var z = parseInt(kv[1], 10);
          if (z > 0 && z < N && w[z] > 0) zoomed = z;
        } else if (kv[0] === 'i') {
          icicle = kv[1] === '1';
        } else if (kv[0] === 's' && kv[1]) {
          try { search.value = decodeURIComponent(kv[1]); } catch (e) { /* ignore */ }
        }
      }
    }

    // ---- Tables ---------------------------------------------------------
    var thead = document.querySelector('#table thead');
    var tbody = document.querySelector('#table tbody');
    var more = $('more');
    var caption = $('caption');
    var PAGE = 200;
    var tables = [];
    var current = null;
    var shown = 0;

    if (D.top) {
      var tt = D.top.total;
      var INLINE = ['', ' (inline)', ' (partial-inline)'];
      tables.push({
        id: 'top',
        label: isDiff ? 'Top (new)' : 'Top',
        caption: D.top.rows.length + ' functions; % of ' + fmt(tt) + '. Click a name to find it in the graph.',
        rows: D.top.rows,
        cols: [
          { label: 'Name', cls: 'name', key: function (r) { return names[r[0]]; }, suffix: function (r) { return INLINE[r[3]]; } },
          { label: 'Flat', key: function (r) { return r[1]; }, text: function (r) { return fmt(r[1]); } },
          { label: 'Flat%', key: function (r) { return r[1]; }, text: function (r) { return pct(r[1], tt); } },
          { label: 'Cum', key: function (r) { return r[2]; }, text: function (r) { return fmt(r[2]); } },
          { label: 'Cum%', key: function (r) { return r[2]; }, text: function (r) { return pct(r[2], tt); } }
        ],
        sort: 1,
        desc: true
      });
    }
    if (D.diff) {
      var df = D.diff;
      var cols = [
        { label: 'Name', cls: 'name', key: function (r) { return names[r[0]]; } },
        { label: 'Status', key: function (r) { return r[1]; }, text: function (r) { return r[1]; }, status: true },
        { label: 'Base', key: function (r) { return r[2]; }, text: function (r) { return fmt(r[2]); } },
        { label: 'New', key: function (r) { return r[3]; }, text: function (r) { return fmt(r[3]); } },
        { label: 'Δ', key: function (r) { return r[4]; }, text: function (r) { return signed(r[4]); } },
        { label: 'Δ%', key: function (r) { return r[5] === null ? Infinity : r[5]; },
          text: function (r) { return r[5] === null ? 'new' : (r[5] >= 0 ? '+' : '') + (100 * r[5]).toFixed(2) + '%'; } }
      ];
      if (df.mode === 'share') {
        cols.push({ label: 'Δshare', key: function (r) { return r[6]; },
          text: function (r) { return (r[6] >= 0 ? '+' : '') + r[6].toFixed(2) + 'pp'; } });
      }
      tables.unshift({
        id: 'diff',
        label: 'Diff',
        caption: df.rows.length + ' of ' + df.rows_total + ' rows (by ' + df.by + ', ' + df.mode +
          ' mode); base total ' + fmt(df.base_total) + ', new total ' + fmt(df.new_total) + '.',
        rows: df.rows,
        cols: cols,
        sort: -1,
        desc: true
      });
    }

    function sortRows(t) {
      if (t.sort < 0) return t.rows.slice();
      var col = t.cols[t.sort];
      var dir = t.desc ? -1 : 1;
      var idx = t.rows.map(function (r, k) { return k; });
      idx.sort(function (a, b) {
        var ka = col.key(t.rows[a]);
        var kb = col.key(t.rows[b]);
        if (ka < kb) return -dir;
        if (ka > kb) return dir;
        return a - b;
      });
      return idx.map(function (k) { return t.rows[k]; });
    }

    function renderHead(t) {
      thead.textContent = '';
      var tr = el('tr');
      t.cols.forEach(function (c, k) {
        var th = el('th', c.label, c.cls);
        th.setAttribute('scope', 'col');
        th.setAttribute('aria-sort', k === t.sort ? (t.desc ? 'descending' : 'ascending') : 'none');
        th.addEventListener('click', function () {
          if (t.sort === k) t.desc = !t.desc;
          else {
            t.sort = k;
            t.desc = k !== 0;
          }
          show(t);
        });
        tr.appendChild(th);
      });
      thead.appendChild(tr);
    }

    var STATUS = { new: 'st-new', gone: 'st-gone', grew: 'st-grew', shrank: 'st-shrank', same: 'st-same' };

    function appendRows(t, upto) {
      var frag = document.createDocumentFragment();
      for (; shown < Math.min(upto, t.sorted.length); shown++) {
        var r = t.sorted[shown];
        var tr = el('tr');
        for (var k = 0; k < t.cols.length; k++) {
          var c = t.cols[k];
          var td;
          if (c.cls === 'name') {
            td = el('td', null, 'name');
            setName(td, names[r[0]], c.suffix ? c.suffix(r) : '');
            td.setAttribute('data-name', String(r[0]));
          } else {
            td = el('td', c.text(r), c.status ? STATUS[r[1]] || '' : '');
          }
          tr.appendChild(td);
        }
        frag.appendChild(tr);
      }
      tbody.appendChild(frag);
      var left = t.sorted.length - shown;
      more.hidden = left <= 0;
      more.textContent = 'Show more (' + left + ' left)';
      body.setAttribute('data-rows', String(shown));
    }

    function show(t) {
      current = t;
      t.sorted = sortRows(t);
      renderHead(t);
      tbody.textContent = '';
      shown = 0;
      caption.textContent = t.caption;
      appendRows(t, PAGE);
      var tabs = $('tabs').children;
      for (var k = 0; k < tabs.length; k++) {
        tabs[k].setAttribute('aria-selected', tabs[k].getAttribute('data-id') === t.id ? 'true' : 'false');
      }
      body.setAttribute('data-table', t.id);
    }

    more.addEventListener('click', function () { appendRows(current, shown + PAGE * 5); });
    tbody.addEventListener('click', function (e) {
      var td = e.target.closest ? e.target.closest('td.name') : null;
      if (td) searchExact(names[+td.getAttribute('data-name')]);
    });
    if (tables.length > 1) {
      tables.forEach(function (t) {
        var b = el('button', t.label);
        b.type = 'button';
        b.setAttribute('role', 'tab');
        b.setAttribute('data-id', t.id);
        b.addEventListener('click', function () { show(t); });
        $('tabs').appendChild(b);
      });
    }

    // ---- Start ----------------------------------------------------------
    loadState();
    orient.setAttribute('aria-pressed', icicle ? 'true' : 'false');
    body.setAttribute('data-icicle', icicle ? 'true' : 'false');
    if (tables.length) show(tables[0]);
    else $('table-pane').hidden = true;
    fitBox();
    if (search.value) applySearch(search.value);
    else draw();
    showRoot();
    var pending = false;
    window.addEventListener('resize', function () {
      if (pending) return;
      pending = true;
      requestAnimationFrame(function () {
        pending = false;
        var atRoot = icicle ? scroller.scrollTop === 0
          : scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 1;
        fitBox();
        draw();
        if (atRoot) showRoot();
      });
    });
    body.setAttribute('data-frames', String(N));
    body.setAttribute('data-drawn', String(drawnCount));
    body.setAttribute('data-render-ms', String(Math.round(performance.now() - t0)));
    body.setAttribute('data-state', 'ready');
  }
})();
