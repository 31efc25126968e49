// Home page: a small live preview for each scene, drawn from a tiny API call.
import { write } from "./draw/canvas.js";
import { diverging, inkFor, maxAbs } from "./draw/colour.js";
import { COLOUR } from "./draw/style.js";
import { num, t } from "./i18n.js";
import { getJson, postJson, request } from "./kit/stream.js";
import { drawSample } from "./scenes/shared/samples.js";

/** A plane of numbers at (x0, y0) in `cell`-pixel cells; `outline` [row, col, size] frames a block. */
function plane(ctx, { values, x: x0, y: y0, cell, outline = null, size = 11, colour = diverging(maxAbs(values)) }) {
  values.forEach((line, r) => {
    line.forEach((value, c) => {
      const fill = colour(value);
      ctx.fillStyle = fill;
      ctx.fillRect(x0 + c * cell, y0 + r * cell, cell - 1, cell - 1);
      write(ctx, num(value, 1), x0 + c * cell + cell / 2, y0 + r * cell + cell / 2 + 0.5, {
        size,
        colour: inkFor(fill),
      });
    });
  });
  if (outline) {
    const [r0, c0, n] = outline;
    ctx.strokeStyle = COLOUR.mark;
    ctx.lineWidth = 2;
    ctx.strokeRect(x0 + c0 * cell - 1, y0 + r0 * cell - 1, n * cell + 1, n * cell + 1);
  }
}

/** A cleared preview canvas. */
function prepare(canvas) {
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  return ctx;
}

/**
 * Planes and the operator signs between them on the preview's middle line: plane i at (x[i], y[i])
 * with its top-left frame[i] x frame[i] block framed (0: none), each sign at its x.
 */
function equation(canvas, { cell, x, y, frame, signs }, planes) {
  const ctx = prepare(canvas);
  planes.forEach((values, i) => {
    plane(ctx, { values, x: x[i], y: y[i], cell, outline: frame[i] ? [0, 0, frame[i]] : null });
  });
  for (const [text, at] of Object.entries(signs)) write(ctx, text, at, 70, { size: 16 });
  return ctx;
}

/** A kernel turned by 180 degrees. */
const rotated = (k) => k.map((_, i) => k[k.length - 1 - i].slice().reverse());

const ints = (shape, seed, low, high) => ({ shape, kind: "integers", seed, low, high });

/**
 * The previews that are one equation of planes: the request, the planes of its answer, the cell
 * size, where each plane goes (and which block it frames), and the signs between them.
 */
