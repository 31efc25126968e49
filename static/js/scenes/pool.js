// /pool: max and average pooling stepped one output value at a time, forward or backward, and the
// translation demonstration (pool the input and the input shifted by one pixel, compare). Every
// number drawn comes from the frames and results of the pooling endpoints; the page lays them out,
// moves values for the shift (no arithmetic) and replays the running totals the frames carry.

import { diverging, inkFor, legend, maxAbs } from "../colour.js";
import { Grid } from "../grid.js";
import { num, t, term } from "../i18n.js";
import { floor, frac, m, math, mi, mn, mo, row, sub } from "../mathml.js";
import { Scene } from "../scene.js";
import { onResizeSettled, paragraphs, stagePart } from "../stage.js";
import { postJson, streamFrames } from "../stream.js";
import { constrain, endpoint, PRESETS, requestBody, shifted, strideOf, TABLE } from "./pool_settings.js";

let run = null;
const els = {
  stage: document.getElementById("stage"),
  detail: document.getElementById("detail-body"),
  formula: document.getElementById("formula"),
  formulaNote: document.getElementById("formula-note"),
  limits: document.getElementById("limits"),
  legend: document.getElementById("legend"),
  compare: document.getElementById("compare"),
  compareBody: document.getElementById("compare-body"),
  verdict: document.getElementById("compare-verdict"),
};

const key3 = (a, b, c) => `${a},${b},${c}`;
const unbatch = (x) => (Array.isArray(x?.[0]?.[0]?.[0]) ? x[0] : x);

const WINDOW = { stroke: "#111827", width: 3, outline: true };
const SWITCH = { stroke: "#7b2cbf", width: 4 };
const CURRENT = { stroke: "#111827", width: 3 };
const NOT_COUNTED = { fill: "rgba(70,78,94,0.55)", stroke: null, width: 0 };
const DIFFERS = { stroke: "#111827", width: 3, dash: [4, 2] };

function newRun(v, header) {
  const input = unbatch(header.inputs.input);
  const outShape = header.shapes[v.dir === "backward" ? "grad_output" : "output"];
  const oH = outShape[outShape.length - 2];
  const oW = outShape[outShape.length - 1];
  const H = input[0].length;
  const W = input[0][0].length;
  const s = strideOf(v);
  const d = v.mode === "max" ? v.dil : 1;
  // Layout only: how far the last window reaches (the padding, or a ceil_mode overhang).
  const lastRow = Math.max(H - 1 + v.p, (oH - 1) * s - v.p + d * (v.k - 1));
  const lastCol = Math.max(W - 1 + v.p, (oW - 1) * s - v.p + d * (v.k - 1));
  return {
    v,
    header,
    backward: v.dir === "backward",
    input,
    gradOut: v.dir === "backward" ? unbatch(header.inputs.grad_output) : null,
    C: input.length,
    H,
    W,
    oH,
    oW,
    rowStart: -v.p,
    colStart: -v.p,
    rows: lastRow + v.p + 1,
    cols: lastCol + v.p + 1,
    frames: [],
    frameAt: new Map(),
    outMax: 1e-9,
    gradMax: 1e-9,
    result: null,
    grids: null,
  };
}

function ingest(frames) {
  for (let i = run.frames.length; i < frames.length; i += 1) {
    const f = frames[i];
    run.frameAt.set(key3(f.channel, f.y, f.x), i);
    if (!run.backward) run.outMax = Math.max(run.outMax, Math.abs(f.output));
    else if (f.after !== undefined) {
      if (Array.isArray(f.after)) run.gradMax = Math.max(run.gradMax, maxAbs(f.after));
      else run.gradMax = Math.max(run.gradMax, Math.abs(f.after));
    }
  }
  run.frames = frames.slice();
}

const isReal = (r, c) => r >= 0 && r < run.H && c >= 0 && c < run.W;
const windowCells = (f) => f.rows.flatMap((r) => f.cols.map((c) => [r, c]));

/** The input-gradient totals after `step`: each frame's `after` overwrites its cells, in order. */
function gradTotals(step) {
  const totals = new Map();
  for (let i = 0; i <= step && i < run.frames.length; i += 1) {
    const f = run.frames[i];
    if (run.v.mode === "max") totals.set(key3(f.channel, f.switch[0], f.switch[1]), f.after);
    else {
      f.rows.forEach((r, a) =>
        f.cols.forEach((c, b) => {
          if (f.after[a][b] !== null) totals.set(key3(f.channel, r, c), f.after[a][b]);
        }),
      );
    }
  }
  return totals;
}

