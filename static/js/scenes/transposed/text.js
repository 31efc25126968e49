// The text half of /transposed: each step's taps as a table (value x weight, before -> after),
// the output-size formula in MathML with this scene's numbers, and each step in words. Every value
// shown is read from a frame or the stream's header.
import { el, productsTable } from "../../draw/dom.js";
import { num, t, term } from "../../i18n.js";
import { lines, m, math, mi, mn, mnum, mo, row, sub, tokens } from "../../mathml.js";
import { readable } from "../shared/size_formula.js";

const MAX_TERMS = 9;

/** The taps of one channel of a scatter frame: where each lands and what it adds. */
export function taps(f, ch) {
  return f.rows.flatMap((r, i) =>
    f.cols.map((c, j) => ({
      r,
      c,
      w: ch.weights[i][j],
      p: ch.products[i][j],
      cropped: f.cropped[i][j],
      before: ch.before[i][j],
      after: ch.after[i][j],
    })),
  );
}

function tapTable(f, ch) {
  const cells = f.rows.map((r, i) =>
    f.cols.map((c, j) => {
      const cropped = f.cropped[i][j];
      return {
        className: cropped ? "is-pad" : "",
        title: cropped ? t("tr.cropped_cell", { r, c }) : t("tr.cell_at", { r, c }),
        top: `${num(f.value)}×${term(ch.weights[i][j])} = ${num(ch.products[i][j])}`,
        bottom: cropped ? t("tr.cropped_short") : `${num(ch.before[i][j], 3)} → ${num(ch.after[i][j], 3)}`,
      };
    }),
  );
  return productsTable(t("tr.products_of", { o: ch.out_channel }), cells);
}

function scatterDetail(body, f) {
  const list = el("div", "channel-list");
  const small = f.rows.length <= 5;
  for (const ch of f.channels) {
    const wrap = el("div", "channel-products");
    if (small) {
      const scroller = el("div", "tr-taps");
      scroller.append(tapTable(f, ch));
      wrap.append(scroller);
    }
    const lit = taps(f, ch).filter((q) => !q.cropped).length;
    const cropped = f.rows.length * f.cols.length - lit;
    wrap.append(el("p", "channel-sum", t("tr.channel_taps", { o: ch.out_channel, n: lit, cropped })));
    list.append(wrap);
  }
  body.append(list);
  // One tap written out: out[o, r, c] = before + x * w = after (the first tap that lands).
  const rows = [];
  for (const ch of f.channels) {
    const q = taps(f, ch).find((tap) => !tap.cropped);
    if (!q) continue;
    const lhs = sub(mi("y"), m("mn", `${ch.out_channel},${q.r},${q.c}`));
    const sum = [mnum(q.before, 3, true), mo("+"), mnum(f.value, 3, true), mo("\u00B7"), mnum(q.w, 3, true)];
    rows.push(row(lhs, mo("="), ...sum, mo("="), mnum(q.after)));
  }
  const total = el("div", "total");
  total.append(el("p", "", t("tr.total_label", { c: f.in_channel, y: f.y, x: f.x, v: num(f.value, 3) })));
  total.append(rows.length ? lines(rows) : el("p", "note", t("tr.all_cropped")));
  body.append(total);
}

/** The detail panel for one frame. */
export function drawDetail(body, f) {
  body.replaceChildren();
  if (f.stage === "scatter") {
    scatterDetail(body, f);
    return;
  }
  const plane = f.after;
  const total = el("div", "total");
  const n = plane.length * plane[0].length;
  total.append(el("p", "", t("tr.bias_label", { o: f.out_channel, b: num(f.bias, 3), n })));
  const lhs = sub(mi("y"), m("mn", `${f.out_channel},0,0`));
  const sum = [mnum(f.before[0][0], 3, true), mo("+"), mnum(f.bias, 3, true), mo("="), mnum(f.after[0][0])];
  total.append(math(row(lhs, mo("="), ...sum)));
  body.append(total);
}

function narrateScatter(f) {
  const parts = [];
  let cropped = 0;
  for (const ch of f.channels) {
    const landed = taps(f, ch).filter((q) => !q.cropped);
    cropped = f.rows.length * f.cols.length - landed.length;
    const shown = landed.slice(0, MAX_TERMS).map((q) =>
      t("tr.narrate_tap", {
        r: q.r,
        c: q.c,
        before: num(q.before, 3),
        x: term(f.value, 3),
        w: term(q.w, 3),
        after: num(q.after, 3),
      }),
    );
    if (landed.length > MAX_TERMS) shown.push(t("tr.narrate_more", { n: landed.length - MAX_TERMS }));
    const list = shown.join(t("tr.list_sep")) || t("tr.narrate_none");
    parts.push(t("tr.narrate_channel", { o: ch.out_channel, taps: list }));
  }
  const crop = cropped ? ` ${t("tr.narrate_cropped", { n: cropped })}` : "";
  const where = { c: f.in_channel, y: f.y, x: f.x, v: num(f.value, 3) };
  return t("tr.narrate_scatter", { ...where, parts: parts.join(" "), crop });
}

/** The step in words, with its numbers. */
export function narrate(f) {
  if (!f) return "";
  if (f.stage === "scatter") return narrateScatter(f);
  return t("tr.narrate_bias", {
    o: f.out_channel,
    b: term(f.bias, 3),
    n: f.after.length * f.after[0].length,
    before: num(f.before[0][0], 3),
    after: num(f.after[0][0], 3),
  });
}

/** The output-size formula, symbols then this scene's numbers, and the header's derivation. */
export function drawFormula(formulaEl, noteEl, v, header) {
  const size = header ? header.output_size?.height : null;
  const outputPadding = sub(mi("P"), m("mtext", t("tr.sym_out")));
  const symbolic = row(...tokens("o = ( N − 1 ) S − 2 \u2062 P + D ( F − 1 ) +"), outputPadding, ...tokens("+ 1"));
  const numbers = row(
    ...tokens(`= ( ${v.size} − 1 ) · ${v.stride} − 2 · ${v.p} + ${v.dil} · ( ${v.k} − 1 ) + ${v.op} + 1`),
  );
  const rows = [symbolic, numbers];
  if (size) rows.push(row(mo("="), mn(size.size)));
  formulaEl.replaceChildren(lines(rows, { columnalign: "left" }));
  let note = t("tr.formula_legend");
  if (size) note += ` ${t("tr.derivation", { d: readable(size.derivation) })}`;
  noteEl.textContent = note;
}
