// /feature-maps: a picture (a drawn sample or the learner's photo) through a small stack of conv,
// pool and batch-norm layers. Every layer's maps come from POST /api/feature-maps; clicking a unit
// asks POST /api/receptive-field for its box on the photo and on every earlier layer. The player
// steps through the layers, outlining each layer's centre unit (or the one clicked).
import { num, t } from "../i18n.js";
import { Scene } from "../scene.js";
import { addHoverInfo, onResizeSettled, paragraphs, stagePart } from "../stage.js";
import { ApiError, errorMessage, postJson } from "../stream.js";
import { layerEditor } from "./feature_maps_editor.js";
import { kernelCanvas, MapView, PictureView } from "./feature_maps_gallery.js";
import { drawSample, imageFrom, recallPhoto, rememberPhoto, sampleFile } from "./feature_maps_photo.js";
import {
  apiLayers,
  constrain,
  formatUnit,
  geometryOf,
  parseLayers,
  parseUnit,
  SAMPLES,
  TABLE,
} from "./feature_maps_settings.js";

const els = {
  stage: document.getElementById("stage"),
  detail: document.getElementById("detail-body"),
  controls: document.getElementById("controls"),
  limits: document.getElementById("limits"),
};
const hoverInfo = addHoverInfo(els.stage);

let run = null; // {key, maps (the API's answer), answers (one receptive-field answer per layer)}
let candidate = null; // a photo being tried
let srcBefore = "shapes"; // the source to go back to when a tried photo is refused
let photo = recallPhoto(); // the learner's accepted photo (kept for this tab)
let lastUnit;
let drawn = {}; // what the outlines show now, by layer (-1: the photo); the browser tests read it

// ---- labels ----

const cap = (s) => s.charAt(0).toUpperCase() + s.slice(1);
/** The API's map label ("sobel_x", "gabor 45°", "random 3", "channel 0") in the page's language. */
function mapLabel(raw) {
  let m = /^(sobel|prewitt|scharr)_([xy])$/.exec(raw);
  if (m) return t("fm.label.derivative", { name: cap(m[1]), axis: m[2] });
  if ((m = /^gabor (.+)°$/.exec(raw))) return t("fm.label.gabor", { angle: m[1] });
  if ((m = /^random (\d+)$/.exec(raw))) return t("fm.label.random", { i: m[1] });
  if ((m = /^channel (\d+)$/.exec(raw))) return t("fm.label.channel", { i: m[1] });
  return t(`fm.bank.${raw === "box_blur" ? "blur" : raw}`);
}

function layerTitle(layer) {
  const p = layer.params;
  if (layer.type === "conv") {
    const pad = typeof p.padding === "number" ? String(p.padding) : t(`fm.pad.${p.padding}`);
    return t("fm.title_conv", {
      bank: t(`fm.bank.${p.bank}`),
      k: p.size,
      s: p.stride,
      p: pad,
      d: p.dilation,
      act: t(`fm.act.${p.activation}`),
    });
  }
  if (layer.type === "pool")
    return t("fm.title_pool", { mode: t(`fm.pool.${p.mode}`), k: p.kernel_size, s: p.stride, p: p.padding });
  return t("fm.type.batch_norm");
}

const shape = (s) => s.join("×");
const derivation = (text) => text.replace(/\*/g, "·").replace("->", "→");
const fileSafe = (text) =>
  text
    .replace(/°/g, "deg")
    .replace(/[^A-Za-z0-9_-]+/g, "-")
    .replace(/^-|-$/g, "");

// ---- the picture sources ----

const source = document.createElement("fieldset");
source.className = "control-group group-fm_source fm-source";
const sourceLegend = document.createElement("legend");
sourceLegend.textContent = t("group.fm_source");
const samplesRow = document.createElement("div");
samplesRow.className = "fm-samples";
samplesRow.setAttribute("role", "group");
samplesRow.setAttribute("aria-label", t("fm.samples"));
for (const name of SAMPLES) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "fm-sample";
  b.dataset.sample = name;
  const thumb = drawSample(name);
  thumb.className = "fm-thumb";
  thumb.setAttribute("aria-hidden", "true");
  const label = document.createElement("span");
  label.textContent = t(`fm.sample.${name}`);
  b.append(thumb, label);
  b.addEventListener("click", () => scene.state.set({ src: name, unit: "" }));
  samplesRow.append(b);
}
const drop = document.createElement("div");
drop.className = "fm-drop";
drop.tabIndex = 0;
drop.setAttribute("role", "button");
drop.setAttribute("aria-label", t("fm.drop_aria"));
const dropText = document.createElement("span");
dropText.textContent = t("fm.drop");
const picker = document.createElement("input");
picker.type = "file";
picker.accept = "image/*";
picker.id = "fm-file";
picker.className = "fm-file";
const pickButton = document.createElement("label");
pickButton.className = "btn btn-small";
pickButton.htmlFor = "fm-file";
pickButton.textContent = t("fm.choose");
drop.append(dropText, pickButton, picker);
const info = document.createElement("p");
info.id = "fm-info";
info.className = "fm-info";
const linkNote = document.createElement("p");
linkNote.className = "control-why fm-link-note";
linkNote.textContent = t("fm.link_note");
source.append(sourceLegend, samplesRow, drop, info, linkNote);

