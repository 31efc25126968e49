// /transposed: a transposed convolution stepped one input value at a time, from
// POST /api/conv-transpose2d/frames. Each input value is scattered, times the kernel, into the
// output; taps that land in the cropped border (padding) are marked. Then the same numbers are
// shown as the input gradient of a convolution, fetched from POST /api/conv2d/backward and
// compared cell by cell. Every value drawn comes from the server; the page only places it.

import { diverging, inkFor, legend, maxAbs } from "../colour.js";
import { Grid } from "../grid.js";
import { num, t } from "../i18n.js";
import { Scene } from "../scene.js";
import { addHoverInfo, onResizeSettled, paragraphs, stagePart } from "../stage.js";
import { postJson, streamFrames } from "../stream.js";
import { backwardBody, constrain, fullSize, requestBody, TABLE } from "./transposed_settings.js";
import { drawDetail, drawFormula, narrate as narrateFrame } from "./transposed_text.js";

const CURRENT = { stroke: "#111827", width: 3 };
const LANDED = { stroke: "#111827", width: 2 };
const CROPPED = { stroke: "#7b2c6f", width: 2, dash: [3, 3] };
const HOVER = { stroke: "#7b2cbf", width: 3, dash: [5, 3] };
const MISMATCH = { stroke: "#b00020", width: 3 };

let run = null;
let hover = null;
const els = {
  stage: document.getElementById("stage"),
  detail: document.getElementById("detail-body"),
  legend: document.getElementById("legend"),
  limits: document.getElementById("limits"),
  formula: document.getElementById("formula"),
  formulaNote: document.getElementById("formula-note"),
  backward: document.getElementById("as-backward-body"),
};

const key = (...xs) => xs.join(",");
const unbatch = (x) => (Array.isArray(x?.[0]?.[0]?.[0]) ? x[0] : x);

function newRun(v, header) {
  const input = unbatch(header.inputs.input);
  const weight = header.inputs.weight;
  const out = header.shapes.output;
  const oH = out[out.length - 2];
  const oW = out[out.length - 1];
  // The plane drawn: the uncropped result (rows -P ...) and the output_padding rows past it.
  const end = fullSize(v) - v.op - 1 - v.p;
  return {
    v,
    header,
    frames: [],
    ingested: 0,
    input,
    weight,
    bias: header.inputs.bias || null,
    cin: input.length,
    H: input[0].length,
    W: input[0][0].length,
    cout: out[out.length - 3],
    perGroup: weight[0].length,
    oH,
    oW,
    rMin: -v.p,
    rMax: Math.max(oH - 1, end),
    cMin: -v.p,
    cMax: Math.max(oW - 1, end),
    events: new Map(),
    touched: new Set(),
    scatterAt: new Map(),
    biasAt: new Map(),
    firstBias: null,
    feeds: new Map(),
    outMax: 1e-9,
    preBias: null,
    backward: null,
    grids: null,
    result: null,
  };
}

function ingest(frames) {
  for (let i = run.ingested; i < frames.length; i += 1) {
    const f = frames[i];
    if (f.stage === "scatter") {
      run.scatterAt.set(key(f.in_channel, f.y, f.x), i);
      for (const ch of f.channels) {
        f.rows.forEach((r, a) =>
          f.cols.forEach((c, b) => {
            if (f.cropped[a][b]) return;
            const k = key(ch.out_channel, r, c);
            if (!run.events.has(k)) run.events.set(k, []);
            run.events.get(k).push([i, ch.after[a][b]]);
            run.touched.add(k);
            if (!run.feeds.has(k)) run.feeds.set(k, []);
            run.feeds.get(k).push(i);
            run.outMax = Math.max(run.outMax, Math.abs(ch.after[a][b]));
          }),
        );
      }
    } else if (f.stage === "bias") {
      if (run.firstBias === null) run.firstBias = i;
      run.biasAt.set(f.out_channel, i);
      f.after.forEach((line, r) =>
        line.forEach((value, c) => {
          const k = key(f.out_channel, r, c);
          if (!run.events.has(k)) run.events.set(k, []);
          run.events.get(k).push([i, value]);
          run.outMax = Math.max(run.outMax, Math.abs(value));
        }),
      );
    }
  }
  run.ingested = frames.length;
  run.frames = frames;
}

/** An output cell's running total as of `step`: its latest event, or undefined while still 0. */
function outValue(o, r, c, step) {
  const events = run.events.get(key(o, r, c));
  if (!events) return undefined;
  let value;
  for (const [i, x] of events) {
    if (i > step) break;
    value = x;
  }
  return value;
}

function section(titleKey, extra, noteKey, noteValues) {
  return stagePart(els.stage, titleKey, extra, noteKey, noteValues);
}

