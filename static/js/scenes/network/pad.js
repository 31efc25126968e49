// The drawing pad: white ink on black, as MNIST's digits are, drawn with a mouse, a finger or a
// pen (pointer events). Each finished stroke hands the picture over as a PNG file.
import { el } from "../../draw/dom.js";
import { t } from "../../i18n.js";

const SIZE = 280;
const INK = 22;

function clear(ctx) {
  ctx.fillStyle = "#000000";
  ctx.fillRect(0, 0, SIZE, SIZE);
}

/** The pad. `stroked(file)` after each stroke. Returns {element, canvas, clear}. */
export function drawingPad(stroked) {
  const element = el("div", "net-pad");
  const canvas = el("canvas", "net-pad-canvas");
  canvas.width = SIZE;
  canvas.height = SIZE;
  canvas.id = "net-pad";
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", t("net.pad_aria"));
  const ctx = canvas.getContext("2d");
  clear(ctx);
  let last = null;
  let inked = false;
  const point = (e) => {
    const box = canvas.getBoundingClientRect();
    return [((e.clientX - box.left) * SIZE) / box.width, ((e.clientY - box.top) * SIZE) / box.height];
  };
  const line = (from, to) => {
    ctx.strokeStyle = "#ffffff";
    ctx.lineWidth = INK;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.beginPath();
    ctx.moveTo(...from);
    ctx.lineTo(...to);
    ctx.stroke();
  };
  canvas.addEventListener("pointerdown", (e) => {
    e.preventDefault();
    canvas.setPointerCapture?.(e.pointerId);
    last = point(e);
    line(last, last);
    inked = true;
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!last) return;
    const next = point(e);
    line(last, next);
    last = next;
  });
  const end = () => {
    if (!last) return;
    last = null;
    canvas.toBlob((blob) => blob && stroked(new File([blob], "drawing.png", { type: "image/png" })), "image/png");
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  const clearButton = el("button", "btn btn-small", t("net.clear"));
  clearButton.type = "button";
  clearButton.id = "net-clear";
  clearButton.addEventListener("click", () => {
    clear(ctx);
    inked = false;
  });
  element.append(canvas, el("p", "note", t("net.pad_note")), clearButton);
  return { element, canvas, hasInk: () => inked };
}