function usePhoto(file) {
  if (!file) return;
  candidate = file;
  if (scene.values.src !== "upload") srcBefore = scene.values.src;
  // A new photo reloads even when the source was already "upload".
  scene.lastKey = null;
  scene.state.set({ src: "upload", unit: "" });
}

picker.addEventListener("change", () => {
  usePhoto(picker.files[0]);
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
  usePhoto(imageFrom(e.dataTransfer));
});
document.addEventListener("paste", (e) => {
  const file = imageFrom(e.clipboardData);
  if (file) {
    e.preventDefault();
    usePhoto(file);
  }
});

function showSource(v) {
  for (const b of samplesRow.querySelectorAll("button"))
    b.setAttribute("aria-pressed", String(b.dataset.sample === v.src));
  drop.classList.toggle("is-chosen", v.src === "upload");
}

// ---- the layer editor ----

let editor = null; // made once the scene has built its own controls (which clears the form)

// ---- requests ----

async function postImage(file, v, signal) {
  const form = new FormData();
  form.append("image", file, file.name || "photo");
  form.append("layers", JSON.stringify(apiLayers(parseLayers(v.layers))));
  if (v.gray) form.append("grayscale", "true");
  const response = await fetch("/api/feature-maps", {
    method: "POST",
    body: form,
    signal,
    headers: { Accept: "application/json" },
  });
  if (!response.ok) throw new ApiError(await errorMessage(response), response.status);
  return response.json();
}

/** The unit whose field each step shows: the clicked one on its layer, else the map's centre. */
function unitsFor(maps, chosen) {
  return maps.layers.map((layer, i) => {
    if (chosen && chosen.layer === i) return chosen;
    const [, h, w] = layer.shape;
    return { layer: i, channel: 0, y: Math.floor((h - 1) / 2), x: Math.floor((w - 1) / 2) };
  });
}

function fieldRequest(maps, unit) {
  return {
    input_height: maps.input.height,
    input_width: maps.input.width,
    layers: geometryOf(maps.layers),
    unit: { layer: unit.layer, y: unit.y, x: unit.x },
  };
}

// ---- the gallery ----

function mapScale(layer) {
  const [count, h, w] = layer.shape;
  const width = els.stage.clientWidth || 800;
  const perRow = Math.min(count, width < 560 ? 1 : width < 900 ? 3 : 4); // a phone: one map per row, large enough to tap
  const target = Math.min(400, (width - 40) / perRow - 40);
  return Math.max(0.25, Math.min(target / w, 300 / h, 12));
}

