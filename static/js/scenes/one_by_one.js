// /one-by-one: a 1x1 convolution as channel mixing, stepped pixel by pixel (or one output channel
// at a time), with the per-pixel matrix-vector product written out; below it, the inception and
// bottleneck calculators. The mixing numbers come from POST /api/conv2d/frames (one frame per
// output channel and pixel), the counts from POST /api/inception and /api/bottleneck.

import { diverging, inkFor, legend, maxAbs } from "../colour.js";
import { Grid } from "../grid.js";
import { num, t } from "../i18n.js";
import { Scene } from "../scene.js";
import { onResizeSettled, stagePart } from "../stage.js";
import { postJson, streamFrames } from "../stream.js";
import { Calculators } from "./one_by_one_calc.js";
import { bottleneckBody, constrain, inceptionBody, mixBody, mixKey, TABLE } from "./one_by_one_settings.js";
import { drawDots, drawFormula, narrate as narrateFrames } from "./one_by_one_text.js";

const els = {
  stage: document.getElementById("stage"),
  detail: document.getElementById("detail-body"),
  formula: document.getElementById("formula"),
  formulaNote: document.getElementById("formula-note"),
  legend: document.getElementById("legend"),
};
const CURRENT = { stroke: "#111827", width: 3 };

let run = null; // {key, by, header, frames, frameAt, input, weight, bias, H, W, cin, cout, outMax, grids}

function newRun(v, header, frames) {
  const unbatch = (x) => (Array.isArray(x?.[0]?.[0]?.[0]) ? x[0] : x);
  const input = unbatch(header.inputs.input);
  const weight = header.inputs.weight.map((k) => k.map((slice) => slice[0][0])); // (C_out, C_in)
  const frameAt = new Map(frames.map((f) => [`${f.out_channel},${f.y},${f.x}`, f]));
  const [, H, W] = header.shapes.output.slice(-3);
  return {
    key: mixKey(v),
    header,
    frames,
    frameAt,
    input,
    weight,
    bias: header.inputs.bias || null,
    H,
    W,
    cin: input.length,
    cout: weight.length,
    outMax: maxAbs(frames.map((f) => f.output)),
  };
}

// ---- steps: a pixel (every output channel at once), or one output channel of a pixel ----

const stepCount = (by) => (run ? run.H * run.W * (by === "value" ? run.cout : 1) : 0);

function position(step) {
  const per = run.by === "value" ? run.cout : 1;
  const pixel = Math.floor(step / per);
  return { y: Math.floor(pixel / run.W), x: pixel % run.W, pixel, o: run.by === "value" ? step % per : null };
}

const stepOf = (y, x, o) => (run.by === "value" ? (y * run.W + x) * run.cout + o : y * run.W + x);
const pixelFrames = (y, x) => Array.from({ length: run.cout }, (_, o) => run.frameAt.get(`${o},${y},${x}`));

/** An output value is shown once its step has come. */
function shown(o, y, x, at) {
  const p = y * run.W + x;
  return p < at.pixel || (p === at.pixel && (at.o === null || o <= at.o));
}

// ---- the stage ----

