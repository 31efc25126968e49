// /batch-norm's words and formulas: each step of the frames as MathML with its real numbers, and
// as a sentence for the narration. Every number comes from a frame or from the API's results.
import { num, t, term } from "../../i18n.js";
import { frac, m, lines as mathLines, mi, mn, mnum, mo, row, sub, tokens } from "../../mathml.js";

export const D = 4; // decimals shown for statistics
const n = (value) => mnum(value, D, true);
const res = (value) => mnum(value, D); // a result: no brackets
const msqrt = (...inner) => m("msqrt", ...inner);
const sup2 = (base) => m("msup", base, mn(2));
const mu = () => sub(mi("μ"), mi("c"));
const sigma2 = () => m("msubsup", mi("σ"), mi("c"), mn(2));
const text = (key) => m("mtext", t(key));
const MAX_TERMS = 12;

/** The first six and the last two of a long list, with null where the rest are left out. */
const shorten = (list) => (list.length > MAX_TERMS ? [...list.slice(0, 6), null, ...list.slice(-2)] : list);

/** The values of a sum as terms, shortened to the first and last few when there are many. */
function terms(values, wrap = (x) => n(x)) {
  return shorten(values).flatMap((x, i) => [...(i ? [mo("+")] : []), x === null ? mo("⋯") : wrap(x)]);
}

const lines = (...rows) => mathLines(rows, { columnalign: "left" });
const deviation = (x) => sup2(row(mo("("), x, mo("−"), mu(), mo(")")));
/** √(σ² + ε) = √(variance + eps) = std */
const stdRow = (f) =>
  row(
    msqrt(row(sigma2(), mo("+"), mi("ε"))),
    mo("="),
    msqrt(row(n(f.variance), mo("+"), n(f.eps))),
    mo("="),
    res(f.std),
  );

function squaresFormula(f, flat) {
  const squares = f.squared_deviations.flat(2);
  const pairs = shorten(flat.map((x, i) => [x, squares[i]]));
  const sum = pairs.flatMap((p, i) => [
    ...(i ? [mo("+")] : []),
    p === null ? mo("⋯") : sup2(row(mo("("), n(p[0]), mo("−"), n(f.mean), mo(")"))),
  ]);
  return lines(
    row(mo("∑"), deviation(mi("x")), mo("="), ...sum),
    row(mo("="), ...terms(squares), mo("="), res(f.sum_squared_deviations)),
  );
}

function runningFormula(f) {
  const rate = f.momentum;
  // A MathML node lives in one place only: each line gets its own (1 − momentum).
  const keep = () => row(mo("("), mn(1), mo("−"), n(rate), mo(")"));
  const m1 = [keep(), mo("·"), n(f.running_mean_before), mo("+"), n(rate), mo("·"), n(f.mean)];
  const bessel = frac(mi("m"), row(...tokens("m − 1")));
  const s = [sigma2(), mo("·"), bessel, mo("="), n(f.variance), mo("·"), frac(mn(f.count), mn(f.count - 1))];
  const v1 = [keep(), mo("·"), n(f.running_var_before), mo("+"), n(rate), mo("·"), n(f.unbiased_variance)];
  return lines(
    row(text("bn.f_running_mean"), mo("="), ...m1, mo("="), res(f.running_mean_after)),
    row(sub(mi("s"), mi("c")), mo("="), ...s, mo("="), res(f.unbiased_variance)),
    row(text("bn.f_running_var"), mo("="), ...v1, mo("="), res(f.running_var_after)),
  );
}

/** The formula box of a statistics phase of channel f.channel. */
export function statsFormula(f, phase) {
  const flat = f.values ? f.values.flat(2) : [];
  if (phase === "sum") {
    return lines(
      row(mo("∑"), mi("x"), mo("="), ...terms(flat), mo("="), res(f.sum)),
      row(...tokens("m = N · H · W ="), mn(f.count)),
    );
  }
  if (phase === "mean") {
    return lines(
      row(
        mu(),
        mo("="),
        frac(row(...tokens("∑ x")), mi("m")),
        mo("="),
        frac(n(f.sum), mn(f.count)),
        mo("="),
        res(f.mean),
      ),
    );
  }
  if (phase === "squares") return squaresFormula(f, flat);
  if (phase === "variance") {
    const variance = frac(row(mo("∑"), deviation(mi("x"))), mi("m"));
    const numbers = frac(n(f.sum_squared_deviations), mn(f.count));
    return lines(row(sigma2(), mo("="), variance, mo("="), numbers, mo("="), res(f.variance)), stdRow(f));
  }
  if (phase === "running") return runningFormula(f);
  // evaluation: the running statistics stand in for the batch's
  return lines(
    row(mu(), mo("="), text("bn.f_running_mean"), mo("="), res(f.mean)),
    row(sigma2(), mo("="), text("bn.f_running_var"), mo("="), res(f.variance)),
    stdRow(f),
  );
}