function build() {
  const { maps } = run;
  els.stage.replaceChildren();
  run.views = [];
  // The photo as the server decoded it.
  const photoBody = stagePart(els.stage, "fm.stage_input", "fm-input-part", "fm.input_note");
  const inW = maps.input.width;
  const inH = maps.input.height;
  const photoScale = Math.min(((els.stage.clientWidth || 800) - 60) / inW, 480 / inW, 360 / inH, 8);
  run.photo = new PictureView({
    width: inW,
    height: inH,
    scale: photoScale,
    label: t("fm.photo_aria", { w: inW, h: inH }),
  });
  const figure = document.createElement("figure");
  figure.className = "fm-photo";
  figure.dataset.layer = "-1";
  const caption = document.createElement("figcaption");
  caption.textContent = t("fm.photo_caption", { w: inW, h: inH, c: maps.input.channels });
  figure.append(caption, run.photo.canvas);
  photoBody.append(figure);
  const img = new Image();
  img.onload = () => {
    run.photo.source = img;
    run.photo.draw();
  };
  img.src = maps.input.png;
  // One part per layer. Pooling and batch norm keep each channel, so they keep its name too.
  let names = [];
  maps.layers.forEach((layer, i) => {
    names = layer.maps.map((m) => (layer.type === "conv" ? mapLabel(m.label) : names[m.channel] || mapLabel(m.label)));
    const part = document.createElement("section");
    part.className = "stage-part fm-layer-part";
    part.dataset.layer = String(i);
    const h = document.createElement("h2");
    h.textContent = t("fm.layer_heading", { n: i + 1, title: layerTitle(layer) });
    const sizes = document.createElement("p");
    sizes.className = "fm-sizes";
    sizes.textContent = t("fm.shape_line", { from: shape(layer.input_shape), to: shape(layer.shape) });
    const formula = document.createElement("p");
    formula.className = "fm-formula";
    formula.textContent =
      layer.type === "batch_norm"
        ? t("fm.size_same")
        : t("fm.size_line", { h: derivation(layer.output_size.height), w: derivation(layer.output_size.width) });
    const field = document.createElement("p");
    field.className = "fm-field-line";
    part.append(h, sizes, formula, field);
    if (layer.kernels) {
      const kernels = document.createElement("div");
      kernels.className = "fm-kernels";
      const title = document.createElement("span");
      title.className = "fm-kernels-title";
      title.textContent = t("fm.kernels");
      kernels.append(title);
      layer.kernels.forEach((k, c) => kernels.append(kernelCanvas(k, names[c])));
      part.append(kernels);
    }
    const planes = document.createElement("div");
    planes.className = "planes fm-maps";
    const scale = mapScale(layer);
    const views = layer.maps.map((m) => {
      const caption = names[m.channel];
      const view = new MapView({
        map: { ...m, caption },
        layer,
        scale,
        fileName: `feature-map-layer${i + 1}-${layer.type}-${fileSafe(m.label)}.png`,
        onPick: (y, x) => scene.state.set({ unit: formatUnit({ layer: i, channel: m.channel, y, x }), step: i }),
        onHover: (cell) => {
          hoverInfo.textContent = cell ? t("fm.hover", { name: caption, n: i + 1, r: cell[0], c: cell[1] }) : "";
        },
      });
      view.el.dataset.layer = String(i);
      planes.append(view.el);
      return view;
    });
    part.append(planes);
    els.stage.append(part);
    run.views.push({ part, field, views });
  });
  return Promise.all(run.views.flatMap((l) => l.views.map((v) => v.load())));
}

function recolour(scale) {
  for (const layer of run.views) for (const view of layer.views) view.recolour(scale);
}

const rowsCols = (b) => ({ top: b.top, bottom: b.bottom, left: b.left, right: b.right });
function padReach(box, h, w) {
  return Math.max(0, -box.top, -box.left, box.bottom - (h - 1), box.right - (w - 1));
}

function draw(step) {
  if (!run || !run.views) return;
  const answer = run.answers[step];
  const unit = run.units[step];
  drawn = { unit: { layer: step, y: unit.y, x: unit.x } };
  const boxes = new Map(answer.unit.boxes.map((b) => [b.layer, b]));
  const input = boxes.get(-1);
  run.photo.setField(input.box, input.clipped);
  drawn[-1] = { box: input.box, clipped: input.clipped };
  run.views.forEach(({ part, field, views }, i) => {
    part.classList.toggle("is-current", i === step);
    part.classList.toggle("is-later", i > step);
    const b = boxes.get(i);
    if (i === step) {
      views.forEach((v) => v.setUnit(unit.y, unit.x, v.map.channel === unit.channel));
      field.textContent = t("fm.field_unit", { r: unit.y, c: unit.x });
    } else if (b) {
      views.forEach((v) => v.setField(b.box, b.clipped));
      drawn[i] = { box: rowsCols(b.box), clipped: b.clipped };
      const reach = padReach(b.box, b.height, b.width);
      field.textContent = t(reach ? "fm.field_box_pad" : "fm.field_box", {
        t: b.box.top,
        b: b.box.bottom,
        l: b.box.left,
        r: b.box.right,
        n: step + 1,
        pad: reach,
      });
    } else {
      views.forEach((v) => v.setUnit(null));
      field.textContent = "";
    }
    for (const v of views) v.el.classList.toggle("is-chosen", i === step && v.map.channel === unit.channel);
  });
  drawDetail(step);
}

function drawDetail(step) {
  const layer = run.maps.layers[step];
  const answer = run.answers[step];
  const info = answer.layers[step];
  const u = answer.unit;
  const c = u.clipped_box;
  const lines = [
    t("fm.detail_field", { n: step + 1, y: u.y, x: u.x, r: info.receptive_field, j: info.jump }),
    t("fm.detail_box", {
      t: u.input_box.top,
      b: u.input_box.bottom,
      l: u.input_box.left,
      r: u.input_box.right,
      h: c ? c.bottom - c.top + 1 : 0,
      w: c ? c.right - c.left + 1 : 0,
    }),
    t("fm.detail_range", { n: step + 1, min: num(layer.min, 3), max: num(layer.max, 3), count: layer.maps.length }),
  ];
  els.detail.replaceChildren(
    ...paragraphs(lines),
    Object.assign(document.createElement("p"), { className: "note", textContent: t("fm.detail_note") }),
  );
}

