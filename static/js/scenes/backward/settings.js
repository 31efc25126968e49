// /backward's settings: /conv's rows (without bias and activation, which the convolution's own
// gradients do not involve) plus the upstream gradient, the limits, and the API request.
// Only parameter arithmetic lives here (sizes, counts), never the gradients themselves.
import { t } from "../../i18n.js";
import { seeded } from "../../kit/frames.js";
import { config } from "../../kit/scene.js";
import { rowsFor } from "../../urlstate.js";
import { CONV_ROWS, convLimits, convRequest, outSize, pads, sizeLimit } from "../shared/conv_settings.js";

const G_KINDS = ["int", "sign", "ones"];
const MAX_STREAM_WORK = 1_000_000;
const SKIP = ["bias", "act", "edits", "zoom"];

const { int, choice } = rowsFor("bw.ctl");

export const TABLE = [
  ...CONV_ROWS.filter((row) => !SKIP.includes(row.name)),
  choice("gkind", "grad", G_KINDS, "int", (c) => t(`bw.gkind.${c}`)),
  int("gseed", "grad", 4, 0, 99999),
  ...CONV_ROWS.filter((row) => row.name === "zoom"),
];

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
  const L = convLimits(v); // /conv's own size limit counts forward steps; this stream has its own count
  const fits = (size) => {
    const { frames, work } = streamSize({ ...v, size });
    return frames <= config.maxFrames && work <= MAX_STREAM_WORK && outSize({ ...v, size }) >= 1;
  };
  const size = sizeLimit(v, fits, (max) => t("bw.why.frames", { max, limit: config.maxFrames.toLocaleString() }));
  if (size) L.size = size;
  return L;
}

export function requestBody(v) {
  const o = outSize(v);
  return { ...convRequest(v), grad_output: seeded(v.gkind, [v.cout, o, o], v.gseed) };
}
