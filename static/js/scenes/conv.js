// /conv: a convolution stepped one output value at a time. Every number drawn comes from the
// frames of POST /api/conv2d/frames; the page only lays them out. The maps behind the hovers
// (output -> window, input -> outputs it feeds, weight -> inputs it multiplies) are built once
// from the frames as they arrive, never by redoing the arithmetic.

import { diverging, inkFor, legend, maxAbs } from "../colour.js";
import { editNumber, withEdit } from "../edit.js";
import { Grid } from "../grid.js";
import { num, t, term } from "../i18n.js";
import { Scene } from "../scene.js";
import { addHoverInfo, onResizeSettled, stagePart } from "../stage.js";
import { streamFrames } from "../stream.js";
import { constrain, pads, resolveBody, TABLE } from "./conv_settings.js";
import { drawDetail, drawFormula } from "./conv_text.js";

// ---- the scene's data, rebuilt for each run ----

let run = null; // {v, header, frames, input, weight, bias, outH, outW, padTop, padLeft, maps...}
let hover = null;
const els = {
  stage: document.getElementById("stage"),
  detail: document.getElementById("detail-body"),
  formula: document.getElementById("formula"),
  formulaNote: document.getElementById("formula-note"),
  limits: document.getElementById("limits"),
  legend: document.getElementById("legend"),
};

const key3 = (a, b, c) => `${a},${b},${c}`;

function newRun(v, header) {
  const unbatch = (x) => (Array.isArray(x?.[0]?.[0]?.[0]) ? x[0] : x);
  const input = unbatch(header.inputs.input);
  const weight = header.inputs.weight;
  const bias = header.inputs.bias || null;
  const outShape = header.shapes.output;
  const [before, after] = pads(v);
  return {
    v,
    header,
    frames: [],
    ingested: 0,
    input,
    weight,
    bias,
    cin: input.length,
    H: input[0].length,
    W: input[0][0].length,
    cout: weight.length,
    perGroup: weight[0].length,
    outH: outShape[outShape.length - 2],
    outW: outShape[outShape.length - 1],
    padBefore: before,
    padAfter: after,
    frameAt: new Map(),
    feeds: new Map(),
    rowsSeen: new Set(),
    colsSeen: new Set(),
    padValues: new Map(),
    outMax: 1e-9,
    grids: null,
  };
}

/** Fold newly arrived frames into the lookup maps (each frame is read once). */
function ingest(frames) {
  for (let i = run.ingested; i < frames.length; i += 1) {
    const f = frames[i];
    run.frameAt.set(key3(f.out_channel, f.y, f.x), i);
    f.rows.forEach((r) => run.rowsSeen.add(r));
    f.cols.forEach((c) => run.colsSeen.add(c));
    run.outMax = Math.max(run.outMax, Math.abs(f.output));
    for (const ch of f.channels) {
      f.rows.forEach((r, a) =>
        f.cols.forEach((c, b) => {
          const k = key3(ch.in_channel, r, c);
          if (!run.feeds.has(k)) run.feeds.set(k, []);
          run.feeds.get(k).push(i);
          if (f.padded[a][b]) run.padValues.set(k, ch.values[a][b]);
        }),
      );
    }
  }
  run.ingested = frames.length;
  run.frames = frames;
}

// ---- drawing ----

function cellsOfWindow(f) {
  const cells = [];
  f.rows.forEach((r) => f.cols.forEach((c) => cells.push([r, c])));
  return cells;
}

function inputValue(c, r, col) {
  if (r >= 0 && r < run.H && col >= 0 && col < run.W) return run.input[c][r][col];
  if (run.v.pmode === "zeros") return 0;
  const k = key3(c, r, col);
  return run.padValues.has(k) ? run.padValues.get(k) : null;
}

