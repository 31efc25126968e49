// The text half of /pool: the step's window as a small table (switch or counted cells marked) and
// its formula in MathML, the step in words, and the output-size formula with this scene's numbers.
// Every value is read from a frame or the stream's header.
import { el, paragraphs, productsTable } from "../../draw/dom.js";
import { num, t, term } from "../../i18n.js";
import { frac, m, math, mi, mn, mnum, mo, row, sub } from "../../mathml.js";
import { readable, sizeFormula } from "../shared/size_formula.js";
import { strideOf } from "./settings.js";

/** One cell of the window table: its value forward, its share before -> after backward. */
function windowCell(run, f, a, b) {
  const classes = [];
  if (f.padded?.[a][b]) classes.push("is-pad");
  if (f.counted && !f.counted[a][b]) classes.push("is-not-counted");
  if (f.switch_tap && f.switch_tap[0] === a && f.switch_tap[1] === b) classes.push("is-switch");
  let text;
  if (!run.backward) text = f.values[a][b] === null ? "·" : num(f.values[a][b]);
  else if (f.after[a][b] !== null) text = `${num(f.before[a][b])} → ${num(f.after[a][b])}`;
  else text = f.counted[a][b] ? t("pool.lost") : "·";
  return { className: classes.join(" "), text };
}

/** The step's window as a table (forward, or an average's shares backward) and its formula. */
export function drawDetail(body, run, f) {
  body.replaceChildren();
  const wrap = el("div", "channel-list");
  if (!run.backward || run.v.mode === "avg") {
    const caption = t(run.backward ? "pool.detail_shares" : "pool.detail_window", { c: f.channel });
    const cells = f.rows.map((_, a) => f.cols.map((_, b) => windowCell(run, f, a, b)));
    wrap.append(productsTable(caption, cells, "products pool-window"));
  }
  const total = el("div", "total");
  total.append(el("p", "", t("pool.total_label", { c: f.channel, y: f.y, x: f.x })), math(stepFormula(run, f)));
  wrap.append(total);
  body.append(wrap);
}

const n = (value) => mnum(value, 3, true);
const realValues = (f) => f.values.flat().filter((value) => value !== null);
const listed = (values, separator) => values.flatMap((value, i) => (i ? [mo(separator), n(value)] : [n(value)]));

function stepFormula(run, f) {
  const at = m("mn", `${f.y},${f.x}`);
  const y = sub(mi("y"), at);
  if (!run.backward && run.v.mode === "max") {
    return row(y, mo("="), mi("max"), mo("("), ...listed(realValues(f), ","), mo(")"), mo("="), n(f.output));
  }
  if (!run.backward) {
    const sum = frac(row(...listed(f.values.flat(), "+")), mn(f.divisor));
    return row(y, mo("="), sum, mo("="), frac(n(f.sum), mn(f.divisor)), mo("="), n(f.output));
  }
  const g = sub(mi("g"), at);
  if (run.v.mode === "max") {
    const dx = sub(mi("∂x"), m("mn", `${f.switch[0]},${f.switch[1]}`));
    return row(dx, mo("="), n(f.before), mo("+"), g, mo("="), n(f.before), mo("+"), n(f.grad), mo("="), n(f.after));
  }
  const share = [frac(g, mn(f.divisor)), mo("="), frac(n(f.grad), mn(f.divisor)), mo("="), n(f.share)];
  return row(m("mtext", t("pool.share")), mo("="), ...share);
}

const rowsText = (list) => (list.length > 1 ? `${list[0]}–${list[list.length - 1]}` : String(list[0]));

function narrateMax(f, where) {
  const values = realValues(f);
  const ties = values.filter((value) => value === f.output).length;
  const padded = f.values.flat().length - values.length;
  const shown = values.map((value) => num(value)).join(", ");
  let text = t("pool.narrate_max", { ...where, values: shown, out: num(f.output), r: f.switch[0], col: f.switch[1] });
  if (padded) text += ` ${t("pool.narrate_max_pad", { n: padded })}`;
  if (ties > 1) text += ` ${t("pool.narrate_tie", { n: ties, out: num(f.output) })}`;
  return text;
}