// ---- the stage ----

function section(parent, key, extra = "") {
  return stagePart(parent, key, extra);
}

function inputGrid(c, width, extra = {}) {
  const v = run.v;
  const scale = diverging(maxAbs(run.input));
  return new Grid({
    rows: run.rows,
    cols: run.cols,
    rowStart: run.rowStart,
    colStart: run.colStart,
    caption: t("pool.channel", { c }),
    label: t("pool.input_aria", { c, h: run.H, w: run.W }),
    fitWidth: width,
    fill: (r, col) => (isReal(r, col) ? scale(run.input[c][r][col]) : "#eef0f4"),
    text: (r, col) => (isReal(r, col) ? num(run.input[c][r][col]) : v.mode === "avg" ? "0" : ""),
    ink: (r, col, fill) => inkFor(fill),
    pattern: (r, col) => (isReal(r, col) ? null : "pad"),
    ...extra,
  });
}

function outputGrid(c, width, cellSize) {
  return new Grid({
    rows: run.oH,
    cols: run.oW,
    caption: t("pool.channel", { c }),
    label: t("pool.output_aria", { c, h: run.oH, w: run.oW }),
    fitWidth: Math.min(width, cellSize * run.oW + 18),
    fill: (y, x) => {
      const i = run.frameAt.get(key3(c, y, x));
      return i === undefined || i > scene.player.step ? null : diverging(run.outMax)(run.frames[i].output);
    },
    text: (y, x) => {
      const i = run.frameAt.get(key3(c, y, x));
      return i === undefined || i > scene.player.step ? "" : num(run.frames[i].output);
    },
    ink: (y, x, fill) => inkFor(fill),
    onClick: (y, x) => jumpTo(c, y, x),
  });
}

function jumpTo(c, y, x) {
  const i = run.frameAt.get(key3(c, y, x));
  if (i !== undefined) {
    scene.player.pause();
    scene.player.go(i);
  }
}

function buildStage() {
  const v = run.v;
  const width = Math.max(280, els.stage.clientWidth || 800);
  els.stage.replaceChildren();
  const parts = run.backward ? (v.mode === "max" ? 3 : 2) : 2;
  const perPart = width < 700 ? width - 30 : Math.max(240, (width - 40) / parts - 20);
  const perGrid = perPart / (width < 700 ? 1 : Math.min(run.C, 2)) - 8;
  const grids = { input: [], output: [], gradOut: [], gradIn: [] };
  if (!run.backward || v.mode === "max") {
    const body = section(els.stage, run.backward ? "pool.input_switches" : "pool.input", "part-input");
    for (let c = 0; c < run.C; c += 1) {
      const g = inputGrid(c, perGrid);
      g.el.dataset.grid = `input-${c}`;
      body.append(g.el);
      grids.input.push(g);
    }
  }
  const cellSize = grids.input[0] ? grids.input[0].baseCell : 40;
  if (!run.backward) {
    const body = section(els.stage, "pool.output", "part-output");
    for (let c = 0; c < run.C; c += 1) {
      const g = outputGrid(c, perGrid, cellSize);
      g.el.dataset.grid = `output-${c}`;
      body.append(g.el);
      grids.output.push(g);
    }
  } else {
    const gScale = diverging(maxAbs(run.gradOut));
    const body = section(els.stage, "pool.grad_out", "part-grad-out");
    for (let c = 0; c < run.C; c += 1) {
      const g = new Grid({
        rows: run.oH,
        cols: run.oW,
        caption: t("pool.channel", { c }),
        label: t("pool.grad_out_aria", { c, h: run.oH, w: run.oW }),
        fitWidth: Math.min(perGrid, 46 * run.oW + 18),
        fill: (y, x) => gScale(run.gradOut[c][y][x]),
        text: (y, x) => num(run.gradOut[c][y][x]),
        ink: (y, x, fill) => inkFor(fill),
        onClick: (y, x) => jumpTo(c, y, x),
      });
      g.el.dataset.grid = `grad-out-${c}`;
      body.append(g.el);
      grids.gradOut.push(g);
    }
    const inBody = section(els.stage, "pool.grad_in", "part-grad-in");
    for (let c = 0; c < run.C; c += 1) {
      const g = new Grid({
        rows: run.rows,
        cols: run.cols,
        rowStart: run.rowStart,
        colStart: run.colStart,
        caption: t("pool.channel", { c }),
        label: t("pool.grad_in_aria", { c, h: run.H, w: run.W }),
        fitWidth: perGrid,
        fill: (r, col) => {
          if (!isReal(r, col)) return "#eef0f4";
          const value = run.totals?.get(key3(c, r, col));
          return value === undefined ? "#ffffff" : diverging(run.gradMax)(value);
        },
        text: (r, col) => {
          if (!isReal(r, col)) return "";
          const value = run.totals?.get(key3(c, r, col));
          return num(value === undefined ? 0 : value);
        },
        ink: (r, col, fill) => inkFor(fill),
        pattern: (r, col) => (isReal(r, col) ? null : "pad"),
      });
      g.el.dataset.grid = `grad-in-${c}`;
      inBody.append(g.el);
      grids.gradIn.push(g);
    }
  }
  for (const list of Object.values(grids)) for (const g of list) g.setZoom(v.zoom);
  run.grids = grids;
  els.legend.replaceChildren();
  const holder = (value, key) => {
    const div = document.createElement("div");
    legend(div, value, key);
    els.legend.append(div);
    return div;
  };
  if (grids.input.length) holder(maxAbs(run.input), "legend.input");
  if (run.backward) holder(maxAbs(run.gradOut), "pool.legend_grad_out");
  run.valueLegend = document.createElement("div");
  els.legend.append(run.valueLegend);
  const marks = document.createElement("ul");
  marks.className = "pool-marks";
  const keys = ["pool.mark_window"];
  if (v.mode === "max") keys.push("pool.mark_switch");
  else keys.push("pool.mark_not_counted");
  if (v.p || v.ceil) keys.push("pool.mark_pad");
  if (!run.backward && v.shift !== "none") keys.push("pool.mark_differs");
  for (const key of keys) {
    const li = document.createElement("li");
    li.textContent = t(key);
    marks.append(li);
  }
  els.legend.append(marks);
}

