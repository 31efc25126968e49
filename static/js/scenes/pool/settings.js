// /pool's settings: the table of controls, the limits each puts on the others (with the reason),
// and the API requests they describe. Only parameter arithmetic lives here (sizes for the layout),
// never the pooling itself.
import { t } from "../../i18n.js";
import { seeded } from "../../kit/frames.js";
import { poolOutputSize, sizeOr } from "../../shapes.js";
import { rowsFor } from "../../urlstate.js";

const X_KINDS = ["digits", "int", "binary", "floats", "one"];
const MAX_KERNEL = 6;
const MAX_STEP = 4;
const ONE_SIZE = 16;

const { int, choice, bool } = rowsFor("pool.ctl");

export const TABLE = [
  choice("mode", "pool", ["max", "avg"], "max", (c) => t(`pool.mode.${c}`)),
  choice("dir", "pool", ["forward", "backward"], "forward", (c) => t(`pool.dir.${c}`)),
  int("size", "input", 6, 2, 32),
  int("cin", "input", 1, 1, 3),
  choice("xkind", "input", X_KINDS, "digits", (c) => (c === "one" ? t("pool.kind.one") : t(`kind.${c}`))),
  int("seed", "input", 1, 0, 99999),
  int("k", "window", 2, 1, MAX_KERNEL),
  choice("stride", "window", ["k", 1, 2, 3, 4], "k", (c) => (c === "k" ? t("pool.stride_k") : String(c))),
  int("p", "window", 0, 0, 3),
  int("dil", "window", 1, 1, MAX_STEP),
  bool("ceil", "window", false),
  bool("cip", "window", true),
  choice("shift", "compare", ["none", "right", "down"], "none", (c) => t(`pool.shift.${c}`)),
  choice("zoom", "compare", [1, 2, 4], 1, (c) => `×${c}`),
];

/** The stride the windows move by ("k": as far as the kernel is wide, PyTorch's default). */
export const strideOf = (v) => (v.stride === "k" ? v.k : v.stride);

/** Output size along one axis by PyTorch's pooling rule (for the gradient's shape; see shapes.js). */
export const outSize = (v) => sizeOr(1, poolOutputSize, v.size, v.k, strideOf(v), v.p, v.dil, v.ceil);

/** Limits of each control given the others, and the reason for each limit. */
export function constrain(v) {
  const L = {};
  if (v.xkind === "one") {
    L.size = { min: ONE_SIZE, max: ONE_SIZE, why: t("why.pool_one_size") };
    L.cin = { max: 1, why: t("why.pool_one_cin") };
  }
  const half = Math.floor(v.k / 2);
  L.p = { max: half, why: v.p >= half ? t("why.pool_p", { max: half, k: v.k }) : "" };
  if (v.mode === "avg") L.dil = { max: 1, disabled: true, why: t("why.pool_dil_avg") };
  else if (v.k > 1) {
    const dMax = Math.max(1, Math.min(MAX_STEP, Math.floor((v.size + 2 * v.p - 1) / (v.k - 1))));
    L.dil = { max: dMax };
    if (dMax < MAX_STEP && v.dil >= dMax)
      L.dil.why = t("why.pool_dil", { max: dMax, k: v.k, padded: v.size + 2 * v.p });
  }
  const d = v.mode === "avg" ? 1 : v.dil;
  const kMax = Math.max(1, Math.min(MAX_KERNEL, Math.floor((v.size + 2 * v.p - 1) / d) + 1));
  L.k = { max: kMax };
  if (kMax < MAX_KERNEL && v.k >= kMax) L.k.why = t("why.pool_k", { max: kMax, padded: v.size + 2 * v.p });
  if (v.mode === "max") L.cip = { disabled: true, why: t("why.pool_cip_max") };
  if (v.dir === "backward")
    L.shift = { allowed: ["none"], fallback: "none", disabled: true, why: t("why.pool_shift_backward") };
  return L;
}

// ---- the digit "1" of the translation example: a drawing, 0 background, 1 ink ----

export function digitOne() {
  const plane = Array.from({ length: ONE_SIZE }, () => Array(ONE_SIZE).fill(0));
  for (let r = 3; r <= 12; r += 1) plane[r][6] = 1; // the stroke, in an even column
  plane[4][5] = 1; // the flag at the top
  plane[5][4] = 1;
  return [plane];
}

/** The presets that reproduce the course notes' example: one shift keeps the map, one changes it. */
const ONE_EXAMPLE = { xkind: "one", size: ONE_SIZE, cin: 1, k: 2, stride: "k", p: 0, dil: 1, ceil: false };
export const PRESETS = {
  keeps: { ...ONE_EXAMPLE, mode: "max", dir: "forward", shift: "right" },
  changes: { ...ONE_EXAMPLE, mode: "max", dir: "forward", shift: "down" },
};

/** The input moved one pixel right or down; the row or column that comes in holds 0. */
export function shifted(input, direction) {
  return input.map((plane) => {
    if (direction === "down") return [plane[0].map(() => 0), ...plane.slice(0, -1).map((line) => [...line])];
    return plane.map((line) => [0, ...line.slice(0, -1)]);
  });
}

// ---- requests ----

function inputOf(v) {
  return v.xkind === "one" ? digitOne() : seeded(v.xkind, [v.cin, v.size, v.size], v.seed);
}

export const endpoint = (v) => `/api/${v.mode === "max" ? "max" : "avg"}-pool2d`;

/** The body of the forward request (or of the backward one, with the upstream gradient). */
export function requestBody(v, input = inputOf(v)) {
  const body = { input, kernel_size: v.k, padding: v.p, ceil_mode: v.ceil };
  if (v.stride !== "k") body.stride = v.stride;
  if (v.mode === "max") body.dilation = v.dil;
  else body.count_include_pad = v.cip;
  if (v.dir === "backward") {
    const o = outSize(v);
    body.grad_output = { shape: [v.cin, o, o], kind: "integers", seed: v.seed + 1, low: 1, high: 4 };
  }
  return body;
}
