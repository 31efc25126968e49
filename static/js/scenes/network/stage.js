// The stage of /network: the digit the network saw, then every layer's output side by side (one
// small grid per map, with the layer's shape), the flatten as one row per channel, and the logits.
import { diverging, maxAbs } from "../../draw/colour.js";
import { el } from "../../draw/dom.js";
import { Grid } from "../../draw/grid.js";
import { MARK } from "../../draw/style.js";
import { num, t } from "../../i18n.js";

const MAP_PX = 84; // a map's side on the stage, before the grid's margin

export const shapeText = (shape) => shape.join(" × ");
const grey = (v) => {
  const g = Math.round(Math.max(0, Math.min(1, v)) * 255);
  return `rgb(${g},${g},${g})`;
};

/** The module as a short call: Conv2d(1, 8, 3, padding=1). */
export function callOf(row) {
  const a = row.kwargs;
  if (row.module === "Conv2d")
    return `Conv2d(${a.in_channels}, ${a.out_channels}, ${a.kernel_size}, padding=${a.padding})`;
  if (row.module === "MaxPool2d" || row.module === "AvgPool2d") return `${row.module}(${a.kernel_size})`;
  if (row.module === "Linear") return `Linear(${a.in_features}, ${a.out_features})`;
  return `${row.module}()`;
}

/** The grid of the digit the network saw (28 x 28, 0 black, 1 white). */
export function digitGrid(input, fitWidth) {
  return new Grid({
    rows: input.length,
    cols: input[0].length,
    fitWidth,
    maxCell: 12,
    axes: false,
    fill: (r, c) => grey(input[r][c]),
    caption: t("net.seen"),
    label: t("net.seen_aria"),
  });
}

function mapGrids(body, row, output, i, pick) {
  const colour = diverging(maxAbs(output));
  return output.map((plane, ch) => {
    const g = new Grid({
      rows: plane.length,
      cols: plane[0].length,
      fitWidth: MAP_PX + 18,
      axes: false,
      minCell: 2,
      value: (r, c) => plane[r][c],
      colour,
      caption: String(ch),
      label: t("net.map_aria", { layer: i, module: row.module, c: ch, shape: `${plane.length} × ${plane[0].length}` }),
      onClick: pick ? (r, c) => pick({ layer: i, c: ch, y: r, x: c }) : null,
      parent: body,
    });
    g.el.dataset.layer = String(i);
    g.el.dataset.channel = String(ch);
    g.draw();
    return g;
  });
}

function vectorGrid(body, output, rows, label, width, digits = 2) {
  const cols = output.length / rows;
  const colour = diverging(maxAbs(output));
  const g = new Grid({
    rows,
    cols,
    fitWidth: Math.min(width, rows === 1 ? cols * 44 + 18 : cols * 6 + 18),
    axes: false,
    minCell: 2,
    value: (r, c) => output[r * cols + c],
    colour,
    digits,
    label,
    parent: body,
  });
  g.draw();
  return g;
}

/** One section per layer in `stage`; `pick(unit)` for a click on a conv or pool map. Returns its parts. */
export function buildLayers(stage, run, pick) {
  const parts = [];
  const rows = run.detail.layers;
  const width = Math.max(120, Math.min(460, stage.clientWidth - 24));
  run.answer.layers.forEach((layer, i) => {
    const row = rows[i];
    const section = el("section", "net-layer");
    section.dataset.layer = String(i);
    const head = el("h3", "", `${i} · ${callOf(row)}`);
    const shape = el("p", "net-shape", shapeText(row.output_shape));
    const body = el("div", "net-maps");
    section.append(head, shape, body);
    stage.append(section);
    let grids = [];
    const clickable = ["Conv2d", "MaxPool2d", "AvgPool2d", "ReLU"].includes(row.module);
    if (row.output_shape.length === 3) grids = mapGrids(body, row, layer.output, i, clickable ? pick : null);
    else if (row.module === "Flatten") {
      const before = rows[i - 1].output_shape[0];
      grids = [
        vectorGrid(body, layer.output, before, t("net.flatten_aria", { n: layer.output.length, c: before }), width),
      ];
      section.append(el("p", "note", t("net.flatten_note", { c: before, n: layer.output.length / before })));
    } else grids = [vectorGrid(body, layer.output, 1, t("net.logits_aria"), width)];
    parts.push({ section, grids });
  });
  return parts;
}

/** Outline the chosen unit (or nothing) on its map. */
export function markUnit(parts, unit) {
  for (const [i, part] of parts.entries()) {
    for (const [ch, g] of part.grids.entries()) {
      const on = unit && unit.layer === i && unit.c === ch;
      g.setOverlays(on ? [{ ...MARK.chosen, cells: [[unit.y, unit.x]] }] : []);
      g.el.classList.toggle("is-chosen", Boolean(on));
      g.draw();
    }
  }
}

/** The numbers of the softmax: per class its logit, exp(logit - max), the probability as a bar. */
export function softmaxTable(answer, classes) {
  const table = el("table", "net-softmax");
  table.append(el("caption", "", t("net.softmax_caption", { sum: num(answer.softmax.sum, 4) })));
  const head = el("tr");
  for (const key of ["net.col_class", "net.col_logit", "net.col_exp", "net.col_prob"])
    head.append(el("th", "", t(key)));
  table.append(head);
  answer.logits.forEach((logit, k) => {
    const tr = el("tr");
    if (k === answer.prediction) tr.className = "is-predicted";
    const p = answer.probabilities[k];
    const bar = el("span", "net-bar");
    bar.style.width = `${(p * 100).toFixed(1)}%`;
    const cell = el("td", "net-prob");
    cell.append(bar, el("span", "net-prob-text", `${num(p * 100, 2)}%`));
    tr.append(
      el("td", "", classes[k]),
      el("td", "", num(logit, 3)),
      el("td", "", num(answer.softmax.exponentials[k], 5)),
      cell,
    );
    table.append(tr);
  });
  return table;
}
