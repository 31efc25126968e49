// /backward: the three gradients of a convolution, stepped from POST /api/conv2d/backward/frames.
// The input gradient is drawn as a "full" convolution: the upstream gradient spread by the stride
// and padded, with the kernel rotated by 180 degrees sliding over it. Values come from the stream
// (header tensors and frames); the page only places them. Hover maps are folded from the frames.
import { legend } from "../../draw/colour.js";
import { paragraphs } from "../../draw/dom.js";
import { allCells, inputEdge, MARK, windowCells, windowFrame } from "../../draw/style.js";
import { num, t } from "../../i18n.js";
import { key, Timeline, unbatch } from "../../kit/frames.js";
import { SteppedScene } from "../../kit/stepped.js";
import { pads } from "../shared/conv_settings.js";
import { constrain, requestBody, TABLE } from "./settings.js";
import { buildStage } from "./stage.js";
import { drawDetail, narrate as narrateFrame } from "./text.js";

function begin(v, header) {
  const input = unbatch(header.inputs.input);
  const weight = header.inputs.weight;
  const grad = unbatch(header.inputs.grad_output);
  const [a, b] = pads(v);
  const [H, W] = [input[0].length, input[0][0].length];
  const zeros = v.pmode === "zeros";
  const span = v.dil * (v.k - 1);
  // The planes the input gradient covers: real cells, or the padded plane for copying modes.
  const [low, highY, highX] = zeros ? [0, H - 1, W - 1] : [-a, H - 1 + b, W - 1 + b];
  const [cout, perGroup] = [weight.length, weight[0].length];
  return {
    input,
    weight,
    grad,
    cin: input.length,
    H,
    W,
    cout,
    perGroup,
    a,
    b,
    oH: grad[0].length,
    oW: grad[0][0].length,
    /** The input channel that slice i of kernel o reads. */
    inC: (o, i) => Math.floor(o / (cout / v.groups)) * perGroup + i,
    yMin: low,
    yMax: highY,
    xMin: low,
    xMax: highX,
    // Spread-and-padded upstream plane: coordinate s holds upstream row s / stride when whole.
    sMin: low + a - span,
    sMax: highY + a,
    tMin: low + a - span,
    tMax: highX + a,
    stageStart: {},
    gi: new Timeline(), // "c,y,x" -> the input gradient there, step by step (folds move values)
    giAt: new Map(),
    gwAt: new Map(),
    gbAt: new Map(),
    giMax: 1e-9,
    gwMax: 1e-9,
    gbMax: 1e-9,
    grids: null,
  };
}

const stageOf = (f) => (f.stage === "grad_input_fold" ? "grad_input" : f.stage);

function ingest(run, f, i) {
  if (run.stageStart[stageOf(f)] === undefined) run.stageStart[stageOf(f)] = i;
  if (f.stage === "grad_input") {
    const k = key(f.in_channel, f.y, f.x);
    run.giAt.set(k, i);
    run.gi.set(k, i, f.grad);
    run.giMax = Math.max(run.giMax, Math.abs(f.grad));
    // The page's placement of the window on the spread plane must agree with the frame.
    const s0 = f.y + run.a - run.v.dil * (run.v.k - 1);
    f.grad_rows.forEach((r, fy) => {
      if (r !== null && r * run.v.stride !== s0 + fy * run.v.dil) console.error("spread plane misplaced", f.index);
    });
  } else if (f.stage === "grad_input_fold") {
    run.gi.set(key(f.in_channel, f.y, f.x), i, null);
    run.gi.set(key(f.in_channel, f.source[0], f.source[1]), i, f.after);
    run.giMax = Math.max(run.giMax, Math.abs(f.after));
  } else if (f.stage === "grad_weight") {
    run.gwAt.set(key(...f.weight_index), i);
    run.gwMax = Math.max(run.gwMax, Math.abs(f.grad));
  } else if (f.stage === "grad_bias") {
    run.gbAt.set(f.out_channel, i);
    run.gbMax = Math.max(run.gbMax, Math.abs(f.grad));
  }
}

