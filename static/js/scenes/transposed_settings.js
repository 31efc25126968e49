// /transposed's settings: /conv's rows for the input, the kernels, groups, bias, padding, stride,
// dilation and zoom, plus output_padding; the limits each puts on the others (with the reason);
// the request for POST /api/conv-transpose2d/frames, and the matching POST /api/conv2d/backward.
// Only parameter arithmetic lives here (sizes), never the transposed convolution itself.
import { t } from "../i18n.js";
import { config } from "../scene.js";
import { TABLE as CONV_TABLE } from "./conv_settings.js";

const MAX_OUT = 40; // output rows or columns: beyond this the grids stop being readable
const MAX_OP = 4;
const W_KINDS = ["sign", "int", "floats"]; // named kernels are (out, in) shaped; here the weight is (in, out)

const conv = (name, changes = {}) => ({ ...CONV_TABLE.find((row) => row.name === name), ...changes });

export const TABLE = [
  conv("size", { default: 3, max: 16 }),
  conv("cin"),
  conv("xkind", { default: "int" }),
  conv("seed", { default: 3 }),
  conv("k", { max: 7 }),
  conv("cout", { label: "tr.ctl.cout" }),
  conv("wkind", { choices: W_KINDS }),
  conv("groups"),
  conv("bias"),
  conv("p", { default: 1 }),
  conv("stride", { default: 2, max: 4 }),
  conv("dil", { max: 3 }),
  { name: "op", type: "int", default: 1, min: 0, max: MAX_OP, label: "tr.ctl.op", group: "slide" },
  conv("zoom"),
];

/** The uncropped result along one axis, before padding crops it: (N-1)S + D(F-1) + output_padding + 1. */
export function fullSize(v) {
  return (v.size - 1) * v.stride + v.dil * (v.k - 1) + v.op + 1;
}

/** Output size along one axis (layout only; the stream's header carries the server's own). */
export function outSize(v) {
  return fullSize(v) - 2 * v.p;
}

const divisors = (n) => [1, 2, 3, 4].filter((g) => n % g === 0);

export function constrain(v) {
  const L = {};
  const common = divisors(v.cin).filter((g) => v.cout % g === 0);
  L.groups = {
    allowed: common,
    fallback: 1,
    why: common.length > 1 || v.groups > 1 ? "" : t("why.groups", { cin: v.cin, cout: v.cout }),
  };

  // PyTorch: output_padding must be smaller than the stride or the dilation, else the extra rows
  // would be a whole step that no input value reaches.
  const opMax = Math.min(MAX_OP, Math.max(v.stride, v.dil) - 1);
  L.op = { max: opMax, why: t("tr.why.op", { s: v.stride, d: v.dil, max: opMax }) };

  // Padding crops P rows from each side: at least one must remain.
  const pMax = Math.max(0, Math.min(10, Math.floor((fullSize({ ...v, op: Math.min(v.op, opMax) }) - 1) / 2)));
  L.p = { max: pMax };
  if (pMax < 10) L.p.why = t("tr.why.p", { max: pMax, full: fullSize({ ...v, op: Math.min(v.op, opMax) }) });

  // Keep the output readable and the run within the server's step limit.
  const fits = (size) => {
    const w = { ...v, size, p: 0, op: Math.min(v.op, opMax) };
    return outSize(w) <= MAX_OUT && v.cin * size * size + v.cout <= config.maxFrames;
  };
  if (!fits(v.size)) {
    let size = v.size;
    while (size > 1 && !fits(size)) size -= 1;
    L.size = { max: size, why: t("tr.why.size", { max: size, out: MAX_OUT }) };
  }
  return L;
}

function spec(kind, shape, seed) {
  const ranges = { binary: [0, 1], int: [-3, 3], digits: [0, 9], sign: [-1, 1] };
  if (ranges[kind]) return { shape, kind: "integers", seed, low: ranges[kind][0], high: ranges[kind][1] };
  return { shape, kind: kind === "floats" ? "floats" : kind, seed };
}

export function requestBody(v) {
  return {
    input: spec(v.xkind, [v.cin, v.size, v.size], v.seed),
    weight: spec(v.wkind, [v.cin, v.cout / v.groups, v.k, v.k], v.seed + 1),
    bias: v.bias ? { shape: [v.cout], kind: "integers", seed: v.seed + 2, low: -2, high: 2 } : null,
    stride: v.stride,
    padding: v.p,
    output_padding: v.op,
    dilation: v.dil,
    groups: v.groups,
  };
}

/**
 * The convolution whose backward this is: its input has this scene's output shape, its weight is
 * this scene's weight (read as (out, in/groups, kH, kW)), and the upstream gradient is this
 * scene's input. When output_padding reaches the stride (possible through the dilation), that
 * convolution's output has `extra` more rows and columns than the input; the upstream gradient is
 * then given zeros there, which add nothing.
 */
export function backwardBody(v, header) {
  const unbatch = (x) => (Array.isArray(x?.[0]?.[0]?.[0]) ? x[0] : x);
  const input = unbatch(header.inputs.input);
  const out = header.shapes.output;
  const oH = out[out.length - 2];
  const oW = out[out.length - 1];
  const convOut = (n) => Math.floor((n + 2 * v.p - v.dil * (v.k - 1) - 1) / v.stride) + 1;
  const extraH = convOut(oH) - input[0].length;
  const extraW = convOut(oW) - input[0][0].length;
  const grad = input.map((plane) => [
    ...plane.map((line) => [...line, ...Array(Math.max(0, extraW)).fill(0)]),
    ...Array.from({ length: Math.max(0, extraH) }, () => Array(plane[0].length + Math.max(0, extraW)).fill(0)),
  ]);
  return {
    body: {
      input: { shape: [out[out.length - 3], oH, oW], kind: "zeros" },
      weight: header.inputs.weight,
      grad_output: grad,
      stride: v.stride,
      padding: v.p,
      dilation: v.dil,
      groups: v.groups,
    },
    extra: Math.max(extraH, extraW, 0),
  };
}
