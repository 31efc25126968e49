// /receptive-field's settings: the table of controls, the compact layer list of the URL
// ("c3s1p1_c3s1p1_p2s2": type, kernel, stride, padding, dilation), and the limits that keep the
// stack possible. Only shape arithmetic lives here (which sizes exist, for the layout and the
// limits); every field, jump and box the page shows comes from POST /api/receptive-field.
export const MAX_LAYERS = 6;
export const MAX_KERNEL = 7;
export const MAX_STRIDE = 4;
export const MAX_DILATION = 3;
export const MAX_PADDING = 3;
export const DEFAULT_LAYERS = "c3s1p1_c3s1p1_p2s2";

export const TABLE = [
  { name: "size", type: "int", default: 16, min: 4, max: 64, label: "rf.ctl.size", group: "input" },
  { name: "layers", type: "text", default: DEFAULT_LAYERS, hidden: true },
  { name: "unit", type: "text", default: "", hidden: true },
  { name: "c", type: "int", default: 64, min: 1, max: 2048, label: "rf.ctl.c", group: "rf_compare" },
];

const TOKEN = /^([cp])(\d{1,2})(?:s(\d{1,2}))?(?:p(\d{1,2}))?(?:d(\d{1,2}))?$/;
const clamp = (value, lo, hi) => Math.max(lo, Math.min(hi, value));

/** "c3s1p1_p2s2" (commas accepted too) -> [{type, k, s, p, d}], each value clamped to the controls' range. */
export function parseLayers(text) {
  const layers = [];
  for (const token of String(text || "").split(/[_,\s]+/)) {
    const m = TOKEN.exec(token.trim().toLowerCase());
    if (!m) continue;
    const type = m[1] === "c" ? "conv" : "pool";
    const k = clamp(Number(m[2]), 1, MAX_KERNEL);
    const s = clamp(m[3] === undefined ? (type === "pool" ? k : 1) : Number(m[3]), 1, MAX_STRIDE);
    const p = clamp(Number(m[4] || 0), 0, type === "pool" ? Math.floor(k / 2) : MAX_PADDING);
    const d = clamp(Number(m[5] || 1), 1, MAX_DILATION);
    layers.push({ type, k, s, p, d });
  }
  return layers.slice(0, MAX_LAYERS);
}

export function formatLayers(layers) {
  return layers.map((l) => `${l.type === "conv" ? "c" : "p"}${l.k}s${l.s}p${l.p}${l.d > 1 ? `d${l.d}` : ""}`).join("_");
}

/** Side of a layer's output (PyTorch's floor rule), or 0 when the window no longer fits. */
export function outSize(n, l) {
  const span = n + 2 * l.p - l.d * (l.k - 1) - 1;
  return span < 0 ? 0 : Math.floor(span / l.s) + 1;
}

/** The stack as it can be run on an input of side `size`: a layer whose window does not fit is
 *  dropped, and so is everything after it; an empty stack becomes one 3x3 conv. */
export function possibleLayers(size, text) {
  const kept = [];
  let n = size;
  for (const layer of parseLayers(text)) {
    const next = outSize(n, layer);
    if (next < 1) break;
    kept.push(layer);
    n = next;
  }
  return kept.length ? kept : [{ type: "conv", k: Math.min(3, size), s: 1, p: 0, d: 1 }];
}

/** Output sides of every layer, input first. */
export function sizesOf(size, layers) {
  const sizes = [size];
  for (const l of layers) sizes.push(outSize(sizes[sizes.length - 1], l));
  return sizes;
}

/** "layer-y-x" -> {layer, y, x}, or null. */
export function parseUnit(text) {
  const m = /^(\d+)-(\d+)-(\d+)$/.exec(String(text || ""));
  return m ? { layer: Number(m[1]), y: Number(m[2]), x: Number(m[3]) } : null;
}

export const formatUnit = (u) => `${u.layer}-${u.y}-${u.x}`;

/** Limits: the layer list is rewritten to a stack that fits, a unit outside its map is dropped. */
export function constrain(v) {
  const layers = possibleLayers(v.size, v.layers);
  const text = formatLayers(layers);
  const L = { layers: { allowed: [text], fallback: text } };
  const unit = parseUnit(v.unit);
  const sizes = sizesOf(v.size, layers);
  const fits = unit && unit.layer < layers.length && unit.y < sizes[unit.layer + 1] && unit.x < sizes[unit.layer + 1];
  if (v.unit !== "" && !fits) L.unit = { allowed: [""], fallback: "" };
  return L;
}

/** The request for the stack, with one unit (and its effective field) or none. */
export function requestBody(v, unit = null) {
  const body = {
    input_size: v.size,
    layers: possibleLayers(v.size, v.layers).map((l) => ({
      type: l.type,
      kernel_size: l.k,
      stride: l.s,
      padding: l.p,
      dilation: l.d,
    })),
  };
  if (unit) Object.assign(body, { unit, effective: true });
  return body;
}