function hoverText(_run, h) {
  if (h.kind === "weight") return t("bw.hover_weight", { o: h.o, c: h.inC, r: h.ky, col: h.kx });
  if (h.kind === "gi") return t("bw.hover_gi", { c: h.c, r: h.r, col: h.col });
  return t("bw.hover_x", { c: h.c, r: h.r, col: h.col });
}

/** The upstream cells a grad_input frame's rotated kernel meets. */
const metCells = (f) =>
  f.grad_rows.flatMap((r) => f.grad_cols.flatMap((c) => (r !== null && c !== null ? [[r, c]] : [])));

/** The rotated kernel's window on the spread plane, for a grad_input frame. */
function spreadWindow(run, f) {
  const { dil, k } = run.v;
  const [s0, t0] = [f.y + run.a - dil * (k - 1), f.x + run.a - dil * (k - 1)];
  return allCells(k).map(([fy, fx]) => [s0 + fy * dil, t0 + fx * dil]);
}

function drawTabs(run, f) {
  for (const b of document.getElementById("stage-tabs").querySelectorAll("button")) {
    const current = b.dataset.stage === stageOf(f);
    b.classList.toggle("is-current", current);
    if (current) b.setAttribute("aria-current", "step");
    else b.removeAttribute("aria-current");
    b.disabled = run.stageStart[b.dataset.stage] === undefined;
  }
  document.getElementById("stage-note").textContent = t(`bw.stage_note.${f.stage}`);
}

/** Stage 1 draws over the upstream and spread planes; stages 2 and 3 over a whole upstream channel. */
function drawUpstream(run, f, marks) {
  const { outs, hoverGi, step } = marks;
  const last = run.v.k - 1;
  run.grids.upGrids.forEach((g, o) => {
    let cells = [];
    if (f.stage === "grad_input" && outs.has(o)) cells = metCells(f);
    else if ((f.stage === "grad_weight" || f.stage === "grad_bias") && f.out_channel === o) {
      cells = allCells(Math.max(run.oH, run.oW)); // the weight and bias gradients read it all
    }
    const hovered = hoverGi?.channels.some((ch) => ch.out_channel === o) ? metCells(hoverGi) : [];
    g.setOverlays([
      cells.length ? { cells, ...MARK.tap } : null,
      hovered.length ? { cells: hovered, ...MARK.hover } : null,
    ]);
    g.draw();
  });
  run.grids.spreadGrids.forEach((g, o) => {
    const list = [];
    if (f.stage === "grad_input" && outs.has(o)) {
      const cells = spreadWindow(run, f);
      list.push({ cells, ...MARK.tap }, windowFrame(cells, run.v.dil > 1));
    }
    if (hoverGi?.channels.some((ch) => ch.out_channel === o))
      list.push({ cells: spreadWindow(run, hoverGi), ...MARK.hover });
    g.setOverlays(list);
    g.draw();
    const start = (n) => n + run.a - run.v.dil * last;
    if (f.stage === "grad_input" && outs.has(o) && run.lastStep !== step) g.reveal(start(f.y), start(f.x));
  });
}

/** The weight whose gradient is computed (stage 2), the rotated slice in use (stage 1), the hovered weight. */
function drawKernels(run, f, hover, outs) {
  const last = run.v.k - 1;
  const hovered = (o, i) => hover?.kind === "weight" && hover.o === o && hover.i === i;
  const computing = (o, i) => f.stage === "grad_weight" && f.out_channel === o && f.weight_index[1] === i;
  const forward = (grids) =>
    grids.forEach((slices, o) => {
      slices.forEach((g, i) => {
        g.setOverlays([
          computing(o, i) ? { cells: [[f.ky, f.kx]], ...MARK.current } : null,
          hovered(o, i) ? { cells: [[hover.ky, hover.kx]], ...MARK.pointer } : null,
        ]);
        g.draw();
      });
    });
  forward(run.grids.kGrids);
  forward(run.grids.gwGrids);
  run.grids.rGrids.forEach((slices, o) => {
    slices.forEach((g, i) => {
      const inUse = f.stage === "grad_input" && outs.has(o) && f.in_channel === run.inC(o, i);
      g.setOverlays([
        inUse ? { cells: allCells(run.v.k), ...MARK.frame } : null,
        hovered(o, i) ? { cells: [[last - hover.ky, last - hover.kx]], ...MARK.pointer } : null,
      ]);
      g.draw();
    });
  });
}

