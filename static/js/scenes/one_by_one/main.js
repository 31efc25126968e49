// /one-by-one: a 1x1 convolution as channel mixing, stepped pixel by pixel (or one output channel
// at a time), with the per-pixel matrix-vector product written out; below it, the inception and
// bottleneck calculators. The mixing numbers come from POST /api/conv2d/frames (one frame per
// output channel and pixel), the counts from POST /api/inception and /api/bottleneck.
import { maxAbs } from "../../draw/colour.js";
import { allCells, MARK } from "../../draw/style.js";
import { t } from "../../i18n.js";
import { unbatch } from "../../kit/frames.js";
import { SteppedScene } from "../../kit/stepped.js";
import { postJson } from "../../kit/stream.js";
import { Calculators } from "./calc.js";
import { bottleneckBody, constrain, inceptionBody, mixBody, mixKey, TABLE } from "./settings.js";
import { buildStage, position } from "./stage.js";
import { drawDots, drawFormula, narrate as narrateFrames } from "./text.js";

/** The run of one mixing stream: the pixel's tensors, the kernels as a (C_out, C_in) matrix. */
function begin(v, header, frames) {
  const input = unbatch(header.inputs.input);
  const weight = header.inputs.weight.map((k) => k.map((slice) => slice[0][0])); // (C_out, C_in)
  const [, H, W] = header.shapes.output.slice(-3);
  return {
    v,
    key: mixKey(v),
    header,
    frames,
    frameAt: new Map(frames.map((f) => [`${f.out_channel},${f.y},${f.x}`, f])),
    input,
    weight,
    bias: header.inputs.bias || null,
    H,
    W,
    cin: input.length,
    cout: weight.length,
    outMax: maxAbs(frames.map((f) => f.output)),
  };
}

// ---- steps: a pixel (every output channel at once), or one output channel of a pixel ----

const stepCount = (run, by) => run.H * run.W * (by === "value" ? run.cout : 1);
const pixelFrames = (run, y, x) => Array.from({ length: run.cout }, (_, o) => run.frameAt.get(`${o},${y},${x}`));

function draw(run, step) {
  const p = position(run, step);
  const { inputGrids, matrix, xVec, zVec, yVec, bVec, outGrids } = run.grids;
  for (const g of inputGrids) {
    g.setOverlays([{ cells: [[p.y, p.x]], ...MARK.current }]);
    g.draw();
  }
  const rows = p.o === null ? [...Array(run.cout).keys()] : [p.o];
  matrix.setOverlays([{ cells: rows.flatMap((o) => allCells(1, run.cin, o)), ...MARK.frame }]);
  matrix.draw();
  xVec.setOverlays([{ cells: allCells(run.cin, 1), ...MARK.frame }]);
  xVec.draw();
  for (const vector of [zVec, yVec]) {
    vector?.setOverlays([{ cells: rows.map((o) => [o, 0]), ...MARK.frame }]);
    vector?.draw();
  }
  bVec?.draw();
  outGrids.forEach((g, o) => {
    g.setOverlays([rows.includes(o) ? { cells: [[p.y, p.x]], ...MARK.current } : null]);
    g.draw();
  });
  const frames = pixelFrames(run, p.y, p.x);
  drawFormula(scene.els.formula, frames, p.o);
  scene.els.formulaNote.textContent = t("obo.formula_note", { y: p.y, x: p.x, cin: run.cin, cout: run.cout });
  drawDots(scene.els.detail, frames, p.o);
}

function narrate(run, step) {
  const p = position(run, step);
  return narrateFrames(pixelFrames(run, p.y, p.x), p.o);
}

let calculators = null; // built once the scene has made the controls it moves into its boxes

/** The calculators' answers, and the mixing run, which only its own settings reload. */
async function load(v, signal) {
  const calc = Promise.all([
    postJson("/api/inception", inceptionBody(v), { signal }),
    postJson("/api/bottleneck", bottleneckBody(v), { signal }),
  ]);
  calc.catch(() => {}); // awaited below; if the stream fails first, its error is the one reported
  // Only the calculators changed: keep the mixing run and the learner's step.
  const previous = scene.run;
  const same = previous?.key === mixKey(v);
  const keepStep = same && previous.by === v.by;
  let next = previous;
  if (!same) {
    const { header, frames } = await scene.fetchFrames("/api/conv2d/frames", mixBody(v), signal);
    if (signal.aborted) return;
    next = begin(v, header, frames);
  }
  const [inception, bottleneck] = await calc;
  if (signal.aborted) return;
  calculators.showInception(inception, v);
  calculators.showBottleneck(bottleneck);
  if (keepStep) scene.startStep = scene.player.step;
  next.by = v.by;
  await scene.install(next, { count: stepCount(next, v.by), build: !same });
}

const scene = new SteppedScene({
  table: TABLE,
  constrain,
  title: t("scene.one-by-one.title"),
  load,
  build: (run) => buildStage(scene, run),
  draw,
  narrate,
});
calculators = new Calculators();
scene.start();
