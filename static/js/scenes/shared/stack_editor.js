// The pieces both layer-stack editors (/feature-maps, /receptive-field) are built from: the box
// inside the settings form, a rebuild that keeps the learner's place, and its small controls.
import { el } from "../../draw/dom.js";
import { t } from "../../i18n.js";

/** The editor's fieldset, appended to the settings `form`. */
export function editorBox(form, className) {
  const box = el("fieldset", `control-group ${className}`);
  form.append(box);
  return box;
}

/**
 * Empty `box`, give it its legend and let `fill()` add the rows. Typing and tabbing through a row
 * keep their place: the control (or button) that had the focus has it again after the rebuild.
 */
export function rebuild(box, legendKey, fill) {
  const active = document.activeElement;
  const focused = box.contains(active) ? active.dataset.control || active.dataset.key : null;
  box.replaceChildren(el("legend", "", t(legendKey)));
  fill();
  if (focused) box.querySelector(`[data-control="${focused}"],[data-key="${focused}"]`)?.focus();
}

/** A small button: its text, data attributes, and an accessible name (also its tooltip). */
export function smallButton(text, data, { label = null, disabled = false } = {}) {
  const b = el("button", "btn btn-small", text);
  b.type = "button";
  Object.assign(b.dataset, data);
  b.disabled = disabled;
  if (label) {
    b.title = label;
    b.setAttribute("aria-label", label);
  }
  return b;
}

/** A whole-number field from lo to hi. */
export function numberInput(value, lo, hi) {
  const input = el("input");
  input.type = "number";
  input.inputMode = "numeric";
  input.min = String(lo);
  input.max = String(hi);
  input.step = "1";
  input.value = String(value);
  return input;
}

/** A <select> of [value, text, disabled] choices with an accessible name. */
export function select(choices, value, label) {
  const control = el("select");
  for (const [v, text, disabled] of choices) {
    const option = el("option", "", text);
    option.value = String(v);
    option.disabled = Boolean(disabled);
    control.append(option);
  }
  control.value = String(value);
  control.setAttribute("aria-label", label);
  return control;
}