function buildStage() {
  const width = Math.max(280, els.stage.clientWidth || 800);
  const phone = width < 600;
  const inScale = diverging(maxAbs(run.input));
  const wScale = diverging(maxAbs([run.weight, run.bias || []]));
  els.stage.replaceChildren();
  const shape = { h: run.H, w: run.W, cin: run.cin, cout: run.cout };
  const change = run.cout < run.cin ? "reduce" : run.cout > run.cin ? "expand" : "keep";
  const inputs = stagePart(els.stage, "obo.stage_input", "part-input", "obo.input_note", shape);
  const perRow = phone ? Math.min(run.cin, 2) : Math.min(run.cin, 4);
  const planeWidth = Math.max(110, Math.min(230, width / perRow - 24));
  const inputGrids = run.input.map((plane, c) => {
    const g = new Grid({
      rows: run.H,
      cols: run.W,
      caption: t("obo.in_channel", { c }),
      label: t("obo.in_channel", { c }),
      fitWidth: planeWidth,
      fill: (r, col) => inScale(plane[r][col]),
      text: (r, col) => num(plane[r][col]),
      ink: (r, col, fill) => inkFor(fill),
      onClick: (r, col) => goTo(r, col, 0),
    });
    g.el.dataset.grid = `input-${c}`;
    inputs.append(g.el);
    return g;
  });
  const mix = stagePart(els.stage, "obo.stage_mix", "part-kernels", "obo.mix_note", shape);
  const cellFit = (cols) => Math.min(46 * cols + 18, phone ? width - 60 : 360);
  const matrix = new Grid({
    rows: run.cout,
    cols: run.cin,
    caption: t("obo.matrix", shape),
    label: t("obo.matrix", shape),
    fitWidth: cellFit(run.cin),
    maxCell: 40,
    fill: (o, c) => wScale(run.weight[o][c]),
    text: (o, c) => num(run.weight[o][c]),
    ink: (o, c, fill) => inkFor(fill),
  });
  matrix.el.dataset.grid = "matrix";
  const vectorGrid = (key, rows, value, scale, name) => {
    const g = new Grid({
      rows,
      cols: 1,
      caption: t(key),
      label: t(key),
      fitWidth: 58,
      maxCell: 40,
      axes: false,
      fill: () => null,
    });
    g.value = value;
    g.fill = (r) => (g.value(r) === null ? null : scale(g.value(r)));
    g.text = (r) => (g.value(r) === null ? "" : num(g.value(r), 2));
    g.ink = (r, c, fill) => inkFor(fill);
    g.el.dataset.grid = name;
    return g;
  };
  const at = () => position(scene.player.step);
  const xVec = vectorGrid("obo.vector_x", run.cin, (c) => run.input[c][at().y][at().x], inScale, "vector-x");
  const outScale = diverging(run.outMax);
  const relu = run.header.parameters.activation !== "none";
  const zVec = vectorGrid(
    "obo.vector_z",
    run.cout,
    (o) => {
      const p = at();
      return shown(o, p.y, p.x, p) ? run.frameAt.get(`${o},${p.y},${p.x}`).pre_activation : null;
    },
    diverging(maxAbs(run.frames.map((f) => f.pre_activation))),
    "vector-z",
  );
  const yVec = vectorGrid(
    "obo.vector_y",
    run.cout,
    (o) => {
      const p = at();
      return shown(o, p.y, p.x, p) ? run.frameAt.get(`${o},${p.y},${p.x}`).output : null;
    },
    outScale,
    "vector-y",
  );
  const product = document.createElement("div");
  product.className = "obo-product-row";
  const sign = (text) => {
    const s = document.createElement("span");
    s.className = "obo-sign";
    s.textContent = text;
    return s;
  };
  product.append(matrix.el, sign("·"), xVec.el);
  let bVec = null;
  if (run.bias) {
    bVec = vectorGrid("obo.vector_b", run.cout, (o) => run.bias[o], wScale, "vector-b");
    product.append(sign("+"), bVec.el);
  }
  product.append(sign("="), zVec.el);
  if (relu) product.append(sign(`${t("act.relu")} →`), yVec.el);
  mix.append(product);
  const outputs = stagePart(els.stage, "obo.stage_output", "part-output", `obo.output_note_${change}`, shape);
  const outGrids = Array.from({ length: run.cout }, (_, o) => {
    const g = new Grid({
      rows: run.H,
      cols: run.W,
      caption: t("obo.out_channel", { o }),
      label: t("obo.out_channel", { o }),
      fitWidth: planeWidth,
      fill: (y, x) => (shown(o, y, x, at()) ? outScale(run.frameAt.get(`${o},${y},${x}`).output) : null),
      text: (y, x) => (shown(o, y, x, at()) ? num(run.frameAt.get(`${o},${y},${x}`).output) : ""),
      ink: (y, x, fill) => inkFor(fill),
      onClick: (y, x) => goTo(y, x, o),
    });
    g.el.dataset.grid = `output-${o}`;
    outputs.append(g.el);
    return g;
  });
  run.grids = { inputGrids, matrix, xVec, zVec, yVec: relu ? yVec : null, bVec, outGrids };
  els.legend.replaceChildren();
  for (const [value, key] of [
    [maxAbs(run.input), "legend.input"],
    [maxAbs([run.weight, run.bias || []]), "legend.weights"],
    [run.outMax, "legend.output"],
  ]) {
    const holder = document.createElement("div");
    legend(holder, value, key);
    els.legend.append(holder);
  }
}

