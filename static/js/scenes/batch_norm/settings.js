// /batch-norm's settings: the table of controls, their limits, the API requests they describe and
// how the player's steps map onto the frames. Only layout arithmetic lives here (how many steps,
// which frame a step shows), never the normalisation itself.
import { parseNumber, t } from "../../i18n.js";
import { seeded } from "../../kit/frames.js";
import { rowsFor } from "../../urlstate.js";

const X_KINDS = ["digits", "int", "floats"];
export const MAX_STEPS = 20;
const MAX_AFFINE = 100;

const { int, choice } = rowsFor("bn.ctl");
const text = (name, def) => ({ name, type: "text", default: def, label: `bn.ctl.${name}`, group: "bn" });

export const TABLE = [
  int("n", "batch", 4, 2, 8),
  int("c", "batch", 2, 1, 4),
  int("h", "batch", 3, 2, 6),
  int("w", "batch", 3, 2, 6),
  choice("xkind", "batch", X_KINDS, "digits", (c) => t(`kind.${c}`)),
  int("seed", "batch", 1, 0, 99999),
  choice("mode", "bn", ["train", "eval"], "train", (c) => t(`bn.mode.${c}`)),
  text("gamma", "1"),
  text("beta", "0"),
  choice("eps", "bn", [0.00001, 0.001, 0.1, 1], 0.00001, (c) => (c < 0.001 ? "10⁻⁵" : String(c))),
  choice("mom", "running", [0.01, 0.1, 0.2, 0.5, 0.9, 1], 0.1),
  int("steps", "running", 5, 1, MAX_STEPS),
  int("at", "running", 1, 1, MAX_STEPS),
];

/**
 * gamma or beta as typed ("1.5, 0.5", "2"): one number for every channel, or one per channel;
 * missing channels take the default. Returns {values (C numbers), text (canonical), problem}.
 */
export function affine(text, channels, fallback) {
  const parts = String(text)
    .trim()
    .split(/[\s,;_]+/)
    .filter(Boolean);
  const numbers = parts.map((p) => parseNumber(p));
  let problem = null;
  let values;
  if (!parts.length || numbers.some((x) => x === null)) {
    problem = "bad";
    values = Array(channels).fill(fallback);
  } else if (numbers.length === 1) values = Array(channels).fill(numbers[0]);
  else {
    if (numbers.length !== channels) problem = "count";
    values = Array.from({ length: channels }, (_, i) => (i < numbers.length ? numbers[i] : fallback));
  }
  if (values.some((x) => Math.abs(x) > MAX_AFFINE)) {
    problem = "large";
    values = values.map((x) => Math.max(-MAX_AFFINE, Math.min(MAX_AFFINE, x)));
  }
  const same = values.every((x) => x === values[0]);
  return { values, text: same ? String(values[0]) : values.join(","), problem };
}

/** Limits of each control given the others, and the reason for each limit. */
export function constrain(v) {
  const L = { at: { max: v.steps } };
  if (v.at >= v.steps && v.steps < MAX_STEPS) L.at.why = t("bn.why_at", { steps: v.steps });
  for (const [name, fallback] of [
    ["gamma", 1],
    ["beta", 0],
  ]) {
    const parsed = affine(v[name], v.c, fallback);
    // The canonical text replaces what was typed, so the URL holds exactly what is used.
    L[name] = { allowed: [parsed.text], fallback: parsed.text };
    if (parsed.problem) L[name].why = t(`bn.why_affine_${parsed.problem}`, { c: v.c, d: fallback, max: MAX_AFFINE });
  }
  if (v.mode === "eval") L.at.why = L.at.why || t("bn.why_at_eval", { steps: v.steps });
  return L;
}

// ---- requests ----

/** Batch t (0-based) of the training run: the same shape, drawn with seed + t. */
export function batchSpec(v, t) {
  return seeded(v.xkind, [v.n, v.c, v.h, v.w], v.seed + t);
}

export function stepsBody(v) {
  return { inputs: Array.from({ length: v.steps }, (_, t) => batchSpec(v, t)), momentum: v.mom };
}

/**
 * The request for the batch the player shows (batch at - 1). Training: the running statistics
 * the chain had before that step. Evaluation: those after every step.
 */
export function frameBody(v, chain, training = v.mode === "train") {
  const before = (key) => (v.at === 1 ? chain.start[key] : chain[key][v.at - 2]);
  const final = (key) => chain[key][chain.steps - 1];
  const pick = training ? before : final;
  return {
    input: batchSpec(v, v.at - 1),
    running_mean: pick("running_mean"),
    running_var: pick("running_var"),
    weight: affine(v.gamma, v.c, 1).values,
    bias: affine(v.beta, v.c, 0).values,
    training,
    momentum: v.mom,
    eps: v.eps,
  };
}

// ---- player steps: per channel, the statistics in phases, then one step per value ----

export const TRAIN_PHASES = ["sum", "mean", "squares", "variance", "running"];
export const EVAL_PHASES = ["running_used"];

/** The layout of the player's steps over the frames of one stream. */
export function stepPlan(v) {
  const phases = v.mode === "train" ? TRAIN_PHASES : EVAL_PHASES;
  const cells = v.n * v.h * v.w;
  const per = phases.length + cells;
  return {
    phases,
    cells,
    per,
    count: v.c * per,
    /** step -> {channel, phase (or null), frame index, cell (0-based in (n, y, x) order) or null} */
    at(step) {
      const channel = Math.floor(step / per);
      const k = step % per;
      const base = channel * (1 + cells);
      if (k < phases.length) return { channel, phase: phases[k], frame: base, cell: null };
      return { channel, phase: null, frame: base + 1 + (k - phases.length), cell: k - phases.length };
    },
    /** How many steps can be drawn once `frames` frames have arrived. */
    available(frames) {
      const full = Math.floor(frames / (1 + cells));
      const rest = frames % (1 + cells);
      return Math.min(this.count, full * per + (rest > 0 ? phases.length + rest - 1 : 0));
    },
    /** The step that shows the value at (n, c, y, x). */
    stepOf(n, c, y, x) {
      return c * per + phases.length + (n * v.h + y) * v.w + x;
    },
  };
}
