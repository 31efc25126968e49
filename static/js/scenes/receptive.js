// /receptive-field: a stack of conv and pool layers, a grid per layer (input first), a unit's field
// outlined through every earlier layer, the effective field as a heat map beside the theoretical
// square, the per-layer table and the 1 + L(K - 1) rule. Every field, jump, start, box and heat
// value comes from POST /api/receptive-field; the page only lays them out.

import { diverging } from "../colour.js";
import { Grid } from "../grid.js";
import { num, t } from "../i18n.js";
import { Scene } from "../scene.js";
import { addHoverInfo, onResizeSettled, stagePart } from "../stage.js";
import { postJson } from "../stream.js";
import {
  constrain,
  formatLayers,
  formatUnit,
  MAX_DILATION,
  MAX_KERNEL,
  MAX_LAYERS,
  MAX_PADDING,
  MAX_STRIDE,
  parseLayers,
  parseUnit,
  possibleLayers,
  requestBody,
  TABLE,
} from "./receptive_settings.js";

const API = "/api/receptive-field";
const els = {
  stage: document.getElementById("stage"),
  detail: document.getElementById("detail-body"),
  formula: document.getElementById("formula"),
  formulaNote: document.getElementById("formula-note"),
  controls: document.getElementById("controls"),
};
const hoverInfo = addHoverInfo(els.stage);

const UNIT = { fill: "rgba(17,24,39,0.75)", stroke: "#111827", width: 2 };
const THEORY = { stroke: "#111827", width: 2, outline: true, dash: [5, 3] };
const CLIPPED = { stroke: "#c2410c", width: 3, outline: true };
const IN_FIELD = "#fcd9b6";
const LATER = "#f1f3f6";
const heat = diverging(1);

let run = null;
let lastUnit;
let shownBox = null; // the theoretical box drawn on the input now (the browser tests read it)

const boxSide = (b) => b.bottom - b.top + 1;
const corners = (b) => [
  [b.top, b.left],
  [b.bottom, b.right],
];
const cellsOf = (b) => {
  const cells = [];
  for (let r = b.top; r <= b.bottom; r += 1) for (let c = b.left; c <= b.right; c += 1) cells.push([r, c]);
  return cells;
};

// ---- the layer editor (inside the controls form) ----

let editor = null;

function editorLayers() {
  return [...editor.querySelectorAll(".rf-layer:not(.rf-layer-head)")].map((row) => {
    const get = (name) => row.querySelector(`[data-field=${name}]`).value;
    return { type: get("type"), k: Number(get("k")), s: Number(get("s")), p: Number(get("p")), d: Number(get("d")) };
  });
}

// The stack the learner last asked for (the URL's, or the editor's): when the input is too small
// for all of it, the layers that do not fit are dropped and the editor says so.
let requested =
  new URLSearchParams(window.location.search).get("layers") ?? TABLE.find((r) => r.name === "layers").default;

function commitLayers(layers) {
  requested = formatLayers(layers);
  scene.state.set({ layers: formatLayers(layers), unit: "" });
}

