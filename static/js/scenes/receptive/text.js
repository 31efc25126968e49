// The text of /receptive-field: each layer's name, the table of the API's per-layer figures, and the
// 1 + L(K - 1) rule with this stack's numbers and the 3x3-against-7x7 comparison.
import { el } from "../../draw/dom.js";
import { num, t } from "../../i18n.js";
import { readable } from "../shared/size_formula.js";

export function layerName(l) {
  const what = t(`rf.type.${l.type}`);
  return t("rf.layer_name", { what, k: l.kernel_size, s: l.stride, p: l.padding, d: l.dilation });
}

const tableRow = (texts, cell = "td") => {
  const tr = el("tr");
  for (const text of texts) tr.append(el(cell, "", text));
  return tr;
};

/** The per-layer table (output size, field on the previous layer and on the input, jump, start). */
export function drawTable(detail, run, step) {
  const table = el("table", "products rf-table");
  table.append(el("caption", "", t("rf.table_caption")));
  const columns = ["n", "layer", "output", "previous", "field", "jump", "start"].map((key) => t(`rf.col.${key}`));
  const head = tableRow(columns, "th");
  for (const th of head.children) th.scope = "col";
  const size = run.base.input_size;
  table.append(head, tableRow(["0", t("rf.input_row"), `${size}×${size}`, "–", "1", "1", "0"]));
  run.base.layers.forEach((l, i) => {
    const tr = tableRow([
      String(i + 1),
      layerName(l),
      readable(l.derivation),
      `${l.field_on_previous}×${l.field_on_previous}`,
      `${l.receptive_field}×${l.receptive_field}`,
      String(l.jump),
      num(l.start),
    ]);
    tr.dataset.layer = String(i);
    tr.classList.toggle("is-current", i === step);
    table.append(tr);
  });
  const wrap = el("div", "rf-table-wrap");
  wrap.append(table);
  detail.replaceChildren(wrap, el("p", "note", t("rf.table_note")));
}

/** The rule for the layers up to `step`, and what three 3x3 layers and one 7x7 layer each see. */
export function drawRule(els, run, step, C) {
  const lines = [el("p", "rf-rule", t("rf.rule"))];
  const layers = run.base.layers.slice(0, step + 1);
  const k = layers[0].kernel_size;
  const plain = layers.every((l) => l.type === "conv" && l.stride === 1 && l.dilation === 1 && l.kernel_size === k);
  const r = layers[layers.length - 1].receptive_field;
  const rule = plain ? t("rf.rule_yours", { L: layers.length, K: k, r }) : t("rf.rule_general", { n: step + 1, r });
  const three = run.compare.three.layers.map((l) => l.receptive_field).join(" → ");
  const seven = run.compare.seven.layers[0].receptive_field;
  const weights = (n) => (n * C * C).toLocaleString("en-US");
  lines.push(
    el("p", "", rule),
    el("p", "", t("rf.compare_three", { fields: three, C, w: weights(27) })),
    el("p", "", t("rf.compare_seven", { r: seven, C, w: weights(49) })),
    el("p", "note", t("rf.compare_note")),
  );
  els.formula.replaceChildren(...lines);
  els.formulaNote.textContent = "";
}
