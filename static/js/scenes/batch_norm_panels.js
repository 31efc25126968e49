// /batch-norm's panels under the player: the running statistics over the training steps (table,
// chart and the update written out), and the same batch through training and evaluation. The
// numbers come from /api/batch-norm/steps and /api/batch-norm; the page only lays them out.

import { diverging, inkFor, maxAbs } from "../colour.js";
import { Grid } from "../grid.js";
import { num, t } from "../i18n.js";
import { chainFormula } from "./batch_norm_text.js";

const els = {
  table: document.getElementById("bn-running-table"),
  charts: document.getElementById("bn-running-charts"),
  formula: document.getElementById("bn-running-formula"),
  formulaCaption: document.getElementById("bn-running-formula-caption"),
  compare: document.getElementById("bn-compare-body"),
  verdict: document.getElementById("bn-compare-verdict"),
  reason: document.getElementById("bn-compare-reason"),
};

const BLUE = "#1f5fa8";
const ORANGE = "#bf5400";

/** The row of the table (and point of the charts) the shown batch uses: its step in training, the last in eval. */
const usedRow = (run) => (run.v.mode === "train" ? run.v.at : run.chain.steps);

function cell(tag, text, extra = "") {
  const el = document.createElement(tag);
  el.textContent = text;
  if (extra) el.className = extra;
  return el;
}

function runningTable(run, D) {
  const { chain, v } = run;
  const table = document.createElement("table");
  table.className = "products rf-table bn-running";
  table.append(cell("caption", t("bn.run_caption", { steps: chain.steps, mom: num(v.mom, 2) })));
  const head = document.createElement("tr");
  head.append(cell("th", t("bn.run_step")), cell("th", t("bn.run_seed")));
  for (let c = 0; c < v.c; c += 1) {
    for (const key of ["bn.run_mean", "bn.run_unbiased", "bn.run_rmean", "bn.run_rvar"])
      head.append(cell("th", t(key, { c })));
  }
  table.append(head);
  const start = document.createElement("tr");
  start.dataset.step = "0";
  start.append(cell("td", t("bn.run_start")), cell("td", "—"));
  for (let c = 0; c < v.c; c += 1) {
    start.append(
      cell("td", "—"),
      cell("td", "—"),
      cell("td", num(chain.start.running_mean[c], D)),
      cell("td", num(chain.start.running_var[c], D)),
    );
  }
  table.append(start);
  for (let i = 0; i < chain.steps; i += 1) {
    const tr = document.createElement("tr");
    tr.dataset.step = String(i + 1);
    if (i + 1 === usedRow(run)) tr.classList.add("is-current");
    tr.append(cell("td", String(i + 1)), cell("td", String(v.seed + i)));
    for (let c = 0; c < v.c; c += 1) {
      tr.append(
        cell("td", num(chain.mean[i][c], D)),
        cell("td", num(chain.unbiased_variance[i][c], D)),
        cell("td", num(chain.running_mean[i][c], D), "bn-rmean"),
        cell("td", num(chain.running_var[i][c], D), "bn-rvar"),
      );
    }
    table.append(tr);
  }
  const wrap = document.createElement("div");
  wrap.className = "rf-table-wrap";
  wrap.append(table);
  return wrap;
}

/** One channel's chart: the running mean and variance as lines, each batch's statistic as dots. */
function chart(run, c, width) {
  const { chain } = run;
  const w = Math.round(Math.min(360, width));
  const h = 150;
  const canvas = document.createElement("canvas");
  const ratio = window.devicePixelRatio || 1;
  canvas.width = w * ratio;
  canvas.height = h * ratio;
  canvas.style.width = `${w}px`;
  canvas.style.height = `${h}px`;
  canvas.dataset.chart = String(c);
  canvas.setAttribute("role", "img");
  const lastMean = chain.running_mean[chain.steps - 1][c];
  const lastVar = chain.running_var[chain.steps - 1][c];
  canvas.setAttribute(
    "aria-label",
    t("bn.chart_aria", { c, steps: chain.steps, rm: num(lastMean, 3), rv: num(lastVar, 3) }),
  );
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  const series = {
    rmean: [chain.start.running_mean[c], ...chain.running_mean.map((r) => r[c])],
    rvar: [chain.start.running_var[c], ...chain.running_var.map((r) => r[c])],
    mean: chain.mean.map((r) => r[c]),
    uvar: chain.unbiased_variance.map((r) => r[c]),
  };
  const all = Object.values(series).flat();
  let lo = Math.min(0, ...all);
  let hi = Math.max(...all);
  if (hi - lo < 1e-9) hi = lo + 1;
  const left = 34;
  const top = 8;
  const plotW = w - left - 8;
  const plotH = h - top - 22;
  const X = (i) => left + (plotW * i) / Math.max(1, chain.steps);
  const Y = (value) => top + plotH - ((value - lo) / (hi - lo)) * plotH;
  ctx.font = "10px system-ui, sans-serif";
  ctx.fillStyle = "#5b6578";
  ctx.strokeStyle = "rgba(29,36,48,0.25)";
  ctx.lineWidth = 1;
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const value of [lo, (lo + hi) / 2, hi]) {
    ctx.beginPath();
    ctx.moveTo(left, Y(value) + 0.5);
    ctx.lineTo(left + plotW, Y(value) + 0.5);
    ctx.stroke();
    ctx.fillText(num(value, 1), left - 4, Y(value));
  }
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (let i = 0; i <= chain.steps; i += 1) {
    if (chain.steps <= 10 || i % 5 === 0) ctx.fillText(String(i), X(i), top + plotH + 6);
  }
  const used = usedRow(run);
  ctx.fillStyle = "rgba(123,44,191,0.12)";
  ctx.fillRect(X(used) - 5, top, 10, plotH);
  const line = (values, colour) => {
    ctx.strokeStyle = colour;
    ctx.lineWidth = 2;
    ctx.beginPath();
    values.forEach((value, i) => (i ? ctx.lineTo(X(i), Y(value)) : ctx.moveTo(X(i), Y(value))));
    ctx.stroke();
  };
  const dots = (values, colour) => {
    ctx.fillStyle = colour;
    values.forEach((value, i) => {
      ctx.beginPath();
      ctx.arc(X(i + 1), Y(value), 3, 0, 2 * Math.PI);
      ctx.fill();
    });
  };
  line(series.rmean, BLUE);
  dots(series.mean, BLUE);
  line(series.rvar, ORANGE);
  dots(series.uvar, ORANGE);
  const figure = document.createElement("figure");
  figure.className = "bn-chart";
  figure.append(cell("figcaption", t("bn.chart_caption", { c })), canvas);
  return figure;
}

