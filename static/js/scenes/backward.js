// /backward: the three gradients of a convolution, stepped from POST /api/conv2d/backward/frames.
// The input gradient is drawn as a "full" convolution: the upstream gradient spread by the stride
// and padded, with the kernel rotated by 180 degrees sliding over it. Values come from the stream
// (header tensors and frames); the page only places them. Hover maps are folded from the frames.

import { diverging, inkFor, legend, maxAbs } from "../colour.js";
import { Grid } from "../grid.js";
import { num, t } from "../i18n.js";
import { Scene } from "../scene.js";
import { addHoverInfo, onResizeSettled, paragraphs, stagePart } from "../stage.js";
import { streamFrames } from "../stream.js";
import { constrain, requestBody, TABLE } from "./backward_settings.js";
import { drawDetail, narrate as narrateFrame } from "./backward_text.js";
import { pads } from "./conv_settings.js";

const STAGES = ["grad_input", "grad_weight", "grad_bias"];
const CURRENT = { stroke: "#111827", width: 3 };
const TAP = { stroke: "#111827", width: 2 };
const HOVER = { stroke: "#7b2cbf", width: 3, dash: [5, 3] };

let run = null;
let hover = null;
const els = {
  stage: document.getElementById("stage"),
  detail: document.getElementById("detail-body"),
  legend: document.getElementById("legend"),
  limits: document.getElementById("limits"),
  tabs: document.getElementById("stage-tabs"),
  stageNote: document.getElementById("stage-note"),
};

const key = (...xs) => xs.join(",");
const unbatch = (x) => (Array.isArray(x?.[0]?.[0]?.[0]) ? x[0] : x);

function newRun(v, header) {
  const input = unbatch(header.inputs.input);
  const weight = header.inputs.weight;
  const grad = unbatch(header.inputs.grad_output);
  const [a, b] = pads(v);
  const H = input[0].length;
  const W = input[0][0].length;
  const zeros = v.pmode === "zeros";
  const span = v.dil * (v.k - 1);
  return {
    v,
    header,
    frames: [],
    ingested: 0,
    input,
    weight,
    grad,
    cin: input.length,
    H,
    W,
    cout: weight.length,
    perGroup: weight[0].length,
    oH: grad[0].length,
    oW: grad[0][0].length,
    a,
    b,
    // The planes the input gradient covers: real cells, or the padded plane for copying modes.
    yMin: zeros ? 0 : -a,
    yMax: zeros ? H - 1 : H - 1 + b,
    xMin: zeros ? 0 : -a,
    xMax: zeros ? W - 1 : W - 1 + b,
    // Spread-and-padded upstream plane: coordinate s holds upstream row s / stride when whole.
    sMin: (zeros ? 0 : -a) + a - span,
    sMax: (zeros ? H - 1 : H - 1 + b) + a,
    tMin: (zeros ? 0 : -a) + a - span,
    tMax: (zeros ? W - 1 : W - 1 + b) + a,
    stageStart: {},
    giEvents: new Map(),
    giAt: new Map(),
    gwAt: new Map(),
    gbAt: new Map(),
    giMax: 1e-9,
    gwMax: 1e-9,
    gbMax: 1e-9,
    grids: null,
  };
}

function ingest(frames) {
  for (let i = run.ingested; i < frames.length; i += 1) {
    const f = frames[i];
    const stage = f.stage === "grad_input_fold" ? "grad_input" : f.stage;
    if (run.stageStart[stage] === undefined) run.stageStart[stage] = i;
    if (f.stage === "grad_input") {
      const k = key(f.in_channel, f.y, f.x);
      run.giAt.set(k, i);
      if (!run.giEvents.has(k)) run.giEvents.set(k, []);
      run.giEvents.get(k).push([i, f.grad]);
      run.giMax = Math.max(run.giMax, Math.abs(f.grad));
      // The page's placement of the window on the spread plane must agree with the frame.
      const s0 = f.y + run.a - run.v.dil * (run.v.k - 1);
      f.grad_rows.forEach((r, fy) => {
        if (r !== null && r * run.v.stride !== s0 + fy * run.v.dil) console.error("spread plane misplaced", f.index);
      });
    } else if (f.stage === "grad_input_fold") {
      const from = key(f.in_channel, f.y, f.x);
      const to = key(f.in_channel, f.source[0], f.source[1]);
      if (!run.giEvents.has(from)) run.giEvents.set(from, []);
      run.giEvents.get(from).push([i, null]);
      if (!run.giEvents.has(to)) run.giEvents.set(to, []);
      run.giEvents.get(to).push([i, f.after]);
      run.giMax = Math.max(run.giMax, Math.abs(f.after));
    } else if (f.stage === "grad_weight") {
      run.gwAt.set(key(...f.weight_index), i);
      run.gwMax = Math.max(run.gwMax, Math.abs(f.grad));
    } else if (f.stage === "grad_bias") {
      run.gbAt.set(f.out_channel, i);
      run.gbMax = Math.max(run.gbMax, Math.abs(f.grad));
    }
  }
  run.ingested = frames.length;
  run.frames = frames;
}