function buildStage() {
  const v = run.v;
  const width = Math.max(280, els.stage.clientWidth || 800);
  const narrow = width < 600;
  const xScale = diverging(maxAbs(run.input));
  const wScale = diverging(maxAbs(run.weight));
  els.stage.replaceChildren();
  const inOutput = (r, c) => r >= 0 && r < run.oH && c >= 0 && c < run.oW;

  const xBody = section("tr.input", "part-input");
  const xGrids = [];
  for (let c = 0; c < run.cin; c += 1) {
    const g = new Grid({
      rows: run.H,
      cols: run.W,
      caption: t("conv.channel", { c }),
      label: t("tr.input_aria", { c, h: run.H, w: run.W }),
      fitWidth: narrow ? width - 24 : Math.min(width / 3, 46 * run.W + 18),
      fill: (r, col) => xScale(run.input[c][r][col]),
      text: (r, col) => num(run.input[c][r][col]),
      ink: (r, col, fill) => inkFor(fill),
      onHover: (r, col) => setHover(r === null ? null : { kind: "x", c, r, col }),
      onClick: (r, col) => jump(run.scatterAt.get(key(c, r, col))),
    });
    g.setZoom(v.zoom);
    g.el.dataset.grid = `input-${c}`;
    xBody.append(g.el);
    xGrids.push(g);
  }

  const kBody = section("tr.kernels", "part-kernels", "tr.kernels_note");
  const kGrids = [];
  for (let c = 0; c < run.cin; c += 1) {
    const line = document.createElement("div");
    line.className = "kernel-line";
    const name = document.createElement("span");
    name.className = "kernel-name";
    name.textContent = t("tr.from_channel", { c });
    line.append(name);
    const group = Math.floor(c / (run.cin / v.groups));
    const rowGrids = [];
    for (let j = 0; j < run.perGroup; j += 1) {
      const o = group * run.perGroup + j;
      const g = new Grid({
        rows: v.k,
        cols: v.k,
        caption: t("tr.slice", { c, o }),
        label: t("tr.slice_aria", { c, o }),
        fitWidth: Math.min(40 * v.k + 18, width / 3),
        maxCell: 40,
        axes: false,
        fill: (r, col) => wScale(run.weight[c][j][r][col]),
        text: (r, col) => num(run.weight[c][j][r][col]),
        ink: (r, col, fill) => inkFor(fill),
      });
      g.el.dataset.grid = `kernel-${c}-${j}`;
      line.append(g.el);
      rowGrids.push(g);
    }
    kBody.append(line);
    kGrids.push(rowGrids);
  }
  if (run.bias) {
    const p = document.createElement("p");
    p.className = "channel-sum";
    p.textContent = t("tr.biases", { list: run.bias.map((b, o) => `b${o} = ${num(b)}`).join(", ") });
    kBody.append(p);
  }

  const oBody = section("tr.output", "part-output", v.p || v.op ? "tr.output_note" : null, { p: v.p });
  const oGrids = [];
  const rows = run.rMax - run.rMin + 1;
  const cols = run.cMax - run.cMin + 1;
  for (let o = 0; o < run.cout; o += 1) {
    const g = new Grid({
      rows,
      cols,
      rowStart: run.rMin,
      colStart: run.cMin,
      caption: t("tr.out_channel", { o }),
      label: t("tr.output_aria", { o, h: run.oH, w: run.oW }),
      fitWidth: narrow ? width - 24 : Math.min(width / 2 - 16, 40 * cols + 18),
      fill: (r, c) => {
        if (!inOutput(r, c)) return "#eef0f4";
        const x = outValue(o, r, c, scene.player.step);
        return x === undefined ? null : diverging(run.outMax)(x);
      },
      text: (r, c) => {
        if (!inOutput(r, c)) return "";
        const x = outValue(o, r, c, scene.player.step);
        return x === undefined ? "0" : num(x);
      },
      ink: (r, c, fill) =>
        inOutput(r, c) && outValue(o, r, c, scene.player.step) === undefined ? "#8a93a3" : inkFor(fill),
      pattern: (r, c) => {
        if (!inOutput(r, c)) return "pad";
        // Cells no input value reaches (output_padding's extra rows, or gaps) stay 0.
        if (run.frames.length === run.header.frame_count && !run.touched.has(key(o, r, c))) return "unvisited";
        return null;
      },
      onHover: (r, c) => setHover(r === null ? null : { kind: "out", o, r, c }),
    });
    g.setZoom(v.zoom);
    g.el.dataset.grid = `output-${o}`;
    oBody.append(g.el);
    oGrids.push(g);
  }
  run.grids = { xGrids, kGrids, oGrids };

  els.legend.replaceChildren();
  for (const [value, k] of [
    [maxAbs(run.input), "legend.input"],
    [maxAbs(run.weight), "legend.weights"],
  ]) {
    const holder = document.createElement("div");
    legend(holder, value, k);
    els.legend.append(holder);
  }
  run.outLegend = document.createElement("div");
  els.legend.append(run.outLegend);
  const marks = document.createElement("ul");
  marks.className = "pool-marks";
  for (const k of ["tr.mark_current", "tr.mark_landed", "tr.mark_cropped", "tr.mark_unreached"]) {
    const li = document.createElement("li");
    li.textContent = t(k);
    marks.append(li);
  }
  els.legend.append(marks);
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
  else if (next.kind === "x") info.textContent = t("tr.hover_x", { c: next.c, r: next.r, col: next.col });
  else {
    const n = (run.feeds.get(key(next.o, next.r, next.c)) || []).length;
    info.textContent =
      next.r >= 0 && next.r < run.oH && next.c >= 0 && next.c < run.oW
        ? t("tr.hover_out", { o: next.o, r: next.r, col: next.col, n })
        : t("tr.hover_cropped", { r: next.r, col: next.col });
  }
}

