// Build MathML (native in current browsers) from a tiny tree description, with no library:
//   m("mrow", m("mi", "N"), m("mo", "+"), m("mn", 2))  ->  <mrow><mi>N</mi><mo>+</mo><mn>2</mn></mrow>
const NS = "http://www.w3.org/1998/Math/MathML";

export function m(tag, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    if (typeof child === "object" && !(child instanceof Node)) {
      for (const [k, v] of Object.entries(child)) el.setAttribute(k, v);
    } else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export const mi = (x) => m("mi", x);
export const mo = (x) => m("mo", x);
export const mtext = (x) => m("mtext", x);
export const row = (...xs) => m("mrow", ...xs);
export const frac = (a, b) => m("mfrac", a, b);
export const sub = (a, b) => m("msub", a, b);

/** A number; negative numbers carry their minus sign as an operator, bracketed inside sums. */
export function mn(value, text, bracket = false) {
  const shown = text ?? String(Math.abs(value));
  if (typeof value === "number" && value < 0) {
    const inner = row(mo("\u2212"), m("mn", shown.replace(/^[\u2212-]/, "")));
    return bracket ? row(mo("("), inner, mo(")")) : inner;
  }
  return m("mn", shown);
}

export function floor(...inner) {
  return row(m("mo", { stretchy: "true" }, "\u230A"), ...inner, m("mo", { stretchy: "true" }, "\u230B"));
}

/** <math display="block"> holding the given rows. */
export function math(...children) {
  return m("math", { display: "block" }, ...children);
}
