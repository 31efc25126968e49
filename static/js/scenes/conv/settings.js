// /conv's settings: the convolution's rows and limits (shared/conv_settings.js) with this scene's
// own limit (every step is a frame, within the server's count), and the request they describe,
// with the learner's hand edits written into the tensors.
import { applyEdits, parseEdits } from "../../edit.js";
import { t } from "../../i18n.js";
import { unbatch } from "../../kit/frames.js";
import { config } from "../../kit/scene.js";
import { postJson } from "../../kit/stream.js";
import { CONV_ROWS, convLimits, convRequest, outSize, seededBias, sizeLimit } from "../shared/conv_settings.js";

export const TABLE = CONV_ROWS;

/** Limits of each control given the others, and the reason for each limit. */
export function constrain(v) {
  const L = convLimits(v);
  // Every step is a frame; keep the run within the server's limit.
  const fits = (size) => v.cout * outSize({ ...v, size }) ** 2 <= config.maxFrames;
  const size = sizeLimit(v, fits, (max) => t("why.frames", { max, limit: config.maxFrames.toLocaleString() }));
  if (size) L.size = size;
  return L;
}

function requestBody(v) {
  return { ...convRequest(v), bias: v.bias ? seededBias(v.cout, v.seed + 2) : null, activation: v.act };
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
  return {
    ...body,
    input: applyEdits(unbatch(inputs.input), edits, "x"),
    weight: applyEdits(inputs.weight, edits, "w"),
    bias: inputs.bias ? applyEdits(inputs.bias, edits, "b") : null,
  };
}
