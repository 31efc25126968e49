// One feature map on /feature-maps: the API's grey PNG recoloured in a canvas, a colour key from its
// min to its max, receptive-field outlines on top, and a PNG download of what is shown.
//
// The API draws each map over its own min..max: grey level g stands for min + g/255 * (max - min).
// Every colour here is a function of g alone (a 256-entry table), so recolouring changes no value.

import { crisp, write } from "../../draw/canvas.js";
import { diverging, inkFor } from "../../draw/colour.js";
import { el } from "../../draw/dom.js";
import { COLOUR, PICTURE } from "../../draw/style.js";
import { num, t } from "../../i18n.js";

export const MARGIN = 10; // CSS pixels around an image, where a field's reach into padding shows
const { box: BOX, clipped: CLIPPED, unit: UNIT } = PICTURE;

function loadImage(url) {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error("image"));
    img.src = url;
  });
}

function parseRgb(text) {
  const m = /rgb\((\d+),(\d+),(\d+)\)/.exec(text);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
}

/** The 256 colours of grey levels 0..255 for a map of min..max under `scale`. */
export function colourTable(scale, min, max, layerMaxAbs) {
  const table = new Array(256);
  const colour =
    scale === "grey" ? null : diverging(scale === "layer" ? layerMaxAbs : Math.max(Math.abs(min), Math.abs(max)));
  for (let g = 0; g < 256; g += 1) table[g] = colour ? parseRgb(colour(min + (g / 255) * (max - min))) : [g, g, g];
  return table;
}

/** A canvas drawing an H x W picture at `scale` CSS px per pixel, inside a margin, with overlays. */
export class PictureView {
  constructor({ width, height, scale, label, onPick = null, onHover = null }) {
    Object.assign(this, { width, height, scale, onPick, onHover });
    this.canvas = document.createElement("canvas");
    this.canvas.className = "fm-canvas";
    this.canvas.setAttribute("role", "img");
    this.canvas.setAttribute("aria-label", label);
    this.source = null; // the picture at its own size
    this.overlays = [];
    this.cssW = Math.round(width * scale) + 2 * MARGIN;
    this.cssH = Math.round(height * scale) + 2 * MARGIN;
    this.dpr = crisp(this.canvas, this.cssW, this.cssH).ratio;
    const at = (e) => {
      const rect = this.canvas.getBoundingClientRect();
      const shrink = rect.width ? this.cssW / rect.width : 1; // CSS may narrow the canvas on a phone
      const x = Math.floor(((e.clientX - rect.left) * shrink - MARGIN) / this.scale);
      const y = Math.floor(((e.clientY - rect.top) * shrink - MARGIN) / this.scale);
      return y >= 0 && x >= 0 && y < height && x < width ? [y, x] : null;
    };
    if (onPick) {
      this.canvas.classList.add("is-pickable");
      this.canvas.addEventListener("click", (e) => {
        const cell = at(e);
        if (cell) onPick(cell[0], cell[1]);
      });
    }
    if (onHover) {
      this.canvas.addEventListener("pointermove", (e) => onHover(at(e)));
      this.canvas.addEventListener("pointerleave", () => onHover(null));
    }
  }

  /** Where unit (y, x) is drawn, in CSS px from the canvas's top left: [x, y, size]. */
  unitRect(y, x) {
    return [MARGIN + x * this.scale, MARGIN + y * this.scale, this.scale];
  }

  draw() {
    const ctx = this.canvas.getContext("2d");
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.clearRect(0, 0, this.cssW, this.cssH);
    ctx.fillStyle = COLOUR.margin;
    ctx.fillRect(0, 0, this.cssW, this.cssH);
    if (this.source) {
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(this.source, MARGIN, MARGIN, this.width * this.scale, this.height * this.scale);
    }
    const s = this.scale;
    for (const o of this.overlays) {
      const b = o.box;
      // Cells top..bottom, left..right; a box reaching into padding is drawn into the margin.
      let x0 = MARGIN + b.left * s;
      let y0 = MARGIN + b.top * s;
      let x1 = MARGIN + (b.right + 1) * s;
      let y1 = MARGIN + (b.bottom + 1) * s;
      x0 = Math.max(1, x0);
      y0 = Math.max(1, y0);
      x1 = Math.min(this.cssW - 1, x1);
      y1 = Math.min(this.cssH - 1, y1);
      const min = o.min || 0;
      if (x1 - x0 < min) [x0, x1] = [(x0 + x1 - min) / 2, (x0 + x1 + min) / 2];
      if (y1 - y0 < min) [y0, y1] = [(y0 + y1 - min) / 2, (y0 + y1 + min) / 2];
      ctx.save();
      if (o.halo) {
        ctx.strokeStyle = COLOUR.halo;
        ctx.lineWidth = o.width + 2.5;
        ctx.setLineDash([]);
        ctx.strokeRect(x0, y0, x1 - x0, y1 - y0);
      }
      ctx.strokeStyle = o.stroke;
      ctx.lineWidth = o.width;
      ctx.setLineDash(o.dash || []);
      ctx.strokeRect(x0, y0, x1 - x0, y1 - y0);
      ctx.restore();
    }
  }

  /** Outline a receptive field: `box` (may reach into padding, dashed) and `clipped` (solid). */
  setField(box, clipped) {
    this.overlays = [];
    if (box) this.overlays.push({ ...BOX, box });
    if (clipped) this.overlays.push({ ...CLIPPED, box: clipped, halo: true });
    this.draw();
  }

