// /backward's stage: the upstream gradient; each kernel beside its 180-degree rotation; the spread
// and padded upstream plane the rotated kernel slides over, beside the input gradient filling in;
// the forward input beside the weight and bias gradients; the stage tabs and the colour keys.
import { diverging, inkFor, maxAbs } from "../../draw/colour.js";
import { el, kernelLine, legends, stagePart } from "../../draw/dom.js";
import { Grid, kernelGrid } from "../../draw/grid.js";
import { COLOUR } from "../../draw/style.js";
import { num, t } from "../../i18n.js";
import { key, reached } from "../../kit/frames.js";

export const STAGES = ["grad_input", "grad_weight", "grad_bias"];

const isReal = (run, r, c) => r >= 0 && r < run.H && c >= 0 && c < run.W;

/** The upstream value at (s, t) of the spread plane: row s / stride when whole, else null (a gap). */
export function spreadValue(run, o, s, tt) {
  const S = run.v.stride;
  if (s % S !== 0 || tt % S !== 0) return null;
  const [r, c] = [s / S, tt / S];
  if (r < 0 || r >= run.oH || c < 0 || c >= run.oW) return null;
  return run.grad[o][r][c];
}

/** A k x k slice of kernel `o`, input slice `i`, drawn from `at(r, c)`. */
function slice(scene, run, width, { o, i, name, caption, label, at, tap, colour, onClick }) {
  return kernelGrid(run.v.k, width, {
    caption,
    label,
    name,
    value: at,
    colour,
    // Every view of a weight points at the same weight (a rotated slice, at its mirror image).
    onHover: scene.hovers((r, c) => ({ kind: "weight", o, i, inC: run.inC(o, i), ...tap(r, c) })),
    onClick,
  });
}

function upstreamPart(scene, run, layout) {
  const body = stagePart(scene.els.stage, "bw.upstream", "part-upstream");
  const scale = diverging(maxAbs(run.grad));
  return Array.from(
    { length: run.cout },
    (_, o) =>
      new Grid({
        rows: run.oH,
        cols: run.oW,
        caption: t("bw.up_channel", { o }),
        label: t("bw.up_aria", { o, h: run.oH, w: run.oW }),
        fitWidth: Math.min(layout.narrow ? layout.width - 24 : layout.width / 4, 46 * run.oW + 18),
        zoom: run.v.zoom,
        name: `upstream-${o}`,
        parent: body,
        value: (r, c) => run.grad[o][r][c],
        colour: scale,
      }),
  );
}

/** Kernels, each beside its 180-degree rotation. */
function kernelsPart(scene, run, { width }) {
  const body = stagePart(scene.els.stage, "bw.kernels", "part-kernels", "bw.why_flip");
  const scale = diverging(maxAbs(run.weight));
  const last = run.v.k - 1;
  const kGrids = [];
  const rGrids = [];
  for (let o = 0; o < run.cout; o += 1) {
    const line = kernelLine(t("conv.kernel", { o }));
    const kRow = [];
    const rRow = [];
    for (let i = 0; i < run.perGroup; i += 1) {
      const c = run.inC(o, i);
      const w = run.weight[o][i];
      const orig = slice(scene, run, width, {
        o,
        i,
        name: `kernel-${o}-${i}`,
        caption: t("bw.slice", { c }),
        label: t("conv.kernel_aria", { o, c }),
        at: (r, col) => w[r][col],
        tap: (r, col) => ({ ky: r, kx: col }),
        colour: scale,
      });
      const rot = slice(scene, run, width, {
        o,
        i,
        name: `rotated-${o}-${i}`,
        caption: t("bw.rotated", { c }),
        label: t("bw.rotated_aria", { o, c }),
        at: (r, col) => w[last - r][last - col],
        tap: (r, col) => ({ ky: last - r, kx: last - col }),
        colour: scale,
      });
      const arrow = el("span", "rotate-arrow", "↻ 180°");
      arrow.setAttribute("aria-hidden", "true");
      line.append(orig.el, arrow, rot.el);
      kRow.push(orig);
      rRow.push(rot);
    }
    body.append(line);
    kGrids.push(kRow);
    rGrids.push(rRow);
  }
  return { kGrids, rGrids };
}

/** Stage 1: the spread and padded upstream gradient. */
function spreadPart(scene, run, { width, narrow }) {
  const body = stagePart(scene.els.stage, "bw.spread", "part-spread", "bw.spread_note");
  const scale = diverging(maxAbs(run.grad));
  const rows = run.sMax - run.sMin + 1;
  const cols = run.tMax - run.tMin + 1;
  return Array.from({ length: run.cout }, (_, o) => {
    const at = (s, c) => spreadValue(run, o, s, c);
    return new Grid({
      rows,
      cols,
      rowStart: run.sMin,
      colStart: run.tMin,
      caption: t("bw.spread_channel", { o }),
      label: t("bw.spread_aria", { o, h: rows, w: cols }),
      fitWidth: narrow ? width - 24 : Math.min(width / 2 - 16, 40 * cols + 18),
      zoom: run.v.zoom,
      axes: false,
      name: `spread-${o}`,
      parent: body,
      value: at,
      colour: scale,
      empty: COLOUR.gap,
      text: (s, c) => (at(s, c) === null ? "0" : num(at(s, c))),
      ink: (s, c, fill) => (at(s, c) === null ? COLOUR.faint : inkFor(fill)),
      pattern: (s, c) => (at(s, c) === null ? "pad" : null),
    });
  });
}

