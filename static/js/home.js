// Home page: a small live preview for each scene, drawn from a tiny API call.

import { diverging, inkFor, maxAbs } from "./draw/colour.js";
import { num, t } from "./i18n.js";
import { postJson } from "./kit/stream.js";
import { drawSample } from "./scenes/shared/samples.js";

function plane(ctx, values, x0, y0, cell, colour, outline = null) {
  values.forEach((line, r) =>
    line.forEach((value, c) => {
      const fill = colour(value);
      ctx.fillStyle = fill;
      ctx.fillRect(x0 + c * cell, y0 + r * cell, cell - 1, cell - 1);
      ctx.fillStyle = inkFor(fill);
      ctx.fillText(num(value, 1), x0 + c * cell + cell / 2, y0 + r * cell + cell / 2 + 0.5);
    }),
  );
  if (outline) {
    const [r0, c0, size] = outline;
    ctx.strokeStyle = "#111827";
    ctx.lineWidth = 2;
    ctx.strokeRect(x0 + c0 * cell - 1, y0 + r0 * cell - 1, size * cell + 1, size * cell + 1);
  }
}

// A cleared preview canvas with small centred cell text.
function prepare(canvas) {
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  ctx.font = "11px system-ui, sans-serif";
  return ctx;
}

// An operator sign (⊛, =, →) between two planes, on the preview's middle line.
function sign(ctx, text, x) {
  ctx.fillStyle = "#1d2430";
  ctx.font = "16px system-ui, sans-serif";
  ctx.fillText(text, x, 70);
  ctx.font = "11px system-ui, sans-serif";
}

