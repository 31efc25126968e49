// /conv's settings: the table of controls, the limits each puts on the others (with the reason),
// and the API request they describe. Only parameter arithmetic lives here (sizes, paddings),
// never the convolution itself.

import { applyEdits, parseEdits } from "../edit.js";
import { t } from "../i18n.js";
import { config } from "../scene.js";
import { postJson } from "../stream.js";

const X_KINDS = ["binary", "int", "digits", "floats"];
const W_KINDS = [
  "sign",
  "int",
  "floats",
  "identity",
  "box_blur",
  "gaussian",
  "sharpen",
  "sobel_x",
  "sobel_y",
  "laplacian",
  "emboss",
];
const ONLY_SIZE_3 = ["sharpen", "laplacian", "emboss"];
const PAD_MODES = ["zeros", "reflect", "replicate", "circular"];
const MAX_KERNEL = 11;
const MAX_PAD = 10;
const MAX_STEP = 5;

export const TABLE = [
  { name: "size", type: "int", default: 5, min: 1, max: 64, label: "conv.ctl.size", group: "input" },
  { name: "cin", type: "int", default: 1, min: 1, max: 4, label: "conv.ctl.cin", group: "input" },
  {
    name: "xkind",
    type: "choice",
    choices: X_KINDS,
    default: "binary",
    label: "conv.ctl.xkind",
    group: "input",
    choiceLabel: (c) => t(`kind.${c}`),
  },
  { name: "seed", type: "int", default: 1, min: 0, max: 99999, label: "conv.ctl.seed", group: "input" },
  { name: "k", type: "int", default: 3, min: 1, max: MAX_KERNEL, label: "conv.ctl.k", group: "kernel" },
  { name: "cout", type: "int", default: 1, min: 1, max: 4, label: "conv.ctl.cout", group: "kernel" },
  {
    name: "wkind",
    type: "choice",
    choices: W_KINDS,
    default: "sign",
    label: "conv.ctl.wkind",
    group: "kernel",
    choiceLabel: (c) => t(`kind.${c}`),
  },
  { name: "groups", type: "choice", choices: [1, 2, 3, 4], default: 1, label: "conv.ctl.groups", group: "kernel" },
  { name: "bias", type: "bool", default: true, label: "conv.ctl.bias", group: "kernel" },
  {
    name: "pad",
    type: "choice",
    choices: ["number", "valid", "same", "full"],
    default: "number",
    label: "conv.ctl.pad",
    group: "slide",
    choiceLabel: (c) => t(`pad.${c}`),
  },
  { name: "p", type: "int", default: 0, min: 0, max: MAX_PAD, label: "conv.ctl.p", group: "slide" },
  {
    name: "pmode",
    type: "choice",
    choices: PAD_MODES,
    default: "zeros",
    label: "conv.ctl.pmode",
    group: "slide",
    choiceLabel: (c) => t(`pmode.${c}`),
  },
  { name: "stride", type: "int", default: 1, min: 1, max: MAX_STEP, label: "conv.ctl.stride", group: "slide" },
  { name: "dil", type: "int", default: 1, min: 1, max: MAX_STEP, label: "conv.ctl.dil", group: "slide" },
  {
    name: "act",
    type: "choice",
    choices: ["none", "relu", "sigmoid", "tanh"],
    default: "relu",
    label: "conv.ctl.act",
    group: "slide",
    choiceLabel: (c) => t(`act.${c}`),
  },
  {
    name: "zoom",
    type: "choice",
    choices: [1, 2, 4],
    default: 1,
    label: "conv.ctl.zoom",
    group: "view",
    choiceLabel: (c) => `×${c}`,
  },
  { name: "edits", type: "text", default: "", hidden: true },
];

// ---- settings -> padding and sizes (for the controls' limits and the layout only) ----

/** Padding before and after along one axis, as PyTorch resolves it ("same": extra goes after). */
export function pads(v) {
  const span = v.dil * (v.k - 1);
  if (v.pad === "valid") return [0, 0];
  if (v.pad === "full") return [span, span];
  if (v.pad === "same") return [Math.floor(span / 2), span - Math.floor(span / 2)];
  return [v.p, v.p];
}

function outSize(v) {
  const [a, b] = pads(v);
  return Math.floor((v.size + a + b - v.dil * (v.k - 1) - 1) / v.stride) + 1;
}

const divisors = (n) => [1, 2, 3, 4].filter((g) => n % g === 0);