export function drawRunning(run, D) {
  els.table.replaceChildren(runningTable(run, D));
  els.charts.replaceChildren();
  const width = Math.max(260, els.charts.clientWidth || 700);
  const each = width < 700 ? width - 8 : Math.min(360, width / Math.min(run.v.c, 2) - 16);
  for (let c = 0; c < run.v.c; c += 1) els.charts.append(chart(run, c, each));
  const key = document.createElement("p");
  key.className = "note bn-chart-key";
  key.textContent = t("bn.chart_key");
  els.charts.append(key);
}

/** The update of the shown (or, in evaluation, the last) training step, for channel c. */
export function drawRunningFormula(run, c) {
  const i = usedRow(run) - 1;
  els.formulaCaption.textContent = t("bn.run_formula_caption", { step: i + 1, c, seed: run.v.seed + i });
  els.formula.replaceChildren(chainFormula(run.chain, i, c, run.v.mom));
}

/** Channel c of the shown batch through training (batch statistics) and evaluation (running ones). */
export function drawCompare(run, c, D) {
  drawRunningFormula(run, c);
  const { v, chain } = run;
  const training = v.mode === "train" ? run.output : run.other;
  const evaluation = v.mode === "train" ? run.other : run.output;
  const i = v.at - 1;
  const last = chain.steps - 1;
  els.reason.textContent = t("bn.cmp_reason", {
    c,
    at: v.at,
    bm: num(chain.mean[i][c], D),
    bv: num(chain.variance[i][c], D),
    rm: num(chain.running_mean[last][c], D),
    rv: num(chain.running_var[last][c], D),
    steps: chain.steps,
  });
  const a = training.output.map((sample) => sample[c]);
  const b = evaluation.output.map((sample) => sample[c]);
  let differ = 0;
  let total = 0;
  a.forEach((plane, n) =>
    plane.forEach((line, y) =>
      line.forEach((value, x) => {
        total += 1;
        if (value !== b[n][y][x]) differ += 1;
      }),
    ),
  );
  els.verdict.textContent = t(differ ? "bn.cmp_differ" : "bn.cmp_same", { d: differ, m: total, c });
  els.verdict.dataset.differ = String(differ);
  const scale = diverging(Math.max(maxAbs(a), maxAbs(b)));
  const width = Math.max(260, els.compare.clientWidth || 700);
  const fit = Math.min(200, width < 700 ? (width - 30) / 2 : (width / 2 - 60) / Math.min(v.n, 4));
  els.compare.replaceChildren();
  for (const [key, planes, name] of [
    ["bn.cmp_train", a, "train"],
    ["bn.cmp_eval", b, "eval"],
  ]) {
    const part = document.createElement("div");
    part.className = "bn-compare-part";
    part.append(cell("h3", t(key, { c })));
    const box = document.createElement("div");
    box.className = "planes";
    planes.forEach((plane, n) => {
      const g = new Grid({
        rows: v.h,
        cols: v.w,
        caption: t("bn.sample", { n }),
        label: `${t(key, { c })} ${t("bn.sample", { n })}`,
        fitWidth: fit,
        fill: (y, x) => scale(plane[y][x]),
        text: (y, x) => num(plane[y][x], 2),
        ink: (y, x, fill) => inkFor(fill),
      });
      g.el.dataset.grid = `${name}-${n}`;
      g.draw();
      box.append(g.el);
    });
    part.append(box);
    els.compare.append(part);
  }
}
