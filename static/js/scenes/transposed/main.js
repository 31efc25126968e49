// /transposed: a transposed convolution stepped one input value at a time, from
// POST /api/conv-transpose2d/frames. Each input value is scattered, times the kernel, into the
// output; taps that land in the cropped border (padding) are marked. Then the same numbers are
// shown as the input gradient of a convolution, fetched from POST /api/conv2d/backward and
// compared cell by cell. Every value drawn comes from the server; the page only places it.
import { legend } from "../../draw/colour.js";
import { paragraphs } from "../../draw/dom.js";
import { allCells, inputEdge, MARK } from "../../draw/style.js";
import { t } from "../../i18n.js";
import { addTo, headerTensors, key, Timeline, unbatch } from "../../kit/frames.js";
import { SteppedScene } from "../../kit/stepped.js";
import { postJson } from "../../kit/stream.js";
import { drawBackward } from "./compare.js";
import { backwardBody, constrain, fullSize, requestBody, TABLE } from "./settings.js";
import { buildStage } from "./stage.js";
import { drawDetail, drawFormula, narrate as narrateFrame } from "./text.js";

function begin(v, header) {
  const out = header.shapes.output;
  const [oH, oW] = [out.at(-2), out.at(-1)];
  // The plane drawn: the uncropped result (rows -P ...) and the output_padding rows past it.
  const end = fullSize(v) - v.op - 1 - v.p;
  return {
    ...headerTensors(header),
    cout: out.at(-3),
    oH,
    oW,
    rMin: -v.p,
    rMax: Math.max(oH - 1, end),
    cMin: -v.p,
    cMax: Math.max(oW - 1, end),
    sums: new Timeline(), // "o,r,c" -> the output's running total there, step by step
    touched: new Set(),
    scatterAt: new Map(),
    biasAt: new Map(),
    feeds: new Map(), // "o,r,c" -> the scatter frames that add to it
    outMax: 1e-9,
    preBias: null,
    backward: null,
    grids: null,
    result: null,
  };
}

function ingest(run, f, i) {
  if (f.stage === "scatter") {
    run.scatterAt.set(key(f.in_channel, f.y, f.x), i);
    for (const ch of f.channels) {
      f.rows.forEach((r, a) => {
        f.cols.forEach((c, b) => {
          if (f.cropped[a][b]) return;
          const k = key(ch.out_channel, r, c);
          run.sums.set(k, i, ch.after[a][b]);
          run.touched.add(k);
          addTo(run.feeds, k, i);
          run.outMax = Math.max(run.outMax, Math.abs(ch.after[a][b]));
        });
      });
    }
  } else if (f.stage === "bias") {
    run.biasAt.set(f.out_channel, i);
    f.after.forEach((line, r) => {
      line.forEach((value, c) => {
        run.sums.set(key(f.out_channel, r, c), i, value);
        run.outMax = Math.max(run.outMax, Math.abs(value));
      });
    });
  }
}

function hoverText(run, h) {
  if (h.kind === "x") return t("tr.hover_x", { c: h.c, r: h.r, col: h.col });
  const n = (run.feeds.get(key(h.o, h.r, h.c)) || []).length;
  const inside = h.r >= 0 && h.r < run.oH && h.c >= 0 && h.c < run.oW;
  return inside ? t("tr.hover_out", { o: h.o, r: h.r, col: h.c, n }) : t("tr.hover_cropped", { r: h.r, col: h.c });
}

const cellsOf = (f, wantCropped) =>
  f.rows.flatMap((r, a) => f.cols.flatMap((c, b) => (f.cropped[a][b] === wantCropped ? [[r, c]] : [])));