const EQUATIONS = {
  // input (5x5) ⊛ kernel (3x3) = output (3x3), cells of 20px on a 280x140 canvas
  conv: {
    url: "/api/conv2d",
    body: { input: ints([1, 5, 5], 1, 0, 1), weight: ints([1, 1, 3, 3], 2, -1, 1), activation: "none" },
    planes: (r) => [r.inputs.input[0], r.inputs.weight[0][0], r.output[0]],
    layout: { cell: 20, x: [6, 130, 214], y: [20, 40, 40], frame: [3, 0, 1], signs: { "⊛": 118, "=": 202 } },
  },
  // a 2x2 upstream gradient, fully padded, with the rotated kernel gives the 4x4 input gradient
  backward: {
    url: "/api/conv2d/backward",
    body: {
      input: { shape: [1, 4, 4], kind: "zeros" },
      weight: ints([1, 1, 3, 3], 2, -1, 1),
      grad_output: ints([1, 2, 2], 4, -2, 2),
    },
    planes: (r) => [r.inputs.grad_output[0], rotated(r.inputs.weight[0][0]), r.grad_input[0]],
    layout: { cell: 20, x: [6, 78, 168], y: [50, 40, 30], frame: [0, 0, 1], signs: { "⊛": 64, "=": 154 } },
  },
  // a 2x2 input, each value stamping the 2x2 kernel, stride 2: the 4x4 output
  transposed: {
    url: "/api/conv-transpose2d",
    body: { input: ints([1, 2, 2], 3, -2, 2), weight: ints([1, 1, 2, 2], 5, -1, 1), stride: 2 },
    planes: (r) => [r.inputs.input[0], r.inputs.weight[0][0], r.output[0]],
    layout: { cell: 24, x: [6, 90, 176], y: [46, 46, 22], frame: [1, 0, 2], signs: { "×": 74, "→": 156 } },
  },
  // 4x4 input, 2x2 max pooling with stride 2: each output is its window's maximum (the switch)
  pool: {
    url: "/api/max-pool2d",
    body: { input: ints([1, 4, 4], 3, 0, 9), kernel_size: 2 },
    planes: (r) => [r.inputs.input[0], r.output[0]],
    layout: { cell: 24, x: [20, 180], y: [22, 46], frame: [2, 1], signs: { "→": 150 } },
    after(ctx, r) {
      const [width, cell] = [r.inputs.input[0][0].length, 24];
      ctx.strokeStyle = COLOUR.switchPreview;
      ctx.lineWidth = 2;
      for (const flat of r.indices[0].flat()) {
        const [y, x] = [Math.floor(flat / width), flat % width];
        ctx.strokeRect(20 + x * cell + 3, 22 + y * cell + 3, cell - 7, cell - 7);
      }
    },
  },
};

