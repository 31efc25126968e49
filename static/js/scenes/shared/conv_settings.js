// The settings of a convolution, shared by /conv, /backward and /transposed: the rows of the table
// (input, kernels, how the window slides), how the padding choice resolves, the limits the rows
// put on each other (with the reason), and the part of the request every convolution sends.
// Only parameter arithmetic lives here (sizes, paddings; see shapes.js), never the convolution.
import { t } from "../../i18n.js";
import { seeded } from "../../kit/frames.js";
import { convOutputSize, samePadding, sizeOr } from "../../shapes.js";
import { rowsFor } from "../../urlstate.js";

const X_KINDS = ["binary", "int", "digits", "floats"];
export const W_KINDS = [
  ...["sign", "int", "floats"], // any size
  ...["identity", "box_blur", "gaussian", "sharpen", "sobel_x", "sobel_y", "laplacian", "emboss"], // named
];
const ONLY_SIZE_3 = ["sharpen", "laplacian", "emboss"];
const PAD_MODES = ["zeros", "reflect", "replicate", "circular"];
const MAX_KERNEL = 11;
const MAX_PAD = 10;
const MAX_STEP = 5;
const kindLabel = (c) => t(`kind.${c}`);
const { int, choice, bool } = rowsFor("conv.ctl");

export const CONV_ROWS = [
  int("size", "input", 5, 1, 64),
  int("cin", "input", 1, 1, 4),
  choice("xkind", "input", X_KINDS, "binary", kindLabel),
  int("seed", "input", 1, 0, 99999),
  int("k", "kernel", 3, 1, MAX_KERNEL),
  int("cout", "kernel", 1, 1, 4),
  choice("wkind", "kernel", W_KINDS, "sign", kindLabel),
  choice("groups", "kernel", [1, 2, 3, 4], 1),
  bool("bias", "kernel", true),
  choice("pad", "slide", ["number", "valid", "same", "full"], "number", (c) => t(`pad.${c}`)),
  int("p", "slide", 0, 0, MAX_PAD),
  choice("pmode", "slide", PAD_MODES, "zeros", (c) => t(`pmode.${c}`)),
  int("stride", "slide", 1, 1, MAX_STEP),
  int("dil", "slide", 1, 1, MAX_STEP),
  choice("act", "slide", ["none", "relu", "sigmoid", "tanh"], "relu", (c) => t(`act.${c}`)),
  choice("zoom", "view", [1, 2, 4], 1, (c) => `×${c}`),
  { name: "edits", type: "text", default: "", hidden: true },
];

/** /conv's row `name`, with `changes` (another default, a narrower range). */
export const convRow = (name, changes = {}) => ({ ...CONV_ROWS.find((row) => row.name === name), ...changes });

/** Padding before and after along one axis, as PyTorch resolves it ("same": extra goes after). */
export function pads(v) {
  const span = v.dil * (v.k - 1);
  if (v.pad === "valid") return [0, 0];
  if (v.pad === "full") return [span, span];
  if (v.pad === "same") return samePadding(v.k, v.dil);
  return [v.p, v.p];
}

/** Output size along one axis for these settings, or 0 where the window does not fit (limits only). */
export const outSize = (v) => sizeOr(0, convOutputSize, v.size, v.k, v.stride, pads(v), v.dil);

const divisors = (n) => [1, 2, 3, 4].filter((g) => n % g === 0);

/** Groups must divide both channel counts. */
export function groupsLimit(v) {
  const common = divisors(v.cin).filter((g) => v.cout % g === 0);
  const why = common.length > 1 || v.groups > 1 ? "" : t("why.groups", { cin: v.cin, cout: v.cout });
  return { allowed: common, fallback: 1, why };
}

/** Padding modes other than zeros copy real cells, so their padding must fit inside the input. */
const padLimitFor = (v) => (v.pmode === "reflect" ? v.size - 1 : v.pmode === "circular" ? v.size : MAX_PAD);

function paddingLimits(v, L) {
  const limitForMode = padLimitFor(v);
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
}

/** The window (k taps, dil apart) must fit in the padded input. */
function windowLimits(v, L) {
  const [a, b] = pads(v);
  const padded = v.size + a + b;
  if (v.pad === "number" || v.pad === "valid") {
    const kMax = Math.max(1, Math.min(MAX_KERNEL, Math.floor((padded - 1) / v.dil) + 1));
    L.k = { max: kMax };
    if (kMax < MAX_KERNEL) L.k.why = t("why.k", { max: kMax, next: kMax + 1, span: v.dil * kMax + 1, padded });
    const dMax = v.k > 1 ? Math.max(1, Math.min(MAX_STEP, Math.floor((padded - 1) / (v.k - 1)))) : MAX_STEP;
    L.dil = { max: dMax };
    if (dMax < MAX_STEP) L.dil.why = t("why.dil", { max: dMax, k: v.k, padded });
  } else if (v.pmode !== "zeros") {
    // "full" pads the whole span on each side, "same" about half of it; reflect and circular
    // cannot pad more than the input gives.
    const spanMax = v.pad === "full" ? padLimitFor(v) : 2 * padLimitFor(v);
    const kMax = Math.max(1, Math.min(MAX_KERNEL, Math.floor(spanMax / v.dil) + 1));
    L.k = { max: kMax, why: kMax < MAX_KERNEL ? t("why.k_mode", { max: kMax, mode: t(`pmode.${v.pmode}`) }) : "" };
  }
}

/** Named kernels exist only in some sizes. */
function kernelKindLimit(v) {
  const allowed = W_KINDS.filter((kind) => {
    if (["sign", "int", "floats"].includes(kind)) return true;
    if (v.k % 2 === 0) return false;
    if (ONLY_SIZE_3.includes(kind)) return v.k === 3;
    if (kind.startsWith("sobel")) return v.k >= 3;
    return true;
  });
  return { allowed, fallback: "sign", why: allowed.length < W_KINDS.length ? t("why.named", { k: v.k }) : "" };
}

/** Limits of each convolution control given the others, and the reason for each (no frame limit). */
export function convLimits(v) {
  const L = { groups: groupsLimit(v) };
  paddingLimits(v, L);
  windowLimits(v, L);
  L.wkind = kernelKindLimit(v);
  return L;
}

/** The largest input side (at most v.size) for which `fits(size)` holds, as a size limit with its reason. */
export function sizeLimit(v, fits, why) {
  if (fits(v.size)) return null;
  let size = v.size;
  while (size > 1 && !fits(size)) size -= 1;
  return { max: size, why: why(size) };
}

/** The request fields every convolution of these settings sends: seeded input and weight, geometry. */
export function convRequest(v) {
  return {
    input: seeded(v.xkind, [v.cin, v.size, v.size], v.seed),
    weight: seeded(v.wkind, [v.cout, v.cin / v.groups, v.k, v.k], v.seed + 1),
    stride: v.stride,
    padding: v.pad === "number" ? v.p : v.pad === "full" ? v.dil * (v.k - 1) : v.pad,
    dilation: v.dil,
    groups: v.groups,
    padding_mode: v.pmode,
  };
}

/** The seeded bias of C_out channels, small integers. */
export const seededBias = (cout, seed) => ({ shape: [cout], kind: "integers", seed, low: -2, high: 2 });
