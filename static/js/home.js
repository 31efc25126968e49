// Home page: a small live preview for each scene, drawn from a tiny API call.
import { write } from "./draw/canvas.js";
import { diverging, inkFor, maxAbs } from "./draw/colour.js";
import { COLOUR } from "./draw/style.js";
import { num, t } from "./i18n.js";
import { getJson, postJson, request } from "./kit/stream.js";
import { drawSample } from "./scenes/shared/samples.js";

const SWITCH = "#6d28d9"; // a max-pool switch on the small preview

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
 * Planes and the operator signs between them, left to right on the preview's middle line:
 * each item a plane (see plane()) or [sign, x] ("⊛", "=", "→").
 */
function equation(canvas, items) {
  const ctx = prepare(canvas);
  for (const item of items) {
    if (Array.isArray(item)) write(ctx, item[0], item[1], 70, { size: 16 });
    else plane(ctx, item);
  }
  return ctx;
}

const PREVIEWS = {
  async conv(canvas) {
    const result = await postJson("/api/conv2d", {
      input: { shape: [1, 5, 5], kind: "integers", seed: 1, low: 0, high: 1 },
      weight: { shape: [1, 1, 3, 3], kind: "integers", seed: 2, low: -1, high: 1 },
      activation: "none",
    });
    // input (5x5) ⊛ kernel (3x3) = output (3x3), cells of 20px on a 280x140 canvas
    equation(canvas, [
      { values: result.inputs.input[0], x: 6, y: 20, cell: 20, outline: [0, 0, 3] },
      ["⊛", 118],
      { values: result.inputs.weight[0][0], x: 130, y: 40, cell: 20 },
      ["=", 202],
      { values: result.output[0], x: 214, y: 40, cell: 20, outline: [0, 0, 1] },
    ]);
  },
  async backward(canvas) {
    // a 2x2 upstream gradient, fully padded, with the rotated kernel gives the 4x4 input gradient
    const result = await postJson("/api/conv2d/backward", {
      input: { shape: [1, 4, 4], kind: "zeros" },
      weight: { shape: [1, 1, 3, 3], kind: "integers", seed: 2, low: -1, high: 1 },
      grad_output: { shape: [1, 2, 2], kind: "integers", seed: 4, low: -2, high: 2 },
    });
    const k = result.inputs.weight[0][0];
    const rotated = k.map((_, r) => k[k.length - 1 - r].slice().reverse());
    equation(canvas, [
      { values: result.inputs.grad_output[0], x: 6, y: 50, cell: 20 },
      ["⊛", 64],
      { values: rotated, x: 78, y: 40, cell: 20 },
      ["=", 154],
      { values: result.grad_input[0], x: 168, y: 30, cell: 20, outline: [0, 0, 1] },
    ]);
  },
  async transposed(canvas) {
    // a 2x2 input, each value stamping the 2x2 kernel, stride 2: the 4x4 output
    const result = await postJson("/api/conv-transpose2d", {
      input: { shape: [1, 2, 2], kind: "integers", seed: 3, low: -2, high: 2 },
      weight: { shape: [1, 1, 2, 2], kind: "integers", seed: 5, low: -1, high: 1 },
      stride: 2,
    });
    equation(canvas, [
      { values: result.inputs.input[0], x: 6, y: 46, cell: 24, outline: [0, 0, 1] },
      ["×", 74],
      { values: result.inputs.weight[0][0], x: 90, y: 46, cell: 24 },
      ["→", 156],
      { values: result.output[0], x: 176, y: 22, cell: 24, outline: [0, 0, 2] },
    ]);
  },
  async pool(canvas) {
    // 4x4 input, 2x2 max pooling with stride 2: each output is its window's maximum (the switch)
    const result = await postJson("/api/max-pool2d", {
      input: { shape: [1, 4, 4], kind: "integers", seed: 3, low: 0, high: 9 },
      kernel_size: 2,
    });
    const input = result.inputs.input[0];
    const cell = 24;
    const ctx = equation(canvas, [
      { values: input, x: 20, y: 22, cell, outline: [0, 0, 2] },
      ["→", 150],
      { values: result.output[0], x: 180, y: 46, cell, outline: [0, 0, 1] },
    ]);
    ctx.strokeStyle = SWITCH;
    ctx.lineWidth = 2;
    for (const flat of result.indices[0].flat()) {
      const [r, c] = [Math.floor(flat / input[0].length), flat % input[0].length];
      ctx.strokeRect(20 + c * cell + 3, 22 + r * cell + 3, cell - 7, cell - 7);
    }
  },
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