function narrateAvg(f, where, v) {
  const terms = f.values
    .flat()
    .map((value) => term(value))
    .join(" + ");
  const counted = f.counted.flat().filter(Boolean).length;
  const padded = f.padded.flat().filter(Boolean).length;
  let extra = "";
  if (padded) extra = ` ${t(v.cip ? "pool.narrate_cip_on" : "pool.narrate_cip_off", { n: padded })}`;
  if (counted < f.values.flat().length && !padded) extra = ` ${t("pool.narrate_overhang")}`;
  const sum = { sum: num(f.sum, 3), div: f.divisor, out: num(f.output, 3) };
  return t("pool.narrate_avg", { ...where, terms, ...sum }) + extra;
}

function narrateRoute(f, where) {
  const base = t("pool.narrate_route", { ...where, g: num(f.grad), r: f.switch[0], col: f.switch[1] });
  const add =
    f.before === 0
      ? t("pool.narrate_first", { g: num(f.grad), after: num(f.after) })
      : t("pool.narrate_adds", { g: num(f.grad), before: num(f.before), after: num(f.after) });
  return `${base} ${add}`;
}

function narrateSpread(f, where) {
  const counted = f.counted.flat().filter(Boolean).length;
  const share = num(f.share, 3);
  let text = t("pool.narrate_spread", { ...where, g: num(f.grad), div: f.divisor, share, n: counted });
  const lost = f.counted.flat().filter((c, i) => c && f.after.flat()[i] === null).length;
  if (lost) text += ` ${t("pool.narrate_lost", { n: lost })}`;
  const shared = f.rows.flatMap((r, a) =>
    f.cols.flatMap((c, b) =>
      f.before[a][b] !== null && f.before[a][b] !== 0 ? [[r, c, f.before[a][b], f.after[a][b]]] : [],
    ),
  );
  if (shared.length) {
    const [r, c, before, after] = shared[0];
    text += ` ${t("pool.narrate_overlap", { r, col: c, share, before: num(before, 3), after: num(after, 3) })}`;
    if (shared.length > 1) text += ` ${t("pool.narrate_overlap_more", { n: shared.length - 1 })}`;
  }
  return text;
}

/** The step in words, with its numbers. */
export function narrate(run, step) {
  const f = run.frames[step];
  const where = { c: f.channel, y: f.y, x: f.x, rows: rowsText(f.rows), cols: rowsText(f.cols) };
  if (!run.backward) return run.v.mode === "max" ? narrateMax(f, where) : narrateAvg(f, where, run.v);
  return run.v.mode === "max" ? narrateRoute(f, where) : narrateSpread(f, where);
}

/** The output-size formula (rounded up with ceil_mode), the server's derivation, and the notes. */
export function drawFormula(els, v, header) {
  const s = strideOf(v);
  const size = header ? header.output_size?.height : null;
  const dilation = v.mode === "max" ? v.dil : 1;
  const formula = { n: v.size, k: v.k, stride: s, dilation, pads: [v.p, v.p], up: v.ceil, size: size?.size ?? null };
  els.formula.replaceChildren(sizeFormula(formula));
  let note = t(v.ceil ? "pool.formula_legend_ceil" : "pool.formula_legend");
  if (size) {
    note += ` ${t("pool.derivation", { d: readable(size.derivation) })}`;
    if (size.unvisited?.length) note += ` ${t("pool.unvisited", { rows: size.unvisited.join(", ") })}`;
  }
  els.formulaNote.textContent = note;
  const windows =
    v.stride === "k"
      ? "pool.note_stride_k"
      : s < v.k
        ? "pool.note_overlap"
        : s > v.k
          ? "pool.note_gaps"
          : "pool.note_stride_eq";
  const notes = [t(windows, { s, k: v.k })];
  if (v.cin > 1) notes.push(t("pool.note_channels", { c: v.cin }));
  if (v.dir === "backward" && v.mode === "avg") notes.push(t("pool.note_avg_backward"));
  els.limits.replaceChildren(...paragraphs(notes));
}
