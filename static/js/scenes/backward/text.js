// The text half of /backward: each stage's products as a table, its formula in MathML with the
// step's numbers, and the step in words. Every value is read from a frame.
import { el, productsTable } from "../../draw/dom.js";
import { num, t, term } from "../../i18n.js";
import { lines, m, mi, mnum, mo, row, sub } from "../../mathml.js";

const MAX_TERMS = 12;

/** grad x weight pairs a grad_input frame really uses (taps that meet an upstream cell). */
export function metPairs(f) {
  const pairs = [];
  for (const ch of f.channels) {
    f.grad_rows.forEach((r, fy) => {
      f.grad_cols.forEach((c, fx) => {
        if (r === null || c === null) return;
        pairs.push({ o: ch.out_channel, g: ch.grads[fy][fx], w: ch.weights[fy][fx], p: ch.products[fy][fx] });
      });
    });
  }
  return pairs;
}

const symbol = (name, index) => sub(mi(name), m("mn", index));

/** lhs = a·b + c·d + ... = total, or the sums when the products are too many to write. */
function sumRow(lhs, pairs, total, sums) {
  const parts = [lhs, mo("=")];
  if (pairs.length && pairs.length <= MAX_TERMS) {
    pairs.forEach(([a, b], i) => {
      if (i) parts.push(mo("+"));
      parts.push(mnum(a, 3, true), mo("\u00B7"), mnum(b, 3, true));
    });
    parts.push(mo("="));
  } else if (sums && sums.length > 1) {
    sums.forEach((s, i) => {
      if (i) parts.push(mo("+"));
      parts.push(mnum(s, 3, true));
    });
    parts.push(mo("="));
  }
  parts.push(mnum(total));
  return row(...parts);
}

/** Cells [x, y, product] (y null: x alone) as a products table; `padded` marks taps off the plane. */
function table(caption, cells, padded) {
  const rows = cells.map((line, a) =>
    line.map(([x, y, p], b) => ({
      className: padded?.[a][b] ? "is-pad" : "",
      top: y === null ? num(x) : `${num(x)}×${term(y)}`,
      bottom: p === null ? "" : num(p),
    })),
  );
  return productsTable(caption, rows);
}

function formulaBlock(label, ...rows) {
  const total = el("div", "total");
  total.append(el("p", "", label), lines(rows));
  return total;
}

const sumLine = (text) => el("p", "channel-sum", text);

function gradInputDetail(body, list, f) {
  const small = f.grad_rows.length <= 5;
  for (const ch of f.channels) {
    const wrap = el("div", "channel-products");
    if (small) {
      const cells = ch.grads.map((line, a) => line.map((g, b) => [g, ch.weights[a][b], ch.products[a][b]]));
      const missing = ch.grads.map((line, a) => line.map((_, b) => f.grad_rows[a] === null || f.grad_cols[b] === null));
      wrap.append(table(t("bw.products_gi", { o: ch.out_channel }), cells, missing));
    }
    wrap.append(sumLine(t("bw.sum_of", { o: ch.out_channel, s: num(ch.sum, 3) })));
    list.append(wrap);
  }
  body.append(list);
  const pairs = metPairs(f).map((q) => [q.g, q.w]);
  const lhs = symbol("\u2202x", `${f.in_channel},${f.y},${f.x}`);
  const sums = f.channels.map((c) => c.sum);
  body.append(formulaBlock(t("bw.total_gi", { c: f.in_channel, y: f.y, x: f.x }), sumRow(lhs, pairs, f.grad, sums)));
  if (f.padded && f.source) body.append(el("p", "note", t("bw.pad_cell_note", { r: f.source[0], c: f.source[1] })));
}

function foldDetail(body, f) {
  const [r, c] = f.source;
  const lhs = symbol("\u2202x", `${f.in_channel},${r},${c}`);
  const sum = row(lhs, mo("="), mnum(f.before, 3, true), mo("+"), mnum(f.grad, 3, true), mo("="), mnum(f.after));
  body.append(formulaBlock(t("bw.total_fold", { y: f.y, x: f.x, r, c }), sum));
}