function buildEditor(v) {
  if (!editor) {
    editor = document.createElement("fieldset");
    editor.className = "control-group group-rf_layers rf-editor";
    els.controls.append(editor);
  }
  const layers = possibleLayers(v.size, v.layers);
  const focused = editor.contains(document.activeElement) ? document.activeElement.dataset.control : null;
  editor.replaceChildren();
  const legendEl = document.createElement("legend");
  legendEl.textContent = t("group.rf_layers");
  editor.append(legendEl);
  const head = document.createElement("div");
  head.className = "rf-layer rf-layer-head";
  head.setAttribute("aria-hidden", "true");
  for (const key of ["rf.col.n", "rf.ctl.type", "rf.ctl.k", "rf.ctl.s", "rf.ctl.p", "rf.ctl.d"]) {
    const span = document.createElement("span");
    span.textContent = t(key);
    head.append(span);
  }
  head.append(document.createElement("span"));
  editor.append(head);
  const limits = { k: [1, MAX_KERNEL], s: [1, MAX_STRIDE], p: [0, MAX_PADDING], d: [1, MAX_DILATION] };
  layers.forEach((layer, i) => {
    const row = document.createElement("div");
    row.className = "rf-layer";
    const n = document.createElement("span");
    n.className = "rf-layer-n";
    n.textContent = String(i + 1);
    row.append(n);
    const type = document.createElement("select");
    for (const choice of ["conv", "pool"]) {
      const option = document.createElement("option");
      option.value = choice;
      option.textContent = t(`rf.type.${choice}`);
      type.append(option);
    }
    type.value = layer.type;
    type.dataset.field = "type";
    type.dataset.control = `l${i}-type`;
    type.setAttribute("aria-label", t("rf.aria_field", { n: i + 1, what: t("rf.ctl.type") }));
    row.append(type);
    for (const name of ["k", "s", "p", "d"]) {
      const input = document.createElement("input");
      input.type = "number";
      input.inputMode = "numeric";
      input.step = "1";
      const [lo, hi] = limits[name];
      input.min = String(lo);
      input.max = String(name === "p" && layer.type === "pool" ? Math.floor(layer.k / 2) : hi);
      input.value = String(layer[name]);
      input.dataset.field = name;
      input.dataset.control = `l${i}-${name}`;
      input.setAttribute("aria-label", t("rf.aria_field", { n: i + 1, what: t(`rf.ctl.${name}`) }));
      row.append(input);
    }
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "btn btn-small";
    remove.textContent = "×";
    remove.dataset.remove = String(i);
    remove.setAttribute("aria-label", t("rf.remove", { n: i + 1 }));
    remove.title = t("rf.remove", { n: i + 1 });
    remove.disabled = layers.length <= 1;
    row.append(remove);
    editor.append(row);
  });
  const add = document.createElement("p");
  add.className = "rf-add";
  for (const kind of ["conv", "pool"]) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-small";
    button.dataset.add = kind;
    button.textContent = t(`rf.add_${kind}`);
    button.disabled = layers.length >= MAX_LAYERS;
    add.append(button);
  }
  editor.append(add);
  const dropped = document.createElement("p");
  dropped.id = "rf-dropped";
  dropped.className = "control-why";
  dropped.setAttribute("role", "status");
  if (parseLayers(requested).length > possibleLayers(v.size, requested).length)
    dropped.textContent = t("why.rf_dropped");
  editor.append(dropped);
  editor.dataset.shown = formatLayers(layers);
  editor.dataset.size = String(v.size);
  // Typing and tabbing through a row keeps its place when the editor is rebuilt.
  if (focused) editor.querySelector(`[data-control="${focused}"]`)?.focus();
}

function wireEditor() {
  editor.addEventListener("change", (e) => {
    if (!e.target.dataset.field) return;
    const layers = editorLayers();
    const row = e.target.closest(".rf-layer");
    const i = [...editor.querySelectorAll(".rf-layer:not(.rf-layer-head)")].indexOf(row);
    // A new type starts from that type's usual settings.
    if (e.target.dataset.field === "type") {
      layers[i] =
        e.target.value === "pool" ? { type: "pool", k: 2, s: 2, p: 0, d: 1 } : { type: "conv", k: 3, s: 1, p: 1, d: 1 };
    }
    commitLayers(layers.filter((l) => Number.isFinite(l.k)));
  });
  editor.addEventListener("click", (e) => {
    const button = e.target.closest("button");
    if (!button) return;
    const layers = editorLayers();
    if (button.dataset.remove !== undefined) layers.splice(Number(button.dataset.remove), 1);
    else if (button.dataset.add === "conv") layers.push({ type: "conv", k: 3, s: 1, p: 1, d: 1 });
    else if (button.dataset.add === "pool") layers.push({ type: "pool", k: 2, s: 2, p: 0, d: 1 });
    else return;
    commitLayers(layers);
  });
}