/** The formula box of one value: normalise, then scale and shift. */
export function cellFormula(f) {
  const xHat = () => m("mover", mi("x"), mo("^"));
  const normalise = frac(row(mi("x"), mo("−"), mu()), msqrt(row(sigma2(), mo("+"), mi("ε"))));
  const numbers = frac(row(n(f.value), mo("−"), n(f.mean)), n(f.std));
  const affine = [sub(mi("γ"), mi("c")), xHat(), mo("+"), sub(mi("β"), mi("c"))];
  const values = [n(f.gamma ?? 1), mo("·"), n(f.x_hat), mo("+"), n(f.beta ?? 0)];
  return lines(
    row(xHat(), mo("="), normalise, mo("="), numbers, mo("="), res(f.x_hat)),
    row(mi("y"), mo("="), ...affine, mo("="), ...values, mo("="), res(f.output)),
  );
}

/** One running-average update written out for channel c at training step i (0-based) of the chain. */
export function chainFormula(chain, i, c, momentum) {
  const before = (key) => (i === 0 ? chain.start[key][c] : chain[key][i - 1][c]);
  const keep = () => row(mo("("), mn(1), mo("−"), n(momentum), mo(")"));
  const update = (name, field, statistic) =>
    row(
      text(name),
      mo("="),
      keep(),
      mo("·"),
      n(before(field)),
      mo("+"),
      n(momentum),
      mo("·"),
      n(statistic),
      mo("="),
      res(chain[field][i][c]),
    );
  return lines(
    update("bn.f_running_mean", "running_mean", chain.mean[i][c]),
    update("bn.f_running_var", "running_var", chain.unbiased_variance[i][c]),
  );
}

/** The narration of a statistics phase. */
export function narrateStats(f, phase, v) {
  const c = f.channel;
  const where = { c, n: v.n, h: v.h, w: v.w, m: f.count };
  if (phase === "sum") {
    const flat = f.values.flat(2);
    const head = flat.slice(0, 4).map((x) => term(x, D));
    const shown =
      flat.length > MAX_TERMS ? `${head.join(" + ")} + … (${flat.length})` : flat.map((x) => term(x, D)).join(" + ");
    return t("bn.narrate_sum", { ...where, terms: shown, sum: num(f.sum, D) });
  }
  if (phase === "mean") return t("bn.narrate_mean", { ...where, sum: num(f.sum, D), mean: num(f.mean, D) });
  const ss = num(f.sum_squared_deviations, D);
  if (phase === "squares") return t("bn.narrate_squares", { ...where, mean: num(f.mean, D), ss });
  if (phase === "variance") {
    return t("bn.narrate_variance", { ...where, ss, var: num(f.variance, D), eps: num(f.eps, 5), std: num(f.std, D) });
  }
  if (phase === "running") {
    const mean = { rm0: num(f.running_mean_before, D), mean: num(f.mean, D), rm1: num(f.running_mean_after, D) };
    const variance = {
      rv0: num(f.running_var_before, D),
      uv: num(f.unbiased_variance, D),
      rv1: num(f.running_var_after, D),
    };
    return t("bn.narrate_running", { c, mom: num(f.momentum, 2), ...mean, ...variance });
  }
  return t("bn.narrate_eval", { c, mean: num(f.mean, D), var: num(f.variance, D), std: num(f.std, D) });
}

/** The narration of one value. */
export function narrateCell(f) {
  return t("bn.narrate_cell", {
    n: f.n,
    c: f.channel,
    y: f.y,
    x: f.x,
    value: num(f.value, D),
    mean: term(f.mean, D),
    std: num(f.std, D),
    xhat: num(f.x_hat, D),
    xhatb: term(f.x_hat, D),
    gamma: num(f.gamma ?? 1, D),
    beta: term(f.beta ?? 0, D),
    out: num(f.output, D),
  });
}
