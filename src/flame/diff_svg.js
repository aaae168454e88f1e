// pprofx differential flame graph: click-to-zoom and regex search.
// Written for pprofx (src/flame/diff.rs prepends W, PAD, CW and DASH_MIN). Frames are
// <g class="f"> holding a <title> ("NAME\nvalues"), a <rect> and, when the
// name fits, a <text> label; labels follow the same fitting rule as
// diff.rs's label(). Names are only ever set as text (textContent).
(function () {
  'use strict';
  var NS = 'http://www.w3.org/2000/svg';
  var doc = document;
  var groups = doc.querySelectorAll('g.f');
  var frames = [];
  var index = new Map();
  for (var i = 0; i < groups.length; i++) {
    var g = groups[i];
    var r = g.querySelector('rect');
    var t = g.querySelector('title').textContent;
    var cut = t.lastIndexOf('\n');
    frames.push({
      g: g,
      r: r,
      label: g.querySelector('text'),
      x: +r.getAttribute('x'),
      w: +r.getAttribute('width'),
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
  var full = W - 2 * PAD;
  var TOL = 0.002;
  var pattern = null;

  function fitLabel(name, width) {
    var fit = Math.floor((width - 6) / CW);
    if (fit < 3) return '';
    var chars = Array.from(name);
    return chars.length <= fit ? name : chars.slice(0, fit - 2).join('') + '..';
  }

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

  // Zooms so that frame z fills the width; null resets.
  function zoom(z) {
    var zx = z ? z.x : PAD;
    var zw = z ? z.w : full;
    var sc = full / zw;
    for (var i = 0; i < frames.length; i++) {
      var f = frames[i];
      var inside = f.x >= zx - TOL && f.x + f.w <= zx + zw + TOL;
      var around = !inside && f.x <= zx + TOL && f.x + f.w >= zx + zw - TOL;
      f.g.classList.toggle('hide', !inside && !around);
      f.g.classList.toggle('dim', around);
      if (inside) place(f, PAD + (f.x - zx) * sc, f.w * sc);
      else if (around) place(f, PAD, full);
    }
    resetBtn.classList.toggle('hide', !z);
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
    hits.sort(function (a, b) { return a.x - b.x || b.w - a.w; });
    var end = -Infinity;
    var sum = 0;
    for (var j = 0; j < hits.length; j++) {
      if (hits[j].x + TOL >= end) {
        sum += hits[j].w;
        end = hits[j].x + hits[j].w;
      }
    }
    matched.textContent = re === null ? ' ' : 'Matched: ' + (100 * sum / full).toFixed(1) + '% of the width';
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

  doc.documentElement.addEventListener('click', function (e) {
    if (e.target === resetBtn) zoom(null);
    else if (e.target === searchBtn) search(true);
    else {
      var f = frameOf(e.target);
      if (f) zoom(f);
    }
  });
  doc.documentElement.addEventListener('mouseover', function (e) {
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