const PREVIEWS = {
  async conv(canvas) {
    const result = await postJson("/api/conv2d", {
      input: { shape: [1, 5, 5], kind: "integers", seed: 1, low: 0, high: 1 },
      weight: { shape: [1, 1, 3, 3], kind: "integers", seed: 2, low: -1, high: 1 },
      activation: "none",
    });
    const input = result.inputs.input[0];
    const weight = result.inputs.weight[0][0];
    const output = result.output[0];
    const ctx = prepare(canvas);
    // input (5x5) ⊛ kernel (3x3) = output (3x3), cells of 20px on a 280x140 canvas
    const cell = 20;
    plane(ctx, input, 6, 20, cell, diverging(maxAbs(input)), [0, 0, 3]);
    sign(ctx, "⊛", 118);
    plane(ctx, weight, 130, 40, cell, diverging(maxAbs(weight)));
    sign(ctx, "=", 202);
    plane(ctx, output, 214, 40, cell, diverging(maxAbs(output)), [0, 0, 1]);
  },
  async backward(canvas) {
    // a 2x2 upstream gradient, fully padded, with the rotated kernel gives the 4x4 input gradient
    const result = await postJson("/api/conv2d/backward", {
      input: { shape: [1, 4, 4], kind: "zeros" },
      weight: { shape: [1, 1, 3, 3], kind: "integers", seed: 2, low: -1, high: 1 },
      grad_output: { shape: [1, 2, 2], kind: "integers", seed: 4, low: -2, high: 2 },
    });
    const grad = result.inputs.grad_output[0];
    const k = result.inputs.weight[0][0];
    const rotated = k.map((_, r) => k[k.length - 1 - r].slice().reverse());
    const gradInput = result.grad_input[0];
    const ctx = prepare(canvas);
    const cell = 20;
    plane(ctx, grad, 6, 50, cell, diverging(maxAbs(grad)));
    sign(ctx, "⊛", 64);
    plane(ctx, rotated, 78, 40, cell, diverging(maxAbs(rotated)));
    sign(ctx, "=", 154);
    plane(ctx, gradInput, 168, 30, cell, diverging(maxAbs(gradInput)), [0, 0, 1]);
  },
  async transposed(canvas) {
    // a 2x2 input, each value stamping the 2x2 kernel, stride 2: the 4x4 output
    const result = await postJson("/api/conv-transpose2d", {
      input: { shape: [1, 2, 2], kind: "integers", seed: 3, low: -2, high: 2 },
      weight: { shape: [1, 1, 2, 2], kind: "integers", seed: 5, low: -1, high: 1 },
      stride: 2,
    });
    const input = result.inputs.input[0];
    const weight = result.inputs.weight[0][0];
    const output = result.output[0];
    const ctx = prepare(canvas);
    const cell = 24;
    plane(ctx, input, 6, 46, cell, diverging(maxAbs(input)), [0, 0, 1]);
    sign(ctx, "×", 74);
    plane(ctx, weight, 90, 46, cell, diverging(maxAbs(weight)));
    sign(ctx, "→", 156);
    plane(ctx, output, 176, 22, cell, diverging(maxAbs(output)), [0, 0, 2]);
  },
  async pool(canvas) {
    // 4x4 input, 2x2 max pooling with stride 2: each output is its window's maximum (the switch)
    const result = await postJson("/api/max-pool2d", {
      input: { shape: [1, 4, 4], kind: "integers", seed: 3, low: 0, high: 9 },
      kernel_size: 2,
    });
    const input = result.inputs.input[0];
    const output = result.output[0];
    const switches = result.indices[0];
    const width = input[0].length;
    const ctx = prepare(canvas);
    const cell = 24;
    plane(ctx, input, 20, 22, cell, diverging(maxAbs(input)), [0, 0, 2]);
    ctx.strokeStyle = "#6d28d9";
    ctx.lineWidth = 2;
    for (const flat of switches.flat()) {
      const r = Math.floor(flat / width);
      const c = flat % width;
      ctx.strokeRect(20 + c * cell + 3, 22 + r * cell + 3, cell - 7, cell - 7);
    }
    sign(ctx, "→", 150);
    plane(ctx, output, 180, 46, cell, diverging(maxAbs(output)), [0, 0, 1]);
  },
  async "batch-norm"(canvas) {
    // two samples x two channels of 3x3; channel 0 of both samples (outlined) is normalised together
    const result = await postJson("/api/batch-norm", {
      input: { shape: [2, 2, 3, 3], kind: "integers", seed: 1, low: 0, high: 9 },
      training: true,
    });
    const input = result.inputs.input;
    const output = result.output;
    const ctx = prepare(canvas);
    const cell = 18;
    const inScale = diverging(maxAbs(input));
    const outScale = diverging(maxAbs(output));
    for (let n = 0; n < 2; n += 1) {
      for (let c = 0; c < 2; c += 1) {
        const y = 12 + n * 62;
        ctx.font = "11px system-ui, sans-serif";
        plane(ctx, input[n][c], 6 + c * 60, y, cell, inScale, c === 0 ? [0, 0, 3] : null);
        ctx.font = "8px system-ui, sans-serif"; // decimals in small cells
        plane(ctx, output[n][c], 156 + c * 60, y, cell, outScale, c === 0 ? [0, 0, 3] : null);
      }
    }
    sign(ctx, "→", 136);
  },
  async "one-by-one"(canvas) {
    // inception (3a): weights without 1x1s, with 1x1 reductions, and with the pool projection too
    const result = await postJson("/api/inception", {});
    const ctx = prepare(canvas);
    ctx.textAlign = "left";
    const most = Math.max(...result.designs.map((d) => d.weights));
    result.designs.forEach((d, i) => {
      const y = 14 + i * 42;
      ctx.fillStyle = i === 0 ? "#c45a00" : "#1f3b63";
      ctx.fillRect(8, y, Math.max(2, (d.weights / most) * 180), 24);
      ctx.fillStyle = "#1d2430";
      ctx.fillText(d.weights.toLocaleString("en-US"), 196, y + 8);
      ctx.fillText(`→ ${d.output_channels}`, 196, y + 20);
    });
  },
  async architectures(canvas) {
    // VGG-16: each stage's share of the parameters (blue) and of the MACs (orange)
    const response = await fetch("/api/architectures/vgg16");
    if (!response.ok) throw new Error(response.statusText);
    const net = await response.json();
    const stages = new Map();
    for (const layer of net.layers) {
      if (!layer.params) continue;
      const key = layer.name.replace(/_\d+$/, "");
      const s = stages.get(key) || { params: 0, macs: 0 };
      s.params += layer.params;
      s.macs += layer.macs;
      stages.set(key, s);
    }
    const ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.font = "10px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    const rowH = 140 / stages.size;
    [...stages].forEach(([key, s], i) => {
      const y = i * rowH;
      ctx.fillStyle = "#1d2430";
      ctx.fillText(key, 4, y + rowH / 2);
      ctx.fillStyle = "#1f3b63";
      ctx.fillRect(50, y + 2, Math.max(1, (s.params / net.total_params) * 220), rowH / 2 - 2);
      ctx.fillStyle = "#c45a00";
      ctx.fillRect(50, y + rowH / 2, Math.max(1, (s.macs / net.total_macs) * 220), rowH / 2 - 2);
    });
  },
  async "feature-maps"(canvas) {
    // the page's drawn sample through one Sobel layer: the picture, then its x and y maps (grey)
    const blob = await new Promise((resolve) => drawSample("shapes").toBlob(resolve, "image/png"));
    const form = new FormData();
    form.append("image", blob, "shapes.png");
    form.append("layers", JSON.stringify([{ type: "conv", bank: "sobel", activation: "relu" }]));
    const response = await fetch("/api/feature-maps", { method: "POST", body: form });
    if (!response.ok) throw new Error(response.statusText);
    const result = await response.json();
    const urls = [result.input.png, ...result.layers[0].maps.map((m) => m.png)];
    const images = await Promise.all(
      urls.map(
        (url) =>
          new Promise((resolve, reject) =>
            Object.assign(new Image(), { onload: (e) => resolve(e.target), onerror: reject, src: url }),
          ),
      ),
    );
    const ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    images.forEach((img, i) => ctx.drawImage(img, 4 + i * 92, 36, 88, 66));
  },
  async "receptive-field"(canvas) {
    // two 3x3 convs on 5x5: a unit of the second layer (dark) sees 3x3 of the first, 5x5 of the input
    const result = await postJson("/api/receptive-field", {
      input_size: 5,
      layers: [
        { type: "conv", kernel_size: 3, stride: 1, padding: 1, dilation: 1 },
        { type: "conv", kernel_size: 3, stride: 1, padding: 1, dilation: 1 },
      ],
      unit: { layer: 1, y: 2, x: 2 },
    });
    const ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, canvas.width, canvas.height);
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
          ctx.fillStyle = unit ? "#111827" : inside ? "#fcd9b6" : "#f1f3f6";
          ctx.fillRect(x0 + c * cell, 30 + r * cell, cell - 1, cell - 1);
        }
      }
      if (box) {
        ctx.strokeStyle = "#c2410c";
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
      ctx.fillStyle = "#5b6578";
      ctx.font = "14px system-ui, sans-serif";
      ctx.fillText(t("home.preview_failed"), 12, 24);
    });
}