function buildStage() {
  const v = run.v;
  const width = Math.max(280, els.stage.clientWidth || 800);
  const inScale = diverging(maxAbs(run.input));
  const wScale = diverging(maxAbs([run.weight, run.bias || []]));
  els.stage.replaceChildren();
  const section = (key, extra = "") => stagePart(els.stage, key, extra);
  const inputsBody = section("conv.input", "part-input");
  const rows = run.H + run.padBefore + run.padAfter;
  const cols = run.W + run.padBefore + run.padAfter;
  const perRow = Math.min(run.cin, width < 600 ? 1 : run.cin);
  const inputGrids = [];
  for (let c = 0; c < run.cin; c += 1) {
    const g = new Grid({
      rows,
      cols,
      rowStart: -run.padBefore,
      colStart: -run.padBefore,
      caption: t("conv.channel", { c }),
      label: t("conv.input_aria", { c, h: run.H, w: run.W }),
      fitWidth: width / perRow - 16,
      fill: (r, col) => {
        const value = inputValue(c, r, col);
        return value === null ? "#eef0f4" : inScale(value);
      },
      text: (r, col) => num(inputValue(c, r, col)),
      ink: (r, col, fill) => inkFor(fill),
      pattern: (r, col) => {
        if (!(run.rowsSeen.has(r) && run.colsSeen.has(col)) && run.ingested === run.header.frame_count)
          return "unvisited";
        return r < 0 || r >= run.H || col < 0 || col >= run.W ? "pad" : null;
      },
      onHover: (r, col) => setHover(r === null ? null : { kind: "input", c, r, col }),
      onClick: (r, col, rect) => {
        if (r < 0 || r >= run.H || col < 0 || col >= run.W) return;
        editNumber(rect, run.input[c][r][col], t("edit.input", { c, r, col }), (value) =>
          scene.state.set({ edits: withEdit(scene.values.edits, "x", [c, r, col], value) }),
        );
      },
    });
    g.setZoom(v.zoom);
    g.el.dataset.grid = `input-${c}`;
    inputsBody.append(g.el);
    inputGrids.push(g);
  }
  const unvisited = run.header.output_size?.height?.unvisited || [];
  if (unvisited.length) {
    const note = document.createElement("p");
    note.className = "grid-note";
    note.textContent = t("conv.unvisited_key", { rows: unvisited.join(", ") });
    inputsBody.after(note);
  }
  const kernelsBody = section("conv.kernels", "part-kernels");
  const kernelGrids = [];
  for (let o = 0; o < run.cout; o += 1) {
    const line = document.createElement("div");
    line.className = "kernel-line";
    line.dataset.kernel = String(o);
    const name = document.createElement("span");
    name.className = "kernel-name";
    name.textContent = t("conv.kernel", { o });
    line.append(name);
    const group = Math.floor(o / (run.cout / v.groups));
    const row_ = [];
    for (let i = 0; i < run.perGroup; i += 1) {
      const inC = group * run.perGroup + i;
      const g = new Grid({
        rows: v.k,
        cols: v.k,
        caption: t("conv.slice", { c: inC }),
        label: t("conv.kernel_aria", { o, c: inC }),
        fitWidth: Math.min(44 * v.k + 18, width / 3),
        maxCell: 40,
        axes: false,
        fill: (r, c) => wScale(run.weight[o][i][r][c]),
        text: (r, c) => num(run.weight[o][i][r][c]),
        ink: (r, c, fill) => inkFor(fill),
        onHover: (r, c) => setHover(r === null ? null : { kind: "weight", o, i, ky: r, kx: c }),
        onClick: (r, c, rect) =>
          editNumber(rect, run.weight[o][i][r][c], t("edit.weight", { o, c: inC, r, col: c }), (value) =>
            scene.state.set({ edits: withEdit(scene.values.edits, "w", [o, i, r, c], value) }),
          ),
      });
      g.el.dataset.grid = `kernel-${o}-${i}`;
      line.append(g.el);
      row_.push(g);
    }
    const b = document.createElement("button");
    b.type = "button";
    b.className = "bias-chip";
    b.dataset.bias = String(o);
    if (run.bias) {
      b.textContent = t("conv.bias_value", { b: num(run.bias[o]) });
      b.title = t("edit.bias_hint");
      b.addEventListener("click", () => {
        const box = b.getBoundingClientRect();
        editNumber({ left: box.left, top: box.top, size: box.height }, run.bias[o], t("edit.bias", { o }), (value) =>
          scene.state.set({ edits: withEdit(scene.values.edits, "b", [o], value) }),
        );
      });
    } else {
      b.textContent = t("conv.no_bias");
      b.disabled = true;
    }
    line.append(b);
    kernelsBody.append(line);
    kernelGrids.push(row_);
  }
  const outputsBody = section("conv.output", "part-output");
  const outGrids = [];
  for (let o = 0; o < run.cout; o += 1) {
    const g = new Grid({
      rows: run.outH,
      cols: run.outW,
      caption: t("conv.out_channel", { o }),
      label: t("conv.output_aria", { o, h: run.outH, w: run.outW }),
      // Output cells as large as input cells, so a window and its output look alike.
      fitWidth: Math.min(width - 24, inputGrids[0].baseCell * run.outW + 18),
      fill: (y, x) => {
        const i = run.frameAt.get(key3(o, y, x));
        return i === undefined || i > scene.player.step ? null : diverging(run.outMax)(run.frames[i].output);
      },
      text: (y, x) => {
        const i = run.frameAt.get(key3(o, y, x));
        return i === undefined || i > scene.player.step ? "" : num(run.frames[i].output);
      },
      ink: (y, x, fill) => inkFor(fill),
      onHover: (y, x) => setHover(y === null ? null : { kind: "output", o, y, x }),
      onClick: (y, x) => {
        const i = run.frameAt.get(key3(o, y, x));
        if (i !== undefined) {
          scene.player.pause();
          scene.player.go(i);
        }
      },
    });
    g.setZoom(v.zoom);
    g.el.dataset.grid = `output-${o}`;
    outputsBody.append(g.el);
    outGrids.push(g);
  }
  run.grids = { inputGrids, kernelGrids, outGrids };
  els.legend.replaceChildren();
  for (const [value, key] of [
    [maxAbs(run.input), "legend.input"],
    [maxAbs([run.weight, run.bias || []]), "legend.weights"],
  ]) {
    const holder = document.createElement("div");
    legend(holder, value, key);
    els.legend.append(holder);
  }
  run.outLegend = document.createElement("div");
  els.legend.append(run.outLegend);
}

