// /pool's stage: the padded input planes (with the switches, backward), the output planes filling
// in, or, backward, the upstream gradient and the input gradient filling in; the colour keys and
// what each mark means. Every value is the stream header's or a frame's.
import { diverging, maxAbs } from "../../draw/colour.js";
import { legends, marks, stagePart } from "../../draw/dom.js";
import { Grid } from "../../draw/grid.js";
import { COLOUR } from "../../draw/style.js";
import { num, t } from "../../i18n.js";
import { key, reached } from "../../kit/frames.js";

export const isReal = (run, r, c) => r >= 0 && r < run.H && c >= 0 && c < run.W;

/** The padded plane of channel c: `fill` and `text` say what a real cell shows, padding is hatched. */
function paddedGrid(run, c, width, { name, label, fill, text, padText = "" }) {
  return new Grid({
    rows: run.rows,
    cols: run.cols,
    rowStart: run.rowStart,
    colStart: run.colStart,
    caption: t("pool.channel", { c }),
    label,
    fitWidth: width,
    zoom: run.v.zoom,
    name,
    fill: (r, col) => (isReal(run, r, col) ? fill(r, col) : COLOUR.pad),
    text: (r, col) => (isReal(run, r, col) ? text(r, col) : padText),
    pattern: (r, col) => (isReal(run, r, col) ? null : "pad"),
  });
}

/** An output-sized plane of channel c, clicking a cell shows its step. */
function outputGrid(scene, run, c, width, { name, label, at, colour }) {
  return new Grid({
    rows: run.oH,
    cols: run.oW,
    caption: t("pool.channel", { c }),
    label,
    fitWidth: width,
    zoom: run.v.zoom,
    name,
    value: at,
    colour,
    onClick: (y, x) => scene.jump(run.frameAt.get(key(c, y, x))),
  });
}

/** Part `titleKey` of the stage with one grid per channel from `make(c)`. */
function part(scene, run, titleKey, extra, make) {
  const body = stagePart(scene.els.stage, titleKey, extra);
  return Array.from({ length: run.C }, (_, c) => {
    const g = make(c);
    body.append(g.el);
    return g;
  });
}

function forwardParts(scene, run, perGrid, grids) {
  const cell = grids.input[0] ? grids.input[0].baseCell : 40;
  grids.output = part(scene, run, "pool.output", "part-output", (c) =>
    outputGrid(scene, run, c, Math.min(perGrid, cell * run.oW + 18), {
      name: `output-${c}`,
      label: t("pool.output_aria", { c, h: run.oH, w: run.oW }),
      at: (y, x) => reached(run.frames, run.frameAt.get(key(c, y, x)), scene.player.step)?.output,
      colour: (value) => diverging(run.outMax)(value),
    }),
  );
}

function backwardParts(scene, run, perGrid, grids) {
  const scale = diverging(maxAbs(run.gradOut));
  grids.gradOut = part(scene, run, "pool.grad_out", "part-grad-out", (c) =>
    outputGrid(scene, run, c, Math.min(perGrid, 46 * run.oW + 18), {
      name: `grad-out-${c}`,
      label: t("pool.grad_out_aria", { c, h: run.oH, w: run.oW }),
      at: (y, x) => run.gradOut[c][y][x],
      colour: scale,
    }),
  );
  // Cells no gradient has reached yet hold 0, on white.
  const total = (c, r, col) => run.totals?.get(key(c, r, col));
  grids.gradIn = part(scene, run, "pool.grad_in", "part-grad-in", (c) =>
    paddedGrid(run, c, perGrid, {
      name: `grad-in-${c}`,
      label: t("pool.grad_in_aria", { c, h: run.H, w: run.W }),
      fill: (r, col) => (total(c, r, col) === undefined ? COLOUR.blank : diverging(run.gradMax)(total(c, r, col))),
      text: (r, col) => num(total(c, r, col) ?? 0),
    }),
  );
}

function keysAndMarks(scene, run, grids) {
  const v = run.v;
  const keys = [];
  if (grids.input.length) keys.push([maxAbs(run.input), "legend.input"]);
  if (run.backward) keys.push([maxAbs(run.gradOut), "pool.legend_grad_out"]);
  run.valueLegend = legends(scene.els.legend, keys, { live: true });
  const list = ["pool.mark_window", v.mode === "max" ? "pool.mark_switch" : "pool.mark_not_counted"];
  if (v.p || v.ceil) list.push("pool.mark_pad");
  if (!run.backward && v.shift !== "none") list.push("pool.mark_differs");
  scene.els.legend.append(marks(list));
}

/** The whole stage for `run`; its grids go to run.grids, the changing key to run.valueLegend. */
export function buildStage(scene, run) {
  const v = run.v;
  const { stage } = scene.els;
  const width = Math.max(280, stage.clientWidth || 800);
  stage.replaceChildren();
  const parts = run.backward && v.mode === "max" ? 3 : 2;
  const perPart = width < 700 ? width - 30 : Math.max(240, (width - 40) / parts - 20);
  const perGrid = perPart / (width < 700 ? 1 : Math.min(run.C, 2)) - 8;
  const grids = { input: [], output: [], gradOut: [], gradIn: [] };
  if (!run.backward || v.mode === "max") {
    const scale = diverging(maxAbs(run.input));
    grids.input = part(scene, run, run.backward ? "pool.input_switches" : "pool.input", "part-input", (c) =>
      paddedGrid(run, c, perGrid, {
        name: `input-${c}`,
        label: t("pool.input_aria", { c, h: run.H, w: run.W }),
        fill: (r, col) => scale(run.input[c][r][col]),
        text: (r, col) => num(run.input[c][r][col]),
        padText: v.mode === "avg" ? "0" : "",
      }),
    );
  }
  if (run.backward) backwardParts(scene, run, perGrid, grids);
  else forwardParts(scene, run, perGrid, grids);
  run.grids = grids;
  keysAndMarks(scene, run, grids);
}
