// /batch-norm: a mini-batch of feature maps normalised channel by channel. The player walks each
// channel's statistics (sum and count, mean, squared deviations, biased variance, the running
// update) and then every value (x_hat, then gamma x_hat + beta); below, the running statistics
// over several training steps and the same batch in training against evaluation. Every number
// comes from the frames of /api/batch-norm/frames or from /api/batch-norm(/steps).

import { diverging, inkFor, legend, maxAbs } from "../colour.js";
import { Grid } from "../grid.js";
import { num, t } from "../i18n.js";
import { Scene } from "../scene.js";
import { onResizeSettled, paragraphs, stagePart } from "../stage.js";
import { postJson, streamFrames } from "../stream.js";
import { drawCompare, drawRunning } from "./batch_norm_panels.js";
import { constrain, frameBody, stepPlan, stepsBody, TABLE } from "./batch_norm_settings.js";
import { cellFormula, D, narrateCell, narrateStats, statsFormula } from "./batch_norm_text.js";

let run = null;
const els = {
  stage: document.getElementById("stage"),
  detail: document.getElementById("detail-body"),
  formula: document.getElementById("formula"),
  formulaNote: document.getElementById("formula-note"),
  formulaTitle: document.getElementById("formula-title"),
  limits: document.getElementById("limits"),
  legend: document.getElementById("legend"),
};

const CHANNEL = { stroke: "#111827", width: 3, outline: true };
const DIM = { fill: "rgba(255,255,255,0.62)", stroke: null, width: 0 };
const CURRENT = { stroke: "#7b2cbf", width: 4 };

function newRun(v, chain, header) {
  const input = header.inputs.input; // (N, C, H, W)
  return {
    v,
    chain,
    header,
    input,
    plan: stepPlan(v),
    frames: [],
    output: null, // this mode's result
    other: null, // the other mode's result on the same batch
    grids: null,
    lastChannel: null,
  };
}

/** The output value at (n, c, y, x) once its frame has been reached by `step`, else null. */
function shownOutput(step, n, c, y, x) {
  const plan = run.plan;
  const target = plan.stepOf(n, c, y, x);
  if (target > step) return null;
  const frame = plan.at(target).frame;
  return frame < run.frames.length ? run.frames[frame].output : null;
}

// ---- the stage: N rows of C grids, the input and the output ----

function batchPart(parent, key, width, makeGrid) {
  const body = stagePart(parent, key, "bn-part");
  body.classList.add("bn-batch");
  const grids = [];
  for (let n = 0; n < run.v.n; n += 1) {
    const line = document.createElement("div");
    line.className = "bn-sample";
    const label = document.createElement("span");
    label.className = "bn-sample-label";
    label.textContent = t("bn.sample", { n });
    line.append(label);
    const row = [];
    for (let c = 0; c < run.v.c; c += 1) {
      const g = makeGrid(n, c, width);
      g.el.dataset.grid = `${key.split(".").pop()}-${n}-${c}`;
      line.append(g.el);
      row.push(g);
    }
    body.append(line);
    grids.push(row);
  }
  return grids;
}

function buildStage() {
  const v = run.v;
  const width = Math.max(280, els.stage.clientWidth || 800);
  els.stage.replaceChildren();
  const wide = width >= 760;
  const partWidth = wide ? width / 2 - 24 : width - 8;
  // Room for the sample label, the part's padding and the gaps: all C grids of a sample in one row.
  const perGrid = Math.max(40, (partWidth - 110) / v.c - 14);
  const inScale = diverging(maxAbs(run.input));
  const input = batchPart(
    els.stage,
    "bn.input",
    perGrid,
    (n, c, fit) =>
      new Grid({
        rows: v.h,
        cols: v.w,
        caption: t("bn.channel", { c }),
        label: t("bn.input_aria", { n, c, h: v.h, w: v.w }),
        fitWidth: fit,
        fill: (y, x) => inScale(run.input[n][c][y][x]),
        text: (y, x) => num(run.input[n][c][y][x], 2),
        ink: (y, x, fill) => inkFor(fill),
        onClick: (y, x) => jumpTo(n, c, y, x),
      }),
  );
  const output = batchPart(
    els.stage,
    "bn.output",
    perGrid,
    (n, c, fit) =>
      new Grid({
        rows: v.h,
        cols: v.w,
        caption: t("bn.channel", { c }),
        label: t("bn.output_aria", { n, c, h: v.h, w: v.w }),
        fitWidth: fit,
        fill: (y, x) => {
          const value = shownOutput(scene.player.step, n, c, y, x);
          return value === null ? null : diverging(run.outMax)(value);
        },
        text: (y, x) => num(shownOutput(scene.player.step, n, c, y, x), 2),
        ink: (y, x, fill) => inkFor(fill),
        onClick: (y, x) => jumpTo(n, c, y, x),
      }),
  );
  run.grids = { input, output };
  els.legend.replaceChildren();
  const holder = (value, key) => {
    const div = document.createElement("div");
    legend(div, value, key);
    els.legend.append(div);
  };
  holder(maxAbs(run.input), "legend.input");
  holder(run.outMax, "legend.output");
}

function jumpTo(n, c, y, x) {
  scene.player.pause();
  scene.player.go(run.plan.stepOf(n, c, y, x));
}

// ---- one step ----