function gradWeightDetail(body, list, f) {
  const pairs = [];
  const small = f.rows.length * f.cols.length <= 36;
  for (const s of f.samples) {
    const wrap = el("div", "channel-products");
    if (small) {
      const cells = s.values.map((line, a) => line.map((x, b) => [x, s.grads[a][b], s.products[a][b]]));
      wrap.append(table(t("bw.products_gw", { c: f.in_channel }), cells, f.padded));
    }
    wrap.append(sumLine(t("bw.sum_gw", { s: num(s.sum, 3) })));
    list.append(wrap);
    pairs.push(...s.values.flatMap((line, a) => line.map((x, b) => [x, s.grads[a][b]])));
  }
  body.append(list);
  const [o, i, ky, kx] = f.weight_index;
  const lhs = symbol("\u2202W", `${o},${i},${ky},${kx}`);
  body.append(formulaBlock(t("bw.total_gw", { o, i, ky, kx }), sumRow(lhs, pairs, f.grad, f.partial_sums)));
}

function gradBiasDetail(body, list, f) {
  const s = f.samples[0];
  const cells = s.grads.map((line) => line.map((g) => [g, null, null]));
  if (s.grads.length * s.grads[0].length <= 64) list.append(table(t("bw.grads_of", { o: f.out_channel }), cells, null));
  body.append(list);
  const terms = f.samples.flatMap((sample) => sample.grads.flat());
  const parts = [symbol("\u2202b", `${f.out_channel}`), mo("=")];
  if (terms.length <= MAX_TERMS * 2) {
    terms.forEach((g, i) => {
      if (i) parts.push(mo("+"));
      parts.push(mnum(g, 3, true));
    });
    parts.push(mo("="));
  }
  parts.push(mnum(f.grad));
  body.append(formulaBlock(t("bw.total_gb", { o: f.out_channel }), row(...parts)));
}

/** The detail panel for one frame (tables only where they stay small). */
export function drawDetail(body, f) {
  body.replaceChildren();
  const list = el("div", "channel-list");
  if (f.stage === "grad_input") gradInputDetail(body, list, f);
  else if (f.stage === "grad_input_fold") foldDetail(body, f);
  else if (f.stage === "grad_weight") gradWeightDetail(body, list, f);
  else if (f.stage === "grad_bias") gradBiasDetail(body, list, f);
}

function narrateGradInput(f) {
  const pairs = metPairs(f);
  let terms;
  if (!pairs.length) terms = t("bw.narrate_none");
  else if (pairs.length <= MAX_TERMS) terms = pairs.map((q) => `${term(q.g)}×${term(q.w)}`).join(" + ");
  else terms = f.channels.map((ch) => t("bw.narrate_sum", { o: ch.out_channel, s: num(ch.sum, 3) })).join(" + ");
  const key = f.padded ? "bw.narrate_gi_pad" : "bw.narrate_gi";
  return t(key, { c: f.in_channel, y: f.y, x: f.x, terms, g: num(f.grad, 3) });
}

/** The step in words, with its numbers. */
export function narrate(f) {
  if (f.stage === "grad_input") return narrateGradInput(f);
  if (f.stage === "grad_input_fold") {
    const [r, col] = f.source;
    const g = { g: term(f.grad, 3), before: num(f.before, 3), after: num(f.after, 3) };
    return t("bw.narrate_fold", { c: f.in_channel, y: f.y, x: f.x, r, col, ...g });
  }
  if (f.stage === "grad_weight") {
    const [o, i, ky, kx] = f.weight_index;
    const pairs = f.samples.flatMap((s) =>
      s.values.flatMap((line, a) => line.map((x, b) => `${term(x)}×${term(s.grads[a][b])}`)),
    );
    const terms = pairs.length <= MAX_TERMS ? pairs.join(" + ") : t("bw.narrate_many", { n: pairs.length });
    return t("bw.narrate_gw", { o, i, ky, kx, c: f.in_channel, terms, g: num(f.grad, 3) });
  }
  const grads = f.samples.flatMap((s) => s.grads.flat().map((g) => term(g)));
  const terms = grads.length <= MAX_TERMS * 2 ? grads.join(" + ") : t("bw.narrate_many", { n: grads.length });
  return t("bw.narrate_gb", { o: f.out_channel, terms, g: num(f.grad, 3) });
}