const WINDOW = { stroke: "#111827", width: 2 };
// Hover marks are purple dashes: distinct from the blue-orange value scale for every reader.
const HOVER = { stroke: "#7b2cbf", width: 3, dash: [5, 3] };

function setHover(next) {
  if (!run || !run.grids) return;
  hover = next;
  scene.redraw();
  const info = document.getElementById("hover-info");
  if (info) info.textContent = next ? hoverText(next) : "";
}

function hoverText(h) {
  if (h.kind === "input") {
    const feeds = run.feeds.get(key3(h.c, h.r, h.col)) || [];
    return t("conv.hover_input", { c: h.c, r: h.r, col: h.col, n: feeds.length });
  }
  if (h.kind === "output") return t("conv.hover_output", { o: h.o, y: h.y, x: h.x });
  return t("conv.hover_weight", { o: h.o, c: h.i, r: h.ky, col: h.kx });
}

function draw(step) {
  if (!run || !run.grids) return;
  const f = run.frames[step];
  const moved = run.lastStep !== step;
  run.lastStep = step;
  const { inputGrids, kernelGrids, outGrids } = run.grids;
  const hoverFrame = hover?.kind === "output" ? run.frames[run.frameAt.get(key3(hover.o, hover.y, hover.x))] : null;
  const weightCells = new Map(); // in_channel -> cells read by the hovered weight
  if (hover?.kind === "weight") {
    const group = Math.floor(hover.o / (run.cout / run.v.groups));
    const inC = group * run.perGroup + hover.i;
    const cells = [];
    for (const frame of run.frames) {
      if (frame.out_channel === hover.o) cells.push([frame.rows[hover.ky], frame.cols[hover.kx]]);
    }
    weightCells.set(inC, cells);
  }
  inputGrids.forEach((g, c) => {
    const inWindow = f.channels.some((ch) => ch.in_channel === c);
    g.setOverlays([
      // The edge of the real input, so padding stands apart even when it holds copied values.
      run.padBefore || run.padAfter
        ? {
            cells: [
              [0, 0],
              [run.H - 1, run.W - 1],
            ],
            stroke: "#1f3b63",
            width: 2,
            outline: true,
            dash: [2, 2],
          }
        : null,
      inWindow ? { cells: cellsOfWindow(f), ...WINDOW } : null,
      inWindow
        ? { cells: cellsOfWindow(f), stroke: "#111827", width: 3, outline: true, dash: run.v.dil > 1 ? [4, 3] : null }
        : null,
      // Hover marks go on top: dashed, so the current window still shows between the dashes.
      hoverFrame && hoverFrame.channels.some((ch) => ch.in_channel === c)
        ? { cells: cellsOfWindow(hoverFrame), ...HOVER }
        : null,
      weightCells.has(c) ? { cells: weightCells.get(c), ...HOVER } : null,
      hover?.kind === "input" && hover.c === c ? { cells: [[hover.r, hover.col]], ...HOVER, dash: null } : null,
    ]);
    g.draw();
    if (moved && inWindow) g.reveal(f.rows[0], f.cols[0]);
  });
  kernelGrids.forEach((row_, o) =>
    row_.forEach((g, i) => {
      const all = [];
      for (let r = 0; r < run.v.k; r += 1) for (let c = 0; c < run.v.k; c += 1) all.push([r, c]);
      g.setOverlays([
        o === f.out_channel ? { cells: all, stroke: "#111827", width: 3, outline: true } : null,
        hover?.kind === "weight" && hover.o === o && hover.i === i
          ? { cells: [[hover.ky, hover.kx]], ...HOVER, dash: null }
          : null,
      ]);
      g.draw();
      g.el.classList.toggle("is-current", o === f.out_channel);
    }),
  );
  const feeds = hover?.kind === "input" ? run.feeds.get(key3(hover.c, hover.r, hover.col)) || [] : [];
  outGrids.forEach((g, o) => {
    g.setOverlays([
      o === f.out_channel ? { cells: [[f.y, f.x]], stroke: "#111827", width: 3 } : null,
      {
        cells: feeds
          .map((i) => run.frames[i])
          .filter((fr) => fr.out_channel === o)
          .map((fr) => [fr.y, fr.x]),
        ...HOVER,
      },
      hover?.kind === "output" && hover.o === o ? { cells: [[hover.y, hover.x]], ...HOVER } : null,
    ]);
    g.draw();
    if (moved && o === f.out_channel) g.reveal(f.y, f.x);
  });
  legend(run.outLegend, run.outMax, "legend.output");
  drawDetail(els.detail, f, run.v.k);
}