// ---- one step ----

function draw(step) {
  if (!run || !run.grids) return;
  const f = run.frames[step];
  const moved = run.lastStep !== step;
  run.lastStep = step;
  const v = run.v;
  const { input, output, gradOut, gradIn } = run.grids;
  const win = windowCells(f);
  const notCounted = [];
  if (f.counted) f.rows.forEach((r, a) => f.cols.forEach((c, b) => !f.counted[a][b] && notCounted.push([r, c])));
  const overlaysFor = (c) => {
    if (c !== f.channel) return [];
    return [
      v.mode === "avg" ? { cells: notCounted, ...NOT_COUNTED } : null,
      v.dil > 1 && v.mode === "max" ? { cells: win, stroke: "#111827", width: 2 } : null,
      { cells: win, ...WINDOW, dash: v.dil > 1 && v.mode === "max" ? [4, 3] : null },
      f.switch ? { cells: [f.switch], ...SWITCH } : null,
    ];
  };
  input.forEach((g, c) => {
    g.setOverlays(overlaysFor(c));
    g.draw();
    if (moved && c === f.channel) g.reveal(f.rows[0], f.cols[0]);
  });
  output.forEach((g, c) => {
    g.setOverlays([c === f.channel ? { cells: [[f.y, f.x]], ...CURRENT } : null]);
    g.draw();
    if (moved && c === f.channel) g.reveal(f.y, f.x);
  });
  if (run.backward) {
    run.totals = gradTotals(step);
    gradOut.forEach((g, c) => {
      g.setOverlays([c === f.channel ? { cells: [[f.y, f.x]], ...CURRENT } : null]);
      g.draw();
    });
    gradIn.forEach((g, c) => {
      g.setOverlays(overlaysFor(c));
      g.draw();
      if (moved && c === f.channel) g.reveal(f.rows[0], f.cols[0]);
    });
    legend(run.valueLegend, run.gradMax, "pool.legend_grad_in");
  } else legend(run.valueLegend, run.outMax, "legend.output");
  drawDetail(f);
}

