// /batch-norm's panels under the player: the running statistics over the training steps (table,
// chart and the update written out), and the same batch through training and evaluation. The
// numbers come from /api/batch-norm/steps and /api/batch-norm; the page only lays them out.
import { crisp, write } from "../../draw/canvas.js";
import { diverging, maxAbs } from "../../draw/colour.js";
import { el } from "../../draw/dom.js";
import { Grid } from "../../draw/grid.js";
import { COLOUR } from "../../draw/style.js";
import { num, t } from "../../i18n.js";
import { chainFormula, D } from "./text.js";

const els = {
  table: document.getElementById("bn-running-table"),
  charts: document.getElementById("bn-running-charts"),
  formula: document.getElementById("bn-running-formula"),
  formulaCaption: document.getElementById("bn-running-formula-caption"),
  compare: document.getElementById("bn-compare-body"),
  verdict: document.getElementById("bn-compare-verdict"),
  reason: document.getElementById("bn-compare-reason"),
};

/** The row of the table (and point of the charts) the shown batch uses: its step in training, the last in eval. */
const usedRow = (run) => (run.v.mode === "train" ? run.v.at : run.chain.steps);

const cells = (tag, texts, className = "") => texts.map((text) => el(tag, className, text));

function runningTable(run) {
  const { chain, v } = run;
  const table = el("table", "products rf-table bn-running");
  table.append(el("caption", "", t("bn.run_caption", { steps: chain.steps, mom: num(v.mom, 2) })));
  const head = el("tr");
  head.append(...cells("th", [t("bn.run_step"), t("bn.run_seed")]));
  for (let c = 0; c < v.c; c += 1) {
    head.append(
      ...cells(
        "th",
        ["bn.run_mean", "bn.run_unbiased", "bn.run_rmean", "bn.run_rvar"].map((k) => t(k, { c })),
      ),
    );
  }
  const start = el("tr");
  start.dataset.step = "0";
  start.append(...cells("td", [t("bn.run_start"), "—"]));
  for (let c = 0; c < v.c; c += 1) {
    const running = [num(chain.start.running_mean[c], D), num(chain.start.running_var[c], D)];
    start.append(...cells("td", ["—", "—", ...running]));
  }
  table.append(head, start);
  for (let i = 0; i < chain.steps; i += 1) {
    const tr = el("tr");
    tr.dataset.step = String(i + 1);
    if (i + 1 === usedRow(run)) tr.classList.add("is-current");
    tr.append(...cells("td", [String(i + 1), String(v.seed + i)]));
    for (let c = 0; c < v.c; c += 1) {
      tr.append(...cells("td", [num(chain.mean[i][c], D), num(chain.unbiased_variance[i][c], D)]));
      tr.append(
        el("td", "bn-rmean", num(chain.running_mean[i][c], D)),
        el("td", "bn-rvar", num(chain.running_var[i][c], D)),
      );
    }
    table.append(tr);
  }
  const wrap = el("div", "rf-table-wrap");
  wrap.append(table);
  return wrap;
}

/** Channel c's series: the running mean and variance from the start, each batch's statistics. */
function seriesOf(chain, c) {
  return {
    rmean: [chain.start.running_mean[c], ...chain.running_mean.map((r) => r[c])],
    rvar: [chain.start.running_var[c], ...chain.running_var.map((r) => r[c])],
    mean: chain.mean.map((r) => r[c]),
    uvar: chain.unbiased_variance.map((r) => r[c]),
  };
}

/** Rules and their values, step numbers, and the band of the step the shown batch uses. */
function drawAxes(ctx, plot, steps, used) {
  const { left, top, width, height, X, Y, lo, hi } = plot;
  ctx.strokeStyle = COLOUR.chartRule;
  ctx.lineWidth = 1;
  for (const value of [lo, (lo + hi) / 2, hi]) {
    ctx.beginPath();
    ctx.moveTo(left, Y(value) + 0.5);
    ctx.lineTo(left + width, Y(value) + 0.5);
    ctx.stroke();
    write(ctx, num(value, 1), left - 4, Y(value), { size: 10, colour: COLOUR.muted, align: "right" });
  }
  for (let i = 0; i <= steps; i += 1) {
    if (steps <= 10 || i % 5 === 0) {
      write(ctx, String(i), X(i), top + height + 6, { size: 10, colour: COLOUR.muted, baseline: "top" });
    }
  }
  ctx.fillStyle = COLOUR.band;
  ctx.fillRect(X(used) - 5, top, 10, height);
}

/** A series as a line from step 0, or as dots at steps 1, 2, ... */
function drawSeries(ctx, { X, Y }, values, colour, asDots) {
  ctx.strokeStyle = colour;
  ctx.fillStyle = colour;
  ctx.lineWidth = 2;
  ctx.beginPath();
  values.forEach((value, i) => {
    if (asDots) {
      ctx.beginPath();
      ctx.arc(X(i + 1), Y(value), 3, 0, 2 * Math.PI);
      ctx.fill();
    } else if (i) ctx.lineTo(X(i), Y(value));
    else ctx.moveTo(X(i), Y(value));
  });
  if (!asDots) ctx.stroke();
}

