// /receptive-field: a stack of conv and pool layers, a grid per layer (input first), a unit's field
// outlined through every earlier layer, the effective field as a heat map beside the theoretical
// square, the per-layer table and the 1 + L(K - 1) rule. Every field, jump, start, box and heat
// value comes from POST /api/receptive-field; the page only lays them out.
import { diverging } from "../../draw/colour.js";
import { el, stagePart } from "../../draw/dom.js";
import { Grid } from "../../draw/grid.js";
import { allCells, COLOUR, FIELD } from "../../draw/style.js";
import { num, t } from "../../i18n.js";
import { SteppedScene } from "../../kit/stepped.js";
import { postJson } from "../../kit/stream.js";
import { layerEditor } from "./editor.js";
import { constrain, formatLayers, formatUnit, parseUnit, requestBody, TABLE } from "./settings.js";
import { drawRule, drawTable, layerName } from "./text.js";

const API = "/api/receptive-field";
const { unit: UNIT, theory: THEORY, clipped: CLIPPED } = FIELD;
const heat = diverging(1);

let lastUnit;
let shownBox = null; // the theoretical box drawn on the input now (the browser tests read it)

const boxSide = (b) => b.bottom - b.top + 1;
const corners = (b) => [
  [b.top, b.left],
  [b.bottom, b.right],
];
const cellsOf = (b) => allCells(b.bottom - b.top + 1, b.right - b.left + 1, b.top, b.left);
const inside = (size, r, c) => r >= 0 && c >= 0 && r < size && c < size;

// The stack the learner last asked for (the URL's, or the editor's): when the input is too small
// for all of it, the layers that do not fit are dropped and the editor says so.
let requested =
  new URLSearchParams(window.location.search).get("layers") ?? TABLE.find((r) => r.name === "layers").default;

// ---- the stage ----

/** The rows and columns grid j must show: the map, and any padding a field reaches into. */
function extentOf(run, j) {
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
  const width = scene.els.stage.clientWidth || 600;
  const columns = width < 560 ? 1 : Math.min(count, 3); // a phone shows one map per row, large enough to tap
  return Math.max(140, Math.min(320, width / columns - 40));
}

/** A grid over extent `e` (padding it reaches hatched). */
const extentGrid = (e, more) =>
  new Grid({
    rows: e.rows,
    cols: e.cols,
    rowStart: e.top,
    colStart: e.left,
    fill: () => null,
    pattern: (r, c) => (inside(e.size, r, c) ? null : "pad"),
    ...more,
  });

function build(run) {
  const stage = scene.els.stage;
  stage.replaceChildren();
  const L = run.base.layers.length;
  const body = stagePart(stage, "rf.stage_layers", "rf-layers", "rf.stage_note");
  run.grids = [];
  for (let j = 0; j <= L; j += 1) {
    const e = extentOf(run, j);
    const name = j === 0 ? null : layerName(run.base.layers[j - 1]);
    const caption =
      j === 0 ? t("rf.input_caption", { n: e.size }) : t("rf.layer_caption", { n: j, name, size: e.size });
    const grid = extentGrid(e, {
      caption,
      label: caption,
      fitWidth: fitWidth(L + 1),
      name: j === 0 ? "input" : `layer-${j - 1}`,
      parent: body,
      onHover: (r, c) => hover(run, j, r, c),
      onClick:
        j === 0 ? null : (r, c) => scene.state.set({ unit: formatUnit({ layer: j - 1, y: r, x: c }), step: j - 1 }),
    });
    grid.size = e.size;
    run.grids.push(grid);
  }
  const eff = stagePart(stage, "rf.stage_effective", "rf-effective", "rf.effective_note");
  run.effGrid = extentGrid(extentOf(run, 0), {
    caption: t("rf.effective_caption"),
    label: t("rf.effective_caption"),
    fitWidth: Math.min(360, (stage.clientWidth || 600) - 40),
    name: "effective",
    parent: eff,
    onHover: (r, c) => hover(run, -1, r, c),
  });
  run.effNote = el("p", "note");
  eff.append(run.effNote);
}

function hover(run, j, r, c) {
  const info = scene.hoverInfo;
  if (r === null) info.textContent = "";
  else if (j === -1) {
    const answer = run.answers[scene.player.step];
    const value = inside(run.base.input_size, r, c) ? answer.effective.map[r][c] : null;
    info.textContent =
      value === null ? t("rf.hover_pad", { r, c }) : t("rf.hover_effective", { r, c, v: num(value, 3) });
  } else if (!inside(run.grids[j].size, r, c)) info.textContent = t("rf.hover_pad", { r, c });
  else if (j === 0) info.textContent = t("rf.hover_input", { r, c });
  else info.textContent = t("rf.hover_unit", { n: j, r, c });
}