/** Stage 1 and 2 planes: the forward input x, and the input gradient filling in. */
function inputParts(scene, run, { width, narrow }) {
  const xBody = stagePart(scene.els.stage, "bw.input", "part-input");
  const scale = diverging(maxAbs(run.input));
  const [rowsX, colsX] = [run.H + run.a + run.b, run.W + run.a + run.b];
  const xGrids = Array.from(
    { length: run.cin },
    (_, c) =>
      new Grid({
        rows: rowsX,
        cols: colsX,
        rowStart: -run.a,
        colStart: -run.a,
        zoom: run.v.zoom,
        parent: xBody,
        caption: t("bw.x_channel", { c }),
        label: t("conv.input_aria", { c, h: run.H, w: run.W }),
        fitWidth: narrow ? width - 24 : Math.min(width / 2 - 16, 40 * colsX + 18),
        name: `input-${c}`,
        value: (r, col) => (isReal(run, r, col) ? run.input[c][r][col] : null),
        colour: scale,
        empty: COLOUR.pad,
        pattern: (r, col) => (isReal(run, r, col) ? null : "pad"),
        onHover: scene.hovers((r, col) => ({ kind: "x", c, r, col })),
      }),
  );
  const giBody = stagePart(scene.els.stage, "bw.grad_input", "part-gi");
  const [rows, cols] = [run.yMax - run.yMin + 1, run.xMax - run.xMin + 1];
  const giGrids = Array.from(
    { length: run.cin },
    (_, c) =>
      new Grid({
        rows,
        cols,
        rowStart: run.yMin,
        colStart: run.xMin,
        zoom: run.v.zoom,
        parent: giBody,
        caption: t("bw.gi_channel", { c }),
        label: t("bw.gi_aria", { c, h: run.H, w: run.W }),
        fitWidth: narrow ? width - 24 : Math.min(width / 2 - 16, 40 * cols + 18),
        name: `grad-input-${c}`,
        value: (r, col) => run.gi.at(key(c, r, col), scene.player.step),
        colour: (value) => diverging(run.giMax)(value),
        pattern: (r, col) => (isReal(run, r, col) ? null : "pad"),
        onHover: scene.hovers((r, col) => ({ kind: "gi", c, r, col })),
        onClick: (r, col) => scene.jump(run.giAt.get(key(c, r, col))),
      }),
  );
  return { xGrids, giGrids };
}

/** Stages 2 and 3: the weight and bias gradients, filling in. */
function paramsPart(scene, run, { width }) {
  const body = stagePart(scene.els.stage, "bw.params", "part-params");
  const gwGrids = [];
  const gbChips = [];
  for (let o = 0; o < run.cout; o += 1) {
    const line = kernelLine(t("conv.kernel", { o }));
    const row = Array.from({ length: run.perGroup }, (_, i) => {
      const c = run.inC(o, i);
      const frameOf = (r, col) => reached(run.frames, run.gwAt.get(key(o, i, r, col)), scene.player.step);
      const g = slice(scene, run, width, {
        o,
        i,
        name: `grad-weight-${o}-${i}`,
        caption: t("bw.gw_slice", { c }),
        label: t("bw.gw_aria", { o, c }),
        at: (r, col) => frameOf(r, col)?.grad,
        tap: (r, col) => ({ ky: r, kx: col }),
        colour: (value) => diverging(run.gwMax)(value),
        onClick: (r, col) => scene.jump(run.gwAt.get(key(o, i, r, col))),
      });
      line.append(g.el);
      return g;
    });
    const chip = el("button", "bias-chip");
    chip.type = "button";
    chip.dataset.gradBias = String(o);
    chip.addEventListener("click", () => scene.jump(run.gbAt.get(o)));
    line.append(chip);
    gbChips.push(chip);
    body.append(line);
    gwGrids.push(row);
  }
  return { gwGrids, gbChips };
}

function buildTabs(scene, run) {
  const tabs = document.getElementById("stage-tabs");
  tabs.replaceChildren();
  for (const stage of STAGES) {
    const b = el("button", "btn stage-tab", t(`bw.stage.${stage}`));
    b.type = "button";
    b.dataset.stage = stage;
    b.addEventListener("click", () => scene.jump(run.stageStart[stage]));
    tabs.append(b);
  }
}

/** The whole stage for `run`; its grids go to run.grids and the gradients' key to run.gradLegend. */
export function buildStage(scene, run) {
  const { stage } = scene.els;
  const width = Math.max(280, stage.clientWidth || 800);
  const layout = { width, narrow: width < 600 };
  stage.replaceChildren();
  const upGrids = upstreamPart(scene, run, layout);
  const kernels = kernelsPart(scene, run, layout);
  const spreadGrids = spreadPart(scene, run, layout);
  const inputs = inputParts(scene, run, layout);
  const params = paramsPart(scene, run, layout);
  // Stage 1's planes side by side first; the forward input beside the parameter gradients.
  stage.append(stage.querySelector(".part-input"), stage.querySelector(".part-params"));
  run.grids = { upGrids, ...kernels, spreadGrids, ...inputs, ...params };
  const keys = [
    [maxAbs(run.input), "legend.input"],
    [maxAbs(run.weight), "bw.legend.weights"],
    [maxAbs(run.grad), "bw.legend.upstream"],
  ];
  run.gradLegend = legends(scene.els.legend, keys, { live: true });
  buildTabs(scene, run);
}
