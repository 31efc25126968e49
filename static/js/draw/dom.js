// Pieces of HTML that every scene builds the same way: elements, notes, the titled parts of the
// stage, the colour keys, the list of marks, a kernel's line and the table of a step's products.
import { t } from "../i18n.js";
import { legend } from "./colour.js";

/** <tag class=className>text</tag>; no class or text when they are empty. */
export function el(tag, className = "", text = undefined) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

/** One <p> per text, e.g. for a scene's notes: `el.replaceChildren(...paragraphs(texts))`. */
export function paragraphs(texts) {
  return texts.map((text) => el("p", "", text));
}

/**
 * Append a titled part of the stage to `parent`: a section with an <h2> of `t(titleKey)` and,
 * when `noteKey` is given, a note `t(noteKey, noteValues)`. Returns the `.planes` box for its grids.
 */
export function stagePart(parent, titleKey, extra = "", noteKey = null, noteValues = {}) {
  const section = el("section", `stage-part ${extra}`);
  section.append(el("h2", "", t(titleKey)));
  if (noteKey) section.append(el("p", "grid-note", t(noteKey, noteValues)));
  const body = el("div", "planes");
  section.append(body);
  parent.append(section);
  return body;
}

/** The line just above the stage that says what the pointer is over. */
export function addHoverInfo(stage) {
  const hoverInfo = el("p", "hover-info");
  hoverInfo.id = "hover-info";
  stage.before(hoverInfo);
  return hoverInfo;
}

/**
 * Fill `box` with a colour key per [maxAbs, captionKey]. With `live`, an empty holder follows for
 * the key that changes with the step (`legend(holder, ...)` each draw), and is returned.
 */
export function legends(box, entries, { live = false } = {}) {
  box.replaceChildren();
  for (const [value, key] of entries) {
    const holder = el("div");
    legend(holder, value, key);
    box.append(holder);
  }
  if (!live) return null;
  const holder = el("div");
  box.append(holder);
  return holder;
}

/** The list under the keys that says what each mark on the grids means. */
export function marks(keys) {
  const list = el("ul", "pool-marks");
  for (const key of keys) list.append(el("li", "", t(key)));
  return list;
}

/** A row of kernel slices headed by its name; the caller appends the grids. */
export function kernelLine(name) {
  const line = el("div", "kernel-line");
  line.append(el("span", "kernel-name", name));
  return line;
}

/**
 * A table of a step's products: each cell {top, bottom} (factors over product) or {text}, with an
 * optional className and title.
 */
export function productsTable(captionText, rows, className = "products") {
  const table = el("table", className);
  table.append(el("caption", "", captionText));
  for (const line of rows) {
    const tr = el("tr");
    for (const cell of line) {
      const td = el("td", cell.className, cell.text);
      if (cell.title) td.title = cell.title;
      if (cell.top !== undefined) td.append(el("span", "factors", cell.top), el("span", "product", cell.bottom));
      tr.append(td);
    }
    table.append(tr);
  }
  return table;
}
