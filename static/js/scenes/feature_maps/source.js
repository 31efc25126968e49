// Where /feature-maps' picture comes from, in the settings form: the four drawn samples, and a
// photo of the learner's by the file picker, a drop anywhere on the page, or a paste; then the line
// that says how the server decoded it.
import { el } from "../../draw/dom.js";
import { t } from "../../i18n.js";
import { drawSample } from "../shared/samples.js";
import { imageFrom } from "./photo.js";
import { SAMPLES } from "./settings.js";

function samplesRow(choose) {
  const row = el("div", "fm-samples");
  row.setAttribute("role", "group");
  row.setAttribute("aria-label", t("fm.samples"));
  for (const name of SAMPLES) {
    const b = el("button", "fm-sample");
    b.type = "button";
    b.dataset.sample = name;
    const thumb = drawSample(name);
    thumb.className = "fm-thumb";
    thumb.setAttribute("aria-hidden", "true");
    b.append(thumb, el("span", "", t(`fm.sample.${name}`)));
    b.addEventListener("click", () => choose(name));
    row.append(b);
  }
  return row;
}

/** The drop zone with the file picker; a photo dropped anywhere on the page or pasted is taken too. */
function dropZone(use) {
  const drop = el("div", "fm-drop");
  drop.tabIndex = 0;
  drop.setAttribute("role", "button");
  drop.setAttribute("aria-label", t("fm.drop_aria"));
  const picker = el("input", "fm-file");
  picker.type = "file";
  picker.accept = "image/*";
  picker.id = "fm-file";
  const pickButton = el("label", "btn btn-small", t("fm.choose"));
  pickButton.htmlFor = "fm-file";
  drop.append(el("span", "", t("fm.drop")), pickButton, picker);
  picker.addEventListener("change", () => {
    use(picker.files[0]);
    picker.value = "";
  });
  drop.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      picker.click();
    }
  });
  for (const type of ["dragenter", "dragover"]) {
    document.addEventListener(type, (e) => {
      e.preventDefault();
      drop.classList.add("is-over");
    });
  }
  document.addEventListener("dragleave", (e) => {
    if (!e.relatedTarget) drop.classList.remove("is-over");
  });
  // A photo dropped anywhere on the page is taken, so a near miss does not open the file instead.
  document.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("is-over");
    use(imageFrom(e.dataTransfer));
  });
  document.addEventListener("paste", (e) => {
    const file = imageFrom(e.clipboardData);
    if (file) {
      e.preventDefault();
      use(file);
    }
  });
  return drop;
}

/**
 * The picture sources' fieldset. `choose(name)` picks a sample, `use(file)` a photo. Returns
 * {element, show(values), describe(input)}: mark the chosen source, say how the server read it.
 */
export function pictureSource({ choose, use }) {
  const element = el("fieldset", "control-group group-fm_source fm-source");
  const row = samplesRow(choose);
  const drop = dropZone(use);
  const info = el("p", "fm-info");
  info.id = "fm-info";
  const linkNote = el("p", "control-why fm-link-note", t("fm.link_note"));
  element.append(el("legend", "", t("group.fm_source")), row, drop, info, linkNote);
  const show = (v) => {
    for (const b of row.querySelectorAll("button")) b.setAttribute("aria-pressed", String(b.dataset.sample === v.src));
    drop.classList.toggle("is-chosen", v.src === "upload");
  };
  const describe = (input) => {
    const orientation =
      input.orientation === 1 ? t("fm.orientation_none") : t("fm.orientation", { o: input.orientation });
    const same = input.width === input.original_width && input.height === input.original_height;
    info.textContent = t(same ? "fm.info_same" : "fm.info", {
      w: input.width,
      h: input.height,
      ow: input.original_width,
      oh: input.original_height,
      format: input.format,
      mode: input.mode,
      orientation,
    });
  };
  return { element, show, describe };
}