function drawOutputs(run, f, hover, step) {
  const outs = new Set(f.stage === "scatter" ? f.channels.map((ch) => ch.out_channel) : [f.out_channel]);
  const hoverFrame = hover?.kind === "x" ? run.frames[run.scatterAt.get(key(hover.c, hover.r, hover.col))] : null;
  const whole = [
    [0, 0],
    [run.oH - 1, run.oW - 1],
  ];
  run.grids.oGrids.forEach((g, o) => {
    const list = [];
    if (run.v.p) list.push(inputEdge(run.oH, run.oW));
    if (f.stage === "scatter" && outs.has(o)) {
      list.push({ cells: cellsOf(f, false), ...MARK.tap }, { cells: cellsOf(f, true), ...MARK.cropped });
    }
    if (f.stage === "bias" && f.out_channel === o) list.push({ cells: whole, ...MARK.frame });
    if (hoverFrame?.channels.some((ch) => ch.out_channel === o))
      list.push({ cells: cellsOf(hoverFrame, false), ...MARK.hover });
    if (hover?.kind === "out" && hover.o === o) list.push({ cells: [[hover.r, hover.c]], ...MARK.pointer });
    g.setOverlays(list);
    g.draw();
    if (f.stage === "scatter" && outs.has(o) && run.lastStep !== step) g.reveal(f.rows[0], f.cols[0]);
  });
}

function draw(run, step) {
  const f = run.frames[step];
  const hover = scene.hover;
  // Hovering an output cell: the input values that feed it (from the frames that touched it).
  const feeders =
    hover?.kind === "out" ? (run.feeds.get(key(hover.o, hover.r, hover.c)) || []).map((i) => run.frames[i]) : [];
  run.grids.xGrids.forEach((g, c) => {
    const list = [];
    if (f.stage === "scatter" && f.in_channel === c) list.push({ cells: [[f.y, f.x]], ...MARK.current });
    const fed = feeders.filter((fr) => fr.in_channel === c).map((fr) => [fr.y, fr.x]);
    if (fed.length) list.push({ cells: fed, ...MARK.hover });
    if (hover?.kind === "x" && hover.c === c) list.push({ cells: [[hover.r, hover.col]], ...MARK.pointer });
    g.setOverlays(list);
    g.draw();
  });
  run.grids.kGrids.forEach((line, c) => {
    for (const g of line) {
      g.setOverlays(f.stage === "scatter" && f.in_channel === c ? [{ cells: allCells(run.v.k), ...MARK.frame }] : []);
      g.draw();
    }
  });
  drawOutputs(run, f, hover, step);
  run.lastStep = step;
  legend(run.outLegend, run.outMax, "legend.output");
  drawDetail(scene.els.detail, f);
}

function notes(v) {
  const lines = [];
  if (v.groups > 1) lines.push(t("tr.note_groups", { g: v.groups, per: v.cout / v.groups, cin: v.cin / v.groups }));
  if (v.stride > 1) lines.push(t("tr.note_stride", { s: v.stride }));
  scene.els.limits.replaceChildren(...paragraphs(lines));
}

/** With the header in: the formula with the server's size, and the matching convolution's backward. */
function headed(run, signal) {
  drawFormula(scene.els.formula, scene.els.formulaNote, run.v, run.header);
  const { body, extra } = backwardBody(run.v, run.header);
  run.backwardAnswer = postJson("/api/conv2d/backward", body, { signal }).then((result) => {
    run.backward = result;
    run.backwardExtra = extra;
  });
  // If the stream fails or is superseded first, this promise is never awaited: mark its
  // rejection as handled here (the await in finish still sees it).
  run.backwardAnswer.catch(() => {});
}

async function finish(run, result, signal) {
  run.result = result;
  // The output before bias: the bias frames' `before` planes, or the result itself.
  run.preBias = run.bias
    ? Array.from({ length: run.cout }, (_, o) => run.frames[run.biasAt.get(o)].before)
    : unbatch(result.output);
  await run.backwardAnswer;
  if (signal.aborted) return;
  drawBackward(scene, run);
  scene.redraw();
}

const scene = new SteppedScene({
  table: TABLE,
  constrain,
  title: t("scene.transposed.title"),
  prepare: (v) => {
    notes(v);
    drawFormula(scene.els.formula, scene.els.formulaNote, v, null);
    drawBackward(scene, null);
  },
  request: (v) => ({ url: "/api/conv-transpose2d/frames", body: requestBody(v) }),
  begin,
  headed,
  ingest,
  finish,
  build: (run) => {
    buildStage(scene, run);
    drawBackward(scene, run);
  },
  draw,
  narrate: (run, step) => narrateFrame(run.frames[step]),
  hoverText,
});
scene.start();