const PREVIEWS = {
  async "batch-norm"(canvas) {
    // two samples x two channels of 3x3; channel 0 of both samples (outlined) is normalised together
    const result = await postJson("/api/batch-norm", {
      input: { shape: [2, 2, 3, 3], kind: "integers", seed: 1, low: 0, high: 9 },
      training: true,
    });
    const [input, output] = [result.inputs.input, result.output];
    const ctx = prepare(canvas);
    const [inScale, outScale] = [diverging(maxAbs(input)), diverging(maxAbs(output))];
    for (let n = 0; n < 2; n += 1) {
      for (let c = 0; c < 2; c += 1) {
        const [y, outline] = [12 + n * 62, c === 0 ? [0, 0, 3] : null];
        plane(ctx, { values: input[n][c], x: 6 + c * 60, y, cell: 18, colour: inScale, outline });
        // decimals in small cells
        plane(ctx, { values: output[n][c], x: 156 + c * 60, y, cell: 18, colour: outScale, outline, size: 8 });
      }
    }
    write(ctx, "→", 136, 70, { size: 16 });
  },
  async "one-by-one"(canvas) {
    // inception (3a): weights without 1x1s, with 1x1 reductions, and with the pool projection too
    const result = await postJson("/api/inception", {});
    const ctx = prepare(canvas);
    const most = Math.max(...result.designs.map((d) => d.weights));
    result.designs.forEach((d, i) => {
      const y = 14 + i * 42;
      ctx.fillStyle = i === 0 ? COLOUR.accent2 : COLOUR.accent;
      ctx.fillRect(8, y, Math.max(2, (d.weights / most) * 180), 24);
      write(ctx, d.weights.toLocaleString("en-US"), 196, y + 8, { align: "left" });
      write(ctx, `→ ${d.output_channels}`, 196, y + 20, { align: "left" });
    });
  },
  async architectures(canvas) {
    // VGG-16: each stage's share of the parameters (blue) and of the MACs (orange)
    const net = await getJson("/api/architectures/vgg16");
    const stages = new Map();
    for (const layer of net.layers) {
      if (!layer.params) continue;
      const key = layer.name.replace(/_\d+$/, "");
      const s = stages.get(key) || { params: 0, macs: 0 };
      s.params += layer.params;
      s.macs += layer.macs;
      stages.set(key, s);
    }
    const ctx = prepare(canvas);
    const rowH = 140 / stages.size;
    [...stages].forEach(([key, s], i) => {
      const y = i * rowH;
      write(ctx, key, 4, y + rowH / 2, { size: 10, align: "start" });
      ctx.fillStyle = COLOUR.accent;
      ctx.fillRect(50, y + 2, Math.max(1, (s.params / net.total_params) * 220), rowH / 2 - 2);
      ctx.fillStyle = COLOUR.accent2;
      ctx.fillRect(50, y + rowH / 2, Math.max(1, (s.macs / net.total_macs) * 220), rowH / 2 - 2);
    });
  },
  async "feature-maps"(canvas) {
    // the page's drawn sample through one Sobel layer: the picture, then its x and y maps (grey)
    const blob = await new Promise((resolve) => drawSample("shapes").toBlob(resolve, "image/png"));
    const form = new FormData();
    form.append("image", blob, "shapes.png");
    form.append("layers", JSON.stringify([{ type: "conv", bank: "sobel", activation: "relu" }]));
    const result = await (await request("/api/feature-maps", { method: "POST", body: form })).json();
    const urls = [result.input.png, ...result.layers[0].maps.map((m) => m.png)];
    const load = (src) =>
      new Promise((resolve, reject) =>
        Object.assign(new Image(), { onload: (e) => resolve(e.target), onerror: reject, src }),
      );
    const images = await Promise.all(urls.map(load));
    const ctx = prepare(canvas);
    images.forEach((img, i) => {
      ctx.drawImage(img, 4 + i * 92, 36, 88, 66);
    });
  },
  async "receptive-field"(canvas) {
    // two 3x3 convs on 5x5: a unit of the second layer (dark) sees 3x3 of the first, 5x5 of the input
    const conv = { type: "conv", kernel_size: 3, stride: 1, padding: 1, dilation: 1 };
    const result = await postJson("/api/receptive-field", {
      input_size: 5,
      layers: [conv, conv],
      unit: { layer: 1, y: 2, x: 2 },
    });
    const ctx = prepare(canvas);
    const cell = 16;
    const maps = [-1, 0, 1].map((layer) => {
      const box = result.unit.boxes.find((b) => b.layer === layer);
      return { size: box ? box.size : result.layers[1].output_size, box: box ? box.box : null };
    });
    maps.forEach(({ size, box }, i) => {
      const x0 = 8 + i * (size * cell + 8);
      for (let r = 0; r < size; r += 1) {
        for (let c = 0; c < size; c += 1) {
          const inside = box && r >= box.top && r <= box.bottom && c >= box.left && c <= box.right;
          const unit = !box && r === result.unit.y && c === result.unit.x;
          ctx.fillStyle = unit ? COLOUR.mark : inside ? COLOUR.field : COLOUR.later;
          ctx.fillRect(x0 + c * cell, 30 + r * cell, cell - 1, cell - 1);
        }
      }
      if (box) {
        ctx.strokeStyle = COLOUR.clipped;
        ctx.lineWidth = 2;
        const side = box.bottom - box.top + 1;
        ctx.strokeRect(x0 + box.left * cell - 1, 30 + box.top * cell - 1, side * cell, side * cell);
      }
    });
  },
};

for (const [name, e] of Object.entries(EQUATIONS)) {
  PREVIEWS[name] = async (canvas) => {
    const result = await postJson(e.url, e.body);
    const ctx = equation(canvas, e.layout, e.planes(result));
    e.after?.(ctx, result);
  };
}

for (const canvas of document.querySelectorAll("canvas[data-preview]")) {
  const draw = PREVIEWS[canvas.dataset.preview];
  if (!draw) continue;
  draw(canvas)
    .then(() => canvas.setAttribute("data-drawn", ""))
    .catch(() => {
      const ctx = canvas.getContext("2d");
      write(ctx, t("home.preview_failed"), 12, 24, {
        size: 14,
        colour: COLOUR.muted,
        align: "start",
        baseline: "alphabetic",
      });
    });
}
