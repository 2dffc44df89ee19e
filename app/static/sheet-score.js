/* Xinmiao score sheet engine in the browser (app/static/sheet-score.js): the port of
 * judging/robotics/sheets.py's score_run, shared by the run form (referee.js) and the match form
 * (referee-matches.js). XinmiaoSheet.score computes a run's (or one alliance's) total exactly as
 * the server does, with exact decimals on BigInt, keeping Python Decimal's exponents so "12.50" x 2
 * shows "25.00" as the server stores it:
 *   count adds value * points (negative points are penalties); yesno adds points when yes;
 *   choice adds the option's points; time adds nothing and is the run's time (at most the item's
 *   max or the sheet's time_limit_seconds); an item whose `requires` is not met adds nothing
 *   (yes counts 1, a choice 0); a restriction's items may not sum above its max, or above the
 *   value of its `max_item` (its message is shown); a bonus adds its points when its item is at
 *   most `at_most`; with `min_total` the total never goes below it; items listing `variants`
 *   apply only when that variant was drawn for the round. Every applicable item must be answered:
 *   nothing defaults to zero (`complete` is false before).
 *
 *   XinmiaoSheet.readSheet(source) -> the sheet as score reads it (parse_sheet's defaults)
 *   XinmiaoSheet.score(sheet, values, variant, messages) -> {complete, total, score, points,
 *       entered, missing, errors, restrictions, needDraw}
 *   XinmiaoSheet.dec(x), .text(d), .cmp(a, b): exact decimals; .fmt(template, values)
 */