/** One channel's chart: the running mean and variance as lines, each batch's statistic as dots. */
function chart(run, c, width) {
  const { chain } = run;
  const [w, h] = [Math.round(Math.min(360, width)), 150];
  const canvas = document.createElement("canvas");
  const { ctx } = crisp(canvas, w, h);
  canvas.dataset.chart = String(c);
  canvas.setAttribute("role", "img");
  const [rm, rv] = [chain.running_mean[chain.steps - 1][c], chain.running_var[chain.steps - 1][c]];
  const label = t("bn.chart_aria", { c, steps: chain.steps, rm: num(rm, 3), rv: num(rv, 3) });
  canvas.setAttribute("aria-label", label);
  const series = seriesOf(chain, c);
  const all = Object.values(series).flat();
  const lo = Math.min(0, ...all);
  let hi = Math.max(...all);
  if (hi - lo < 1e-9) hi = lo + 1;
  const [left, top] = [34, 8];
  const [plotW, plotH] = [w - left - 8, h - top - 22];
  const X = (i) => left + (plotW * i) / Math.max(1, chain.steps);
  const Y = (value) => top + plotH - ((value - lo) / (hi - lo)) * plotH;
  const plot = { left, top, width: plotW, height: plotH, X, Y, lo, hi };
  drawAxes(ctx, plot, chain.steps, usedRow(run));
  drawSeries(ctx, plot, series.rmean, COLOUR.blue, false);
  drawSeries(ctx, plot, series.mean, COLOUR.blue, true);
  drawSeries(ctx, plot, series.rvar, COLOUR.orange, false);
  drawSeries(ctx, plot, series.uvar, COLOUR.orange, true);
  const figure = el("figure", "bn-chart");
  figure.append(el("figcaption", "", t("bn.chart_caption", { c })), canvas);
  return figure;
}

export function drawRunning(run) {
  els.table.replaceChildren(runningTable(run));
  els.charts.replaceChildren();
  const width = Math.max(260, els.charts.clientWidth || 700);
  const each = width < 700 ? width - 8 : Math.min(360, width / Math.min(run.v.c, 2) - 16);
  for (let c = 0; c < run.v.c; c += 1) els.charts.append(chart(run, c, each));
  els.charts.append(el("p", "note bn-chart-key", t("bn.chart_key")));
}

/** The update of the shown (or, in evaluation, the last) training step, for channel c. */
function drawRunningFormula(run, c) {
  const i = usedRow(run) - 1;
  els.formulaCaption.textContent = t("bn.run_formula_caption", { step: i + 1, c, seed: run.v.seed + i });
  els.formula.replaceChildren(chainFormula(run.chain, i, c, run.v.mom));
}

/** One part of the comparison: channel c of every sample as it comes out of one mode. */
function comparePart(key, planes, name, c, { v, fit, scale }) {
  const part = el("div", "bn-compare-part");
  part.append(el("h3", "", t(key, { c })));
  const box = el("div", "planes");
  planes.forEach((plane, n) => {
    const g = new Grid({
      rows: v.h,
      cols: v.w,
      caption: t("bn.sample", { n }),
      label: `${t(key, { c })} ${t("bn.sample", { n })}`,
      fitWidth: fit,
      name: `${name}-${n}`,
      parent: box,
      value: (y, x) => plane[y][x],
      colour: scale,
    });
    g.draw();
  });
  part.append(box);
  return part;
}

/** Channel c of the shown batch through training (batch statistics) and evaluation (running ones). */
export function drawCompare(run, c) {
  drawRunningFormula(run, c);
  const { v, chain } = run;
  const training = v.mode === "train" ? run.output : run.other;
  const evaluation = v.mode === "train" ? run.other : run.output;
  const [i, last] = [v.at - 1, chain.steps - 1];
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
  const values = [a.flat(2), b.flat(2)];
  const differ = values[0].filter((value, k) => value !== values[1][k]).length;
  els.verdict.textContent = t(differ ? "bn.cmp_differ" : "bn.cmp_same", { d: differ, m: values[0].length, c });
  els.verdict.dataset.differ = String(differ);
  const scale = diverging(Math.max(maxAbs(a), maxAbs(b)));
  const width = Math.max(260, els.compare.clientWidth || 700);
  const fit = Math.min(200, width < 700 ? (width - 30) / 2 : (width / 2 - 60) / Math.min(v.n, 4));
  els.compare.replaceChildren(
    comparePart("bn.cmp_train", a, "train", c, { v, fit, scale }),
    comparePart("bn.cmp_eval", b, "eval", c, { v, fit, scale }),
  );
}
