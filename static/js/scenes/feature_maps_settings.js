// /feature-maps settings: the table of controls, the compact layer list of the URL and the limits
// that keep each layer possible. A layer list looks like "c.sobel.relu_p.max_b": layers joined by
// "_", each a type letter and its non-default settings joined by ".":
//   conv  c.<bank>[.k<size>][.n<count>][.r<seed>][.s<stride>][.same|.valid|.p<pad>][.d<dil>][.<act>]
//   pool  p.<max|avg>[.k<kernel>][.s<stride>][.p<pad>][.ceil]
//   batch norm  b
// Only which settings exist lives here; every shape, value and box comes from the API.
import { t } from "../i18n.js";
import { config } from "../scene.js";

export const BANKS = [
  "sobel",
  "prewitt",
  "scharr",
  "laplacian",
  "blur",
  "gaussian",
  "sharpen",
  "emboss",
  "identity",
  "gabor",
  "random",
];
export const FIXED_3 = ["prewitt", "scharr", "laplacian", "sharpen", "emboss"];
export const ACTIVATIONS = ["none", "relu", "sigmoid", "tanh"];
export const SAMPLES = ["shapes", "stripes", "scene", "rings"];
export const MAX_LAYERS = Number(config.maxLayers) || 8;
export const KERNEL_SIZES = [1, 3, 5, 7, 9, 11, 13, 15];
export const DEFAULT_LAYERS = "c.sobel.relu_p.max";

export const TABLE = [
  { name: "src", type: "choice", choices: [...SAMPLES, "upload"], default: "shapes", hidden: true },
  { name: "layers", type: "text", default: DEFAULT_LAYERS, hidden: true },
  { name: "unit", type: "text", default: "", hidden: true },
  { name: "gray", type: "bool", default: false, label: "fm.ctl.gray", group: "fm_view" },
  {
    name: "scale",
    type: "choice",
    choices: ["map", "layer", "grey"],
    default: "map",
    label: "fm.ctl.scale",
    group: "fm_view",
    choiceLabel: (c) => t(`fm.scale.${c}`),
  },
];

const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));
const ACT_CODES = { relu: "relu", sig: "sigmoid", tanh: "tanh" };
const ACT_TOKENS = { relu: "relu", sigmoid: "sig", tanh: "tanh" };

export const newConv = (bank = "sobel") => ({
  type: "conv",
  bank,
  size: bank === "gabor" ? 7 : 3,
  count: 4,
  seed: 0,
  stride: 1,
  padding: "auto",
  dilation: 1,
  activation: "relu",
});
export const newPool = () => ({ type: "pool", mode: "max", kernel: 2, stride: 0, padding: 0, ceil: false });
export const newNorm = () => ({ type: "batch_norm" });

/** Make one layer possible: sizes a bank exists in, "same" only at stride 1, pool padding ≤ k/2. */
export function fixLayer(l) {
  if (l.type === "conv") {
    if (!BANKS.includes(l.bank)) l.bank = "sobel";
    // Named kernels have a centre pixel, so only odd sizes exist.
    l.size = FIXED_3.includes(l.bank) ? 3 : clamp(l.size | 1, ["sobel", "gabor"].includes(l.bank) ? 3 : 1, 15);
    l.count = clamp(l.count, 1, 16);
    l.seed = clamp(l.seed, 0, 9999);
    l.stride = clamp(l.stride, 1, 4);
    l.dilation = clamp(l.dilation, 1, 4);
    if (l.padding === "same" && l.stride !== 1) l.padding = "auto";
    if (typeof l.padding === "number") l.padding = l.padding === 0 ? "valid" : clamp(l.padding, 1, 7);
    else if (!["auto", "same", "valid"].includes(l.padding)) l.padding = "auto";
    if (!ACTIVATIONS.includes(l.activation)) l.activation = "none";
  } else if (l.type === "pool") {
    l.mode = l.mode === "avg" ? "avg" : "max";
    l.kernel = clamp(l.kernel, 1, 8);
    l.stride = l.stride ? clamp(l.stride, 1, 8) : 0; // 0: the kernel size, as PyTorch
    l.padding = clamp(l.padding, 0, Math.floor(l.kernel / 2));
  }
  return l;
}