/** Limits of each control given the others, and the reason for each limit. */
export function constrain(v) {
  const L = {};
  const common = divisors(v.cin).filter((g) => v.cout % g === 0);
  L.groups = {
    allowed: common,
    fallback: 1,
    why: common.length > 1 || v.groups > 1 ? "" : t("why.groups", { cin: v.cin, cout: v.cout }),
  };

  // Padding modes other than zeros copy real cells, so the padding must fit inside the input.
  const limitForMode = v.pmode === "reflect" ? v.size - 1 : v.pmode === "circular" ? v.size : MAX_PAD;
  const padMax = Math.min(MAX_PAD, limitForMode);
  L.p = { max: padMax, disabled: v.pad !== "number" };
  if (padMax < MAX_PAD) L.p.why = t(`why.p_${v.pmode}`, { max: padMax, size: v.size });
  const allowedPad = ["number", "valid"];
  const whyPad = [];
  if (v.stride === 1) {
    if (Math.max(...pads({ ...v, pad: "same" })) <= limitForMode) allowedPad.push("same");
  } else whyPad.push(t("why.same_stride"));
  if (v.dil * (v.k - 1) <= limitForMode) allowedPad.push("full");
  else whyPad.push(t("why.full_mode", { p: v.dil * (v.k - 1), max: limitForMode }));
  L.pad = { allowed: allowedPad, fallback: "number", why: whyPad.join(" ") };

  // The window (k taps, dil apart) must fit in the padded input.
  const [a, b] = pads(v);
  const padded = v.size + a + b;
  if (v.pad === "number" || v.pad === "valid") {
    const kMax = Math.max(1, Math.min(MAX_KERNEL, Math.floor((padded - 1) / v.dil) + 1));
    L.k = { max: kMax };
    if (kMax < MAX_KERNEL) {
      L.k.why = t("why.k", { max: kMax, next: kMax + 1, span: v.dil * kMax + 1, padded });
    }
    const dMax = v.k > 1 ? Math.max(1, Math.min(MAX_STEP, Math.floor((padded - 1) / (v.k - 1)))) : MAX_STEP;
    L.dil = { max: dMax };
    if (dMax < MAX_STEP) L.dil.why = t("why.dil", { max: dMax, k: v.k, padded });
  } else if (v.pmode !== "zeros") {
    // "full" pads the whole span on each side, "same" about half of it; reflect and circular
    // cannot pad more than the input gives.
    const spanMax = v.pad === "full" ? limitForMode : 2 * limitForMode;
    const kMax = Math.max(1, Math.min(MAX_KERNEL, Math.floor(spanMax / v.dil) + 1));
    L.k = { max: kMax, why: kMax < MAX_KERNEL ? t("why.k_mode", { max: kMax, mode: t(`pmode.${v.pmode}`) }) : "" };
  }

  // Named kernels exist only in some sizes.
  const allowedW = W_KINDS.filter((kind) => {
    if (["sign", "int", "floats"].includes(kind)) return true;
    if (v.k % 2 === 0) return false;
    if (ONLY_SIZE_3.includes(kind)) return v.k === 3;
    if (kind.startsWith("sobel")) return v.k >= 3;
    return true;
  });
  L.wkind = {
    allowed: allowedW,
    fallback: "sign",
    why: allowedW.length < W_KINDS.length ? t("why.named", { k: v.k }) : "",
  };

  // Every step is a frame; keep the run within the server's limit.
  const steps = v.cout * outSize(v) ** 2;
  if (steps > config.maxFrames) {
    let size = v.size;
    while (size > 1 && v.cout * outSize({ ...v, size }) ** 2 > config.maxFrames) size -= 1;
    L.size = { max: size, why: t("why.frames", { max: size, limit: config.maxFrames.toLocaleString() }) };
  }
  return L;
}

// ---- requests ----

function spec(kind, shape, seed) {
  const ranges = { binary: [0, 1], int: [-3, 3], digits: [0, 9], sign: [-1, 1] };
  if (ranges[kind]) return { shape, kind: "integers", seed, low: ranges[kind][0], high: ranges[kind][1] };
  return { shape, kind: kind === "floats" ? "floats" : kind, seed };
}

function requestBody(v) {
  const padding = v.pad === "number" ? v.p : v.pad === "full" ? v.dil * (v.k - 1) : v.pad;
  return {
    input: spec(v.xkind, [v.cin, v.size, v.size], v.seed),
    weight: spec(v.wkind, [v.cout, v.cin / v.groups, v.k, v.k], v.seed + 1),
    bias: v.bias ? { shape: [v.cout], kind: "integers", seed: v.seed + 2, low: -2, high: 2 } : null,
    stride: v.stride,
    padding,
    dilation: v.dil,
    groups: v.groups,
    padding_mode: v.pmode,
    activation: v.act,
  };
}

const baseCache = new Map();

/** The request, with hand edits written into explicit nested lists (fetching the base values once). */
export async function resolveBody(v, signal) {
  const body = requestBody(v);
  const edits = parseEdits(v.edits);
  if (!edits.length) return body;
  const key = JSON.stringify(body);
  if (!baseCache.has(key)) {
    const result = await postJson("/api/conv2d", body, { signal });
    baseCache.set(key, result.inputs);
  }
  const inputs = baseCache.get(key);
  const unbatch = (x) => (Array.isArray(x?.[0]?.[0]?.[0]) ? x[0] : x);
  return {
    ...body,
    input: applyEdits(unbatch(inputs.input), edits, "x"),
    weight: applyEdits(inputs.weight, edits, "w"),
    bias: inputs.bias ? applyEdits(inputs.bias, edits, "b") : null,
  };
}
