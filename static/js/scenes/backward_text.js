// The text half of /backward: each stage's products as a table, its formula in MathML with the
// step's numbers, and the step in words. Every value is read from a frame.
import { num, t, term } from "../i18n.js";
import { m, math, mi, mn, mo, row, sub } from "../mathml.js";

const MAX_TERMS = 12;
const n3 = (v) => num(v, 3).replace("\u2212", "");
const val = (v, bracket = true) => mn(v, n3(v), bracket);

/** grad x weight pairs a grad_input frame really uses (taps that meet an upstream cell). */
export function metPairs(f) {
  const pairs = [];
  for (const ch of f.channels) {
    f.grad_rows.forEach((r, fy) =>
      f.grad_cols.forEach((c, fx) => {
        if (r !== null && c !== null)
          pairs.push({ o: ch.out_channel, g: ch.grads[fy][fx], w: ch.weights[fy][fx], p: ch.products[fy][fx] });
      }),
    );
  }
  return pairs;
}

function symbol(name, index) {
  return sub(mi(name), m("mn", index));
}

function sumRow(lhs, pairs, total, sums) {
  const parts = [lhs, mo("=")];
  if (pairs.length && pairs.length <= MAX_TERMS) {
    pairs.forEach(([a, b], i) => {
      if (i) parts.push(mo("+"));
      parts.push(val(a), mo("\u00B7"), val(b));
    });
    parts.push(mo("="));
  } else if (sums && sums.length > 1) {
    sums.forEach((s, i) => {
      if (i) parts.push(mo("+"));
      parts.push(val(s));
    });
    parts.push(mo("="));
  }
  parts.push(val(total, false));
  return row(...parts);
}

function table(captionText, rowsOf, padded) {
  const tbl = document.createElement("table");
  tbl.className = "products";
  const caption = document.createElement("caption");
  caption.textContent = captionText;
  tbl.append(caption);
  rowsOf.forEach((line, a) => {
    const tr = document.createElement("tr");
    line.forEach(([x, y, p], b) => {
      const td = document.createElement("td");
      if (padded && padded[a][b]) td.className = "is-pad";
      const top = document.createElement("span");
      top.className = "factors";
      top.textContent = y === null ? num(x) : `${num(x)}×${term(y)}`;
      const bottom = document.createElement("span");
      bottom.className = "product";
      bottom.textContent = p === null ? "" : num(p);
      td.append(top, bottom);
      tr.append(td);
    });
    tbl.append(tr);
  });
  return tbl;
}

function para(text, cls = "channel-sum") {
  const p = document.createElement("p");
  p.className = cls;
  p.textContent = text;
  return p;
}

function formulaBlock(label, ...lines) {
  const total = document.createElement("div");
  total.className = "total";
  total.append(para(label, ""), math(m("mtable", ...lines.map((l) => m("mtr", m("mtd", l))))));
  return total;
}