function parseToken(token) {
  const [head, ...parts] = token.split(".");
  if (head === "b") return newNorm();
  if (head === "c") {
    const l = newConv(BANKS.includes(parts[0]) ? parts.shift() : "sobel");
    l.activation = "none";
    for (const p of parts) {
      const m = /^([knrsdp])(\d{1,4})$/.exec(p);
      if (p === "same" || p === "valid") l.padding = p;
      else if (ACT_CODES[p]) l.activation = ACT_CODES[p];
      else if (m)
        l[{ k: "size", n: "count", r: "seed", s: "stride", d: "dilation", p: "padding" }[m[1]]] = Number(m[2]);
    }
    return fixLayer(l);
  }
  if (head === "p") {
    const l = newPool();
    if (parts[0] === "max" || parts[0] === "avg") l.mode = parts.shift();
    for (const p of parts) {
      const m = /^([ksp])(\d{1,2})$/.exec(p);
      if (p === "ceil") l.ceil = true;
      else if (m) l[{ k: "kernel", s: "stride", p: "padding" }[m[1]]] = Number(m[2]);
    }
    return fixLayer(l);
  }
  return null;
}

/** "c.sobel.relu_p.max" -> layer objects (unknown tokens dropped, at most MAX_LAYERS). */
export function parseLayers(text) {
  return String(text ?? "")
    .split("_")
    .map((token) => parseToken(token.trim().toLowerCase()))
    .filter(Boolean)
    .slice(0, MAX_LAYERS);
}

export function formatLayer(l) {
  if (l.type === "batch_norm") return "b";
  if (l.type === "pool") {
    const parts = ["p", l.mode];
    if (l.kernel !== 2) parts.push(`k${l.kernel}`);
    if (l.stride) parts.push(`s${l.stride}`);
    if (l.padding) parts.push(`p${l.padding}`);
    if (l.ceil) parts.push("ceil");
    return parts.join(".");
  }
  const parts = ["c", l.bank];
  if (l.size !== (l.bank === "gabor" ? 7 : 3)) parts.push(`k${l.size}`);
  if (["gabor", "random"].includes(l.bank) && l.count !== 4) parts.push(`n${l.count}`);
  if (l.bank === "random" && l.seed) parts.push(`r${l.seed}`);
  if (l.stride !== 1) parts.push(`s${l.stride}`);
  if (l.padding === "same" || l.padding === "valid") parts.push(l.padding);
  else if (typeof l.padding === "number") parts.push(`p${l.padding}`);
  if (l.dilation !== 1) parts.push(`d${l.dilation}`);
  if (l.activation !== "none") parts.push(ACT_TOKENS[l.activation]);
  return parts.join(".");
}

export const formatLayers = (layers) => layers.map(formatLayer).join("_");

/** The `layers` form field of POST /api/feature-maps. */
export function apiLayers(layers) {
  return layers.map((l) => {
    if (l.type === "batch_norm") return { type: "batch_norm" };
    if (l.type === "pool") {
      const spec = { type: "pool", mode: l.mode, kernel_size: l.kernel, padding: l.padding, ceil_mode: l.ceil };
      if (l.stride) spec.stride = l.stride;
      return spec;
    }
    const spec = {
      type: "conv",
      bank: l.bank,
      size: l.size,
      stride: l.stride,
      dilation: l.dilation,
      activation: l.activation,
    };
    if (["gabor", "random"].includes(l.bank)) spec.count = l.count;
    if (l.bank === "random") spec.seed = l.seed;
    if (l.padding !== "auto") spec.padding = l.padding;
    return spec;
  });
}

/** POST /api/receptive-field's layers, from each feature-maps layer's `params` as run. */
export function geometryOf(runLayers) {
  return runLayers.map((layer) => {
    const p = layer.params;
    if (layer.type === "conv")
      return { type: "conv", kernel_size: p.size, stride: p.stride, padding: p.padding, dilation: p.dilation };
    if (layer.type === "pool")
      return { type: "pool", kernel_size: p.kernel_size, stride: p.stride, padding: p.padding, ceil_mode: p.ceil_mode };
    return { type: "batch_norm" };
  });
}

/** "layer-channel-y-x" -> {layer, channel, y, x}, or null. */
export function parseUnit(text) {
  const m = /^(\d+)-(\d+)-(\d+)-(\d+)$/.exec(String(text || ""));
  return m ? { layer: Number(m[1]), channel: Number(m[2]), y: Number(m[3]), x: Number(m[4]) } : null;
}
export const formatUnit = (u) => `${u.layer}-${u.channel}-${u.y}-${u.x}`;

/** The layer list is rewritten to its possible form; a unit past the stack is dropped. */
export function constrain(v) {
  const layers = parseLayers(v.layers);
  const text = layers.length ? formatLayers(layers) : DEFAULT_LAYERS; // an empty stack shows nothing to learn from
  const limits = { layers: { allowed: [text], fallback: text } };
  const unit = parseUnit(v.unit);
  if (v.unit !== "" && (!unit || unit.layer >= layers.length)) limits.unit = { allowed: [""], fallback: "" };
  return limits;
}