function narrate(step) {
  const f = run.frames[step];
  const products = [];
  for (const ch of f.channels)
    ch.products.forEach((line, a) =>
      line.forEach((p, b) => products.push(`${term(ch.values[a][b])}×${term(ch.weights[a][b])}`)),
    );
  let terms;
  if (products.length <= 12) terms = products.join(" + ");
  else terms = f.channels.map((ch) => t("conv.narrate_sum", { c: ch.in_channel, s: num(ch.sum, 3) })).join(" + ");
  const bias = f.bias === null || f.bias === undefined ? "" : t("conv.narrate_bias", { b: term(f.bias, 3) });
  const act =
    f.activation === "none" ? "" : t("conv.narrate_act", { act: t(`act.${f.activation}`), out: num(f.output, 3) });
  return t("conv.narrate", { o: f.out_channel, y: f.y, x: f.x, terms, bias, pre: num(f.pre_activation, 3), act });
}

// ---- wiring ----

const resetEdits = () => scene.state.set({ edits: "" });

async function load(v, signal, sc) {
  run = null;
  hover = null;
  drawFormula(els, v, null, resetEdits);
  const body = await resolveBody(v, signal);
  await streamFrames("/api/conv2d/frames", body, {
    signal,
    onHeader: (header) => {
      if (signal.aborted) return;
      run = newRun(v, header);
      drawFormula(els, v, header, resetEdits);
      buildStage();
      sc.expect(header.frame_count);
    },
    onFrames: (frames) => {
      if (signal.aborted || !run) return;
      ingest(frames);
      sc.arrived(frames.length);
      // The never-visited cells are known only once every window is in.
      if (frames.length === run.header.frame_count) sc.redraw();
    },
  });
}

const scene = new Scene({
  table: TABLE,
  constrain,
  load,
  draw,
  narrate,
  title: t("scene.conv.title"),
});

const hoverInfo = addHoverInfo(els.stage);

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
