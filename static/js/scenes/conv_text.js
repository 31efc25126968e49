// The text half of /conv: the step's products and sums as a table and MathML, and the output-size
// formula with this scene's numbers. Every value shown is read from a frame or the stream header.

import { parseEdits } from "../edit.js";
import { num, t, term } from "../i18n.js";
import { floor, frac, m, math, mi, mn, mo, row, sub } from "../mathml.js";
import { pads } from "./conv_settings.js";

function productTable(ch, f) {
  const table = document.createElement("table");
  table.className = "products";
  const caption = document.createElement("caption");
  caption.textContent = t("conv.products_of", { c: ch.in_channel });
  table.append(caption);
  ch.products.forEach((line, a) => {
    const tr = document.createElement("tr");
    line.forEach((p, b) => {
      const td = document.createElement("td");
      if (f.padded[a][b]) td.className = "is-pad";
      const top = document.createElement("span");
      top.className = "factors";
      top.textContent = `${num(ch.values[a][b])}×${term(ch.weights[a][b])}`;
      const bottom = document.createElement("span");
      bottom.className = "product";
      bottom.textContent = num(p);
      td.append(top, bottom);
      tr.append(td);
    });
    table.append(tr);
  });
  const sum = document.createElement("p");
  sum.className = "channel-sum";
  sum.textContent = t("conv.channel_sum", { c: ch.in_channel, s: num(ch.sum, 3) });
  const wrap = document.createElement("div");
  wrap.className = "channel-products";
  wrap.append(table, sum);
  return wrap;
}

export function drawDetail(body, f, k) {
  body.replaceChildren();
  const channels = document.createElement("div");
  channels.className = "channel-list";
  for (const ch of f.channels) {
    if (k <= 5) channels.append(productTable(ch, f));
    else {
      const p = document.createElement("p");
      p.className = "channel-sum";
      p.textContent = t("conv.channel_sum", { c: ch.in_channel, s: num(ch.sum, 3) });
      channels.append(p);
    }
  }
  body.append(channels);
  // z = s_0 + s_1 + b = pre;  act(z) = out
  const parts = [sub(mi("z"), m("mn", `${f.y},${f.x}`)), mo("=")];
  f.channels.forEach((ch, i) => {
    if (i) parts.push(mo("+"));
    parts.push(mn(ch.sum, num(ch.sum, 3).replace("\u2212", ""), true));
  });
  if (f.bias !== null && f.bias !== undefined)
    parts.push(mo("+"), mn(f.bias, num(f.bias, 3).replace("\u2212", ""), true));
  parts.push(mo("="), mn(f.pre_activation, num(f.pre_activation, 3).replace("\u2212", "")));
  const lines = [row(...parts)];
  if (f.activation !== "none") {
    lines.push(
      row(
        mi(t(`act.${f.activation}`)),
        mo("("),
        mn(f.pre_activation, num(f.pre_activation, 3).replace("\u2212", "")),
        mo(")"),
        mo("="),
        mn(f.output, num(f.output, 3).replace("\u2212", "")),
      ),
    );
  }
  const total = document.createElement("div");
  total.className = "total";
  const label = document.createElement("p");
  label.textContent = t("conv.total_label", { o: f.out_channel, y: f.y, x: f.x });
  total.append(label, math(m("mtable", ...lines.map((l) => m("mtr", m("mtd", l))))));
  body.append(total);
}

export function drawFormula(els, v, header, resetEdits) {
  const [a, b] = pads(v);
  const size = header ? header.output_size?.height : null;
  const symbolic = row(
    mi("o"),
    mo("="),
    floor(
      frac(
        row(
          mi("N"),
          mo("+"),
          a === b
            ? row(mn(2), mo("\u2062"), mi("P"))
            : row(sub(mi("P"), m("mn", "1")), mo("+"), sub(mi("P"), m("mn", "2"))),
          mo("\u2212"),
          mi("D"),
          mo("("),
          mi("F"),
          mo("\u2212"),
          mn(1),
          mo(")"),
          mo("\u2212"),
          mn(1),
        ),
        mi("S"),
      ),
    ),
    mo("+"),
    mn(1),
  );
  const numbers = row(
    mo("="),
    floor(
      frac(
        row(
          mn(v.size),
          mo("+"),
          a === b ? row(mn(2), mo("\u00B7"), mn(a)) : row(mn(a), mo("+"), mn(b)),
          mo("\u2212"),
          mn(v.dil),
          mo("\u00B7"),
          mo("("),
          mn(v.k),
          mo("\u2212"),
          mn(1),
          mo(")"),
          mo("\u2212"),
          mn(1),
        ),
        mn(v.stride),
      ),
    ),
    mo("+"),
    mn(1),
    ...(size ? [mo("="), mn(size.size)] : []),
  );
  els.formula.replaceChildren(math(m("mtable", m("mtr", m("mtd", symbolic)), m("mtr", m("mtd", numbers)))));
  const legendLine = t("conv.formula_legend");
  let note = legendLine;
  if (size) {
    note += " " + t("conv.derivation", { d: size.derivation.replace(/->/g, "→").replace(/\*/g, "·") });
    if (!size.exact || (size.unvisited && size.unvisited.length)) {
      note += " " + t("conv.floor_note", { rows: (size.unvisited || []).join(", ") || "—" });
    } else note += " " + t("conv.exact_note");
  }
  els.formulaNote.textContent = note;
  const notes = [];
  if (v.pad === "full") notes.push(t("conv.note_full", { p: v.dil * (v.k - 1), k: v.k }));
  if (v.pad === "same") notes.push(t("conv.note_same", { a, b }));
  if (v.pad === "valid") notes.push(t("conv.note_valid"));
  if (v.pmode !== "zeros") notes.push(t(`conv.note_${v.pmode}`));
  if (v.groups > 1) notes.push(t("conv.note_groups", { g: v.groups, per: v.cin / v.groups }));
  if (parseEdits(v.edits).length) notes.push(t("conv.note_edits", { n: parseEdits(v.edits).length }));
  els.limits.replaceChildren(
    ...notes.map((text) => {
      const p = document.createElement("p");
      p.textContent = text;
      return p;
    }),
  );
  if (parseEdits(v.edits).length) {
    const reset = document.createElement("button");
    reset.type = "button";
    reset.className = "btn btn-small";
    reset.dataset.action = "reset-edits";
    reset.textContent = t("conv.reset_edits");
    reset.addEventListener("click", resetEdits);
    els.limits.append(reset);
  }
}
