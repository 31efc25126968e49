// /feature-maps' stage: the photo as the server decoded it, then one part per layer with its title,
// shapes, the output-size derivation, its kernels and its maps (recoloured from the API's grey
// PNGs, see gallery.js). Every shape, size and map comes from POST /api/feature-maps.
import { el, stagePart } from "../../draw/dom.js";
import { t } from "../../i18n.js";
import { readable } from "../shared/size_formula.js";
import { kernelCanvas, MapView, PictureView } from "./gallery.js";

const cap = (s) => s.charAt(0).toUpperCase() + s.slice(1);
export const shape = (s) => s.join("×");
const fileSafe = (text) =>
  text
    .replace(/°/g, "deg")
    .replace(/[^A-Za-z0-9_-]+/g, "-")
    .replace(/^-|-$/g, "");

/** The API's map label ("sobel_x", "gabor 45°", "random 3", "channel 0") in the page's language. */
function mapLabel(raw) {
  let m = /^(sobel|prewitt|scharr)_([xy])$/.exec(raw);
  if (m) return t("fm.label.derivative", { name: cap(m[1]), axis: m[2] });
  m = /^gabor (.+)°$/.exec(raw);
  if (m) return t("fm.label.gabor", { angle: m[1] });
  m = /^random (\d+)$/.exec(raw);
  if (m) return t("fm.label.random", { i: m[1] });
  m = /^channel (\d+)$/.exec(raw);
  if (m) return t("fm.label.channel", { i: m[1] });
  return t(`fm.bank.${raw === "box_blur" ? "blur" : raw}`);
}

function layerTitle(layer) {
  const p = layer.params;
  if (layer.type === "conv") {
    const pad = typeof p.padding === "number" ? String(p.padding) : t(`fm.pad.${p.padding}`);
    const act = t(`fm.act.${p.activation}`);
    return t("fm.title_conv", { bank: t(`fm.bank.${p.bank}`), k: p.size, s: p.stride, p: pad, d: p.dilation, act });
  }
  if (layer.type === "pool") {
    return t("fm.title_pool", { mode: t(`fm.pool.${p.mode}`), k: p.kernel_size, s: p.stride, p: p.padding });
  }
  return t("fm.type.batch_norm");
}

/** CSS pixels per map pixel: a phone shows one map per row, large enough to tap. */
function mapScale(stage, layer) {
  const [count, h, w] = layer.shape;
  const width = stage.clientWidth || 800;
  const perRow = Math.min(count, width < 560 ? 1 : width < 900 ? 3 : 4);
  const target = Math.min(400, (width - 40) / perRow - 40);
  return Math.max(0.25, Math.min(target / w, 300 / h, 12));
}

/** The photo as the server decoded it, with room for a field's outline. */
function photoPart(stage, input) {
  const body = stagePart(stage, "fm.stage_input", "fm-input-part", "fm.input_note");
  const [inW, inH] = [input.width, input.height];
  const scale = Math.min(((stage.clientWidth || 800) - 60) / inW, 480 / inW, 360 / inH, 8);
  const photo = new PictureView({ width: inW, height: inH, scale, label: t("fm.photo_aria", { w: inW, h: inH }) });
  const figure = el("figure", "fm-photo");
  figure.dataset.layer = "-1";
  figure.append(el("figcaption", "", t("fm.photo_caption", { w: inW, h: inH, c: input.channels })), photo.canvas);
  body.append(figure);
  const img = new Image();
  img.onload = () => {
    photo.source = img;
    photo.draw();
  };
  img.src = input.png;
  return photo;
}

/** Layer i's part: heading, shapes, derivation, the line the field goes in, kernels and maps. */
function layerPart(stage, layer, i, names, hooks) {
  const part = el("section", "stage-part fm-layer-part");
  part.dataset.layer = String(i);
  const formula =
    layer.type === "batch_norm"
      ? t("fm.size_same")
      : t("fm.size_line", { h: readable(layer.output_size.height), w: readable(layer.output_size.width) });
  const field = el("p", "fm-field-line");
  part.append(
    el("h2", "", t("fm.layer_heading", { n: i + 1, title: layerTitle(layer) })),
    el("p", "fm-sizes", t("fm.shape_line", { from: shape(layer.input_shape), to: shape(layer.shape) })),
    el("p", "fm-formula", formula),
    field,
  );
  if (layer.kernels) {
    const kernels = el("div", "fm-kernels");
    kernels.append(el("span", "fm-kernels-title", t("fm.kernels")));
    layer.kernels.forEach((k, c) => {
      kernels.append(kernelCanvas(k, names[c]));
    });
    part.append(kernels);
  }
  const planes = el("div", "planes fm-maps");
  const scale = mapScale(stage, layer);
  const views = layer.maps.map((m) => {
    const caption = names[m.channel];
    const view = new MapView({
      map: { ...m, caption },
      layer,
      scale,
      fileName: `feature-map-layer${i + 1}-${layer.type}-${fileSafe(m.label)}.png`,
      onPick: (y, x) => hooks.pick({ layer: i, channel: m.channel, y, x }),
      onHover: (cell) => hooks.hover(cell ? t("fm.hover", { name: caption, n: i + 1, r: cell[0], c: cell[1] }) : ""),
    });
    view.el.dataset.layer = String(i);
    planes.append(view.el);
    return view;
  });
  part.append(planes);
  stage.append(part);
  return { part, field, views };
}

/**
 * The whole stage for `run` (run.photo, run.views); resolves once every map's image is in.
 * `hooks`: pick(unit) when a map is clicked, hover(text) for the line above the stage.
 */
export function buildStage(scene, run, hooks) {
  const { stage } = scene.els;
  const { maps } = run;
  stage.replaceChildren();
  run.photo = photoPart(stage, maps.input);
  // One part per layer. Pooling and batch norm keep each channel, so they keep its name too.
  let names = [];
  run.views = maps.layers.map((layer, i) => {
    names = layer.maps.map((m) => (layer.type === "conv" ? mapLabel(m.label) : names[m.channel] || mapLabel(m.label)));
    return layerPart(stage, layer, i, names, hooks);
  });
  return Promise.all(run.views.flatMap((l) => l.views.map((v) => v.load())));
}