function draw(run, step) {
  const answer = run.answers[step];
  const unit = answer.unit;
  run.grids.forEach((grid, j) => {
    const layer = j - 1;
    const box = unit.boxes.find((b) => b.layer === layer);
    const inBox = new Set((box?.clipped ? cellsOf(box.clipped) : []).map(([r, c]) => `${r},${c}`));
    grid.fill = (r, c) => (inBox.has(`${r},${c}`) ? COLOUR.field : layer > step ? COLOUR.later : null);
    const overlays = [];
    if (layer === step) overlays.push({ ...UNIT, cells: [[unit.y, unit.x]] });
    if (box) overlays.push({ ...THEORY, cells: corners(box.box) });
    if (box?.clipped) overlays.push({ ...CLIPPED, cells: corners(box.clipped) });
    grid.setOverlays(overlays);
    grid.el.classList.toggle("is-current", layer === step);
    grid.draw();
  });
  shownBox = unit.input_box;
  const map = answer.effective.map;
  const size = run.base.input_size;
  run.effGrid.fill = (r, c) => (inside(size, r, c) ? heat(map[r][c]) : null);
  run.effGrid.setOverlays([
    { ...THEORY, cells: corners(unit.input_box) },
    unit.clipped_box ? { ...CLIPPED, cells: corners(unit.clipped_box) } : null,
  ]);
  run.effGrid.draw();
  const peak = answer.effective.peak;
  run.effNote.textContent = t("rf.effective_peak", { side: boxSide(unit.input_box), r: peak[0], c: peak[1] });
  drawTable(scene.els.detail, run, step);
  drawRule(scene.els, run, step, scene.values.c);
}

function narrate(run, step) {
  const info = run.base.layers[step];
  const unit = run.answers[step].unit;
  const clip = unit.clipped_box;
  const clipped = clip && boxSide(clip) * (clip.right - clip.left + 1) < boxSide(unit.input_box) ** 2;
  return t(clipped ? "rf.narrate_clipped" : "rf.narrate", {
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

// ---- loading ----

let comparison = null;
function loadComparison(signal) {
  if (!comparison) {
    const conv = (k, p) => ({ type: "conv", kernel_size: k, stride: 1, padding: p, dilation: 1 });
    comparison = Promise.all([
      postJson(API, { input_size: 32, layers: [conv(3, 1), conv(3, 1), conv(3, 1)] }, { signal }),
      postJson(API, { input_size: 32, layers: [conv(7, 3)] }, { signal }),
    ]).then(([three, seven]) => ({ three, seven }));
    comparison.catch(() => {
      comparison = null;
    });
  }
  return comparison;
}

async function load(v, signal) {
  const [base, compare] = await Promise.all([postJson(API, requestBody(v), { signal }), loadComparison(signal)]);
  const chosen = parseUnit(v.unit);
  const centre = (l) => Math.floor((l.output_size - 1) / 2);
  const units = base.layers.map((l, i) => (chosen?.layer === i ? chosen : { layer: i, y: centre(l), x: centre(l) }));
  const answers = await Promise.all(units.map((u) => postJson(API, requestBody(v, u), { signal })));
  if (signal.aborted) return;
  if (lastUnit !== undefined && v.unit !== lastUnit && chosen) scene.startStep = chosen.layer;
  lastUnit = v.unit;
  await scene.install({ v, base, answers, compare }, { count: base.layers.length });
}

let editor = null;
const scene = new SteppedScene({
  table: TABLE,
  constrain,
  title: t("scene.receptive-field.title"),
  layout(v) {
    if (editor.element.dataset.shown !== v.layers || editor.element.dataset.size !== String(v.size)) editor.render(v);
  },
  load,
  build,
  draw,
  narrate,
  hoverLine: true,
  hook: (scene) => ({ scene, shownBox: () => shownBox, grids: () => (scene.run ? scene.run.grids : []) }),
});
editor = layerEditor(document.getElementById("controls"), {
  commit: (layers) => {
    requested = formatLayers(layers);
    scene.state.set({ layers: requested, unit: "" });
  },
  requested: () => requested,
});
editor.render(scene.values);
scene.state.writeUrl(); // a hand-written stack that does not fit opens rewritten to one that does
scene.start();
