// Indexing a run's frames and the tensors its header echoes: the API sends inputs as a batch of
// one, frames arrive in step order, and a scene looks cells up by their coordinates.

/** A batch of one, as the API echoes inputs: (1, C, H, W) -> (C, H, W); anything else unchanged. */
export const unbatch = (x) => (Array.isArray(x?.[0]?.[0]?.[0]) ? x[0] : x);

/**
 * The tensors a convolution's header echoes: the input (one sample, (C, H, W)), the weight and the
 * bias (or null), with the input's channels, height and width and the weight's slices per group.
 */
export function headerTensors(header) {
  const input = unbatch(header.inputs.input);
  const weight = header.inputs.weight;
  return {
    input,
    weight,
    bias: header.inputs.bias || null,
    cin: input.length,
    H: input[0].length,
    W: input[0][0].length,
    perGroup: weight[0].length,
  };
}

/** The key of a cell in a lookup map: key(channel, row, column) -> "c,r,col". */
export const key = (...xs) => xs.join(",");

/** Append `item` to the list under `k` in `map`. */
export function addTo(map, k, item) {
  const list = map.get(k);
  if (list) list.push(item);
  else map.set(k, [item]);
}

/** The frame at `index` once the player has reached it (index <= step), else null. */
export function reached(frames, index, step) {
  return index === undefined || index > step ? null : frames[index];
}

/** What each cell holds over the steps: [step, value] events in step order, read as of a step. */
export class Timeline {
  constructor() {
    this.events = new Map();
  }

  set(k, step, value) {
    addTo(this.events, k, [step, value]);
  }

  /** The cell's latest value at or before `step`, or undefined when nothing was written yet. */
  at(k, step) {
    let value;
    for (const [i, x] of this.events.get(k) || []) {
      if (i > step) break;
      value = x;
    }
    return value;
  }
}

/** Seeded tensors the API draws itself: integer ranges by name, floats, or a named kernel. */
const RANGES = { binary: [0, 1], int: [-3, 3], digits: [0, 9], sign: [-1, 1] };

/** The request's description of a seeded tensor of `shape` of this kind ("digits", "sobel_x", ...). */
export function seeded(kind, shape, seed) {
  const range = RANGES[kind];
  if (range) return { shape, kind: "integers", seed, low: range[0], high: range[1] };
  return { shape, kind, seed };
}
