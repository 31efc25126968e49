// /pool's translation demonstration: the input moved one pixel right or down (the page moves
// values, it computes none), pooled by the same endpoint, and every output that changed marked.
import { diverging, maxAbs } from "../../draw/colour.js";
import { Grid } from "../../draw/grid.js";
import { MARK } from "../../draw/style.js";
import { t } from "../../i18n.js";
import { unbatch } from "../../kit/frames.js";
import { postJson } from "../../kit/stream.js";
import { endpoint, requestBody, shifted, strideOf } from "./settings.js";

const els = {
  compare: document.getElementById("compare"),
  body: document.getElementById("compare-body"),
  verdict: document.getElementById("compare-verdict"),
};

/** The output cells that differ between two pooled results, per channel, and the counts. */
function differences(before, after) {
  let [differ, total] = [0, 0];
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
  return { diffs, differ, total };
}

/** One line per channel: the shifted input, and both pooled outputs with the changes marked. */
function drawLines(run, moved, before, after, diffs) {
  const v = run.v;
  const width = Math.max(280, els.body.clientWidth || 800);
  const each = width < 700 ? width - 20 : (width - 60) / 3;
  const inScale = diverging(maxAbs(run.input));
  const outScale = diverging(Math.max(maxAbs(before), maxAbs(after)));
  const incoming = (r, c) => (v.shift === "down" ? r === 0 : c === 0);
  const dir = t(`pool.shift_word.${v.shift}`);
  for (let c = 0; c < run.C; c += 1) {
    const line = document.createElement("div");
    line.className = "planes pool-compare-line";
    const shiftedGrid = new Grid({
      rows: run.H,
      cols: run.W,
      caption: t("pool.cmp_input", { c, dir }),
      label: t("pool.cmp_input", { c, dir }),
      fitWidth: each,
      name: `shifted-${c}`,
      value: (r, col) => moved[c][r][col],
      colour: inScale,
      pattern: (r, col) => (incoming(r, col) ? "pad" : null),
    });
    const plane = (values, key, name) => {
      const g = new Grid({
        rows: values.length,
        cols: values[0].length,
        caption: t(key, { c }),
        label: t(key, { c }),
        fitWidth: Math.min(each, shiftedGrid.baseCell * values[0].length * strideOf(v) + 18),
        name: `${name}-${c}`,
        value: (y, x) => values[y][x],
        colour: outScale,
      });
      g.setOverlays([{ cells: diffs[c], ...MARK.differs }]);
      return g;
    };
    for (const g of [
      shiftedGrid,
      plane(before[c], "pool.cmp_before", "pooled"),
      plane(after[c], "pool.cmp_after", "pooled-shifted"),
    ]) {
      g.draw();
      line.append(g.el);
    }
    els.body.append(line);
  }
}

/** After a forward run: pool the shifted input too and compare (nothing to do backward). */
export async function compare(run, result, signal) {
  const v = run.v;
  els.body.replaceChildren();
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
  const { diffs, differ, total } = differences(before, after);
  const dir = t(`pool.shift_word.${v.shift}`);
  els.verdict.textContent = differ
    ? t("pool.cmp_changed", { d: differ, n: total, dir })
    : t("pool.cmp_same", { n: total, dir });
  if (v.xkind === "one") els.verdict.textContent += ` ${t(differ ? "pool.cmp_one_changed" : "pool.cmp_one_same")}`;
  drawLines(run, moved, before, after, diffs);
}
