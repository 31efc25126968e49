// The /conv or /pool link for one unit of a conv or pool layer. /conv can load exact values as
// hand edits in its URL (`edits`, see edit.js) but takes at most 4 input channels: a unit of a
// convolution with at most 4 is reproduced exactly (its window as a k x k input, its kernel and
// bias, padding cells as zeros); wider layers and /pool (no edits) get the layer's geometry only.
import { formatEdits } from "../../edit.js";

const CONV_MAX_CIN = 4;
const POOL_MAX_SIDE = 32;

/** A value short enough for a URL: 6 significant digits. */
const short = (v) => Number(Number(v).toPrecision(6));

const pair = (x) => (Array.isArray(x) ? x[0] : x);

/** The k x k window of `input` (C, H, W) that unit (y, x) reads; cells in the padding are 0. */
function windowOf(input, y, x, k, stride, pad, dil) {
  return input.map((plane) =>
    Array.from({ length: k }, (_, ky) =>
      Array.from({ length: k }, (_, kx) => {
        const r = y * stride - pad + ky * dil;
        const c = x * stride - pad + kx * dil;
        return r >= 0 && r < plane.length && c >= 0 && c < plane[0].length ? plane[r][c] : 0;
      }),
    ),
  );
}

/** {href, exact} for unit (c, y, x) of conv layer `row` given its input (C, H, W) and the state dict. */
export function convLink(row, unit, input, state) {
  const a = row.kwargs;
  const [k, stride, pad, dil] = [pair(a.kernel_size), pair(a.stride), pair(a.padding), pair(a.dilation)];
  const cin = a.in_channels;
  const params = new URLSearchParams({ k: String(k), cout: "1", act: "none" });
  if (cin > CONV_MAX_CIN || typeof pad !== "number") {
    params.set("cin", String(Math.min(cin, CONV_MAX_CIN)));
    params.set("size", String(input[0].length));
    params.set("p", String(pad));
    if (stride !== 1) params.set("stride", String(stride));
    return { href: `/conv?${params}`, exact: false };
  }
  const win = windowOf(input, unit.y, unit.x, k, stride, pad, dil);
  const weight = state[`${row.name}.weight`][unit.c];
  const edits = [];
  const add = (tensor, nested, prefix) => {
    nested.forEach((plane, ci) => {
      plane.forEach((line, r) => {
        line.forEach((v, c) => {
          edits.push({ tensor, index: [...prefix, ci, r, c], value: short(v) });
        });
      });
    });
  };
  add("x", win, []);
  add("w", weight, [0]);
  const bias = state[`${row.name}.bias`];
  if (bias) edits.push({ tensor: "b", index: [0], value: short(bias[unit.c]) });
  else params.set("bias", "0");
  params.set("size", String(k));
  params.set("cin", String(cin));
  params.set("xkind", "floats");
  params.set("wkind", "floats");
  params.set("edits", formatEdits(edits));
  return { href: `/conv?${params}`, exact: true };
}

/** The /pool link with the layer's geometry (kernel, stride, padding, its input's side). */
export function poolLink(row, inputSide) {
  const a = row.kwargs;
  const k = pair(a.kernel_size);
  const stride = a.stride === null || a.stride === undefined ? k : pair(a.stride);
  const params = new URLSearchParams({ mode: row.module === "AvgPool2d" ? "avg" : "max", k: String(k) });
  if (stride !== k) params.set("stride", String(stride));
  if (pair(a.padding)) params.set("p", String(pair(a.padding)));
  params.set("size", String(Math.min(inputSide, POOL_MAX_SIDE)));
  return { href: `/pool?${params}`, exact: false };
}
