// /batch-norm's words and formulas: each step of the frames as MathML with its real numbers, and
// as a sentence for the narration. Every number comes from a frame or from the API's results.
import { num, t, term } from "../i18n.js";
import { frac, m, math, mi, mn, mo, row, sub } from "../mathml.js";

const D = 4; // decimals shown for statistics
const n = (value) => mn(value, num(value, D).replace("\u2212", ""), true);
const res = (value) => mn(value, num(value, D).replace("\u2212", "")); // a result: no brackets
const msqrt = (...inner) => m("msqrt", ...inner);
const sup2 = (base) => m("msup", base, mn(2));
const mu = () => sub(mi("μ"), mi("c"));
const sigma2 = () => m("msubsup", mi("σ"), mi("c"), mn(2));
const MAX_TERMS = 12;

/** The values of a sum as terms, shortened to the first and last few when there are many. */
function terms(values, wrap = (x) => n(x)) {
  const list = values.length > MAX_TERMS ? [...values.slice(0, 6), null, ...values.slice(-2)] : values;
  const out = [];
  list.forEach((x, i) => {
    if (i) out.push(mo("+"));
    out.push(x === null ? mo("⋯") : wrap(x));
  });
  return out;
}

const lines = (...rows) => math(m("mtable", { columnalign: "left" }, ...rows.map((r) => m("mtr", m("mtd", r)))));

/** The formula box of a statistics phase of channel f.channel. */
export function statsFormula(f, phase) {
  const flat = f.values ? f.values.flat(2) : [];
  if (phase === "sum") {
    return lines(
      row(mo("∑"), mi("x"), mo("="), ...terms(flat), mo("="), res(f.sum)),
      row(mi("m"), mo("="), mi("N"), mo("·"), mi("H"), mo("·"), mi("W"), mo("="), mn(f.count)),
    );
  }
  if (phase === "mean") {
    return lines(
      row(
        mu(),
        mo("="),
        frac(row(mo("∑"), mi("x")), mi("m")),
        mo("="),
        frac(n(f.sum), mn(f.count)),
        mo("="),
        res(f.mean),
      ),
    );
  }
  if (phase === "squares") {
    const squares = f.squared_deviations.flat(2);
    const pairs = flat.map((x, i) => [x, squares[i]]);
    const shown = pairs.length > MAX_TERMS ? [...pairs.slice(0, 6), null, ...pairs.slice(-2)] : pairs;
    const sum = [];
    shown.forEach((p, i) => {
      if (i) sum.push(mo("+"));
      sum.push(p === null ? mo("⋯") : sup2(row(mo("("), n(p[0]), mo("−"), n(f.mean), mo(")"))));
    });
    return lines(
      row(mo("∑"), sup2(row(mo("("), mi("x"), mo("−"), mu(), mo(")"))), mo("="), ...sum),
      row(mo("="), ...terms(squares), mo("="), res(f.sum_squared_deviations)),
    );
  }
  if (phase === "variance") {
    return lines(
      row(
        sigma2(),
        mo("="),
        frac(row(mo("∑"), sup2(row(mo("("), mi("x"), mo("−"), mu(), mo(")")))), mi("m")),
        mo("="),
        frac(n(f.sum_squared_deviations), mn(f.count)),
        mo("="),
        res(f.variance),
      ),
      row(
        msqrt(row(sigma2(), mo("+"), mi("ε"))),
        mo("="),
        msqrt(row(n(f.variance), mo("+"), n(f.eps))),
        mo("="),
        res(f.std),
      ),
    );
  }
  if (phase === "running") {
    const rate = f.momentum;
    // A MathML node lives in one place only: each line gets its own (1 − momentum).
    const keep = () => row(mo("("), mn(1), mo("−"), n(rate), mo(")"));
    return lines(
      row(
        mtextRow("bn.f_running_mean"),
        mo("="),
        keep(),
        mo("·"),
        n(f.running_mean_before),
        mo("+"),
        n(rate),
        mo("·"),
        n(f.mean),
        mo("="),
        res(f.running_mean_after),
      ),
      row(
        sub(mi("s"), mi("c")),
        mo("="),
        sigma2(),
        mo("·"),
        frac(mi("m"), row(mi("m"), mo("−"), mn(1))),
        mo("="),
        n(f.variance),
        mo("·"),
        frac(mn(f.count), mn(f.count - 1)),
        mo("="),
        res(f.unbiased_variance),
      ),
      row(
        mtextRow("bn.f_running_var"),
        mo("="),
        keep(),
        mo("·"),
        n(f.running_var_before),
        mo("+"),
        n(rate),
        mo("·"),
        n(f.unbiased_variance),
        mo("="),
        res(f.running_var_after),
      ),
    );
  }
  // evaluation: the running statistics stand in for the batch's
  return lines(
    row(mu(), mo("="), mtextRow("bn.f_running_mean"), mo("="), res(f.mean)),
    row(sigma2(), mo("="), mtextRow("bn.f_running_var"), mo("="), res(f.variance)),
    row(
      msqrt(row(sigma2(), mo("+"), mi("ε"))),
      mo("="),
      msqrt(row(n(f.variance), mo("+"), n(f.eps))),
      mo("="),
      res(f.std),
    ),
  );
}

