// /batch-norm: a mini-batch of feature maps normalised channel by channel. The player walks each
// channel's statistics (sum and count, mean, squared deviations, biased variance, the running
// update) and then every value (x_hat, then gamma x_hat + beta); below, the running statistics
// over several training steps and the same batch in training against evaluation. Every number
// comes from the frames of /api/batch-norm/frames or from /api/batch-norm(/steps).
import { diverging, maxAbs } from "../../draw/colour.js";
import { el, legends, paragraphs, stagePart } from "../../draw/dom.js";
import { Grid } from "../../draw/grid.js";
import { allCells, MARK } from "../../draw/style.js";
import { num, t } from "../../i18n.js";
import { SteppedScene } from "../../kit/stepped.js";
import { postJson } from "../../kit/stream.js";
import { drawCompare, drawRunning } from "./panels.js";
import { constrain, frameBody, stepPlan, stepsBody, TABLE } from "./settings.js";
import { cellFormula, D, narrateCell, narrateStats, statsFormula } from "./text.js";

const els = { formulaTitle: document.getElementById("formula-title") };

/** The output value at (n, c, y, x) once its frame has been reached by `step`, else null. */
function shownOutput(run, step, n, c, y, x) {
  const target = run.plan.stepOf(n, c, y, x);
  if (target > step) return null;
  const frame = run.plan.at(target).frame;
  return frame < run.frames.length ? run.frames[frame].output : null;
}

// ---- the stage: N rows of C grids, the input and the output ----

function batchPart(run, key, ariaKey, width, values) {
  const body = stagePart(scene.els.stage, key, "bn-part");
  body.classList.add("bn-batch");
  const { v } = run;
  return Array.from({ length: v.n }, (_, n) => {
    const line = el("div", "bn-sample");
    line.append(el("span", "bn-sample-label", t("bn.sample", { n })));
    const grids = Array.from(
      { length: v.c },
      (_, c) =>
        new Grid({
          rows: v.h,
          cols: v.w,
          caption: t("bn.channel", { c }),
          label: t(ariaKey, { n, c, h: v.h, w: v.w }),
          fitWidth: width,
          name: `${key.split(".").pop()}-${n}-${c}`,
          parent: line,
          ...values(n, c),
          onClick: (y, x) => scene.jump(run.plan.stepOf(n, c, y, x)),
        }),
    );
    body.append(line);
    return grids;
  });
}

function buildStage(run) {
  const v = run.v;
  const width = Math.max(280, scene.els.stage.clientWidth || 800);
  scene.els.stage.replaceChildren();
  const partWidth = width >= 760 ? width / 2 - 24 : width - 8;
  // Room for the sample label, the part's padding and the gaps: all C grids of a sample in one row.
  const perGrid = Math.max(40, (partWidth - 110) / v.c - 14);
  const inScale = diverging(maxAbs(run.input));
  const input = batchPart(run, "bn.input", "bn.input_aria", perGrid, (n, c) => ({
    value: (y, x) => run.input[n][c][y][x],
    colour: inScale,
  }));
  const output = batchPart(run, "bn.output", "bn.output_aria", perGrid, (n, c) => ({
    value: (y, x) => shownOutput(run, scene.player.step, n, c, y, x),
    colour: (value) => diverging(run.outMax)(value),
  }));
  run.grids = { input, output };
  legends(scene.els.legend, [
    [maxAbs(run.input), "legend.input"],
    [run.outMax, "legend.output"],
  ]);
  drawRunning(run);
  run.lastChannel = null;
}

// ---- one step ----

function draw(run, step) {
  const where = run.plan.at(step);
  const f = run.frames[where.frame];
  const stats = run.frames[where.channel * (1 + run.plan.cells)];
  const cell = f.stage === "normalise" ? [f.n, f.y, f.x] : null;
  const all = allCells(run.v.h, run.v.w);
  for (const kind of ["input", "output"]) {
    run.grids[kind].forEach((line, n) => {
      line.forEach((g, c) => {
        const inUse = c === where.channel;
        g.setOverlays([
          inUse ? { cells: all, ...MARK.frame } : { cells: all, ...MARK.dim },
          cell && inUse && n === cell[0] ? { cells: [[cell[1], cell[2]]], ...MARK.chosen } : null,
        ]);
        g.draw();
      });
    });
  }
  const values = { m: stats.count ?? "", c: where.channel };
  els.formulaTitle.textContent = t(where.phase ? `bn.title_${where.phase}` : "bn.title_cell", { c: where.channel });
  scene.els.formula.replaceChildren(where.phase ? statsFormula(f, where.phase) : cellFormula(f));
  scene.els.formulaNote.textContent = t(where.phase ? `bn.note_${where.phase}` : "bn.note_cell", values);
  drawDetail(run, stats, where);
  if (run.lastChannel !== where.channel && run.other) drawCompare(run, where.channel);
  run.lastChannel = where.channel;
}

