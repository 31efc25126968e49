// /transposed's settings: /conv's rows for the input, the kernels, groups, bias, padding, stride,
// dilation and zoom, plus output_padding; the limits each puts on the others (with the reason);
// the request for POST /api/conv-transpose2d/frames, and the matching POST /api/conv2d/backward.
// Only parameter arithmetic lives here (sizes; see shapes.js), never the transposed convolution.
import { t } from "../../i18n.js";
import { seeded, unbatch } from "../../kit/frames.js";
import { config } from "../../kit/scene.js";
import { convOutputSize, convTransposeOutputSize, sizeOr } from "../../shapes.js";
import { rowsFor } from "../../urlstate.js";
import { convRow, groupsLimit, seededBias, sizeLimit } from "../shared/conv_settings.js";

const MAX_OUT = 40; // output rows or columns: beyond this the grids stop being readable
const MAX_OP = 4;
const MAX_PAD = 10;
const W_KINDS = ["sign", "int", "floats"]; // named kernels are (out, in) shaped; here the weight is (in, out)

export const TABLE = [
  convRow("size", { default: 3, max: 16 }),
  convRow("cin"),
  convRow("xkind", { default: "int" }),
  convRow("seed", { default: 3 }),
  convRow("k", { max: 7 }),
  convRow("cout", { label: "tr.ctl.cout" }),
  convRow("wkind", { choices: W_KINDS }),
  convRow("groups"),
  convRow("bias"),
  convRow("p", { default: 1 }),
  convRow("stride", { default: 2, max: 4 }),
  convRow("dil", { max: 3 }),
  rowsFor("tr.ctl").int("op", "slide", 1, 0, MAX_OP),
  convRow("zoom"),
];

/**
 * The uncropped result along one axis, before padding crops it: (N-1)S + D(F-1) + output_padding + 1
 * (1 for settings the engine refuses, as a hand-written URL can give before the limits apply).
 */
export const fullSize = (v) => sizeOr(1, convTransposeOutputSize, v.size, v.k, v.stride, 0, v.op, v.dil);

export function constrain(v) {
  const L = { groups: groupsLimit(v) };
  // PyTorch: output_padding must be smaller than the stride or the dilation, else the extra rows
  // would be a whole step that no input value reaches.
  const opMax = Math.min(MAX_OP, Math.max(v.stride, v.dil) - 1);
  L.op = { max: opMax, why: t("tr.why.op", { s: v.stride, d: v.dil, max: opMax }) };
  // Padding crops P rows from each side: at least one must remain.
  const full = fullSize({ ...v, op: Math.min(v.op, opMax) });
  const pMax = Math.max(0, Math.min(MAX_PAD, Math.floor((full - 1) / 2)));
  L.p = { max: pMax };
  if (pMax < MAX_PAD) L.p.why = t("tr.why.p", { max: pMax, full });
  // Keep the output readable and the run within the server's step limit.
  const fits = (size) =>
    fullSize({ ...v, size, op: Math.min(v.op, opMax) }) <= MAX_OUT && v.cin * size * size + v.cout <= config.maxFrames;
  const size = sizeLimit(v, fits, (max) => t("tr.why.size", { max, out: MAX_OUT }));
  if (size) L.size = size;
  return L;
}

export function requestBody(v) {
  return {
    input: seeded(v.xkind, [v.cin, v.size, v.size], v.seed),
    weight: seeded(v.wkind, [v.cin, v.cout / v.groups, v.k, v.k], v.seed + 1),
    bias: v.bias ? seededBias(v.cout, v.seed + 2) : null,
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
  const input = unbatch(header.inputs.input);
  const out = header.shapes.output;
  const [oH, oW] = [out.at(-2), out.at(-1)];
  const convOut = (n) => convOutputSize(n, v.k, v.stride, v.p, v.dil).size;
  const extraH = Math.max(0, convOut(oH) - input[0].length);
  const extraW = Math.max(0, convOut(oW) - input[0][0].length);
  const grad = input.map((plane) => [
    ...plane.map((line) => [...line, ...Array(extraW).fill(0)]),
    ...Array.from({ length: extraH }, () => Array(plane[0].length + extraW).fill(0)),
  ]);
  return {
    body: {
      input: { shape: [out.at(-3), oH, oW], kind: "zeros" },
      weight: header.inputs.weight,
      grad_output: grad,
      stride: v.stride,
      padding: v.p,
      dilation: v.dil,
      groups: v.groups,
    },
    extra: Math.max(extraH, extraW),
  };
}
