// Build MathML (native in current browsers) from a tiny tree description, with no library:
//   m("mrow", m("mi", "N"), m("mo", "+"), m("mn", 2))  ->  <mrow><mi>N</mi><mo>+</mo><mn>2</mn></mrow>
// or, for a run of plain tokens, row(...tokens("N + 2"))  ->  the same.
import { num } from "./i18n.js";

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

/** A number shown with `digits` decimals (its minus as an operator); bracketed inside a sum. */
export const mnum = (value, digits = 3, bracket = false) =>
  mn(value, num(value, digits).replace("\u2212", ""), bracket);

/** Space-separated tokens as nodes: names become <mi>, whole numbers <mn>, anything else <mo>. */
export function tokens(text) {
  return text
    .split(" ")
    .filter(Boolean)
    .map((token) => (/^[A-Za-z]+$/.test(token) ? mi(token) : /^\d+$/.test(token) ? mn(Number(token)) : mo(token)));
}

export function floor(...inner) {
  return row(m("mo", { stretchy: "true" }, "\u230A"), ...inner, m("mo", { stretchy: "true" }, "\u230B"));
}

/** <math display="block"> holding the given rows. */
export function math(...children) {
  return m("math", { display: "block" }, ...children);
}

/** <math> of one table row per line (attributes such as {columnalign: "left"} go on the table). */
export function lines(rows, attributes = null) {
  return math(m("mtable", attributes, ...rows.map((line) => m("mtr", m("mtd", line)))));
}