/** The cell whose gradient is computed or folded; on x, the cells a weight reads (stage 2). */
function drawInputs(run, f, marks) {
  const { hover, hoverW, step } = marks;
  const current = (c) => {
    if (f.in_channel !== c) return [];
    if (f.stage === "grad_input") return [{ cells: [[f.y, f.x]], ...MARK.current }];
    if (f.stage === "grad_input_fold")
      return [
        { cells: [[f.y, f.x]], ...MARK.tap, dash: [3, 2] },
        { cells: [f.source], ...MARK.current },
      ];
    return [];
  };
  const pointed = (c) =>
    (hover?.kind === "x" || hover?.kind === "gi") && hover.c === c
      ? { cells: [[hover.r, hover.col]], ...MARK.pointer }
      : null;
  run.grids.xGrids.forEach((g, c) => {
    const list = [run.a || run.b ? inputEdge(run.H, run.W) : null, ...current(c)];
    if (f.stage === "grad_weight" && f.in_channel === c) list.push({ cells: windowCells(f), ...MARK.tap });
    if (hoverW && hoverW.in_channel === c) list.push({ cells: windowCells(hoverW), ...MARK.hover });
    g.setOverlays([...list, pointed(c)]);
    g.draw();
  });
  run.grids.giGrids.forEach((g, c) => {
    g.setOverlays([run.v.pmode !== "zeros" ? inputEdge(run.H, run.W) : null, ...current(c), pointed(c)]);
    g.draw();
    if (f.stage.startsWith("grad_input") && f.in_channel === c && run.lastStep !== step) g.reveal(f.y, f.x);
  });
}

function draw(run, step) {
  const f = run.frames[step];
  const hover = scene.hover;
  drawTabs(run, f);
  // The hovered weight's taps (from the weight-gradient frame, which lists the cells it read).
  const hoverW = hover?.kind === "weight" ? run.frames[run.gwAt.get(key(hover.o, hover.i, hover.ky, hover.kx))] : null;
  const hoverGi =
    hover?.kind === "gi" || hover?.kind === "x" ? run.frames[run.giAt.get(key(hover.c, hover.r, hover.col))] : null;
  const outs = new Set(f.stage === "grad_input" ? f.channels.map((ch) => ch.out_channel) : []);
  drawUpstream(run, f, { outs, hoverGi, step });
  drawKernels(run, f, hover, outs);
  drawInputs(run, f, { hover, hoverW, step });
  run.grids.gbChips.forEach((chip, o) => {
    const idx = run.gbAt.get(o);
    const done = idx !== undefined && idx <= step;
    chip.textContent = t("bw.gb_chip", { o, g: done ? num(run.frames[idx].grad, 3) : "?" });
    chip.classList.toggle("is-current", f.stage === "grad_bias" && f.out_channel === o);
  });
  run.lastStep = step;
  legend(run.gradLegend, Math.max(run.giMax, run.gwMax, run.gbMax), "bw.legend.grads");
  drawDetail(scene.els.detail, f);
}

function notes(v) {
  const lines = [];
  const [a, b] = pads(v);
  const span = v.dil * (v.k - 1);
  lines.push(t("bw.note_full", { span, a, full: span - a }));
  if (v.stride > 1) lines.push(t("bw.note_stride", { s: v.stride, gap: v.stride - 1 }));
  if (v.pmode !== "zeros") lines.push(t("bw.note_fold", { mode: t(`pmode.${v.pmode}`) }));
  else if (a || b) lines.push(t("bw.note_zeros"));
  if (v.groups > 1) lines.push(t("conv.note_groups", { g: v.groups, per: v.cin / v.groups }));
  scene.els.limits.replaceChildren(...paragraphs(lines));
}

const scene = new SteppedScene({
  table: TABLE,
  constrain,
  title: t("scene.backward.title"),
  prepare: notes,
  request: (v) => ({ url: "/api/conv2d/backward/frames", body: requestBody(v) }),
  begin,
  ingest,
  build: (run) => buildStage(scene, run),
  draw,
  narrate: (run, step) => narrateFrame(run.frames[step]),
  hoverText,
});
scene.start();
