// pprofx web UI: menus, search, Refine and the views (flame graph with
// pivot and zoom, top table, graph pan/zoom, compare). Written for pprofx;
// the data is the JSON in #pprofx-data (see src/webui/views.rs). Names
// from the profile are only ever set as text (textContent, canvas
// fillText), never parsed as markup.
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
    var m = $('script-error');
    m.textContent = 'This view could not be drawn: ' + err;
    m.hidden = false;
    throw err;
  }

  function main() {
    var D = JSON.parse($('pprofx-data').textContent);
    var view = body.getAttribute('data-view');
    var unit = D.unit || '';

    // ---- Values -----------------------------------------------------
    var TIME = { nanoseconds: 1, nanosecond: 1, ns: 1, microseconds: 1e3, microsecond: 1e3, us: 1e3,
      milliseconds: 1e6, millisecond: 1e6, ms: 1e6, seconds: 1e9, second: 1e9, s: 1e9 };
    var BYTES = { bytes: 1, byte: 1, B: 1 };
    var TIME_STEPS = [[3600e9, 'hrs'], [60e9, 'mins'], [1e9, 's'], [1e6, 'ms'], [1e3, 'us'], [1, 'ns']];
    var BYTE_STEPS = [[1125899906842624, 'PB'], [1099511627776, 'TB'], [1073741824, 'GB'],
      [1048576, 'MB'], [1024, 'kB'], [1, 'B']];

    function has(o, k) { return Object.prototype.hasOwnProperty.call(o, k); }

    function fmt(v) {
      var a = Math.abs(v);
      var sign = v < 0 ? '-' : '';
      var steps = null;
      if (has(TIME, unit)) {
        a *= TIME[unit];
        steps = TIME_STEPS;
      } else if (has(BYTES, unit)) {
        steps = BYTE_STEPS;
      }
      if (!steps) {
        return sign + a.toLocaleString('en-US', { maximumFractionDigits: 2 }) +
          (unit && unit !== 'count' ? ' ' + unit : '');
      }
      if (a === 0) return '0';
      for (var i = 0; i < steps.length; i++) {
        if (a >= steps[i][0] || i === steps.length - 1) {
          return sign + (a / steps[i][0]).toFixed(2).replace(/\.00$/, '') + steps[i][1];
        }
      }
      return sign + a;
    }

    function pct(v, of) { return of ? (100 * v / of).toFixed(2) + '%' : '–'; }

    // ---- URLs ---------------------------------------------------------
    function quoteMeta(s) { return '^' + s.replace(/[\\.?+*[\](){}|^$]/g, '\\$&') + '$'; }

    // The current page's parameters with `set` applied (null removes).
    function urlWith(path, set) {
      var params = new URLSearchParams(location.search);
      ['format', 'q', 'zp'].forEach(function (k) { params.delete(k); });
      Object.keys(set).forEach(function (k) {
        if (set[k] === null || set[k] === '') params.delete(k);
        else params.set(k, set[k]);
      });
      var q = params.toString();
      return (path || location.pathname) + (q ? '?' + q : '');
    }

    function go(url) {
      body.setAttribute('data-state', 'navigating');
      location.href = url;
    }

    function getJSON(url) {
      return fetch(url, { credentials: 'same-origin' }).then(function (r) {
        if (!r.ok) {
          return r.text().then(function (t) {
            var m = /<p class="error">([^<]*)<\/p>/.exec(t);
            throw new Error(m ? m[1] : 'HTTP ' + r.status);
          });
        }
        return r.json();
      });
    }

    // ---- Selection, Refine --------------------------------------------
    var search = $('search');
    var matched = $('matched');
    var selected = new Map();
    var hooks = { highlight: function () {}, current: function () { return []; } };

    function selectionRegex() {
      if (search.value) return search.value;
      var names = Array.from(selected.keys());
      if (!names.length) names = hooks.current();
      return names.map(quoteMeta).join('|');
    }

    function updateRefine() {
      var on = selectionRegex() !== '';
      document.querySelectorAll('a.refine').forEach(function (a) { a.classList.toggle('disabled', !on); });
    }

    document.querySelectorAll('a.refine').forEach(function (a) {
      a.addEventListener('click', function (e) {
        e.preventDefault();
        var re = selectionRegex();
        if (!re) return;
        var param = a.getAttribute('data-param');
        var old = new URLSearchParams(location.search).get(param);
        // As pprof: focus, show and show_from replace; ignore and hide add.
        if (old && param !== 'f' && param !== 's' && param !== 'sf') re = re + '|' + old;
        var set = { p: null };
        set[param] = re;
        go(urlWith(null, set));
      });
    });

    ['view-peek', 'view-source'].forEach(function (id) {
      var a = $(id);
      if (!a) return;
      a.addEventListener('click', function (e) {
        var re = selectionRegex();
        if (!re) return;
        e.preventDefault();
        go(urlWith(a.pathname, { f: re, p: null }));
      });
    });

    // ---- Search -----------------------------------------------------------
    var searchTimer = 0;
    var searchSeq = 0;

    function runSearch() {
      var s = search.value;
      var seq = ++searchSeq;
      search.classList.remove('bad');
      var re = null;
      if (s) {
        try {
          re = new RegExp(s);
        } catch (err) {
          search.classList.add('bad');
          matched.textContent = 'invalid regular expression';
          return;
        }
      }
      hooks.highlight(re);
      updateRefine();
      if (!re) {
        matched.textContent = '';
        body.removeAttribute('data-matched');
        return;
      }
      matched.textContent = 'Matching…';
      getJSON(urlWith('./flamegraph', { format: 'json', q: s, p: null })).then(function (j) {
        if (seq !== searchSeq) return;
        matched.textContent = 'Matched: ' + fmt(j.matched) + ' (' + pct(j.matched, j.total) + ' of all samples)';
        body.setAttribute('data-matched', pct(j.matched, j.total));
      }).catch(function (err) {
        if (seq !== searchSeq) return;
        search.classList.add('bad');
        matched.textContent = String(err.message || err);
      });
    }

    search.addEventListener('input', function () {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(runSearch, 300);
    });
    search.addEventListener('keydown', function (e) {
      if (e.key !== 'Enter') return;
      e.preventDefault();
      // As pprof: Enter focuses on the search.
      go(urlWith(null, { f: search.value, p: null }));
    });
    window.addEventListener('keydown', function (e) {
      if (e.key === '/' && document.activeElement !== search) {
        e.preventDefault();
        search.focus();
      }
    });

    // ---- Flame graphs -------------------------------------------------------
    var FH = 18;
    var FONT = '12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';
    var tip = $('tip');
    var details = $('frame-details');

    function hash(s) {
      var h = 2166136261;
      for (var k = 0; k < s.length; k++) {
        h ^= s.charCodeAt(k);
        h = Math.imul(h, 16777619);
      }
      return (h >>> 0) / 4294967296;
    }

    function pkgOf(s) {
      var slash = s.lastIndexOf('/');
      var dot = s.indexOf('.', slash + 1);
      return dot > 0 ? s.slice(0, dot) : s;
    }

    // A flame graph on `canvas` over tree data {names, files, f, d, t} or,
    // for a comparison, {names, f, d, b, n, c}. opts: inverted (root at the
    // bottom), onClick(name, index, event), zoomable (fetch detail from the
    // server when zoomed).
    function Flame(canvas, data, opts) {
      var self = this;
      var ctx = canvas.getContext('2d');
      var full = data;
      var T;
      var zoomed = 0;
      var matchName = null;
      var matchRe = null;
      var cssW = 0;
      var cssH = 0;

      function prepare(d) {
        var N = d.f.length;
        var isDiff = !!d.b;
        var w = new Float64Array(N);
        var x = new Float64Array(N);
        var par = new Int32Array(N);
        var end = new Int32Array(N);
        var selfW = new Float64Array(N);
        var stack = [];
        var cursor = [0];
        var maxDepth = 0;
        var byDepth = [];
        var i;
        for (i = 0; i < N; i++) {
          w[i] = isDiff ? d.b[i] + d.n[i] : d.t[i];
          selfW[i] = isDiff ? d.n[i] : d.t[i];
        }
        for (i = 0; i < N; i++) {
          var dep = d.d[i];
          while (stack.length > dep) end[stack.pop()] = i;
          par[i] = dep > 0 ? stack[dep - 1] : -1;
          x[i] = cursor[dep] || 0;
          cursor[dep] = x[i] + w[i];
          cursor[dep + 1] = x[i];
          stack.push(i);
          if (dep > maxDepth) maxDepth = dep;
          (byDepth[dep] || (byDepth[dep] = [])).push(i);
          if (par[i] >= 0) selfW[par[i]] -= isDiff ? d.n[i] : d.t[i];
        }
        while (stack.length) end[stack.pop()] = N;
        return { d: d, N: N, isDiff: isDiff, w: w, x: x, par: par, end: end, self: selfW,
          maxDepth: maxDepth, byDepth: byDepth };
      }

      function name(i) { return T.d.f[i] < 0 ? 'root' : T.d.names[T.d.f[i]]; }

      function colour(i) {
        var f = T.d.f[i];
        if (matchName && f >= 0 && matchName[f]) return 'rgb(230,0,230)';
        if (T.isDiff) {
          var s = T.d.c[i];
          return s === 0 ? 'rgb(200,200,200)' : s > 0 ? 'rgb(255,' + s + ',' + s + ')' : 'rgb(' + -s + ',' + -s + ',255)';
        }
        if (f < 0) return 'rgb(210,210,210)';
        var n = T.d.names[f];
        var a = hash(pkgOf(n));
        var b = hash(n);
        // Warm hues by package, lightness by function.
        return 'hsl(' + Math.round(10 + 40 * a) + ',' + Math.round(70 + 20 * b) + '%,' + Math.round(62 + 14 * b) + '%)';
      }

      function rowY(dep) { return opts.inverted ? cssH - (dep + 1) * FH : dep * FH; }

      function draw() {
        var dpr = window.devicePixelRatio || 1;
        cssW = Math.max(200, canvas.parentElement.clientWidth);
        cssH = (T.maxDepth + 1) * FH;
        canvas.width = Math.round(cssW * dpr);
        canvas.height = Math.round(cssH * dpr);
        canvas.style.height = cssH + 'px';
        ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
        ctx.clearRect(0, 0, cssW, cssH);
        ctx.font = FONT;
        ctx.textBaseline = 'middle';
        var cw = ctx.measureText('M').width || 7.2;
        var zx = T.x[zoomed];
        var zw = T.w[zoomed] || 1;
        var sc = cssW / zw;
        var drawn = 0;
        for (var i = 0; i < T.N; i++) {
          var px;
          var pw;
          var around = false;
          if (T.x[i] >= zx && T.x[i] + T.w[i] <= zx + zw && (i >= zoomed && i < T.end[zoomed])) {
            px = (T.x[i] - zx) * sc;
            pw = T.w[i] * sc;
          } else if (T.x[i] <= zx && T.x[i] + T.w[i] >= zx + zw && i < zoomed && T.end[i] > zoomed) {
            px = 0;
            pw = cssW;
            around = true;
          } else {
            i = T.end[i] - 1;
            continue;
          }
          if (pw < 0.5) {
            i = T.end[i] - 1;
            continue;
          }
          var y = rowY(T.d.d[i]);
          ctx.globalAlpha = around ? 0.55 : 1;
          ctx.fillStyle = colour(i);
          ctx.fillRect(px, y, pw > 2 ? pw - 1 : pw, FH - 1);
          var fit = Math.floor((pw - 6) / cw);
          if (fit >= 3) {
            var label = name(i);
            if (label.length > fit) label = label.slice(0, fit - 2) + '..';
            ctx.fillStyle = '#000';
            ctx.fillText(label, px + 3, y + FH / 2);
          }
          drawn++;
        }
        ctx.globalAlpha = 1;
        canvas.setAttribute('data-drawn', String(drawn));
        canvas.setAttribute('data-frames', String(T.N));
        canvas.setAttribute('data-zoomed', zoomed ? name(zoomed) : '');
        self.drawn = drawn;
      }

      function hit(mx, my) {
        var dep = opts.inverted ? Math.floor((cssH - my) / FH) : Math.floor(my / FH);
        var list = T.byDepth[dep];
        if (!list) return -1;
        var wx = T.x[zoomed] + mx * (T.w[zoomed] || 1) / cssW;
        var lo = 0;
        var hi = list.length - 1;
        var best = -1;
        while (lo <= hi) {
          var mid = (lo + hi) >> 1;
          if (T.x[list[mid]] <= wx) {
            best = mid;
            lo = mid + 1;
          } else {
            hi = mid - 1;
          }
        }
        if (best < 0) return -1;
        var j = list[best];
        return wx < T.x[j] + T.w[j] ? j : -1;
      }

      function describe(i) {
        var lines = [name(i)];
        var f = T.d.f[i];
        if (f >= 0 && T.d.files && T.d.files[f]) lines.push(T.d.files[f]);
        if (T.isDiff) {
          var b = T.d.b[i];
          var n = T.d.n[i];
          lines.push('base ' + fmt(b) + ' (' + pct(b, T.d.b[0]) + '), new ' + fmt(n) + ' (' + pct(n, T.d.n[0]) + ')');
          lines.push('Δ ' + (n - b >= 0 ? '+' : '') + fmt(n - b) + (b ? ' (' + (n >= b ? '+' : '') + pct(n - b, b) + ')' : ' (new)'));
        } else {
          var total = opts.total || T.w[0];
          lines.push(fmt(T.w[i]) + ' (' + pct(T.w[i], total) + ') │ self ' + fmt(T.self[i]) + ' (' + pct(T.self[i], total) + ')');
        }
        return lines.join('\n');
      }

      function pos(e) {
        var r = canvas.getBoundingClientRect();
        return [e.clientX - r.left, e.clientY - r.top];
      }

      canvas.addEventListener('mousemove', function (e) {
        var p = pos(e);
        var i = hit(p[0], p[1]);
        if (i < 0) {
          tip.hidden = true;
          return;
        }
        var text = describe(i);
        tip.textContent = text;
        tip.hidden = false;
        var left = Math.min(e.clientX + 14, window.innerWidth - tip.offsetWidth - 8);
        var top = e.clientY + 14 + tip.offsetHeight > window.innerHeight ? e.clientY - tip.offsetHeight - 10 : e.clientY + 14;
        tip.style.left = Math.max(0, left) + 'px';
        tip.style.top = Math.max(0, top) + 'px';
        details.textContent = text.replace(/\n/g, ' · ');
      });
      canvas.addEventListener('mouseleave', function () { tip.hidden = true; });
      canvas.addEventListener('click', function (e) {
        var p = pos(e);
        var i = hit(p[0], p[1]);
        if (i < 0) return;
        if (e.shiftKey || e.altKey || i === 0) {
          self.zoom(i);
        } else if (opts.onClick) {
          opts.onClick(name(i), i, e);
        }
      });

      // The names from the root to frame i.
      function pathTo(i) {
        var out = [];
        for (var k = i; k > 0; k = T.par[k]) out.push(name(k));
        return out.reverse();
      }

      self.zoom = function (i) {
        if (i === 0 && T.d !== full) {
          T = prepare(full);
          zoomed = 0;
          self.highlight(matchRe);
          self.changed();
          return;
        }
        zoomed = i;
        self.highlight(matchRe);
        self.changed();
        if (!opts.zoomable || i === 0) return;
        var path = pathTo(i);
        var params = new URLSearchParams(urlWith('./flamegraph', { format: 'json', p: null, w: String(Math.round(cssW)) }).split('?')[1] || '');
        path.forEach(function (n) { params.append('zp', n); });
        getJSON('./flamegraph?' + params.toString()).then(function (sub) {
          T = prepare(sub);
          // The zoomed frame is the last of the chain at depth path.length.
          var k = 0;
          while (k < T.N && T.d.d[k] < path.length) k++;
          zoomed = k < T.N ? k : 0;
          self.highlight(matchRe);
          self.changed();
          canvas.setAttribute('data-detail', String(T.N));
        }).catch(function (err) { details.textContent = 'zoom failed: ' + (err.message || err); });
      };

      self.highlight = function (re) {
        matchRe = re;
        if (!re) {
          matchName = null;
        } else {
          matchName = new Uint8Array(T.d.names.length);
          for (var k = 0; k < T.d.names.length; k++) matchName[k] = re.test(T.d.names[k]) ? 1 : 0;
        }
        draw();
      };

      self.changed = function () {
        draw();
        if (opts.onZoom) opts.onZoom(zoomed !== 0 || T.d !== full);
      };

      self.names = function () { return T.d.names; };
      self.draw = draw;
      T = prepare(full);
      draw();
    }

    var flames = [];

    function pivotTo(n) { go(urlWith('./flamegraph', { p: quoteMeta(n) })); }

    function resetButton(flame, where) {
      var b = el('button', 'Reset zoom', 'small');
      b.type = 'button';
      b.id = 'reset-zoom';
      b.disabled = true;
      b.addEventListener('click', function () { flame.zoom(0); });
      where.parentElement.insertBefore(b, where);
      return b;
    }

    if (view === 'flamegraph' && D.tree) {
      var canvas = $('flame');
      var reset = null;
      var fl = new Flame(canvas, D.tree, {
        total: D.total,
        zoomable: true,
        onClick: function (n) { pivotTo(n); },
        onZoom: function (on) { if (reset) reset.disabled = !on; }
      });
      reset = resetButton(fl, canvas.parentElement);
      flames.push(fl);
      body.setAttribute('data-frames', String(D.tree.f.length));
    } else if (view === 'flamegraph' && D.pivot) {
      var total = D.pivot.callees.t[0];
      [['callers', true], ['callees', false]].forEach(function (spec) {
        var c = $('flame-' + spec[0] + '-canvas');
        var f = new Flame(c, D.pivot[spec[0]], {
          inverted: spec[1],
          total: total,
          onClick: function (n) { pivotTo(n); }
        });
        flames.push(f);
      });
      hooks.current = function () { return D.pivot.matched.slice(); };
      body.setAttribute('data-frames', String(D.pivot.callers.f.length + D.pivot.callees.f.length));
      body.setAttribute('data-pivot', D.pivot.matched.join('\n'));
    } else if (view === 'compare' && D.diff) {
      var cf = new Flame($('flame'), D.diff, { onClick: function (n) { toggleSelect(n); } });
      flames.push(cf);
      body.setAttribute('data-frames', String(D.diff.f.length));
    }
    if (flames.length) {
      hooks.highlight = function (re) { flames.forEach(function (f) { f.highlight(re); }); };
      var pending = false;
      window.addEventListener('resize', function () {
        if (pending) return;
        pending = true;
        requestAnimationFrame(function () {
          pending = false;
          flames.forEach(function (f) { f.draw(); });
        });
      });
      body.setAttribute('data-drawn', String(flames.reduce(function (a, f) { return a + f.drawn; }, 0)));
    }

    // ---- Tables -------------------------------------------------------------
    function toggleSelect(n, tr) {
      if (selected.has(n)) selected.delete(n);
      else selected.set(n, true);
      if (tr) tr.classList.toggle('selected', selected.has(n));
      body.setAttribute('data-selected', Array.from(selected.keys()).join('\n'));
      updateRefine();
    }

    // A sortable table: cols [{label, cls, key(row), text(row) or cell(row, td)}].
    function Table(table, rows, cols, sortCol) {
      var thead = table.querySelector('thead');
      var tbody = table.querySelector('tbody');
      var sort = sortCol;
      var desc = true;
      var trs = [];

      function render() {
        var idx = rows.map(function (r, k) { return k; });
        if (sort >= 0) {
          var c = cols[sort];
          var dir = desc ? -1 : 1;
          idx.sort(function (a, b) {
            var ka = c.key(rows[a]);
            var kb = c.key(rows[b]);
            if (ka < kb) return -dir;
            if (ka > kb) return dir;
            return a - b;
          });
        }
        thead.textContent = '';
        var hr = el('tr');
        cols.forEach(function (c, k) {
          var th = el('th', c.label, c.cls);
          th.setAttribute('scope', 'col');
          th.setAttribute('aria-sort', k === sort ? (desc ? 'descending' : 'ascending') : 'none');
          th.addEventListener('click', function () {
            if (sort === k) desc = !desc;
            else {
              sort = k;
              desc = c.cls !== 'name';
            }
            render();
          });
          hr.appendChild(th);
        });
        thead.appendChild(hr);
        tbody.textContent = '';
        trs = [];
        var frag = document.createDocumentFragment();
        idx.forEach(function (k) {
          var r = rows[k];
          var tr = el('tr');
          tr.setAttribute('data-name', r[0]);
          if (selected.has(r[0])) tr.classList.add('selected');
          cols.forEach(function (c) {
            var td = el('td', null, c.cls);
            if (c.cell) c.cell(r, td);
            else td.textContent = c.text(r);
            tr.appendChild(td);
          });
          frag.appendChild(tr);
          trs.push(tr);
        });
        tbody.appendChild(frag);
        body.setAttribute('data-rows', String(rows.length));
        body.setAttribute('data-first', rows.length ? trs[0].getAttribute('data-name') : '');
      }

      tbody.addEventListener('click', function (e) {
        if (e.target.closest('a')) return;
        var tr = e.target.closest('tr');
        if (tr) toggleSelect(tr.getAttribute('data-name'), tr);
      });
      this.highlight = function (re) {
        trs.forEach(function (tr) { tr.classList.toggle('match', !!re && re.test(tr.getAttribute('data-name'))); });
      };
      render();
    }

    if (view === 'top' && D.rows) {
      var tot = D.total;
      var INLINE = { inline: ' (inline)', 'partial-inline': ' (partial-inline)' };
      var topTable = new Table($('toptable'), D.rows, [
        { label: 'Flat', key: function (r) { return r[1]; }, text: function (r) { return r[2]; } },
        { label: 'Flat%', key: function (r) { return r[1]; }, text: function (r) { return pct(r[1], tot); } },
        { label: 'Sum%', key: function (r) { return parseFloat(r[5]); }, text: function (r) { return r[5]; } },
        { label: 'Cum', key: function (r) { return r[3]; }, text: function (r) { return r[4]; } },
        { label: 'Cum%', key: function (r) { return r[3]; }, text: function (r) { return pct(r[3], tot); } },
        { label: 'Name', cls: 'name', key: function (r) { return r[0]; }, cell: function (r, td) {
          td.appendChild(document.createTextNode(r[0] + (INLINE[r[6]] || '')));
          [['peek', './peek'], ['source', './source'], ['pivot', './flamegraph']].forEach(function (l) {
            var a = el('a', l[0]);
            var key = l[0] === 'pivot' ? 'p' : 'f';
            var set = { p: null };
            set[key] = quoteMeta(r[0]);
            a.href = urlWith(l[1], set);
            td.appendChild(a);
          });
        } }
      ], -1);
      hooks.highlight = function (re) { topTable.highlight(re); };
    }

    if (view === 'compare' && D.rows) {
      var diffTable = new Table($('difftable'), D.rows, [
        { label: 'Name', cls: 'name', key: function (r) { return r[0]; }, text: function (r) { return r[0]; } },
        { label: 'Status', key: function (r) { return r[1]; }, cell: function (r, td) { td.textContent = r[1]; td.className = 'st-' + r[1]; } },
        { label: 'Base', key: function (r) { return r[2]; }, text: function (r) { return fmt(r[2]); } },
        { label: 'New', key: function (r) { return r[3]; }, text: function (r) { return fmt(r[3]); } },
        { label: 'Δ', key: function (r) { return r[4]; }, text: function (r) { return (r[4] > 0 ? '+' : '') + fmt(r[4]); } },
        { label: 'Δ%', key: function (r) { return r[5] === null ? Infinity : r[5]; },
          text: function (r) { return r[5] === null ? 'new' : (r[5] >= 0 ? '+' : '') + (100 * r[5]).toFixed(2) + '%'; } }
      ], -1);
      var flameHighlight = hooks.highlight;
      hooks.highlight = function (re) { flameHighlight(re); diffTable.highlight(re); };
    }

    // ---- Graph: pan, zoom, select ------------------------------------------
    var svg = view === 'graph' ? document.querySelector('#graph svg') : null;
    if (svg) {
      var vb = null;
      try {
        var bb = svg.getBBox();
        vb = [bb.x, bb.y, Math.max(1, bb.width), Math.max(1, bb.height)];
      } catch (err) {
        vb = [0, 0, 1000, 1000];
      }
      var setVB = function () { svg.setAttribute('viewBox', vb.join(' ')); };
      setVB();
      var toSvg = function (e) {
        var r = svg.getBoundingClientRect();
        var s = Math.max(vb[2] / r.width, vb[3] / r.height);
        return [vb[0] + (e.clientX - r.left) * s, vb[1] + (e.clientY - r.top) * s, s];
      };
      svg.addEventListener('wheel', function (e) {
        e.preventDefault();
        var p = toSvg(e);
        var k = e.deltaY > 0 ? 1.15 : 1 / 1.15;
        vb = [p[0] - (p[0] - vb[0]) * k, p[1] - (p[1] - vb[1]) * k, vb[2] * k, vb[3] * k];
        setVB();
      }, { passive: false });
      var drag = null;
      svg.addEventListener('mousedown', function (e) { drag = toSvg(e); drag.push(e.clientX, e.clientY); });
      window.addEventListener('mouseup', function () { drag = null; });
      svg.addEventListener('mousemove', function (e) {
        if (!drag) return;
        vb[0] = drag[0] - (e.clientX - svg.getBoundingClientRect().left) * drag[2];
        vb[1] = drag[1] - (e.clientY - svg.getBoundingClientRect().top) * drag[2];
        setVB();
      });
      svg.addEventListener('click', function (e) {
        if (drag && (Math.abs(e.clientX - drag[3]) > 3 || Math.abs(e.clientY - drag[4]) > 3)) return;
        var g = e.target.closest('g.node');
        var t = g && g.querySelector('title');
        if (!t || g.id === 'legend' || !/^node/.test(g.id)) return;
        // A node's title is pprof's tooltip, "NAME (VALUE)".
        var name = t.textContent.replace(/ \([^()]*\)$/, '');
        toggleSelect(name);
        g.classList.toggle('selected', selected.has(name));
      });
    }

    // ---- Start ----------------------------------------------------------------
    var initial = new URLSearchParams(location.search).get('q');
    if (initial) {
      search.value = initial;
      runSearch();
    }
    updateRefine();
    body.setAttribute('data-render-ms', String(Math.round(performance.now() - t0)));
    body.setAttribute('data-state', 'ready');
  }
})();