function mtextRow(key) {
  return m("mtext", t(key));
}

/** The formula box of one value: normalise, then scale and shift. */
export function cellFormula(f) {
  const gamma = f.gamma ?? 1;
  const beta = f.beta ?? 0;
  return lines(
    row(
      m("mover", mi("x"), mo("^")),
      mo("="),
      frac(row(mi("x"), mo("−"), mu()), msqrt(row(sigma2(), mo("+"), mi("ε")))),
      mo("="),
      frac(row(n(f.value), mo("−"), n(f.mean)), n(f.std)),
      mo("="),
      res(f.x_hat),
    ),
    row(
      mi("y"),
      mo("="),
      sub(mi("γ"), mi("c")),
      m("mover", mi("x"), mo("^")),
      mo("+"),
      sub(mi("β"), mi("c")),
      mo("="),
      n(gamma),
      mo("·"),
      n(f.x_hat),
      mo("+"),
      n(beta),
      mo("="),
      res(f.output),
    ),
  );
}

/** One running-average update written out for channel c at training step i (0-based) of the chain. */
export function chainFormula(chain, i, c, momentum) {
  const before = (key) => (i === 0 ? chain.start[key][c] : chain[key][i - 1][c]);
  const keep = () => row(mo("("), mn(1), mo("−"), n(momentum), mo(")"));
  return lines(
    row(
      mtextRow("bn.f_running_mean"),
      mo("="),
      keep(),
      mo("·"),
      n(before("running_mean")),
      mo("+"),
      n(momentum),
      mo("·"),
      n(chain.mean[i][c]),
      mo("="),
      res(chain.running_mean[i][c]),
    ),
    row(
      mtextRow("bn.f_running_var"),
      mo("="),
      keep(),
      mo("·"),
      n(before("running_var")),
      mo("+"),
      n(momentum),
      mo("·"),
      n(chain.unbiased_variance[i][c]),
      mo("="),
      res(chain.running_var[i][c]),
    ),
  );
}

/** The narration of a statistics phase. */
export function narrateStats(f, phase, v) {
  const c = f.channel;
  const where = { c, n: v.n, h: v.h, w: v.w, m: f.count };
  if (phase === "sum") {
    const flat = f.values.flat(2);
    const shown =
      flat.length > MAX_TERMS
        ? `${flat
            .slice(0, 4)
            .map((x) => term(x, D))
            .join(" + ")} + … (${flat.length})`
        : flat.map((x) => term(x, D)).join(" + ");
    return t("bn.narrate_sum", { ...where, terms: shown, sum: num(f.sum, D) });
  }
  if (phase === "mean") return t("bn.narrate_mean", { ...where, sum: num(f.sum, D), mean: num(f.mean, D) });
  if (phase === "squares")
    return t("bn.narrate_squares", { ...where, mean: num(f.mean, D), ss: num(f.sum_squared_deviations, D) });
  if (phase === "variance")
    return t("bn.narrate_variance", {
      ...where,
      ss: num(f.sum_squared_deviations, D),
      var: num(f.variance, D),
      eps: num(f.eps, 5),
      std: num(f.std, D),
    });
  if (phase === "running") {
    return t("bn.narrate_running", {
      c,
      mom: num(f.momentum, 2),
      rm0: num(f.running_mean_before, D),
      mean: num(f.mean, D),
      rm1: num(f.running_mean_after, D),
      rv0: num(f.running_var_before, D),
      uv: num(f.unbiased_variance, D),
      rv1: num(f.running_var_after, D),
    });
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

export { D };
