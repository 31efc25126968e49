// The text half of /transposed: each step's taps as a table (value x weight, before -> after),
// the output-size formula in MathML with this scene's numbers, and each step in words. Every value
// shown is read from a frame or the stream's header.
import { num, t, term } from "../i18n.js";
import { m, math, mi, mn, mo, row, sub } from "../mathml.js";

const MAX_TERMS = 9;
const n3 = (v) => num(v, 3).replace("\u2212", "");
const val = (v, bracket = true) => mn(v, n3(v), bracket);

function para(text, cls = "channel-sum") {
  const p = document.createElement("p");
  p.className = cls;
  p.textContent = text;
  return p;
}

/** The taps of one channel of a scatter frame: where each lands and what it adds. */
export function taps(f, ch) {
  const list = [];
  f.rows.forEach((r, i) =>
    f.cols.forEach((c, j) => {
      list.push({
        r,
        c,
        w: ch.weights[i][j],
        p: ch.products[i][j],
        cropped: f.cropped[i][j],
        before: ch.before[i][j],
        after: ch.after[i][j],
      });
    }),
  );
  return list;
}

function tapTable(f, ch) {
  const tbl = document.createElement("table");
  tbl.className = "products";
  const caption = document.createElement("caption");
  caption.textContent = t("tr.products_of", { o: ch.out_channel });
  tbl.append(caption);
  f.rows.forEach((r, i) => {
    const tr = document.createElement("tr");
    f.cols.forEach((c, j) => {
      const td = document.createElement("td");
      const top = document.createElement("span");
      top.className = "factors";
      top.textContent = `${num(f.value)}×${term(ch.weights[i][j])} = ${num(ch.products[i][j])}`;
      const bottom = document.createElement("span");
      bottom.className = "product";
      if (f.cropped[i][j]) {
        td.className = "is-pad";
        bottom.textContent = t("tr.cropped_short");
        td.title = t("tr.cropped_cell", { r, c });
      } else {
        bottom.textContent = `${num(ch.before[i][j], 3)} → ${num(ch.after[i][j], 3)}`;
        td.title = t("tr.cell_at", { r, c });
      }
      td.append(top, bottom);
      tr.append(td);
    });
    tbl.append(tr);
  });
  return tbl;
}

/** The detail panel for one frame. */
export function drawDetail(body, f) {
  body.replaceChildren();
  if (f.stage === "scatter") {
    const list = document.createElement("div");
    list.className = "channel-list";
    const small = f.rows.length <= 5;
    for (const ch of f.channels) {
      const wrap = document.createElement("div");
      wrap.className = "channel-products";
      if (small) {
        const scroller = document.createElement("div");
        scroller.className = "tr-taps";
        scroller.append(tapTable(f, ch));
        wrap.append(scroller);
      }
      const lit = taps(f, ch).filter((q) => !q.cropped).length;
      wrap.append(
        para(t("tr.channel_taps", { o: ch.out_channel, n: lit, cropped: f.rows.length * f.cols.length - lit })),
      );
      list.append(wrap);
    }
    body.append(list);
    // One tap written out: out[o, r, c] = before + x * w = after (the first tap that lands).
    const lines = [];
    for (const ch of f.channels) {
      const q = taps(f, ch).find((tap) => !tap.cropped);
      if (!q) continue;
      lines.push(
        row(
          sub(mi("y"), m("mn", `${ch.out_channel},${q.r},${q.c}`)),
          mo("="),
          val(q.before),
          mo("+"),
          val(f.value),
          mo("\u00B7"),
          val(q.w),
          mo("="),
          val(q.after, false),
        ),
      );
    }
    const total = document.createElement("div");
    total.className = "total";
    total.append(para(t("tr.total_label", { c: f.in_channel, y: f.y, x: f.x, v: num(f.value, 3) }), ""));
    if (lines.length) total.append(math(m("mtable", ...lines.map((l) => m("mtr", m("mtd", l))))));
    else total.append(para(t("tr.all_cropped"), "note"));
    body.append(total);
  } else {
    const plane = f.after;
    const total = document.createElement("div");
    total.className = "total";
    total.append(
      para(t("tr.bias_label", { o: f.out_channel, b: num(f.bias, 3), n: plane.length * plane[0].length }), ""),
    );
    total.append(
      math(
        row(
          sub(mi("y"), m("mn", `${f.out_channel},0,0`)),
          mo("="),
          val(f.before[0][0]),
          mo("+"),
          val(f.bias),
          mo("="),
          val(f.after[0][0], false),
        ),
      ),
    );
    body.append(total);
  }
}

/** The step in words, with its numbers. */
export function narrate(f) {
  if (!f) return "";
  if (f.stage === "scatter") {
    const parts = [];
    let cropped = 0;
    for (const ch of f.channels) {
      const landed = taps(f, ch).filter((q) => !q.cropped);
      cropped = f.rows.length * f.cols.length - landed.length;
      const shown = landed
        .slice(0, MAX_TERMS)
        .map((q) =>
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
      parts.push(
        t("tr.narrate_channel", { o: ch.out_channel, taps: shown.join(t("tr.list_sep")) || t("tr.narrate_none") }),
      );
    }
    const crop = cropped ? " " + t("tr.narrate_cropped", { n: cropped }) : "";
    return t("tr.narrate_scatter", {
      c: f.in_channel,
      y: f.y,
      x: f.x,
      v: num(f.value, 3),
      parts: parts.join(" "),
      crop,
    });
  }
  return t("tr.narrate_bias", {
    o: f.out_channel,
    b: term(f.bias, 3),
    n: f.after.length * f.after[0].length,
    before: num(f.before[0][0], 3),
    after: num(f.after[0][0], 3),
  });
}

/** The output-size formula, symbols then this scene's numbers, and the header's derivation. */
export function drawFormula(el, noteEl, v, header) {
  const size = header ? header.output_size?.height : null;
  const symbolic = row(
    mi("o"),
    mo("="),
    mo("("),
    mi("N"),
    mo("\u2212"),
    mn(1),
    mo(")"),
    mi("S"),
    mo("\u2212"),
    mn(2),
    mo("\u2062"),
    mi("P"),
    mo("+"),
    mi("D"),
    mo("("),
    mi("F"),
    mo("\u2212"),
    mn(1),
    mo(")"),
    mo("+"),
    sub(mi("P"), m("mtext", t("tr.sym_out"))),
    mo("+"),
    mn(1),
  );
  const numbers = row(
    mo("="),
    mo("("),
    mn(v.size),
    mo("\u2212"),
    mn(1),
    mo(")"),
    mo("\u00B7"),
    mn(v.stride),
    mo("\u2212"),
    mn(2),
    mo("\u00B7"),
    mn(v.p),
    mo("+"),
    mn(v.dil),
    mo("\u00B7"),
    mo("("),
    mn(v.k),
    mo("\u2212"),
    mn(1),
    mo(")"),
    mo("+"),
    mn(v.op),
    mo("+"),
    mn(1),
  );
  const lines = [symbolic, numbers];
  if (size) lines.push(row(mo("="), mn(size.size)));
  el.replaceChildren(math(m("mtable", { columnalign: "left" }, ...lines.map((l) => m("mtr", m("mtd", l))))));
  let note = t("tr.formula_legend");
  if (size) note += " " + t("tr.derivation", { d: size.derivation.replace(/\*/g, "·") });
  noteEl.textContent = note;
}
