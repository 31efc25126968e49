// The page's string table (one per language, static/i18n/<lang>.json), embedded by the server.
// Every word the scripts show comes from here, so the two languages stay in step.

const node = document.getElementById("i18n-strings");
const table = node ? JSON.parse(node.textContent) : {};

export const lang = document.documentElement.lang.startsWith("zh") ? "zh" : "en";

/** t("key", {n: 3}) -> the string with {n} replaced; unknown keys come back as the key itself. */
export function t(key, values = {}) {
  const text = table[key];
  if (text === undefined) return key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

export function has(key) {
  return key in table;
}

const MINUS = "\u2212";

/** A number as a learner reads it: integers exact, others to `digits` decimals, a true minus sign. */
export function num(value, digits = 2) {
  if (value === null || value === undefined) return "";
  if (!Number.isFinite(value)) return String(value);
  let text;
  if (Number.isInteger(value)) text = String(Math.abs(value));
  else {
    text = Math.abs(value)
      .toFixed(digits)
      .replace(/\.?0+$/, "");
    if (text === "0" && value !== 0) text = Math.abs(value).toPrecision(1);
  }
  const negative = value < 0 && text !== "0";
  return (negative ? MINUS : "") + text;
}

/** A number inside a sum: negative values in brackets, as in 2×(−1). */
export function term(value, digits = 2) {
  const text = num(value, digits);
  return value < 0 ? `(${text})` : text;
}

/** Parse what a learner typed, accepting the true minus, full-width digits and a decimal comma. */
export function parseNumber(text) {
  const cleaned = String(text)
    .trim()
    .replace(/[\u2212\uFF0D]/g, "-")
    .replace(/[\uFF10-\uFF19]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xff10 + 48))
    .replace(/[\uFF0E]/g, ".")
    .replace(",", ".");
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(cleaned)) return null;
  const value = Number(cleaned);
  return Number.isFinite(value) ? value : null;
}
