// The text half of /conv: the step's products and sums as a table and MathML, and the output-size
// formula with this scene's numbers. Every value shown is read from a frame or the stream header.
import { el, paragraphs, productsTable } from "../../draw/dom.js";
import { parseEdits } from "../../edit.js";
import { num, t, term } from "../../i18n.js";
import { lines, m, mi, mnum, mo, row, sub } from "../../mathml.js";
import { pads } from "../shared/conv_settings.js";
import { readable, sizeFormula } from "../shared/size_formula.js";

function productTable(ch, f) {
  const cells = ch.products.map((line, a) =>
    line.map((p, b) => ({
      className: f.padded[a][b] ? "is-pad" : "",
      top: `${num(ch.values[a][b])}×${term(ch.weights[a][b])}`,
      bottom: num(p),
    })),
  );
  const wrap = el("div", "channel-products");
  wrap.append(
    productsTable(t("conv.products_of", { c: ch.in_channel }), cells),
    el("p", "channel-sum", t("conv.channel_sum", { c: ch.in_channel, s: num(ch.sum, 3) })),
  );
  return wrap;
}

/** z = s_0 + s_1 + b = pre; act(z) = out, with the step's numbers. */
function totalFormula(f) {
  const parts = [sub(mi("z"), m("mn", `${f.y},${f.x}`)), mo("=")];
  f.channels.forEach((ch, i) => {
    if (i) parts.push(mo("+"));
    parts.push(mnum(ch.sum, 3, true));
  });
  if (f.bias !== null && f.bias !== undefined) parts.push(mo("+"), mnum(f.bias, 3, true));
  parts.push(mo("="), mnum(f.pre_activation));
  const rows = [row(...parts)];
  if (f.activation !== "none") {
    const act = [mi(t(`act.${f.activation}`)), mo("("), mnum(f.pre_activation), mo(")")];
    rows.push(row(...act, mo("="), mnum(f.output)));
  }
  return lines(rows);
}

export function drawDetail(body, f, k) {
  body.replaceChildren();
  const channels = el("div", "channel-list");
  for (const ch of f.channels) {
    if (k <= 5) channels.append(productTable(ch, f));
    else channels.append(el("p", "channel-sum", t("conv.channel_sum", { c: ch.in_channel, s: num(ch.sum, 3) })));
  }
  const total = el("div", "total");
  total.append(el("p", "", t("conv.total_label", { o: f.out_channel, y: f.y, x: f.x })), totalFormula(f));
  body.append(channels, total);
}

/** The notes above the player: what the padding choice means, groups, hand edits (and their reset). */
function drawNotes(els, v, resetEdits) {
  const [a, b] = pads(v);
  const edits = parseEdits(v.edits).length;
  const notes = [];
  if (v.pad === "full") notes.push(t("conv.note_full", { p: v.dil * (v.k - 1), k: v.k }));
  if (v.pad === "same") notes.push(t("conv.note_same", { a, b }));
  if (v.pad === "valid") notes.push(t("conv.note_valid"));
  if (v.pmode !== "zeros") notes.push(t(`conv.note_${v.pmode}`));
  if (v.groups > 1) notes.push(t("conv.note_groups", { g: v.groups, per: v.cin / v.groups }));
  if (edits) notes.push(t("conv.note_edits", { n: edits }));
  els.limits.replaceChildren(...paragraphs(notes));
  if (edits) {
    const reset = el("button", "btn btn-small", t("conv.reset_edits"));
    reset.type = "button";
    reset.dataset.action = "reset-edits";
    reset.addEventListener("click", resetEdits);
    els.limits.append(reset);
  }
}

/** The output-size formula with these settings, the server's derivation once `header` is in, the notes. */
export function drawFormula(els, v, header, resetEdits) {
  const size = header ? header.output_size?.height : null;
  const formula = { n: v.size, k: v.k, stride: v.stride, dilation: v.dil, pads: pads(v), size: size?.size ?? null };
  els.formula.replaceChildren(sizeFormula(formula));
  let note = t("conv.formula_legend");
  if (size) {
    note += ` ${t("conv.derivation", { d: readable(size.derivation) })}`;
    if (!size.exact || size.unvisited?.length) {
      note += ` ${t("conv.floor_note", { rows: (size.unvisited || []).join(", ") || "—" })}`;
    } else note += ` ${t("conv.exact_note")}`;
  }
  els.formulaNote.textContent = note;
  drawNotes(els, v, resetEdits);
}