(function () {
  "use strict";

  function fmt(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (all, k) { return values[k] !== undefined ? values[k] : all; });
  }

  // ------------------------------------------------------------------ exact decimals (Python Decimal)

  /* A decimal {v: BigInt digits, s: scale}: the number is v * 10^-s (s may be negative, as the
   * exponent of Python's Decimal("1E+2")). null when `x` is not a finite number. */
  function dec(x) {
    if (x === null || x === undefined || typeof x === "boolean") return null;
    var text = typeof x === "number" ? String(x) : String(x).trim();
    var m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
    if (!m || (m[2] === "" && !m[3])) return null;
    var frac = m[3] || "";
    var v = BigInt((m[2] || "0") + frac);
    if (m[1] === "-") v = -v;
    return {v: v, s: frac.length - (m[4] ? parseInt(m[4], 10) : 0)};
  }
  var TEN = BigInt(10);
  function pow10(n) { var r = BigInt(1); for (var i = 0; i < n; i++) r = r * TEN; return r; }
  function align(a, b) {
    var s = Math.max(a.s, b.s);
    return [a.v * pow10(s - a.s), b.v * pow10(s - b.s), s];
  }
  function add(a, b) { var x = align(a, b); return {v: x[0] + x[1], s: x[2]}; }
  function mul(a, b) { return {v: a.v * b.v, s: a.s + b.s}; }
  function cmp(a, b) { var x = align(a, b); return x[0] < x[1] ? -1 : x[0] > x[1] ? 1 : 0; }
  function isInteger(a) { return a.s <= 0 || a.v % pow10(a.s) === BigInt(0); }
  var ZERO = {v: BigInt(0), s: 0};
  var ONE = {v: BigInt(1), s: 0};
  /* format(Decimal, "f"): all digits, no exponent */
  function text(a) {
    if (a.s <= 0) return (a.v * pow10(-a.s)).toString();
    var neg = a.v < BigInt(0), digits = (neg ? -a.v : a.v).toString();
    while (digits.length <= a.s) digits = "0" + digits;
    return (neg ? "-" : "") + digits.slice(0, digits.length - a.s) + "." + digits.slice(digits.length - a.s);
  }
  /* a number as people read it: Decimal's str() for the messages the server words the same way */
  function plain(a) { return text(a); }

  // ------------------------------------------------------------------ the sheet and a run's score

  function num(x, fallback) { var d = dec(x); return d === null ? fallback : d; }

  /* The sheet's JSON as score_run reads it (parse_sheet's defaults). */
  function readSheet(source) {
    var items = (source.items || []).map(function (raw) {
      return {
        code: String(raw.code), name: String(raw.name || raw.code), type: raw.type,
        min: num(raw.min === undefined ? 0 : raw.min, ZERO),
        max: raw.max === undefined || raw.max === null ? null : dec(raw.max),
        points: num(raw.points === undefined ? 0 : raw.points, ZERO),
        options: (raw.options || []).map(function (o) {
          return {value: String(o.value).trim(), name: String(o.name || o.value), points: num(o.points, ZERO)};
        }),
        requires: raw.requires ? {item: String(raw.requires.item).trim(), atLeast: num(raw.requires.at_least === undefined ? 1 : raw.requires.at_least, ONE)} : null,
        variants: (raw.variants || []).map(String)
      };
    });
    return {
      items: items,
      restrictions: (source.restrictions || []).map(function (r) {
        return {items: (r.items || []).map(String), max: num(r.max, ZERO), message: String(r.message || "").trim(),
                maxItem: r.max_item ? String(r.max_item).trim() : null};
      }),
      bonuses: (source.bonuses || []).map(function (b) {
        return {name: String(b.name || b.when.item), points: num(b.points, ZERO), item: String(b.when.item),
                atMost: num(b.when.at_most === undefined ? 0 : b.when.at_most, ZERO)};
      }),
      variants: (source.variants || []).map(function (v) { return String(v.code).trim(); }),
      timeLimit: source.time_limit_seconds === undefined || source.time_limit_seconds === null ? null : dec(source.time_limit_seconds),
      minTotal: source.min_total === undefined || source.min_total === null ? null : dec(source.min_total)
    };
  }

  function applies(item, variant) { return !item.variants.length || item.variants.indexOf(variant) >= 0; }

  /* score_run: {complete, total (text), score (decimal), points {code: decimal}, entered,
   * missing [codes], errors {code: message}, restrictions [messages], needDraw, time}.
   * Unlike the server it also scores a run still being filled in (the total of what is entered). */
  function score(sheet, values, variant, M) {
    M = M || {};
    var result = {complete: false, missing: [], errors: {}, restrictions: [], points: {}, entered: {}, needDraw: false};
    if (sheet.variants.length && sheet.variants.indexOf(variant) < 0) result.needDraw = true;
    var playing = sheet.items.filter(function (i) { return applies(i, variant); });
    playing.forEach(function (item) {
      var raw = values[item.code];
      if (raw === undefined || raw === null || raw === "") { result.missing.push(item.code); return; }
      var value = null;
      if (item.type === "yesno") {
        if (typeof raw === "boolean") value = raw ? ONE : ZERO;
      } else if (item.type === "choice") {
        if (item.options.some(function (o) { return o.value === String(raw); })) value = ZERO;
      } else {
        value = dec(raw);
        if (value === null) { result.errors[item.code] = fmt(M.notNumber || "", {name: item.name}); return; }
        if (item.type === "count" && !isInteger(value)) { result.errors[item.code] = fmt(M.notInteger || "", {name: item.name}); return; }
        if (cmp(value, item.min) < 0 || (item.max !== null && cmp(value, item.max) > 0)) {
          result.errors[item.code] = fmt(M.outOfRange || "", {name: item.name, value: plain(value), min: plain(item.min),
                                                                   max: item.max !== null ? plain(item.max) : "∞"});
          return;
        }
        var limit = item.max !== null ? item.max : sheet.timeLimit;
        if (item.type === "time" && limit !== null && cmp(value, limit) > 0) {
          result.errors[item.code] = fmt(M.overLimit || "", {name: item.name, value: plain(value), limit: plain(limit)});
          return;
        }
      }
      if (value !== null) result.entered[item.code] = value;
    });
    sheet.restrictions.forEach(function (r) {
      var sum = r.items.reduce(function (acc, code) { return add(acc, result.entered[code] || ZERO); }, ZERO);
      if (r.maxItem && result.missing.indexOf(r.maxItem) >= 0) return;  // its bound is not answered yet
      var bound = r.maxItem ? (result.entered[r.maxItem] || ZERO) : r.max;
      if (cmp(sum, bound) > 0) result.restrictions.push(r.message);
    });
    var total = ZERO;
    playing.forEach(function (item) {
      if (!(item.code in result.entered)) return;
      var p;
      if (item.requires && cmp(result.entered[item.requires.item] || ZERO, item.requires.atLeast) < 0) {
        p = ZERO;
        result.points[item.code] = {value: p, notCounted: true};
      } else {
        var value = result.entered[item.code];
        if (item.type === "count") p = mul(value, item.points);
        else if (item.type === "yesno") p = value.v !== BigInt(0) ? item.points : ZERO;
        else if (item.type === "choice") {
          var chosen = String(values[item.code]);
          p = item.options.filter(function (o) { return o.value === chosen; })[0].points;
        } else p = ZERO;
        result.points[item.code] = {value: p};
      }
      total = add(total, p);
    });
    sheet.bonuses.forEach(function (b) {
      if (b.item in result.entered && cmp(result.entered[b.item], b.atMost) <= 0) {
        result.points["bonus:" + b.name] = {value: b.points};
        total = add(total, b.points);
      }
    });
    if (sheet.minTotal !== null && cmp(total, sheet.minTotal) < 0) total = sheet.minTotal;  // "a negative total counts as 0"
    result.score = total;
    result.total = text(total);
    result.complete = !result.needDraw && !result.missing.length && !Object.keys(result.errors).length && !result.restrictions.length;
    return result;
  }

  window.XinmiaoSheet = {dec: dec, text: text, cmp: cmp, readSheet: readSheet, score: score, applies: applies, fmt: fmt};
})();
