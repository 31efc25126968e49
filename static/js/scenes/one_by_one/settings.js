// /one-by-one's settings: one table for both halves of the page (the channel mixing at one pixel,
// and the inception and bottleneck calculators), the limits between them, and the requests they
// describe. No arithmetic on values lives here: the frames and the counts come from the API.
import { t } from "../../i18n.js";
import { rowsFor } from "../../urlstate.js";

export const MAX_SIDE = 6;
export const MAX_MIX_CHANNELS = 8;
const MAX_CALC_SIDE = 512;
const MAX_CALC_CHANNELS = 4096;

const { int, choice, bool } = rowsFor("obo.ctl");
const calc = (name, def, group, max = MAX_CALC_CHANNELS) => int(name, group, def, 1, max);

export const TABLE = [
  // channel mixing
  int("size", "obo_input", 3, 1, MAX_SIDE),
  int("cin", "obo_input", 4, 1, MAX_MIX_CHANNELS),
  int("seed", "obo_input", 1, 0, 99999),
  int("cout", "obo_kernel", 2, 1, MAX_MIX_CHANNELS),
  bool("bias", "obo_kernel", false),
  choice("act", "obo_kernel", ["none", "relu"], "relu", (c) => t(`act.${c}`)),
  choice("by", "obo_kernel", ["pixel", "value"], "pixel", (c) => t(`obo.by.${c}`)),
  // the inception calculator (its controls are moved next to the branches they count)
  calc("h", 28, "obo_calc", MAX_CALC_SIDE),
  calc("w", 28, "obo_calc", MAX_CALC_SIDE),
  calc("c", 192, "obo_calc"),
  bool("reduce", "obo_calc", true),
  bool("proj", "obo_calc", true),
  choice("k5", "obo_calc", [5, 3], 5, (c) => t(`obo.k5.${c}`)),
  calc("b1", 64, "obo_branches"),
  calc("b3r", 96, "obo_branches"),
  calc("b3", 128, "obo_branches"),
  calc("b5r", 16, "obo_branches"),
  calc("b5", 32, "obo_branches"),
  calc("bp", 32, "obo_branches"),
  // the bottleneck comparison
  calc("rs", 56, "obo_neck", MAX_CALC_SIDE),
  calc("rc", 256, "obo_neck"),
  calc("rb", 64, "obo_neck"),
];

/** The reductions and the projection are counted only when switched on: their counts wait, greyed. */
export function constrain(v) {
  const L = {};
  if (!v.reduce) {
    L.b3r = { disabled: true, why: t("obo.why_reduce") };
    L.b5r = { disabled: true, why: t("obo.why_reduce") };
  }
  if (!v.proj) L.bp = { disabled: true, why: t("obo.why_proj") };
  return L;
}

/** The settings the frames depend on (the calculators' settings do not reload them). */
export const mixKey = (v) => JSON.stringify([v.size, v.cin, v.cout, v.seed, v.bias, v.act]);

/** POST /api/conv2d/frames: a seeded (C_in, H, W) input and a bank of C_out 1x1 kernels. */
export function mixBody(v) {
  return {
    input: { shape: [v.cin, v.size, v.size], kind: "integers", seed: v.seed, low: -3, high: 3 },
    weight: { shape: [v.cout, v.cin, 1, 1], kind: "integers", seed: v.seed + 1, low: -2, high: 2 },
    bias: v.bias ? { shape: [v.cout], kind: "integers", seed: v.seed + 2, low: -2, high: 2 } : null,
    activation: v.act,
  };
}

/** POST /api/inception, field names as torchvision's Inception(...). */
export function inceptionBody(v) {
  return {
    height: v.h,
    width: v.w,
    in_channels: v.c,
    ch1x1: v.b1,
    ch3x3red: v.b3r,
    ch3x3: v.b3,
    ch5x5red: v.b5r,
    ch5x5: v.b5,
    pool_proj: v.bp,
    use_reductions: v.reduce,
    use_pool_projection: v.proj,
    kernel_5x5: v.k5,
  };
}

export function bottleneckBody(v) {
  return { height: v.rs, width: v.rs, channels: v.rc, bottleneck: v.rb };
}