/** The step's window as a small table (switch or counted cells marked) and its formula in MathML. */
function drawDetail(f) {
  const v = run.v;
  els.detail.replaceChildren();
  const wrap = document.createElement("div");
  wrap.className = "channel-list";
  if (!run.backward || v.mode === "avg") {
    const table = document.createElement("table");
    table.className = "products pool-window";
    const caption = document.createElement("caption");
    caption.textContent = t(run.backward ? "pool.detail_shares" : "pool.detail_window", { c: f.channel });
    table.append(caption);
    f.rows.forEach((r, a) => {
      const tr = document.createElement("tr");
      f.cols.forEach((col, b) => {
        const td = document.createElement("td");
        const classes = [];
        if (f.padded && f.padded[a][b]) classes.push("is-pad");
        if (f.counted && !f.counted[a][b]) classes.push("is-not-counted");
        if (f.switch_tap && f.switch_tap[0] === a && f.switch_tap[1] === b) classes.push("is-switch");
        td.className = classes.join(" ");
        if (run.backward) {
          td.textContent =
            f.after[a][b] === null
              ? f.counted[a][b]
                ? t("pool.lost")
                : "·"
              : `${num(f.before[a][b])} → ${num(f.after[a][b])}`;
        } else td.textContent = f.values[a][b] === null ? "·" : num(f.values[a][b]);
        tr.append(td);
      });
      table.append(tr);
    });
    wrap.append(table);
  }
  const total = document.createElement("div");
  total.className = "total";
  const label = document.createElement("p");
  label.textContent = t("pool.total_label", { c: f.channel, y: f.y, x: f.x });
  total.append(label, math(stepFormula(f)));
  wrap.append(total);
  els.detail.append(wrap);
}

const n = (value) => mn(value, num(value, 3).replace("\u2212", ""), true);
const realValues = (f) => f.values.flat().filter((value) => value !== null);

function stepFormula(f) {
  const v = run.v;
  const at = m("mn", `${f.y},${f.x}`);
  if (!run.backward && v.mode === "max") {
    const values = realValues(f);
    const args = [];
    values.forEach((value, i) => {
      if (i) args.push(mo(","));
      args.push(n(value));
    });
    return row(sub(mi("y"), at), mo("="), mi("max"), mo("("), ...args, mo(")"), mo("="), n(f.output));
  }
  if (!run.backward) {
    const terms = [];
    f.values.flat().forEach((value, i) => {
      if (i) terms.push(mo("+"));
      terms.push(n(value));
    });
    return row(
      sub(mi("y"), at),
      mo("="),
      frac(row(...terms), mn(f.divisor)),
      mo("="),
      frac(n(f.sum), mn(f.divisor)),
      mo("="),
      n(f.output),
    );
  }
  const g = sub(mi("g"), at);
  if (v.mode === "max") {
    const cell = m("mn", `${f.switch[0]},${f.switch[1]}`);
    const dx = sub(mi("∂x"), cell);
    return row(dx, mo("="), n(f.before), mo("+"), g, mo("="), n(f.before), mo("+"), n(f.grad), mo("="), n(f.after));
  }
  return row(
    m("mtext", t("pool.share")),
    mo("="),
    frac(g, mn(f.divisor)),
    mo("="),
    frac(n(f.grad), mn(f.divisor)),
    mo("="),
    n(f.share),
  );
}

// ---- narration ----

const rowsText = (list) => (list.length > 1 ? `${list[0]}–${list[list.length - 1]}` : String(list[0]));