  setUnit(y, x, strong) {
    this.overlays =
      y === null
        ? []
        : [
            {
              ...UNIT,
              width: strong ? UNIT.width : 1.5,
              box: { top: y, left: x, bottom: y, right: x },
              halo: true,
              min: 7,
            },
          ];
    this.draw();
  }
}

/** A map of the gallery: its figure (caption, canvas, key, mean, download). */
export class MapView extends PictureView {
  constructor({ map, layer, scale, fileName, onPick, onHover }) {
    const [, height, width] = layer.shape;
    super({ width, height, scale, label: map.caption, onPick, onHover });
    this.map = map;
    this.layer = layer;
    this.fileName = fileName;
    this.el = document.createElement("figure");
    this.el.className = "fm-map";
    this.el.dataset.channel = String(map.channel);
    const cap = document.createElement("figcaption");
    cap.textContent = map.caption;
    this.keyEl = document.createElement("div");
    this.keyEl.className = "fm-key";
    const foot = document.createElement("div");
    foot.className = "fm-map-foot";
    const mean = document.createElement("span");
    mean.textContent = t("fm.mean", { v: num(map.mean, 3) });
    const download = document.createElement("button");
    download.type = "button";
    download.className = "btn btn-small fm-download";
    download.textContent = t("fm.download");
    download.setAttribute("aria-label", t("fm.download_aria", { name: map.caption }));
    download.title = t("fm.download_aria", { name: map.caption });
    download.addEventListener("click", () => this.download());
    foot.append(mean, download);
    this.el.append(cap, this.canvas, this.keyEl, foot);
  }

  async load() {
    this.grey = await loadImage(this.map.png);
  }

  /** Recolour with `scale` ("map", "layer" or "grey") and draw the colour key. */
  recolour(scale) {
    const { min, max } = this.map;
    const layerMaxAbs = Math.max(Math.abs(this.layer.min), Math.abs(this.layer.max));
    const table = colourTable(scale, min, max, layerMaxAbs);
    const off = document.createElement("canvas");
    off.width = this.width;
    off.height = this.height;
    const ctx = off.getContext("2d", { willReadFrequently: true });
    ctx.drawImage(this.grey, 0, 0);
    const data = ctx.getImageData(0, 0, this.width, this.height);
    const px = data.data;
    for (let i = 0; i < px.length; i += 4) {
      const [r, g, b] = table[px[i]];
      px[i] = r;
      px[i + 1] = g;
      px[i + 2] = b;
      px[i + 3] = 255;
    }
    ctx.putImageData(data, 0, 0);
    this.source = off;
    this.drawKey(table);
    this.draw();
  }

  drawKey(table) {
    const { min, max } = this.map;
    const bar = document.createElement("canvas");
    bar.width = 256;
    bar.height = 10;
    bar.className = "fm-key-bar";
    const ctx = bar.getContext("2d");
    for (let g = 0; g < 256; g += 1) {
      ctx.fillStyle = `rgb(${table[g].join(",")})`;
      ctx.fillRect(g, 0, 1, 10);
    }
    bar.setAttribute("role", "img");
    bar.setAttribute("aria-label", t("fm.key_aria", { low: num(min, 3), high: num(max, 3) }));
    const ticks = document.createElement("div");
    ticks.className = "fm-key-ticks";
    const low = document.createElement("span");
    low.textContent = num(min, 3);
    const high = document.createElement("span");
    high.textContent = num(max, 3);
    ticks.append(low);
    if (min < 0 && max > 0) {
      const zero = document.createElement("span");
      zero.className = "fm-key-zero";
      zero.style.left = `${(-min / (max - min)) * 100}%`;
      zero.textContent = "0";
      ticks.append(zero);
    }
    ticks.append(high);
    this.keyEl.replaceChildren(bar, ticks);
  }

  download() {
    this.source.toBlob((blob) => {
      const url = URL.createObjectURL(blob);
      const a = document.createElement("a");
      a.href = url;
      a.download = this.fileName;
      document.body.append(a);
      a.click();
      a.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 1000);
    }, "image/png");
  }
}

/** A small kernel drawn with its numbers (diverging colours about zero). */
export function kernelCanvas(kernel, caption) {
  const k = kernel.length;
  const cell = k <= 3 ? 32 : k <= 5 ? 14 : Math.max(5, Math.floor(84 / k));
  const colour = diverging(Math.max(1e-12, ...kernel.flat().map(Math.abs)));
  const canvas = document.createElement("canvas");
  const { ctx } = crisp(canvas, k * cell, k * cell);
  canvas.setAttribute("role", "img");
  const values = kernel.map((row) => row.map((v) => num(v, 3)).join(" ")).join("; ");
  canvas.setAttribute("aria-label", t("fm.kernel_aria", { name: caption, k, values }));
  kernel.forEach((row, r) => {
    row.forEach((v, c) => {
      const fill = colour(v);
      ctx.fillStyle = fill;
      ctx.fillRect(c * cell, r * cell, cell - 1, cell - 1);
      if (cell >= 30)
        write(ctx, num(v, 3), c * cell + cell / 2, r * cell + cell / 2, { size: 10, colour: inkFor(fill) });
    });
  });
  const figure = el("figure", "fm-kernel");
  figure.append(el("figcaption", "", caption), canvas);
  return figure;
}
