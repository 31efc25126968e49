// Canvas set-up and text shared by every drawing: a canvas sized in CSS pixels and backed by the
// screen's pixel ratio (sharp on any screen), and text written in one font at a given size.
import { COLOUR } from "./style.js";

export const FONT = "system-ui, sans-serif";
export const font = (px) => `${px}px ${FONT}`;

/**
 * Size `canvas` to w x h CSS pixels at the screen's pixel ratio. Returns its context, already
 * scaled so that drawing is in CSS pixels, and the ratio.
 */
export function crisp(canvas, w, h) {
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(w * ratio);
  canvas.height = Math.round(h * ratio);
  canvas.style.width = `${w}px`;
  canvas.style.height = `${h}px`;
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return { ctx, ratio };
}

/** Write `text` at (x, y): centred on that point unless told otherwise. */
export function write(ctx, text, x, y, { size = 11, colour = COLOUR.ink, align = "center", baseline = "middle" } = {}) {
  ctx.font = font(size);
  ctx.fillStyle = colour;
  ctx.textAlign = align;
  ctx.textBaseline = baseline;
  ctx.fillText(text, x, y);
}
