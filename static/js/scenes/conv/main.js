// /conv: a convolution stepped one output value at a time. Every number drawn comes from the
// frames of POST /api/conv2d/frames; the page only lays them out. The maps behind the hovers
// (output -> window, input -> outputs it feeds, weight -> inputs it multiplies) are built once
// from the frames as they arrive, never by redoing the arithmetic.
import { legend } from "../../draw/colour.js";
import { allCells, inputEdge, MARK, windowCells, windowFrame } from "../../draw/style.js";
import { num, t, term } from "../../i18n.js";
import { addTo, headerTensors, key } from "../../kit/frames.js";
import { SteppedScene } from "../../kit/stepped.js";
import { pads } from "../shared/conv_settings.js";
import { constrain, resolveBody, TABLE } from "./settings.js";
import { buildStage } from "./stage.js";
import { drawDetail, drawFormula } from "./text.js";

/** The run's tensors and sizes from the header, and the lookups the frames fill. */
function begin(v, header) {
  const [padBefore, padAfter] = pads(v);
  return {
    ...headerTensors(header),
    cout: header.inputs.weight.length,
    outH: header.shapes.output.at(-2),
    outW: header.shapes.output.at(-1),
    padBefore,
    padAfter,
    frameAt: new Map(), // "o,y,x" -> the frame of that output value
    feeds: new Map(), // "c,r,col" -> the frames whose window reads that input cell
    rowsSeen: new Set(),
    colsSeen: new Set(),
    padValues: new Map(), // "c,r,col" -> what a copying padding mode put there
    outMax: 1e-9,
    grids: null,
  };
}

function ingest(run, f, i) {
  run.frameAt.set(key(f.out_channel, f.y, f.x), i);
  for (const r of f.rows) run.rowsSeen.add(r);
  for (const c of f.cols) run.colsSeen.add(c);
  run.outMax = Math.max(run.outMax, Math.abs(f.output));
  for (const ch of f.channels) {
    f.rows.forEach((r, a) => {
      f.cols.forEach((c, b) => {
        const k = key(ch.in_channel, r, c);
        addTo(run.feeds, k, i);
        if (f.padded[a][b]) run.padValues.set(k, ch.values[a][b]);
      });
    });
  }
}

function hoverText(run, h) {
  if (h.kind === "input") {
    const feeds = run.feeds.get(key(h.c, h.r, h.col)) || [];
    return t("conv.hover_input", { c: h.c, r: h.r, col: h.col, n: feeds.length });
  }
  if (h.kind === "output") return t("conv.hover_output", { o: h.o, y: h.y, x: h.x });
  return t("conv.hover_weight", { o: h.o, c: h.i, r: h.ky, col: h.kx });
}

/** The input cells the hovered weight multiplies, over every step of its output channel. */
function weightTaps(run, hover) {
  if (hover?.kind !== "weight") return new Map();
  const group = Math.floor(hover.o / (run.cout / run.v.groups));
  const cells = [];
  for (const frame of run.frames) {
    if (frame.out_channel === hover.o) cells.push([frame.rows[hover.ky], frame.cols[hover.kx]]);
  }
  return new Map([[group * run.perGroup + hover.i, cells]]);
}

function drawInputs(run, f, hover, moved) {
  const hoverFrame = hover?.kind === "output" ? run.frames[run.frameAt.get(key(hover.o, hover.y, hover.x))] : null;
  const taps = weightTaps(run, hover);
  run.grids.inputGrids.forEach((g, c) => {
    const inWindow = f.channels.some((ch) => ch.in_channel === c);
    const window = windowCells(f);
    g.setOverlays([
      // The edge of the real input, so padding stands apart even when it holds copied values.
      run.padBefore || run.padAfter ? inputEdge(run.H, run.W) : null,
      inWindow ? { cells: window, ...MARK.tap } : null,
      inWindow ? windowFrame(window, run.v.dil > 1) : null,
      // Hover marks go on top: dashed, so the current window still shows between the dashes.
      hoverFrame?.channels.some((ch) => ch.in_channel === c) ? { cells: windowCells(hoverFrame), ...MARK.hover } : null,
      taps.has(c) ? { cells: taps.get(c), ...MARK.hover } : null,
      hover?.kind === "input" && hover.c === c ? { cells: [[hover.r, hover.col]], ...MARK.pointer } : null,
    ]);
    g.draw();
    if (moved && inWindow) g.reveal(f.rows[0], f.cols[0]);
  });
}

function drawKernels(run, f, hover) {
  run.grids.kernelGrids.forEach((slices, o) => {
    slices.forEach((g, i) => {
      g.setOverlays([
        o === f.out_channel ? { cells: allCells(run.v.k), ...MARK.frame } : null,
        hover?.kind === "weight" && hover.o === o && hover.i === i
          ? { cells: [[hover.ky, hover.kx]], ...MARK.pointer }
          : null,
      ]);
      g.draw();
      g.el.classList.toggle("is-current", o === f.out_channel);
    });
  });
}

function drawOutputs(run, f, hover, moved) {
  const feeds = hover?.kind === "input" ? run.feeds.get(key(hover.c, hover.r, hover.col)) || [] : [];
  const fed = feeds.map((i) => run.frames[i]);
  run.grids.outGrids.forEach((g, o) => {
    g.setOverlays([
      o === f.out_channel ? { cells: [[f.y, f.x]], ...MARK.current } : null,
      { cells: fed.filter((fr) => fr.out_channel === o).map((fr) => [fr.y, fr.x]), ...MARK.hover },
      hover?.kind === "output" && hover.o === o ? { cells: [[hover.y, hover.x]], ...MARK.hover } : null,
    ]);
    g.draw();
    if (moved && o === f.out_channel) g.reveal(f.y, f.x);
  });
}

function draw(run, step) {
  const f = run.frames[step];
  const moved = run.lastStep !== step;
  run.lastStep = step;
  drawInputs(run, f, scene.hover, moved);
  drawKernels(run, f, scene.hover);
  drawOutputs(run, f, scene.hover, moved);
  legend(run.outLegend, run.outMax, "legend.output");
  drawDetail(scene.els.detail, f, run.v.k);
}

function narrate(run, step) {
  const f = run.frames[step];
  const products = f.channels.flatMap((ch) =>
    ch.products.flatMap((line, a) => line.map((_, b) => `${term(ch.values[a][b])}×${term(ch.weights[a][b])}`)),
  );
  const sums = () => f.channels.map((ch) => t("conv.narrate_sum", { c: ch.in_channel, s: num(ch.sum, 3) }));
  const terms = products.length <= 12 ? products.join(" + ") : sums().join(" + ");
  const bias = f.bias === null || f.bias === undefined ? "" : t("conv.narrate_bias", { b: term(f.bias, 3) });
  const act =
    f.activation === "none" ? "" : t("conv.narrate_act", { act: t(`act.${f.activation}`), out: num(f.output, 3) });
  return t("conv.narrate", { o: f.out_channel, y: f.y, x: f.x, terms, bias, pre: num(f.pre_activation, 3), act });
}

const resetEdits = () => scene.state.set({ edits: "" });

const scene = new SteppedScene({
  table: TABLE,
  constrain,
  title: t("scene.conv.title"),
  prepare: (v) => drawFormula(scene.els, v, null, resetEdits),
  request: async (v, signal) => ({ url: "/api/conv2d/frames", body: await resolveBody(v, signal) }),
  begin,
  headed: (run) => drawFormula(scene.els, run.v, run.header, resetEdits),
  ingest,
  build: (run) => buildStage(scene, run),
  draw,
  narrate,
  hoverText,
});
scene.start();
