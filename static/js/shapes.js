// Output sizes along one axis, the mirror of engine/shapes.py: convolution, transposed convolution
// and pooling (ceil_mode with PyTorch's rule that the last window starts inside the input or its
// left padding), and how "same" padding splits. Each size comes with the derivation a learner reads
// ("(200 + 2*1 - 5) / 2 + 1 = 99.5 -> 99") and the input positions no window reads, exactly as the
// engine writes them; tests/static/test_shapes_mirror.py compares every function with the engine.
// The pages use these for their limits and layouts only; what they show comes from the API.

/** A setting the engine would refuse (it raises ValueError for the same arguments). */
export class ShapeError extends Error {}

function checked(value, name, minimum) {
  if (!Number.isInteger(value)) throw new ShapeError(`${name} must be an int, got ${value}`);
  if (value < minimum) {
    throw new ShapeError(`${name} ${value} ${minimum === 1 ? "must be at least 1" : "must not be negative"}`);
  }
  return value;
}

/** Padding before and after one axis: an int pads both sides, [before, after] each its own. */
function padPair(padding) {
  if (Array.isArray(padding)) {
    if (padding.length !== 2) throw new ShapeError(`padding must be an int or a pair of ints, got ${padding}`);
    return padding.map((p) => checked(p, "padding", 0));
  }
  const p = checked(padding, "padding", 0);
  return [p, p];
}

const gcd = (a, b) => (b === 0 ? a : gcd(b, a % b));

/** The rational top / bottom (top >= 0, bottom >= 1) as the engine writes it: 99.5, 4.33..., 12. */
function formatFraction(top, bottom) {
  const g = gcd(top, bottom);
  const [p, q] = [top / g, bottom / g];
  if (q === 1) return String(p);
  // Python's round(value, 2) on the nearest double: the only doubles exactly halfway between two
  // hundredths are the odd eighths (0.125, 0.375, ...), and Python takes the even one of the two.
  let hundredths;
  if (q === 8) {
    const below = (p * 25 - 1) / 2;
    hundredths = below % 2 === 0 ? below : below + 1;
  } else hundredths = Number((p / q).toFixed(2).replace(".", ""));
  const whole = Math.floor(hundredths / 100);
  const text = `${whole}.${String(hundredths % 100).padStart(2, "0")}`.replace(/0+$/, "").replace(/\.$/, "");
  return hundredths * q === 100 * p ? text : `${text}...`;
}

/** Input indices (0-based, unpadded) that no tap of any of the `out` windows lands on. */
function unvisited(inputSize, out, stride, kernel, dilation, before) {
  const seen = new Array(inputSize).fill(false);
  for (let o = 0; o < out; o += 1) {
    for (let k = 0; k < kernel; k += 1) {
      const i = o * stride + k * dilation - before;
      if (i >= 0 && i < inputSize) seen[i] = true;
    }
  }
  return seen.flatMap((hit, i) => (hit ? [] : [i]));
}

/**
 * out = floor((N + 2P - D*(F-1) - 1) / S) + 1 with the working shown. `padding` is an int, or
 * [before, after] for the uneven "same" padding. Returns {size, derivation, exact, unvisited}.
 */
export function convOutputSize(inputSize, kernelSize, stride = 1, padding = 0, dilation = 1) {
  const n = checked(inputSize, "input size", 1);
  const k = checked(kernelSize, "kernel_size", 1);
  const s = checked(stride, "stride", 1);
  const d = checked(dilation, "dilation", 1);
  const [before, after] = padPair(padding);
  const extent = d === 1 ? k : d * (k - 1) + 1;
  const windowText = d === 1 ? `${k}` : `${d}*(${k} - 1) - 1`;
  const padded = n + before + after;
  if (extent > padded) {
    const what = d > 1 ? `dilated kernel ${extent} (kernel ${k}, dilation ${d})` : `kernel ${k}`;
    throw new ShapeError(`${what} is larger than the padded input ${padded}`);
  }
  const span = padded - extent;
  const size = Math.floor(span / s) + 1;
  const exact = span % s === 0;
  const padText = before === after ? `2*${before}` : `${before} + ${after}`;
  let derivation = `(${n}${before || after ? ` + ${padText}` : ""} - ${windowText}) / ${s} + 1 = `;
  derivation += formatFraction(span + s, s);
  if (!exact) derivation += ` -> ${size}`;
  return { size, derivation, exact, unvisited: unvisited(n, size, s, k, d, before) };
}

