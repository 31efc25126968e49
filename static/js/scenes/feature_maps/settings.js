// /feature-maps settings: the table of controls, the layer stack of the URL (read and written by
// the shared codec, shared/layer_stack.js: "c.sobel.relu_p.max_b") and the limits that keep each
// layer possible. Only which settings exist lives here; every shape, value and box comes from the API.
import { t } from "../../i18n.js";
import { config } from "../../kit/scene.js";
import { rowsFor } from "../../urlstate.js";
import { formatStack, parseStack } from "../shared/layer_stack.js";

export const BANKS = [
  ...["sobel", "prewitt", "scharr", "laplacian"], // edges
  ...["blur", "gaussian", "sharpen", "emboss", "identity"], // filters
  ...["gabor", "random"], // banks of several kernels
];
export const FIXED_3 = ["prewitt", "scharr", "laplacian", "sharpen", "emboss"];
export const ACTIVATIONS = ["none", "relu", "sigmoid", "tanh"];
export const SAMPLES = ["shapes", "stripes", "scene", "rings"];
export const MAX_LAYERS = Number(config.maxLayers) || 8;
export const KERNEL_SIZES = [1, 3, 5, 7, 9, 11, 13, 15];
export const DEFAULT_LAYERS = "c.sobel.relu_p.max";

const { choice, bool } = rowsFor("fm.ctl");

export const TABLE = [
  { name: "src", type: "choice", choices: [...SAMPLES, "upload"], default: "shapes", hidden: true },
  { name: "layers", type: "text", default: DEFAULT_LAYERS, hidden: true },
  { name: "unit", type: "text", default: "", hidden: true },
  bool("gray", "fm_view", false),
  choice("scale", "fm_view", ["map", "layer", "grey"], "map", (c) => t(`fm.scale.${c}`)),
];

const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));
const hasCount = (bank) => bank === "gabor" || bank === "random";

/** What each setting of a layer is when its token does not say (the URL leaves these out). */
function defaultsOf(layer) {
  if (layer.type === "pool") return { kernel_size: 2, stride: 0, padding: 0 };
  const kernel_size = layer.bank === "gabor" ? 7 : 3;
  return { kernel_size, count: 4, seed: 0, stride: 1, padding: "auto", dilation: 1 };
}

export const newConv = (bank = "sobel") => ({
  type: "conv",
  bank,
  ...defaultsOf({ type: "conv", bank }),
  activation: "relu",
});
export const newPool = () => ({ type: "pool", mode: "max", ...defaultsOf({ type: "pool" }), ceil_mode: false });
export const newNorm = () => ({ type: "batch_norm" });

function fixConv(l) {
  if (!BANKS.includes(l.bank)) l.bank = "sobel";
  // Named kernels have a centre pixel, so only odd sizes exist.
  const smallest = ["sobel", "gabor"].includes(l.bank) ? 3 : 1;
  l.kernel_size = FIXED_3.includes(l.bank) ? 3 : clamp(l.kernel_size | 1, smallest, 15);
  // A count or a seed only some banks have keeps its default elsewhere.
  l.count = hasCount(l.bank) ? clamp(l.count, 1, 16) : 4;
  l.seed = l.bank === "random" ? clamp(l.seed, 0, 9999) : 0;
  l.stride = clamp(l.stride, 1, 4);
  l.dilation = clamp(l.dilation, 1, 4);
  if (l.padding === "same" && l.stride !== 1) l.padding = "auto";
  if (typeof l.padding === "number") l.padding = l.padding === 0 ? "valid" : clamp(l.padding, 1, 7);
  else if (!["auto", "same", "valid"].includes(l.padding)) l.padding = "auto";
  if (!ACTIVATIONS.includes(l.activation)) l.activation = "none";
}

/** Make one layer possible: sizes a bank exists in, "same" only at stride 1, pool padding ≤ k/2. */
export function fixLayer(l) {
  if (l.type === "conv") fixConv(l);
  else if (l.type === "pool") {
    l.mode = l.mode === "avg" ? "avg" : "max";
    l.kernel_size = clamp(l.kernel_size, 1, 8);
    l.stride = l.stride ? clamp(l.stride, 1, 8) : 0; // 0: the kernel size, as PyTorch
    l.padding = clamp(l.padding, 0, Math.floor(l.kernel_size / 2));
  }
  return l;
}

const FIELDS = {
  conv: ["bank", "kernel_size", "count", "seed", "stride", "padding", "dilation", "activation"],
  pool: ["mode", "kernel_size", "stride", "padding", "ceil_mode"],
  batch_norm: [],
};

/** A layer as the codec read it -> this page's layer: its type's defaults, then what the token set. */
function fromToken(read) {
  if (read.type === "batch_norm") return newNorm();
  // A conv token without an activation has none (the layers the editor adds start with ReLU).
  const layer = read.type === "conv" ? { ...newConv(read.bank), activation: "none" } : newPool();
  for (const field of FIELDS[read.type]) if (read[field] !== undefined) layer[field] = read[field];
  return fixLayer(layer);
}

/** The URL's text -> layer objects (unknown tokens dropped, at most MAX_LAYERS). */
export const parseLayers = (text) => parseStack(text).map(fromToken).slice(0, MAX_LAYERS);

export const formatLayers = (layers) => formatStack(layers, { defaults: defaultsOf });

/** The `layers` form field of POST /api/feature-maps. */
export function apiLayers(layers) {
  return layers.map((l) => {
    if (l.type === "batch_norm") return { type: "batch_norm" };
    if (l.type === "pool") {
      const spec = {
        type: "pool",
        mode: l.mode,
        kernel_size: l.kernel_size,
        padding: l.padding,
        ceil_mode: l.ceil_mode,
      };
      if (l.stride) spec.stride = l.stride;
      return spec;
    }
    const spec = {
      type: "conv",
      bank: l.bank,
      size: l.kernel_size,
      stride: l.stride,
      dilation: l.dilation,
      activation: l.activation,
    };
    if (hasCount(l.bank)) spec.count = l.count;
    if (l.bank === "random") spec.seed = l.seed;
    if (l.padding !== "auto") spec.padding = l.padding;
    return spec;
  });
}

/** POST /api/receptive-field's layers, from each feature-maps layer's `params` as run. */
export function geometryOf(runLayers) {
  return runLayers.map((layer) => {
    const p = layer.params;
    const { stride, padding } = p;
    if (layer.type === "conv") return { type: "conv", kernel_size: p.size, stride, padding, dilation: p.dilation };
    if (layer.type === "pool")
      return { type: "pool", kernel_size: p.kernel_size, stride, padding, ceil_mode: p.ceil_mode };
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
