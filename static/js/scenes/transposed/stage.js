// /transposed's stage: the input planes, the kernels grouped by the input channel they scatter
// from, the output planes (with the border the padding crops and the rows output_padding adds)
// filling in as the steps pass, the colour keys and what each mark means.
import { diverging, inkFor, maxAbs } from "../../draw/colour.js";
import { el, kernelLine, legends, marks, stagePart } from "../../draw/dom.js";
import { Grid, kernelGrid } from "../../draw/grid.js";
import { COLOUR } from "../../draw/style.js";
import { num, t } from "../../i18n.js";
import { key } from "../../kit/frames.js";

const inOutput = (run, r, c) => r >= 0 && r < run.oH && c >= 0 && c < run.oW;

function inputPart(scene, run, { width, narrow }) {
  const body = stagePart(scene.els.stage, "tr.input", "part-input");
  const scale = diverging(maxAbs(run.input));
  return Array.from(
    { length: run.cin },
    (_, c) =>
      new Grid({
        rows: run.H,
        cols: run.W,
        caption: t("conv.channel", { c }),
        label: t("tr.input_aria", { c, h: run.H, w: run.W }),
        fitWidth: narrow ? width - 24 : Math.min(width / 3, 46 * run.W + 18),
        zoom: run.v.zoom,
        name: `input-${c}`,
        parent: body,
        value: (r, col) => run.input[c][r][col],
        colour: scale,
        onHover: scene.hovers((r, col) => ({ kind: "x", c, r, col })),
        onClick: (r, col) => scene.jump(run.scatterAt.get(key(c, r, col))),
      }),
  );
}

function kernelPart(scene, run, { width }) {
  const { k, groups } = run.v;
  const body = stagePart(scene.els.stage, "tr.kernels", "part-kernels", "tr.kernels_note");
  const scale = diverging(maxAbs(run.weight));
  const grids = Array.from({ length: run.cin }, (_, c) => {
    const line = kernelLine(t("tr.from_channel", { c }));
    const group = Math.floor(c / (run.cin / groups));
    const slices = Array.from({ length: run.perGroup }, (_, j) => {
      const o = group * run.perGroup + j;
      return kernelGrid(k, width, {
        caption: t("tr.slice", { c, o }),
        label: t("tr.slice_aria", { c, o }),
        name: `kernel-${c}-${j}`,
        parent: line,
        value: (r, col) => run.weight[c][j][r][col],
        colour: scale,
      });
    });
    body.append(line);
    return slices;
  });
  if (run.bias) {
    const list = run.bias.map((b, o) => `b${o} = ${num(b)}`).join(", ");
    body.append(el("p", "channel-sum", t("tr.biases", { list })));
  }
  return grids;
}

function outputPart(scene, run, { width, narrow }) {
  const v = run.v;
  const body = stagePart(scene.els.stage, "tr.output", "part-output", v.p || v.op ? "tr.output_note" : null, {
    p: v.p,
  });
  const rows = run.rMax - run.rMin + 1;
  const cols = run.cMax - run.cMin + 1;
  return Array.from({ length: run.cout }, (_, o) => {
    const at = (r, c) => run.sums.at(key(o, r, c), scene.player.step);
    return new Grid({
      rows,
      cols,
      rowStart: run.rMin,
      colStart: run.cMin,
      caption: t("tr.out_channel", { o }),
      label: t("tr.output_aria", { o, h: run.oH, w: run.oW }),
      fitWidth: narrow ? width - 24 : Math.min(width / 2 - 16, 40 * cols + 18),
      zoom: v.zoom,
      name: `output-${o}`,
      parent: body,
      // The cropped border shows as padding; a cell nothing has reached yet holds a grey 0.
      fill: (r, c) => {
        if (!inOutput(run, r, c)) return COLOUR.pad;
        return at(r, c) === undefined ? null : diverging(run.outMax)(at(r, c));
      },
      text: (r, c) => (inOutput(run, r, c) ? (at(r, c) === undefined ? "0" : num(at(r, c))) : ""),
      ink: (r, c, fill) => (inOutput(run, r, c) && at(r, c) === undefined ? COLOUR.faint : inkFor(fill)),
      pattern: (r, c) => {
        if (!inOutput(run, r, c)) return "pad";
        // Cells no input value reaches (output_padding's extra rows, or gaps) stay 0.
        if (run.frames.length === run.header.frame_count && !run.touched.has(key(o, r, c))) return "unvisited";
        return null;
      },
      onHover: scene.hovers((r, c) => ({ kind: "out", o, r, c })),
    });
  });
}

/** The whole stage for `run`; its grids go to run.grids and the output's key to run.outLegend. */
export function buildStage(scene, run) {
  const { stage, legend } = scene.els;
  const width = Math.max(280, stage.clientWidth || 800);
  const layout = { width, narrow: width < 600 };
  stage.replaceChildren();
  const xGrids = inputPart(scene, run, layout);
  const kGrids = kernelPart(scene, run, layout);
  const oGrids = outputPart(scene, run, layout);
  run.grids = { xGrids, kGrids, oGrids };
  const keys = [
    [maxAbs(run.input), "legend.input"],
    [maxAbs(run.weight), "legend.weights"],
  ];
  run.outLegend = legends(legend, keys, { live: true });
  legend.append(marks(["tr.mark_current", "tr.mark_landed", "tr.mark_cropped", "tr.mark_unreached"]));
}
