// /feature-maps: a picture (a drawn sample or the learner's photo) through a small stack of conv,
// pool and batch-norm layers. Every layer's maps come from POST /api/feature-maps; clicking a unit
// asks POST /api/receptive-field for its box on the photo and on every earlier layer. The player
// steps through the layers, outlining each layer's centre unit (or the one clicked).
import { el, paragraphs } from "../../draw/dom.js";
import { num, t } from "../../i18n.js";
import { SteppedScene } from "../../kit/stepped.js";
import { postJson, request } from "../../kit/stream.js";
import { sampleFile } from "../shared/samples.js";
import { readable } from "../shared/size_formula.js";
import { layerEditor } from "./editor.js";
import { recallPhoto, rememberPhoto } from "./photo.js";
import { apiLayers, constrain, formatUnit, geometryOf, parseLayers, parseUnit, TABLE } from "./settings.js";
import { pictureSource } from "./source.js";
import { buildStage, shape } from "./stage.js";

let candidate = null; // a photo being tried
let srcBefore = "shapes"; // the source to go back to when a tried photo is refused
let photo = recallPhoto(); // the learner's accepted photo (kept for this tab)
let lastUnit;
let drawn = {}; // what the outlines show now, by layer (-1: the photo); the browser tests read it

function usePhoto(file) {
  if (!file) return;
  candidate = file;
  if (scene.values.src !== "upload") srcBefore = scene.values.src;
  // A new photo reloads even when the source was already "upload".
  scene.lastKey = null;
  scene.state.set({ src: "upload", unit: "" });
}

const source = pictureSource({ choose: (name) => scene.state.set({ src: name, unit: "" }), use: usePhoto });
let editor = null; // made once the scene has built its own controls (which clears the form)

// ---- requests ----