function goTo(y, x, o) {
  scene.player.pause();
  scene.player.go(stepOf(y, x, o));
}

function draw(step) {
  if (!run || !run.grids) return;
  const p = position(step);
  const { inputGrids, matrix, xVec, zVec, yVec, bVec, outGrids } = run.grids;
  for (const g of inputGrids) {
    g.setOverlays([{ cells: [[p.y, p.x]], ...CURRENT }]);
    g.draw();
  }
  const rows = p.o === null ? [...Array(run.cout).keys()] : [p.o];
  const rowCells = rows.flatMap((o) => [...Array(run.cin).keys()].map((c) => [o, c]));
  matrix.setOverlays([{ cells: rowCells, ...CURRENT, outline: true }]);
  matrix.draw();
  xVec.setOverlays([{ cells: [...Array(run.cin).keys()].map((c) => [c, 0]), ...CURRENT, outline: true }]);
  xVec.draw();
  zVec.setOverlays([{ cells: rows.map((o) => [o, 0]), ...CURRENT, outline: true }]);
  zVec.draw();
  yVec?.setOverlays([{ cells: rows.map((o) => [o, 0]), ...CURRENT, outline: true }]);
  yVec?.draw();
  bVec?.draw();
  outGrids.forEach((g, o) => {
    g.setOverlays([rows.includes(o) ? { cells: [[p.y, p.x]], ...CURRENT } : null]);
    g.draw();
  });
  const frames = pixelFrames(p.y, p.x);
  drawFormula(els.formula, frames, p.o);
  els.formulaNote.textContent = t("obo.formula_note", { y: p.y, x: p.x, cin: run.cin, cout: run.cout });
  drawDots(els.detail, frames, p.o);
}

function narrate(step) {
  if (!run) return "";
  const p = position(step);
  return narrateFrames(pixelFrames(p.y, p.x), p.o);
}

// ---- loading ----

let calculators = null; // built once the scene has made the controls it moves into its boxes

async function load(v, signal, sc) {
  const calc = Promise.all([
    postJson("/api/inception", inceptionBody(v), { signal }),
    postJson("/api/bottleneck", bottleneckBody(v), { signal }),
  ]);
  calc.catch(() => {}); // awaited below; if the stream fails first, its error is the one reported
  // Only the calculators changed: keep the mixing run and the learner's step.
  const same = run && run.key === mixKey(v);
  const keepStep = same && run.by === v.by;
  let next = run;
  if (!same) {
    const { header, frames } = await streamFrames("/api/conv2d/frames", mixBody(v), { signal });
    if (signal.aborted) return;
    next = newRun(v, header, frames);
  }
  const [inception, bottleneck] = await calc;
  if (signal.aborted) return;
  calculators.showInception(inception, v);
  calculators.showBottleneck(bottleneck);
  run = next;
  run.by = v.by;
  if (!same) buildStage();
  if (keepStep) sc.startStep = sc.player.step;
  const count = stepCount(v.by);
  sc.expect(count);
  sc.arrived(count);
}

const scene = new Scene({
  table: TABLE,
  constrain,
  load,
  draw,
  narrate,
  title: t("scene.one-by-one.title"),
});

calculators = new Calculators();

onResizeSettled(() => {
  if (run && run.grids) {
    buildStage();
    scene.redraw();
  }
});

scene.start();
window.convscope = {
  scene,
  get run() {
    return run;
  },
};
