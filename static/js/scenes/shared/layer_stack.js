// One codec for the layer stacks in /feature-maps' and /receptive-field's URLs, read into one
// layer vocabulary (torch.nn's argument names):
//   {type: "conv", kernel_size, stride, padding, dilation, bank, count, seed, activation}
//   {type: "pool", mode, kernel_size, stride, padding, dilation, ceil_mode}
//   {type: "batch_norm"}
//
// A stack is tokens joined by "_" (commas and spaces read as "_" too). A token is a type letter
// (c conv, p pool, b batch norm), then optionally its geometry spelled out, kernel first
// ("c3s2p1d2": kernel 3, stride 2, padding 1, dilation 2; a missing stride is 1, or the kernel for
// a pool; a missing padding 0, dilation 1), then "."-separated parts: a kernel bank or a pool mode
// (max, avg), an activation (relu, sig, tanh), same or valid, ceil, and k<kernel> n<count>
// r<seed> s<stride> p<padding> d<dilation>. A layer reads only the fields its token gives; each
// page fills its own defaults and keeps the values in its range.
//
// /receptive-field writes every layer's geometry spelled out ("c3s1p1_c3s1p1_p2s2p0");
// /feature-maps writes the bank or mode and what differs from its defaults ("c.sobel.relu_p.max").
// Those are the two ways the pages have always written their stacks, so every link shared so far
// still reads the same on the page that made it, and a stack from either reads on both.

const TYPES = { c: "conv", p: "pool", b: "batch_norm" };
const LETTERS = { conv: "c", pool: "p", batch_norm: "b" };
const ACTIVATIONS = { relu: "relu", sig: "sigmoid", tanh: "tanh" };
const ACTIVATION_TOKENS = { relu: "relu", sigmoid: "sig", tanh: "tanh" };
const NUMBERED = { k: "kernel_size", n: "count", r: "seed", s: "stride", p: "padding", d: "dilation" };
// As many digits as each spelling has always taken, so a token either page could not read before
// still reads as nothing rather than as a clamped number.
const SPELLED = /^(\d{1,2})(?:s(\d{1,2}))?(?:p(\d{1,2}))?(?:d(\d{1,2}))?$/;
const NUMBER_PART = { conv: /^([knrsdp])(\d{1,4})$/, pool: /^([knrsdp])(\d{1,2})$/, batch_norm: /^$/ };

/** The geometry after a type letter ("3s2p1"), complete with its defaults, or null. */
function spelled(type, text) {
  const m = SPELLED.exec(text);
  if (!m) return null;
  const k = Number(m[1]);
  const stride = m[2] === undefined ? (type === "pool" ? k : 1) : Number(m[2]);
  return { kernel_size: k, stride, padding: Number(m[3] || 0), dilation: Number(m[4] || 1) };
}

/** What one "."-part of a token sets. */
function readPart(layer, part) {
  const m = NUMBER_PART[layer.type].exec(part);
  if (m) layer[NUMBERED[m[1]]] = Number(m[2]);
  else if (part === "same" || part === "valid") layer.padding = part;
  else if (part === "ceil") layer.ceil_mode = true;
  else if (part === "max" || part === "avg") layer.mode = part;
  else if (ACTIVATIONS[part]) layer.activation = ACTIVATIONS[part];
  else if (/^[a-z_]+$/.test(part)) layer.bank = part;
}

/** One token -> a layer with the fields it gives, or null when it names no layer type. */
export function parseLayer(token) {
  const [head, ...parts] = token.trim().toLowerCase().split(".");
  const type = TYPES[head.charAt(0)];
  if (!type) return null;
  const layer = { type };
  if (head.length > 1) {
    const geometry = spelled(type, head.slice(1));
    if (!geometry) return null;
    Object.assign(layer, geometry);
  }
  for (const part of parts) readPart(layer, part);
  return layer;
}

/** "c.sobel.relu_p.max" or "c3s1p1_p2s2" (or both mixed) -> layers, unreadable tokens left out. */
export function parseStack(text) {
  return String(text ?? "")
    .split(/[_,\s]+/)
    .filter(Boolean)
    .map(parseLayer)
    .filter(Boolean);
}

/** The "."-parts of a layer: its bank or mode, then every field that differs from `defaults`. */
function parts(layer, defaults, skip) {
  const out = [layer.bank ?? layer.mode].filter(Boolean);
  for (const [letter, field] of Object.entries(NUMBERED)) {
    const value = layer[field];
    if (skip.includes(field) || value === undefined || value === defaults[field]) continue;
    out.push(typeof value === "string" ? value : `${letter}${value}`);
  }
  if (layer.ceil_mode) out.push("ceil");
  if (layer.activation && layer.activation !== "none") out.push(ACTIVATION_TOKENS[layer.activation]);
  return out;
}

/**
 * Layers -> the URL's text. With `spell`, each layer's geometry is written out in full after its
 * letter ("c3s1p1", dilation when not 1); otherwise what differs from `defaults(layer)` is a part.
 */
export function formatStack(layers, { spell = false, defaults = () => ({}) } = {}) {
  const geometry = ["kernel_size", "stride", "padding", "dilation"];
  return layers
    .map((layer) => {
      const letter = LETTERS[layer.type];
      if (layer.type === "batch_norm") return letter;
      if (!spell) return [letter, ...parts(layer, defaults(layer), [])].join(".");
      const { kernel_size: k, stride: s, padding: p, dilation: d } = layer;
      const head = `${letter}${k}s${s}p${p}${d > 1 ? `d${d}` : ""}`;
      return [head, ...parts(layer, defaults(layer), geometry)].join(".");
    })
    .join("_");
}