// ---- the stage ----

function layerName(l) {
  const what = t(`rf.type.${l.type}`);
  return t("rf.layer_name", { what, k: l.kernel_size, s: l.stride, p: l.padding, d: l.dilation });
}

/** The rows and columns a grid must show: the map, and any padding a field reaches into. */
function extentOf(j) {
  const size = j === 0 ? run.base.input_size : run.base.layers[j - 1].output_size;
  let [top, left, bottom, right] = [0, 0, size - 1, size - 1];
  for (const answer of run.answers) {
    for (const b of answer.unit.boxes) {
      if (b.layer !== j - 1) continue;
      top = Math.min(top, b.box.top);
      left = Math.min(left, b.box.left);
      bottom = Math.max(bottom, b.box.bottom);
      right = Math.max(right, b.box.right);
    }
  }
  return { size, top, left, rows: bottom - top + 1, cols: right - left + 1 };
}

function fitWidth(count) {
  const width = els.stage.clientWidth || 600;
  const columns = width < 560 ? 1 : Math.min(count, 3); // a phone shows one map per row, large enough to tap
  return Math.max(140, Math.min(320, width / columns - 40));
}

function build() {
  els.stage.replaceChildren();
  const L = run.base.layers.length;
  const body = stagePart(els.stage, "rf.stage_layers", "rf-layers", "rf.stage_note");
  run.grids = [];
  for (let j = 0; j <= L; j += 1) {
    const e = extentOf(j);
    const caption =
      j === 0
        ? t("rf.input_caption", { n: e.size })
        : t("rf.layer_caption", { n: j, name: layerName(run.base.layers[j - 1]), size: e.size });
    const grid = new Grid({
      rows: e.rows,
      cols: e.cols,
      rowStart: e.top,
      colStart: e.left,
      caption,
      label: caption,
      fitWidth: fitWidth(L + 1),
      fill: () => null,
      pattern: (r, c) => (r < 0 || c < 0 || r >= e.size || c >= e.size ? "pad" : null),
      onHover: (r, c) => hover(j, r, c),
      onClick: j === 0 ? null : (r, c) => choose(j - 1, r, c),
    });
    grid.el.dataset.grid = j === 0 ? "input" : `layer-${j - 1}`;
    grid.size = e.size;
    run.grids.push(grid);
    body.append(grid.el);
  }
  const eff = stagePart(els.stage, "rf.stage_effective", "rf-effective", "rf.effective_note");
  const e0 = extentOf(0);
  run.effGrid = new Grid({
    rows: e0.rows,
    cols: e0.cols,
    rowStart: e0.top,
    colStart: e0.left,
    caption: t("rf.effective_caption"),
    label: t("rf.effective_caption"),
    fitWidth: Math.min(360, (els.stage.clientWidth || 600) - 40),
    fill: () => null,
    pattern: (r, c) => (r < 0 || c < 0 || r >= e0.size || c >= e0.size ? "pad" : null),
    onHover: (r, c) => hover(-1, r, c),
  });
  run.effGrid.el.dataset.grid = "effective";
  eff.append(run.effGrid.el);
  run.effNote = document.createElement("p");
  run.effNote.className = "note";
  eff.append(run.effNote);
}

function hover(j, r, c) {
  if (r === null) {
    hoverInfo.textContent = "";
    return;
  }
  const inside = (size) => r >= 0 && c >= 0 && r < size && c < size;
  if (j === -1) {
    const answer = run.answers[scene.player.step];
    const value = inside(run.base.input_size) ? answer.effective.map[r][c] : null;
    hoverInfo.textContent =
      value === null ? t("rf.hover_pad", { r, c }) : t("rf.hover_effective", { r, c, v: num(value, 3) });
    return;
  }
  const size = run.grids[j].size;
  if (!inside(size)) hoverInfo.textContent = t("rf.hover_pad", { r, c });
  else if (j === 0) hoverInfo.textContent = t("rf.hover_input", { r, c });
  else hoverInfo.textContent = t("rf.hover_unit", { n: j, r, c });
}