async function postImage(file, v, signal) {
  const form = new FormData();
  form.append("image", file, file.name || "photo");
  form.append("layers", JSON.stringify(apiLayers(parseLayers(v.layers))));
  if (v.gray) form.append("grayscale", "true");
  const headers = { Accept: "application/json" };
  return (await request("/api/feature-maps", { method: "POST", body: form, signal, headers })).json();
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

// ---- one step: the unit's field outlined on the photo and every earlier layer ----

const rowsCols = (b) => ({ top: b.top, bottom: b.bottom, left: b.left, right: b.right });
const padReach = (box, h, w) => Math.max(0, -box.top, -box.left, box.bottom - (h - 1), box.right - (w - 1));

function drawLayer(step, unit, boxes, { part, field, views }, i) {
  part.classList.toggle("is-current", i === step);
  part.classList.toggle("is-later", i > step);
  const b = boxes.get(i);
  if (i === step) {
    for (const v of views) v.setUnit(unit.y, unit.x, v.map.channel === unit.channel);
    field.textContent = t("fm.field_unit", { r: unit.y, c: unit.x });
  } else if (b) {
    for (const v of views) v.setField(b.box, b.clipped);
    drawn[i] = { box: rowsCols(b.box), clipped: b.clipped };
    const pad = padReach(b.box, b.height, b.width);
    const box = { t: b.box.top, b: b.box.bottom, l: b.box.left, r: b.box.right };
    field.textContent = t(pad ? "fm.field_box_pad" : "fm.field_box", { ...box, n: step + 1, pad });
  } else {
    for (const v of views) v.setUnit(null);
    field.textContent = "";
  }
  for (const v of views) v.el.classList.toggle("is-chosen", i === step && v.map.channel === unit.channel);
}

function draw(run, step) {
  const answer = run.answers[step];
  const unit = run.units[step];
  drawn = { unit: { layer: step, y: unit.y, x: unit.x } };
  const boxes = new Map(answer.unit.boxes.map((b) => [b.layer, b]));
  const input = boxes.get(-1);
  run.photo.setField(input.box, input.clipped);
  drawn[-1] = { box: input.box, clipped: input.clipped };
  for (const [i, layer] of run.views.entries()) drawLayer(step, unit, boxes, layer, i);
  drawDetail(run, step);
}

function drawDetail(run, step) {
  const layer = run.maps.layers[step];
  const answer = run.answers[step];
  const info = answer.layers[step];
  const u = answer.unit;
  const c = u.clipped_box;
  const box = { t: u.input_box.top, b: u.input_box.bottom, l: u.input_box.left, r: u.input_box.right };
  const lines = [
    t("fm.detail_field", { n: step + 1, y: u.y, x: u.x, r: info.receptive_field, j: info.jump }),
    t("fm.detail_box", { ...box, h: c ? c.bottom - c.top + 1 : 0, w: c ? c.right - c.left + 1 : 0 }),
    t("fm.detail_range", { n: step + 1, min: num(layer.min, 3), max: num(layer.max, 3), count: layer.maps.length }),
  ];
  scene.els.detail.replaceChildren(...paragraphs(lines), el("p", "note", t("fm.detail_note")));
}

function narrate(run, step) {
  const layer = run.maps.layers[step];
  const p = layer.params;
  const info = run.answers[step].layers[step];
  const common = {
    n: step + 1,
    from: shape(layer.input_shape),
    to: shape(layer.shape),
    h: readable(layer.output_size.height),
    min: num(layer.min, 3),
    max: num(layer.max, 3),
    r: info.receptive_field,
    j: info.jump,
  };
  if (layer.type === "conv") {
    const key = layer.kernels ? "fm.narrate_conv" : "fm.narrate_random";
    const conv = {
      count: layer.maps.length,
      bank: t(`fm.bank.${p.bank}`),
      k: p.size,
      act: t(`fm.act.${p.activation}`),
    };
    return t(key, { ...common, ...conv });
  }
  if (layer.type === "pool") {
    return t(p.mode === "max" ? "fm.narrate_max" : "fm.narrate_avg", { ...common, k: p.kernel_size, s: p.stride });
  }
  return t("fm.narrate_bn", common);
}

// ---- loading ----

/** The maps for these settings: the run's own when only the unit changed, else from the server. */
async function mapsFor(v, previous, key, signal) {
  const sameMaps = previous && previous.key === key && (v.src !== "upload" || previous.file === (candidate || photo));
  if (sameMaps) return { maps: previous.maps, file: previous.file, sameMaps };
  const file = v.src === "upload" ? candidate || photo : await sampleFile(v.src);
  let maps;
  try {
    maps = await postImage(file, v, signal);
  } catch (error) {
    if (file === candidate) {
      candidate = null; // a refused photo is not kept; without an earlier one, back to the sample
      if (!photo) scene.state.set({ src: srcBefore, unit: "" }, { notify: false });
      source.show(scene.values);
    }
    throw error;
  }
  if (file === candidate) {
    photo = candidate;
    candidate = null;
    rememberPhoto(photo, maps.input.png);
  }
  return { maps, file, sameMaps };
}

async function load(v, signal) {
  const key = JSON.stringify([v.src, v.layers, v.gray]);
  const { maps, file, sameMaps } = await mapsFor(v, scene.run, key, signal);
  const chosen = parseUnit(v.unit);
  const shapeOf = (u) => maps.layers[u.layer].shape;
  const fits =
    chosen && chosen.layer < maps.layers.length && chosen.y < shapeOf(chosen)[1] && chosen.x < shapeOf(chosen)[2];
  const units = unitsFor(maps, fits ? chosen : null);
  const answers = await Promise.all(
    units.map((u) => postJson("/api/receptive-field", fieldRequest(maps, u), { signal })),
  );
  if (signal.aborted) return;
  if (sameMaps) scene.startStep = scene.player.step;
  if (lastUnit !== undefined && v.unit !== lastUnit && fits) scene.startStep = chosen.layer;
  lastUnit = v.unit;
  const count = maps.layers.length;
  if (sameMaps) {
    Object.assign(scene.run, { answers, units });
    recolour(scene.run, v.scale);
    await scene.install(scene.run, { count, build: false });
    return;
  }
  source.describe(maps.input);
  await scene.install({ key, file, maps, answers, units }, { count });
}

/** The maps in view recoloured with `scale` ("map", "layer" or "grey"). */
function recolour(run, scale) {
  for (const layer of run.views) for (const view of layer.views) view.recolour(scale);
}

const scene = new SteppedScene({
  table: TABLE,
  constrain,
  title: t("scene.feature-maps.title"),
  layout(v) {
    if (editor.element.dataset.shown !== v.layers) editor.render(v.layers);
    source.show(v);
  },
  async load(v, signal) {
    const stage = scene.els.stage;
    stage.setAttribute("aria-busy", "true");
    stage.classList.add("is-loading");
    try {
      await load(v, signal);
    } finally {
      stage.removeAttribute("aria-busy");
      stage.classList.remove("is-loading");
    }
  },
  async build(run) {
    await buildStage(scene, run, {
      pick: (unit) => scene.state.set({ unit: formatUnit(unit), step: unit.layer }),
      hover: (text) => {
        scene.hoverInfo.textContent = text;
      },
    });
    recolour(run, scene.values.scale);
  },
  draw,
  narrate,
  hoverLine: true,
  hook: (scene) => ({ scene, run: () => scene.run, drawn: () => drawn }),
});

const controls = document.getElementById("controls");
controls.prepend(source.element);
editor = layerEditor(controls, (text) => scene.state.set({ layers: text, unit: "" }));
source.element.after(editor.element);

// A link made with an uploaded photo, opened where that photo is not kept: say so, show a sample.
if (scene.values.src === "upload" && !photo) {
  scene.state.set({ src: "shapes" }, { notify: false });
  const note = el("p", "", t("fm.photo_missing"));
  note.id = "fm-missing-photo";
  scene.els.limits.append(note);
}
editor.render(scene.values.layers);
source.show(scene.values);
scene.state.writeUrl(); // a hand-written stack opens rewritten to its possible form
scene.start();
const shareBox = document.querySelector("#share .share-box");
if (shareBox) shareBox.append(el("p", "note fm-share-note", t("fm.share_note")));
