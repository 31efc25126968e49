// /receptive-field's settings: the table of controls, the layer stack of the URL (read and written
// by the shared codec, shared/layer_stack.js, geometry spelled out: "c3s1p1_c3s1p1_p2s2p0"), and
// the limits that keep the stack possible. Only shape arithmetic lives here (which sizes exist;
// see shapes.js); every field, jump and box the page shows comes from POST /api/receptive-field.
import { convOutputSize, poolOutputSize, sizeOr } from "../../shapes.js";
import { rowsFor } from "../../urlstate.js";
import { formatStack, parseStack } from "../shared/layer_stack.js";

export const MAX_LAYERS = 6;
export const MAX_KERNEL = 7;
export const MAX_STRIDE = 4;
export const MAX_DILATION = 3;
export const MAX_PADDING = 3;
export const DEFAULT_LAYERS = "c3s1p1_c3s1p1_p2s2";

const { int } = rowsFor("rf.ctl");

export const TABLE = [
  int("size", "input", 16, 4, 64),
  { name: "layers", type: "text", default: DEFAULT_LAYERS, hidden: true },
  { name: "unit", type: "text", default: "", hidden: true },
  int("c", "rf_compare", 64, 1, 2048),
];

const clamp = (value, lo, hi) => Math.max(lo, Math.min(hi, value));

/** A new layer of `type` with its usual settings. */
export const newLayer = (type) =>
  type === "pool"
    ? { type: "pool", kernel_size: 2, stride: 2, padding: 0, dilation: 1 }
    : { type: "conv", kernel_size: 3, stride: 1, padding: 1, dilation: 1 };

/** A layer as the codec read it -> a conv or pool layer within the controls' ranges (else null). */
function fromToken(read) {
  if (read.type !== "conv" && read.type !== "pool") return null;
  const pool = read.type === "pool";
  const k = clamp(read.kernel_size ?? (pool ? 2 : 3), 1, MAX_KERNEL);
  const stride = clamp(read.stride ?? (pool ? k : 1), 1, MAX_STRIDE);
  const padding = clamp(typeof read.padding === "number" ? read.padding : 0, 0, pool ? Math.floor(k / 2) : MAX_PADDING);
  const dilation = clamp(read.dilation ?? 1, 1, MAX_DILATION);
  return { type: read.type, kernel_size: k, stride, padding, dilation };
}

/** "c3s1p1_p2s2" (commas accepted too) -> layers, each value clamped to the controls' range. */
export const parseLayers = (text) => parseStack(text).map(fromToken).filter(Boolean).slice(0, MAX_LAYERS);

export const formatLayers = (layers) => formatStack(layers, { spell: true });

/** Side of a layer's output (PyTorch's floor rule), or 0 when the window no longer fits. */
export function outSize(n, l) {
  const compute = l.type === "pool" ? poolOutputSize : convOutputSize;
  return sizeOr(0, compute, n, l.kernel_size, l.stride, l.padding, l.dilation);
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
  return kept.length ? kept : [{ type: "conv", kernel_size: Math.min(3, size), stride: 1, padding: 0, dilation: 1 }];
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
  const body = { input_size: v.size, layers: possibleLayers(v.size, v.layers) };
  if (unit) Object.assign(body, { unit, effective: true });
  return body;
}
