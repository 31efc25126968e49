// The words and formulas of /one-by-one at one pixel: the matrix-vector product z = W x (+ b)
// with the step's numbers, each output channel's dot product written out, and the narration.
// Every number is read from the conv2d frames of that pixel (one frame per output channel).
import { num, t, term } from "../../i18n.js";
import { m, math, mi, mn, mo, row, sub } from "../../mathml.js";

const N = (value) => mn(value, num(value, 3).replace("\u2212", ""));
const bracketed = (rows) =>
  row(m("mo", { stretchy: "true" }, "["), m("mtable", ...rows), m("mo", { stretchy: "true" }, "]"));
const column = (values, current = null) =>
  bracketed(values.map((value, i) => m("mtr", i === current ? { class: "is-current" } : null, m("mtd", N(value)))));

/** frames: the pixel's frames, one per output channel, in channel order. */
const inputsOf = (frames) => frames[0].channels.map((ch) => ch.values[0][0]);

/** z = W x (+ b), then ReLU(z) = y: the whole pixel as one matrix-vector product. */
export function drawFormula(container, frames, current) {
  const x = inputsOf(frames);
  const W = frames.map((f) => f.channels.map((ch) => ch.weights[0][0]));
  const matrix = bracketed(
    W.map((line, o) => m("mtr", o === current ? { class: "is-current" } : null, ...line.map((w) => m("mtd", N(w))))),
  );
  const z = frames.map((f) => f.pre_activation);
  const parts = [mi("z"), mo("="), matrix, column(x)];
  const hasBias = frames[0].bias !== null && frames[0].bias !== undefined;
  if (hasBias)
    parts.push(
      mo("+"),
      column(
        frames.map((f) => f.bias),
        current,
      ),
    );
  parts.push(mo("="), column(z, current));
  const lines = [row(...parts)];
  if (frames[0].activation !== "none") {
    lines.push(
      row(
        mi(t(`act.${frames[0].activation}`)),
        mo("("),
        mi("z"),
        mo(")"),
        mo("="),
        column(
          frames.map((f) => f.output),
          current,
        ),
      ),
    );
  }
  container.replaceChildren(math(m("mtable", { columnalign: "left" }, ...lines.map((l) => m("mtr", m("mtd", l))))));
}

/** One line per output channel: z_o = w_o0 x_0 + w_o1 x_1 + ... (+ b_o) = value, and the activation. */
export function drawDots(body, frames, current) {
  const lines = frames.map((f, o) => {
    const parts = [sub(mi("z"), m("mn", String(o))), mo("=")];
    f.channels.forEach((ch, i) => {
      if (i) parts.push(mo("+"));
      parts.push(
        mn(ch.weights[0][0], num(ch.weights[0][0]).replace("\u2212", ""), true),
        mo("\u00D7"),
        mn(ch.values[0][0], num(ch.values[0][0]).replace("\u2212", ""), true),
      );
    });
    if (f.bias !== null && f.bias !== undefined)
      parts.push(mo("+"), mn(f.bias, num(f.bias).replace("\u2212", ""), true));
    parts.push(mo("="), N(f.pre_activation));
    if (f.activation !== "none") parts.push(mo("\u2192"), mi(t(`act.${f.activation}`)), mo("\u2192"), N(f.output));
    return m("mtr", o === current ? { class: "is-current" } : null, m("mtd", row(...parts)));
  });
  const note = document.createElement("p");
  note.className = "note";
  note.textContent = t("obo.dots_note", { cin: frames[0].channels.length, cout: frames.length });
  const box = document.createElement("div");
  box.className = "formula obo-dots";
  box.append(math(m("mtable", { columnalign: "left" }, ...lines)));
  body.replaceChildren(box, note);
}

const list = (values) => values.map((v) => num(v, 3)).join(", ");

/** The narration of a step: the whole pixel, or one output channel of it (`current`). */
export function narrate(frames, current) {
  const f0 = frames[0];
  const act = f0.activation !== "none";
  if (current === null) {
    return t(act ? "obo.narrate_pixel_act" : "obo.narrate_pixel", {
      y: f0.y,
      x: f0.x,
      cin: f0.channels.length,
      xs: list(inputsOf(frames)),
      cout: frames.length,
      zs: list(frames.map((f) => f.pre_activation)),
      ys: list(frames.map((f) => f.output)),
    });
  }
  const f = frames[current];
  const terms = f.channels.map((ch) => `${term(ch.weights[0][0])}×${term(ch.values[0][0])}`).join(" + ");
  const bias = f.bias === null || f.bias === undefined ? "" : ` + ${term(f.bias)}`;
  return t(act ? "obo.narrate_value_act" : "obo.narrate_value", {
    y: f.y,
    x: f.x,
    o: current,
    terms: terms + bias,
    z: num(f.pre_activation, 3),
    out: num(f.output, 3),
  });
}