/**
 * PyTorch's pooling size: like a convolution's, or rounded up with `ceilMode`, when a last window
 * that would start in the right padding is dropped. `stride` null means the kernel size.
 */
export function poolOutputSize(inputSize, kernelSize, stride = null, padding = 0, dilation = 1, ceilMode = false) {
  const k = checked(kernelSize, "kernel_size", 1);
  const s = stride === null || stride === undefined ? k : checked(stride, "stride", 1);
  const p = checked(padding, "padding", 0);
  if (p > Math.floor(k / 2)) {
    throw new ShapeError(
      `pooling padding ${p} must be at most half the kernel size ${k} (that is ${Math.floor(k / 2)})`,
    );
  }
  const floored = convOutputSize(inputSize, k, s, p, dilation);
  if (!ceilMode || floored.exact) return floored;
  const n = inputSize;
  const span = n + 2 * p - (dilation * (k - 1) + 1);
  const ceiled = Math.ceil(span / s) + 1;
  let size = ceiled;
  let note = "";
  if ((size - 1) * s >= n + p) {
    size -= 1;
    note = `, but window ${size + 1} would start in the padding, so ${size}`;
  }
  const head = floored.derivation.split(" -> ")[0];
  return {
    size,
    derivation: `${head} -> ceil ${ceiled}${note}`,
    exact: false,
    unvisited: unvisited(n, size, s, k, dilation, p),
  };
}

/** out = (N - 1)*S - 2P + D*(F - 1) + output_padding + 1: the inverse of a convolution's size. */
export function convTransposeOutputSize(
  inputSize,
  kernelSize,
  stride = 1,
  padding = 0,
  outputPadding = 0,
  dilation = 1,
) {
  const n = checked(inputSize, "input size", 1);
  const k = checked(kernelSize, "kernel_size", 1);
  const s = checked(stride, "stride", 1);
  const d = checked(dilation, "dilation", 1);
  const p = checked(padding, "padding", 0);
  const op = checked(outputPadding, "output_padding", 0);
  if (op >= s && op >= d) {
    throw new ShapeError(`output_padding ${op} must be smaller than either the stride ${s} or the dilation ${d}`);
  }
  const size = (n - 1) * s - 2 * p + d * (k - 1) + op + 1;
  if (size < 1) throw new ShapeError(`padding ${p} removes the whole output: the size would be ${size}`);
  const kernelText = d !== 1 ? `${d}*(${k} - 1)` : `(${k} - 1)`;
  const derivation = `(${n} - 1)*${s} - 2*${p} + ${kernelText}${op ? ` + ${op}` : ""} + 1 = ${size}`;
  return { size, derivation, exact: true, unvisited: [] };
}

/** "same" padding of one axis, as PyTorch splits it: D*(F-1) in all, the smaller half before. */
export function samePadding(kernelSize, dilation = 1) {
  const total = dilation * (kernelSize - 1);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** conv2d's `padding` argument ("valid", "same" or an int) as [before, after] along one axis. */
export function resolvePadding(padding, kernelSize, stride = 1, dilation = 1) {
  if (padding === "valid") return [0, 0];
  if (padding === "same") {
    if (stride !== 1) throw new ShapeError(`padding 'same' needs stride 1, got stride ${stride}`);
    return samePadding(kernelSize, dilation);
  }
  if (typeof padding === "string") throw new ShapeError(`padding ${padding} must be an int, a pair, 'same' or 'valid'`);
  return padPair(padding);
}

/** The size `compute(...args)` gives, or `fallback` when those settings are impossible. */
export function sizeOr(fallback, compute, ...args) {
  try {
    return compute(...args).size;
  } catch (error) {
    if (error instanceof ShapeError) return fallback;
    throw error;
  }
}
