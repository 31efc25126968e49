// The gallery of MNIST test digits: PAGE thumbnails at a time, each a button (Enter or a click
// picks it), with buttons to page through the rest.
import { el } from "../../draw/dom.js";
import { t } from "../../i18n.js";
import { SIDE } from "./codec.js";

const PAGE = 30;

function thumbnail(bytes) {
  const canvas = el("canvas", "net-thumb");
  canvas.width = SIDE;
  canvas.height = SIDE;
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(SIDE, SIDE);
  bytes.forEach((b, i) => {
    image.data.set([b, b, b, 255], i * 4);
  });
  ctx.putImageData(image, 0, 0);
  canvas.setAttribute("aria-hidden", "true");
  return canvas;
}

/** The gallery. `digits`: [{label, test_index, bytes}]; `pick(index)`. Returns {element, show(index)}. */
export function digitGallery(digits, pick) {
  const element = el("div", "net-gallery");
  const grid = el("div", "net-gallery-grid");
  grid.setAttribute("role", "group");
  grid.setAttribute("aria-label", t("net.gallery"));
  const pager = el("div", "net-pager");
  const prev = el("button", "btn btn-small", t("net.prev"));
  const next = el("button", "btn btn-small", t("net.next"));
  const where = el("span", "net-page-no");
  prev.type = "button";
  next.type = "button";
  pager.append(prev, where, next);
  element.append(grid, pager);
  let page = 0;
  let chosen = -1;
  const pages = Math.ceil(digits.length / PAGE);
  const render = () => {
    grid.replaceChildren();
    for (let i = page * PAGE; i < Math.min(digits.length, (page + 1) * PAGE); i += 1) {
      const d = digits[i];
      const b = el("button", "net-digit");
      b.type = "button";
      b.dataset.index = String(i);
      b.setAttribute("aria-label", t("net.digit_aria", { n: i, label: d.label, test: d.test_index }));
      b.setAttribute("aria-pressed", String(i === chosen));
      b.append(thumbnail(d.bytes));
      b.addEventListener("click", () => pick(i));
      grid.append(b);
    }
    where.textContent = t("net.page", { n: page + 1, of: pages });
    prev.disabled = page === 0;
    next.disabled = page >= pages - 1;
  };
  prev.addEventListener("click", () => {
    page = Math.max(0, page - 1);
    render();
  });
  next.addEventListener("click", () => {
    page = Math.min(pages - 1, page + 1);
    render();
  });
  const show = (index) => {
    chosen = index;
    if (index >= 0) page = Math.floor(index / PAGE);
    render();
  };
  render();
  return { element, show };
}