/** The input gradient at a cell as of `step`: its latest event, or undefined before any. */
function giValue(c, y, x, step) {
  const events = run.giEvents.get(key(c, y, x));
  if (!events) return undefined;
  let value;
  for (const [i, g] of events) {
    if (i > step) break;
    value = g;
  }
  return value;
}

function spreadValue(o, s, tt) {
  const S = run.v.stride;
  if (s % S !== 0 || tt % S !== 0) return null;
  const r = s / S;
  const c = tt / S;
  if (r < 0 || r >= run.oH || c < 0 || c >= run.oW) return null;
  return run.grad[o][r][c];
}

function section(titleKey, extra, noteKey) {
  return stagePart(els.stage, titleKey, extra, noteKey);
}

function buildStage() {
  const v = run.v;
  const width = Math.max(280, els.stage.clientWidth || 800);
  const narrow = width < 600;
  const xScale = diverging(maxAbs(run.input));
  const wScale = diverging(maxAbs(run.weight));
  const gScale = diverging(maxAbs(run.grad));
  els.stage.replaceChildren();
  const isReal = (r, c) => r >= 0 && r < run.H && c >= 0 && c < run.W;

  // Upstream gradient, as it arrives from the next layer.
  const upBody = section("bw.upstream", "part-upstream");
  const upGrids = [];
  for (let o = 0; o < run.cout; o += 1) {
    const g = new Grid({
      rows: run.oH,
      cols: run.oW,
      caption: t("bw.up_channel", { o }),
      label: t("bw.up_aria", { o, h: run.oH, w: run.oW }),
      fitWidth: Math.min(narrow ? width - 24 : width / 4, 46 * run.oW + 18),
      fill: (r, c) => gScale(run.grad[o][r][c]),
      text: (r, c) => num(run.grad[o][r][c]),
      ink: (r, c, fill) => inkFor(fill),
    });
    g.setZoom(v.zoom);
    g.el.dataset.grid = `upstream-${o}`;
    upBody.append(g.el);
    upGrids.push(g);
  }

  // Kernels, each beside its 180-degree rotation.
  const kBody = section("bw.kernels", "part-kernels", "bw.why_flip");
  const kGrids = [];
  const rGrids = [];
  for (let o = 0; o < run.cout; o += 1) {
    const line = document.createElement("div");
    line.className = "kernel-line";
    const name = document.createElement("span");
    name.className = "kernel-name";
    name.textContent = t("conv.kernel", { o });
    line.append(name);
    const group = Math.floor(o / (run.cout / v.groups));
    const kRow = [];
    const rRow = [];
    for (let i = 0; i < run.perGroup; i += 1) {
      const inC = group * run.perGroup + i;
      const kw = Math.min(40 * v.k + 18, width / 3);
      const orig = new Grid({
        rows: v.k,
        cols: v.k,
        caption: t("bw.slice", { c: inC }),
        label: t("conv.kernel_aria", { o, c: inC }),
        fitWidth: kw,
        maxCell: 40,
        axes: false,
        fill: (r, c) => wScale(run.weight[o][i][r][c]),
        text: (r, c) => num(run.weight[o][i][r][c]),
        ink: (r, c, fill) => inkFor(fill),
        onHover: (r, c) => setHover(r === null ? null : { kind: "weight", o, i, inC, ky: r, kx: c }),
      });
      const last = v.k - 1;
      const rot = new Grid({
        rows: v.k,
        cols: v.k,
        caption: t("bw.rotated", { c: inC }),
        label: t("bw.rotated_aria", { o, c: inC }),
        fitWidth: kw,
        maxCell: 40,
        axes: false,
        fill: (r, c) => wScale(run.weight[o][i][last - r][last - c]),
        text: (r, c) => num(run.weight[o][i][last - r][last - c]),
        ink: (r, c, fill) => inkFor(fill),
        onHover: (r, c) => setHover(r === null ? null : { kind: "weight", o, i, inC, ky: last - r, kx: last - c }),
      });
      orig.el.dataset.grid = `kernel-${o}-${i}`;
      rot.el.dataset.grid = `rotated-${o}-${i}`;
      const arrow = document.createElement("span");
      arrow.className = "rotate-arrow";
      arrow.setAttribute("aria-hidden", "true");
      arrow.textContent = "↻ 180°";
      line.append(orig.el, arrow, rot.el);
      kRow.push(orig);
      rRow.push(rot);
    }
    kBody.append(line);
    kGrids.push(kRow);
    rGrids.push(rRow);
  }

  // Stage 1: the spread and padded upstream gradient, and the input gradient filling in.
  const spreadBody = section("bw.spread", "part-spread", "bw.spread_note");
  const sRows = run.sMax - run.sMin + 1;
  const sCols = run.tMax - run.tMin + 1;
  const spreadGrids = [];
  for (let o = 0; o < run.cout; o += 1) {
    const g = new Grid({
      rows: sRows,
      cols: sCols,
      rowStart: run.sMin,
      colStart: run.tMin,
      caption: t("bw.spread_channel", { o }),
      label: t("bw.spread_aria", { o, h: sRows, w: sCols }),
      fitWidth: narrow ? width - 24 : Math.min(width / 2 - 16, 40 * sCols + 18),
      fill: (s, c) => {
        const x = spreadValue(o, s, c);
        return x === null ? "#f4f5f8" : gScale(x);
      },
      text: (s, c) => {
        const x = spreadValue(o, s, c);
        return x === null ? "0" : num(x);
      },
      ink: (s, c, fill) => (spreadValue(o, s, c) === null ? "#8a93a3" : inkFor(fill)),
      pattern: (s, c) => (spreadValue(o, s, c) === null ? "pad" : null),
    });
    g.setZoom(v.zoom);
    g.el.dataset.grid = `spread-${o}`;
    g.axes = false;
    g.layout();
    spreadBody.append(g.el);
    spreadGrids.push(g);
  }

  const xBody = section("bw.input", "part-input");
  const xGrids = [];
  const giGrids = [];
  const yRows = run.yMax - run.yMin + 1;
  const xCols = run.xMax - run.xMin + 1;
  const rowsX = run.H + run.a + run.b;
  const colsX = run.W + run.a + run.b;
  for (let c = 0; c < run.cin; c += 1) {
    const g = new Grid({
      rows: rowsX,
      cols: colsX,
      rowStart: -run.a,
      colStart: -run.a,
      caption: t("bw.x_channel", { c }),
      label: t("conv.input_aria", { c, h: run.H, w: run.W }),
      fitWidth: narrow ? width - 24 : Math.min(width / 2 - 16, 40 * colsX + 18),
      fill: (r, col) => (isReal(r, col) ? xScale(run.input[c][r][col]) : "#eef0f4"),
      text: (r, col) => (isReal(r, col) ? num(run.input[c][r][col]) : ""),
      ink: (r, col, fill) => inkFor(fill),
      pattern: (r, col) => (isReal(r, col) ? null : "pad"),
      onHover: (r, col) => setHover(r === null ? null : { kind: "x", c, r, col }),
    });
    g.setZoom(v.zoom);
    g.el.dataset.grid = `input-${c}`;
    xBody.append(g.el);
    xGrids.push(g);
  }

  const giBody = section("bw.grad_input", "part-gi");
  for (let c = 0; c < run.cin; c += 1) {
    const g = new Grid({
      rows: yRows,
      cols: xCols,
      rowStart: run.yMin,
      colStart: run.xMin,
      caption: t("bw.gi_channel", { c }),
      label: t("bw.gi_aria", { c, h: run.H, w: run.W }),
      fitWidth: narrow ? width - 24 : Math.min(width / 2 - 16, 40 * xCols + 18),
      fill: (r, col) => {
        const value = giValue(c, r, col, scene.player.step);
        return value === undefined || value === null ? null : diverging(run.giMax)(value);
      },
      text: (r, col) => {
        const value = giValue(c, r, col, scene.player.step);
        return value === undefined || value === null ? "" : num(value);
      },
      ink: (r, col, fill) => inkFor(fill),
      pattern: (r, col) => (isReal(r, col) ? null : "pad"),
      onHover: (r, col) => setHover(r === null ? null : { kind: "gi", c, r, col }),
      onClick: (r, col) => jump(run.giAt.get(key(c, r, col))),
    });
    g.setZoom(v.zoom);
    g.el.dataset.grid = `grad-input-${c}`;
    giBody.append(g.el);
    giGrids.push(g);
  }

  // Stages 2 and 3: the weight and bias gradients.
  const pBody = section("bw.params", "part-params");
  const gwGrids = [];
  const gbChips = [];
  for (let o = 0; o < run.cout; o += 1) {
    const line = document.createElement("div");
    line.className = "kernel-line";
    const name = document.createElement("span");
    name.className = "kernel-name";
    name.textContent = t("conv.kernel", { o });
    line.append(name);
    const group = Math.floor(o / (run.cout / v.groups));
    const gRow = [];
    for (let i = 0; i < run.perGroup; i += 1) {
      const inC = group * run.perGroup + i;
      const at = (r, c) => {
        const idx = run.gwAt.get(key(o, i, r, c));
        return idx === undefined || idx > scene.player.step ? undefined : run.frames[idx].grad;
      };
      const g = new Grid({
        rows: v.k,
        cols: v.k,
        caption: t("bw.gw_slice", { c: inC }),
        label: t("bw.gw_aria", { o, c: inC }),
        fitWidth: Math.min(40 * v.k + 18, width / 3),
        maxCell: 40,
        axes: false,
        fill: (r, c) => {
          const x = at(r, c);
          return x === undefined ? null : diverging(run.gwMax)(x);
        },
        text: (r, c) => {
          const x = at(r, c);
          return x === undefined ? "" : num(x);
        },
        ink: (r, c, fill) => inkFor(fill),
        onHover: (r, c) => setHover(r === null ? null : { kind: "weight", o, i, inC, ky: r, kx: c }),
        onClick: (r, c) => jump(run.gwAt.get(key(o, i, r, c))),
      });
      g.el.dataset.grid = `grad-weight-${o}-${i}`;
      line.append(g.el);
      gRow.push(g);
    }
    const chip = document.createElement("button");
    chip.type = "button";
    chip.className = "bias-chip";
    chip.dataset.gradBias = String(o);
    chip.addEventListener("click", () => jump(run.gbAt.get(o)));
    line.append(chip);
    gbChips.push(chip);
    pBody.append(line);
    gwGrids.push(gRow);
  }

  // Stage 1's planes side by side first; the forward input beside the parameter gradients.
  els.stage.append(els.stage.querySelector(".part-input"), els.stage.querySelector(".part-params"));
  run.grids = { upGrids, kGrids, rGrids, spreadGrids, xGrids, giGrids, gwGrids, gbChips };
  els.legend.replaceChildren();
  for (const [value, k] of [
    [maxAbs(run.input), "legend.input"],
    [maxAbs(run.weight), "bw.legend.weights"],
    [maxAbs(run.grad), "bw.legend.upstream"],
  ]) {
    const holder = document.createElement("div");
    legend(holder, value, k);
    els.legend.append(holder);
  }
  run.gradLegend = document.createElement("div");
  els.legend.append(run.gradLegend);
  buildTabs();
}

