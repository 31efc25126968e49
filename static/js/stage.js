// Pieces of a scene's stage that every scene builds the same way.
import { t } from "./i18n.js";

/** One <p> per text, e.g. for a scene's notes: `el.replaceChildren(...paragraphs(texts))`. */
export function paragraphs(texts) {
  return texts.map((text) => Object.assign(document.createElement("p"), { textContent: text }));
}

/**
 * Append a titled part of the stage to `parent`: a section with an <h2> of `t(titleKey)` and,
 * when `noteKey` is given, a note `t(noteKey, noteValues)`. Returns the `.planes` box for its grids.
 */
export function stagePart(parent, titleKey, extra = "", noteKey = null, noteValues = {}) {
  const s = document.createElement("section");
  s.className = `stage-part ${extra}`;
  const h = document.createElement("h2");
  h.textContent = t(titleKey);
  s.append(h);
  if (noteKey) {
    const p = document.createElement("p");
    p.className = "grid-note";
    p.textContent = t(noteKey, noteValues);
    s.append(p);
  }
  const body = document.createElement("div");
  body.className = "planes";
  s.append(body);
  parent.append(s);
  return body;
}

/** The line just above the stage that says what the pointer is over. */
export function addHoverInfo(stage) {
  const hoverInfo = document.createElement("p");
  hoverInfo.id = "hover-info";
  hoverInfo.className = "hover-info";
  stage.before(hoverInfo);
  return hoverInfo;
}

/** Call `rebuild` once the window has stopped resizing for `delay` ms. */
export function onResizeSettled(rebuild, delay = 150) {
  let timer = null;
  window.addEventListener("resize", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(rebuild, delay);
  });
}
