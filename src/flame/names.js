// Long names shown in little room, the segments of src/util/names.rs in
// JavaScript: shared by the HTML report (report.js) and the differential
// flame SVG (diff_svg.js), which are each embedded after it. A name breaks,
// or loses whole segments to an ellipsis, only where a reader sees a
// boundary (after '.', '/', ';', ':', ',' or a space, before '(' or '['; in
// the package path only after '/'): never inside an identifier.
var pprofxNames = (function () {
  'use strict';

  function segments(s) {
    var out = [];
    var m = s.search(/[(\[ ;]/);
    var headEnd = m < 0 ? s.length : m;
    var pkgStart = headEnd > 0 ? s.lastIndexOf('/', headEnd - 1) + 1 : 0;
    var start = 0;
    for (var k = 0; k < s.length; k++) {
      var c = s.charAt(k);
      var inPath = k < pkgStart;
      if (!inPath && (c === '(' || c === '[') && k > start) {
        out.push(s.slice(start, k));
        start = k;
      }
      if (inPath ? c === '/' : '/.;:, '.indexOf(c) >= 0) {
        out.push(s.slice(start, k + 1));
        start = k + 1;
      }
    }
    if (start < s.length) out.push(s.slice(start));
    return out;
  }

  function chars(s) { return Array.from(s).length; }

  function joinKept(segs, keep) {
    var out = '';
    var k = 0;
    while (k < segs.length) {
      if (keep[k]) {
        out += segs[k++];
        continue;
      }
      var j = k;
      while (j < segs.length && !keep[j]) j++;
      out += '\u2026';
      if (segs[j - 1].slice(-1) === '/') out += '/';
      k = j;
    }
    return out;
  }

  // The name in at most max characters: the function, the package, then
  // the function's qualifiers and the path's first elements as they fit,
  // '…' for what is left out; null when not even the function fits.
  function elide(s, max) {
    if (chars(s) <= max) return s;
    var segs = segments(s);
    var last = segs.length - 1;
    if (last <= 0) return null;
    var keep = segs.map(function () { return false; });
    keep[last] = true;
    function fits() { return chars(joinKept(segs, keep)) <= max; }
    var first = -1;
    for (var k = 0; k < segs.length; k++) {
      if (segs[k].slice(-1) !== '/') {
        first = k;
        break;
      }
    }
    var pkg = first >= 0 && first < last && segs[first].slice(-1) === '.' ? first : -1;
    if (pkg >= 0) {
      keep[pkg] = true;
      if (!fits()) keep[pkg] = false;
    }
    if (!fits()) return null;
    var floor = pkg >= 0 && keep[pkg] ? pkg + 1 : 0;
    var j;
    for (j = last - 1; j >= floor; j--) {
      if (keep[j]) continue;
      keep[j] = true;
      if (!fits()) {
        keep[j] = false;
        break;
      }
    }
    for (j = 0; j < last; j++) {
      if (keep[j]) break;
      keep[j] = true;
      if (!fits()) {
        keep[j] = false;
        break;
      }
    }
    return joinKept(segs, keep);
  }

  return { segments: segments, elide: elide };
})();