/** The detail panel for one frame. `k` is the kernel size (tables only for small ones). */
export function drawDetail(body, f) {
  body.replaceChildren();
  const list = document.createElement("div");
  list.className = "channel-list";
  if (f.stage === "grad_input") {
    const small = f.grad_rows.length <= 5;
    for (const ch of f.channels) {
      const wrap = document.createElement("div");
      wrap.className = "channel-products";
      if (small) {
        const cells = ch.grads.map((line, a) => line.map((g, b) => [g, ch.weights[a][b], ch.products[a][b]]));
        const missing = ch.grads.map((line, a) =>
          line.map((_, b) => f.grad_rows[a] === null || f.grad_cols[b] === null),
        );
        wrap.append(table(t("bw.products_gi", { o: ch.out_channel }), cells, missing));
      }
      wrap.append(para(t("bw.sum_of", { o: ch.out_channel, s: num(ch.sum, 3) })));
      list.append(wrap);
    }
    body.append(list);
    const pairs = metPairs(f).map((q) => [q.g, q.w]);
    const lhs = symbol("\u2202x", `${f.in_channel},${f.y},${f.x}`);
    body.append(
      formulaBlock(
        t("bw.total_gi", { c: f.in_channel, y: f.y, x: f.x }),
        sumRow(
          lhs,
          pairs,
          f.grad,
          f.channels.map((c) => c.sum),
        ),
      ),
    );
    if (f.padded && f.source) body.append(para(t("bw.pad_cell_note", { r: f.source[0], c: f.source[1] }), "note"));
  } else if (f.stage === "grad_input_fold") {
    const lhs = symbol("\u2202x", `${f.in_channel},${f.source[0]},${f.source[1]}`);
    body.append(
      formulaBlock(
        t("bw.total_fold", { y: f.y, x: f.x, r: f.source[0], c: f.source[1] }),
        row(lhs, mo("="), val(f.before), mo("+"), val(f.grad), mo("="), val(f.after, false)),
      ),
    );
  } else if (f.stage === "grad_weight") {
    const pairs = [];
    for (const s of f.samples) {
      const small = f.rows.length * f.cols.length <= 36;
      const wrap = document.createElement("div");
      wrap.className = "channel-products";
      if (small) {
        const cells = s.values.map((line, a) => line.map((x, b) => [x, s.grads[a][b], s.products[a][b]]));
        wrap.append(table(t("bw.products_gw", { c: f.in_channel }), cells, f.padded));
      }
      wrap.append(para(t("bw.sum_gw", { s: num(s.sum, 3) })));
      list.append(wrap);
      s.values.forEach((line, a) => line.forEach((x, b) => pairs.push([x, s.grads[a][b]])));
    }
    body.append(list);
    const [o, i, ky, kx] = f.weight_index;
    const lhs = symbol("\u2202W", `${o},${i},${ky},${kx}`);
    body.append(formulaBlock(t("bw.total_gw", { o, i, ky, kx }), sumRow(lhs, pairs, f.grad, f.partial_sums)));
  } else if (f.stage === "grad_bias") {
    const s = f.samples[0];
    const cells = s.grads.map((line) => line.map((g) => [g, null, null]));
    if (s.grads.length * s.grads[0].length <= 64)
      list.append(table(t("bw.grads_of", { o: f.out_channel }), cells, null));
    body.append(list);
    const terms = [];
    for (const sample of f.samples) sample.grads.forEach((line) => line.forEach((g) => terms.push(g)));
    const parts = [symbol("\u2202b", `${f.out_channel}`), mo("=")];
    if (terms.length <= MAX_TERMS * 2) {
      terms.forEach((g, i) => {
        if (i) parts.push(mo("+"));
        parts.push(val(g));
      });
      parts.push(mo("="));
    }
    parts.push(val(f.grad, false));
    body.append(formulaBlock(t("bw.total_gb", { o: f.out_channel }), row(...parts)));
  }
}

/** The step in words, with its numbers. */
export function narrate(f) {
  if (f.stage === "grad_input") {
    const pairs = metPairs(f);
    let terms;
    if (!pairs.length) terms = t("bw.narrate_none");
    else if (pairs.length <= MAX_TERMS) terms = pairs.map((q) => `${term(q.g)}×${term(q.w)}`).join(" + ");
    else terms = f.channels.map((ch) => t("bw.narrate_sum", { o: ch.out_channel, s: num(ch.sum, 3) })).join(" + ");
    const key = f.padded ? "bw.narrate_gi_pad" : "bw.narrate_gi";
    return t(key, { c: f.in_channel, y: f.y, x: f.x, terms, g: num(f.grad, 3) });
  }
  if (f.stage === "grad_input_fold") {
    return t("bw.narrate_fold", {
      c: f.in_channel,
      y: f.y,
      x: f.x,
      r: f.source[0],
      col: f.source[1],
      g: term(f.grad, 3),
      before: num(f.before, 3),
      after: num(f.after, 3),
    });
  }
  if (f.stage === "grad_weight") {
    const [o, i, ky, kx] = f.weight_index;
    const pairs = [];
    for (const s of f.samples)
      s.values.forEach((line, a) => line.forEach((x, b) => pairs.push(`${term(x)}×${term(s.grads[a][b])}`)));
    const terms = pairs.length <= MAX_TERMS ? pairs.join(" + ") : t("bw.narrate_many", { n: pairs.length });
    return t("bw.narrate_gw", { o, i, ky, kx, c: f.in_channel, terms, g: num(f.grad, 3) });
  }
  const grads = [];
  for (const s of f.samples) s.grads.forEach((line) => line.forEach((g) => grads.push(term(g))));
  const terms = grads.length <= MAX_TERMS * 2 ? grads.join(" + ") : t("bw.narrate_many", { n: grads.length });
  return t("bw.narrate_gb", { o: f.out_channel, terms, g: num(f.grad, 3) });
}
