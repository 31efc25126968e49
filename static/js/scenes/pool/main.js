// /pool: max and average pooling stepped one output value at a time, forward or backward, and the
// translation demonstration (pool the input and the input shifted by one pixel, compare). Every
// number drawn comes from the frames and results of the pooling endpoints; the page lays them out,
// moves values for the shift (no arithmetic) and replays the running totals the frames carry.
import { legend, maxAbs } from "../../draw/colour.js";
import { MARK, windowCells, windowFrame } from "../../draw/style.js";
import { t } from "../../i18n.js";
import { key, unbatch } from "../../kit/frames.js";
import { SteppedScene } from "../../kit/stepped.js";
import { compare } from "./compare.js";
import { constrain, endpoint, PRESETS, requestBody, strideOf, TABLE } from "./settings.js";
import { buildStage } from "./stage.js";
import { drawDetail, drawFormula, narrate } from "./text.js";

function begin(v, header) {
  const backward = v.dir === "backward";
  const input = unbatch(header.inputs.input);
  const outShape = header.shapes[backward ? "grad_output" : "output"];
  const [oH, oW] = [outShape.at(-2), outShape.at(-1)];
  const [H, W] = [input[0].length, input[0][0].length];
  const s = strideOf(v);
  const d = v.mode === "max" ? v.dil : 1;
  // Layout only: how far the last window reaches (the padding, or a ceil_mode overhang).
  const lastRow = Math.max(H - 1 + v.p, (oH - 1) * s - v.p + d * (v.k - 1));
  const lastCol = Math.max(W - 1 + v.p, (oW - 1) * s - v.p + d * (v.k - 1));
  return {
    backward,
    input,
    gradOut: backward ? unbatch(header.inputs.grad_output) : null,
    C: input.length,
    H,
    W,
    oH,
    oW,
    rowStart: -v.p,
    colStart: -v.p,
    rows: lastRow + v.p + 1,
    cols: lastCol + v.p + 1,
    frameAt: new Map(),
    outMax: 1e-9,
    gradMax: 1e-9,
    grids: null,
  };
}

function ingest(run, f, i) {
  run.frameAt.set(key(f.channel, f.y, f.x), i);
  if (!run.backward) run.outMax = Math.max(run.outMax, Math.abs(f.output));
  else if (f.after !== undefined) {
    run.gradMax = Math.max(run.gradMax, Array.isArray(f.after) ? maxAbs(f.after) : Math.abs(f.after));
  }
}

/** The input-gradient totals after `step`: each frame's `after` overwrites its cells, in order. */
function gradTotals(run, step) {
  const totals = new Map();
  for (let i = 0; i <= step && i < run.frames.length; i += 1) {
    const f = run.frames[i];
    if (run.v.mode === "max") totals.set(key(f.channel, f.switch[0], f.switch[1]), f.after);
    else {
      f.rows.forEach((r, a) => {
        f.cols.forEach((c, b) => {
          if (f.after[a][b] !== null) totals.set(key(f.channel, r, c), f.after[a][b]);
        });
      });
    }
  }
  return totals;
}

/** The window's marks on channel c's padded plane: its frame, what an average leaves out, the switch. */
function windowMarks(run, f, c) {
  if (c !== f.channel) return [];
  const v = run.v;
  const win = windowCells(f);
  const dilated = v.dil > 1 && v.mode === "max";
  const counted = f.counted?.flat();
  const notCounted = counted ? win.filter((_, i) => !counted[i]) : [];
  return [
    v.mode === "avg" ? { cells: notCounted, ...MARK.notCounted } : null,
    dilated ? { cells: win, ...MARK.tap } : null,
    windowFrame(win, dilated),
    f.switch ? { cells: [f.switch], ...MARK.chosen } : null,
  ];
}

function draw(run, step) {
  const f = run.frames[step];
  const moved = run.lastStep !== step;
  run.lastStep = step;
  const { input, output, gradOut, gradIn } = run.grids;
  const current = (c) => [c === f.channel ? { cells: [[f.y, f.x]], ...MARK.current } : null];
  input.forEach((g, c) => {
    g.setOverlays(windowMarks(run, f, c));
    g.draw();
    if (moved && c === f.channel) g.reveal(f.rows[0], f.cols[0]);
  });
  output.forEach((g, c) => {
    g.setOverlays(current(c));
    g.draw();
    if (moved && c === f.channel) g.reveal(f.y, f.x);
  });
  if (run.backward) {
    run.totals = gradTotals(run, step);
    gradOut.forEach((g, c) => {
      g.setOverlays(current(c));
      g.draw();
    });
    gradIn.forEach((g, c) => {
      g.setOverlays(windowMarks(run, f, c));
      g.draw();
      if (moved && c === f.channel) g.reveal(f.rows[0], f.cols[0]);
    });
    legend(run.valueLegend, run.gradMax, "pool.legend_grad_in");
  } else legend(run.valueLegend, run.outMax, "legend.output");
  drawDetail(scene.els.detail, run, f);
}

const scene = new SteppedScene({
  table: TABLE,
  constrain,
  title: t("scene.pool.title"),
  prepare: (v) => drawFormula(scene.els, v, null),
  request: (v) => ({
    url: endpoint(v) + (v.dir === "backward" ? "/backward/frames" : "/frames"),
    body: requestBody(v),
  }),
  begin,
  headed: (run) => drawFormula(scene.els, run.v, run.header),
  ingest,
  incomplete: "pool.incomplete",
  finish: (run, result, signal) => compare(run, result, signal),
  build: (run) => buildStage(scene, run),
  draw,
  narrate,
});

for (const button of document.querySelectorAll("[data-preset]")) {
  button.addEventListener("click", () => scene.state.set({ ...PRESETS[button.dataset.preset] }));
}
scene.start();