function draw(step) {
  if (!run || !run.grids) return;
  const where = run.plan.at(step);
  const f = run.frames[where.frame];
  const stats = run.frames[where.channel * (1 + run.plan.cells)];
  const cell = f.stage === "normalise" ? [f.n, f.y, f.x] : null;
  for (const kind of ["input", "output"]) {
    run.grids[kind].forEach((line, n) =>
      line.forEach((g, c) => {
        const all = [];
        for (let y = 0; y < run.v.h; y += 1) for (let x = 0; x < run.v.w; x += 1) all.push([y, x]);
        g.setOverlays([
          c !== where.channel ? { cells: all, ...DIM } : null,
          c === where.channel ? { cells: all, ...CHANNEL } : null,
          cell && c === where.channel && n === cell[0] ? { cells: [[cell[1], cell[2]]], ...CURRENT } : null,
        ]);
        g.draw();
      }),
    );
  }
  els.formulaTitle.textContent = t(where.phase ? `bn.title_${where.phase}` : "bn.title_cell", { c: where.channel });
  els.formula.replaceChildren(where.phase ? statsFormula(f, where.phase) : cellFormula(f));
  els.formulaNote.textContent = t(where.phase ? `bn.note_${where.phase}` : "bn.note_cell", {
    m: stats.count ?? "",
    c: where.channel,
  });
  drawDetail(stats, where);
  if (run.lastChannel !== where.channel && run.other) {
    drawCompare(run, where.channel, D);
  }
  run.lastChannel = where.channel;
}

/** Squared deviations while the variance is formed; otherwise the channel's numbers in a table. */
function drawDetail(stats, where) {
  els.detail.replaceChildren();
  if (where.phase === "squares" || where.phase === "variance") {
    const wrap = document.createElement("div");
    wrap.className = "planes";
    const squares = stats.squared_deviations;
    const scale = diverging(maxAbs(squares));
    squares.forEach((plane, n) => {
      const g = new Grid({
        rows: run.v.h,
        cols: run.v.w,
        caption: t("bn.squares_caption", { n, c: where.channel }),
        label: t("bn.squares_caption", { n, c: where.channel }),
        fitWidth: Math.min(240, 40 * run.v.w + 18),
        fill: (y, x) => scale(plane[y][x]),
        text: (y, x) => num(plane[y][x], 2),
        ink: (y, x, fill) => inkFor(fill),
      });
      g.el.dataset.grid = `squares-${n}`;
      g.draw();
      wrap.append(g.el);
    });
    els.detail.append(wrap);
    return;
  }
  const table = document.createElement("table");
  table.className = "products bn-stats";
  const caption = document.createElement("caption");
  caption.textContent = t(stats.training ? "bn.detail_train" : "bn.detail_eval", { c: where.channel });
  table.append(caption);
  const first = run.frames[where.channel * (1 + run.plan.cells) + 1];
  const rows = [
    ["μ", stats.mean],
    ["σ²", stats.variance],
    ["√(σ² + ε)", stats.std],
    ["γ", first ? (first.gamma ?? 1) : null],
    ["β", first ? (first.beta ?? 0) : null],
  ];
  if (stats.training) {
    rows.push([t("bn.f_running_mean"), `${num(stats.running_mean_before, D)} → ${num(stats.running_mean_after, D)}`]);
    rows.push([t("bn.f_running_var"), `${num(stats.running_var_before, D)} → ${num(stats.running_var_after, D)}`]);
  }
  for (const [name, value] of rows) {
    const tr = document.createElement("tr");
    const th = document.createElement("th");
    th.textContent = name;
    const td = document.createElement("td");
    td.textContent = typeof value === "number" ? num(value, D) : (value ?? "");
    tr.append(th, td);
    table.append(tr);
  }
  els.detail.append(table);
}

function narrate(step) {
  const where = run.plan.at(step);
  const f = run.frames[where.frame];
  return where.phase ? narrateStats(f, where.phase, run.v) : narrateCell(f);
}

// ---- notes above the player ----

function drawNotes(v) {
  const notes = [
    t(v.mode === "train" ? "bn.note_mode_train" : "bn.note_mode_eval", {
      at: v.at,
      steps: v.steps,
      seed: v.seed + v.at - 1,
    }),
  ];
  notes.push(t("bn.note_axes", { n: v.n, h: v.h, w: v.w, m: v.n * v.h * v.w }));
  els.limits.replaceChildren(...paragraphs(notes));
}

// ---- wiring ----

async function load(v, signal, sc) {
  run = null;
  drawNotes(v);
  const chain = await postJson("/api/batch-norm/steps", stepsBody(v), { signal });
  if (signal.aborted) return;
  const { result } = await streamFrames("/api/batch-norm/frames", frameBody(v, chain), {
    signal,
    onHeader: (header) => {
      if (signal.aborted) return;
      run = newRun(v, chain, header);
      run.outMax = 1e-9;
      sc.expect(run.plan.count);
    },
    onFrames: (frames) => {
      if (signal.aborted || !run) return;
      if (!run.grids) {
        // The output colour scale needs the largest |y|: the frames carry it once they are all in,
        // but the stage is drawn at once with the largest |y| seen so far and rescaled at the end.
        buildStage();
      }
      run.frames = frames;
      for (const f of frames) if (f.stage === "normalise") run.outMax = Math.max(run.outMax, Math.abs(f.output));
      sc.arrived(run.plan.available(frames.length));
    },
  });
  if (signal.aborted || !run) return;
  if (run.frames.length !== run.header.frame_count) throw new Error(t("bn.incomplete"));
  run.output = result;
  buildStage();
  drawRunning(run, D);
  const other = await postJson("/api/batch-norm", frameBody(v, chain, v.mode !== "train"), { signal });
  if (signal.aborted) return;
  run.other = other;
  run.lastChannel = null;
  scene.redraw();
}

const scene = new Scene({ table: TABLE, constrain, load, draw, narrate, title: t("scene.batch-norm.title") });

onResizeSettled(() => {
  if (run && run.grids) {
    buildStage();
    drawRunning(run, D);
    run.lastChannel = null;
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