function buildTabs() {
  els.tabs.replaceChildren();
  for (const stage of STAGES) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "btn stage-tab";
    b.dataset.stage = stage;
    b.textContent = t(`bw.stage.${stage}`);
    b.addEventListener("click", () => jump(run.stageStart[stage]));
    els.tabs.append(b);
  }
}

function jump(index) {
  if (index === undefined) return;
  scene.player.pause();
  scene.player.go(index);
}

function setHover(next) {
  if (!run || !run.grids) return;
  hover = next;
  scene.redraw();
  const info = document.getElementById("hover-info");
  if (!info) return;
  if (!next) info.textContent = "";
  else if (next.kind === "weight")
    info.textContent = t("bw.hover_weight", { o: next.o, c: next.inC, r: next.ky, col: next.kx });
  else if (next.kind === "gi") info.textContent = t("bw.hover_gi", { c: next.c, r: next.r, col: next.col });
  else info.textContent = t("bw.hover_x", { c: next.c, r: next.r, col: next.col });
}

function stageOf(f) {
  return f.stage === "grad_input_fold" ? "grad_input" : f.stage;
}

function draw(step) {
  if (!run || !run.grids) return;
  const f = run.frames[step];
  const G = run.grids;
  const stage = stageOf(f);
  const v = run.v;
  const last = v.k - 1;
  for (const b of els.tabs.querySelectorAll("button")) {
    const current = b.dataset.stage === stage;
    b.classList.toggle("is-current", current);
    if (current) b.setAttribute("aria-current", "step");
    else b.removeAttribute("aria-current");
    b.disabled = run.stageStart[b.dataset.stage] === undefined;
  }
  els.stageNote.textContent = t(`bw.stage_note.${f.stage}`);

  // The hovered weight's taps (from the weight-gradient frame, which lists the cells it read).
  const hoverW = hover?.kind === "weight" ? run.frames[run.gwAt.get(key(hover.o, hover.i, hover.ky, hover.kx))] : null;
  const hoverGi =
    hover?.kind === "gi" || hover?.kind === "x" ? run.frames[run.giAt.get(key(hover.c, hover.r, hover.col))] : null;
  const outs = new Set(f.stage === "grad_input" ? f.channels.map((ch) => ch.out_channel) : []);
  const all = (n) => {
    const cells = [];
    for (let r = 0; r < n; r += 1) for (let c = 0; c < n; c += 1) cells.push([r, c]);
    return cells;
  };

  // Upstream gradient: the cells the flipped kernel meets; the whole channel for weight and bias.
  G.upGrids.forEach((g, o) => {
    let cells = [];
    if (f.stage === "grad_input" && outs.has(o)) {
      f.grad_rows.forEach((r) =>
        f.grad_cols.forEach((c) => {
          if (r !== null && c !== null) cells.push([r, c]);
        }),
      );
    } else if ((f.stage === "grad_weight" || f.stage === "grad_bias") && f.out_channel === o)
      cells = all(Math.max(run.oH, run.oW));
    const hoverCells = [];
    if (hoverGi && hoverGi.channels.some((ch) => ch.out_channel === o)) {
      hoverGi.grad_rows.forEach((r) =>
        hoverGi.grad_cols.forEach((c) => {
          if (r !== null && c !== null) hoverCells.push([r, c]);
        }),
      );
    }
    g.setOverlays([
      cells.length ? { cells, ...TAP } : null,
      hoverCells.length ? { cells: hoverCells, ...HOVER } : null,
    ]);
    g.draw();
  });
  // Kernels: the rotated slice in use (stage 1), the weight whose gradient is computed (stage 2).
  G.kGrids.forEach((row_, o) =>
    row_.forEach((g, i) => {
      const list = [];
      if (f.stage === "grad_weight" && f.out_channel === o && f.weight_index[1] === i)
        list.push({ cells: [[f.ky, f.kx]], ...CURRENT });
      if (hover?.kind === "weight" && hover.o === o && hover.i === i)
        list.push({ cells: [[hover.ky, hover.kx]], ...HOVER, dash: null });
      g.setOverlays(list);
      g.draw();
    }),
  );
  G.rGrids.forEach((row_, o) =>
    row_.forEach((g, i) => {
      const inC = Math.floor(o / (run.cout / v.groups)) * run.perGroup + i;
      const list = [];
      if (f.stage === "grad_input" && outs.has(o) && f.in_channel === inC)
        list.push({ cells: all(v.k), stroke: "#111827", width: 3, outline: true });
      if (hover?.kind === "weight" && hover.o === o && hover.i === i)
        list.push({ cells: [[last - hover.ky, last - hover.kx]], ...HOVER, dash: null });
      g.setOverlays(list);
      g.draw();
    }),
  );
  // Spread plane: the flipped kernel's window over it.
  G.spreadGrids.forEach((g, o) => {
    const list = [];
    const windowOf = (fr) => {
      const s0 = fr.y + run.a - v.dil * last;
      const t0 = fr.x + run.a - v.dil * last;
      const cells = [];
      for (let fy = 0; fy < v.k; fy += 1)
        for (let fx = 0; fx < v.k; fx += 1) cells.push([s0 + fy * v.dil, t0 + fx * v.dil]);
      return cells;
    };
    if (f.stage === "grad_input" && outs.has(o)) {
      const cells = windowOf(f);
      list.push(
        { cells, ...TAP },
        { cells, stroke: "#111827", width: 3, outline: true, dash: v.dil > 1 ? [4, 3] : null },
      );
    }
    if (hoverGi && hoverGi.channels.some((ch) => ch.out_channel === o))
      list.push({ cells: windowOf(hoverGi), ...HOVER });
    g.setOverlays(list);
    g.draw();
    if (f.stage === "grad_input" && outs.has(o) && run.lastStep !== step)
      g.reveal(f.y + run.a - v.dil * last, f.x + run.a - v.dil * last);
  });
  // Input x: the cell whose gradient is computed; the cells a weight reads (stage 2).
  G.xGrids.forEach((g, c) => {
    const list = [];
    if (run.a || run.b)
      list.push({
        cells: [
          [0, 0],
          [run.H - 1, run.W - 1],
        ],
        stroke: "#1f3b63",
        width: 2,
        outline: true,
        dash: [2, 2],
      });
    if (f.stage === "grad_input" && f.in_channel === c) list.push({ cells: [[f.y, f.x]], ...CURRENT });
    if (f.stage === "grad_input_fold" && f.in_channel === c)
      list.push({ cells: [[f.y, f.x]], ...TAP, dash: [3, 2] }, { cells: [f.source], ...CURRENT });
    if (f.stage === "grad_weight" && f.in_channel === c) {
      const cells = [];
      f.rows.forEach((r) => f.cols.forEach((col) => cells.push([r, col])));
      list.push({ cells, ...TAP });
    }
    if (hoverW && hoverW.in_channel === c) {
      const cells = [];
      hoverW.rows.forEach((r) => hoverW.cols.forEach((col) => cells.push([r, col])));
      list.push({ cells, ...HOVER });
    }
    if ((hover?.kind === "x" || hover?.kind === "gi") && hover.c === c)
      list.push({ cells: [[hover.r, hover.col]], ...HOVER, dash: null });
    g.setOverlays(list);
    g.draw();
  });
  G.giGrids.forEach((g, c) => {
    const list = [];
    if (run.v.pmode !== "zeros")
      list.push({
        cells: [
          [0, 0],
          [run.H - 1, run.W - 1],
        ],
        stroke: "#1f3b63",
        width: 2,
        outline: true,
        dash: [2, 2],
      });
    if (f.stage === "grad_input" && f.in_channel === c) list.push({ cells: [[f.y, f.x]], ...CURRENT });
    if (f.stage === "grad_input_fold" && f.in_channel === c)
      list.push({ cells: [[f.y, f.x]], ...TAP, dash: [3, 2] }, { cells: [f.source], ...CURRENT });
    if ((hover?.kind === "x" || hover?.kind === "gi") && hover.c === c)
      list.push({ cells: [[hover.r, hover.col]], ...HOVER, dash: null });
    g.setOverlays(list);
    g.draw();
    if (f.stage.startsWith("grad_input") && f.in_channel === c && run.lastStep !== step) g.reveal(f.y, f.x);
  });
  G.gwGrids.forEach((row_, o) =>
    row_.forEach((g, i) => {
      const list = [];
      if (f.stage === "grad_weight" && f.out_channel === o && f.weight_index[1] === i)
        list.push({ cells: [[f.ky, f.kx]], ...CURRENT });
      if (hover?.kind === "weight" && hover.o === o && hover.i === i)
        list.push({ cells: [[hover.ky, hover.kx]], ...HOVER, dash: null });
      g.setOverlays(list);
      g.draw();
    }),
  );
  G.gbChips.forEach((chip, o) => {
    const idx = run.gbAt.get(o);
    const done = idx !== undefined && idx <= step;
    chip.textContent = t("bw.gb_chip", { o, g: done ? num(run.frames[idx].grad, 3) : "?" });
    chip.classList.toggle("is-current", f.stage === "grad_bias" && f.out_channel === o);
  });
  run.lastStep = step;
  legend(run.gradLegend, Math.max(run.giMax, run.gwMax, run.gbMax), "bw.legend.grads");
  drawDetail(els.detail, f);
}

function narrate(step) {
  return narrateFrame(run.frames[step]);
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
  els.limits.replaceChildren(...paragraphs(lines));
}

async function load(v, signal, sc) {
  run = null;
  hover = null;
  notes(v);
  await streamFrames("/api/conv2d/backward/frames", requestBody(v), {
    signal,
    onHeader: (header) => {
      if (signal.aborted) return;
      run = newRun(v, header);
      buildStage();
      sc.expect(header.frame_count);
    },
    onFrames: (frames) => {
      if (signal.aborted || !run) return;
      ingest(frames);
      sc.arrived(frames.length);
    },
  });
}

const scene = new Scene({ table: TABLE, constrain, load, draw, narrate, title: t("scene.backward.title") });

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
