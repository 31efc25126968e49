// /one-by-one's stage: the input channels, the kernels as a C_out x C_in matrix times the pixel's
// vector (plus the bias, then ReLU) as grids side by side, the output channels filling in, and the
// colour keys. Every number is the header's or a frame's.
import { diverging, inkFor, maxAbs } from "../../draw/colour.js";
import { el, legends, stagePart } from "../../draw/dom.js";
import { Grid } from "../../draw/grid.js";
import { num, t } from "../../i18n.js";

/** Step -> the pixel it shows and, stepping by value, the output channel (else null). */
export function position(run, step) {
  const per = run.by === "value" ? run.cout : 1;
  const pixel = Math.floor(step / per);
  return { y: Math.floor(pixel / run.W), x: pixel % run.W, pixel, o: run.by === "value" ? step % per : null };
}

/** An output value is shown once its step has come. */
export function shown(run, o, y, x, at) {
  const p = y * run.W + x;
  return p < at.pixel || (p === at.pixel && (at.o === null || o <= at.o));
}

const stepOf = (run, y, x, o) => (run.by === "value" ? (y * run.W + x) * run.cout + o : y * run.W + x);
const goTo = (scene, run, y, x, o) => scene.jump(stepOf(run, y, x, o));

/** One column of values (the pixel's x, z, y or the bias) as a narrow grid. */
function vectorGrid(key, rows, value, scale, name) {
  const g = new Grid({ rows, cols: 1, caption: t(key), label: t(key), fitWidth: 58, maxCell: 40, axes: false, name });
  g.fill = (r) => (value(r) === null ? null : scale(value(r)));
  g.text = (r) => (value(r) === null ? "" : num(value(r), 2));
  g.ink = (_r, _c, fill) => inkFor(fill);
  return g;
}

function planes(scene, run, count, { body, width, caption, name, value, colour, onClick }) {
  return Array.from(
    { length: count },
    (_, c) =>
      new Grid({
        rows: run.H,
        cols: run.W,
        caption: t(caption, { c, o: c }),
        label: t(caption, { c, o: c }),
        fitWidth: width,
        name: `${name}-${c}`,
        parent: body,
        value: (r, col) => value(c, r, col),
        colour,
        onClick: (r, col) => goTo(scene, run, r, col, onClick(c)),
      }),
  );
}

/** z = W x (+ b), ReLU -> y, at the step's pixel, as grids. */
function mixPart(scene, run, { phone, width, shape, inScale, wScale }) {
  const mix = stagePart(scene.els.stage, "obo.stage_mix", "part-kernels", "obo.mix_note", shape);
  const matrix = new Grid({
    rows: run.cout,
    cols: run.cin,
    caption: t("obo.matrix", shape),
    label: t("obo.matrix", shape),
    fitWidth: Math.min(46 * run.cin + 18, phone ? width - 60 : 360),
    maxCell: 40,
    name: "matrix",
    value: (o, c) => run.weight[o][c],
    colour: wScale,
  });
  const at = () => position(run, scene.player.step);
  const frameValue = (field) => (o) => {
    const p = at();
    return shown(run, o, p.y, p.x, p) ? run.frameAt.get(`${o},${p.y},${p.x}`)[field] : null;
  };
  const xVec = vectorGrid("obo.vector_x", run.cin, (c) => run.input[c][at().y][at().x], inScale, "vector-x");
  const zScale = diverging(maxAbs(run.frames.map((f) => f.pre_activation)));
  const zVec = vectorGrid("obo.vector_z", run.cout, frameValue("pre_activation"), zScale, "vector-z");
  const yVec = vectorGrid("obo.vector_y", run.cout, frameValue("output"), diverging(run.outMax), "vector-y");
  const relu = run.header.parameters.activation !== "none";
  const product = el("div", "obo-product-row");
  const sign = (text) => el("span", "obo-sign", text);
  product.append(matrix.el, sign("·"), xVec.el);
  const bVec = run.bias ? vectorGrid("obo.vector_b", run.cout, (o) => run.bias[o], wScale, "vector-b") : null;
  if (bVec) product.append(sign("+"), bVec.el);
  product.append(sign("="), zVec.el);
  if (relu) product.append(sign(`${t("act.relu")} →`), yVec.el);
  mix.append(product);
  return { matrix, xVec, zVec, yVec: relu ? yVec : null, bVec };
}

/** The whole stage for `run`; its grids go to run.grids. */
export function buildStage(scene, run) {
  const { stage } = scene.els;
  const width = Math.max(280, stage.clientWidth || 800);
  const phone = width < 600;
  const inScale = diverging(maxAbs(run.input));
  const wScale = diverging(maxAbs([run.weight, run.bias || []]));
  stage.replaceChildren();
  const shape = { h: run.H, w: run.W, cin: run.cin, cout: run.cout };
  const change = run.cout < run.cin ? "reduce" : run.cout > run.cin ? "expand" : "keep";
  const inputs = stagePart(stage, "obo.stage_input", "part-input", "obo.input_note", shape);
  const perRow = phone ? Math.min(run.cin, 2) : Math.min(run.cin, 4);
  const planeWidth = Math.max(110, Math.min(230, width / perRow - 24));
  const inputGrids = planes(scene, run, run.cin, {
    body: inputs,
    width: planeWidth,
    caption: "obo.in_channel",
    name: "input",
    value: (c, r, col) => run.input[c][r][col],
    colour: inScale,
    onClick: () => 0,
  });
  const mix = mixPart(scene, run, { phone, width, shape, inScale, wScale });
  const outputs = stagePart(stage, "obo.stage_output", "part-output", `obo.output_note_${change}`, shape);
  const outScale = diverging(run.outMax);
  const at = () => position(run, scene.player.step);
  const outGrids = planes(scene, run, run.cout, {
    body: outputs,
    width: planeWidth,
    caption: "obo.out_channel",
    name: "output",
    value: (o, y, x) => (shown(run, o, y, x, at()) ? run.frameAt.get(`${o},${y},${x}`).output : null),
    colour: outScale,
    onClick: (o) => o,
  });
  run.grids = { inputGrids, ...mix, outGrids };
  const keys = [
    [maxAbs(run.input), "legend.input"],
    [maxAbs([run.weight, run.bias || []]), "legend.weights"],
    [run.outMax, "legend.output"],
  ];
  legends(scene.els.legend, keys);
}