function narrate(step) {
  const f = run.frames[step];
  const v = run.v;
  const where = { c: f.channel, y: f.y, x: f.x, rows: rowsText(f.rows), cols: rowsText(f.cols) };
  if (!run.backward && v.mode === "max") {
    const values = realValues(f);
    const ties = values.filter((value) => value === f.output).length;
    const padded = f.values.flat().length - values.length;
    return (
      t("pool.narrate_max", {
        ...where,
        values: values.map((value) => num(value)).join(", "),
        out: num(f.output),
        r: f.switch[0],
        col: f.switch[1],
      }) +
      (padded ? " " + t("pool.narrate_max_pad", { n: padded }) : "") +
      (ties > 1 ? " " + t("pool.narrate_tie", { n: ties, out: num(f.output) }) : "")
    );
  }
  if (!run.backward) {
    const terms = f.values
      .flat()
      .map((value) => term(value))
      .join(" + ");
    const counted = f.counted.flat().filter(Boolean).length;
    const padded = f.padded.flat().filter(Boolean).length;
    let extra = "";
    if (padded) extra = " " + t(v.cip ? "pool.narrate_cip_on" : "pool.narrate_cip_off", { n: padded });
    if (counted < f.values.flat().length && !padded) extra = " " + t("pool.narrate_overhang");
    return (
      t("pool.narrate_avg", { ...where, terms, sum: num(f.sum, 3), div: f.divisor, out: num(f.output, 3) }) + extra
    );
  }
  if (v.mode === "max") {
    const base = t("pool.narrate_route", { ...where, g: num(f.grad), r: f.switch[0], col: f.switch[1] });
    const add =
      f.before === 0
        ? t("pool.narrate_first", { g: num(f.grad), after: num(f.after) })
        : t("pool.narrate_adds", { g: num(f.grad), before: num(f.before), after: num(f.after) });
    return `${base} ${add}`;
  }
  const counted = f.counted.flat().filter(Boolean).length;
  let text = t("pool.narrate_spread", { ...where, g: num(f.grad), div: f.divisor, share: num(f.share, 3), n: counted });
  const lost = f.counted.flat().filter((c, i) => c && f.after.flat()[i] === null).length;
  if (lost) text += " " + t("pool.narrate_lost", { n: lost });
  const shared = [];
  f.rows.forEach((r, a) =>
    f.cols.forEach(
      (c, b) => f.before[a][b] !== null && f.before[a][b] !== 0 && shared.push([r, c, f.before[a][b], f.after[a][b]]),
    ),
  );
  if (shared.length) {
    const [r, c, before, after] = shared[0];
    text +=
      " " +
      t("pool.narrate_overlap", { r, col: c, share: num(f.share, 3), before: num(before, 3), after: num(after, 3) });
    if (shared.length > 1) text += " " + t("pool.narrate_overlap_more", { n: shared.length - 1 });
  }
  return text;
}

// ---- the output-size formula ----

function drawFormula(v, header) {
  const s = strideOf(v);
  const d = v.mode === "max" ? v.dil : 1;
  const size = header ? header.output_size?.height : null;
  const round = v.ceil
    ? (...inner) => row(m("mo", { stretchy: "true" }, "\u2308"), ...inner, m("mo", { stretchy: "true" }, "\u2309"))
    : floor;
  const symbolic = row(
    mi("o"),
    mo("="),
    round(
      frac(
        row(
          mi("N"),
          mo("+"),
          mn(2),
          mo("\u2062"),
          mi("P"),
          mo("\u2212"),
          mi("D"),
          mo("("),
          mi("F"),
          mo("\u2212"),
          mn(1),
          mo(")"),
          mo("\u2212"),
          mn(1),
        ),
        mi("S"),
      ),
    ),
    mo("+"),
    mn(1),
  );
  const numbers = row(
    mo("="),
    round(
      frac(
        row(
          mn(v.size),
          mo("+"),
          mn(2),
          mo("\u00B7"),
          mn(v.p),
          mo("\u2212"),
          mn(d),
          mo("\u00B7"),
          mo("("),
          mn(v.k),
          mo("\u2212"),
          mn(1),
          mo(")"),
          mo("\u2212"),
          mn(1),
        ),
        mn(s),
      ),
    ),
    mo("+"),
    mn(1),
    ...(size ? [mo("="), mn(size.size)] : []),
  );
  els.formula.replaceChildren(math(m("mtable", m("mtr", m("mtd", symbolic)), m("mtr", m("mtd", numbers)))));
  let note = t(v.ceil ? "pool.formula_legend_ceil" : "pool.formula_legend");
  if (size) {
    note += " " + t("pool.derivation", { d: size.derivation.replace(/->/g, "→").replace(/\*/g, "·") });
    if (size.unvisited && size.unvisited.length) note += " " + t("pool.unvisited", { rows: size.unvisited.join(", ") });
  }
  els.formulaNote.textContent = note;
  const notes = [];
  notes.push(
    t(
      v.stride === "k"
        ? "pool.note_stride_k"
        : s < v.k
          ? "pool.note_overlap"
          : s > v.k
            ? "pool.note_gaps"
            : "pool.note_stride_eq",
      { s, k: v.k },
    ),
  );
  if (v.cin > 1) notes.push(t("pool.note_channels", { c: v.cin }));
  if (v.dir === "backward" && v.mode === "avg") notes.push(t("pool.note_avg_backward"));
  els.limits.replaceChildren(...paragraphs(notes));
}

// ---- the shift comparison ----

