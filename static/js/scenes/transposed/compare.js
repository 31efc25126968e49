// The panel under /transposed's player: the same numbers as the input gradient of a convolution.
// POST /api/conv2d/backward's grad_input is drawn beside this scene's output before the bias, and
// every cell where the two differ is marked; the page compares numbers, it computes none.
import { diverging, maxAbs } from "../../draw/colour.js";
import { el } from "../../draw/dom.js";
import { Grid } from "../../draw/grid.js";
import { MARK } from "../../draw/style.js";
import { t } from "../../i18n.js";
import { unbatch } from "../../kit/frames.js";

const close = (a, b) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

/** Both planes of each output channel, with the cells that differ marked; the counts. */
function planesOf(run, gi, width) {
  const narrow = width < 600;
  const scale = diverging(maxAbs([gi, run.preBias]));
  const planes = el("div", "planes");
  let [same, total] = [0, 0];
  for (let o = 0; o < run.cout; o += 1) {
    const wrong = [];
    gi[o].forEach((line, r) => {
      line.forEach((x, c) => {
        total += 1;
        if (close(x, run.preBias[o][r][c])) same += 1;
        else wrong.push([r, c]);
      });
    });
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
        name: `backward-${which}-${o}`,
        parent: planes,
        value: (r, c) => plane[r][c],
        colour: scale,
      });
      g.setOverlays([wrong.length ? { cells: wrong, ...MARK.mismatch } : null]);
      g.draw();
    }
  }
  return { planes, same, total };
}

/** The comparison for `run` once both answers are in; until then, a note that it is coming. */
export function drawBackward(scene, run) {
  const body = document.getElementById("as-backward-body");
  body.replaceChildren();
  if (!run?.preBias || !run.backward) {
    body.append(el("p", "note", t("tr.bw_waiting")));
    return;
  }
  const v = run.v;
  const gi = unbatch(run.backward.grad_input);
  const { planes, same, total } = planesOf(run, gi, Math.max(280, scene.els.stage.clientWidth || 800));
  const verdict = el("p", "pool-verdict");
  verdict.id = "backward-verdict";
  verdict.dataset.match = same === total ? "all" : "some";
  verdict.textContent =
    same === total ? t("tr.bw_match", { n: total }) : t("tr.bw_mismatch", { n: total - same, total });
  const sizes = { cin: run.cin, h: run.H, w: run.W, cout: run.cout, oh: run.oH, ow: run.oW };
  const how = t("tr.bw_how", { ...sizes, s: v.stride, p: v.p, d: v.dil, g: v.groups });
  body.append(el("p", "note", how));
  if (run.backwardExtra) body.append(el("p", "note", t("tr.bw_extra", { n: run.backwardExtra })));
  body.append(verdict, planes);
}