/** Each sample's squared deviations, as grids. */
function squaresOf(run, stats, where) {
  const wrap = el("div", "planes");
  const scale = diverging(maxAbs(stats.squared_deviations));
  stats.squared_deviations.forEach((plane, n) => {
    const caption = t("bn.squares_caption", { n, c: where.channel });
    const fitWidth = Math.min(240, 40 * run.v.w + 18);
    const grid = { rows: run.v.h, cols: run.v.w, caption, label: caption, fitWidth, name: `squares-${n}` };
    new Grid({ ...grid, parent: wrap, value: (y, x) => plane[y][x], colour: scale }).draw();
  });
  return wrap;
}

/** Squared deviations while the variance is formed; otherwise the channel's numbers in a table. */
function drawDetail(run, stats, where) {
  const detail = scene.els.detail;
  if (where.phase === "squares" || where.phase === "variance") {
    detail.replaceChildren(squaresOf(run, stats, where));
    return;
  }
  const table = el("table", "products bn-stats");
  table.append(el("caption", "", t(stats.training ? "bn.detail_train" : "bn.detail_eval", { c: where.channel })));
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
    const tr = el("tr");
    tr.append(el("th", "", name), el("td", "", typeof value === "number" ? num(value, D) : (value ?? "")));
    table.append(tr);
  }
  detail.replaceChildren(table);
}

function narrate(run, step) {
  const where = run.plan.at(step);
  const f = run.frames[where.frame];
  return where.phase ? narrateStats(f, where.phase, run.v) : narrateCell(f);
}

function drawNotes(v) {
  const mode = v.mode === "train" ? "bn.note_mode_train" : "bn.note_mode_eval";
  const notes = [t(mode, { at: v.at, steps: v.steps, seed: v.seed + v.at - 1 })];
  notes.push(t("bn.note_axes", { n: v.n, h: v.h, w: v.w, m: v.n * v.h * v.w }));
  scene.els.limits.replaceChildren(...paragraphs(notes));
}

/** After the stream: the final colour scale, then the same batch in the other mode to compare. */
async function finish(run, result, signal) {
  run.output = result;
  await scene.restage();
  const other = await postJson("/api/batch-norm", frameBody(run.v, run.chain, run.v.mode !== "train"), { signal });
  if (signal.aborted) return;
  run.other = other;
  run.lastChannel = null;
  scene.redraw();
}

const scene = new SteppedScene({
  table: TABLE,
  constrain,
  title: t("scene.batch-norm.title"),
  prepare: drawNotes,
  request: async (v, signal) => {
    const chain = await postJson("/api/batch-norm/steps", stepsBody(v), { signal });
    return { url: "/api/batch-norm/frames", body: frameBody(v, chain), chain };
  },
  begin: (v, header, { chain }) => ({
    chain,
    input: header.inputs.input, // (N, C, H, W)
    plan: stepPlan(v),
    output: null, // this mode's result
    other: null, // the other mode's result on the same batch
    outMax: 1e-9,
    grids: null,
    lastChannel: null,
  }),
  count: (run) => run.plan.count,
  // The output colour scale needs the largest |y|: the frames carry it once they are all in, so the
  // stage is drawn with the largest |y| seen so far and rescaled at the end.
  ingest: (run, f) => {
    if (f.stage === "normalise") run.outMax = Math.max(run.outMax, Math.abs(f.output));
  },
  available: (run) => run.plan.available(run.frames.length),
  incomplete: "bn.incomplete",
  finish,
  build: buildStage,
  draw,
  narrate,
});
scene.start();