function cellsOf(f, wantCropped) {
  const cells = [];
  f.rows.forEach((r, a) =>
    f.cols.forEach((c, b) => {
      if (f.cropped[a][b] === wantCropped) cells.push([r, c]);
    }),
  );
  return cells;
}

function draw(step) {
  if (!run || !run.grids) return;
  const f = run.frames[step];
  const G = run.grids;
  const outs = new Set(f.stage === "scatter" ? f.channels.map((ch) => ch.out_channel) : [f.out_channel]);
  // Hovering an output cell: the input values that feed it (from the frames that touched it).
  const feeders =
    hover?.kind === "out" ? (run.feeds.get(key(hover.o, hover.r, hover.c)) || []).map((i) => run.frames[i]) : [];
  const hoverFrame = hover?.kind === "x" ? run.frames[run.scatterAt.get(key(hover.c, hover.r, hover.col))] : null;

  G.xGrids.forEach((g, c) => {
    const list = [];
    if (f.stage === "scatter" && f.in_channel === c) list.push({ cells: [[f.y, f.x]], ...CURRENT });
    const fed = feeders.filter((fr) => fr.in_channel === c).map((fr) => [fr.y, fr.x]);
    if (fed.length) list.push({ cells: fed, ...HOVER });
    if (hover?.kind === "x" && hover.c === c) list.push({ cells: [[hover.r, hover.col]], ...HOVER, dash: null });
    g.setOverlays(list);
    g.draw();
  });
  G.kGrids.forEach((line, c) =>
    line.forEach((g) => {
      const all = [];
      for (let r = 0; r < run.v.k; r += 1) for (let col = 0; col < run.v.k; col += 1) all.push([r, col]);
      g.setOverlays(f.stage === "scatter" && f.in_channel === c ? [{ cells: all, ...CURRENT, outline: true }] : []);
      g.draw();
    }),
  );
  G.oGrids.forEach((g, o) => {
    const list = [];
    if (run.v.p)
      list.push({
        cells: [
          [0, 0],
          [run.oH - 1, run.oW - 1],
        ],
        stroke: "#1f3b63",
        width: 2,
        outline: true,
        dash: [2, 2],
      });
    if (f.stage === "scatter" && outs.has(o)) {
      list.push({ cells: cellsOf(f, false), ...LANDED }, { cells: cellsOf(f, true), ...CROPPED });
    }
    if (f.stage === "bias" && f.out_channel === o)
      list.push({
        cells: [
          [0, 0],
          [run.oH - 1, run.oW - 1],
        ],
        ...CURRENT,
        outline: true,
      });
    if (hoverFrame && hoverFrame.channels.some((ch) => ch.out_channel === o))
      list.push({ cells: cellsOf(hoverFrame, false), ...HOVER });
    if (hover?.kind === "out" && hover.o === o) list.push({ cells: [[hover.r, hover.c]], ...HOVER, dash: null });
    g.setOverlays(list);
    g.draw();
    if (f.stage === "scatter" && outs.has(o) && run.lastStep !== step) g.reveal(f.rows[0], f.cols[0]);
  });
  run.lastStep = step;
  legend(run.outLegend, run.outMax, "legend.output");
  drawDetail(els.detail, f);
}

function narrate(step) {
  return run ? narrateFrame(run.frames[step]) : "";
}

