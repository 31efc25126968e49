// The chosen unit of a conv, ReLU or pool map: its value, and the /conv or /pool link that shows
// its computation. A small form picks a unit by keyboard (layer, channel, row, column).
import { el } from "../../draw/dom.js";
import { num, t } from "../../i18n.js";
import { convLink, poolLink } from "./links.js";

const MAPPED = ["Conv2d", "ReLU", "MaxPool2d", "AvgPool2d"];

function numberField(name, label, max, value) {
  const wrap = el("label", "net-field", label);
  const input = el("input");
  input.type = "number";
  input.min = "0";
  input.max = String(max);
  input.value = String(Math.min(value, max));
  input.dataset.unit = name;
  wrap.append(input);
  return { wrap, input };
}

/** The form that picks a unit; `pick(unit)` when it is submitted. */
export function unitForm(run, unit, pick) {
  const form = el("form", "net-unit-form");
  form.setAttribute("aria-label", t("net.unit_form"));
  const rows = run.detail.layers;
  const layerLabel = el("label", "net-field", t("net.unit_layer"));
  const select = el("select");
  select.dataset.unit = "layer";
  rows.forEach((row, i) => {
    if (!MAPPED.includes(row.module)) return;
    const option = el("option", "", `${i} · ${row.module} (${row.output_shape.join("×")})`);
    option.value = String(i);
    select.append(option);
  });
  select.value = String(unit.layer);
  layerLabel.append(select);
  const shape = rows[unit.layer].output_shape;
  const fields = [
    numberField("c", t("net.unit_c"), shape[0] - 1, unit.c),
    numberField("y", t("net.unit_y"), shape[1] - 1, unit.y),
    numberField("x", t("net.unit_x"), shape[2] - 1, unit.x),
  ];
  const go = el("button", "btn btn-small", t("net.unit_show"));
  go.type = "submit";
  form.append(layerLabel, ...fields.map((f) => f.wrap), go);
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const layer = Number(select.value);
    const [C, H, W] = rows[layer].output_shape;
    const clamp = (v, n) => Math.max(0, Math.min(n - 1, Number.parseInt(v, 10) || 0));
    const [c, y, x] = fields.map((f) => f.input.value);
    pick({ layer, c: clamp(c, C), y: clamp(y, H), x: clamp(x, W) });
  });
  return form;
}

/** The link for the unit, or null for a ReLU (whose value is max(0, the conv's)). */
function linkFor(run, unit) {
  const row = run.detail.layers[unit.layer];
  const input = unit.layer === 0 ? [run.input] : run.answer.layers[unit.layer - 1].output;
  if (row.module === "Conv2d") return convLink(row, unit, input, run.detail.state_dict);
  if (row.module === "MaxPool2d" || row.module === "AvgPool2d") return poolLink(row, input[0].length);
  return null;
}

/** The detail box's content for `unit`. */
export function unitDetail(run, unit) {
  const row = run.detail.layers[unit.layer];
  const value = run.answer.layers[unit.layer].output[unit.c][unit.y][unit.x];
  const box = el("div", "net-unit");
  const values = { layer: unit.layer, module: row.module, c: unit.c, y: unit.y, x: unit.x, v: num(value, 4) };
  box.append(el("p", "net-unit-value", t("net.unit_value", values)));
  const link = linkFor(run, unit);
  if (!link) {
    box.append(el("p", "note", t("net.unit_relu", { prev: unit.layer - 1 })));
    return box;
  }
  const a = el("a", "net-unit-link", t(row.module === "Conv2d" ? "net.open_conv" : "net.open_pool"));
  a.href = link.href;
  a.id = "net-unit-link";
  let note = "net.link_exact";
  if (!link.exact) note = row.module === "Conv2d" ? "net.link_geometry_conv" : "net.link_geometry_pool";
  box.append(a, el("p", "note", t(note, { cin: row.kwargs.in_channels ?? "" })));
  return box;
}
