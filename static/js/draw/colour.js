// Colour scales that colour-blind readers can tell apart: signed values run blue - white - orange
// (never red against green); the text on a cell switches to white on dark fills.
import { num, t } from "../i18n.js";
import { COLOUR } from "./style.js";

const DIVERGING = [
  [-1, [33, 92, 165]],
  [-0.5, [128, 173, 217]],
  [0, [247, 247, 247]],
  [0.5, [246, 176, 106]],
  [1, [191, 84, 0]],
];

function mix(stops, x) {
  const clamped = Math.max(stops[0][0], Math.min(stops[stops.length - 1][0], x));
  for (let i = 1; i < stops.length; i += 1) {
    const [x1, c1] = stops[i];
    if (clamped <= x1) {
      const [x0, c0] = stops[i - 1];
      const f = x1 === x0 ? 0 : (clamped - x0) / (x1 - x0);
      return c0.map((v, k) => Math.round(v + (c1[k] - v) * f));
    }
  }
  return stops[stops.length - 1][1];
}

/** fn(value) -> "rgb(...)" on a scale symmetric about zero; maxAbs sets full colour. */
export function diverging(maxAbs) {
  const scale = maxAbs > 0 ? maxAbs : 1;
  return (value) => {
    if (value === null || value === undefined || Number.isNaN(value)) return null;
    const [r, g, b] = mix(DIVERGING, value / scale);
    return `rgb(${r},${g},${b})`;
  };
}

/** Black or white, whichever reads better on the given rgb() fill. */
export function inkFor(fill) {
  const m = /rgb\((\d+),(\d+),(\d+)\)/.exec(fill || "");
  if (!m) return COLOUR.ink;
  const [r, g, b] = m.slice(1).map(Number);
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return luminance < 140 ? "#ffffff" : COLOUR.ink;
}

/** Largest |value| in nested arrays (ignoring null), at least `floor`. */
export function maxAbs(nested, floor = 1e-9) {
  let best = floor;
  const walk = (v) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === "number" && Number.isFinite(v)) best = Math.max(best, Math.abs(v));
  };
  walk(nested);
  return best;
}

/** A legend: a gradient bar from -maxAbs to +maxAbs with its ends and zero labelled. */
export function legend(container, maxAbsValue, captionKey = "legend.values") {
  container.replaceChildren();
  const figure = document.createElement("figure");
  figure.className = "legend-figure";
  const caption = document.createElement("figcaption");
  caption.textContent = `${t(captionKey)} (${t("legend.negative")} − · ${t("legend.zero")} 0 · ${t("legend.positive")} +)`;
  const bar = document.createElement("canvas");
  bar.width = 200;
  bar.height = 12;
  bar.className = "legend-bar";
  bar.setAttribute("role", "img");
  bar.setAttribute("aria-label", t("legend.aria", { low: num(-maxAbsValue), high: num(maxAbsValue) }));
  const ctx = bar.getContext("2d");
  const colour = diverging(maxAbsValue);
  for (let x = 0; x < bar.width; x += 1) {
    ctx.fillStyle = colour(((x / (bar.width - 1)) * 2 - 1) * maxAbsValue);
    ctx.fillRect(x, 0, 1, bar.height);
  }
  const ticks = document.createElement("div");
  ticks.className = "legend-ticks";
  for (const value of [-maxAbsValue, 0, maxAbsValue]) {
    const span = document.createElement("span");
    span.textContent = num(value);
    ticks.append(span);
  }
  figure.append(caption, bar, ticks);
  container.append(figure);
}