async function compare(v, signal, result) {
  els.compareBody.replaceChildren();
  els.verdict.textContent = "";
  els.compare.hidden = v.dir === "backward";
  if (v.dir === "backward") return;
  if (v.shift === "none") {
    els.verdict.textContent = t("pool.cmp_choose");
    return;
  }
  const moved = shifted(run.input, v.shift);
  // Not aborted with the run (a small request): a stale answer is simply dropped.
  const other = await postJson(endpoint(v), requestBody(v, moved));
  if (signal.aborted) return;
  const before = unbatch(result.output);
  const after = unbatch(other.output);
  let differ = 0;
  let total = 0;
  const diffs = before.map((plane, c) =>
    plane.flatMap((line, y) =>
      line.flatMap((value, x) => {
        total += 1;
        if (value === after[c][y][x]) return [];
        differ += 1;
        return [[y, x]];
      }),
    ),
  );
  els.verdict.textContent = differ
    ? t("pool.cmp_changed", { d: differ, n: total, dir: t(`pool.shift_word.${v.shift}`) })
    : t("pool.cmp_same", { n: total, dir: t(`pool.shift_word.${v.shift}`) });
  if (v.xkind === "one") els.verdict.textContent += " " + t(differ ? "pool.cmp_one_changed" : "pool.cmp_one_same");
  const width = Math.max(280, els.compareBody.clientWidth || 800);
  const each = width < 700 ? width - 20 : (width - 60) / 3;
  const inScale = diverging(maxAbs(run.input));
  const outScale = diverging(Math.max(maxAbs(before), maxAbs(after)));
  const incoming = (r, c) => (v.shift === "down" ? r === 0 : c === 0);
  for (let c = 0; c < run.C; c += 1) {
    const line = document.createElement("div");
    line.className = "planes pool-compare-line";
    const shiftedGrid = new Grid({
      rows: run.H,
      cols: run.W,
      caption: t("pool.cmp_input", { c, dir: t(`pool.shift_word.${v.shift}`) }),
      label: t("pool.cmp_input", { c, dir: t(`pool.shift_word.${v.shift}`) }),
      fitWidth: each,
      fill: (r, col) => inScale(moved[c][r][col]),
      text: (r, col) => num(moved[c][r][col]),
      ink: (r, col, fill) => inkFor(fill),
      pattern: (r, col) => (incoming(r, col) ? "pad" : null),
    });
    const plane = (values, key, name) => {
      const g = new Grid({
        rows: values.length,
        cols: values[0].length,
        caption: t(key, { c }),
        label: t(key, { c }),
        fitWidth: Math.min(each, shiftedGrid.baseCell * values[0].length * strideOf(v) + 18),
        fill: (y, x) => outScale(values[y][x]),
        text: (y, x) => num(values[y][x]),
        ink: (y, x, fill) => inkFor(fill),
      });
      g.setOverlays([{ cells: diffs[c], ...DIFFERS }]);
      g.el.dataset.grid = `${name}-${c}`;
      return g;
    };
    const grids = [
      shiftedGrid,
      plane(before[c], "pool.cmp_before", "pooled"),
      plane(after[c], "pool.cmp_after", "pooled-shifted"),
    ];
    shiftedGrid.el.dataset.grid = `shifted-${c}`;
    for (const g of grids) {
      g.draw();
      line.append(g.el);
    }
    els.compareBody.append(line);
  }
}

// ---- wiring ----

async function load(v, signal, sc) {
  run = null;
  drawFormula(v, null);
  const path = endpoint(v) + (v.dir === "backward" ? "/backward/frames" : "/frames");
  const { result } = await streamFrames(path, requestBody(v), {
    signal,
    onHeader: (header) => {
      if (signal.aborted) return;
      run = newRun(v, header);
      drawFormula(v, header);
      buildStage();
      sc.expect(header.frame_count);
    },
    onFrames: (frames) => {
      if (signal.aborted || !run) return;
      ingest(frames);
      sc.arrived(frames.length);
    },
  });
  if (signal.aborted || !run) return;
  if (run.frames.length !== run.header.frame_count) throw new Error(t("pool.incomplete"));
  await compare(v, signal, result);
}

const scene = new Scene({ table: TABLE, constrain, load, draw, narrate, title: t("scene.pool.title") });

for (const button of document.querySelectorAll("[data-preset]")) {
  button.addEventListener("click", () => scene.state.set({ ...PRESETS[button.dataset.preset] }));
}

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
