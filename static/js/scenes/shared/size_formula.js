// The output-size formula of a convolution or a pooling, o = ⌊(N + 2P − D(F − 1) − 1) / S⌋ + 1,
// first in symbols and then with a scene's numbers (and the server's size once its header is in).
import { floor, frac, lines, m, mi, mn, mo, row, sub, tokens } from "../../mathml.js";

/** A derivation from the API as the page prints it: "(5 + 2*1 - 3) / 2 + 1 = 3.5 -> 3" with · and →. */
export const readable = (derivation) => derivation.replace(/->/g, "→").replace(/\*/g, "·");

const stretchy = (text) => m("mo", { stretchy: "true" }, text);
const ceil = (...inner) => row(stretchy("\u2308"), ...inner, stretchy("\u2309"));

/** {n, k, stride, dilation, pads: [before, after], up (ceil_mode), size or null} -> <math>. */
export function sizeFormula({ n, k, stride, dilation, pads: [a, b], up = false, size = null }) {
  const round = up ? ceil : floor;
  const padSymbol =
    a === b ? row(...tokens("2 \u2062 P")) : row(sub(mi("P"), m("mn", "1")), mo("+"), sub(mi("P"), m("mn", "2")));
  const padNumbers = a === b ? row(mn(2), mo("\u00B7"), mn(a)) : row(mn(a), mo("+"), mn(b));
  const top = row(mi("N"), mo("+"), padSymbol, ...tokens("− D ( F − 1 ) − 1"));
  const symbolic = row(...tokens("o ="), round(frac(top, mi("S"))), ...tokens("+ 1"));
  const topNumbers = row(mn(n), mo("+"), padNumbers, mo("−"), mn(dilation), ...tokens(`· ( ${k} − 1 ) − 1`));
  const result = size === null ? [] : [mo("="), mn(size)];
  const numbers = row(mo("="), round(frac(topNumbers, mn(stride))), ...tokens("+ 1"), ...result);
  return lines([symbolic, numbers]);
}