function choose(layer, y, x) {
  scene.state.set({ unit: formatUnit({ layer, y, x }), step: layer });
}

function draw(step) {
  if (!run) return;
  const answer = run.answers[step];
  const unit = answer.unit;
  run.grids.forEach((grid, j) => {
    const layer = j - 1;
    const box = unit.boxes.find((b) => b.layer === layer);
    const clipped = box && box.clipped ? cellsOf(box.clipped) : [];
    const inBox = new Set(clipped.map(([r, c]) => `${r},${c}`));
    grid.fill = (r, c) => (inBox.has(`${r},${c}`) ? IN_FIELD : layer > step ? LATER : null);
    const overlays = [];
    if (layer === step) overlays.push({ ...UNIT, cells: [[unit.y, unit.x]] });
    if (box) {
      overlays.push({ ...THEORY, cells: corners(box.box) });
      if (box.clipped) overlays.push({ ...CLIPPED, cells: corners(box.clipped) });
    }
    grid.setOverlays(overlays);
    grid.el.classList.toggle("is-current", layer === step);
    grid.draw();
  });
  shownBox = unit.input_box;
  const map = answer.effective.map;
  const size = run.base.input_size;
  run.effGrid.fill = (r, c) => (r >= 0 && c >= 0 && r < size && c < size ? heat(map[r][c]) : null);
  run.effGrid.setOverlays([
    { ...THEORY, cells: corners(unit.input_box) },
    unit.clipped_box ? { ...CLIPPED, cells: corners(unit.clipped_box) } : null,
  ]);
  run.effGrid.draw();
  const peak = answer.effective.peak;
  run.effNote.textContent = t("rf.effective_peak", {
    side: boxSide(unit.input_box),
    r: peak[0],
    c: peak[1],
  });
  drawTable(step);
  drawRule(step);
}

function narrate(step) {
  if (!run) return "";
  const info = run.base.layers[step];
  const unit = run.answers[step].unit;
  const clip = unit.clipped_box;
  const key =
    clip && boxSide(clip) * (clip.right - clip.left + 1) < boxSide(unit.input_box) ** 2
      ? "rf.narrate_clipped"
      : "rf.narrate";
  return t(key, {
    n: step + 1,
    y: unit.y,
    x: unit.x,
    r: info.receptive_field,
    j: info.jump,
    start: num(info.start),
    h: clip ? clip.bottom - clip.top + 1 : 0,
    w: clip ? clip.right - clip.left + 1 : 0,
  });
}

// ---- the table and the rule ----

function drawTable(step) {
  const table = document.createElement("table");
  table.className = "products rf-table";
  const caption = document.createElement("caption");
  caption.textContent = t("rf.table_caption");
  table.append(caption);
  const head = document.createElement("tr");
  for (const key of [
    "rf.col.n",
    "rf.col.layer",
    "rf.col.output",
    "rf.col.previous",
    "rf.col.field",
    "rf.col.jump",
    "rf.col.start",
  ]) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = t(key);
    head.append(th);
  }
  table.append(head);
  const input = document.createElement("tr");
  for (const text of ["0", t("rf.input_row"), `${run.base.input_size}×${run.base.input_size}`, "–", "1", "1", "0"]) {
    const td = document.createElement("td");
    td.textContent = text;
    input.append(td);
  }
  table.append(input);
  run.base.layers.forEach((l, i) => {
    const tr = document.createElement("tr");
    tr.dataset.layer = String(i);
    tr.classList.toggle("is-current", i === step);
    const cells = [
      String(i + 1),
      layerName(l),
      `${l.derivation.replace(/\*/g, "·").replace("->", "→")}`,
      `${l.field_on_previous}×${l.field_on_previous}`,
      `${l.receptive_field}×${l.receptive_field}`,
      String(l.jump),
      num(l.start),
    ];
    for (const text of cells) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.append(td);
    }
    table.append(tr);
  });
  const wrap = document.createElement("div");
  wrap.className = "rf-table-wrap";
  wrap.append(table);
  const note = document.createElement("p");
  note.className = "note";
  note.textContent = t("rf.table_note");
  els.detail.replaceChildren(wrap, note);
}

