// /conv's stage: the padded input planes, each kernel's slices with its bias, the output planes
// filling in as the steps pass, and the colour keys. Every cell is editable or tied to the steps
// it takes part in (hover, click); the values are the stream's header tensors and its frames.
import { diverging, maxAbs } from "../../draw/colour.js";
import { kernelLine, legends, stagePart } from "../../draw/dom.js";
import { Grid, kernelGrid } from "../../draw/grid.js";
import { COLOUR } from "../../draw/style.js";
import { editNumber, withEdit } from "../../edit.js";
import { num, t } from "../../i18n.js";
import { key, reached } from "../../kit/frames.js";

/** Write a hand edit of tensor `tensor` ("x", "w", "b") at `index` into the URL. */
const edit = (scene, tensor, index) => (value) =>
  scene.state.set({ edits: withEdit(scene.values.edits, tensor, index, value) });

const isReal = (run, r, col) => r >= 0 && r < run.H && col >= 0 && col < run.W;

/** An input value, a copied padding value (from the frames), 0 in zero padding, or null unknown. */
function inputValue(run, c, r, col) {
  if (isReal(run, r, col)) return run.input[c][r][col];
  if (run.v.pmode === "zeros") return 0;
  const k = key(c, r, col);
  return run.padValues.has(k) ? run.padValues.get(k) : null;
}

function inputPart(scene, run, width) {
  const body = stagePart(scene.els.stage, "conv.input", "part-input");
  const scale = diverging(maxAbs(run.input));
  const perRow = Math.min(run.cin, width < 600 ? 1 : run.cin);
  const complete = () => run.frames.length === run.header.frame_count;
  const grids = Array.from(
    { length: run.cin },
    (_, c) =>
      new Grid({
        rows: run.H + run.padBefore + run.padAfter,
        cols: run.W + run.padBefore + run.padAfter,
        rowStart: -run.padBefore,
        colStart: -run.padBefore,
        caption: t("conv.channel", { c }),
        label: t("conv.input_aria", { c, h: run.H, w: run.W }),
        fitWidth: width / perRow - 16,
        zoom: run.v.zoom,
        name: `input-${c}`,
        parent: body,
        value: (r, col) => inputValue(run, c, r, col),
        colour: scale,
        empty: COLOUR.pad,
        pattern: (r, col) => {
          if (complete() && !(run.rowsSeen.has(r) && run.colsSeen.has(col))) return "unvisited";
          return isReal(run, r, col) ? null : "pad";
        },
        onHover: scene.hovers((r, col) => ({ kind: "input", c, r, col })),
        onClick: (r, col, rect) => {
          if (!isReal(run, r, col)) return;
          editNumber(rect, run.input[c][r][col], t("edit.input", { c, r, col }), edit(scene, "x", [c, r, col]));
        },
      }),
  );
  const unvisited = run.header.output_size?.height?.unvisited || [];
  if (unvisited.length) {
    const note = document.createElement("p");
    note.className = "grid-note";
    note.textContent = t("conv.unvisited_key", { rows: unvisited.join(", ") });
    body.after(note);
  }
  return grids;
}

function biasChip(scene, run, o) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "bias-chip";
  b.dataset.bias = String(o);
  if (!run.bias) {
    b.textContent = t("conv.no_bias");
    b.disabled = true;
    return b;
  }
  b.textContent = t("conv.bias_value", { b: num(run.bias[o]) });
  b.title = t("edit.bias_hint");
  b.addEventListener("click", () => {
    const box = b.getBoundingClientRect();
    const rect = { left: box.left, top: box.top, size: box.height };
    editNumber(rect, run.bias[o], t("edit.bias", { o }), edit(scene, "b", [o]));
  });
  return b;
}

function kernelPart(scene, run, width) {
  const { k, groups } = run.v;
  const body = stagePart(scene.els.stage, "conv.kernels", "part-kernels");
  const scale = diverging(maxAbs([run.weight, run.bias || []]));
  return Array.from({ length: run.cout }, (_, o) => {
    const line = kernelLine(t("conv.kernel", { o }));
    line.dataset.kernel = String(o);
    const group = Math.floor(o / (run.cout / groups));
    const slices = Array.from({ length: run.perGroup }, (_, i) => {
      const inC = group * run.perGroup + i;
      return kernelGrid(
        k,
        width,
        {
          caption: t("conv.slice", { c: inC }),
          label: t("conv.kernel_aria", { o, c: inC }),
          name: `kernel-${o}-${i}`,
          parent: line,
          value: (r, c) => run.weight[o][i][r][c],
          colour: scale,
          onHover: scene.hovers((r, c) => ({ kind: "weight", o, i, ky: r, kx: c })),
          onClick: (r, c, rect) => {
            const label = t("edit.weight", { o, c: inC, r, col: c });
            editNumber(rect, run.weight[o][i][r][c], label, edit(scene, "w", [o, i, r, c]));
          },
        },
        44,
      );
    });
    line.append(biasChip(scene, run, o));
    body.append(line);
    return slices;
  });
}

function outputPart(scene, run, width, cellSize) {
  const body = stagePart(scene.els.stage, "conv.output", "part-output");
  return Array.from({ length: run.cout }, (_, o) => {
    const at = (y, x) => reached(run.frames, run.frameAt.get(key(o, y, x)), scene.player.step);
    return new Grid({
      rows: run.outH,
      cols: run.outW,
      caption: t("conv.out_channel", { o }),
      label: t("conv.output_aria", { o, h: run.outH, w: run.outW }),
      // Output cells as large as input cells, so a window and its output look alike.
      fitWidth: Math.min(width - 24, cellSize * run.outW + 18),
      zoom: run.v.zoom,
      name: `output-${o}`,
      parent: body,
      value: (y, x) => at(y, x)?.output,
      colour: (value) => diverging(run.outMax)(value),
      onHover: scene.hovers((y, x) => ({ kind: "output", o, y, x })),
      onClick: (y, x) => scene.jump(run.frameAt.get(key(o, y, x))),
    });
  });
}

/** The whole stage for `run`; its grids go to run.grids and the output's key to run.outLegend. */
export function buildStage(scene, run) {
  const { stage, legend } = scene.els;
  const width = Math.max(280, stage.clientWidth || 800);
  stage.replaceChildren();
  const inputGrids = inputPart(scene, run, width);
  const kernelGrids = kernelPart(scene, run, width);
  const outGrids = outputPart(scene, run, width, inputGrids[0].baseCell);
  run.grids = { inputGrids, kernelGrids, outGrids };
  const keys = [
    [maxAbs(run.input), "legend.input"],
    [maxAbs([run.weight, run.bias || []]), "legend.weights"],
  ];
  run.outLegend = legends(legend, keys, { live: true });
}