function notes(v) {
  const lines = [];
  if (v.groups > 1) lines.push(t("tr.note_groups", { g: v.groups, per: v.cout / v.groups, cin: v.cin / v.groups }));
  if (v.stride > 1) lines.push(t("tr.note_stride", { s: v.stride }));
  els.limits.replaceChildren(...paragraphs(lines));
}

// ---- the same numbers as the backward of a convolution ----

function drawBackward() {
  const body = els.backward;
  body.replaceChildren();
  if (!run || !run.preBias || !run.backward) {
    const p = document.createElement("p");
    p.className = "note";
    p.textContent = t("tr.bw_waiting");
    body.append(p);
    return;
  }
  const v = run.v;
  const gi = unbatch(run.backward.grad_input);
  const width = Math.max(280, els.stage.clientWidth || 800);
  const narrow = width < 600;
  const scale = diverging(maxAbs([gi, run.preBias]));
  let same = 0;
  let total = 0;
  const close = (a, b) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  const planes = document.createElement("div");
  planes.className = "planes";
  for (let o = 0; o < run.cout; o += 1) {
    const wrong = [];
    gi[o].forEach((line, r) =>
      line.forEach((x, c) => {
        total += 1;
        if (close(x, run.preBias[o][r][c])) same += 1;
        else wrong.push([r, c]);
      }),
    );
    for (const [which, plane, cap] of [
      ["pre", run.preBias[o], "tr.bw_pre"],
      ["gi", gi[o], "tr.bw_gi"],
    ]) {
      const g = new Grid({
        rows: run.oH,
        cols: run.oW,
        caption: t(cap, { o }),
        label: t(cap, { o }),
        fitWidth: narrow ? width - 24 : Math.min(width / 4, 34 * run.oW + 18),
        maxCell: 34,
        fill: (r, c) => scale(plane[r][c]),
        text: (r, c) => num(plane[r][c]),
        ink: (r, c, fill) => inkFor(fill),
      });
      g.el.dataset.grid = `backward-${which}-${o}`;
      g.setOverlays([wrong.length ? { cells: wrong, ...MISMATCH } : null]);
      g.draw();
      planes.append(g.el);
    }
  }
  const verdict = document.createElement("p");
  verdict.className = "pool-verdict";
  verdict.id = "backward-verdict";
  verdict.dataset.match = same === total ? "all" : "some";
  verdict.textContent =
    same === total ? t("tr.bw_match", { n: total }) : t("tr.bw_mismatch", { n: total - same, total });
  const how = document.createElement("p");
  how.className = "note";
  how.textContent = t("tr.bw_how", {
    cin: run.cin,
    h: run.H,
    w: run.W,
    cout: run.cout,
    oh: run.oH,
    ow: run.oW,
    s: v.stride,
    p: v.p,
    d: v.dil,
    g: v.groups,
  });
  body.append(how);
  if (run.backwardExtra) {
    const extra = document.createElement("p");
    extra.className = "note";
    extra.textContent = t("tr.bw_extra", { n: run.backwardExtra });
    body.append(extra);
  }
  body.append(verdict, planes);
}

async function load(v, signal, sc) {
  run = null;
  hover = null;
  notes(v);
  drawFormula(els.formula, els.formulaNote, v, null);
  drawBackward();
  let backwardPromise = null;
  await streamFrames("/api/conv-transpose2d/frames", requestBody(v), {
    signal,
    onHeader: (header) => {
      if (signal.aborted) return;
      run = newRun(v, header);
      drawFormula(els.formula, els.formulaNote, v, header);
      buildStage();
      sc.expect(header.frame_count);
      const { body, extra } = backwardBody(v, header);
      const mine = run;
      backwardPromise = postJson("/api/conv2d/backward", body, { signal }).then((result) => {
        mine.backward = result;
        mine.backwardExtra = extra;
      });
      // If the stream fails or is superseded first, this promise is never awaited: mark its
      // rejection as handled here (the await below still sees it).
      backwardPromise.catch(() => {});
    },
    onFrames: (frames) => {
      if (signal.aborted || !run) return;
      ingest(frames);
      sc.arrived(frames.length);
    },
    onResult: (result) => {
      if (!run) return;
      run.result = result;
      // The output before bias: the bias frames' `before` planes, or the result itself.
      run.preBias = run.bias
        ? Array.from({ length: run.cout }, (_, o) => run.frames[run.biasAt.get(o)].before)
        : unbatch(result.output);
    },
  });
  if (backwardPromise) await backwardPromise;
  if (signal.aborted) return;
  drawBackward();
  scene.redraw();
}

const scene = new Scene({ table: TABLE, constrain, load, draw, narrate, title: t("scene.transposed.title") });

const hoverInfo = addHoverInfo(els.stage);

onResizeSettled(() => {
  if (run && run.grids) {
    buildStage();
    drawBackward();
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
