// The layer-stack builder of /feature-maps: one row per layer with its type and settings, buttons to
// move a layer up or down or remove it, and buttons to add a conv, pool or batch-norm layer. Every
// change goes back to the URL as the layer stack's text; the options offered are only the possible
// ones (sizes a bank exists in, "same" only at stride 1, pool padding at most half the window).
import { el } from "../../draw/dom.js";
import { t } from "../../i18n.js";
import { editorBox, numberInput, rebuild, select, smallButton } from "../shared/stack_editor.js";
import {
  ACTIVATIONS,
  BANKS,
  FIXED_3,
  fixLayer,
  formatLayers,
  KERNEL_SIZES,
  MAX_LAYERS,
  newConv,
  newNorm,
  newPool,
  parseLayers,
} from "./settings.js";

const range = (lo, hi) => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
const numbered = (values, text = String) => values.map((v) => [v, text(v)]);
const square = (k) => `${k}×${k}`;

/** The controls' names (kept in their data-control hooks) and the layer settings they set. */
const SETTING = { size: "kernel_size", kernel: "kernel_size", ceil: "ceil_mode" };

function field(row, i, name, control, labelKey) {
  const wrap = el("label", "fm-field");
  control.dataset.field = name;
  control.dataset.control = `l${i}-${name}`;
  wrap.append(el("span", "", t(labelKey)), control);
  row.append(wrap);
}

function convFields(row, i, l, aria) {
  const add = (name, choices, value) => field(row, i, name, select(choices, value, aria(name)), `fm.ctl.${name}`);
  add(
    "bank",
    BANKS.map((b) => [b, t(`fm.bank.${b}`)]),
    l.bank,
  );
  const smallest = ["sobel", "gabor"].includes(l.bank) ? 3 : 1;
  const sizes = FIXED_3.includes(l.bank) ? [3] : KERNEL_SIZES.filter((k) => k >= smallest);
  add("size", numbered(sizes, square), l.kernel_size);
  if (l.bank === "gabor" || l.bank === "random") field(row, i, "count", numberInput(l.count, 1, 16), "fm.ctl.count");
  if (l.bank === "random") field(row, i, "seed", numberInput(l.seed, 0, 9999), "fm.ctl.seed");
  add("stride", numbered(range(1, 4)), l.stride);
  const pads = [
    ["auto", t("fm.pad.auto")],
    ["same", t("fm.pad.same"), l.stride !== 1],
    ["valid", t("fm.pad.valid")],
    ...numbered(range(1, 7)),
  ];
  add("padding", pads, l.padding);
  add("dilation", numbered(range(1, 4)), l.dilation);
  add(
    "activation",
    ACTIVATIONS.map((a) => [a, t(`fm.act.${a}`)]),
    l.activation,
  );
}

function poolFields(row, i, l, aria) {
  const add = (name, choices, value) => field(row, i, name, select(choices, value, aria(name)), `fm.ctl.${name}`);
  add(
    "mode",
    ["max", "avg"].map((m) => [m, t(`fm.pool.${m}`)]),
    l.mode,
  );
  add("kernel", numbered(range(1, 8), square), l.kernel_size);
  add("stride", [[0, t("fm.stride.kernel")], ...numbered(range(1, 8))], l.stride);
  add("padding", numbered(range(0, Math.floor(l.kernel_size / 2))), l.padding);
  const ceil = el("input");
  ceil.type = "checkbox";
  ceil.checked = l.ceil_mode;
  field(row, i, "ceil", ceil, "fm.ctl.ceil");
}

function layerRow(l, i, count) {
  const row = el("li", `fm-layer fm-layer-${l.type}`);
  row.dataset.layer = String(i);
  row.append(el("span", "fm-layer-n", String(i + 1)));
  const aria = (name) => t("fm.aria_field", { n: i + 1, what: t(`fm.ctl.${name}`) });
  const types = ["conv", "pool", "batch_norm"].map((k) => [k, t(`fm.type.${k}`)]);
  field(row, i, "type", select(types, l.type, aria("type")), "fm.ctl.type");
  if (l.type === "conv") convFields(row, i, l, aria);
  else if (l.type === "pool") poolFields(row, i, l, aria);
  else row.append(el("span", "fm-bn-note", t("fm.bn_note")));
  const tools = el("span", "fm-layer-tools");
  for (const [act, glyph, key, disabled] of [
    ["up", "↑", "fm.move_up", i === 0],
    ["down", "↓", "fm.move_down", i === count - 1],
    ["remove", "×", "fm.remove", count <= 1],
  ]) {
    const data = { act, index: String(i), key: `${act}-${i}` };
    tools.append(smallButton(glyph, data, { label: t(key, { n: i + 1 }), disabled }));
  }
  row.append(tools);
  return row;
}

function addButtons(count) {
  const add = el("p", "fm-add");
  for (const [act, key] of [
    ["add-conv", "fm.add_conv"],
    ["add-pool", "fm.add_pool"],
    ["add-bn", "fm.add_bn"],
  ]) {
    add.append(smallButton(t(key), { act, key: act }, { disabled: count >= MAX_LAYERS }));
  }
  add.append(el("span", "control-why", count >= MAX_LAYERS ? t("fm.max_layers", { n: MAX_LAYERS }) : ""));
  return add;
}

function controlValue(control) {
  if (control.type === "checkbox") return control.checked;
  const raw = control.value;
  return /^\d+$/.test(raw) ? Number(raw) : raw;
}

/** The stack after a button: a layer moved, removed or added. */
function edited(layers, act, i) {
  const next = layers.map((l) => ({ ...l }));
  if (act === "remove") next.splice(i, 1);
  else if (act === "up") [next[i - 1], next[i]] = [next[i], next[i - 1]];
  else if (act === "down") [next[i], next[i + 1]] = [next[i + 1], next[i]];
  else if (act === "add-conv") next.push(newConv(next.some((l) => l.type === "conv") ? "gabor" : "sobel"));
  else if (act === "add-pool") next.push(newPool());
  else if (act === "add-bn") next.push(newNorm());
  return next;
}

/**
 * The editor inside the controls form. `commit(text)` receives the new layer list.
 * Returns {render(text)} to redraw it from the URL's list.
 */
export function layerEditor(form, commit) {
  const box = editorBox(form, "group-fm_layers fm-editor");
  let layers = [];
  const change = (next) => commit(formatLayers(next.map(fixLayer)));

  function render(text) {
    layers = parseLayers(text);
    rebuild(box, "group.fm_layers", () => {
      const list = el("ol", "fm-layers-list");
      for (const [i, l] of layers.entries()) list.append(layerRow(l, i, layers.length));
      box.append(list, addButtons(layers.length));
    });
    box.dataset.shown = text;
  }

  box.addEventListener("change", (e) => {
    const control = e.target;
    const name = control.dataset.field;
    if (!name) return;
    const i = Number(control.closest("[data-layer]").dataset.layer);
    const next = layers.map((l) => ({ ...l }));
    if (name === "type") next[i] = { conv: newConv, pool: newPool, batch_norm: newNorm }[control.value]();
    else if (name === "bank") {
      next[i] = { ...newConv(control.value), stride: next[i].stride, activation: next[i].activation };
    } else {
      const value = controlValue(control);
      if (value === "" || Number.isNaN(value)) return render(formatLayers(layers));
      next[i][SETTING[name] ?? name] = value;
    }
    change(next);
  });
  box.addEventListener("click", (e) => {
    const button = e.target.closest("button[data-act]");
    if (button) change(edited(layers, button.dataset.act, Number(button.dataset.index)));
  });
  return { render, element: box };
}