function drawRule(step) {
  const lines = [];
  const add = (text, className = "") => {
    const p = document.createElement("p");
    if (className) p.className = className;
    p.textContent = text;
    lines.push(p);
  };
  add(t("rf.rule"), "rf-rule");
  const layers = run.base.layers.slice(0, step + 1);
  const k = layers[0].kernel_size;
  const plain = layers.every((l) => l.type === "conv" && l.stride === 1 && l.dilation === 1 && l.kernel_size === k);
  const r = layers[layers.length - 1].receptive_field;
  if (plain) add(t("rf.rule_yours", { L: layers.length, K: k, r }));
  else add(t("rf.rule_general", { n: step + 1, r }));
  const C = scene.values.c;
  const three = run.compare.three.layers.map((l) => l.receptive_field).join(" → ");
  const seven = run.compare.seven.layers[0].receptive_field;
  add(t("rf.compare_three", { fields: three, C, w: (27 * C * C).toLocaleString("en-US") }));
  add(t("rf.compare_seven", { r: seven, C, w: (49 * C * C).toLocaleString("en-US") }));
  add(t("rf.compare_note"), "note");
  els.formula.replaceChildren(...lines);
  els.formulaNote.textContent = "";
}

// ---- loading ----

let comparison = null;
function loadComparison(signal) {
  if (!comparison) {
    const conv = (k, p) => ({ type: "conv", kernel_size: k, stride: 1, padding: p, dilation: 1 });
    comparison = Promise.all([
      postJson(API, { input_size: 32, layers: [conv(3, 1), conv(3, 1), conv(3, 1)] }, { signal }),
      postJson(API, { input_size: 32, layers: [conv(7, 3)] }, { signal }),
    ]).then(([three, seven]) => ({ three, seven }));
    comparison.catch(() => (comparison = null));
  }
  return comparison;
}

const scene = new Scene({
  table: TABLE,
  constrain,
  title: t("scene.receptive-field.title"),
  layout(v) {
    if (!editor || editor.dataset.shown !== v.layers || editor.dataset.size !== String(v.size)) buildEditor(v);
  },
  async load(v, signal, sc) {
    const [base, compare] = await Promise.all([postJson(API, requestBody(v), { signal }), loadComparison(signal)]);
    const chosen = parseUnit(v.unit);
    const units = base.layers.map((l, i) =>
      chosen && chosen.layer === i
        ? chosen
        : { layer: i, y: Math.floor((l.output_size - 1) / 2), x: Math.floor((l.output_size - 1) / 2) },
    );
    const answers = await Promise.all(units.map((u) => postJson(API, requestBody(v, u), { signal })));
    if (signal.aborted) return;
    if (lastUnit !== undefined && v.unit !== lastUnit && chosen) sc.startStep = chosen.layer;
    lastUnit = v.unit;
    run = { v, base, answers, compare };
    build();
    sc.expect(base.layers.length);
    sc.arrived(base.layers.length);
  },
  draw,
  narrate,
});
buildEditor(scene.values);
wireEditor();
scene.state.writeUrl(); // a hand-written stack that does not fit opens rewritten to one that does
scene.start();
onResizeSettled(() => {
  if (!run) return;
  build();
  scene.redraw();
});
window.convscope = { scene, shownBox: () => shownBox, grids: () => (run ? run.grids : []) };
