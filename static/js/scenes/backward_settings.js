// /backward's settings: /conv's rows (without bias and activation, which the convolution's own
// gradients do not involve) plus the upstream gradient, the limits, and the API request.
// Only parameter arithmetic lives here (sizes, counts), never the gradients themselves.
import { t } from "../i18n.js";
import { config } from "../scene.js";
import { TABLE as CONV_TABLE, constrain as convConstrain, pads } from "./conv_settings.js";

const G_KINDS = ["int", "sign", "ones"];
const MAX_STREAM_WORK = 1_000_000;
const SKIP = ["bias", "act", "edits"];

export const TABLE = [
  ...CONV_TABLE.filter((row) => !SKIP.includes(row.name) && row.name !== "zoom"),
  {
    name: "gkind",
    type: "choice",
    choices: G_KINDS,
    default: "int",
    label: "bw.ctl.gkind",
    group: "grad",
    choiceLabel: (c) => t(`bw.gkind.${c}`),
  },
  { name: "gseed", type: "int", default: 4, min: 0, max: 99999, label: "bw.ctl.gseed", group: "grad" },
  ...CONV_TABLE.filter((row) => row.name === "zoom"),
];

/** Output size along one axis for these settings (layout only). */
export function outSize(v) {
  const [a, b] = pads(v);
  return Math.floor((v.size + a + b - v.dil * (v.k - 1) - 1) / v.stride) + 1;
}

/** Frames of the backward stream and the multiply-adds it shows, from shapes (as docs/frames.md counts them). */
export function streamSize(v) {
  const [a, b] = pads(v);
  const o = outSize(v);
  const plane = v.pmode === "zeros" ? v.size * v.size : 2 * (v.size + a + b) ** 2 - v.size * v.size;
  const perGroup = v.cin / v.groups;
  const frames = v.cin * plane + v.cout * perGroup * v.k * v.k + v.cout;
  const work = 2 * v.cout * o * o * perGroup * v.k * v.k;
  return { frames, work };
}

export function constrain(v) {
  const L = convConstrain(v);
  delete L.size; // /conv's limit counts forward steps; the backward stream has its own count
  const fits = (size) => {
    const { frames, work } = streamSize({ ...v, size });
    return frames <= config.maxFrames && work <= MAX_STREAM_WORK && outSize({ ...v, size }) >= 1;
  };
  if (!fits(v.size)) {
    let size = v.size;
    while (size > 1 && !fits(size)) size -= 1;
    L.size = { max: size, why: t("bw.why.frames", { max: size, limit: config.maxFrames.toLocaleString() }) };
  }
  return L;
}

function spec(kind, shape, seed) {
  const ranges = { binary: [0, 1], int: [-3, 3], digits: [0, 9], sign: [-1, 1] };
  if (ranges[kind]) return { shape, kind: "integers", seed, low: ranges[kind][0], high: ranges[kind][1] };
  return { shape, kind: kind === "floats" ? "floats" : kind, seed };
}

export function requestBody(v) {
  const padding = v.pad === "number" ? v.p : v.pad === "full" ? v.dil * (v.k - 1) : v.pad;
  const o = outSize(v);
  return {
    input: spec(v.xkind, [v.cin, v.size, v.size], v.seed),
    weight: spec(v.wkind, [v.cout, v.cin / v.groups, v.k, v.k], v.seed + 1),
    grad_output: spec(v.gkind, [v.cout, o, o], v.gseed),
    stride: v.stride,
    padding,
    dilation: v.dil,
    groups: v.groups,
    padding_mode: v.pmode,
  };
}
