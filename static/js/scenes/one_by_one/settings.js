// /one-by-one's settings: one table for both halves of the page (the channel mixing at one pixel,
// and the inception and bottleneck calculators), the limits between them, and the requests they
// describe. No arithmetic on values lives here: the frames and the counts come from the API.
import { t } from "../../i18n.js";

export const MAX_SIDE = 6;
export const MAX_MIX_CHANNELS = 8;
const MAX_CALC_SIDE = 512;
const MAX_CALC_CHANNELS = 4096;

const calc = (name, def, label, group, max = MAX_CALC_CHANNELS) => ({
  name,
  type: "int",
  default: def,
  min: 1,
  max,
  label,
  group,
});

export const TABLE = [
  // channel mixing
  { name: "size", type: "int", default: 3, min: 1, max: MAX_SIDE, label: "obo.ctl.size", group: "obo_input" },
  { name: "cin", type: "int", default: 4, min: 1, max: MAX_MIX_CHANNELS, label: "obo.ctl.cin", group: "obo_input" },
  { name: "seed", type: "int", default: 1, min: 0, max: 99999, label: "obo.ctl.seed", group: "obo_input" },
  { name: "cout", type: "int", default: 2, min: 1, max: MAX_MIX_CHANNELS, label: "obo.ctl.cout", group: "obo_kernel" },
  { name: "bias", type: "bool", default: false, label: "obo.ctl.bias", group: "obo_kernel" },
  {
    name: "act",
    type: "choice",
    choices: ["none", "relu"],
    default: "relu",
    label: "obo.ctl.act",
    group: "obo_kernel",
    choiceLabel: (c) => t(`act.${c}`),
  },
  {
    name: "by",
    type: "choice",
    choices: ["pixel", "value"],
    default: "pixel",
    label: "obo.ctl.by",
    group: "obo_kernel",
    choiceLabel: (c) => t(`obo.by.${c}`),
  },
  // the inception calculator (its controls are moved next to the branches they count)
  calc("h", 28, "obo.ctl.h", "obo_calc", MAX_CALC_SIDE),
  calc("w", 28, "obo.ctl.w", "obo_calc", MAX_CALC_SIDE),
  calc("c", 192, "obo.ctl.c", "obo_calc"),
  { name: "reduce", type: "bool", default: true, label: "obo.ctl.reduce", group: "obo_calc" },
  { name: "proj", type: "bool", default: true, label: "obo.ctl.proj", group: "obo_calc" },
  {
    name: "k5",
    type: "choice",
    choices: [5, 3],
    default: 5,
    label: "obo.ctl.k5",
    group: "obo_calc",
    choiceLabel: (c) => t(`obo.k5.${c}`),
  },
  calc("b1", 64, "obo.ctl.b1", "obo_branches"),
  calc("b3r", 96, "obo.ctl.b3r", "obo_branches"),
  calc("b3", 128, "obo.ctl.b3", "obo_branches"),
  calc("b5r", 16, "obo.ctl.b5r", "obo_branches"),
  calc("b5", 32, "obo.ctl.b5", "obo_branches"),
  calc("bp", 32, "obo.ctl.bp", "obo_branches"),
  // the bottleneck comparison
  calc("rs", 56, "obo.ctl.rs", "obo_neck", MAX_CALC_SIDE),
  calc("rc", 256, "obo.ctl.rc", "obo_neck"),
  calc("rb", 64, "obo.ctl.rb", "obo_neck"),
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
