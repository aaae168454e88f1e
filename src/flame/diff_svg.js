// pprofx differential flame graph: click-to-zoom, regex search and, without
// a fixed width (FLUID), a layout that follows the window's width.
// Written for pprofx (src/flame/diff.rs prepends W, PAD, CW, DASH_MIN, FLUID
// and ICICLE). Frames are <g class="f"> holding a <title> ("NAME\nvalues"), a
// <rect> and, when the name fits, a <text> label; labels follow the same rule
// as diff.rs's label() (whole name segments, src/util/names.rs). Names are
// only ever set as text (textContent).
(function () {
  'use strict';
  var NS = 'http://www.w3.org/2000/svg';
  var doc = document;
  var svg = doc.documentElement;
  var groups = doc.querySelectorAll('g.f');
  var frames = [];
  var index = new Map();
  var layoutFull = W - 2 * PAD;
  for (var i = 0; i < groups.length; i++) {
    var g = groups[i];
    var r = g.querySelector('rect');
    var t = g.querySelector('title').textContent;
    var cut = t.lastIndexOf('\n');
    var x = +r.getAttribute('x');
    var w = +r.getAttribute('width');
    frames.push({
      g: g,
      r: r,
      label: g.querySelector('text'),
      // Position and width as fractions of the drawing width.
      u: (x - PAD) / layoutFull,
      uw: w / layoutFull,
      y: +r.getAttribute('y'),
      fill: r.getAttribute('fill'),
      name: cut < 0 ? t : t.slice(0, cut),
      info: cut < 0 ? '' : t.slice(cut + 1),
      one: /^(new|gone): /.test(cut < 0 ? '' : t.slice(cut + 1))
    });
    index.set(g, i);
  }
  var resetBtn = doc.getElementById('reset');
  var searchBtn = doc.getElementById('search');
  var details = doc.getElementById('details');
  var matched = doc.getElementById('matched');
  var width = W;
  var TOL = 0.002 / layoutFull;
  var pattern = null;
  var zoomed = null;

  // ---- Names: src/flame/names.js (embedded before this script) --------
  var elide = pprofxNames.elide;

  function fitLabel(name, pw) {
    var fit = Math.floor((pw - 6) / CW);
    if (fit < 3) return '';
    return elide(name, fit) || '';
  }

  // ---- Layout -----------------------------------------------------------
  function place(f, px, pw) {
    f.r.setAttribute('x', px.toFixed(3));
    f.r.setAttribute('width', pw.toFixed(3));
    f.r.classList.toggle('one', f.one && pw >= DASH_MIN);
    var text = fitLabel(f.name, pw);
    if (text && !f.label) {
      f.label = doc.createElementNS(NS, 'text');
      f.label.setAttribute('y', (f.y + 11.5).toFixed(1));
      f.g.appendChild(f.label);
    }
    if (f.label) {
      f.label.setAttribute('x', (px + 3).toFixed(2));
      f.label.textContent = text;
    }
  }

  // Lays the frames out with frame z filling the width (null: all).
  function layout() {
    var z = zoomed;
    var full = width - 2 * PAD;
    var zx = z ? z.u : 0;
    var zw = z ? z.uw : 1;
    var sc = full / zw;
    for (var i = 0; i < frames.length; i++) {
      var f = frames[i];
      var inside = f.u >= zx - TOL && f.u + f.uw <= zx + zw + TOL;
      var around = !inside && f.u <= zx + TOL && f.u + f.uw >= zx + zw - TOL;
      f.g.classList.toggle('hide', !inside && !around);
      f.g.classList.toggle('dim', around);
      if (inside) place(f, PAD + (f.u - zx) * sc, f.uw * sc);
      else if (around) place(f, PAD, full);
    }
    resetBtn.classList.toggle('hide', !z);
  }

  function zoom(z) {
    zoomed = z;
    layout();
  }

  // FLUID: as wide as the window (or the element holding the SVG).
  function fit() {
    var now = Math.round(svg.getBoundingClientRect().width);
    if (!now || now === width) return;
    width = now;
    var mid = String(width / 2);
    doc.getElementById('title').setAttribute('x', mid);
    doc.getElementById('legend').setAttribute('x', mid);
    searchBtn.setAttribute('x', String(width - PAD));
    matched.setAttribute('x', String(width - PAD));
    layout();
  }

  if (FLUID) {
    svg.removeAttribute('viewBox');
    svg.setAttribute('width', '100%');
    fit();
    window.addEventListener('resize', fit);
  }
  // A deep flame graph opened on its own starts at its root (the bottom).
  if (!ICICLE && svg.parentNode === doc) {
    var h = svg.getBoundingClientRect().height;
    if (h > window.innerHeight) window.scrollTo(0, h);
  }

  // Highlights the frames whose name matches re (null clears) and reports
  // the matched share of the width, nested matches counted once.
  function highlight(re) {
    pattern = re;
    var hits = [];
    for (var i = 0; i < frames.length; i++) {
      var f = frames[i];
      var hit = re !== null && re.test(f.name);
      f.r.setAttribute('fill', hit ? 'rgb(230,0,230)' : f.fill);
      if (hit) hits.push(f);
    }
    hits.sort(function (a, b) { return a.u - b.u || b.uw - a.uw; });
    var end = -Infinity;
    var sum = 0;
    for (var j = 0; j < hits.length; j++) {
      if (hits[j].u + TOL >= end) {
        sum += hits[j].uw;
        end = hits[j].u + hits[j].uw;
      }
    }
    matched.textContent = re === null ? ' ' : 'Matched: ' + (100 * sum).toFixed(1) + '% of the width';
    searchBtn.textContent = re === null ? 'Search' : 'Clear search';
  }

  // The Search button clears an active search; Ctrl-F always asks.
  function search(toggle) {
    if (toggle && pattern !== null) {
      highlight(null);
      return;
    }
    var s = window.prompt('Search frames (regular expression)', pattern ? pattern.source : '');
    if (s === null) return;
    if (s === '') {
      highlight(null);
      return;
    }
    try {
      highlight(new RegExp(s));
    } catch (e) {
      matched.textContent = 'Bad regular expression';
    }
  }

  function frameOf(target) {
    var g = target && target.closest ? target.closest('g.f') : null;
    return g && index.has(g) ? frames[index.get(g)] : null;
  }

  svg.addEventListener('click', function (e) {
    if (e.target === resetBtn) zoom(null);
    else if (e.target === searchBtn) search(true);
    else {
      var f = frameOf(e.target);
      if (f) zoom(f);
    }
  });
  svg.addEventListener('mouseover', function (e) {
    var f = frameOf(e.target);
    details.textContent = f ? f.name + ': ' + f.info : ' ';
  });
  window.addEventListener('keydown', function (e) {
    if ((e.ctrlKey || e.metaKey) && (e.key === 'f' || e.key === 'F')) {
      e.preventDefault();
      search(false);
    } else if (e.key === 'Escape') {
      zoom(null);
      highlight(null);
    }
  });
})();
