// Where /network's digit comes from: the drawing pad, the gallery of test digits, or a photo by
// the file picker, a drop anywhere on the page or a paste.
import { el } from "../../draw/dom.js";
import { t } from "../../i18n.js";
import { digitGallery } from "./gallery.js";
import { drawingPad } from "./pad.js";

function fileIn(transfer) {
  if (!transfer) return null;
  for (const file of transfer.files || []) if (file) return file;
  for (const item of transfer.items || []) if (item.kind === "file" && item.getAsFile()) return item.getAsFile();
  return null;
}

function photoPicker(use) {
  const box = el("div", "net-photo");
  const picker = el("input", "net-file");
  picker.type = "file";
  picker.accept = "image/*";
  picker.id = "net-file";
  const label = el("label", "btn btn-small", t("net.choose"));
  label.htmlFor = "net-file";
  box.append(el("p", "", t("net.photo")), picker, label, el("p", "note", t("net.photo_note")));
  picker.addEventListener("change", () => {
    if (picker.files[0]) use(picker.files[0]);
    picker.value = "";
  });
  for (const type of ["dragenter", "dragover"]) document.addEventListener(type, (e) => e.preventDefault());
  document.addEventListener("drop", (e) => {
    e.preventDefault();
    const file = fileIn(e.dataTransfer);
    if (file) use(file);
  });
  document.addEventListener("paste", (e) => {
    const file = fileIn(e.clipboardData);
    if (file) {
      e.preventDefault();
      use(file);
    }
  });
  return box;
}

/** The sources' fieldset: `use(file)` for a drawing or photo, `pick(index)` for a test digit. */
export function digitSource(digits, { use, pick }) {
  const element = el("fieldset", "control-group net-source");
  element.append(el("legend", "", t("net.source")));
  const pad = drawingPad(use);
  const gallery = digitGallery(digits, pick);
  const padBox = el("div", "net-source-part");
  padBox.append(el("h3", "", t("net.draw")), pad.element);
  const galleryBox = el("div", "net-source-part");
  galleryBox.append(el("h3", "", t("net.gallery")), gallery.element, photoPicker(use));
  element.append(padBox, galleryBox);
  return { element, gallery, pad };
}
