// Type a number into a grid cell: a small text field laid over the cell. Enter or leaving the field
// keeps the number, Escape drops it. Full-width digits and the true minus sign are accepted.
import { num, parseNumber, t } from "./i18n.js";

let open = null;

export function editNumber(rect, current, label, commit) {
  if (open) open.remove();
  const field = document.createElement("input");
  field.type = "text";
  field.inputMode = "decimal";
  field.className = "cell-editor";
  field.value = num(current, 4).replace("\u2212", "-");
  field.setAttribute("aria-label", label);
  field.title = t("edit.hint");
  const size = Math.max(rect.size, 44);
  Object.assign(field.style, {
    left: `${rect.left + window.scrollX + (rect.size - size) / 2}px`,
    top: `${rect.top + window.scrollY + (rect.size - Math.max(rect.size, 30)) / 2}px`,
    width: `${size + 16}px`,
    height: `${Math.max(rect.size, 30)}px`,
  });
  document.body.append(field);
  open = field;
  let done = false;
  const finish = (keep) => {
    if (done) return;
    done = true;
    const value = parseNumber(field.value);
    field.remove();
    open = null;
    if (keep && value !== null && value !== current) commit(value);
  };
  field.addEventListener("keydown", (e) => {
    if (e.key === "Enter") finish(true);
    else if (e.key === "Escape") finish(false);
    e.stopPropagation();
  });
  field.addEventListener("blur", () => finish(true));
  field.focus();
  field.select();
}

/** Hand edits in a URL: "x0.1.2_5*w0.0.1.1_-1*b0_2" (tensor letter, index, value). */
export function parseEdits(text) {
  const edits = [];
  for (const part of (text || "").split("*")) {
    const m = /^([a-z])(\d+(?:\.\d+)*)_(-?\d+(?:\.\d+)?(?:e-?\d+)?)$/.exec(part);
    if (m) edits.push({ tensor: m[1], index: m[2].split(".").map(Number), value: Number(m[3]) });
  }
  return edits;
}

export function formatEdits(edits) {
  return edits.map((e) => `${e.tensor}${e.index.join(".")}_${e.value}`).join("*");
}

/** Add or replace one edit, keeping the list in a stable order. */
export function withEdit(text, tensor, index, value) {
  const edits = parseEdits(text).filter((e) => !(e.tensor === tensor && e.index.join(".") === index.join(".")));
  edits.push({ tensor, index, value });
  edits.sort((a, b) => (a.tensor + a.index.join(".") < b.tensor + b.index.join(".") ? -1 : 1));
  return formatEdits(edits);
}

/** A deep copy of nested lists with the edits of one tensor applied (out-of-range edits ignored). */
export function applyEdits(nested, edits, tensor) {
  const copy = JSON.parse(JSON.stringify(nested));
  for (const edit of edits) {
    if (edit.tensor !== tensor) continue;
    let level = copy;
    let ok = true;
    for (let d = 0; d < edit.index.length - 1; d += 1) {
      level = Array.isArray(level) ? level[edit.index[d]] : undefined;
      if (!Array.isArray(level)) ok = false;
      if (!ok) break;
    }
    const last = edit.index[edit.index.length - 1];
    if (ok && Array.isArray(level) && last < level.length && typeof level[last] === "number") level[last] = edit.value;
  }
  return copy;
}
