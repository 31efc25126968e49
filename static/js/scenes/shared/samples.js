// The four sample pictures /feature-maps offers (and the home page previews), drawn by the page
// itself: deterministic, plain shapes on a canvas, no text, no randomness. A sample goes to the
// server as a PNG file, like a photo. Their colours are the pictures' own, not the page's.
export const SAMPLE_W = 256;
export const SAMPLE_H = 192;

function poly(ctx, points, fill) {
  ctx.beginPath();
  for (const [i, [x, y]] of points.entries()) {
    if (i) ctx.lineTo(x, y);
    else ctx.moveTo(x, y);
  }
  ctx.closePath();
  ctx.fillStyle = fill;
  ctx.fill();
}

function rotatedRect(ctx, cx, cy, w, h, degrees, fill) {
  ctx.save();
  ctx.translate(cx, cy);
  ctx.rotate((degrees * Math.PI) / 180);
  ctx.fillStyle = fill;
  ctx.fillRect(-w / 2, -h / 2, w, h);
  ctx.restore();
}

const DRAW = {
  // Flat shapes with edges at 0°, 30°, 45°, 60°, 90° and round ones: every edge detector has work.
  shapes(ctx) {
    ctx.fillStyle = "#8c96a8";
    ctx.fillRect(0, 0, SAMPLE_W, SAMPLE_H);
    ctx.fillStyle = "#f4f1e8";
    ctx.fillRect(18, 22, 64, 52);
    rotatedRect(ctx, 140, 50, 46, 46, 45, "#1f3b63");
    ctx.beginPath();
    ctx.arc(212, 52, 28, 0, 2 * Math.PI);
    ctx.fillStyle = "#e8a33d";
    ctx.fill();
    poly(
      ctx,
      [
        [28, 170],
        [78, 96],
        [128, 170],
      ],
      "#2f6f4f",
    );
    for (const [i, angle] of [0, 30, 60, 90].entries()) {
      rotatedRect(ctx, 160 + i * 22, 138, 8, 58, angle, i % 2 ? "#ffffff" : "#202630");
    }
  },
  // A checkerboard and stripes in three directions: fine, regular texture for Gabor filters.
  stripes(ctx) {
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, SAMPLE_W, SAMPLE_H);
    ctx.fillStyle = "#1d2430";
    for (let r = 0; r < 6; r += 1)
      for (let c = 0; c < 8; c += 1) if ((r + c) % 2 === 0) ctx.fillRect(c * 16, r * 16, 16, 16);
    for (let x = 128; x < SAMPLE_W; x += 12) ctx.fillRect(x, 0, 6, 96);
    for (let y = 96; y < SAMPLE_H; y += 12) ctx.fillRect(0, y, 128, 6);
    ctx.save();
    ctx.beginPath();
    ctx.rect(128, 96, 128, 96);
    ctx.clip();
    for (let k = -96; k < 256; k += 14)
      poly(
        ctx,
        [
          [128 + k, 96],
          [135 + k, 96],
          [231 + k, 192],
          [224 + k, 192],
        ],
        "#c45a00",
      );
    ctx.restore();
  },
  // A small scene: sky, sun, hills, a house with a roof, windows and a door, a tree.
  scene(ctx) {
    const sky = ctx.createLinearGradient(0, 0, 0, 120);
    sky.addColorStop(0, "#6fa8dc");
    sky.addColorStop(1, "#d9ecfb");
    ctx.fillStyle = sky;
    ctx.fillRect(0, 0, SAMPLE_W, SAMPLE_H);
    ctx.beginPath();
    ctx.arc(214, 34, 18, 0, 2 * Math.PI);
    ctx.fillStyle = "#ffd34d";
    ctx.fill();
    ctx.beginPath();
    ctx.ellipse(60, 150, 120, 40, 0, 0, 2 * Math.PI);
    ctx.fillStyle = "#7fb069";
    ctx.fill();
    ctx.fillStyle = "#4f8a3c";
    ctx.fillRect(0, 150, SAMPLE_W, 42);
    ctx.fillStyle = "#e9dcc2";
    ctx.fillRect(92, 92, 84, 62);
    poly(
      ctx,
      [
        [84, 94],
        [134, 56],
        [184, 94],
      ],
      "#9b2f2f",
    );
    ctx.fillStyle = "#5b3a1e";
    ctx.fillRect(124, 118, 18, 36);
    ctx.fillStyle = "#2b4f82";
    ctx.fillRect(100, 102, 16, 14);
    ctx.fillRect(152, 102, 16, 14);
    ctx.fillStyle = "#6b4423";
    ctx.fillRect(214, 110, 8, 44);
    ctx.beginPath();
    ctx.arc(218, 100, 20, 0, 2 * Math.PI);
    ctx.fillStyle = "#2f6f4f";
    ctx.fill();
  },
  // Concentric rings: edges in every direction, so each oriented filter lights up its own arcs.
  rings(ctx) {
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, SAMPLE_W, SAMPLE_H);
    for (let r = 90; r > 0; r -= 10) {
      ctx.beginPath();
      ctx.arc(128, 96, r, 0, 2 * Math.PI);
      ctx.fillStyle = (r / 10) % 2 ? "#1d2430" : "#ffffff";
      ctx.fill();
    }
  },
};

/** A canvas with sample `name` drawn on it. */
export function drawSample(name) {
  const canvas = document.createElement("canvas");
  canvas.width = SAMPLE_W;
  canvas.height = SAMPLE_H;
  DRAW[name](canvas.getContext("2d"));
  return canvas;
}

const blobs = new Map();
/** The sample as a PNG file, drawn once per page. */
export function sampleFile(name) {
  if (!blobs.has(name)) {
    blobs.set(
      name,
      new Promise((resolve, reject) =>
        drawSample(name).toBlob(
          (blob) =>
            blob ? resolve(new File([blob], `${name}.png`, { type: "image/png" })) : reject(new Error("toBlob")),
          "image/png",
        ),
      ),
    );
  }
  return blobs.get(name);
}