function narrate(step) {
  if (!run) return "";
  const layer = run.maps.layers[step];
  const p = layer.params;
  const info = run.answers[step].layers[step];
  const common = {
    n: step + 1,
    from: shape(layer.input_shape),
    to: shape(layer.shape),
    h: derivation(layer.output_size.height),
    min: num(layer.min, 3),
    max: num(layer.max, 3),
    r: info.receptive_field,
    j: info.jump,
  };
  if (layer.type === "conv") {
    const key = layer.kernels ? "fm.narrate_conv" : "fm.narrate_random";
    return t(key, {
      ...common,
      count: layer.maps.length,
      bank: t(`fm.bank.${p.bank}`),
      k: p.size,
      act: t(`fm.act.${p.activation}`),
    });
  }
  if (layer.type === "pool")
    return t(p.mode === "max" ? "fm.narrate_max" : "fm.narrate_avg", { ...common, k: p.kernel_size, s: p.stride });
  return t("fm.narrate_bn", common);
}

// ---- loading ----

function describeInput(input) {
  const orientation =
    input.orientation === 1 ? t("fm.orientation_none") : t("fm.orientation", { o: input.orientation });
  const key =
    input.width === input.original_width && input.height === input.original_height ? "fm.info_same" : "fm.info";
  info.textContent = t(key, {
    w: input.width,
    h: input.height,
    ow: input.original_width,
    oh: input.original_height,
    format: input.format,
    mode: input.mode,
    orientation,
  });
}

const scene = new Scene({
  table: TABLE,
  constrain,
  title: t("scene.feature-maps.title"),
  layout(v) {
    if (editor.element.dataset.shown !== v.layers) editor.render(v.layers);
    showSource(v);
  },
  async load(v, signal, sc) {
    const key = JSON.stringify([v.src, v.layers, v.gray]);
    const previous = run;
    const sameMaps = previous && previous.key === key && (v.src !== "upload" || previous.file === (candidate || photo));
    els.stage.setAttribute("aria-busy", "true");
    els.stage.classList.add("is-loading");
    try {
      let maps = previous?.maps;
      let file = previous?.file;
      if (!sameMaps) {
        file = v.src === "upload" ? candidate || photo : await sampleFile(v.src);
        try {
          maps = await postImage(file, v, signal);
        } catch (error) {
          if (file === candidate) {
            candidate = null; // a refused photo is not kept; without an earlier one, back to the sample
            if (!photo) scene.state.set({ src: srcBefore, unit: "" }, { notify: false });
            showSource(scene.values);
          }
          throw error;
        }
        if (file === candidate) {
          photo = candidate;
          candidate = null;
          rememberPhoto(photo, maps.input.png);
        }
      }
      const chosen = parseUnit(v.unit);
      const fits =
        chosen &&
        chosen.layer < maps.layers.length &&
        chosen.y < maps.layers[chosen.layer].shape[1] &&
        chosen.x < maps.layers[chosen.layer].shape[2];
      const units = unitsFor(maps, fits ? chosen : null);
      const answers = await Promise.all(
        units.map((u) => postJson("/api/receptive-field", fieldRequest(maps, u), { signal })),
      );
      if (signal.aborted) return;
      if (sameMaps) sc.startStep = scene.player.step;
      if (lastUnit !== undefined && v.unit !== lastUnit && fits) sc.startStep = chosen.layer;
      lastUnit = v.unit;
      if (sameMaps) Object.assign(run, { answers, units });
      else {
        run = { key, file, maps, answers, units };
        describeInput(maps.input);
        await build();
      }
      recolour(v.scale);
      sc.expect(maps.layers.length);
      sc.arrived(maps.layers.length);
    } finally {
      els.stage.removeAttribute("aria-busy");
      els.stage.classList.remove("is-loading");
    }
  },
  draw,
  narrate,
});

els.controls.prepend(source);
editor = layerEditor(els.controls, (text) => scene.state.set({ layers: text, unit: "" }));
source.after(editor.element);

// A link made with an uploaded photo, opened where that photo is not kept: say so, show a sample.
if (scene.values.src === "upload" && !photo) {
  scene.state.set({ src: "shapes" }, { notify: false });
  const note = document.createElement("p");
  note.id = "fm-missing-photo";
  note.textContent = t("fm.photo_missing");
  els.limits.append(note);
}
editor.render(scene.values.layers);
showSource(scene.values);
scene.state.writeUrl(); // a hand-written stack opens rewritten to its possible form
scene.start();
const shareBox = document.querySelector("#share .share-box");
if (shareBox) {
  const note = document.createElement("p");
  note.className = "note fm-share-note";
  note.textContent = t("fm.share_note");
  shareBox.append(note);
}
onResizeSettled(() => {
  if (!run || !run.views) return;
  build().then(() => {
    recolour(scene.values.scale);
    scene.redraw();
  });
});
window.convscope = { scene, run: () => run, drawn: () => drawn };
